package web

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// obtenir reads u with client c: the status, the body, the Retry-After.
func obtenir(t *testing.T, c *http.Client, u string) (int, []byte, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Get("Retry-After")
}

// analyser records verdicts as the antivirus's rounds do, with the alert
// on request asp (its audit event) of those that are not healthy; asp ""
// records none.
func analyser(t *testing.T, p *portail, asp string, as ...segur.Analyse) {
	t.Helper()
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "antivirus", Adresse: "segur serve"})
	var mauvais []segur.Analyse
	for _, a := range as {
		if a.Resultat != segur.AnalyseSaine && (a.Membre != "" || len(as) == 1) {
			mauvais = append(mauvais, a)
		}
	}
	var alertes []segur.AlerteAntivirus
	if asp != "" && len(mauvais) > 0 {
		alertes = append(alertes, segur.AlerteAntivirus{NumeroASP: asp, Analyses: mauvais})
	}
	// A deposit's zip: the deposit is marked judged, as a round marks it.
	var depot segur.DepotID
	if d, err := p.db.FindDemandeByASP(ctx, asp); err == nil && len(as) > 0 {
		if dep, err := p.db.FindDepotByID(ctx, d.DepotID); err == nil && dep.Zip.SHA256 == as[0].Fichier {
			depot = dep.ID
		}
	}
	if err := p.db.CreateAnalyses(ctx, depot, as, alertes); err != nil {
		t.Fatal(err)
	}
}

const (
	eicar            = "Segur.Test.EICAR"
	messageNotice    = "Les pièces déposées ne sont pas analysées par un antivirus : ouvrez-les avec précaution."
	messageEnAttente = "réessayez dans quelques minutes."
)

// TestAntivirusPieces: with the antivirus running, a piece waits for its
// verdict before it is served, a healthy one is served, an infected or
// unscannable one never, to the agent and to the vendor alike; the pages
// say each piece's status, the agent's page alerts, the history shows the
// antivirus's alerts.
func TestAntivirusPieces(t *testing.T) {
	p := newPortailAvec(t, "", func(s *Server) { s.Antivirus = true })
	ctx := context.Background()
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp := demandesDeposees(t, p, vendeur, "13750.00")[0]
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	d, err := p.db.FindDemandeByASP(ctx, asp)
	if err != nil || len(d.Pieces) != 2 {
		t.Fatalf("request %s: %v, pieces %+v", asp, err, d)
	}
	dep, err := p.db.FindDepotByID(ctx, d.DepotID)
	if err != nil || dep.Zip.SHA256 == "" {
		t.Fatalf("deposit: %v %+v", err, dep)
	}
	saine, infectee := d.Pieces[0].NomFichier, d.Pieces[1].NomFichier
	pdf, _ := os.ReadFile("../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
	agent, fournisseur := "/agence/demandes/"+asp, "/demandes/"+asp
	clients := map[string]*http.Client{agent: inst, fournisseur: vendeur}

	// No verdict yet: nothing is served, the pages say that they wait.
	for base, c := range clients {
		for n, nom := range []string{saine, infectee} {
			code, body, ra := obtenir(t, c, fmt.Sprintf("%s%s/pieces/%d", p.srv.URL, base, n+1))
			want := "Analyse antivirus en attente : la pièce « " + nom + " » pourra être ouverte une fois analysée ; " + messageEnAttente
			if code != http.StatusConflict || !strings.Contains(texte(body), want) || ra != strconv.Itoa(secondesAntivirus) || bytes.Contains(body, []byte("%PDF")) {
				t.Errorf("%s piece %d waiting: got %d, Retry-After %q, want 409 and %q", base, n+1, code, ra, want)
			}
		}
	}
	_, body := (lecteur{t}).lire(inst.Get(p.srv.URL + agent))
	for _, want := range []string{`data-antivirus="info">Analyse antivirus en attente</p>`, `id="antivirus-attente"`,
		"Analyse antivirus en attente : les pièces « " + saine + " », « " + infectee + " » pourront être ouvertes une fois analysées ; rechargez la page dans quelques minutes."} {
		if !strings.Contains(body, want) {
			t.Errorf("agent's page, pieces waiting: lacks %q", want)
		}
	}
	for _, interdit := range []string{`href="` + agent + `/pieces/1"`, `href="` + agent + `/pieces/2"`, messageNotice, `id="antivirus-ecartees"`} {
		if strings.Contains(body, interdit) {
			t.Errorf("agent's page, pieces waiting: shows %q", interdit)
		}
	}
	_, body = lecteur{t}.lire(vendeur.Get(p.srv.URL + fournisseur))
	if !strings.Contains(body, `data-antivirus="info">en cours d'analyse</p>`) || strings.Contains(body, `href="`+fournisseur+`/pieces/1"`) {
		t.Errorf("vendor's page, pieces waiting: want « en cours d'analyse » and no link")
	}
	if _, body := (lecteur{t}).lire(inst.Get(p.srv.URL + "/agence/demandes")); !strings.Contains(body, "analyse antivirus en attente</p>") {
		t.Errorf("agents' list, pieces waiting: want the request marked « analyse antivirus en attente »")
	}

	// The verdicts, as a round records them: the zip's, the worst, and
	// each piece's, with the alert on the request.
	le := p.now.Add(-time.Minute)
	analyser(t, p, asp,
		segur.Analyse{Fichier: dep.Zip.SHA256, Membre: saine, Resultat: segur.AnalyseSaine, Moteur: "ClamAV test", Le: le},
		segur.Analyse{Fichier: dep.Zip.SHA256, Membre: infectee, Resultat: segur.AnalyseInfectee, Signature: eicar, Moteur: "ClamAV test", Le: le},
		segur.Analyse{Fichier: dep.Zip.SHA256, Resultat: segur.AnalyseInfectee, Signature: infectee + " : " + eicar, Moteur: "ClamAV test", Le: le})
	for base, c := range clients {
		code, got, _ := obtenir(t, c, p.srv.URL+base+"/pieces/1")
		if code != http.StatusOK || !bytes.Equal(got, pdf) {
			t.Errorf("%s healthy piece: got %d, %d bytes, want 200 and the PDF", base, code, len(got))
		}
		code, got, _ = obtenir(t, c, p.srv.URL+base+"/pieces/2")
		want := "Pièce en quarantaine : l'antivirus y a trouvé « " + eicar + " » ; elle est gardée comme preuve et n'est jamais ouverte."
		if code != http.StatusForbidden || !strings.Contains(texte(got), want) || bytes.Contains(got, []byte("%PDF")) {
			t.Errorf("%s infected piece: got %d, want 403 and %q, never the content", base, code, want)
		}
	}
	for _, u := range []string{"/agence/demandes", "/agence/demandes?alertes=1"} {
		_, body := (lecteur{t}).lire(inst.Get(p.srv.URL + u))
		if !strings.Contains(body, "pièce écartée par l'antivirus</p>") || strings.Contains(body, "analyse antivirus en attente</p>") ||
			!strings.Contains(body, `href="/agence/demandes/`+asp+`"`) {
			t.Errorf("agents' list %s, a piece infected: want the request listed and marked « pièce écartée par l'antivirus »\n%s", u, body)
		}
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	_, body = lecteur{t}.lire(inst.Get(p.srv.URL + agent))
	for _, want := range []string{
		`data-antivirus="valid">Analysée le ` + le.In(paris).Format("02/01/2006 à 15:04") + ` : saine</p>`,
		`data-antivirus="error">Infectée (` + eicar + `) : en quarantaine, non ouverte</p>`,
		`id="antivirus-ecartees"`, "Une pièce écartée par l'antivirus</h2>", "<li>" + infectee + " : infectée (" + eicar + ")</li>",
		`href="` + agent + `/pieces/1"`, `<td data-label="Fichier">` + infectee + `</td>`,
		`<td data-label="Par">antivirus</td><td data-label="Action">Antivirus : ` + infectee + " infectée (" + eicar + ")</td>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("agent's page, verdicts: lacks %q", want)
		}
	}
	for _, interdit := range []string{`href="` + agent + `/pieces/2"`, `id="antivirus-attente"`} {
		if strings.Contains(body, interdit) {
			t.Errorf("agent's page, verdicts: shows %q", interdit)
		}
	}
	_, body = lecteur{t}.lire(vendeur.Get(p.srv.URL + fournisseur))
	if !strings.Contains(body, `data-antivirus="error">écartée par l'antivirus (infectée : `+eicar+`)</p>`) ||
		strings.Contains(body, `href="`+fournisseur+`/pieces/2"`) || !strings.Contains(body, `href="`+fournisseur+`/pieces/1"`) ||
		strings.Contains(body, "Analysée le") || strings.Contains(body, messageNotice) {
		t.Errorf("vendor's page, verdicts: want the infected piece refused and not linked, the healthy one linked\n%s", body)
	}

	// A piece sent after the deposit: waits, then is judged unscannable.
	for _, f := range []url.Values{{"confirmer": {"1"}, "action": {"prendre"}}, {"confirmer": {"1"}, "action": {"demander"}, "raison": {"Bon de commande illisible."}}} {
		if code, _ := (lecteur{t}).lire(inst.PostForm(p.srv.URL+agent+"/actions", f)); code != http.StatusOK {
			t.Fatalf("%v: got %d", f, code)
		}
	}
	if code, _ := completer(t, p, vendeur, asp, "bdc.pdf", pdf); code != http.StatusOK {
		t.Fatalf("completion: got %d", code)
	}
	vs, _ := p.db.FindPiecesVersions(ctx, asp)
	if len(vs) != 1 {
		t.Fatalf("versions: %+v", vs)
	}
	version := fmt.Sprintf("%s%s/versions/%d", p.srv.URL, agent, vs[0].ID)
	if code, _, _ := obtenir(t, inst, version); code != http.StatusConflict {
		t.Errorf("version waiting: got %d, want 409", code)
	}
	raison := "fichier plus gros que ce que l'antivirus accepte"
	analyser(t, p, asp, segur.Analyse{Fichier: vs[0].Fichier.SHA256, Resultat: segur.AnalyseImpossible, Signature: raison, Moteur: "ClamAV test", Le: p.now})
	code, got, _ := obtenir(t, inst, version)
	if want := "Pièce non analysable par l'antivirus (" + raison + ") : elle n'est pas ouverte."; code != http.StatusForbidden || !strings.Contains(texte(got), want) {
		t.Errorf("unscannable version: got %d, want 403 and %q", code, want)
	}
	_, body = lecteur{t}.lire(inst.Get(p.srv.URL + agent))
	for _, want := range []string{
		`data-antivirus="warning">Non analysable (` + raison + `) : non ouverte</p>`,
		"2 pièces écartées par l'antivirus</h2>", "<li>bdc.pdf : non analysable (" + raison + ")</li>",
		"Antivirus : bdc.pdf non analysable (" + raison + ")",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("agent's page, unscannable version: lacks %q", want)
		}
	}
}

// texte unescapes a page's body, as lecteur does.
func texte(b []byte) string { return html.UnescapeString(string(b)) }

// completer sends, as the vendor, the piece asked for on request asp.
func completer(t *testing.T, p *portail, vendeur *http.Client, asp, nom string, contenu []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("type", "BON_COMMANDE")
	fw, _ := w.CreateFormFile("fichier", nom)
	fw.Write(contenu)
	w.Close()
	req, _ := http.NewRequest("POST", p.srv.URL+"/demandes/"+asp+"/completer", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return lecteur{t}.lire(vendeur.Do(req))
}

// TestSansAntivirus: without an antivirus, a piece without a verdict is
// served as before and every agent's page warns of it, no vendor's page;
// a verdict recorded (by an antivirus run before) is obeyed all the same.
func TestSansAntivirus(t *testing.T) {
	p := newPortail(t)
	ctx := context.Background()
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp := demandesDeposees(t, p, vendeur, "13750.00")[0]
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	pdf, _ := os.ReadFile("../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
	for _, u := range []string{"/agence/demandes/" + asp, "/demandes/" + asp} {
		c := inst
		if !strings.HasPrefix(u, "/agence/") {
			c = vendeur
		}
		if code, got, _ := obtenir(t, c, p.srv.URL+u+"/pieces/1"); code != http.StatusOK || !bytes.Equal(got, pdf) {
			t.Errorf("%s piece without verdict nor antivirus: got %d, want 200 and the PDF", u, code)
		}
	}
	for _, u := range []string{"/agence/demandes", "/agence/demandes/" + asp, "/agence/controles", "/compte"} {
		if code, body := (lecteur{t}).lire(inst.Get(p.srv.URL + u)); code != http.StatusOK || !strings.Contains(body, messageNotice) ||
			!strings.Contains(body, `class="fr-notice fr-notice--warning"`) {
			t.Errorf("agent's page %s: got %d, want the notice %q", u, code, messageNotice)
		}
	}
	_, body := (lecteur{t}).lire(inst.Get(p.srv.URL + "/agence/demandes/" + asp))
	if !strings.Contains(body, `data-antivirus="">Non analysée</p>`) || !strings.Contains(body, `href="/agence/demandes/`+asp+`/pieces/1"`) {
		t.Errorf("agent's page: want the pieces « Non analysée » and linked")
	}
	if _, body := (lecteur{t}).lire(inst.Get(p.srv.URL + "/agence/demandes")); strings.Contains(body, "analyse antivirus en attente") {
		t.Errorf("agents' list without antivirus: marks pieces waiting for a scan that never comes")
	}
	for _, u := range []string{"/tableau", "/demandes", "/demandes/" + asp, "/compte"} {
		if code, body := (lecteur{t}).lire(vendeur.Get(p.srv.URL + u)); code != http.StatusOK || strings.Contains(body, messageNotice) ||
			strings.Contains(body, "Non analysée") {
			t.Errorf("vendor's page %s: got %d, want no notice", u, code)
		}
	}
	// An infected piece stays refused without an antivirus.
	d, _ := p.db.FindDemandeByASP(ctx, asp)
	dep, _ := p.db.FindDepotByID(ctx, d.DepotID)
	analyser(t, p, asp, segur.Analyse{Fichier: dep.Zip.SHA256, Membre: d.Pieces[0].NomFichier, Resultat: segur.AnalyseInfectee, Signature: eicar, Le: p.now})
	if code, got, _ := obtenir(t, inst, p.srv.URL+"/agence/demandes/"+asp+"/pieces/1"); code != http.StatusForbidden || bytes.Contains(got, []byte("%PDF")) {
		t.Errorf("infected piece without antivirus: got %d, want 403", code)
	}
}

// TestAntivirusControleEtSolde: the files sent for a control and the
// pieces of a balance pass the same gate; a balance deposit's zip, whose
// pieces no request names, is judged whole.
func TestAntivirusControleEtSolde(t *testing.T) {
	p := newPortailAvec(t, "", func(s *Server) { s.Antivirus = true })
	ctx := context.Background()
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp := demandesDeposees(t, p, vendeur, "13750.00")[0]
	soldeAvancePayee(t, p, asp)
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)

	// The balance: waiting, then its zip infected.
	if code, body := deposerSolde(t, vendeur, p, 3, ligneSoldeWeb{asp, "T0001", "13750.00"}); code != http.StatusOK || !strings.Contains(body, `fr-badge--success fr-badge--sm">Acceptée</p>`) {
		t.Fatalf("balance deposit: got %d", code)
	}
	soldes, err := p.db.FindSoldes(ctx, asp)
	if err != nil || len(soldes) != 1 {
		t.Fatalf("balances: %v %+v", err, soldes)
	}
	piece := fmt.Sprintf("/soldes/%d/pieces/1", soldes[0].ID)
	for _, base := range []string{"/agence/demandes/" + asp, "/demandes/" + asp} {
		c := inst
		if !strings.HasPrefix(base, "/agence/") {
			c = vendeur
		}
		if code, body, _ := obtenir(t, c, p.srv.URL+base+piece); code != http.StatusConflict || !strings.Contains(texte(body), messageEnAttente) {
			t.Errorf("%s balance piece waiting: got %d, want 409", base, code)
		}
	}
	dep, _ := p.db.FindDepotByID(ctx, soldes[0].DepotID)
	analyser(t, p, "", segur.Analyse{Fichier: dep.Zip.SHA256, Resultat: segur.AnalyseInfectee, Signature: eicar, Le: p.now})
	for _, base := range []string{"/agence/demandes/" + asp, "/demandes/" + asp} {
		c := inst
		if !strings.HasPrefix(base, "/agence/") {
			c = vendeur
		}
		if code, got, _ := obtenir(t, c, p.srv.URL+base+piece); code != http.StatusForbidden || bytes.Contains(got, []byte("%PDF")) {
			t.Errorf("%s infected balance piece: got %d, want 403", base, code)
		}
	}
	_, body := (lecteur{t}).lire(inst.Get(p.srv.URL + "/agence/demandes/" + asp))
	if strings.Count(body, "Infectée ("+eicar+") : en quarantaine, non ouverte") != 2 || strings.Contains(body, `href="/agence/demandes/`+asp+piece+`"`) {
		t.Errorf("agent's page: want both balance pieces infected and not linked")
	}

	// A control's file: waiting, then infected; its image is not shown.
	if code, _ := (lecteur{t}).lire(inst.PostForm(p.srv.URL+"/agence/controles", url.Values{"asp": {asp}, "confirmer": {"1"}})); code != http.StatusOK {
		t.Fatalf("control: got %d", code)
	}
	cs, _, _ := p.db.FindControles(ctx, segur.ControleFilter{})
	if len(cs) != 1 {
		t.Fatalf("controls: %+v", cs)
	}
	if code, _ := envoyerPieceControle(t, p, vendeur, int64(cs[0].ID), "scan.png", pngMinimal()); code != http.StatusOK {
		t.Fatalf("control file: got %d", code)
	}
	c, _ := p.db.FindControle(ctx, cs[0].ID)
	agentURL := fmt.Sprintf("%s/agence/controles/%d", p.srv.URL, c.ID)
	vendeurURL := fmt.Sprintf("%s/controles/%d", p.srv.URL, c.ID)
	suffixe := fmt.Sprintf("/pieces/%d", c.Pieces[0].ID)
	for u, cl := range map[string]*http.Client{agentURL: inst, vendeurURL: vendeur} {
		if code, _, _ := obtenir(t, cl, u+suffixe); code != http.StatusConflict {
			t.Errorf("%s control file waiting: got %d, want 409", u, code)
		}
	}
	analyser(t, p, "", segur.Analyse{Fichier: c.Pieces[0].Fichier.SHA256, Resultat: segur.AnalyseInfectee, Signature: eicar, Le: p.now})
	for u, cl := range map[string]*http.Client{agentURL: inst, vendeurURL: vendeur} {
		if code, got, _ := obtenir(t, cl, u+suffixe); code != http.StatusForbidden || bytes.Contains(got, []byte("\x89PNG")) {
			t.Errorf("%s infected control file: got %d, want 403", u, code)
		}
	}
	_, body = lecteur{t}.lire(inst.Get(agentURL))
	if !strings.Contains(body, "Infectée ("+eicar+") : en quarantaine, non ouverte") || strings.Contains(body, `<img class="fr-responsive-img"`) ||
		strings.Contains(body, `href="/agence/controles/`+strconv.Itoa(int(c.ID))+suffixe+`"`) {
		t.Errorf("agent's control page: want the file infected, neither linked nor shown")
	}
	_, body = lecteur{t}.lire(vendeur.Get(vendeurURL))
	if !strings.Contains(body, "écartée par l'antivirus (infectée : "+eicar+")") {
		t.Errorf("vendor's control page: want the file refused")
	}
}

// TestParcoursAntivirus shows, in a real Chromium checked with axe-core,
// the agent's request page with an infected piece and a piece waiting for
// its scan, at 1280 and 390 pixels wide, the vendor's page, and an agent's
// page of a portal without an antivirus.
func TestParcoursAntivirus(t *testing.T) {
	dsfr := dsfrDir(t)
	p := newPortailAvec(t, dsfr, func(s *Server) { s.Antivirus = true })
	ctx := context.Background()
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp := demandesDeposees(t, p, vendeur, "13750.00")[0]
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	d, _ := p.db.FindDemandeByASP(ctx, asp)
	dep, _ := p.db.FindDepotByID(ctx, d.DepotID)
	for _, f := range []url.Values{{"confirmer": {"1"}, "action": {"prendre"}}, {"confirmer": {"1"}, "action": {"demander"}, "raison": {"Bon de commande illisible."}}} {
		if code, _ := (lecteur{t}).lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asp+"/actions", f)); code != http.StatusOK {
			t.Fatalf("%v: got %d", f, code)
		}
	}
	pdf, _ := os.ReadFile("../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
	if code, _ := completer(t, p, vendeur, asp, "bon-de-commande-signe.pdf", pdf); code != http.StatusOK {
		t.Fatalf("completion: got %d", code)
	}
	analyser(t, p, asp,
		segur.Analyse{Fichier: dep.Zip.SHA256, Membre: d.Pieces[0].NomFichier, Resultat: segur.AnalyseSaine, Moteur: "ClamAV test", Le: p.now},
		segur.Analyse{Fichier: dep.Zip.SHA256, Membre: d.Pieces[1].NomFichier, Resultat: segur.AnalyseInfectee, Signature: eicar, Moteur: "ClamAV test", Le: p.now},
		segur.Analyse{Fichier: dep.Zip.SHA256, Resultat: segur.AnalyseInfectee, Signature: d.Pieces[1].NomFichier + " : " + eicar, Moteur: "ClamAV test", Le: p.now})

	bctx, do, texte := parcours(t)
	connexion := func(base, login, mdp string) {
		t.Helper()
		do("connexion "+login, chromedp.Navigate(base+"/connexion"),
			chromedp.SendKeys(chromedp.CSS("#login"), login),
			chromedp.SendKeys(chromedp.CSS("#motdepasse"), mdp),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".fr-header__menu")))
	}
	connexion(p.srv.URL, "marie@asp.fr", "mot de passe de l'agent")
	do("demande", chromedp.Navigate(p.srv.URL+"/agence/demandes/"+asp), chromedp.WaitVisible(chromedp.CSS("#antivirus-ecartees")))
	if got := texte("#antivirus-ecartees"); !strings.Contains(got, d.Pieces[1].NomFichier+" : infectée ("+eicar+")") {
		t.Errorf("alert: got %q", got)
	}
	if got := texte("#antivirus-attente"); !strings.Contains(got, "bon-de-commande-signe.pdf") {
		t.Errorf("notice of the pieces waiting: got %q", got)
	}
	segurtest.Screenshot(t, bctx, "antivirus-01-demande-agent-1280")
	segurtest.Axe(t, bctx)
	do("390 px", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#antivirus-ecartees")))
	segurtest.Screenshot(t, bctx, "antivirus-02-demande-agent-390")
	segurtest.Axe(t, bctx)
	do("1280 px", chromedp.EmulateViewport(1280, 800))

	do("déconnexion", chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
	connexion(p.srv.URL, "jean@lebeaulogiciel.fr", "mot de passe de test")
	do("demande du fournisseur", chromedp.Navigate(p.srv.URL+"/demandes/"+asp), chromedp.WaitVisible(chromedp.CSS("h1")))
	if got := texte("main"); !strings.Contains(got, "écartée par l'antivirus (infectée : "+eicar+")") || !strings.Contains(got, "en cours d'analyse") {
		t.Errorf("vendor's page: %q", got)
	}
	segurtest.Screenshot(t, bctx, "antivirus-03-demande-fournisseur")
	segurtest.Axe(t, bctx)

	// A portal without an antivirus: the agents' pages warn.
	q := newPortailDSFR(t, dsfr)
	agentClient(t, q, "marie@asp.fr", segur.RoleInstructeur)
	connexion(q.srv.URL, "marie@asp.fr", "mot de passe de l'agent")
	do("file sans antivirus", chromedp.Navigate(q.srv.URL+"/agence/demandes"), chromedp.WaitVisible(chromedp.CSS(".fr-notice")))
	if got := texte(".fr-notice"); !strings.Contains(got, messageNotice) {
		t.Errorf("notice: got %q", got)
	}
	segurtest.Screenshot(t, bctx, "antivirus-04-sans-antivirus")
	segurtest.Axe(t, bctx)
}
