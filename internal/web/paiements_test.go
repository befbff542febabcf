package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/segurtest"
	"github.com/segur-numerique/segur/internal/sepa"
)

// exemplesPaiements are the payments' pages with typed sample data, for
// TestTemplates.
func exemplesPaiements() map[string]exemple {
	payeur := &segur.Utilisateur{Login: "paul@asp.fr", Nom: "Paul", Roles: []segur.Role{segur.RolePayeur}}
	groupe := GroupePaiements{Fournisseur: "Le Beau Logiciel", SIRET: "88558855858745", IBAN: "FR** **** 0189", Banque: true, Nombre: 1, Total: "4 125,00\u202f€",
		Lignes: []LignePaiement{{"ASP-2026-0000001", "00001", "Avance (30 %)", "4 125,00\u202f€"}}}
	sans := GroupePaiements{Fournisseur: "Sans banque", SIRET: "35600000000048", Nombre: 1, Total: "1,00\u202f€", Lignes: []LignePaiement{{"ASP-2026-0000002", "00001", "Solde", "1,00\u202f€"}}}
	lot := LotVue{ID: 1, Reference: "LOT-000001", Etat: "Payé", EtatCode: "paye", CreeLe: "02/06/2026 à 10:00", CreePar: "paul@asp.fr", Nombre: "1", Montant: "4 125,00\u202f€", PayeLe: "02/06/2026"}
	avis := &AvisVue{Reference: "AVIS-000001-1", Lien: "/paiements/AVIS-000001-1", DatePaiement: "02/06/2026", Montant: "4 125,00\u202f€", CreeLe: "02/06/2026 à 11:00"}
	paye := groupe
	paye.Avis = avis
	return map[string]exemple{
		"agence-paiements.html": {PagePaiements{Base: Base{Titre: "Paiements", Nav: "paiements", Utilisateur: payeur}, Dus: []GroupePaiements{groupe, sans},
			NombreDus: 2, TotalDus: "4 126,00\u202f€", Lots: []LotVue{lot}, TotalLots: 1, Pagination: Pagination{Page: 1, Pages: 1}},
			`<h2 id="dus">Paiements dus`, []string{`aria-current="page">Paiements</a>`, `name="asp" value="ASP-2026-0000001"`, `value="ASP-2026-0000002" disabled`,
				"coordonnées bancaires manquantes", "2 paiements dus, 4 126,00\u202f€ en tout", `href="/agence/paiements/lots/1"`}},
		"agence-paiements-lot.html": {PageLotPaiement{Base: Base{Titre: "Lot", Nav: "paiements", Utilisateur: payeur, Erreurs: []ErreurChamp{{"le", "Date fausse."}}},
			Lot: lot, Groupes: []GroupePaiements{paye}, Etapes: []Etape{{"Préparé", "02/06/2026 à 10:00", "paul@asp.fr"}}, Payer: true,
			Virement: "/agence/paiements/lots/1/virement.xml", Aujourdhui: "2026-06-02", Le: "2026-06-32",
			Banques: []string{"Changement de coordonnées bancaires en attente pour Le Beau Logiciel : ce lot utilise les coordonnées en vigueur (IBAN FR** 0189)."}},
			"Virements par fournisseur", []string{"Lot de paiement LOT-000001", "en attente pour Le Beau Logiciel", "Télécharger le virement SEPA", `id="le-erreur"`, `value="2026-06-32"`, `max="2026-06-02"`,
				`href="/paiements/AVIS-000001-1"`}},
		"avis-paiement.html": {PageAvis{Base: Base{Titre: "Avis de paiement", Utilisateur: &segur.Utilisateur{Nom: "Jean", Roles: []segur.Role{segur.RoleFournisseur}}},
			Avis: []AvisVue{*avis}, Total: 1, Pagination: Pagination{Page: 1, Pages: 1}},
			"<h1>Avis de paiement</h1>", []string{"<h1>Avis de paiement</h1>", `download="AVIS-000001-1.pdf"`, "4 125,00\u202f€"}},
	}
}

// editeurPaye enrols a vendor with bank details, its product and a user,
// and records its requests of the amounts given (cents HT), deposited;
// it returns the vendor's client, logged in, and the ASP numbers.
func editeurPaye(t *testing.T, p *portail, montants ...int64) (*segur.Fournisseur, *http.Client, []string) {
	t.Helper()
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "test"})
	f := &segur.Fournisseur{SIRET: "35600000000048", Nom: "Éditions Hôpital & Santé", Email: "compta@editions-sante.fr",
		IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP"}
	if err := p.db.CreateFournisseur(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := p.db.CreateProduit(ctx, &segur.Produit{NumeroAns: "ANS0000042", FournisseurID: f.ID, Logiciel: hop.LogicielDPI, Nom: "DPI"}); err != nil {
		t.Fatal(err)
	}
	h, _ := auth.HashPassword("mot de passe de test")
	if err := p.db.CreateUtilisateur(ctx, &segur.Utilisateur{Login: "jeanne@editions-sante.fr", Nom: "Jeanne", Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: f.ID, MotDePasse: h}); err != nil {
		t.Fatal(err)
	}
	c := client(t)
	lecteur{t}.lire(c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jeanne@editions-sante.fr"}, "motdepasse": {"mot de passe de test"}}))
	var asps []string
	err := p.db.WithDepotTx(ctx, f.ID, func(ctx context.Context, tx segur.DepotTx) error {
		dep := &segur.Depot{FournisseurID: f.ID, Type: segur.TypeAvance, NumeroAns: "ANS0000042", Logiciel: hop.LogicielDPI,
			NomFichier: "JSON-ANS0000042-20260602-001.json", Recu: p.now, Date: hop.Date{Annee: 2026, Mois: 6, Jour: 2}, Ordinal: 1,
			JSON: segur.BlobRef{SHA256: hex.EncodeToString(make([]byte, 32)), Taille: 10}, Statut: segur.DepotTraite, ImpID: "DEP-2026-0000901"}
		if err := tx.CreateDepot(ctx, dep); err != nil {
			return err
		}
		var ds []segur.Demande
		var numeros []string
		for i, m := range montants {
			seq, err := tx.NextASP(ctx)
			if err != nil {
				return err
			}
			d := segur.Demande{NumeroASP: segur.FormatNumeroASP(2026, seq), DepotID: dep.ID, FournisseurID: f.ID, NumeroAns: "ANS0000042",
				Logiciel: hop.LogicielDPI, Statut: segur.DemandeDeposee, CreeLe: p.now, DonneesDemande: hop.DonneesDemande{
					NumLigne: i + 1, NumeroEditeur: fmt.Sprintf("P%04d", i+1), DateCommande: hop.Date{Annee: 2026, Mois: 5, Jour: 1}, RegimeTVA: "HT", MontantHTCents: m,
					Clients: []hop.Client{{Contact: hop.Contact{Nom: "HOPITAL SAINT-MARTIN", Email: "d@h.fr", Telephone: "0102030405"}, FINESSPMSI: "999999999"}},
					Pieces:  []hop.Piece{{NomFichier: "bdc.pdf", Format: "PDF", Type: "BON_COMMANDE"}}}}
			ds = append(ds, d)
			numeros = append(numeros, d.NumeroEditeur)
			dep.Lignes = append(dep.Lignes, segur.LigneDepot{NumLigne: i + 1, NumeroEditeur: d.NumeroEditeur, Code: "0000", Libelle: "Demande acceptée", NumeroASP: d.NumeroASP})
			asps = append(asps, d.NumeroASP)
		}
		return tx.FinishDepot(ctx, dep, ds, numeros)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, c, asps
}

// decider has an instructor take and validate requests through the pages.
func decider(t *testing.T, p *portail, inst *http.Client, asps ...string) {
	t.Helper()
	for _, asp := range asps {
		for _, action := range []string{"prendre", "valider"} {
			if code, body := (lecteur{t}).lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asp+"/actions", url.Values{"confirmer": {"1"}, "action": {action}})); code != http.StatusOK {
				t.Fatalf("%s %s: got %d\n%s", action, asp, code, body)
			}
		}
	}
}

// TestPaiements: from decided requests to a batch paid. The batch is
// refused to the payer who decided its requests, approved by another, its
// SEPA file validates against the ISO schema and sums to the batch; once
// marked paid, the requests' advances are paid, the vendor finds its
// notice in its space (not another vendor), and its mail waits with the
// notice attached.
func TestPaiements(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	// Le Beau Logiciel, without bank details, has a request decided too.
	jean := client(t)
	connecter(t, p, jean, "mot de passe de test")
	sans := demandesDeposees(t, p, jean, "1000.00")[0]
	f, jeanne, asps := editeurPaye(t, p, 13_750_00, 20_000_00)

	marie := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur, segur.RolePayeur)
	paul := agentClient(t, p, "paul@asp.fr", segur.RolePayeur)
	decider(t, p, marie, append(asps, sans)...)

	// Who reaches the payments.
	for _, c := range []*http.Client{jean, agentClient(t, p, "ines@asp.fr", segur.RoleInstructeur)} {
		if code, _ := L.lire(c.Get(p.srv.URL + "/agence/paiements")); code != http.StatusForbidden {
			t.Errorf("payments page for a non-payer: got %d, want 403", code)
		}
	}
	code, body := L.lire(marie.Get(p.srv.URL + "/agence/paiements"))
	for _, want := range []string{"3 paiements dus, 10\u202f425,00\u202f€ en tout", "4\u202f125,00\u202f€", "6\u202f000,00\u202f€", "coordonnées bancaires manquantes", `value="` + sans + `" disabled`} {
		if !strings.Contains(body, want) {
			t.Errorf("payments page (%d) lacks %q", code, want)
		}
	}
	// Nothing chosen: refused on the page.
	if code, body := L.lire(marie.PostForm(p.srv.URL+"/agence/paiements/lots", url.Values{})); code != http.StatusUnprocessableEntity || !strings.Contains(body, "Aucun paiement choisi") {
		t.Errorf("empty batch: got %d", code)
	}
	code, body = L.lire(marie.PostForm(p.srv.URL+"/agence/paiements/lots", url.Values{"tous": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "Lot LOT-000001 préparé : 2 paiements, 10\u202f125,00\u202f€") || !strings.Contains(body, `id="quatre-yeux"`) {
		t.Fatalf("batch of all: got %d\n%s", code, body)
	}
	lien := p.srv.URL + "/agence/paiements/lots/1"
	if code, _ := L.lire(paul.Get(lien + "/virement.xml")); code != http.StatusForbidden {
		t.Errorf("transfer file of a draft: got %d, want 403", code)
	}
	// The payer who decided the requests may not approve.
	code, body = L.lire(marie.PostForm(lien+"/approuver", url.Values{"confirmer": {"1"}}))
	if code != http.StatusForbidden || !strings.Contains(body, "Séparation des tâches : vous avez décidé les demandes "+asps[0]+" et "+asps[1]+" de ce lot") {
		t.Fatalf("approval by the decider: got %d\n%s", code, body)
	}
	// Without confirmer=1, approving and cancelling only say what would
	// happen: the batch stays a draft.
	for action, want := range map[string]string{
		"approuver": "Le lot LOT-000001 sera approuvé : 2 paiements, 10\u202f125,00\u202f€ en tout, 1 virement",
		"annuler":   "Le lot LOT-000001 sera annulé : ses 2 paiements, 10\u202f125,00\u202f€ en tout redeviennent dus",
	} {
		code, body := L.lire(paul.PostForm(lien+"/"+action, nil))
		if code != http.StatusOK || !strings.Contains(body, want) || !strings.Contains(body, `<input type="hidden" name="confirmer" value="1">`) ||
			!strings.Contains(body, `action="/agence/paiements/lots/1/`+action+`"`) || !strings.Contains(body, `href="/agence/paiements/lots/1">Annuler</a>`) {
			t.Errorf("%s unconfirmed: got %d, want the confirmation %q\n%s", action, code, want, body)
		}
		if l, _ := p.db.FindLot(ctx, 1); l.Etat != segur.LotBrouillon {
			t.Errorf("%s unconfirmed: batch %s, want a draft", action, l.Etat)
		}
	}
	// The approval's confirmation states the rule that refused marie.
	if _, body := L.lire(paul.PostForm(lien+"/approuver", nil)); !strings.Contains(body, "Séparation des tâches : vous ne devez avoir décidé aucune des demandes du lot") ||
		!strings.Contains(body, "son virement SEPA devient téléchargeable") {
		t.Errorf("approval confirmation lacks the separation of duties or the SEPA file\n%s", body[strings.Index(body, "<main"):])
	}
	code, body = L.lire(paul.PostForm(lien+"/approuver", url.Values{"confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "Lot LOT-000001 approuvé") || !strings.Contains(body, "Télécharger le virement SEPA") {
		t.Fatalf("approval: got %d", code)
	}
	if code, body := L.lire(paul.PostForm(lien+"/annuler", url.Values{"confirmer": {"1"}})); code != http.StatusForbidden || !strings.Contains(body, "Annulation impossible") {
		t.Errorf("cancelling an approved batch: got %d", code)
	}

	// The SEPA file.
	resp, err := paul.Get(lien + "/virement.xml")
	if err != nil {
		t.Fatal(err)
	}
	xml, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/xml; charset=utf-8" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename=virement-LOT-000001.xml` {
		t.Fatalf("transfer file: %d %v", resp.StatusCode, resp.Header)
	}
	// Who took the bank file is in the audit log, with the file's hash.
	evs, _ := p.db.FindEvenements(ctx, "lot:LOT-000001")
	sum := sha256.Sum256(xml)
	if len(evs) == 0 || evs[len(evs)-1].Action != "lot.virement" || evs[len(evs)-1].Acteur.Login != "paul@asp.fr" ||
		!strings.Contains(string(evs[len(evs)-1].Details), hex.EncodeToString(sum[:])) {
		t.Errorf("audit of the SEPA download: %+v", evs)
	}
	fichier := filepath.Join(t.TempDir(), "virement.xml")
	os.WriteFile(fichier, xml, 0o644)
	if out, err := exec.Command(segurtest.Xmllint(t), "--noout", "--schema", "../sepa/testdata/pain.001.001.03.xsd", fichier).CombinedOutput(); err != nil {
		t.Fatalf("xmllint: %v\n%s\n%s", err, out, xml)
	}
	o, err := sepa.Lire(bytes.NewReader(xml))
	if err != nil {
		t.Fatal(err)
	}
	v := o.Remises[0].Virements
	if o.Nombre() != 1 || o.Total() != 10_125_00 || v[0].Montant != 10_125_00 || v[0].EndToEndID != "AVIS-000001-1" ||
		v[0].Creancier.IBAN != f.IBAN || v[0].Creancier.Nom != "Editions Hopital + Sante" || o.Remises[0].Debiteur.IBAN != "FR7610071750000000100000177" ||
		v[0].Libelle != "AVIS-000001-1 Segur numerique "+asps[0]+" "+asps[1] || o.MsgID != "SEGUR-LOT-000001" {
		t.Errorf("transfer file read back: %+v", o)
	}

	// Marked paid: not tomorrow, today.
	paris, _ := time.LoadLocation("Europe/Paris")
	demain := p.now.In(paris).AddDate(0, 0, 1).Format("2006-01-02")
	code, body = L.lire(paul.PostForm(lien+"/payer", url.Values{"confirmer": {"1"}, "le": {demain}}))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="le-erreur"`) || !strings.Contains(body, "postérieure à aujourd'hui") {
		t.Errorf("paid tomorrow: got %d", code)
	}
	aujourdhui := p.now.In(paris)
	code, body = L.lire(paul.PostForm(lien+"/payer", url.Values{"le": {aujourdhui.Format("2006-01-02")}}))
	if want := "sera marqué payé, virement du " + aujourdhui.Format("02/01/2006") + " : 2 paiements, 10\u202f125,00\u202f€ en tout"; code != http.StatusOK ||
		!strings.Contains(body, want) || !strings.Contains(body, `name="le" value="`+aujourdhui.Format("2006-01-02")+`"`) {
		t.Errorf("paying unconfirmed: got %d, want %q", code, want)
	}
	if l, _ := p.db.FindLot(ctx, 1); l.Etat != segur.LotApprouve {
		t.Errorf("paying unconfirmed: batch %s, want approved", l.Etat)
	}
	code, body = L.lire(paul.PostForm(lien+"/payer", url.Values{"confirmer": {"1"}, "le": {aujourdhui.Format("2006-01-02")}}))
	if code != http.StatusOK || !strings.Contains(body, "payé le "+aujourdhui.Format("02/01/2006")) || !strings.Contains(body, "AVIS-000001-1") {
		t.Fatalf("paid: got %d\n%s", code, body)
	}
	for _, asp := range asps {
		if d, _ := p.db.FindDemandeByASP(ctx, asp); d.Statut != segur.DemandeAvancePayee {
			t.Errorf("%s after payment: %s", asp, d.Statut)
		}
	}
	if d, _ := p.db.FindDemandeByASP(ctx, sans); d.Statut != segur.DemandeDecidee {
		t.Errorf("%s (no bank details) after payment: %s", sans, d.Statut)
	}

	// The vendor's space: its notice, and the payment in its request's history.
	code, body = L.lire(jeanne.Get(p.srv.URL + "/paiements"))
	if code != http.StatusOK || !strings.Contains(body, `href="/paiements/AVIS-000001-1"`) || !strings.Contains(body, "10\u202f125,00\u202f€") {
		t.Fatalf("vendor's notices: got %d\n%s", code, body)
	}
	resp, err = jeanne.Get(p.srv.URL + "/paiements/AVIS-000001-1")
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	avis, err := p.db.FindAvis(ctx, "AVIS-000001-1")
	sum = sha256.Sum256(pdf)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) ||
		hex.EncodeToString(sum[:]) != avis.Fichier.SHA256 {
		t.Errorf("notice download: %d, %d bytes, %v", resp.StatusCode, len(pdf), err)
	}
	if code, body := L.lire(jeanne.Get(p.srv.URL + "/demandes/" + asps[0])); code != http.StatusOK || !strings.Contains(body, "Paiement de l'avance") || !strings.Contains(body, `href="/paiements"`) {
		t.Errorf("vendor's request page: got %d", code)
	}
	// The notice is among the request's documents, for the vendor and for
	// the instructor (marie holds both roles), and names the history's row.
	for who, c := range map[string]*http.Client{"/demandes/": jeanne, "/agence/demandes/": marie} {
		code, body := L.lire(c.Get(p.srv.URL + who + asps[0]))
		lien := who + asps[0] + "/avis/AVIS-000001-1"
		if code != http.StatusOK || !strings.Contains(body, `href="`+lien+`"`) || strings.Count(body, "AVIS-000001-1") < 2 {
			t.Errorf("%s request page lacks the notice (%d)", who, code)
			continue
		}
		resp, err := c.Get(p.srv.URL + lien)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(got, pdf) {
			t.Errorf("%s: notice download %d, %d bytes", lien, resp.StatusCode, len(got))
		}
	}
	if code, _ := L.lire(jean.Get(p.srv.URL + "/demandes/" + asps[0] + "/avis/AVIS-000001-1")); code != http.StatusNotFound {
		t.Errorf("another vendor, notice through the request: got %d, want 404", code)
	}
	// Another vendor does not find it.
	if code, _ := L.lire(jean.Get(p.srv.URL + "/paiements/AVIS-000001-1")); code != http.StatusNotFound {
		t.Errorf("another vendor's notice: got %d, want 404", code)
	}
	if _, body := L.lire(jean.Get(p.srv.URL + "/paiements")); strings.Contains(body, "AVIS-000001-1") {
		t.Error("another vendor lists the notice")
	}
	// The agent downloads it from the batch.
	if resp, err := paul.Get(lien + "/avis/AVIS-000001-1"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("agent's notice download: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// The mail waits, the notice attached.
	mails, _, err := p.db.FindCourriels(ctx, "", 50, 0)
	if err != nil {
		t.Fatal(err)
	}
	var mail *segur.Courriel
	for i := range mails {
		if mails[i].Objet == "avis:AVIS-000001-1" {
			mail = &mails[i]
		}
	}
	if mail == nil || mail.A[0] != f.Email || mail.PieceNom != "AVIS-000001-1.pdf" || mail.PieceSHA256 != avis.Fichier.SHA256 ||
		!strings.Contains(mail.Corps, asps[1]) || !strings.Contains(mail.Sujet, "Avis de paiement AVIS-000001-1") {
		t.Errorf("notice mail: %+v", mail)
	}
	// Paid twice: refused.
	if code, _ := L.lire(paul.PostForm(lien+"/payer", url.Values{"confirmer": {"1"}, "le": {aujourdhui.Format("2006-01-02")}})); code != http.StatusForbidden {
		t.Errorf("paid twice: got %d, want 403", code)
	}
	if code, _ := L.lire(paul.Get(p.srv.URL + "/agence/paiements/lots/99")); code != http.StatusNotFound {
		t.Errorf("unknown batch: got %d, want 404", code)
	}
}

// TestLotQuatreYeux: a batch's three steps each go through a confirmation
// stating its reference, count and total, which changes nothing; the
// payment officer who prepared the batch is refused its approval (his page
// offers none), another officer approves it once confirmed.
func TestLotQuatreYeux(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	_, _, asps := editeurPaye(t, p, 13_750_00, 20_000_00)
	decider(t, p, agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur), asps...)
	paul := agentClient(t, p, "paul@asp.fr", segur.RolePayeur)
	anne := agentClient(t, p, "anne@asp.fr", segur.RolePayeur)
	etat := func(id segur.LotID) *segur.Lot {
		t.Helper()
		l, err := p.db.FindLot(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	const confirmation = `<input type="hidden" name="confirmer" value="1">`

	// Cancelling: confirmed first, then done; the payments are due again.
	if code, body := L.lire(paul.PostForm(p.srv.URL+"/agence/paiements/lots", url.Values{"tous": {"1"}})); code != http.StatusOK || !strings.Contains(body, "Lot LOT-000001 préparé") ||
		!strings.Contains(body, "Un autre payeur, qui n'a décidé aucune de ses demandes, doit l'approuver.") {
		t.Fatalf("batch 1: got %d\n%s", code, body)
	}
	lot1 := p.srv.URL + "/agence/paiements/lots/1"
	code, body := L.lire(paul.PostForm(lot1+"/annuler", nil))
	if want := "Le lot LOT-000001 sera annulé : ses 2 paiements, 10\u202f125,00\u202f€ en tout redeviennent dus"; code != http.StatusOK || !strings.Contains(body, want) ||
		!strings.Contains(body, confirmation) {
		t.Errorf("cancel unconfirmed: got %d, want the confirmation %q", code, want)
	}
	if l := etat(1); l.Etat != segur.LotBrouillon {
		t.Errorf("cancel unconfirmed: batch %s, want a draft", l.Etat)
	}
	if code, body := L.lire(paul.PostForm(lot1+"/annuler", url.Values{"confirmer": {"1"}})); code != http.StatusOK || !strings.Contains(body, "Lot LOT-000001 annulé") {
		t.Errorf("cancel confirmed: got %d", code)
	}
	if l := etat(1); l.Etat != segur.LotAnnule || l.AnnulePar != "paul@asp.fr" {
		t.Errorf("cancel confirmed: batch %s by %q, want cancelled by paul@asp.fr", l.Etat, l.AnnulePar)
	}

	// Paul prepares batch 2: his page offers no approval, anne's does.
	L.lire(paul.PostForm(p.srv.URL+"/agence/paiements/lots", url.Values{"tous": {"1"}}))
	lot2 := p.srv.URL + "/agence/paiements/lots/2"
	approuver := `action="/agence/paiements/lots/2/approuver"`
	if _, body := L.lire(paul.Get(lot2)); !strings.Contains(body, `id="quatre-yeux"`) || !strings.Contains(body, "Vous avez préparé ce lot : un autre payeur doit l'approuver.") ||
		strings.Contains(body, approuver) || !strings.Contains(body, `action="/agence/paiements/lots/2/annuler"`) {
		t.Errorf("the preparer's page of batch 2: want the four eyes' notice, no approval, a cancellation\n%s", body[strings.Index(body, "<main"):])
	}
	if _, body := L.lire(anne.Get(lot2)); strings.Contains(body, `id="quatre-yeux"`) || !strings.Contains(body, approuver) {
		t.Errorf("another payer's page of batch 2: want the approval, no notice")
	}
	// One person, preparer and payer: refused, confirmed or not.
	for _, form := range []url.Values{nil, {"confirmer": {"1"}}} {
		code, body := L.lire(paul.PostForm(lot2+"/approuver", form))
		if want := "Séparation des tâches : vous avez préparé le lot LOT-000002\u202f; un autre payeur doit l'approuver."; code != http.StatusForbidden || !strings.Contains(body, want) ||
			strings.Contains(body, confirmation) {
			t.Errorf("approval by its preparer (%v): got %d, want 403 %q and no confirmation", form, code, want)
		}
		if l := etat(2); l.Etat != segur.LotBrouillon || l.ApprouvePar != "" {
			t.Errorf("approval by its preparer (%v): batch %s by %q, want a draft", form, l.Etat, l.ApprouvePar)
		}
	}
	// Two people: anne confirms, then approves.
	code, body = L.lire(anne.PostForm(lot2+"/approuver", nil))
	for _, want := range []string{"Confirmer : approbation du lot LOT-000002", "Le lot LOT-000002 sera approuvé : 2 paiements, 10\u202f125,00\u202f€ en tout, 1 virement",
		"paul@asp.fr, qui l'a préparé, ne peut pas l'approuver", confirmation, `action="/agence/paiements/lots/2/approuver"`} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("approval unconfirmed: got %d, want %q", code, want)
		}
	}
	if l := etat(2); l.Etat != segur.LotBrouillon {
		t.Errorf("approval unconfirmed: batch %s, want a draft", l.Etat)
	}
	if code, body := L.lire(anne.PostForm(lot2+"/approuver", url.Values{"confirmer": {"1"}})); code != http.StatusOK || !strings.Contains(body, "Lot LOT-000002 approuvé") {
		t.Fatalf("approval confirmed: got %d", code)
	}
	if l := etat(2); l.Etat != segur.LotApprouve || l.ApprouvePar != "anne@asp.fr" || l.CreePar != "paul@asp.fr" {
		t.Errorf("approval confirmed: batch %s by %q (prepared by %q), want approved by anne@asp.fr", l.Etat, l.ApprouvePar, l.CreePar)
	}

	// Marking paid: confirmed first, then done.
	paris, _ := time.LoadLocation("Europe/Paris")
	jour := p.now.In(paris)
	code, body = L.lire(paul.PostForm(lot2+"/payer", url.Values{"le": {jour.Format("2006-01-02")}}))
	if want := "Le lot LOT-000002 sera marqué payé, virement du " + jour.Format("02/01/2006") + " : 2 paiements, 10\u202f125,00\u202f€ en tout."; code != http.StatusOK ||
		!strings.Contains(body, want) || !strings.Contains(body, confirmation) {
		t.Errorf("paying unconfirmed: got %d, want %q", code, want)
	}
	if l := etat(2); l.Etat != segur.LotApprouve {
		t.Errorf("paying unconfirmed: batch %s, want approved", l.Etat)
	}
	if code, _ := L.lire(paul.PostForm(lot2+"/payer", url.Values{"confirmer": {"1"}, "le": {jour.Format("2006-01-02")}})); code != http.StatusOK {
		t.Errorf("paying confirmed: got %d", code)
	}
	if l := etat(2); l.Etat != segur.LotPaye || l.MarquePar != "paul@asp.fr" {
		t.Errorf("paying confirmed: batch %s by %q, want paid", l.Etat, l.MarquePar)
	}
}

// TestParcoursPaiements goes through the payer's pages in a real
// Chromium, checking each with axe-core: the payments due, a batch
// prepared, approved, marked paid; then the vendor's notices.
func TestParcoursPaiements(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	_, _, asps := editeurPaye(t, p, 13_750_00, 20_000_00)
	decider(t, p, agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur), asps...)
	h, _ := auth.HashPassword("mot de passe du payeur")
	// Paul prepares the batch, Anne approves it: four eyes.
	for _, u := range []segur.Utilisateur{{Login: "paul@asp.fr", Nom: "Paul Payeur"}, {Login: "anne@asp.fr", Nom: "Anne Payeuse"}} {
		u.Roles, u.MotDePasse = []segur.Role{segur.RolePayeur}, h
		if err := p.db.CreateUtilisateur(context.Background(), &u); err != nil {
			t.Fatal(err)
		}
	}
	ctx, do, texte := parcours(t)
	connexion := func(login, mdp string) {
		do("connexion "+login, chromedp.Navigate(p.srv.URL+"/connexion"), chromedp.WaitVisible(chromedp.CSS("#login")),
			chromedp.SendKeys(chromedp.CSS("#login"), login), chromedp.SendKeys(chromedp.CSS("#motdepasse"), mdp),
			chromedp.Click(chromedp.CSS("main button[type=submit]")), chromedp.WaitReady(chromedp.CSS(`form[action="/deconnexion"]`)))
	}
	connexion("paul@asp.fr", "mot de passe du payeur")
	do("paiements", chromedp.Navigate(p.srv.URL+"/agence/paiements"), chromedp.WaitVisible(chromedp.CSS(`input[name="asp"]`)))
	if got := texte("main"); !strings.Contains(got, "2 paiements dus") || !strings.Contains(got, asps[1]) {
		t.Errorf("payments page: %q", got)
	}
	segurtest.Screenshot(t, ctx, "paiements-01-dus")
	segurtest.Axe(t, ctx)

	do("préparer", chromedp.Click(chromedp.CSS(`button[name="tous"]`)), chromedp.WaitVisible(chromedp.CSS("#quatre-yeux")))
	if got := texte(".fr-alert--success"); !strings.Contains(got, "Lot LOT-000001 préparé") {
		t.Errorf("after preparing: %q", got)
	}
	if got := texte("#quatre-yeux"); !strings.Contains(got, "un autre payeur doit l'approuver") {
		t.Errorf("the preparer's notice: %q", got)
	}
	segurtest.Screenshot(t, ctx, "paiements-02-brouillon")
	segurtest.Axe(t, ctx)
	do("déconnexion de paul", chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)), chromedp.WaitVisible(chromedp.CSS("#login")))
	connexion("anne@asp.fr", "mot de passe du payeur")
	do("le lot, pour anne", chromedp.Navigate(p.srv.URL+"/agence/paiements/lots/1"), chromedp.WaitVisible(chromedp.CSS(`form[action$="/approuver"] button`)))

	// Approving without JavaScript: the confirmation page.
	scripts := func(oui bool) {
		t.Helper()
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !oui}); err != nil {
			t.Fatal(err)
		}
	}
	scripts(false)
	do("approuver", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`form[action$="/approuver"] button`)),
		chromedp.Click(chromedp.CSS(`form[action$="/approuver"] button`)), chromedp.WaitVisible(chromedp.CSS("main #confirmer")))
	if got := texte("main"); !strings.Contains(got, "Le lot LOT-000001 sera approuvé : 2 paiements, 10\u202f125,00\u202f€ en tout") ||
		!strings.Contains(got, "Séparation des tâches") || !strings.Contains(got, "virement SEPA devient téléchargeable") {
		t.Errorf("approval's confirmation: %q", got)
	}
	segurtest.Screenshot(t, ctx, "paiements-03-confirmer-approbation")
	scripts(true) // for axe; the page's own scripts did not run
	segurtest.Axe(t, ctx)
	do("confirmer l'approbation", chromedp.Click(chromedp.CSS("#confirmer")), chromedp.WaitVisible(chromedp.CSS("#le")))
	do("lot approuvé, scripts", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#le")))
	lien, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`a[href$="/virement.xml"]`), "href"))
	if err != nil || lien.Value != "/agence/paiements/lots/1/virement.xml" {
		t.Errorf("no link to the transfer file: %v %v", lien, err)
	}
	segurtest.Screenshot(t, ctx, "paiements-03-approuve")
	segurtest.Axe(t, ctx)

	// Marking paid with JavaScript: the same confirmation in a dialog.
	do("marquer payé", chromedp.Click(chromedp.CSS(`form[action$="/payer"] button`)), chromedp.WaitVisible(chromedp.CSS("dialog #confirmer")))
	if got := texte("dialog"); !strings.Contains(got, "Confirmer : paiement du lot LOT-000001") || !strings.Contains(got, "sera marqué payé, virement du") ||
		!strings.Contains(got, "2 paiements, 10\u202f125,00\u202f€ en tout") || !strings.Contains(got, "avis de paiement par courriel") {
		t.Errorf("payment's confirmation: %q", got)
	}
	segurtest.Screenshot(t, ctx, "paiements-04-confirmer-paiement")
	segurtest.Axe(t, ctx)
	do("confirmer le paiement", chromedp.Click(chromedp.CSS("dialog #confirmer")), chromedp.WaitVisible(chromedp.CSS(`a[href*="/avis/AVIS-000001-1"]`)))
	if got := texte("main"); !strings.Contains(got, "Marqué payé (virement du") || !strings.Contains(got, "AVIS-000001-1") {
		t.Errorf("paid batch page: %q", got)
	}
	segurtest.Screenshot(t, ctx, "paiements-05-paye")
	segurtest.Axe(t, ctx)

	do("déconnexion", chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)), chromedp.WaitVisible(chromedp.CSS("#login")))
	connexion("jeanne@editions-sante.fr", "mot de passe de test")
	do("avis du fournisseur", chromedp.Navigate(p.srv.URL+"/paiements"), chromedp.WaitVisible(chromedp.CSS(`a[href="/paiements/AVIS-000001-1"]`)))
	segurtest.Screenshot(t, ctx, "paiements-06-avis-fournisseur")
	segurtest.Axe(t, ctx)
}
