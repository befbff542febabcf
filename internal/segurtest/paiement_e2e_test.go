package segurtest

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur/hop"
)

// TestDemoJusquAuSolde is the demo's request D0001 from its décision to its
// balance paid, in a real Chromium on the real binary: the advance in a
// batch prepared by a payment officer and approved by another (who decided
// nothing), its SEPA
// file downloaded, the batch marked paid and the notice in the vendor's
// space; then the vendor deposits the balance through the form, the
// instructor validates it, and a second batch pays it; a control a
// posteriori drawn with a seed is recorded compliant.
func TestDemoJusquAuSolde(t *testing.T) {
	n := demoNavigateur(t)
	n.connexion("instructeur@asp.demo")
	n.instruire(1, "D0001", "Décidée", "s01-demande", "s02-decidee")
	n.deconnexion()

	n.connexion("payeur@asp.demo")
	n.payer("avance", "s03")
	n.deconnexion()

	n.connexion("fournisseur@lebeaulogiciel.fr")
	n.do("avis de paiement", chromedp.Navigate(n.base+"/paiements"), chromedp.WaitVisible(chromedp.CSS(`main a[href^="/paiements/"]`)))
	if got := n.fetch(`main a[href^="/paiements/"]`); got != "200 application/pdf %PDF-" {
		t.Errorf("notice download: got %q", got)
	}
	n.capture("s06-avis")
	// The balance, deposited through the form: invoice of the amount
	// ordered, service live today, the server's day.
	deposerSolde := func() (main, jour string) {
		jour = jourDuServeur(t, n.base)
		j, err := hop.ParseDateAAAAMMJJ(jour)
		if err != nil {
			t.Fatal(err)
		}
		json, archive := fichierSolde(t, "ASP-"+jour[:4]+"-0000001", "D0001", j)
		dir := t.TempDir()
		// The demo's own deposit took ordinal 001 today.
		nom := filepath.Join(dir, "JSON-1234567890-"+jour+"-002.json")
		zipNom := filepath.Join(dir, "pieces.zip")
		os.WriteFile(nom, json, 0o644)
		os.WriteFile(zipNom, archive, 0o644)
		n.do("dépôt du solde", chromedp.Navigate(n.base+"/depots/nouveau"), chromedp.WaitVisible(chromedp.CSS("#fichier")),
			chromedp.SetValue(chromedp.CSS("#typeDemande"), "solde"),
			chromedp.SetUploadFiles(chromedp.CSS("#fichier"), []string{nom}),
			chromedp.SetUploadFiles(chromedp.CSS("#pieces"), []string{zipNom}),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.Search(`//h1[starts-with(., "Dépôt ")]`))) // the deposit's page, accepted or rejected
		return n.texte("main"), jour
	}
	got, jour := deposerSolde()
	if strings.Contains(got, hop.CodeNomFichierDate+" : ") && jourDuServeur(t, n.base) != jour {
		// Midnight passed between naming the file and depositing it: once
		// more, for the new day (see deposerDuJour).
		got, _ = deposerSolde()
	}
	if !strings.Contains(got, "La demande est acceptée") {
		t.Fatalf("balance deposit: %q", got)
	}
	n.capture("s07-solde-depose")
	n.deconnexion()

	n.connexion("instructeur@asp.demo")
	n.do("ouvrir le solde", chromedp.Navigate(n.base+"/agence/demandes?statut=solde_deposee"),
		chromedp.Click(chromedp.CSS(`tbody tr:nth-child(1) a`)), chromedp.WaitVisible(chromedp.CSS(`form input[value="prendre_solde"] ~ button`)))
	n.capture("s08-solde")
	n.do("prendre le solde", chromedp.Click(chromedp.CSS(`form input[value="prendre_solde"] ~ button`)), succes("Solde en instruction"))
	n.do("valider le solde", chromedp.Click(chromedp.CSS(`form input[value="valider_solde"] ~ button`)), chromedp.WaitVisible(chromedp.CSS("#confirmer")))
	n.do("confirmer le solde", chromedp.Click(chromedp.CSS("#confirmer")), succes("Solde validé"))
	if got := n.texte("main"); !strings.Contains(got, "9\u202f625,00\u202f€") {
		t.Errorf("balance of 13 750 € − 4 125 €: page lacks 9 625,00\u202f€: %q", got)
	}
	n.capture("s09-solde-valide")
	n.deconnexion()

	n.connexion("payeur@asp.demo")
	n.payer("solde", "s10")
	n.deconnexion()

	n.connexion("fournisseur@lebeaulogiciel.fr")
	n.do("demande soldée", chromedp.Navigate(n.base+"/demandes?numeroEditeur=D0001"), chromedp.WaitVisible(chromedp.CSS("caption")))
	if got := strings.ToLower(n.texte("tbody")); !strings.Contains(got, "soldée") {
		t.Errorf("D0001 after the balance's payment: %q", got)
	}
	n.capture("s13-soldee")
	n.deconnexion()

	// A control a posteriori: a draw of every paid request with a recorded
	// seed, a message to the vendor, the outcome recorded.
	n.connexion("instructeur@asp.demo")
	n.do("tirage", chromedp.Navigate(n.base+"/agence/controles"), chromedp.WaitVisible(chromedp.CSS("#taux")),
		chromedp.SetValue(chromedp.CSS("#taux"), "100"), chromedp.SetValue(chromedp.CSS("#graine"), "2026"),
		chromedp.Click(chromedp.CSS(`form[action="/agence/tirages"] button`)), chromedp.WaitVisible(chromedp.CSS("#confirmer")))
	n.do("confirmer le tirage", chromedp.Click(chromedp.CSS("#confirmer")), chromedp.WaitVisible(chromedp.CSS("#graine-tirage")))
	if got := n.texte("#graine-tirage"); got != "2026" {
		t.Errorf("seed shown: %q", got)
	}
	n.capture("s14-tirage")
	n.do("contrôle", chromedp.Click(chromedp.CSS(`main a[href^="/agence/controles/"]`)), chromedp.WaitVisible(chromedp.CSS("#message")),
		chromedp.SendKeys(chromedp.CSS("#message"), "Transmettez le PV de VSR signé par l'hôpital."),
		chromedp.Click(chromedp.CSS(`form[action$="/messages"] button`)), chromedp.WaitVisible(chromedp.CSS("#confirmer")))
	n.do("confirmer le message", chromedp.Click(chromedp.CSS("#confirmer")), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
	n.do("conforme", chromedp.Click(chromedp.CSS(`label[for="resultat-conforme"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/conclusion"] button`)), chromedp.WaitVisible(chromedp.CSS("#confirmer")))
	n.do("confirmer la conclusion", chromedp.Click(chromedp.CSS("#confirmer")),
		chromedp.WaitVisible(chromedp.Search(`//div[contains(@class, "fr-alert--success")]/p[contains(., "onforme")]`)))
	n.capture("s15-controle-conforme")
	n.do("pilotage", chromedp.Navigate(n.base+"/agence/pilotage"), chromedp.WaitVisible(chromedp.CSS("svg")))
	n.capture("s16-pilotage")
}

// payer has the logged-in payment officer batch every payment due; the
// batch's page offers him no approval: the second officer, approbateur,
// logs in instead, approves the batch, downloads its SEPA file and marks
// it paid today.
func (n *nav) payer(nature, capture string) {
	n.t.Helper()
	n.do("paiements dus ("+nature+")", chromedp.Navigate(n.base+"/agence/paiements"), chromedp.WaitVisible(chromedp.CSS(`button[name="tous"]`)))
	if got := strings.ToLower(n.texte("main")); !strings.Contains(got, nature) {
		n.t.Errorf("payments due lack the %s: %q", nature, got)
	}
	n.capture(capture + "-dus")
	n.do("préparer le lot", chromedp.Click(chromedp.CSS(`button[name="tous"]`)), chromedp.WaitVisible(chromedp.CSS("#quatre-yeux")))
	lot, err := chromedp.Run(n.ctx, chromedp.Location())
	if err != nil {
		n.t.Fatalf("the batch's address: %v", err)
	}
	n.deconnexion()
	n.connexion("approbateur@asp.demo")
	n.do("le lot, pour l'approbateur", chromedp.Navigate(lot), chromedp.WaitVisible(chromedp.CSS(`form[action$="/approuver"]`)))
	n.do("approuver", chromedp.Click(chromedp.CSS(`form[action$="/approuver"] button`)), chromedp.WaitVisible(chromedp.CSS("#confirmer")))
	n.do("confirmer l'approbation", chromedp.Click(chromedp.CSS("#confirmer")), chromedp.WaitVisible(chromedp.CSS(`a[href$="virement.xml"]`)))
	if got := n.fetch(`a[href$="virement.xml"]`); !strings.HasPrefix(got, "200 application/xml") || !strings.HasSuffix(got, "<?xml") {
		n.t.Errorf("SEPA file: got %q", got)
	}
	n.capture(capture + "-approuve")
	n.do("marquer payé", chromedp.Click(chromedp.CSS(`form[action$="/payer"] button`)), chromedp.WaitVisible(chromedp.CSS("#confirmer")))
	n.do("confirmer le paiement", chromedp.Click(chromedp.CSS("#confirmer")), chromedp.WaitVisible(chromedp.CSS(`a[href*="/avis/"]`)))
	n.capture(capture + "-paye")
}

// fichierSolde is a balance file of one line for the request asp, and its
// zip with the invoice and the statement of service delivered.
func fichierSolde(t *testing.T, asp, ed string, jour hop.Date) ([]byte, []byte) {
	t.Helper()
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	var pieces []hop.Piece
	for _, typ := range []string{hop.TypeFacture, hop.TypePVVSR} {
		nom := hop.NomPiece(hop.LogicielRI, typ, ed, "PDF")
		w, err := zw.Create(nom)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("%PDF-1.4\n% " + nom + "\n%%EOF\n"))
		pieces = append(pieces, hop.Piece{NomFichier: nom, Format: "PDF", Type: typ})
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	var j bytes.Buffer
	err := hop.EcrireSolde(&j, hop.FichierSolde{NumeroAns: "1234567890", SIRET: "88558855858745", Soldes: []hop.DonneesSolde{{
		NumeroASP: asp, NumeroEditeur: ed, NumeroFacture: "F-2026-001", DateFacture: jour, MontantFactureHTCents: 13_750_00,
		DateMiseEnService: jour, Pieces: pieces}}})
	if err != nil {
		t.Fatal(err)
	}
	return j.Bytes(), z.Bytes()
}
