package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
)

const (
	ibanNouveau = "FR7630004008230001234567819"
	ibanGroupe  = "FR76 3000 4008 2300 0123 4567 819"
)

// ribPDF is a statement's content: a PDF by its signature.
var ribPDF = []byte("%PDF-1.4\n% relevé d'identité bancaire\n%%EOF\n")

// proposerBanque posts the proposal form of vendor id's page.
func proposerBanque(t *testing.T, p *portail, c *http.Client, id segur.FournisseurID, iban, bic, nom string, contenu []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("iban", iban)
	mw.WriteField("bic", bic)
	if contenu != nil {
		fw, err := mw.CreateFormFile("justificatif", nom)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(contenu)
	}
	mw.Close()
	req, err := http.NewRequest("POST", p.srv.URL+cheminFournisseur(int64(id))+"/banque", &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return lecteur{t}.lire(c.Do(req))
}

// TestAdminBanque: an administrator proposes a vendor's new bank details
// with its statement, cannot approve them himself, a second one compares
// and approves; the vendor and its users are mailed; bad input and
// rejections change nothing.
func TestAdminBanque(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	alice := agentClient(t, p, "alice@asp.fr", segur.RoleAdmin)
	bob := agentClient(t, p, "bob@asp.fr", segur.RoleAdmin)
	f, _ := p.db.FindFournisseurBySIRET(ctx, "88558855858745")
	page := p.srv.URL + cheminFournisseur(int64(f.ID))
	inchange := func(quoi string) {
		t.Helper()
		if g, _ := p.db.FindFournisseurByID(ctx, f.ID); g.IBAN != "" || g.BIC != "" {
			t.Errorf("%s: bank details changed to %s %s", quoi, g.IBAN, g.BIC)
		}
	}

	// Bad input: the page again with the field's message, nothing recorded.
	for _, tc := range []struct {
		name, iban, bic, nom string
		contenu              []byte
		code                 int
		want                 string
	}{
		{"IBAN key wrong", "FR7730004008230001234567819", "BNPAFRPP", "rib.pdf", ribPDF, 422, "IBAN « FR7730004008230001234567819 » : invalide"},
		{"BIC wrong", ibanNouveau, "BNP", "rib.pdf", ribPDF, 422, "BIC « BNP » : attendu 8 ou 11"},
		{"no statement", ibanNouveau, "BNPAFRPP", "", nil, 422, "Fichier manquant"},
		{"an executable", ibanNouveau, "BNPAFRPP", "rib.pdf", []byte("MZ\x90\x00 programme"), 422, "Format non reconnu"},
		{"too large", ibanNouveau, "BNPAFRPP", "rib.pdf", append([]byte("%PDF-1.4\n"), make([]byte, 4<<20)...), 413, "au plus 3 Mo"},
	} {
		code, body := proposerBanque(t, p, alice, f.ID, tc.iban, tc.bic, tc.nom, tc.contenu)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s: got %d, want %d with %q\n%s", tc.name, code, tc.code, tc.want, body)
		}
		if _, err := p.db.FindChangementBanqueEnAttente(ctx, f.ID); !segur.IsCode(err, segur.ENOTFOUND) {
			t.Errorf("%s: a change is pending (%v)", tc.name, err)
		}
	}
	inchange("bad input")

	// Alice proposes; the name sent is kept for display only.
	code, body := proposerBanque(t, p, alice, f.ID, "fr76 3000 4008 2300 0123 4567 819", "bnpafrpp", `..\..\etc\passwd.pdf`, ribPDF)
	if code != http.StatusOK || !strings.Contains(body, "Changement de coordonnées bancaires de Le Beau Logiciel proposé (IBAN "+ibanGroupe+")") ||
		!strings.Contains(body, "Vous avez proposé ce changement : un autre administrateur doit l'approuver") || strings.Contains(body, "Approuver le nouveau compte") {
		t.Fatalf("proposal: got %d\n%s", code, body)
	}
	inchange("pending")
	c, err := p.db.FindChangementBanqueEnAttente(ctx, f.ID)
	if err != nil || c.Justificatif.Nom != "passwd.pdf" || c.Justificatif.Format != "PDF" || c.ProposePar != "alice@asp.fr" {
		t.Fatalf("pending: %+v %v", c, err)
	}
	// One pending change per vendor.
	if code, body := proposerBanque(t, p, bob, f.ID, ibanNouveau, "BNPAFRPP", "rib.pdf", ribPDF); code != http.StatusConflict || !strings.Contains(body, "attend déjà son approbation") {
		t.Errorf("second proposal: got %d", code)
	}

	// Alice approving: refused, separation of duties, nothing changes.
	code, body = L.lire(alice.PostForm(page+"/banque/approuver", url.Values{"confirmer": {"1"}}))
	if code != http.StatusForbidden || !strings.Contains(body, "Séparation des tâches : vous avez proposé ce changement de coordonnées bancaires, un autre administrateur doit l'approuver.") {
		t.Fatalf("approval by the proposer: got %d\n%s", code, body)
	}
	inchange("approval by the proposer")

	// Bob sees both accounts in full and the statement.
	_, body = L.lire(bob.Get(page))
	for _, want := range []string{"Changement proposé par alice@asp.fr", "Nouveau compte proposé</th><td data-label=\"IBAN\"><span class=\"segur-insecable\">" + ibanGroupe, "BNPAFRPP",
		`href="/agence/admin/fournisseurs/1/banque/justificatif"`, "Approuver le nouveau compte", "changement en attente"} {
		if !strings.Contains(body, want) {
			t.Errorf("page for bob: lacks %q", want)
		}
	}
	resp, err := bob.Get(page + "/banque/justificatif")
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	got.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got.Bytes(), ribPDF) || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("statement: got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Unconfirmed: what will happen, nothing done.
	code, body = L.lire(bob.PostForm(page+"/banque/approuver", nil))
	if code != http.StatusOK || !strings.Contains(body, "Confirmer : approuver les nouvelles coordonnées bancaires de Le Beau Logiciel") || !strings.Contains(body, "Nouveau compte : IBAN "+ibanGroupe) {
		t.Fatalf("unconfirmed: got %d\n%s", code, body)
	}
	inchange("unconfirmed")
	code, body = L.lire(bob.PostForm(page+"/banque/approuver", url.Values{"confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "Nouvelles coordonnées bancaires de Le Beau Logiciel en vigueur (IBAN "+ibanGroupe+", BIC BNPAFRPP)") ||
		!strings.Contains(body, "Changement de coordonnées bancaires approuvé, en vigueur : IBAN aucun → "+ibanGroupe) {
		t.Fatalf("approval by bob: got %d\n%s", code, body)
	}
	if g, _ := p.db.FindFournisseurByID(ctx, f.ID); g.IBAN != ibanNouveau || g.BIC != "BNPAFRPP" {
		t.Fatalf("after approval: %s %s", g.IBAN, g.BIC)
	}
	mails, n, _ := p.db.FindCourriels(ctx, "", 10, 0)
	if n != 1 || !slices.Equal(mails[0].A, []string{"contact@lebeaulogiciel.fr", "jean@lebeaulogiciel.fr"}) || !strings.Contains(mails[0].Corps, "***7 819") {
		t.Errorf("mails: %d %+v", n, mails)
	}
	if code, _ := L.lire(bob.Get(page + "/banque/justificatif")); code != http.StatusNotFound {
		t.Errorf("statement once decided: got %d, want 404", code)
	}

	// A rejection needs a reason; the details in force stay.
	if code, _ := proposerBanque(t, p, alice, f.ID, "FR7630006000011234567890189", "AGRIFRPP", "rib.png", []byte("\x89PNG\r\n\x1a\n image")); code != http.StatusOK {
		t.Fatalf("second proposal: got %d", code)
	}
	code, body = L.lire(bob.PostForm(page+"/banque/rejeter", url.Values{"motif": {" "}}))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="motif-erreur"`) || !strings.Contains(body, "motif du rejet : il reste dans l'historique") {
		t.Errorf("rejection without reason: got %d", code)
	}
	code, body = L.lire(bob.PostForm(page+"/banque/rejeter", url.Values{"motif": {"Le RIB est au nom d'une autre société."}}))
	if code != http.StatusOK || !strings.Contains(body, "rejeté : les coordonnées en vigueur restent inchangées") || !strings.Contains(body, "Changement de coordonnées bancaires rejeté : Le RIB est au nom d'une autre société.") {
		t.Fatalf("rejection: got %d\n%s", code, body)
	}
	if g, _ := p.db.FindFournisseurByID(ctx, f.ID); g.IBAN != ibanNouveau {
		t.Errorf("after rejection: %s", g.IBAN)
	}
}

// TestBanqueAcces: an instructor, a payer and a vendor get 403 on every
// step of the bank details, and nothing changes.
func TestBanqueAcces(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	alice := agentClient(t, p, "alice@asp.fr", segur.RoleAdmin)
	f, _ := p.db.FindFournisseurBySIRET(ctx, "88558855858745")
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	for name, c := range map[string]*http.Client{
		"vendor":     vendeur,
		"instructor": agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur),
		"payer":      agentClient(t, p, "paul@asp.fr", segur.RolePayeur),
	} {
		if code, _ := proposerBanque(t, p, c, f.ID, ibanNouveau, "BNPAFRPP", "rib.pdf", ribPDF); code != http.StatusForbidden {
			t.Errorf("%s proposes: got %d, want 403", name, code)
		}
	}
	if _, err := p.db.FindChangementBanqueEnAttente(ctx, f.ID); !segur.IsCode(err, segur.ENOTFOUND) {
		t.Fatalf("a refused proposal is pending: %v", err)
	}
	if code, _ := proposerBanque(t, p, alice, f.ID, ibanNouveau, "BNPAFRPP", "rib.pdf", ribPDF); code != http.StatusOK {
		t.Fatalf("proposal: got %d", code)
	}
	page := p.srv.URL + cheminFournisseur(int64(f.ID))
	for name, c := range map[string]*http.Client{
		"vendor":     vendeur,
		"instructor": agentClient(t, p, "ines@asp.fr", segur.RoleInstructeur),
		"payer":      agentClient(t, p, "luc@asp.fr", segur.RolePayeur),
	} {
		for _, path := range []string{"/banque/approuver", "/banque/rejeter"} {
			code, body := L.lire(c.PostForm(page+path, url.Values{"confirmer": {"1"}, "motif": {"fraude"}}))
			if code != http.StatusForbidden || !strings.Contains(body, "réservée aux agents") {
				t.Errorf("%s POST %s: got %d, want 403", name, path, code)
			}
		}
		if code, _ := L.lire(c.Get(page + "/banque/justificatif")); code != http.StatusForbidden {
			t.Errorf("%s gets the statement: got %d, want 403", name, code)
		}
	}
	if c, err := p.db.FindChangementBanqueEnAttente(ctx, f.ID); err != nil || c.Etat != segur.BanqueEnAttente {
		t.Errorf("after refused steps: %+v %v", c, err)
	}
	if g, _ := p.db.FindFournisseurByID(ctx, f.ID); g.IBAN != "" {
		t.Errorf("after refused steps: IBAN %s", g.IBAN)
	}
}

// TestLotBanqueEnAttente: a batch prepared while its vendor's change of
// bank details is pending says so, and pays the details in force; once
// the change is approved, the draft says the details changed since.
func TestLotBanqueEnAttente(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	f, _, asps := editeurPaye(t, p, 13_750_00)
	marie := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur, segur.RolePayeur)
	decider(t, p, marie, asps...)
	alice := agentClient(t, p, "alice@asp.fr", segur.RoleAdmin)
	bob := agentClient(t, p, "bob@asp.fr", segur.RoleAdmin)
	if code, body := proposerBanque(t, p, alice, f.ID, ibanNouveau, "BNPAFRPP", "rib.pdf", ribPDF); code != http.StatusOK {
		t.Fatalf("proposal: got %d\n%s", code, body)
	}
	if code, body := L.lire(marie.PostForm(p.srv.URL+"/agence/paiements/lots", url.Values{"tous": {"1"}})); code != http.StatusOK {
		t.Fatalf("batch: got %d\n%s", code, body)
	}
	lot := p.srv.URL + "/agence/paiements/lots/1"
	_, body := L.lire(marie.Get(lot))
	if !strings.Contains(body, "Changement de coordonnées bancaires en attente pour Éditions Hôpital &amp; Santé : ce lot utilise les coordonnées en vigueur (IBAN FR** **** **** **** **** ***0 189).") &&
		!strings.Contains(body, "Changement de coordonnées bancaires en attente pour Éditions Hôpital & Santé : ce lot utilise les coordonnées en vigueur (IBAN FR** **** **** **** **** ***0 189).") {
		t.Errorf("batch page while pending: lacks the warning\n%s", body)
	}
	if code, _ := L.lire(bob.PostForm(p.srv.URL+cheminFournisseur(int64(f.ID))+"/banque/approuver", url.Values{"confirmer": {"1"}})); code != http.StatusOK {
		t.Fatalf("approval: got %d", code)
	}
	_, body = L.lire(marie.Get(lot))
	if !strings.Contains(body, "ont changé depuis la préparation du lot : ce lot utilise celles en vigueur à sa préparation (IBAN FR** **** **** **** **** ***0 189)") ||
		!strings.Contains(body, "annulez ce lot et préparez-en un autre") || strings.Contains(body, "en attente pour") {
		t.Errorf("batch page after approval: lacks the warning\n%s", body)
	}
}

// TestBanqueAntivirus: while the portal scans, a statement is neither
// served nor approvable before its verdict, never once infected; the
// details in force stay.
func TestBanqueAntivirus(t *testing.T) {
	L := lecteur{t}
	p := newPortailAvec(t, "", func(s *Server) { s.Antivirus = true })
	ctx := context.Background()
	alice := agentClient(t, p, "alice@asp.fr", segur.RoleAdmin)
	bob := agentClient(t, p, "bob@asp.fr", segur.RoleAdmin)
	f, _ := p.db.FindFournisseurBySIRET(ctx, "88558855858745")
	page := p.srv.URL + cheminFournisseur(int64(f.ID))
	if code, _ := proposerBanque(t, p, alice, f.ID, ibanNouveau, "BNPAFRPP", "rib.pdf", ribPDF); code != http.StatusOK {
		t.Fatalf("proposal: got %d", code)
	}
	c, _ := p.db.FindChangementBanqueEnAttente(ctx, f.ID)
	if code, _ := L.lire(bob.Get(page + "/banque/justificatif")); code != http.StatusConflict {
		t.Errorf("statement before its scan: got %d, want 409", code)
	}
	code, body := L.lire(bob.PostForm(page+"/banque/approuver", url.Values{"confirmer": {"1"}}))
	if code != http.StatusConflict || !strings.Contains(body, "Analyse antivirus en attente") {
		t.Errorf("approval before the scan: got %d\n%s", code, body)
	}
	analyser(t, p, "", segur.Analyse{Fichier: c.Justificatif.Fichier.SHA256, Resultat: segur.AnalyseInfectee, Signature: "Eicar-Test-Signature", Moteur: "ClamAV", Le: p.now})
	code, body = L.lire(bob.PostForm(page+"/banque/approuver", url.Values{"confirmer": {"1"}}))
	if code != http.StatusForbidden || !strings.Contains(body, "Eicar-Test-Signature") {
		t.Errorf("approval of an infected statement: got %d\n%s", code, body)
	}
	if g, _ := p.db.FindFournisseurByID(ctx, f.ID); g.IBAN != "" {
		t.Errorf("IBAN after refused approvals: %s", g.IBAN)
	}
}
