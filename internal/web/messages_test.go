package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur"
)

// fichierJoint is a file of a message's form.
type fichierJoint struct {
	nom     string
	contenu []byte
}

// requeteMessage is the POST of a message's form (text, files) to chemin.
func requeteMessage(p *portail, chemin, texte string, fichiers ...fichierJoint) *http.Request {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("texte", texte)
	for _, f := range fichiers {
		fw, _ := w.CreateFormFile("fichiers", f.nom)
		fw.Write(f.contenu)
	}
	w.Close()
	req, _ := http.NewRequest("POST", p.srv.URL+chemin, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

// envoyerMessage posts a message's form (text, files) to chemin.
func envoyerMessage(t *testing.T, c *http.Client, p *portail, chemin, texte string, fichiers ...fichierJoint) (int, string) {
	t.Helper()
	return lecteur{t}.lire(c.Do(requeteMessage(p, chemin, texte, fichiers...)))
}

// filInstruit is a portal with one deposited request asp, its vendor
// logged in, and the instructor marie, who took it: the two sides of a
// thread.
func filInstruit(t *testing.T) (p *portail, vendeur, inst *http.Client, asp string) {
	t.Helper()
	p = newPortail(t)
	vendeur = client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp = demandesDeposees(t, p, vendeur, "13750.00")[0]
	inst = agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	lecteur{t}.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asp+"/actions", url.Values{"confirmer": {"1"}, "action": {"prendre"}}))
	return p, vendeur, inst, asp
}

// courrielsMessage returns the outbox's mails of a new message to a.
func courrielsMessage(t *testing.T, p *portail, a string) []segur.Courriel {
	t.Helper()
	cs, _, err := p.db.FindCourriels(context.Background(), "", 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []segur.Courriel
	for _, c := range cs {
		if strings.Contains(c.Sujet, "nouveau message") && len(c.A) == 1 && c.A[0] == a {
			out = append(out, c)
		}
	}
	return out
}

// TestMessages goes through a thread: an agent writes, the vendor reads
// (and it is then read), answers with a PDF, the agent sees « Nouveau »
// and opens the file; each message mails the other side; refusals,
// another vendor, private notes.
func TestMessages(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp := demandesDeposees(t, p, vendeur, "13750.00")[0]
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	if code, _ := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asp+"/actions", url.Values{"confirmer": {"1"}, "action": {"prendre"}})); code != http.StatusOK {
		t.Fatalf("prendre: got %d", code)
	}
	agence, fournisseur := "/agence/demandes/"+asp, "/demandes/"+asp

	// The agent writes.
	code, body := envoyerMessage(t, inst, p, agence+"/messages", "  Bonjour,\nle bon de commande est-il signé\u202f?  ")
	if code != http.StatusOK || !strings.Contains(body, "Message envoyé au fournisseur.") {
		t.Fatalf("agent's message: got %d", code)
	}
	if strings.Contains(body, "data-nouveau") {
		t.Error("agent's page: its own message is shown « Nouveau »")
	}
	mails := courrielsMessage(t, p, "contact@lebeaulogiciel.fr")
	if len(mails) != 1 || !strings.Contains(mails[0].Corps, asp) || !strings.Contains(mails[0].Corps, "https://portail.example/demandes/"+asp) ||
		strings.Contains(mails[0].Corps, "bon de commande est-il") {
		t.Fatalf("mail to the vendor: got %+v", mails)
	}

	// The vendor's list marks the request; its page shows the message
	// « Nouveau » once, then it is read.
	if _, body := L.lire(vendeur.Get(p.srv.URL + "/demandes")); !strings.Contains(body, `data-non-lus="1"`) {
		t.Error("vendor's list: no mark of the unread message")
	}
	_, body = L.lire(vendeur.Get(p.srv.URL + fournisseur))
	if !strings.Contains(body, "Bonjour,<br>le bon de commande est-il signé\u202f?</p>") || !strings.Contains(body, "data-nouveau>Nouveau") ||
		!strings.Contains(body, "Message de l'agence") || strings.Contains(body, "Message de marie@asp.fr") {
		t.Fatalf("vendor's page: want the agency's message, new, without the agent's login")
	}
	if _, body = L.lire(vendeur.Get(p.srv.URL + fournisseur)); strings.Contains(body, "data-nouveau") {
		t.Error("vendor's page, opened again: the message is still « Nouveau »")
	}
	if _, body := L.lire(vendeur.Get(p.srv.URL + "/demandes")); strings.Contains(body, "data-non-lus") {
		t.Error("vendor's list: the message read is still marked")
	}

	// The vendor answers with a PDF; a file with a wrong signature is
	// refused, the text kept.
	pdf, err := os.ReadFile("../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
	if err != nil {
		t.Fatal(err)
	}
	code, body = envoyerMessage(t, vendeur, p, fournisseur+"/messages", "Le voici, signé.", fichierJoint{"bdc.pdf", pdf}, fichierJoint{"faux.pdf", []byte("MZ pas un PDF")})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Fichier « faux.pdf » refusé. Format non reconnu") ||
		!strings.Contains(body, "Le voici, signé.</textarea>") {
		t.Errorf("wrong signature: got %d, want 422 with the French message and the text kept", code)
	}
	code, body = envoyerMessage(t, vendeur, p, fournisseur+"/messages", "Le voici, signé.", fichierJoint{"../../etc/bdc signé.pdf", pdf})
	if code != http.StatusOK || !strings.Contains(body, "Message envoyé à l'agence.") {
		t.Fatalf("vendor's answer: got %d", code)
	}
	ms, err := p.db.FindMessages(context.Background(), asp)
	if err != nil || len(ms) != 2 || len(ms[1].Fichiers) != 1 || ms[1].Fichiers[0].Nom != "bdc signé.pdf" || ms[1].Auteur != "jean@lebeaulogiciel.fr" {
		t.Fatalf("thread: got %+v, %v", ms, err)
	}
	if got := courrielsMessage(t, p, "marie@asp.fr"); len(got) != 1 || !strings.Contains(got[0].Corps, "https://portail.example/agence/demandes/"+asp) {
		t.Errorf("mail to the agent assigned: got %+v", got)
	}

	// The agent sees « Nouveau », and opens the file with the pieces'
	// headers; the mark goes once the page is seen.
	if nl, _ := p.db.FindMessagesNonLus(context.Background(), segur.CoteAgence, []string{asp}); nl[asp] != 1 {
		t.Errorf("unread by the agency: got %v", nl)
	}
	nonLuDansLaFile := func() bool {
		_, body := L.lire(inst.Get(p.srv.URL + "/agence/demandes?onglet=toutes"))
		i := strings.Index(body, `href="/agence/demandes/`+asp+`"`)
		return i >= 0 && strings.Contains(body[i:i+600], `data-non-lus="1">message non lu</p>`)
	}
	if !nonLuDansLaFile() {
		t.Error("the queue's row: no « message non lu »")
	}
	_, body = L.lire(inst.Get(p.srv.URL + agence))
	lien := fmt.Sprintf("%s/messages/fichiers/%d", agence, ms[1].Fichiers[0].ID)
	if !strings.Contains(body, "data-nouveau>Nouveau") || !strings.Contains(body, "Message de jean@lebeaulogiciel.fr (fournisseur)") ||
		!strings.Contains(body, `href="`+lien+`"`) || !strings.Contains(body, "Message du fournisseur avec un fichier joint") {
		t.Errorf("agent's page: want the vendor's message new, its file, its line of history")
	}
	if nl, _ := p.db.FindMessagesNonLus(context.Background(), segur.CoteAgence, []string{asp}); len(nl) != 0 {
		t.Errorf("unread by the agency once seen: got %v", nl)
	}
	if nonLuDansLaFile() {
		t.Error("the queue's row once the message seen: still « message non lu »")
	}
	for _, c := range []struct {
		client *http.Client
		chemin string
	}{{inst, lien}, {vendeur, fmt.Sprintf("%s/messages/fichiers/%d", fournisseur, ms[1].Fichiers[0].ID)}} {
		resp, err := c.client.Get(p.srv.URL + c.chemin)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(got, pdf) || resp.Header.Get("Content-Type") != "application/pdf" ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") {
			t.Errorf("%s: got %d, %d bytes, %v", c.chemin, resp.StatusCode, len(got), resp.Header)
		}
	}

	// Bounds.
	six := make([]fichierJoint, 6)
	for i := range six {
		six[i] = fichierJoint{"p" + strconv.Itoa(i) + ".pdf", pdf[:200]}
	}
	for _, tc := range []struct {
		name, texte string
		fichiers    []fichierJoint
		want        string
	}{
		{"empty", "  \n ", nil, "Texte vide"},
		{"5 001 characters", strings.Repeat("é", segur.MaxTexteMessage+1), nil, "Texte trop long : 5\u202f001 caractères, au plus 5\u202f000."},
		{"6 files", "six fichiers", six, "Trop de fichiers : 6, au plus 5 par message."},
	} {
		for _, chemin := range []struct {
			c *http.Client
			s string
		}{{vendeur, fournisseur}, {inst, agence}} {
			code, body := envoyerMessage(t, chemin.c, p, chemin.s+"/messages", tc.texte, tc.fichiers...)
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
				t.Errorf("%s on %s: got %d, want 422 with %q", tc.name, chemin.s, code, tc.want)
			}
		}
	}
	if ms, _ := p.db.FindMessages(context.Background(), asp); len(ms) != 2 {
		t.Errorf("after the refusals: got %d messages, want 2", len(ms))
	}

	// Another vendor can neither read nor post.
	autre := autreFournisseur(t, p)
	for _, req := range []func() (*http.Response, error){
		func() (*http.Response, error) { return autre.Get(p.srv.URL + fournisseur) },
		func() (*http.Response, error) {
			return autre.Get(p.srv.URL + fmt.Sprintf("%s/messages/fichiers/%d", fournisseur, ms[1].Fichiers[0].ID))
		},
		func() (*http.Response, error) {
			return autre.PostForm(p.srv.URL+fournisseur+"/messages", url.Values{"texte": {"intrusion"}})
		},
	} {
		if code, body := L.lire(req()); code != http.StatusNotFound || !strings.Contains(body, "introuvable") {
			t.Errorf("another vendor: got %d, want 404 « introuvable »", code)
		}
	}
	// Nor the vendor reach a file through another request's path.
	if code, _ := L.lire(vendeur.Get(p.srv.URL + "/demandes/ASP-2026-9999999/messages/fichiers/1")); code != http.StatusNotFound {
		t.Errorf("file of an unknown request: got %d, want 404", code)
	}

	// Private notes: on the agent's page only.
	if code, body := L.lire(inst.PostForm(p.srv.URL+agence+"/notes", url.Values{"note": {"Note confidentielle : fournisseur appelé."}})); code != http.StatusOK ||
		!strings.Contains(body, "Note interne enregistrée.") || !strings.Contains(body, "Note confidentielle : fournisseur appelé.") {
		t.Errorf("note: got %d", code)
	}
	if code, body := L.lire(inst.PostForm(p.srv.URL+agence+"/notes", url.Values{"note": {" "}})); code != http.StatusUnprocessableEntity || !strings.Contains(body, "Texte vide") {
		t.Errorf("empty note: got %d, want 422", code)
	}
	_, body = L.lire(vendeur.Get(p.srv.URL + fournisseur))
	if strings.Contains(body, "confidentielle") || strings.Contains(body, "Notes internes") || strings.Contains(body, "Note interne") {
		t.Error("vendor's page shows a private note")
	}
	if code, _ := L.lire(vendeur.PostForm(p.srv.URL+agence+"/notes", url.Values{"note": {"x"}})); code != http.StatusForbidden {
		t.Errorf("vendor posting a note: got %d, want 403", code)
	}
	for _, c := range courrielsMessage(t, p, "contact@lebeaulogiciel.fr") {
		if strings.Contains(c.Corps, "confidentielle") {
			t.Error("a mail carries the private note")
		}
	}
}

// TestMessagesConcurrents posts 50 messages at once on one thread: each is
// stored, none lost, each with its mail.
func TestMessagesConcurrents(t *testing.T) {
	p, vendeur, inst, asp := filInstruit(t)
	const n = 50
	var wg sync.WaitGroup
	codes := make(chan int, n)
	for i := range n {
		c := vendeur
		if i%2 == 1 {
			c = inst
		}
		chemin := "/demandes/" + asp + "/messages"
		if c == inst {
			chemin = "/agence" + chemin
		}
		wg.Go(func() {
			resp, err := c.Do(requeteMessage(p, chemin, fmt.Sprintf("message %d", i)))
			if err != nil {
				codes <- 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusOK {
			t.Errorf("post: got %d, want 200", code)
		}
	}
	ms, err := p.db.FindMessages(context.Background(), asp)
	if err != nil || len(ms) != n {
		t.Fatalf("got %d messages, %v; want %d", len(ms), err, n)
	}
	vus := map[string]bool{}
	for _, m := range ms {
		vus[m.Texte] = true
	}
	if len(vus) != n {
		t.Errorf("got %d distinct messages, want %d", len(vus), n)
	}
	if a, b := len(courrielsMessage(t, p, "marie@asp.fr")), len(courrielsMessage(t, p, "contact@lebeaulogiciel.fr")); a != n/2 || b != n/2 {
		t.Errorf("mails: got %d to the agent, %d to the vendor; want %d each", a, b, n/2)
	}
}

// TestMessagesDebit: a vendor writing past its bound of the hour is
// refused with 429 and a French sentence that says when to write again,
// its text kept in the form; the agent is mailed for the accepted ones only.
func TestMessagesDebit(t *testing.T) {
	p, vendeur, inst, asp := filInstruit(t)
	chemin := "/demandes/" + asp + "/messages"
	for i := range segur.MaxMessagesFournisseurHeure {
		if code, body := envoyerMessage(t, vendeur, p, chemin, fmt.Sprintf("relance %d", i)); code != http.StatusOK {
			t.Fatalf("message %d: got %d\n%s", i, code, body)
		}
	}
	resp, err := vendeur.Do(requeteMessage(p, chemin, "Le texte à ne pas perdre"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	if resp.StatusCode != http.StatusTooManyRequests ||
		!strings.Contains(body, "Trop de messages : votre entreprise en a envoyé 30 à l&#39;agence dans la dernière heure, au plus 30. Vous pourrez écrire de nouveau dans") ||
		!strings.Contains(body, ">Le texte à ne pas perdre</textarea>") {
		t.Errorf("past the bound: got %d\n%s", resp.StatusCode, body)
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 3600 {
		t.Errorf("Retry-After %q, want the seconds to the hour's end", resp.Header.Get("Retry-After"))
	}
	if n := len(courrielsMessage(t, p, "marie@asp.fr")); n != segur.MaxMessagesFournisseurHeure {
		t.Errorf("mails to the agent: got %d, want %d", n, segur.MaxMessagesFournisseurHeure)
	}
	// The agency answers, bound or not.
	if code, body := envoyerMessage(t, inst, p, "/agence"+chemin, "Nous avons bien reçu vos messages."); code != http.StatusOK {
		t.Errorf("agent's answer: got %d\n%s", code, body)
	}
}

// TestMessagesAntivirus: with the antivirus running, a message's file
// waits for its scan (409, no link), is served once healthy, never once
// infected: the gate of the pieces.
func TestMessagesAntivirus(t *testing.T) {
	p := newPortailAvec(t, "", func(s *Server) { s.Antivirus = true })
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp := demandesDeposees(t, p, vendeur, "13750.00")[0]
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	pdf, _ := os.ReadFile("../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	if code, _ := envoyerMessage(t, vendeur, p, "/demandes/"+asp+"/messages", "Deux fichiers.", fichierJoint{"a.pdf", pdf}, fichierJoint{"b.png", png}); code != http.StatusOK {
		t.Fatalf("post: got %d", code)
	}
	ms, _ := p.db.FindMessages(context.Background(), asp)
	if len(ms) != 1 || len(ms[0].Fichiers) != 2 {
		t.Fatalf("thread: %+v", ms)
	}
	sain, infecte := ms[0].Fichiers[0], ms[0].Fichiers[1]
	lien := func(f segur.FichierMessage) string {
		return fmt.Sprintf("/agence/demandes/%s/messages/fichiers/%d", asp, f.ID)
	}
	if code, _, _ := obtenir(t, inst, p.srv.URL+lien(sain)); code != http.StatusConflict {
		t.Errorf("file waiting for its scan: got %d, want 409", code)
	}
	if _, body := (lecteur{t}).lire(inst.Get(p.srv.URL + "/agence/demandes/" + asp)); strings.Contains(body, `href="`+lien(sain)+`"`) ||
		!strings.Contains(body, "Analyse antivirus en attente") {
		t.Error("agent's page: a file waiting is linked, or not said to wait")
	}
	le := p.now.Add(-time.Minute)
	analyser(t, p, asp,
		segur.Analyse{Fichier: sain.Fichier.SHA256, Resultat: segur.AnalyseSaine, Moteur: "ClamAV test", Le: le},
		segur.Analyse{Fichier: infecte.Fichier.SHA256, Resultat: segur.AnalyseInfectee, Signature: eicar, Moteur: "ClamAV test", Le: le})
	if code, body, _ := obtenir(t, inst, p.srv.URL+lien(sain)); code != http.StatusOK || !bytes.Equal(body, pdf) {
		t.Errorf("healthy file: got %d", code)
	}
	if code, body, _ := obtenir(t, inst, p.srv.URL+lien(infecte)); code != http.StatusForbidden || bytes.Contains(body, png[:8]) {
		t.Errorf("infected file: got %d, want 403", code)
	}
}

// TestParcoursMessages: in a real Chromium, an agent writes to the vendor
// on a request; the vendor, in its space, sees the message new and
// answers with a PDF; the agent finds the request marked « message non
// lu » in the queue and the vendor's file in the thread. Pages checked at
// 1280 px with axe.
func TestParcoursMessages(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp := demandesDeposees(t, p, vendeur, "13750.00")[0]
	agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	ctx, do, texte := parcours(t)
	verifier := ecran(t, ctx)
	pdf, err := filepath.Abs("../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
	if err != nil {
		t.Fatal(err)
	}
	connexion := func(login, mdp string) {
		t.Helper()
		do("connexion "+login, chromedp.Navigate(p.srv.URL+"/connexion"), chromedp.WaitVisible(chromedp.CSS("#login")),
			chromedp.SendKeys(chromedp.CSS("#login"), login), chromedp.SendKeys(chromedp.CSS("#motdepasse"), mdp),
			chromedp.Click(chromedp.CSS("main button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(`form[action="/deconnexion"] button`)))
	}
	deconnexion := func() {
		t.Helper()
		// Not any success flash: the page before had one.
		do("déconnexion", chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)), chromedp.WaitVisible(chromedp.CSS("#login")))
	}
	do("1280 px", chromedp.EmulateViewport(1280, 900))

	connexion("marie@asp.fr", "mot de passe de l'agent")
	do("écrire", chromedp.Navigate(p.srv.URL+"/agence/demandes/"+asp), chromedp.WaitVisible(chromedp.CSS("#message-texte")),
		chromedp.SendKeys(chromedp.CSS("#message-texte"), "Pouvez-vous nous envoyer le bon de commande signé ?"),
		chromedp.Click(chromedp.CSS(`#messages form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#messages article")))
	deconnexion()

	connexion("jean@lebeaulogiciel.fr", "mot de passe de test")
	do("la demande", chromedp.Navigate(p.srv.URL+"/demandes/"+asp), chromedp.WaitVisible(chromedp.CSS("#messages article")))
	if got := texte("#messages article"); !strings.Contains(strings.ToLower(got), "nouveau") || !strings.Contains(got, "bon de commande signé") {
		t.Errorf("the vendor's thread: %q", got)
	}
	verifier("fournisseur-message", 1280)
	do("390 px", chromedp.EmulateViewport(390, 844))
	verifier("fournisseur-message", 390)
	do("1280 px de nouveau", chromedp.EmulateViewport(1280, 900))
	do("répondre", chromedp.SendKeys(chromedp.CSS("#message-texte"), "Le voici."),
		chromedp.SetUploadFiles(chromedp.CSS("#message-fichiers"), []string{pdf}),
		chromedp.Click(chromedp.CSS(`#messages form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#messages li:nth-child(2) article`)))
	deconnexion()

	connexion("marie@asp.fr", "mot de passe de l'agent")
	do("file", chromedp.Navigate(p.srv.URL+"/agence/demandes"), chromedp.WaitVisible(chromedp.CSS("caption")))
	if got := texte("tbody"); !strings.Contains(strings.ToLower(got), "message non lu") {
		t.Errorf("the queue's row: %q, want « message non lu »", got)
	}
	verifier("file-message-non-lu", 1280)
	do("la réponse", chromedp.Click(chromedp.CSS(`a[href="/agence/demandes/`+asp+`"]`)), chromedp.WaitVisible(chromedp.CSS(`#messages li:nth-child(2) article`)))
	if got := texte(`#messages li:nth-child(2) article`); !strings.Contains(strings.ToLower(got), "nouveau") || !strings.Contains(got, "Le voici.") || !strings.Contains(got, "HOP-RI-Va1-BDC-00001.pdf") {
		t.Errorf("the vendor's answer on the agent's page: %q", got)
	}
	verifier("agent-reponse", 1280)
	do("390 px", chromedp.EmulateViewport(390, 844))
	verifier("agent-reponse", 390)
}
