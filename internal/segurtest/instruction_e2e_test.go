package segurtest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDemoInstruction is the demo's instruction in a real Chromium, on the
// real binary: an instructor takes the demo request D0001, sees its
// alerts, opens its order form, validates it; the vendor sees the décision
// in its space and downloads it; D0002 (48 000 €) gets a convention that
// the vendor signs. Every page is checked with axe-core.
func TestDemoInstruction(t *testing.T) {
	dsfr := os.Getenv("SEGUR_DSFR_DIR")
	if dsfr == "" {
		const msg = `SEGUR_DSFR_DIR is empty: fetch the DSFR with: eval "$(scripts/dsfr.sh)"`
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	bin := binary(t)
	base, _ := serve(t, bin, t.TempDir(), "--demo", "--dsfr", dsfr)
	ctx := Browser(t)
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second) // fail, not hang
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			Screenshot(t, ctx, "echec-"+step)
			t.Fatalf("%s: %v", step, err)
		}
	}
	texte := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	// fetch reads, in the page, a link's target: its type and first bytes.
	fetch := func(sel string) string {
		t.Helper()
		js := `(async () => { const a = document.querySelector(` + "`" + sel + "`" + `); const r = await fetch(a.href);
			const b = new Uint8Array(await r.arrayBuffer()); return r.status + " " + r.headers.get("content-type") + " " + String.fromCharCode(...b.slice(0, 5)); })()`
		out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("fetch %s: %v", sel, err)
		}
		return out
	}
	connexion := func(login string) {
		t.Helper()
		do("connexion "+login, chromedp.Navigate(base+"/connexion"),
			chromedp.SendKeys(chromedp.CSS("#login"), login),
			chromedp.SendKeys(chromedp.CSS("#motdepasse"), "demo-segur-2026"),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			// The menu shows only once logged in: the next page, not the form.
			chromedp.WaitVisible(chromedp.CSS(".fr-header__menu")))
	}

	connexion("instructeur@asp.demo")
	if got := texte("h1"); got != "File d'instruction" {
		t.Fatalf("instructor's home: %q: %s", got, texte("main"))
	}
	if main := texte("main"); !strings.Contains(main, "Déposée (2)") {
		t.Errorf("queue: %q", main)
	}
	Screenshot(t, ctx, "01-file")
	Axe(t, ctx)

	for i, c := range []struct{ ed, statut string }{{"D0001", "Décidée"}, {"D0002", "Convention à signer"}} {
		do("ouvrir "+c.ed, chromedp.Navigate(base+"/agence/demandes?statut=toutes&tri=numeroASP"),
			chromedp.Click(chromedp.CSS(`tbody tr:nth-child(`+string(rune('1'+i))+`) a`)), chromedp.WaitVisible(chromedp.CSS(".fr-alert--warning")))
		main := texte("main")
		if !strings.Contains(main, c.ed) || !strings.Contains(main, "la clé de contrôle est fausse") {
			t.Errorf("%s: page lacks its alerts: %q", c.ed, main)
		}
		if got := fetch(`a[href$="/pieces/1"]`); got != "200 application/pdf %PDF-" {
			t.Errorf("%s: order form: got %q", c.ed, got)
		}
		Screenshot(t, ctx, "02-demande-"+c.ed)
		Axe(t, ctx)
		// Each step waits for its own outcome, not the previous page's.
		succes := func(statut string) chromedp.Action[chromedp.Void] {
			return chromedp.WaitVisible(chromedp.Search(`//div[contains(@class, "fr-alert--success")]/p[contains(., "« ` + statut + ` »")]`))
		}
		do("prendre "+c.ed, chromedp.Click(chromedp.CSS(`form input[value="prendre"] ~ button`)), succes("En instruction"))
		do("valider "+c.ed, chromedp.Click(chromedp.CSS(`form input[value="valider"] ~ button`)), succes(c.statut))
		Screenshot(t, ctx, "03-validee-"+c.ed)
		Axe(t, ctx)
	}
	do("déconnexion", chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)), chromedp.WaitNotPresent(chromedp.CSS(".fr-header__menu")))

	connexion("fournisseur@lebeaulogiciel.fr")
	do("vos demandes", chromedp.Navigate(base+"/demandes"), chromedp.WaitVisible(chromedp.CSS("caption")))
	if main := strings.ToLower(texte("tbody")); !strings.Contains(main, "décidée") || !strings.Contains(main, "convention à signer") {
		t.Errorf("vendor's list: %q", main)
	}
	do("D0001", chromedp.Click(chromedp.CSS(`tbody tr:nth-child(1) a`)), chromedp.WaitVisible(chromedp.CSS(".fr-breadcrumb")))
	if main := texte("main"); !strings.Contains(main, "Décision attributive de financement") {
		t.Errorf("vendor's D0001: %q", main)
	}
	if got := fetch(`a[href*="/documents/"]`); got != "200 application/pdf %PDF-" {
		t.Errorf("décision download: got %q", got)
	}
	Screenshot(t, ctx, "04-decision")
	Axe(t, ctx)
	do("D0002", chromedp.Navigate(base+"/demandes"), chromedp.Click(chromedp.CSS(`tbody tr:nth-child(2) a`)), chromedp.WaitVisible(chromedp.CSS("#accepte")))
	if got := fetch(`.fr-callout a[href*="/documents/"]`); got != "200 application/pdf %PDF-" {
		t.Errorf("convention download: got %q", got)
	}
	Screenshot(t, ctx, "05-convention")
	Axe(t, ctx)
	do("signer", chromedp.Click(chromedp.CSS(`label[for="accepte"]`)), chromedp.Click(chromedp.CSS(`form[action$="/signer"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
	if main := texte("main"); !strings.Contains(main, "Convention signée") || !strings.Contains(main, "Signature de la convention") {
		t.Errorf("after signing: %q", main)
	}
	Screenshot(t, ctx, "06-signee")
	Axe(t, ctx)
}
