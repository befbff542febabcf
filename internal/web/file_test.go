package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur"
)

// lignesFile returns the ASP numbers of the queue's rows in page body.
func lignesFile(body string) []string {
	var out []string
	for _, part := range strings.Split(body, `name="asp" value="`)[1:] {
		out = append(out, part[:strings.IndexByte(part, '"')])
	}
	return out
}

func TestFileOngletsRechercheSuivi(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "20000.00", "30000.00")
	marie := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	admin := agentClient(t, p, "chef@asp.fr", segur.RoleAdmin, segur.RoleInstructeur)
	agentClient(t, p, "pierre@asp.fr", segur.RolePayeur)
	file := func(c *http.Client, q string) (int, string, []string) {
		t.Helper()
		code, body := L.lire(c.Get(p.srv.URL + "/agence/demandes" + q))
		return code, body, lignesFile(body)
	}

	// The default tab is « À traiter », and says so.
	_, body, rows := file(marie, "")
	if len(rows) != 3 || !strings.Contains(body, `aria-current="page">À traiter (3)</a>`) || !strings.Contains(body, ">Traitées (0)</a>") {
		t.Errorf("default tab: got rows %v; want the 3 requests under « À traiter » marked current", rows)
	}
	// A link of before the tabs (statut=) lands in its tab, filtered.
	if _, body, rows := file(marie, "?statut=deposee"); len(rows) != 3 || !strings.Contains(body, "Filtrer et trier (1 filtre actif)") {
		t.Errorf("?statut=deposee: got %v, want 3 rows and the status shown as an active filter", rows)
	}
	if _, body, _ := file(marie, "?statut=toutes"); strings.Contains(body, "filtre actif") {
		t.Error("?statut=toutes: counted as an active filter")
	}
	if code, body, _ := file(marie, "?statut=inconnu"); code != http.StatusOK || !strings.Contains(body, "Statut : choisissez un statut de la liste.") {
		t.Errorf("unknown status: got %d, want the field's message", code)
	}

	// One search across numeroEditeur, FINESS, names, ASP number.
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"T0002", []string{asps[1]}},
		{asps[2], []string{asps[2]}},
		{"999999991", asps},
		{"hôpital saint-martin nord", asps},
		{"introuvable", nil},
	} {
		_, body, rows := file(marie, "?onglet=toutes&q="+url.QueryEscape(tc.q))
		if strings.Join(rows, ",") != strings.Join(tc.want, ",") {
			t.Errorf("search %q: got %v, want %v", tc.q, rows, tc.want)
		}
		if tc.want == nil && !strings.Contains(body, "Aucune demande ne correspond à « introuvable »") {
			t.Errorf("search %q: no « aucune demande » sentence", tc.q)
		}
	}

	// Following and assigning fill « Suivies par moi ».
	L.lire(marie.PostForm(p.srv.URL+"/agence/demandes/"+asps[0]+"/suivi", url.Values{"suivre": {"1"}}))
	L.lire(marie.PostForm(p.srv.URL+"/agence/demandes/"+asps[1]+"/attribution", url.Values{"agent": {"marie@asp.fr"}}))
	if code, body := L.lire(marie.PostForm(p.srv.URL+"/agence/demandes/"+asps[2]+"/attribution", url.Values{"agent": {"chef@asp.fr"}})); code != http.StatusForbidden ||
		!strings.Contains(body, "un instructeur ne peut attribuer une demande qu'à lui-même") {
		t.Errorf("instructor assigning to another: got %d, want 403 with the reason", code)
	}
	if code, body := L.lire(admin.PostForm(p.srv.URL+"/agence/demandes/"+asps[2]+"/attribution", url.Values{"agent": {"pierre@asp.fr"}})); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "aucun instructeur « pierre@asp.fr »") {
		t.Errorf("assigning to a payer: got %d, want 422", code)
	}
	if _, body, rows := file(marie, "?onglet=suivies"); strings.Join(rows, ",") != asps[0]+","+asps[1] || !strings.Contains(body, `aria-current="page">Suivies par moi (2)</a>`) {
		t.Errorf("« Suivies par moi »: got %v, want %s and %s", rows, asps[0], asps[1])
	}
	// On « Suivies par moi », the other tabs keep the counts of every
	// request, the status filter counts those followed.
	if _, body, _ := file(marie, "?onglet=suivies"); !strings.Contains(body, ">À traiter (3)</a>") || !strings.Contains(body, ">Toutes (3)</a>") ||
		!strings.Contains(body, `<option value="deposee">Déposée (2)</option>`) {
		t.Errorf("« Suivies par moi »: the other tabs' counts or the statuses' are not right")
	}
	if _, body, rows := file(marie, "?onglet=suivies&statut=refusee"); len(rows) != 0 || !strings.Contains(body, `aria-current="page">Suivies par moi (2)</a>`) {
		t.Errorf("« Suivies par moi », refused: got %v, want none", rows)
	}
	if _, _, rows := file(admin, "?onglet=suivies"); len(rows) != 0 {
		t.Errorf("the admin's « Suivies par moi »: got %v, want none", rows)
	}
	d, err := p.db.FindDemandeByASP(ctx, asps[1])
	if err != nil || d.Agent != "marie@asp.fr" {
		t.Fatalf("assigned: got %+v, %v", d, err)
	}
	_, body = L.lire(marie.Get(p.srv.URL + "/agence/demandes/" + asps[1]))
	if !strings.Contains(body, "Attribuée à <strong>marie@asp.fr</strong>") || !strings.Contains(body, "Ne plus me l'attribuer") || !strings.Contains(body, "Attribution") {
		t.Errorf("request page: no assignment block for marie")
	}

	// A change by someone else since marie last opened the request marks
	// its row; opening it again clears the mark.
	L.lire(marie.Get(p.srv.URL + "/agence/demandes/" + asps[0]))
	p.now = p.now.Add(time.Minute)
	if code, _ := L.lire(admin.PostForm(p.srv.URL+"/agence/demandes/"+asps[0]+"/attribution", url.Values{"agent": {"marie@asp.fr"}})); code != http.StatusOK {
		t.Fatalf("admin assigning: got %d", code)
	}
	modifiee := func() bool {
		_, body, _ := file(marie, "?onglet=suivies")
		i := strings.Index(body, `href="/agence/demandes/`+asps[0]+`"`)
		return i >= 0 && strings.Contains(body[i:i+300], ">modifiée</p>")
	}
	if !modifiee() {
		t.Error("after the admin's change: the row is not marked « modifiée »")
	}
	L.lire(marie.Get(p.srv.URL + "/agence/demandes/" + asps[0]))
	if modifiee() {
		t.Error("after marie opened it again: the row is still marked")
	}

	// Page size and direct page: a page past the end shows the last.
	if _, body, rows := file(marie, "?onglet=toutes&taille=25&page=99"); len(rows) != 3 || !strings.Contains(body, `<option value="25" selected>`) {
		t.Errorf("page 99 of 25: got %v, want the 3 rows and size 25 kept", rows)
	}

	// « Tout sélectionner » takes the whole filter, not the page.
	retour := "/agence/demandes?onglet=a-traiter&q=T0003"
	if code, body := L.lire(marie.PostForm(p.srv.URL+"/agence/demandes/lot", url.Values{"tout": {"1"}, "action": {"prendre"}, "retour": {retour}})); code != http.StatusOK ||
		!strings.Contains(body, asps[2]) || strings.Contains(body, asps[0]) {
		t.Errorf("tout: got %d, want %s taken alone", code, asps[2])
	}
	for i, want := range []segur.StatutDemande{segur.DemandeDeposee, segur.DemandeDeposee, segur.DemandeEnInstruction} {
		d, err := p.db.FindDemandeByASP(ctx, asps[i])
		if err != nil || d.Statut != want {
			t.Errorf("%s after « tout »: got %v, %v; want %s", asps[i], d.Statut, err, want)
		}
	}
}

// TestParcoursFile: in a real Chromium, an instructor searches a FINESS
// and finds its request among a dozen, follows it, takes it for himself,
// and finds it under « Suivies par moi »; the queue at 1280 px keeps its
// batch bar in view and its rows on one line, at 390 px it does not
// scroll sideways; every page passes axe.
// TestFileRechercheTropLarge: a search matching more requests than the
// bound is refused with what to do, before the queue counts or lists
// anything, in the queue, « tout sélectionner » and the export alike.
func TestFileRechercheTropLarge(t *testing.T) {
	L := lecteur{t}
	p := newPortailAvec(t, "", func(s *Server) { s.MaxRecherche = 2 })
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "20000.00", "30000.00")
	marie := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)

	const message = "Recherche trop large : « 999999991 » correspond à plus de 2 demandes. Précisez-la"
	code, body := L.lire(marie.Get(p.srv.URL + "/agence/demandes?onglet=toutes&q=999999991"))
	if rows := lignesFile(body); code != http.StatusOK || len(rows) != 0 || strings.Count(body, message) != 2 ||
		!strings.Contains(body, `aria-describedby="q-erreur"`) || !strings.Contains(body, `value="999999991"`) ||
		!strings.Contains(body, `aria-current="page">Toutes</a>`) || !strings.Contains(body, "la recherche est trop large") ||
		strings.Contains(body, "Exporter ces demandes") {
		t.Errorf("search of 3 requests, bound 2: got %d, rows %v; want the message in the summary and under the field, "+
			"the words kept, tabs without counts, no row and no export", code, rows)
	}
	// Two words narrow it: within the bound, listed as usual.
	if _, body := L.lire(marie.Get(p.srv.URL + "/agence/demandes?onglet=toutes&q=999999991+T0002")); strings.Join(lignesFile(body), ",") != asps[1] ||
		strings.Contains(body, "trop large") {
		t.Errorf("narrowed search: got %v, want %s", lignesFile(body), asps[1])
	}
	retour := "/agence/demandes?onglet=toutes&q=999999991"
	if code, body := L.lire(marie.PostForm(p.srv.URL+"/agence/demandes/lot", url.Values{"tout": {"1"}, "action": {"prendre"}, "retour": {retour}})); code != http.StatusBadRequest ||
		!strings.Contains(body, message) {
		t.Errorf("« tout sélectionner » over the broad search: got %d, want 400 with the message", code)
	}
	if code, body := L.lire(marie.Get(p.srv.URL + "/agence/exports/demandes.csv?q=999999991")); code != http.StatusBadRequest || !strings.Contains(body, message) {
		t.Errorf("export of the broad search: got %d, want 400 with the message", code)
	}
	for _, asp := range asps {
		if d, err := p.db.FindDemandeByASP(context.Background(), asp); err != nil || d.Statut != segur.DemandeDeposee {
			t.Errorf("%s after the refusals: got %v, %v; want still deposited", asp, d.Statut, err)
		}
	}
}

func TestParcoursFile(t *testing.T) {
	// A search of more than 5 requests is too broad here: « asp » is.
	p := newPortailAvec(t, dsfrDir(t), func(s *Server) { s.MaxRecherche = 5 })
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	for i := range 11 {
		deposerForm(t, vendeur, p, fmt.Sprintf("F%04d", i+1), "13750.00", i+1, true)
	}
	deposerFormAvec(t, vendeur, p, "CIBLE", "20000.00", 12, true, func(b []byte) []byte {
		return bytes.Replace(b, []byte(`"FINESSPMSI": "999999991"`), []byte(`"FINESSPMSI": "130786213"`), 1)
	})
	cible, _, err := p.db.FindDemandes(context.Background(), segur.DemandeFilter{NumeroEditeur: "CIBLE"})
	if err != nil || len(cible) != 1 {
		t.Fatalf("the request searched: %v, %v", cible, err)
	}
	asp := cible[0].NumeroASP
	agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	ctx, do, texte := parcours(t)
	verifier := ecran(t, ctx)
	do("1280 px", chromedp.EmulateViewport(1280, 900))
	do("connexion", chromedp.Navigate(p.srv.URL+"/connexion"),
		chromedp.SendKeys(chromedp.CSS("#login"), "marie@asp.fr"),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de l'agent"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#q")))
	if got := texte(`.segur-onglets [aria-current="page"]`); got != "À traiter (12)" {
		t.Errorf("current tab: got %q", got)
	}
	verifier("file", 1280)
	// The filters wait folded; the batch bar is in view while the list
	// is longer than the screen.
	if open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('details.segur-filtres').open`)); err != nil || open {
		t.Errorf("the filters' panel: open %v (%v), want folded without a filter", open, err)
	}
	haut, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => { const rows = document.querySelectorAll('.segur-file tbody tr'); rows[rows.length-1].scrollIntoView(false); return document.querySelector('.segur-barre-lot').getBoundingClientRect().top; })()`))
	if err != nil || haut < -1 {
		t.Errorf("the batch bar, the list scrolled to its last row: its top at %v px (%v), want in view", haut, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { window.scrollTo(0, 0); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	// Rows do not wrap: every row of the table is as high as the first.
	hauteurs, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[...document.querySelectorAll('.segur-file tbody tr')].map(tr => tr.getBoundingClientRect().height)`))
	if err != nil || len(hauteurs) != 12 {
		t.Fatalf("rows: %v, %v", hauteurs, err)
	}
	if hauteurs[0] > 90 {
		t.Errorf("a row is %v px high: its cells wrap", hauteurs[0])
	}

	do("recherche", chromedp.SendKeys(chromedp.CSS("#q"), "130786213"),
		chromedp.Click(chromedp.CSS(`form[role=search] button[type=submit]`)),
		// The results' page, not the queue before it, which has a
		// caption too.
		chromedp.WaitReady(chromedp.CSS(`input[type=hidden][name=q][value="130786213"]`)),
		chromedp.WaitVisible(chromedp.CSS("caption")))
	if got := texte("caption"); got != "1 demande" {
		t.Errorf("search of a FINESS: caption %q, want one request", got)
	}
	verifier("recherche", 1280)
	do("la demande", chromedp.Click(chromedp.CSS(`a[href="/agence/demandes/`+asp+`"]`)), chromedp.WaitVisible(chromedp.CSS("#suivi")))
	do("suivre", chromedp.Click(chromedp.CSS(`form[action$="/suivi"] button`)), chromedp.WaitReady(chromedp.CSS(`form[action$="/suivi"] input[value="0"]`)))
	do("me l'attribuer", chromedp.Click(chromedp.CSS(`form[action$="/attribution"] button`)), chromedp.WaitReady(chromedp.CSS(`form[action$="/attribution"] input[name=agent][value=""]`)))
	if got := texte("#suivi"); !strings.Contains(got, "Attribuée à marie@asp.fr") || !strings.Contains(got, "vous suivez cette demande") {
		t.Errorf("the request's assignment: %q", got)
	}
	verifier("demande", 1280)
	do("suivies", chromedp.Navigate(p.srv.URL+"/agence/demandes"), chromedp.WaitVisible(chromedp.CSS(".segur-onglets")),
		chromedp.Click(chromedp.CSS(`.segur-onglets a[href*="onglet=suivies"]`)), chromedp.WaitVisible(chromedp.CSS("caption")))
	if got := texte(`.segur-onglets [aria-current="page"]`); got != "Suivies par moi (1)" {
		t.Errorf("tab: got %q", got)
	}
	if got := texte("tbody"); !strings.Contains(got, asp) {
		t.Errorf("« Suivies par moi » lacks %s: %q", asp, got)
	}

	do("390 px", chromedp.EmulateViewport(390, 844))
	do("file à 390 px", chromedp.Navigate(p.srv.URL+"/agence/demandes"), chromedp.WaitVisible(chromedp.CSS("#q")))
	verifier("file", 390)
	do("demande à 390 px", chromedp.Navigate(p.srv.URL+"/agence/demandes/"+asp), chromedp.WaitVisible(chromedp.CSS("#suivi")))
	verifier("demande", 390)
	do("recherche trop large", chromedp.Navigate(p.srv.URL+"/agence/demandes?q=asp"), chromedp.WaitVisible(chromedp.CSS("#q-erreur")))
	if got := texte("#q-erreur"); !strings.HasPrefix(got, "Recherche trop large : « asp » correspond à plus de 5 demandes.") {
		t.Errorf("a search too broad: %q under the field", got)
	}
	verifier("recherche-trop-large", 390)
}
