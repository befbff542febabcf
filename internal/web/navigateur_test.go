package web

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// dsfrDir is the DSFR fetched by scripts/dsfr.sh, or skips (fails with CI=true).
func dsfrDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SEGUR_DSFR_DIR")
	if dir == "" {
		const msg = `SEGUR_DSFR_DIR is empty: fetch the DSFR with: eval "$(scripts/dsfr.sh)"`
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

// TestParcoursConnexion logs in and out in a real Chromium, checking every
// page with axe-core (WCAG 2.1 A and AA).
func TestParcoursConnexion(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	ctx := segurtest.Browser(t)
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			segurtest.Screenshot(t, ctx, "echec-"+step)
			t.Fatalf("%s: %v", step, err)
		}
	}
	texte := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}

	do("accueil", chromedp.Navigate(p.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#login")))
	segurtest.Screenshot(t, ctx, "01-connexion")
	segurtest.Axe(t, ctx)

	do("mauvais mot de passe",
		chromedp.SendKeys(chromedp.CSS("#login"), "jean@lebeaulogiciel.fr"),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "faux"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#motdepasse-erreur")))
	if got := texte("#motdepasse-erreur"); got != "Adresse e-mail ou mot de passe incorrect." {
		t.Errorf("got %q beside the field", got)
	}
	segurtest.Screenshot(t, ctx, "02-mot-de-passe-faux")
	segurtest.Axe(t, ctx)

	do("connexion",
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de test"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("caption")))
	if got := texte("h1"); got != "Tableau de bord" {
		t.Errorf("got title %q, want the dashboard", got)
	}
	if got := texte("main"); !strings.Contains(got, "1234567890") || !strings.Contains(got, "Le Beau Logiciel") {
		t.Errorf("dashboard lacks the vendor or its ANS number: %q", got)
	}
	segurtest.Screenshot(t, ctx, "03-tableau-de-bord")
	segurtest.Axe(t, ctx)

	do("déconnexion",
		chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
	if got := texte(".fr-alert--success"); got != "Vous êtes déconnecté." {
		t.Errorf("got %q after logout", got)
	}
	segurtest.Screenshot(t, ctx, "04-deconnecte")
	segurtest.Axe(t, ctx)
}
