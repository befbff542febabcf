package web

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// dsfrDir is the DSFR fetched by scripts/dsfr.sh, or skips (fails with CI=true).
func dsfrDir(t *testing.T) string { return segurtest.DSFR(t) }

// parcours starts a browser for one journey and returns its context, do
// (which runs a step and, when it fails, keeps a screenshot and fails the
// test) and texte (the visible text of a selector).
// pasMax bounds one step of a journey.
const pasMax = 30 * time.Second

func parcours(t *testing.T) (context.Context, func(string, ...chromedp.Action[chromedp.Void]), func(string) string) {
	t.Helper()
	ctx := segurtest.Browser(t)
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		// A step that waits for what never comes fails, not hangs.
		sctx, cancel := context.WithTimeout(ctx, pasMax)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			// The screenshot too is bounded: a browser stuck in the step
			// would hold it for ever.
			ectx, cancel := context.WithTimeout(ctx, pasMax)
			defer cancel()
			segurtest.Screenshot(t, ectx, "echec-"+step)
			t.Fatalf("%s: %v", step, err)
		}
	}
	texte := func(sel string) string {
		t.Helper()
		// Bounded too: a node that is not there fails the test, not hangs it.
		sctx, cancel := context.WithTimeout(ctx, pasMax)
		defer cancel()
		// A page that has just loaded may still replace its document
		// (the one WaitVisible saw is not the one read): the DevTools
		// answer « No node with given id found », and the node is asked
		// for again, in the page as it is then.
		for essai := 1; ; essai++ {
			s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
			if err != nil && essai < 3 && strings.Contains(err.Error(), "No node with given id found") {
				continue
			}
			if err != nil {
				t.Fatalf("text of %s: %v", sel, err)
			}
			return strings.TrimSpace(s)
		}
	}
	return ctx, do, texte
}

// ecran returns a check of the page shown at largeur px: a screenshot
// named after nom and the width, axe, and no horizontal scroll.
func ecran(t *testing.T, ctx context.Context) func(nom string, largeur int64) {
	return func(nom string, largeur int64) {
		t.Helper()
		segurtest.Screenshot(t, ctx, fmt.Sprintf("%s-%d", nom, largeur))
		segurtest.Axe(t, ctx)
		large, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatalf("%s: width: %v", nom, err)
		}
		if large > largeur {
			t.Errorf("%s at %d px: the page is %d px wide, want no horizontal scroll", nom, largeur, large)
		}
	}
}

// TestParcoursConnexion logs in and out in a real Chromium, checking every
// page with axe-core (WCAG 2.1 A and AA).
func TestParcoursConnexion(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	ctx, do, texte := parcours(t)

	do("accueil", chromedp.Navigate(p.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#login")))
	segurtest.Screenshot(t, ctx, "01-connexion")
	segurtest.Axe(t, ctx)

	do("mauvais mot de passe",
		chromedp.SendKeys(chromedp.CSS("#login"), "jean@lebeaulogiciel.fr"),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "faux"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#motdepasse-erreur")))
	if got := texte("#motdepasse-erreur"); got != "Adresse électronique ou mot de passe incorrect." {
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

// TestParcoursMobile: on a phone (390 px), the header's tools are behind
// the DSFR's « Menu » button: it opens the menu with the user's name, the
// navigation and « Se déconnecter », which logs out.
func TestParcoursMobile(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	ctx, do, texte := parcours(t)
	do("390 px", chromedp.EmulateViewport(390, 844))
	do("connexion", chromedp.Navigate(p.srv.URL+"/connexion"),
		chromedp.SendKeys(chromedp.CSS("#login"), "jean@lebeaulogiciel.fr"),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de test"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#bouton-menu")))
	if visible, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const b = document.querySelector('.fr-header__tools-links form[action="/deconnexion"] button'); return b !== null && b.offsetParent !== null; })()`)); err != nil || visible {
		t.Errorf("at 390 px the header's own logout button: visible %v (%v), want it behind the menu", visible, err)
	}
	segurtest.Screenshot(t, ctx, "mobile-01-tableau")
	segurtest.Axe(t, ctx)
	const deconnexion = `#menu-principal .fr-header__menu-links form[action="/deconnexion"] button`
	do("menu", chromedp.Click(chromedp.CSS("#bouton-menu")), chromedp.WaitVisible(chromedp.CSS(deconnexion)))
	if got := texte("#menu-principal"); !strings.Contains(got, "Vos demandes") || !strings.Contains(got, "Se déconnecter") {
		t.Errorf("the open menu: %q", got)
	}
	segurtest.Screenshot(t, ctx, "mobile-02-menu")
	segurtest.Axe(t, ctx)
	do("déconnexion", chromedp.Click(chromedp.CSS(deconnexion)), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
	if got := texte(".fr-alert--success"); got != "Vous êtes déconnecté." {
		t.Errorf("got %q after logout from the phone's menu", got)
	}
}

// TestParcoursDepot deposits the document's example through the form in a
// real Chromium: accepted with an ASP number, the returned file downloaded
// and checked, the same files refused as a duplicate, a broken file shown
// with its reason; every page checked with axe-core.
func TestParcoursDepot(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	ctx, do, texte := parcours(t)
	// The example, renamed with today's date.
	dir := t.TempDir()
	paris, _ := time.LoadLocation("Europe/Paris")
	jour := p.now.In(paris).Format("20060102")
	ex, err := os.ReadFile("../../hop/testdata/JSON-1234567890-20211025-001.json")
	if err != nil {
		t.Fatal(err)
	}
	nom := filepath.Join(dir, "JSON-1234567890-"+jour+"-001.json")
	casse := filepath.Join(dir, "JSON-1234567890-"+jour+"-002.json")
	os.WriteFile(nom, ex, 0o644)
	os.WriteFile(casse, ex[:700], 0o644)
	zip, _ := filepath.Abs("../../hop/testdata/JSON-1234567890-20211025-001.zip")

	do("connexion", chromedp.Navigate(p.srv.URL+"/connexion"),
		chromedp.SendKeys(chromedp.CSS("#login"), "jean@lebeaulogiciel.fr"),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de test"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("caption")))
	deposer := func(step, fichier string, wait string) {
		t.Helper()
		do(step, chromedp.Navigate(p.srv.URL+"/depots/nouveau"), chromedp.WaitVisible(chromedp.CSS("#fichier")),
			chromedp.SetUploadFiles(chromedp.CSS("#fichier"), []string{fichier}),
			chromedp.SetUploadFiles(chromedp.CSS("#pieces"), []string{zip}),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(wait)))
	}
	do("formulaire", chromedp.Navigate(p.srv.URL+"/depots/nouveau"), chromedp.WaitVisible(chromedp.CSS("#fichier")))
	segurtest.Screenshot(t, ctx, "01-formulaire")
	segurtest.Axe(t, ctx)

	deposer("dépôt", nom, "caption")
	if got := texte("main"); !strings.Contains(got, "La demande est acceptée") || !strings.Contains(got, "ASP-") {
		t.Fatalf("result page lacks « La demande est acceptée » and an ASP number: %q", got)
	}
	segurtest.Screenshot(t, ctx, "02-resultat")
	segurtest.Axe(t, ctx)
	lien, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`a[href$="/fichier-retour"]`), "href"))
	if err != nil || lien.Value == "" {
		t.Fatalf("no link to the returned file: %v", err)
	}
	// Download it as the browser would, with its session.
	retour, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("`+lien.Value+`").then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(retour, `"codeTraitement": "0000"`) || !strings.Contains(retour, `"numeroASP": "ASP-`) {
		t.Errorf("returned file:\n%s", retour)
	}

	deposer("doublon", nom, ".fr-alert--error")
	if got := texte(".fr-alert--error"); !strings.Contains(got, "déjà été déposés") {
		t.Errorf("duplicate: got %q", got)
	}
	segurtest.Screenshot(t, ctx, "03-doublon")
	segurtest.Axe(t, ctx)

	deposer("fichier cassé", casse, ".fr-alert--error")
	if got := texte(".fr-alert--error"); !strings.Contains(got, "1012") || !strings.Contains(got, "ligne 25") {
		t.Errorf("broken file: got %q", got)
	}
	segurtest.Screenshot(t, ctx, "04-fichier-rejete")
	segurtest.Axe(t, ctx)

	// A file over 10 Mo: refused while it uploads, in plain French, in place.
	gros := filepath.Join(dir, "JSON-1234567890-"+jour+"-003.json")
	os.WriteFile(gros, append(ex, bytes.Repeat([]byte(" "), 11<<20)...), 0o644)
	deposer("fichier trop gros", gros, ".fr-alert--error")
	if got := texte(".fr-alert--error"); !strings.Contains(got, "plus de 10 Mo") {
		t.Errorf("too large: got %q", got)
	}
	segurtest.Screenshot(t, ctx, "04b-trop-gros")
	segurtest.Axe(t, ctx)

	do("liste des dépôts", chromedp.Navigate(p.srv.URL+"/depots"), chromedp.WaitVisible(chromedp.CSS("caption")))
	if got := texte("caption"); !strings.HasPrefix(got, "2 dépôts") {
		t.Errorf("deposits list: got caption %q", got)
	}
	segurtest.Screenshot(t, ctx, "05-depots")
	segurtest.Axe(t, ctx)
	do("liste des demandes", chromedp.Navigate(p.srv.URL+"/demandes?tri=-montant"), chromedp.WaitVisible(chromedp.CSS("caption")))
	if got := texte("main table"); !strings.Contains(got, "ASP-") || !strings.Contains(got, "999999992") {
		t.Errorf("requests list: got %q", got)
	}
	segurtest.Screenshot(t, ctx, "06-demandes")
	segurtest.Axe(t, ctx)

	do("déconnexion", chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
}
