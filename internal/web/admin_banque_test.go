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
	"time"

	"github.com/chromedp/chromedp"

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

// TestBanqueEnAttente: every vendor's change awaiting approval is listed
// for the administrators, its IBANs masked, linked to the vendor's page;
// the vendor sees it on its account page, masked, with the account in
// force; 30 days on, it has expired: listed so, approval refused with its
// date and what to do, and a new proposal may be made.
func TestBanqueEnAttente(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	alice := agentClient(t, p, "alice@asp.fr", segur.RoleAdmin)
	bob := agentClient(t, p, "bob@asp.fr", segur.RoleAdmin)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	f, _ := p.db.FindFournisseurBySIRET(ctx, "88558855858745")
	page := p.srv.URL + cheminFournisseur(int64(f.ID))
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	// avancer moves the portal's clock by d; the sessions, expired, are
	// opened again.
	avancer := func(d time.Duration) {
		t.Helper()
		p.now = p.now.Add(d)
		for _, a := range []struct {
			c     *http.Client
			login string
		}{{alice, "alice@asp.fr"}, {bob, "bob@asp.fr"}} {
			L.lire(a.c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {a.login}, "motdepasse": {"mot de passe de l'agent"}}))
		}
		connecter(t, p, vendeur, "mot de passe de test")
	}

	_, body := L.lire(bob.Get(p.srv.URL + "/agence/admin/banque"))
	if !strings.Contains(body, "Aucun changement de coordonnées bancaires n'attend d'approbation.") {
		t.Errorf("empty list: lacks its message\n%s", body)
	}
	_, body = L.lire(vendeur.Get(p.srv.URL + "/compte"))
	if !strings.Contains(body, "Coordonnées bancaires de votre entreprise") || !strings.Contains(body, "aucune coordonnée bancaire enregistrée") || strings.Contains(body, `id="banque-attente"`) {
		t.Errorf("vendor's account before any change: got\n%s", body)
	}

	if code, body := proposerBanque(t, p, alice, f.ID, ibanNouveau, "BNPAFRPP", "rib.pdf", ribPDF); code != http.StatusOK {
		t.Fatalf("proposal: got %d\n%s", code, body)
	}
	propose := p.now
	avancer(72 * time.Hour)
	_, body = L.lire(bob.Get(p.srv.URL + "/agence/admin"))
	if !strings.Contains(body, `href="/agence/admin/banque"`) || !strings.Contains(body, "1 changement à approuver") {
		t.Errorf("administration's overview: lacks the pending change\n%s", body)
	}
	code, body := L.lire(bob.Get(p.srv.URL + "/agence/admin/banque"))
	for _, want := range []string{"<caption>1 changement de coordonnées bancaires non décidé, le plus ancien d'abord</caption>", `href="/agence/admin/fournisseurs/1#banque"`,
		"Le Beau Logiciel", "alice@asp.fr", "se terminant par </span>7819", "BIC BNPAFRPP", `<td data-label="Compte en vigueur">aucun</td>`, "3 jours",
		"À approuver avant le " + propose.Add(segur.ValiditeChangementBanque).In(paris).Format("02/01/2006 à 15:04") + "."} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("list: got %d, lacks %q", code, want)
		}
	}
	if strings.Contains(body, ibanNouveau) || strings.Contains(body, ibanGroupe) {
		t.Errorf("list: the new IBAN in full")
	}
	_, body = L.lire(alice.Get(p.srv.URL + "/agence/admin/banque"))
	if !strings.Contains(body, "par un autre administrateur que vous") {
		t.Errorf("list for its proposer: lacks that another approves")
	}
	for name, c := range map[string]*http.Client{"vendor": vendeur, "payer": agentClient(t, p, "paul@asp.fr", segur.RolePayeur)} {
		if code, _ := L.lire(c.Get(p.srv.URL + "/agence/admin/banque")); code != http.StatusForbidden {
			t.Errorf("%s gets the list: got %d, want 403", name, code)
		}
	}

	// The vendor sees it, masked, with its date.
	_, body = L.lire(vendeur.Get(p.srv.URL + "/compte"))
	for _, want := range []string{"Changement de coordonnées bancaires en attente de validation par l'agence",
		"Nouveau compte proposé le " + propose.In(paris).Format("02/01/2006") + " : <span class=\"segur-insecable\">IBAN <span aria-hidden=\"true\">•••• </span><span class=\"fr-sr-only\">se terminant par </span>7819</span>, BIC BNPAFRPP",
		"tentative de fraude au virement"} {
		if !strings.Contains(body, want) {
			t.Errorf("vendor's account: lacks %q\n%s", want, body)
		}
	}
	if strings.Contains(body, ibanNouveau) || strings.Contains(body, ibanGroupe) || strings.Contains(body, "alice@asp.fr") {
		t.Errorf("vendor's account: the IBAN in full, or the administrator's login")
	}

	// 30 days after its proposal, it has expired.
	avancer(segur.ValiditeChangementBanque - 72*time.Hour)
	expire := p.now.In(paris).Format("02/01/2006 à 15:04")
	_, body = L.lire(bob.Get(p.srv.URL + "/agence/admin/banque"))
	if !strings.Contains(body, "expiré le "+expire) || !strings.Contains(body, "30 jours") {
		t.Errorf("list once expired: lacks its expiry\n%s", body)
	}
	_, body = L.lire(bob.Get(page))
	if !strings.Contains(body, `id="banque-expire"`) || !strings.Contains(body, "expiré le "+expire) || strings.Contains(body, "Approuver le nouveau compte") ||
		!strings.Contains(body, "Proposer le changement") || !strings.Contains(body, "changement expiré") {
		t.Errorf("vendor's page once expired: got\n%s", body)
	}
	code, body = L.lire(bob.PostForm(page+"/banque/approuver", url.Values{"confirmer": {"1"}}))
	if code != http.StatusConflict || !strings.Contains(body, "a expiré le "+expire+" (heure de Paris) sans avoir été approuvé") || !strings.Contains(body, "proposez de nouveau le changement") {
		t.Errorf("approval once expired: got %d\n%s", code, body)
	}
	if g, _ := p.db.FindFournisseurByID(ctx, f.ID); g.IBAN != "" {
		t.Errorf("IBAN after an approval refused for expiry: %s", g.IBAN)
	}
	_, body = L.lire(vendeur.Get(p.srv.URL + "/compte"))
	if strings.Contains(body, `id="banque-attente"`) {
		t.Errorf("vendor's account once expired: still pending")
	}

	// A new proposal, approved by the other administrator.
	if code, body := proposerBanque(t, p, bob, f.ID, ibanNouveau, "BNPAFRPP", "rib.pdf", ribPDF); code != http.StatusOK {
		t.Fatalf("new proposal once expired: got %d\n%s", code, body)
	}
	if _, body := L.lire(alice.Get(page)); !strings.Contains(body, "Changement de coordonnées bancaires expiré sans approbation, remplacé par une nouvelle proposition") {
		t.Errorf("vendor's history: lacks the expiry\n%s", body)
	}
	if code, body := L.lire(alice.PostForm(page+"/banque/approuver", url.Values{"confirmer": {"1"}})); code != http.StatusOK {
		t.Fatalf("approval of the new proposal: got %d\n%s", code, body)
	}
	_, body = L.lire(vendeur.Get(p.srv.URL + "/compte"))
	if !strings.Contains(body, "se terminant par </span>7819</span>, BIC BNPAFRPP") || strings.Contains(body, `id="banque-attente"`) {
		t.Errorf("vendor's account after the approval: got\n%s", body)
	}
}

// TestParcoursBanqueEnAttente: in a real Chromium, at 1280 and 390 px, an
// administrator's list of the changes awaiting approval (one pending, one
// expired) and the vendor's account page with its pending change; every
// page checked with axe-core, none wider than the screen.
func TestParcoursBanqueEnAttente(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	ctx := context.Background()
	f, _ := p.db.FindFournisseurBySIRET(ctx, "88558855858745")
	g := &segur.Fournisseur{SIRET: "73282932000074", Nom: "Éditions Hôpital & Santé", Email: "compta@hopital-sante.example", IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP"}
	if err := p.db.CreateFournisseur(segur.WithActeur(ctx, segur.Acteur{Login: "cli"}), g); err != nil {
		t.Fatal(err)
	}
	rib := segur.Justificatif{Fichier: segur.BlobRef{SHA256: strings.Repeat("a", 64), Taille: 1200}, Format: "PDF", Nom: "rib.pdf"}
	alice := segur.WithActeur(ctx, segur.Acteur{Login: "alice@asp.fr"})
	maintenant := p.now
	p.now = maintenant.Add(-31 * 24 * time.Hour)
	if _, err := p.db.ProposerChangementBanque(alice, g.ID, "DE89370400440532013000", "COBADEFFXXX", rib); err != nil {
		t.Fatal(err)
	}
	// The vendor's first account, put in force; then a change of it.
	p.now = maintenant.Add(-60 * 24 * time.Hour)
	if _, err := p.db.ProposerChangementBanque(alice, f.ID, "FR7630006000011234567890189", "AGRIFRPP", rib); err != nil {
		t.Fatal(err)
	}
	if _, err := p.db.ApprouverChangementBanque(segur.WithActeur(ctx, segur.Acteur{Login: "bob@asp.fr"}), f.ID, "", time.UTC); err != nil {
		t.Fatal(err)
	}
	p.now = maintenant.Add(-3 * 24 * time.Hour)
	if _, err := p.db.ProposerChangementBanque(alice, f.ID, ibanNouveau, "BNPAFRPP", rib); err != nil {
		t.Fatal(err)
	}
	p.now = maintenant
	agentClient(t, p, "bob@asp.fr", segur.RoleAdmin)

	actx, do, texte := parcours(t)
	verifier := ecran(t, actx)
	do("connexion", chromedp.Navigate(p.srv.URL+"/connexion"),
		chromedp.SendKeys(chromedp.CSS("#login"), "bob@asp.fr"),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de l'agent"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitReady(chromedp.CSS(`form[action="/deconnexion"]`)))
	do("administration", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(p.srv.URL+"/agence/admin"), chromedp.WaitVisible(chromedp.CSS("#compte-banque")))
	if got := texte("#compte-banque"); got != "1 changement à approuver, 1 expiré" {
		t.Errorf("overview's tile: got %q", got)
	}
	do("liste", chromedp.Click(chromedp.CSS(`a[href="/agence/admin/banque"]`)), chromedp.WaitVisible(chromedp.CSS("caption")))
	if got := texte("caption"); got != "2 changements de coordonnées bancaires non décidés, le plus ancien d'abord" {
		t.Errorf("caption: got %q", got)
	}
	verifier("liste", 1280)
	do("390 px", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("caption")))
	verifier("liste", 390)

	vctx, vdo, vtexte := parcours(t)
	vverifier := ecran(t, vctx)
	vdo("connexion fournisseur", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(p.srv.URL+"/connexion"),
		chromedp.SendKeys(chromedp.CSS("#login"), "jean@lebeaulogiciel.fr"),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de test"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitReady(chromedp.CSS(`form[action="/deconnexion"]`)))
	vdo("compte", chromedp.Navigate(p.srv.URL+"/compte"), chromedp.WaitVisible(chromedp.CSS("#banque-attente")))
	if got := vtexte("#banque-attente .fr-alert__title"); got != "Changement de coordonnées bancaires en attente de validation par l'agence" {
		t.Errorf("vendor's alert: got %q", got)
	}
	if got := strings.Join(strings.Fields(vtexte("#banque-vigueur")), " "); got != "IBAN •••• se terminant par 0189, BIC AGRIFRPP" {
		t.Errorf("vendor's account in force: got %q", got)
	}
	vverifier("compte-fournisseur", 1280)
	vdo("390 px", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#banque-attente")))
	vverifier("compte-fournisseur", 390)
}
