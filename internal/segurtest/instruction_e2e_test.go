package segurtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDemoInstruction is the demo's instruction in a real Chromium, on the
// real binary: an instructor takes the demo request D0001, sees its
// alerts, opens its order form, validates it; the vendor sees the décision
// in its space and downloads it; D0002 (48 000 €) gets a convention that
// the vendor signs. Every page is checked with axe-core.
func TestDemoInstruction(t *testing.T) {
	n := demoNavigateur(t)
	n.connexion("instructeur@asp.demo")
	if got := n.texte("h1"); got != "File d'instruction" {
		t.Fatalf("instructor's home: %q: %s", got, n.texte("main"))
	}
	if main := n.texte("main"); !strings.Contains(main, "À traiter (2)") {
		t.Errorf("queue: %q", main)
	}
	n.capture("01-file")
	for i, c := range []struct{ ed, statut string }{{"D0001", "Décidée"}, {"D0002", "Convention à signer"}} {
		n.instruire(i+1, c.ed, c.statut, "02-demande-"+c.ed, "03-validee-"+c.ed)
	}
	n.deconnexion()

	n.connexion("fournisseur@lebeaulogiciel.fr")
	n.do("vos demandes", chromedp.Navigate(n.base+"/demandes"), chromedp.WaitVisible(chromedp.CSS("caption")))
	if main := strings.ToLower(n.texte("tbody")); !strings.Contains(main, "décidée") || !strings.Contains(main, "convention à signer") {
		t.Errorf("vendor's list: %q", main)
	}
	n.do("D0001", chromedp.Click(chromedp.CSS(`tbody tr:nth-child(1) a`)), chromedp.WaitVisible(chromedp.CSS(".fr-breadcrumb")))
	if main := n.texte("main"); !strings.Contains(main, "Décision attributive de financement") {
		t.Errorf("vendor's D0001: %q", main)
	}
	if got := n.fetch(`a[href*="/documents/"]`); got != "200 application/pdf %PDF-" {
		t.Errorf("décision download: got %q", got)
	}
	n.capture("04-decision")
	n.do("D0002", chromedp.Navigate(n.base+"/demandes"), chromedp.Click(chromedp.CSS(`tbody tr:nth-child(2) a`)), chromedp.WaitVisible(chromedp.CSS("#accepte")))
	if got := n.fetch(`.fr-callout a[href*="/documents/"]`); got != "200 application/pdf %PDF-" {
		t.Errorf("convention download: got %q", got)
	}
	n.capture("05-convention")
	n.do("signer", chromedp.Click(chromedp.CSS(`label[for="accepte"]`)), chromedp.Click(chromedp.CSS(`form[action$="/signer"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#confirmer")))
	n.do("confirmer la signature", chromedp.Click(chromedp.CSS("#confirmer")), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
	if main := n.texte("main"); !strings.Contains(main, "Convention signée") || !strings.Contains(main, "Signature de la convention") {
		t.Errorf("after signing: %q", main)
	}
	n.capture("06-signee")
}

// instruire has the logged-in instructor open the rang-th request of the
// queue (ASP order), check its alerts and order form, take and validate it.
func (n *nav) instruire(rang int, ed, statut, avant, apres string) {
	n.t.Helper()
	n.do("ouvrir "+ed, chromedp.Navigate(n.base+"/agence/demandes?statut=toutes&tri=numeroASP"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`tbody tr:nth-child(%d) a`, rang))), chromedp.WaitVisible(chromedp.CSS(".fr-alert--warning")))
	main := n.texte("main")
	if !strings.Contains(main, ed) || !strings.Contains(main, "la clé de contrôle est fausse") {
		n.t.Errorf("%s: page lacks its alerts: %q", ed, main)
	}
	if got := n.fetch(`a[href$="/pieces/1"]`); got != "200 application/pdf %PDF-" {
		n.t.Errorf("%s: order form: got %q", ed, got)
	}
	n.capture(avant)
	// Each step waits for its own outcome, not the previous page's.
	n.do("prendre "+ed, chromedp.Click(chromedp.CSS(`form input[value="prendre"] ~ button`)), succes("En instruction"))
	n.do("valider "+ed, chromedp.Click(chromedp.CSS(`form input[value="valider"] ~ button`)), chromedp.WaitVisible(chromedp.CSS("#confirmer")))
	if conf := n.texte("#confirmation"); !strings.Contains(conf, "Montant financé") {
		n.t.Errorf("%s: validation's confirmation lacks the amount: %q", ed, conf)
	}
	n.do("confirmer la validation de "+ed, chromedp.Click(chromedp.CSS("#confirmer")), succes(statut))
	n.capture(apres)
}
