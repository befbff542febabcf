package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
)

// agentClient logs in a new user with roles and returns its client.
func agentClient(t *testing.T, p *portail, login string, roles ...segur.Role) *http.Client {
	t.Helper()
	h, _ := auth.HashPassword("mot de passe de l'agent")
	if err := p.db.CreateUtilisateur(context.Background(), &segur.Utilisateur{Login: login, Nom: "Agent " + login, Roles: roles, MotDePasse: h}); err != nil {
		t.Fatal(err)
	}
	c := client(t)
	lecteur{t}.lire(c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {login}, "motdepasse": {"mot de passe de l'agent"}}))
	return c
}

// demandesDeposees deposits, as the vendor, requests of the amounts given
// (as the format writes them) and returns their ASP numbers.
func demandesDeposees(t *testing.T, p *portail, vendeur *http.Client, montants ...string) []string {
	t.Helper()
	for i, m := range montants {
		deposerForm(t, vendeur, p, "T000"+string(rune('1'+i)), m, i+1, true)
	}
	ds, _, err := p.db.FindDemandes(context.Background(), segur.DemandeFilter{})
	if err != nil || len(ds) != len(montants) {
		t.Fatalf("deposited %d requests (%v), want %d", len(ds), err, len(montants))
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.NumeroASP)
	}
	return out
}

func TestAccesAgence(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp := demandesDeposees(t, p, vendeur, "13750.00")[0]
	payeur := agentClient(t, p, "payeur@asp.fr", segur.RolePayeur)
	routes := []string{"/agence/demandes", "/agence/demandes/" + asp, "/agence/demandes/" + asp + "/pieces/1"}
	for _, r := range routes {
		if code, body := L.lire(vendeur.Get(p.srv.URL + r)); code != http.StatusForbidden || !strings.Contains(body, "réservée aux agents") {
			t.Errorf("vendor GET %s: got %d, want 403", r, code)
		}
		if code, _ := L.lire(payeur.Get(p.srv.URL + r)); code != http.StatusForbidden {
			t.Errorf("payer GET %s: got %d, want 403", r, code)
		}
	}
	if code, _ := L.lire(vendeur.PostForm(p.srv.URL+"/agence/demandes/"+asp+"/actions", url.Values{"confirmer": {"1"}, "action": {"prendre"}})); code != http.StatusForbidden {
		t.Errorf("vendor taking a request: got %d, want 403", code)
	}
	// An agent reaches none of a vendor's request pages.
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	if code, _ := L.lire(inst.Get(p.srv.URL + "/demandes/" + asp)); code != http.StatusForbidden {
		t.Errorf("agent on the vendor's page: got %d, want 403", code)
	}
	// Another vendor does not find the request.
	ctx := context.Background()
	f2 := &segur.Fournisseur{SIRET: "35600000000048", Nom: "Autre", Email: "a@autre.example"}
	if err := p.db.CreateFournisseur(ctx, f2); err != nil {
		t.Fatal(err)
	}
	h, _ := auth.HashPassword("mot de passe de test")
	if err := p.db.CreateUtilisateur(ctx, &segur.Utilisateur{Login: "x@autre.example", Nom: "X", Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: f2.ID, MotDePasse: h}); err != nil {
		t.Fatal(err)
	}
	autre := client(t)
	L.lire(autre.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"x@autre.example"}, "motdepasse": {"mot de passe de test"}}))
	for _, r := range []string{"/demandes/" + asp, "/demandes/" + asp + "/pieces/1"} {
		if code, _ := L.lire(autre.Get(p.srv.URL + r)); code != http.StatusNotFound {
			t.Errorf("another vendor GET %s: got %d, want 404", r, code)
		}
	}
	// A forbidden transition is refused with the state machine's message.
	if code, body := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asp+"/actions", url.Values{"confirmer": {"1"}, "action": {"valider"}})); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "action « valider » impossible sur une demande au statut « deposee »") {
		t.Errorf("validating a request not taken: got %d", code)
	}
	if d, _ := p.db.FindDemandeByASP(ctx, asp); d.Statut != segur.DemandeDeposee {
		t.Errorf("status %s after a refused action", d.Statut)
	}
}

func TestInstruction(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "48000.00", "23000.00")
	petite, grande, seuil := asps[0], asps[1], asps[2]
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur, segur.RoleAdmin)

	code, body := L.lire(inst.Get(p.srv.URL + "/agence/demandes"))
	if code != http.StatusOK || !strings.Contains(body, "Déposée (3)") || !strings.Contains(body, petite) {
		t.Fatalf("queue: got %d, want the 3 deposited requests", code)
	}
	// The request page: fields, alerts, attachments inline.
	code, body = L.lire(inst.Get(p.srv.URL + "/agence/demandes/" + petite))
	for _, want := range []string{"HOPITAL SAINT-MARTIN", "999999991", "13\u202f750,00\u202f€ HT", "Bon de commande", `data-alerte="cle_siret"`, `data-alerte="cle_finess"`, "Prendre en instruction"} {
		if !strings.Contains(body, want) {
			t.Errorf("request page (%d) lacks %q", code, want)
		}
	}
	resp, err := inst.Get(p.srv.URL + "/agence/demandes/" + petite + "/pieces/1")
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, _ := os.ReadFile("../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.Equal(pdf, want) ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") {
		t.Errorf("attachment: %d %v, %d bytes", resp.StatusCode, resp.Header, len(pdf))
	}

	// Batch: take all three.
	code, body = L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/lot", url.Values{"asp": asps, "action": {"prendre"}}))
	if code != http.StatusOK || !strings.Contains(body, "3 demandes traitées sur 3") {
		t.Fatalf("batch take: got %d", code)
	}
	// Each new status in its badge, coloured as the domain says.
	if want := `<p class="fr-badge fr-badge--info fr-badge--sm">En instruction</p>`; strings.Count(body, want) != 3 {
		t.Errorf("batch take: want 3 times %s", want)
	}
	// A refusal needs a reason.
	code, body = L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+seuil+"/actions", url.Values{"confirmer": {"1"}, "action": {"refuser"}}))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "la raison est obligatoire") {
		t.Errorf("refusal without reason: got %d", code)
	}
	// Validate: 13 750 € and 23 000,00\u202f€ exactly get a décision, 48 000 € a convention.
	for asp, statut := range map[string]segur.StatutDemande{petite: segur.DemandeDecidee, seuil: segur.DemandeDecidee, grande: segur.DemandeConventionASigner} {
		if code, _ := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asp+"/actions", url.Values{"confirmer": {"1"}, "action": {"valider"}})); code != http.StatusOK {
			t.Fatalf("validate %s: got %d", asp, code)
		}
		d, _ := p.db.FindDemandeByASP(context.Background(), asp)
		if d.Statut != statut || d.Agent != "marie@asp.fr" || d.MontantFinance != d.MontantHTCents {
			t.Errorf("%s: got %s financed %d, want %s", asp, d.Statut, d.MontantFinance, statut)
		}
	}
	// The vendor sees the décision in its space and downloads it.
	code, body = L.lire(vendeur.Get(p.srv.URL + "/demandes/" + petite))
	ref := petite + "-DEC-1"
	if code != http.StatusOK || !strings.Contains(body, "Décision attributive de financement") || !strings.Contains(body, ref) {
		t.Fatalf("vendor's request page: got %d, want the décision", code)
	}
	if strings.Contains(body, "marie@asp.fr") || strings.Contains(body, "depuis 127.0.0.1") {
		t.Errorf("the vendor's page names the agent or where the agent was")
	}
	resp, err = vendeur.Get(p.srv.URL + "/demandes/" + petite + "/documents/" + ref)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	docs, _ := p.db.FindDocuments(context.Background(), petite)
	sum := sha256.Sum256(doc)
	if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(doc, []byte("%PDF-")) || len(docs) != 1 || hex.EncodeToString(sum[:]) != docs[0].Fichier.SHA256 {
		t.Errorf("décision download: %d, %d bytes, docs %+v", resp.StatusCode, len(doc), docs)
	}
	// The mail waits in the outbox, with the décision attached.
	mails, n, err := p.db.FindCourriels(context.Background(), "", 10, 0)
	if err != nil || n != 3 {
		t.Fatalf("outbox: %d mails (%v), want 3", n, err)
	}
	for _, m := range mails {
		if m.A[0] != "contact@lebeaulogiciel.fr" || m.PieceSHA256 == "" {
			t.Errorf("mail %+v", m)
		}
	}
	// The convention: signed by the vendor, with the document's hash.
	code, body = L.lire(vendeur.Get(p.srv.URL + "/demandes/" + grande))
	if code != http.StatusOK || !strings.Contains(body, "Signer la convention") {
		t.Fatalf("convention to sign: got %d", code)
	}
	if code, body := L.lire(vendeur.PostForm(p.srv.URL+"/demandes/"+grande+"/signer", url.Values{})); code != http.StatusUnprocessableEntity || !strings.Contains(body, "cochez « J'accepte la convention »") {
		t.Errorf("signing without accepting: got %d", code)
	}
	// Accepting online: its confirmation first, the request unchanged.
	code, body = L.lire(vendeur.PostForm(p.srv.URL+"/demandes/"+grande+"/signer", url.Values{"accepte": {"1"}}))
	for _, want := range []string{"Confirmer : acceptation de la convention de la demande " + grande, "Vous acceptez la convention d'attribution " + grande + "-CONV-1 (empreinte SHA-256 ",
		"au nom de Le Beau Logiciel : montant financé 48\u202f000,00\u202f€.", "elle vaut signature et ne se retire pas",
		"«\u00a0Convention à signer\u00a0» deviendra «\u00a0Convention signée\u00a0»\u202f; l'avance de 30\u202f% (14\u202f400,00\u202f€) pourra alors être payée.",
		`<input type="hidden" name="accepte" value="1">`, `<input type="hidden" name="confirmer" value="1">`, `action="/demandes/` + grande + `/signer"`,
		`id="confirmation-annuler" href="/demandes/` + grande + `">Annuler</a>`} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("unconfirmed signature (%d) lacks %q", code, want)
		}
	}
	if d, _ := p.db.FindDemandeByASP(context.Background(), grande); d.Statut != segur.DemandeConventionASigner {
		t.Errorf("unconfirmed signature: %s, want convention_a_signer", d.Statut)
	}
	code, body = L.lire(vendeur.PostForm(p.srv.URL+"/demandes/"+grande+"/signer", url.Values{"accepte": {"1"}, "confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "Convention signée") {
		t.Errorf("signing: got %d", code)
	}
	h, _ := p.db.FindHistorique(context.Background(), grande)
	conv, _ := p.db.FindDocuments(context.Background(), grande)
	last := h[len(h)-1]
	if last.Action != segur.ActionSigner || last.Par != "jean@lebeaulogiciel.fr" || last.Adresse == "" || len(conv) != 1 || last.Document != conv[0].Fichier.SHA256 {
		t.Errorf("signature record: %+v, documents %+v", last, conv)
	}
	// Reopening a refusal is an admin's; a completion keeps the versions.
	code, _ = L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+petite+"/actions", url.Values{"confirmer": {"1"}, "action": {"refuser"}, "raison": {"x"}}))
	if code != http.StatusUnprocessableEntity {
		t.Errorf("refusing a décision: got %d, want 422", code)
	}
}

func TestCompletion(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp := demandesDeposees(t, p, vendeur, "13750.00")[0]
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	for _, f := range []url.Values{{"confirmer": {"1"}, "action": {"prendre"}}, {"confirmer": {"1"}, "action": {"demander"}, "raison": {"Bon de commande non signé : joignez-le signé."}}} {
		if code, _ := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asp+"/actions", f)); code != http.StatusOK {
			t.Fatalf("%v: got %d", f, code)
		}
	}
	code, body := L.lire(vendeur.Get(p.srv.URL + "/demandes/" + asp))
	if code != http.StatusOK || !strings.Contains(body, "Bon de commande non signé") || !strings.Contains(body, "Envoyer la pièce") {
		t.Fatalf("vendor's page: got %d, want the request for completion", code)
	}
	envoyer := func(nom string, contenu []byte) (int, string) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("type", "BON_COMMANDE")
		fw, _ := w.CreateFormFile("fichier", nom)
		fw.Write(contenu)
		w.Close()
		req, _ := http.NewRequest("POST", p.srv.URL+"/demandes/"+asp+"/completer", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		return L.lire(vendeur.Do(req))
	}
	if code, body := envoyer("bdc.pdf", []byte("pas un PDF")); code != http.StatusUnprocessableEntity || !strings.Contains(body, "Format non reconnu") {
		t.Errorf("not a PDF: got %d", code)
	}
	pdf, _ := os.ReadFile("../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
	if code, body := envoyer("../../etc/passwd.pdf", pdf); code != http.StatusOK || !strings.Contains(body, "la demande retourne en instruction") {
		t.Fatalf("completion: got %d", code)
	}
	vs, _ := p.db.FindPiecesVersions(context.Background(), asp)
	if len(vs) != 1 || vs[0].Nom != "passwd.pdf" || vs[0].Format != "PDF" {
		t.Errorf("versions: %+v", vs)
	}
	d, _ := p.db.FindDemandeByASP(context.Background(), asp)
	if d.Statut != segur.DemandeEnInstruction {
		t.Errorf("status %s after completion", d.Statut)
	}
	// The agent sees both versions and opens the new one inline.
	_, body = L.lire(inst.Get(p.srv.URL + "/agence/demandes/" + asp))
	if !strings.Contains(body, "déposée avec la demande") || !strings.Contains(body, "envoyée le") {
		t.Errorf("request page lacks a version")
	}
	resp, err := inst.Get(p.srv.URL + "/agence/demandes/" + asp + "/versions/" + strconv.FormatInt(vs[0].ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, pdf) {
		t.Errorf("version: %d, %d bytes", resp.StatusCode, len(got))
	}
}
