package web

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// deposerLignes posts, as the n-th file of the day, the example with one
// line per numeroEditeur of eds (a numeroEditeur already accepted is
// rejected by control 2), and their attachments; it returns the result's
// page.
func deposerLignes(t *testing.T, c *http.Client, p *portail, n int, eds ...string) (int, string) {
	t.Helper()
	ex, err := os.ReadFile("../../hop/testdata/JSON-1234567890-20211025-001.json")
	if err != nil {
		t.Fatal(err)
	}
	s := string(ex)
	i, j := strings.Index(s, "    {\n      \"numLigne\""), strings.LastIndex(s, "\n  ]\n}")
	pdf, _ := os.ReadFile("../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
	var zbuf bytes.Buffer
	z := zip.NewWriter(&zbuf)
	var lignes []string
	vus := map[string]bool{}
	for k, ed := range eds {
		l := strings.Replace(s[i:j], `"numLigne": 1,`, fmt.Sprintf(`"numLigne": %d,`, k+1), 1)
		l = strings.Replace(l, `"numeroEditeur": "00001"`, `"numeroEditeur": "`+ed+`"`, 1)
		lignes = append(lignes, strings.ReplaceAll(l, "-00001.pdf", "-"+ed+".pdf"))
		if !vus[ed] {
			vus[ed] = true
			for _, code := range []string{"BDC", "HT"} {
				e, _ := z.Create("HOP-RI-Va1-" + code + "-" + ed + ".pdf")
				e.Write(pdf)
			}
		}
	}
	z.Close()
	paris, _ := time.LoadLocation("Europe/Paris")
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("typeDemande", "avance")
	w.WriteField("numeroAns", "1234567890")
	fw, _ := w.CreateFormFile("fichier", fmt.Sprintf("JSON-1234567890-%s-%03d.json", p.now.In(paris).Format("20060102"), n))
	fw.Write([]byte(s[:i] + strings.Join(lignes, ",\n") + s[j:]))
	zw, _ := w.CreateFormFile("pieces", "pieces.zip")
	zw.Write(zbuf.Bytes())
	w.Close()
	req, _ := http.NewRequest("POST", p.srv.URL+"/depots", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return lecteur{t}.lire(c.Do(req))
}

// TestRefusVisible: a refused request shows, at the top of its vendor's
// page, a red alert with the reason, the refusal letter (PDF) and the
// appeal rights, marked as wording for the agency to validate.
func TestRefusVisible(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "23000.00")
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	for _, f := range []url.Values{{"confirmer": {"1"}, "action": {"prendre"}}, {"confirmer": {"1"}, "action": {"refuser"}, "raison": {"Établissement déjà financé par une autre demande."}}} {
		if code, _ := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asps[0]+"/actions", f)); code != http.StatusOK {
			t.Fatalf("%v: got %d", f, code)
		}
	}
	code, body := L.lire(vendeur.Get(p.srv.URL + "/demandes/" + asps[0]))
	lettre := "/demandes/" + asps[0] + "/documents/" + asps[0] + "-REF-1"
	alerte := strings.Index(body, `<div class="fr-alert fr-alert--error fr-mb-4w" id="refus">`)
	for _, want := range []string{"Demande refusée le ", "Motif du refus :</strong> Établissement déjà financé par une autre demande.",
		`href="` + lettre + `"`, "Télécharger la notification de refus", MentionRecours, "Mention à valider par l'agence."} {
		if !strings.Contains(body, want) {
			t.Errorf("refused request's page (%d) lacks %q", code, want)
		}
	}
	// At the top: right after the title, before the request's details.
	if h1 := strings.Index(body, "<h1>Demande "+asps[0]+"</h1>"); alerte < 0 || h1 < 0 || alerte < h1 || alerte > strings.Index(body, "Les versements de l'agence") {
		t.Errorf("the alert at %d, the title at %d: want the alert right after the title", alerte, h1)
	}
	resp, err := vendeur.Get(p.srv.URL + lettre)
	if err != nil {
		t.Fatal(err)
	}
	var pdf bytes.Buffer
	pdf.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) {
		t.Errorf("the refusal letter: got %d, %d bytes", resp.StatusCode, pdf.Len())
	}
	// A request not refused has no such alert; the lists show the status
	// with the error badge.
	if _, body := L.lire(vendeur.Get(p.srv.URL + "/demandes/" + asps[1])); strings.Contains(body, `id="refus"`) {
		t.Error("a request in instruction shows a refusal")
	}
	if _, body := L.lire(vendeur.Get(p.srv.URL + "/demandes")); !strings.Contains(body, `<p class="fr-badge fr-badge--error fr-badge--sm">Refusée</p>`) {
		t.Error("the list of requests: no error badge for the refused request")
	}
	if _, body := L.lire(vendeur.Get(p.srv.URL + "/")); !strings.Contains(body, `<span class="fr-badge fr-badge--error fr-badge--sm">Refusée</span>`) {
		t.Error("the dashboard: no error badge for the refused request")
	}
}

// TestResultatsDepots: each deposit's outcome has its own badge, green
// only when every request was accepted; a deposit's page filters its
// rejected lines, counts them in the filter's labels, links the ASP
// numbers, and says its columns in words.
func TestResultatsDepots(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	for n, eds := range [][]string{
		{"00001"},          // accepted
		{"00001", "00001"}, // both rejected: numeroEditeur already accepted
		{"00002", "00001"}, // one of two
	} {
		if code, body := deposerLignes(t, vendeur, p, n+1, eds...); code != http.StatusOK {
			t.Fatalf("deposit %v: got %d\n%s", eds, code, body)
		}
	}
	deposerForm(t, vendeur, p, "00003", "100.00", 4, false) // rejected whole (no zip)
	ds, _, err := p.db.FindDepots(context.Background(), 1, 10, 0)
	if err != nil || len(ds) != 4 {
		t.Fatalf("deposits: %d (%v), want 4", len(ds), err)
	}
	badges := map[segur.DepotID]string{ // newest first
		ds[3].ID: `fr-badge--success fr-badge--sm">Demande acceptée</p>`,
		ds[2].ID: `fr-badge--error fr-badge--sm">Aucune demande acceptée</p>`, // of 2
		ds[1].ID: `fr-badge--warning fr-badge--sm">1 acceptée sur 2</p>`,
		ds[0].ID: `fr-badge--error fr-badge--sm">Fichier rejeté</p>`,
	}
	for _, page := range []string{"/depots", "/"} {
		_, body := L.lire(vendeur.Get(p.srv.URL + page))
		for id, want := range badges {
			lien := fmt.Sprintf(`<a href="/depots/%d">`, id)
			i := strings.Index(body, lien)
			if i < 0 || !strings.Contains(body[i:min(len(body), i+400)], want) {
				t.Errorf("%s: deposit %d lacks %q", page, id, want)
			}
		}
		if strings.Contains(body, `fr-badge--success fr-badge--sm">traité`) {
			t.Errorf("%s: the old « traité » badge", page)
		}
	}
	if _, body := L.lire(vendeur.Get(p.srv.URL + "/")); !strings.Contains(body, "<caption>Vos 4 derniers dépôts</caption>") {
		t.Error("the dashboard's deposits: no caption « Vos 4 derniers dépôts »")
	}

	partiel := fmt.Sprintf("%s/depots/%d", p.srv.URL, ds[1].ID)
	code, body := L.lire(vendeur.Get(partiel))
	d, err := p.db.FindDepotByID(context.Background(), ds[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	asp := d.Lignes[0].NumeroASP
	for _, want := range []string{"1 demande acceptée sur 2", "fr-alert--warning", `href="/demandes/` + asp + `"`, ">Toutes (2)</a>", ">Rejetées seulement (1)</a>",
		`href="/depots/` + fmt.Sprint(ds[1].ID) + `?filtre=rejetees"`, `<th scope="col">Numéro éditeur</th>`, `<th scope="col">Ligne</th>`, `data-label="Numéro ASP"`} {
		if !strings.Contains(body, want) {
			t.Errorf("deposit's page (%d) lacks %q", code, want)
		}
	}
	for _, pasVoulu := range []string{"numLigne</th>", "numeroEditeur</th>", ">0000</p>", "n° ASP ASP-"} {
		if strings.Contains(body, pasVoulu) {
			t.Errorf("deposit's page shows %q", pasVoulu)
		}
	}
	code, body = L.lire(vendeur.Get(partiel + "?filtre=rejetees"))
	if code != http.StatusOK || strings.Contains(body, `href="/demandes/`+asp+`"`) || !strings.Contains(body, "<caption>Demandes rejetées</caption>") ||
		!strings.Contains(body, `fr-badge--error fr-badge--sm">Rejetée</p>`) || !strings.Contains(body, `aria-current="page">Rejetées seulement (1)</a>`) {
		t.Errorf("rejected only: got %d\n%s", code, body)
	}
	// All rejected: a red alert, not a green one.
	_, body = L.lire(vendeur.Get(fmt.Sprintf("%s/depots/%d", p.srv.URL, ds[2].ID)))
	if !strings.Contains(body, `fr-alert fr-alert--error fr-mb-4w">
  <h2 class="fr-alert__title">Aucune demande acceptée</h2>`) || strings.Contains(body, "fr-alert--success") {
		t.Errorf("all rejected: want a red alert\n%s", body)
	}
}

// TestDepotPagine: a deposit of many requests is paginated, each page and
// the rejected filter bounded, the filter kept from page to page.
func TestDepotPagine(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	deposerLignes(t, vendeur, p, 1, "00001")
	eds := []string{"00001"} // rejected: already accepted
	for k := 2; k <= 60; k++ {
		eds = append(eds, fmt.Sprintf("%05d", k))
	}
	deposerLignes(t, vendeur, p, 2, eds...)
	ds, _, _ := p.db.FindDepots(context.Background(), 1, 1, 0)
	page := fmt.Sprintf("%s/depots/%d", p.srv.URL, ds[0].ID)
	_, body := L.lire(vendeur.Get(page))
	if n := strings.Count(body, `<td data-label="Ligne">`); n != parPage || !strings.Contains(body, "page 1 sur 2") || !strings.Contains(body, "59 demandes acceptées sur 60") {
		t.Errorf("first page: %d lines, want %d, and « page 1 sur 2 »", n, parPage)
	}
	_, body = L.lire(vendeur.Get(page + "?page=2"))
	if n := strings.Count(body, `<td data-label="Ligne">`); n != 10 {
		t.Errorf("second page: %d lines, want 10", n)
	}
	_, body = L.lire(vendeur.Get(page + "?filtre=rejetees"))
	if n := strings.Count(body, `<td data-label="Ligne">`); n != 1 || strings.Contains(body, "Page suivante</a>") && strings.Contains(body, "page=2") {
		t.Errorf("rejected only: %d lines, want 1 on one page", n)
	}
}

// TestAFaire: the dashboard's « À faire » panel lists what waits for the
// vendor, the longest waiting first, with its dates (the injected clock's)
// and links; it is bounded, the rest behind a link to the filtered list.
func TestAFaire(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "test"})
	paris, _ := time.LoadLocation("Europe/Paris")
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	if _, body := L.lire(vendeur.Get(p.srv.URL + "/")); !strings.Contains(body, "Rien à faire pour l'instant.") {
		t.Error("an empty panel: want « Rien à faire pour l'instant. »")
	}
	asps := demandesDeposees(t, p, vendeur, "13750.00", "48000.00", "23000.00", "10000.00")
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	debut := p.now
	// A control opened first, a convention offered 10 minutes later, a
	// completion asked 10 minutes after that.
	payerAvance(t, p, asps[0], 10_000_00)
	if code, _ := L.lire(inst.PostForm(p.srv.URL+"/agence/controles", url.Values{"asp": {asps[0]}, "confirmer": {"1"}})); code != http.StatusOK {
		t.Fatalf("open a control: got %d", code)
	}
	p.now = debut.Add(10 * time.Minute)
	for _, f := range []url.Values{{"confirmer": {"1"}, "action": {"prendre"}}, {"confirmer": {"1"}, "action": {"valider"}}} {
		if code, _ := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asps[1]+"/actions", f)); code != http.StatusOK {
			t.Fatalf("%v: got %d", f, code)
		}
	}
	offre := p.now
	p.now = debut.Add(20 * time.Minute)
	for _, f := range []url.Values{{"confirmer": {"1"}, "action": {"prendre"}}, {"confirmer": {"1"}, "action": {"demander"}, "raison": {"Bon de commande non signé."}}} {
		if code, _ := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asps[2]+"/actions", f)); code != http.StatusOK {
			t.Fatalf("%v: got %d", f, code)
		}
	}
	demande := p.now
	_, body := L.lire(vendeur.Get(p.srv.URL + "/"))
	i := strings.Index(body, `<h2 id="a-faire">À faire</h2>`)
	if i < 0 || i > strings.Index(body, "<h2>Vos demandes</h2>") {
		t.Fatalf("no « À faire » panel at the top\n%s", body)
	}
	panneau := body[i:strings.Index(body, "</section>")]
	cs, _, _ := p.db.FindControles(ctx, segur.ControleFilter{FournisseurID: 1})
	if want := "Contrôle ouvert le " + cs[0].OuvertLe.In(paris).Format("02/01/2006") + ", pièces à déposer au plus tard le " +
		cs[0].OuvertLe.AddDate(0, 0, segur.DelaiReponseControle).In(paris).Format("02/01/2006"); !strings.Contains(panneau, want) {
		t.Errorf("the panel lacks %q", want)
	}
	wants := []string{
		fmt.Sprintf(`href="/controles/%d">Répondre au contrôle %s de la demande %s</a>`, cs[0].ID, cs[0].Reference(), asps[0]),
		`href="/demandes/` + asps[1] + `">Signer la convention de la demande ` + asps[1] + `</a>`,
		"Proposée le " + offre.In(paris).Format("02/01/2006") + ", à signer au plus tard le " +
			offre.AddDate(0, 0, segur.DelaiSignature).In(paris).Format(dateHeure),
		`href="/demandes/` + asps[2] + `">Compléter la demande ` + asps[2] + `</a>`,
		"Complément demandé le " + demande.In(paris).Format(dateHeure),
	}
	last := -1
	for _, want := range wants {
		j := strings.Index(panneau, want)
		if j < 0 {
			t.Errorf("the panel lacks %q\n%s", want, panneau)
		} else if j < last {
			t.Errorf("the panel's order: %q comes too early", want)
		}
		last = max(last, j)
	}
	// The request's page says the same deadline.
	echeance := offre.AddDate(0, 0, segur.DelaiSignature).In(paris).Format(dateHeure)
	if _, body := L.lire(vendeur.Get(p.srv.URL + "/demandes/" + asps[1])); !strings.Contains(body, "à signer au plus tard le "+echeance+".") {
		t.Errorf("the convention's page lacks its deadline %s", echeance)
	}
	if strings.Contains(panneau, asps[3]) || strings.Contains(panneau, "Voir l") {
		t.Errorf("the panel shows a request that waits for the agency, or a link to more\n%s", panneau)
	}

	// Twelve more completions asked: the panel shows 10 of the 15, the
	// oldest first, and links to the rest.
	eds := []string{}
	for k := 10; k < 22; k++ {
		eds = append(eds, fmt.Sprintf("%05d", k))
	}
	p.now = debut.Add(30 * time.Minute)
	deposerLignes(t, vendeur, p, 5, eds...)
	ds, _, _ := p.db.FindDemandes(ctx, segur.DemandeFilter{Statut: segur.DemandeDeposee})
	for _, d := range ds {
		if d.NumeroASP == asps[3] {
			continue
		}
		for _, m := range []segur.Demarche{
			{Action: segur.ActionPrendre, Roles: []segur.Role{segur.RoleInstructeur}, Login: "marie@asp.fr"},
			{Action: segur.ActionCompleter, Roles: []segur.Role{segur.RoleInstructeur}, Login: "marie@asp.fr", Raison: "Pièce illisible."},
		} {
			if _, err := segurtest.Appliquer(ctx, p.db, d.NumeroASP, m, segur.ProgrammeParDefaut, segur.Suites{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, body = L.lire(vendeur.Get(p.srv.URL + "/"))
	panneau = body[strings.Index(body, `<h2 id="a-faire">`):strings.Index(body, "</section>")]
	if n := strings.Count(panneau, "<li "); n != aFaireMax {
		t.Errorf("the panel lists %d things, want %d", n, aFaireMax)
	}
	if !strings.Contains(panneau, `href="/demandes?statut=a_completer">Voir les 5 autres demandes à compléter</a>`) ||
		!strings.Contains(panneau, "Signer la convention") || !strings.Contains(panneau, "Répondre au contrôle") {
		t.Errorf("the bounded panel: want the 3 oldest and a link to the 5 other completions\n%s", panneau)
	}
}

// TestParcoursFournisseur walks the vendor's pages in a real Chromium at
// 1280 and 390 px, with a refused request, a convention to sign, a
// completion asked and deposits of every outcome: the refusal's alert is
// the first thing under the title, the « À faire » panel heads the
// dashboard, no page scrolls sideways on a phone, a new token is copied
// by its button; every page checked with axe-core.
func TestParcoursFournisseur(t *testing.T) {
	L := lecteur{t}
	p := newPortailDSFR(t, dsfrDir(t))
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "48000.00", "23000.00", "10000.00")
	for n, eds := range [][]string{{"00010", "T0001", "00011"}, {"T0002", "T0003"}} {
		if code, _ := deposerLignes(t, vendeur, p, 5+n, eds...); code != http.StatusOK {
			t.Fatalf("deposit %v: got %d", eds, code)
		}
	}
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	for asp, fs := range map[string][]url.Values{
		asps[0]: {{"confirmer": {"1"}, "action": {"prendre"}}, {"confirmer": {"1"}, "action": {"refuser"}, "raison": {"Établissement déjà financé par la demande ASP-2026-0000009."}}},
		asps[1]: {{"confirmer": {"1"}, "action": {"prendre"}}, {"confirmer": {"1"}, "action": {"valider"}}},
		asps[2]: {{"confirmer": {"1"}, "action": {"prendre"}}, {"confirmer": {"1"}, "action": {"demander"}, "raison": {"Bon de commande non signé : joignez-le signé."}}},
	} {
		for _, f := range fs {
			if code, _ := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asp+"/actions", f)); code != http.StatusOK {
				t.Fatalf("%s %v: got %d", asp, f, code)
			}
		}
	}
	deposerForm(t, vendeur, p, "00020", "100.00", 7, false) // rejected whole: no zip
	// A control a posteriori of the paid one.
	payerAvance(t, p, asps[3], 10_000_00)
	if code, _ := L.lire(inst.PostForm(p.srv.URL+"/agence/controles", url.Values{"asp": {asps[3]}, "confirmer": {"1"}})); code != http.StatusOK {
		t.Fatalf("open a control: got %d", code)
	}
	ds, _, _ := p.db.FindDepots(context.Background(), 1, 3, 0)
	// One of three rejected, all rejected, the file rejected whole.
	depot, aucune, rejete := fmt.Sprintf("/depots/%d", ds[2].ID), fmt.Sprintf("/depots/%d", ds[1].ID), fmt.Sprintf("/depots/%d", ds[0].ID)
	cs, _, _ := p.db.FindControles(context.Background(), segur.ControleFilter{FournisseurID: 1})

	ctx, do, texte := parcours(t)
	do("connexion", chromedp.Navigate(p.srv.URL+"/connexion"),
		chromedp.SendKeys(chromedp.CSS("#login"), "jean@lebeaulogiciel.fr"),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de test"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#a-faire")))
	for _, largeur := range []int64{1280, 390} {
		do(fmt.Sprint(largeur, " px"), chromedp.EmulateViewport(largeur, 844))
		voir := func(nom, chemin, attendu string) {
			t.Helper()
			do(nom, chromedp.Navigate(p.srv.URL+chemin), chromedp.WaitVisible(chromedp.CSS(attendu)))
			segurtest.Screenshot(t, ctx, fmt.Sprintf("%d-%s", largeur, nom))
			segurtest.Axe(t, ctx)
			if large, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`)); err != nil || large > largeur {
				t.Errorf("%s at %d px: the page is %d px wide (%v)", nom, largeur, large, err)
			}
		}
		voir("tableau", "/", "#a-faire")
		if got := texte("main section"); !strings.Contains(got, "Signer la convention de la demande "+asps[1]) ||
			!strings.Contains(got, "Compléter la demande "+asps[2]) || !strings.Contains(got, "à signer au plus tard le") ||
			!strings.Contains(got, "Répondre au contrôle CTL-") {
			t.Errorf("at %d px, the « À faire » panel: %q", largeur, got)
		}
		// The panel is the first section under the vendor's name.
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('main h1').nextElementSibling.nextElementSibling.id === '' &&
			document.querySelector('main h1').nextElementSibling.nextElementSibling.querySelector('#a-faire') !== null`)); err != nil || !ok {
			t.Errorf("at %d px, the « À faire » panel is not right under the title (%v)", largeur, err)
		}
		voir("demande-refusee", "/demandes/"+asps[0], "#refus")
		if got := texte("#refus"); !strings.Contains(got, "Établissement déjà financé") || !strings.Contains(got, "recours gracieux") ||
			!strings.Contains(got, "Télécharger la notification de refus") || !strings.Contains(got, "Mention à valider par l'agence") {
			t.Errorf("at %d px, the refusal's alert: %q", largeur, got)
		}
		// Right under the title, its top on the first screen.
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const a = document.getElementById('refus');
			return a.previousElementSibling.tagName === 'H1' && a.getBoundingClientRect().top < window.innerHeight / 2; })()`)); err != nil || !ok {
			t.Errorf("at %d px, the refusal's alert is not at the top (%v)", largeur, err)
		}
		voir("demande-a-completer", "/demandes/"+asps[2], "form[action$=completer]")
		voir("demandes", "/demandes", "caption")
		voir("depots", "/depots", "caption")
		voir("depot", depot, "caption")
		voir("depot-rejetees", depot+"?filtre=rejetees", "caption")
		if got := texte("caption"); got != "Demandes rejetées" {
			t.Errorf("at %d px, the rejected filter's caption: %q", largeur, got)
		}
		voir("depot-aucune", aucune, "caption")
		if got := texte(".fr-alert__title"); got != "Aucune demande acceptée" {
			t.Errorf("at %d px, an all-rejected deposit's alert: %q", largeur, got)
		}
		voir("depot-fichier-rejete", rejete, ".fr-alert--error")
		if got := texte(".fr-alert--error"); !strings.Contains(got, "(code 1") {
			t.Errorf("at %d px, a file rejected whole: %q", largeur, got)
		}
		voir("depot-nouveau", "/depots/nouveau", "#fichier")
		voir("controles", "/controles", "caption")
		voir("controle", fmt.Sprintf("/controles/%d", cs[0].ID), "#fichier")
		voir("avis", "/paiements", "h1")
		voir("compte", "/compte", "h1")
	}
	// A new token, copied by its button (shown only with a clipboard).
	do("jeton", chromedp.Click(chromedp.CSS(`form[action="/compte/jetons"] button`)), chromedp.WaitVisible(chromedp.CSS("#nouveau-jeton")),
		chromedp.WaitVisible(chromedp.CSS("button[data-copie]")))
	segurtest.Screenshot(t, ctx, "390-jeton")
	segurtest.Axe(t, ctx)
	jeton := texte("#nouveau-jeton")
	do("copier", chromedp.Click(chromedp.CSS("button[data-copie]")), chromedp.WaitVisible(chromedp.CSS("#jeton-copie:not(:empty)")))
	if got := texte("#jeton-copie"); got != "Jeton copié" {
		t.Errorf("after the copy: got %q, want « Jeton copié »", got)
	}
	if copie, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise)); err == nil && copie != jeton {
		t.Errorf("the clipboard holds %q, want the token", copie)
	}
	segurtest.Screenshot(t, ctx, "390-jeton-copie")
}
