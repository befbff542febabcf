package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// decisionEmise deposits two requests as the vendor and has an instructor
// validate the first: a décision, issued as PDF and as HTML; the second is
// taken into instruction. It returns the first's ASP number, the décision,
// the instructor's client and the second's ASP number.
func decisionEmise(t *testing.T, p *portail, vendeur *http.Client) (string, segur.Document, *http.Client, string) {
	t.Helper()
	L := lecteur{t}
	asps := demandesDeposees(t, p, vendeur, "13750.00", "20000.00")
	asp := asps[0]
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	if code, _ := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asps[1]+"/actions", url.Values{"confirmer": {"1"}, "action": {"prendre"}})); code != http.StatusOK {
		t.Fatalf("prendre: got %d", code)
	}
	for _, action := range []string{"prendre", "valider"} {
		if code, _ := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asp+"/actions", url.Values{"confirmer": {"1"}, "action": {action}})); code != http.StatusOK {
			t.Fatalf("%s: got %d", action, code)
		}
	}
	docs, err := p.db.FindDocuments(context.Background(), asp)
	if err != nil || len(docs) != 1 || docs[0].HTML == "" {
		t.Fatalf("documents: got %+v %v; want the décision with its HTML version", docs, err)
	}
	return asp, docs[0], inst, asps[1]
}

// TestDocumentHTML: the request's page links the décision's HTML version
// beside its PDF; the vendor reads it (the same text, signed by the
// agency's service, no agent's login), the instructor too, another vendor
// does not find it; a document issued before HTML versions says it has
// none, without a link.
func TestDocumentHTML(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp, doc, inst, autreDemande := decisionEmise(t, p, vendeur)
	lien := "/demandes/" + asp + "/documents/" + doc.Reference + "/html"

	code, body := L.lire(vendeur.Get(p.srv.URL + "/demandes/" + asp))
	if code != http.StatusOK || !strings.Contains(body, `href="`+lien+`"`) || !strings.Contains(body, "Version accessible (HTML)") {
		t.Fatalf("request page (%d) lacks the link %s", code, lien)
	}
	resp, err := vendeur.Get(p.srv.URL + lien)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sum := sha256.Sum256(page)
	if resp.StatusCode != http.StatusOK || hex.EncodeToString(sum[:]) != doc.HTML {
		t.Fatalf("HTML version: got %d, SHA-256 %x; want 200, %s", resp.StatusCode, sum, doc.HTML)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type: got %q", ct)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy: got %q, want no script and no inline style", csp)
	}
	texte := html.UnescapeString(string(page))
	for _, w := range []string{`<html lang="fr-FR">`, "<h1>Décision attributive de financement</h1>", doc.Reference, "13\u202f750,00\u202f€",
		"Pour l'Agence de services et de paiement,<br>\nle service instructeur"} {
		if !strings.Contains(texte, w) {
			t.Errorf("the HTML version lacks %q", w)
		}
	}
	if strings.Contains(texte, "marie@asp.fr") || strings.Contains(texte, "<script") {
		t.Error("the HTML version names the agent's login or holds a script")
	}
	// The instructor, from the agency's page.
	agent := "/agence/demandes/" + asp + "/documents/" + doc.Reference + "/html"
	if code, body := L.lire(inst.Get(p.srv.URL + "/agence/demandes/" + asp)); code != http.StatusOK || !strings.Contains(body, `href="`+agent+`"`) {
		t.Errorf("agency's request page (%d) lacks the link %s", code, agent)
	}
	if resp, err := inst.Get(p.srv.URL + agent); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(b, page) {
			t.Errorf("instructor's HTML version: got %d, %d bytes", resp.StatusCode, len(b))
		}
	}
	// Another vendor, and a vendor on the agency's route: refused.
	autre := autreFournisseur(t, p)
	if code, body := L.lire(autre.Get(p.srv.URL + lien)); code != http.StatusNotFound || strings.Contains(body, "Décision attributive") {
		t.Errorf("another vendor: got %d, want 404", code)
	}
	if code, _ := L.lire(vendeur.Get(p.srv.URL + agent)); code != http.StatusForbidden {
		t.Errorf("the vendor on the agency's route: got %d, want 403", code)
	}
	if _, body := L.lire(client(t).Get(p.srv.URL + lien)); strings.Contains(body, "Décision attributive") || !strings.Contains(body, `id="login"`) {
		t.Error("signed out: got the HTML version, want the sign-in page")
	}

	// A document issued before the HTML versions (no HTML reference): the
	// page says so, the route says so, no link.
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "marie@asp.fr"})
	ancien := segur.Document{Type: segur.DocumentRefus, Reference: segur.ReferenceDocument(autreDemande, segur.DocumentRefus, 1),
		Fichier: doc.Fichier}
	refuser := segur.Demarche{Action: segur.ActionRefuser, Roles: []segur.Role{segur.RoleInstructeur}, Login: "marie@asp.fr", Raison: "hors programme"}
	if _, err := segur.Ecrire(ctx, p.db, func(ctx context.Context, tx segur.Tx) (segur.Changement, error) {
		return segur.AppliquerDemarche(ctx, tx, autreDemande, refuser, segur.ProgrammeParDefaut, segur.Suites{Document: &ancien})
	}); err != nil {
		t.Fatal(err)
	}
	code, body = L.lire(vendeur.Get(p.srv.URL + "/demandes/" + autreDemande))
	if code != http.StatusOK || !strings.Contains(body, ancien.Reference) || !strings.Contains(body, "Pas de version accessible (HTML) : document émis avant leur mise en place") ||
		strings.Contains(body, ancien.Reference+"/html") {
		t.Errorf("request page (%d): want the old document without HTML link, said plainly", code)
	}
	if code, body := L.lire(vendeur.Get(p.srv.URL + "/demandes/" + autreDemande + "/documents/" + ancien.Reference + "/html")); code != http.StatusNotFound ||
		!strings.Contains(body, "n'a pas de version accessible (HTML)") {
		t.Errorf("old document's HTML route: got %d, want 404 saying why", code)
	}
}

// TestDocumentHTMLNavigateur opens the décision's HTML version as the
// vendor in Chromium, at 1280 and 390 px: axe finds no violation, and the
// page is no wider than the screen.
func TestDocumentHTMLNavigateur(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp, doc, _, _ := decisionEmise(t, p, vendeur)
	ctx, do, texte := parcours(t)
	do("connexion", chromedp.Navigate(p.srv.URL+"/connexion"),
		chromedp.SendKeys(chromedp.CSS("#login"), "jean@lebeaulogiciel.fr"),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de test"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("caption")))
	do("demande", chromedp.Navigate(p.srv.URL+"/demandes/"+asp), chromedp.WaitVisible(chromedp.CSS(`a[href$="/html"]`)))
	segurtest.Screenshot(t, ctx, "demande-1280")
	do("version HTML", chromedp.Click(chromedp.CSS(`a[href$="/html"]`)), chromedp.WaitVisible(chromedp.CSS("h1")))
	if got := texte("h1"); got != "Décision attributive de financement" {
		t.Errorf("h1: got %q", got)
	}
	// The stylesheet applies (same origin, under the policy).
	if border, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("th")).borderTopStyle`)); err != nil || border != "solid" {
		t.Errorf("the document's stylesheet: th border %q (%v), want solid", border, err)
	}
	for _, w := range []int64{1280, 390} {
		do("largeur", chromedp.EmulateViewport(w, 844), chromedp.Navigate(p.srv.URL+"/demandes/"+asp+"/documents/"+doc.Reference+"/html"),
			chromedp.WaitVisible(chromedp.CSS("h1")))
		if large, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || large {
			t.Errorf("at %d px the page is wider than the screen (%v)", w, err)
		}
		segurtest.Screenshot(t, ctx, "document-html-"+map[int64]string{1280: "1280", 390: "390"}[w])
		segurtest.Axe(t, ctx)
	}
}

// TestAvisHTML: a batch marked paid issues each vendor's notice as PDF and
// HTML; the vendor finds « Version accessible (HTML) » beside it in its
// notices and on its request, signed by the agency's accounting service;
// another vendor does not; the payment officer reads it from the batch.
func TestAvisHTML(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	jean := client(t)
	connecter(t, p, jean, "mot de passe de test")
	jeanne, paul, asps := avancePayee(t, p)
	lot := p.srv.URL + "/agence/paiements/lots/1"
	avis, err := p.db.FindAvis(context.Background(), "AVIS-000001-1")
	if err != nil || avis.HTML == "" {
		t.Fatalf("notice: got %+v %v; want its HTML version", avis, err)
	}

	lien := "/paiements/AVIS-000001-1/html"
	if code, body := L.lire(jeanne.Get(p.srv.URL + "/paiements")); code != http.StatusOK || !strings.Contains(body, `href="`+lien+`"`) {
		t.Fatalf("vendor's notices (%d) lack the link %s", code, lien)
	}
	resp, err := jeanne.Get(p.srv.URL + lien)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sum := sha256.Sum256(page)
	texte := html.UnescapeString(string(page))
	if resp.StatusCode != http.StatusOK || hex.EncodeToString(sum[:]) != avis.HTML || !strings.Contains(texte, "<h1>Avis de paiement</h1>") ||
		!strings.Contains(texte, "Pour l'Agence de services et de paiement,<br>\nle service comptable") || strings.Contains(texte, "paul@asp.fr") {
		t.Errorf("notice's HTML version: got %d, SHA-256 %x (want %s)\n%s", resp.StatusCode, sum, avis.HTML, texte)
	}
	// On the request's page too, and from the batch for the officer.
	surDemande := "/demandes/" + asps[0] + "/avis/AVIS-000001-1/html"
	if code, body := L.lire(jeanne.Get(p.srv.URL + "/demandes/" + asps[0])); code != http.StatusOK || !strings.Contains(body, `href="`+surDemande+`"`) {
		t.Errorf("request page (%d) lacks the link %s", code, surDemande)
	}
	for c, u := range map[*http.Client]string{jeanne: p.srv.URL + surDemande, paul: lot + "/avis/AVIS-000001-1/html"} {
		if code, body := L.lire(c.Get(u)); code != http.StatusOK || !strings.Contains(body, "le service comptable") {
			t.Errorf("%s: got %d", u, code)
		}
	}
	if code, body := L.lire(paul.Get(lot)); code != http.StatusOK || !strings.Contains(body, `href="/agence/paiements/lots/1/avis/AVIS-000001-1/html"`) {
		t.Errorf("batch page (%d) lacks the notice's HTML link", code)
	}
	// Another vendor: not found, by either route.
	for _, u := range []string{lien, surDemande} {
		if code, body := L.lire(jean.Get(p.srv.URL + u)); code != http.StatusNotFound || strings.Contains(body, "le service comptable") {
			t.Errorf("another vendor, %s: got %d, want 404", u, code)
		}
	}
}

// TestVersionsHTMLPages opens, in Chromium at 1280 and 390 px, the pages
// that link the HTML versions: the vendor's request and notices, the
// payment officer's batch; axe finds no violation on any.
func TestVersionsHTMLPages(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	_, _, asps := avancePayee(t, p)
	lot := p.srv.URL + "/agence/paiements/lots/1"
	ctx, do, _ := parcours(t)
	connexion := func(login, mdp string) {
		t.Helper()
		do("connexion "+login, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(p.srv.URL+"/connexion"),
			chromedp.SendKeys(chromedp.CSS("#login"), login), chromedp.SendKeys(chromedp.CSS("#motdepasse"), mdp),
			chromedp.Click(chromedp.CSS("main button[type=submit]")), chromedp.WaitReady(chromedp.CSS(`form[action="/deconnexion"]`)))
	}
	voir := func(nom, url string) {
		t.Helper()
		for _, w := range []int64{1280, 390} {
			do(nom, chromedp.EmulateViewport(w, 844), chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`a[href$="/html"]`)))
			segurtest.Screenshot(t, ctx, fmt.Sprintf("%s-%d", nom, w))
			segurtest.Axe(t, ctx)
		}
	}
	connexion("jeanne@editions-sante.fr", "mot de passe de test")
	voir("demande", p.srv.URL+"/demandes/"+asps[0])
	voir("avis", p.srv.URL+"/paiements")
	do("déconnexion", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(p.srv.URL+"/paiements"),
		chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
	h, _ := auth.HashPassword("mot de passe du payeur")
	if err := p.db.CreateUtilisateur(context.Background(), &segur.Utilisateur{Login: "pia@asp.fr", Nom: "Pia Payeur", Roles: []segur.Role{segur.RolePayeur}, MotDePasse: h}); err != nil {
		t.Fatal(err)
	}
	connexion("pia@asp.fr", "mot de passe du payeur")
	voir("lot", lot)
}

// avancePayee decides a request of a vendor of its own (editeurPaye) and
// pays its advance through the payment officer's pages: the batch, its
// approval, its payment, which issue notice AVIS-000001-1 (batch 1). It
// returns the vendor's and the officer's clients, signed in, and the
// request's ASP numbers.
func avancePayee(t *testing.T, p *portail) (jeanne, paul *http.Client, asps []string) {
	t.Helper()
	_, jeanne, asps = editeurPaye(t, p, 13_750_00)
	decider(t, p, agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur), asps...)
	paul = agentClient(t, p, "paul@asp.fr", segur.RolePayeur)
	anne := agentClient(t, p, "anne@asp.fr", segur.RolePayeur) // approves what paul prepared
	lot := p.srv.URL + "/agence/paiements/lots/1"
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, etape := range []struct {
		qui  *http.Client
		url  string
		form url.Values
	}{
		{paul, p.srv.URL + "/agence/paiements/lots", url.Values{"tous": {"1"}}},
		{anne, lot + "/approuver", url.Values{"confirmer": {"1"}}},
		{paul, lot + "/payer", url.Values{"confirmer": {"1"}, "le": {p.now.In(paris).Format("2006-01-02")}}},
	} {
		if code, body := (lecteur{t}).lire(etape.qui.PostForm(etape.url, etape.form)); code != http.StatusOK {
			t.Fatalf("%s: got %d\n%s", etape.url, code, body)
		}
	}
	return jeanne, paul, asps
}
