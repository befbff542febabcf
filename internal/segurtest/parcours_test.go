package segurtest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// nav drives the demo portal of one test in Chromium, step by step.
type nav struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// demoNavigateur starts the binary with --demo and a browser, or skips
// without the DSFR (fails when CI=true).
func demoNavigateur(t *testing.T) *nav {
	t.Helper()
	dsfr := DSFR(t)
	bin := binary(t)
	base := serve(t, bin, t.TempDir(), "--demo", "--dsfr", dsfr).base
	return &nav{t: t, ctx: Browser(t), base: base}
}

// do runs one step; a step that waits for what never comes fails after
// 30 s, with a screenshot, instead of hanging.
func (n *nav) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(n.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		Screenshot(n.t, n.ctx, "echec-"+step)
		n.t.Fatalf("%s: %v", step, err)
	}
}

// texte is the text of the first element sel selects.
func (n *nav) texte(sel string) string {
	n.t.Helper()
	s, err := chromedp.Run(n.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		n.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// fetch reads, in the page, the target of the link sel selects: its
// status, type and first five bytes.
func (n *nav) fetch(sel string) string {
	n.t.Helper()
	js := `(async () => { const a = document.querySelector(` + "`" + sel + "`" + `); const r = await fetch(a.href);
		const b = new Uint8Array(await r.arrayBuffer()); return r.status + " " + r.headers.get("content-type") + " " + String.fromCharCode(...b.slice(0, 5)); })()`
	out, err := chromedp.Run(n.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		n.t.Fatalf("fetch %s: %v", sel, err)
	}
	return out
}

// connexion logs in with the demo password and waits for the next page's
// menu (not the form's title, which is there before).
func (n *nav) connexion(login string) {
	n.t.Helper()
	n.do("connexion "+login, chromedp.Navigate(n.base+"/connexion"),
		chromedp.SendKeys(chromedp.CSS("#login"), login),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "demo-segur-2026"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".fr-header__menu")))
}

func (n *nav) deconnexion() {
	n.t.Helper()
	n.do("déconnexion", chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)), chromedp.WaitNotPresent(chromedp.CSS(".fr-header__menu")))
}

// capture takes a screenshot and checks the page with axe-core.
func (n *nav) capture(nom string) {
	n.t.Helper()
	Screenshot(n.t, n.ctx, nom)
	Axe(n.t, n.ctx)
}

// succes waits for the flash message that says the request reached statut.
func succes(statut string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.Search(`//div[contains(@class, "fr-alert--success")]/p[contains(., "« ` + statut + ` »")]`))
}
