package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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
	if _, _, rows := file(marie, "?statut=deposee"); len(rows) != 3 {
		t.Errorf("?statut=deposee: got %v, want 3 rows", rows)
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
