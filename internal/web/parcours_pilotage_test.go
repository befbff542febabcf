package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur"
)

// TestParcoursPilotage: the dashboard in a real Chromium at 1280 px, as
// an instructor opens it from the menu and filters it, then at 390 px: at
// 1280 px the charts are SVG, each under a visible title and in line with
// the text, none of their labels or values cut by its frame, no table
// wider than its column; a filter applies and says so.
func TestParcoursPilotage(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "48000.00", "23000.00")
	deposerForm(t, vendeur, p, "T0009", "1000.00", 9, false) // no zip: rejected by control 1 (1040)
	payerAvance(t, p, asps[0], 10_000_01)
	payerAvance(t, p, asps[1], 20_000_00)
	agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	ctx, do, texte := parcours(t)
	verifier := ecran(t, ctx)

	do("1280 px", chromedp.EmulateViewport(1280, 900))
	connexionAgent(do, p.srv.URL, "marie@asp.fr")
	do("pilotage", chromedp.Click(chromedp.CSS(`.fr-nav a[href="/agence/pilotage"]`)), chromedp.WaitVisible(chromedp.CSS(`svg[data-graphique="gr-codes"]`)))
	if got := texte("h1"); got != "Pilotage" {
		t.Errorf("title %q", got)
	}
	if got := texte(`[data-montant="engage"]`); got != "30\u202f000,01\u202f€" {
		t.Errorf("committed: %q", got)
	}
	verifier("pilotage", 1280)
	// Every label and value of a chart within its drawing, every table
	// within its column: nothing to scroll sideways at 1280 px.
	coupes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('svg[data-graphique]')].flatMap(svg => {
		const vb = svg.viewBox.baseVal;
		return [...svg.querySelectorAll('text')].filter(t => { const b = t.getBBox(); return b.x < 0 || b.x + b.width > vb.width + 0.5; })
			.map(t => svg.dataset.graphique + ': ' + t.textContent);
	})`))
	if err != nil || len(coupes) > 0 {
		t.Errorf("chart texts out of their drawing at 1280 px: %q (%v)", coupes, err)
	}
	larges, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('main .fr-table table')].filter(t => t.scrollWidth > t.clientWidth + 1)
		.map(t => t.querySelector('caption').textContent.trim())`))
	if err != nil || len(larges) > 0 {
		t.Errorf("tables scrolling sideways at 1280 px: %q (%v)", larges, err)
	}
	// Each chart says what it shows, and starts where the text does.
	if got := texte("#gr-decision-legende"); got != "Délai médian du dépôt à la décision, par semaine de décision" {
		t.Errorf("the first delay's chart: visible title %q", got)
	}
	if got := texte("#gr-paiement-legende"); got != "Délai médian de la décision au paiement de l'avance, par semaine de paiement" {
		t.Errorf("the second delay's chart: visible title %q", got)
	}
	decale, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => { const x = document.querySelector('main h1').getBoundingClientRect().left;
		return [...document.querySelectorAll('figure.segur-graphique')].filter(f => Math.abs(f.getBoundingClientRect().left - x) > 1)
			.map(f => f.querySelector('svg').dataset.graphique); })()`))
	if err != nil || len(decale) > 0 {
		t.Errorf("charts indented from the page's text: %q (%v)", decale, err)
	}
	listes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('ul.segur-barres')].filter(u => getComputedStyle(u).display !== 'none').length`))
	if err != nil || listes != 0 {
		t.Errorf("at 1280 px, %d charts shown as lists (%v), want SVG only", listes, err)
	}

	do("filtre RI", chromedp.SetValue(chromedp.CSS("#filtre-logiciel"), "RI"),
		chromedp.Click(chromedp.CSS(`form[action="/agence/pilotage"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("[data-filtre]")))
	if got := texte("[data-filtre]"); !strings.EqualFold(got, "Filtré\u202f: logiciel RI") {
		t.Errorf("filter: badge %q", got)
	}
	if got := texte(`[data-montant="engage"]`); got != "30\u202f000,01\u202f€" {
		t.Errorf("committed, RI: %q", got)
	}
	verifier("pilotage-filtre", 1280)

	do("390 px", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("[data-filtre]")))
	verifier("pilotage-filtre", 390)
}
