package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/segurtest"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// agenceURL is a fresh database of base, sqlite or postgres.
func agenceURL(t *testing.T, base string) string {
	t.Helper()
	if base == "postgres" {
		return segurtest.FreshSchema(t, segurtest.PostgresDSN(t))
	}
	return "sqlite://" + filepath.Join(t.TempDir(), "segur.db")
}

// agentAvecJeton creates agent login with roles and an agent's token by
// store db, kept in p.tokens under login.
func agentAvecJeton(t *testing.T, p *portail, db *sqlstore.DB, login string, roles ...segur.Role) (*segur.Utilisateur, *segur.Jeton) {
	t.Helper()
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "admin@asp.fr"})
	u := &segur.Utilisateur{Login: login, Nom: "Agent " + login, Roles: roles}
	if err := p.db.CreateUtilisateur(ctx, u); err != nil {
		t.Fatal(err)
	}
	tok, digest, prefix, err := auth.NewAgentToken()
	if err != nil {
		t.Fatal(err)
	}
	j := &segur.Jeton{UtilisateurID: u.ID, Empreinte: digest, Prefixe: prefix}
	if err := db.CreateJetonAgent(ctx, j); err != nil {
		t.Fatal(err)
	}
	p.tokens[login] = tok
	return u, j
}

// problemeDe decodes a problem+json answer.
func problemeDe(t *testing.T, resp *http.Response, body []byte) Problem {
	t.Helper()
	var pb Problem
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type: got %q, want application/problem+json (body %s)", ct, body)
	}
	if err := json.Unmarshal(body, &pb); err != nil {
		t.Errorf("problem: %v in %s", err, body)
	}
	return pb
}

// TestAgenceAPI: on SQLite and PostgreSQL, with real agents' tokens, each
// route of /api/v1/agence answers the roles of the pages that show its
// rows, and only them; a cursor walks every row once; bad cursors and
// limits are 400; missing, revoked and expired tokens, and a disabled
// agent's, are 401.
func TestAgenceAPI(t *testing.T) {
	for _, base := range []string{"sqlite", "postgres"} {
		t.Run(base, func(t *testing.T) {
			url := agenceURL(t, base)
			p := newPortailSur(t, url)
			for i, ed := range []string{"00001", "00002", "00003"} {
				ex, zip := depotNumero(t, ed)
				if resp, body := p.deposer(t, "88558855858745", "1234567890", p.nom(i+1), ex, zip); resp.StatusCode != http.StatusCreated {
					t.Fatalf("deposit %s: got %d %s", ed, resp.StatusCode, body)
				}
			}
			agentAvecJeton(t, p, p.db, "ines@asp.fr", segur.RoleInstructeur)
			agentAvecJeton(t, p, p.db, "paul@asp.fr", segur.RolePayeur)
			agentAvecJeton(t, p, p.db, "ada@asp.fr", segur.RoleAdmin)
			t.Run("access", func(t *testing.T) { testAgenceAcces(t, p) })
			t.Run("cursor", func(t *testing.T) { testAgenceCurseur(t, p) })
			// After the cursor's walk: it changes the first request.
			t.Run("lists", func(t *testing.T) { testAgenceListes(t, p) })
			// After the lists: each has a row.
			t.Run("pages", func(t *testing.T) { testAgencePages(t, p) })
			t.Run("refused tokens", func(t *testing.T) { testAgenceRefus(t, p, url) })
		})
	}
}

// routesAgence are the lists of the agency's API and the roles that read
// each, as the pages allow them (internal/web: s.agent's roles).
var routesAgence = []struct {
	path     string
	lecteurs []string
}{
	{"/api/v1/agence/demandes", []string{"ines@asp.fr", "ada@asp.fr"}},
	{"/api/v1/agence/depots", []string{"ines@asp.fr", "ada@asp.fr"}},
	{"/api/v1/agence/lots", []string{"paul@asp.fr"}},
	{"/api/v1/agence/paiements", []string{"paul@asp.fr"}},
	{"/api/v1/agence/controles", []string{"ines@asp.fr"}},
}

func testAgenceAcces(t *testing.T, p *portail) {
	for _, rt := range routesAgence {
		for _, login := range []string{"ines@asp.fr", "paul@asp.fr", "ada@asp.fr"} {
			resp, body := p.do(t, "GET", rt.path, login, nil, "")
			lit := strings.Contains(strings.Join(rt.lecteurs, " "), login)
			switch {
			case lit && resp.StatusCode != http.StatusOK:
				t.Errorf("%s by %s: got %d %s, want 200", rt.path, login, resp.StatusCode, body)
			case !lit && resp.StatusCode != http.StatusForbidden:
				t.Errorf("%s by %s: got %d %s, want 403", rt.path, login, resp.StatusCode, body)
			case !lit:
				if pb := problemeDe(t, resp, body); !strings.Contains(pb.Detail, "réservée aux rôles") || pb.Title != "Interdit" {
					t.Errorf("%s by %s: got %+v, want a French refusal naming the roles", rt.path, login, pb)
				}
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("%s: Cache-Control %q, want no-store", rt.path, cc)
			}
		}
	}
	// A role removed stops the access at the next request.
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "ada@asp.fr"})
	u, _ := agentAvecJeton(t, p, p.db, "ivan@asp.fr", segur.RoleInstructeur, segur.RolePayeur)
	if resp, body := p.do(t, "GET", "/api/v1/agence/demandes", "ivan@asp.fr", nil, ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("instructeur: got %d %s, want 200", resp.StatusCode, body)
	}
	if _, err := p.db.ChangeRolesUtilisateur(ctx, u.ID, []segur.Role{segur.RolePayeur}); err != nil {
		t.Fatal(err)
	}
	if resp, body := p.do(t, "GET", "/api/v1/agence/demandes", "ivan@asp.fr", nil, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("instructeur role removed: got %d %s, want 403", resp.StatusCode, body)
	}
}

// pageDemandes is a page of /api/v1/agence/demandes.
type pageDemandes struct {
	Demandes []DemandeAgenceJSON `json:"demandes"`
	Suivant  *string             `json:"suivant"`
}

func testAgenceCurseur(t *testing.T, p *portail) {
	var vus []string
	q := "?limite=2"
	for pages := 1; ; pages++ {
		resp, body := p.do(t, "GET", "/api/v1/agence/demandes"+q, "ines@asp.fr", nil, "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d: got %d %s", pages, resp.StatusCode, body)
		}
		var pg pageDemandes
		if err := json.Unmarshal(body, &pg); err != nil {
			t.Fatal(err)
		}
		for _, d := range pg.Demandes {
			vus = append(vus, d.NumeroEditeur)
			if d.SIRET != "88558855858745" || d.MontantSegurHTCents <= 0 || d.DeposeLe.IsZero() || d.Statut != "deposee" {
				t.Errorf("request %s: got %+v, want its SIRET, amount in cents, deposit time, status", d.NumeroASP, d)
			}
		}
		if pages == 1 {
			// A deposit between two pages comes at the end, once.
			ex, zip := depotNumero(t, "00004")
			if resp, body := p.deposer(t, "88558855858745", "1234567890", p.nom(4), ex, zip); resp.StatusCode != http.StatusCreated {
				t.Fatalf("deposit: got %d %s", resp.StatusCode, body)
			}
		}
		if pg.Suivant == nil {
			break
		}
		if pages > 10 {
			t.Fatal("no end")
		}
		q = "?limite=2&apres=" + url.QueryEscape(*pg.Suivant)
	}
	if got := strings.Join(vus, ","); got != "00001,00002,00003,00004" {
		t.Errorf("walk: got %s, want 00001,00002,00003,00004 each once", got)
	}
	// The filters.
	for q, want := range map[string]int{"?fournisseur=88558855858745": 4, "?fournisseur=35600000000048": 0, "?statut=refusee": 0,
		"?statut=deposee&depuis=" + url.QueryEscape(p.now().Add(-time.Hour).Format(time.RFC3339)): 4,
		"?depuis=" + url.QueryEscape(p.now().Add(time.Hour).Format(time.RFC3339)):                 0} {
		resp, body := p.do(t, "GET", "/api/v1/agence/demandes"+q, "ada@asp.fr", nil, "")
		var pg pageDemandes
		if err := json.Unmarshal(body, &pg); resp.StatusCode != http.StatusOK || err != nil || len(pg.Demandes) != want || pg.Suivant != nil {
			t.Errorf("%s: got %d %s, want %d requests", q, resp.StatusCode, body, want)
		}
	}
	for _, q := range []string{"?apres=nimportequoi", "?apres=" + b64("depots:1"), "?apres=" + b64("demandes:-3"), "?limite=0", "?limite=1001",
		"?limite=deux", "?statut=perdue", "?fournisseur=123", "?depuis=hier"} {
		resp, body := p.do(t, "GET", "/api/v1/agence/demandes"+q, "ines@asp.fr", nil, "")
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: got %d %s, want 400", q, resp.StatusCode, body)
			continue
		}
		if pb := problemeDe(t, resp, body); pb.Title != "Requête invalide" || pb.Detail == "" {
			t.Errorf("%s: got %+v, want a French detail", q, pb)
		}
	}
}

func testAgenceRefus(t *testing.T, p *portail, dbURL string) {
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "admin@asp.fr"})
	_, revoque := agentAvecJeton(t, p, p.db, "rose@asp.fr", segur.RoleInstructeur)
	if err := p.db.RevokeJetonAgent(ctx, revoque.ID); err != nil {
		t.Fatal(err)
	}
	hier, err := sqlstore.Open(ctx, dbURL, func() time.Time { return p.now().AddDate(-1, 0, -1) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hier.Close() })
	_, expire := agentAvecJeton(t, p, hier, "eve@asp.fr", segur.RoleInstructeur)
	desactive, _ := agentAvecJeton(t, p, p.db, "dan@asp.fr", segur.RoleInstructeur)
	if _, err := p.db.DesactiverUtilisateur(ctx, desactive.ID); err != nil {
		t.Fatal(err)
	}
	p.tokens["aucun"] = ""
	p.tokens["inconnu"] = "sga_" + strings.Repeat("A", 43)
	for login, detail := range map[string]string{
		"aucun":          "jeton d'agent attendu",
		"inconnu":        "jeton d'API inconnu ou révoqué",
		"88558855858745": "jeton d'agent attendu", // a vendor's token
		"rose@asp.fr":    "jeton d'API inconnu ou révoqué",
		"eve@asp.fr":     "jeton d'API " + expire.Prefixe + "… expiré le",
		"dan@asp.fr":     "jeton d'API inconnu ou révoqué",
	} {
		resp, body := p.do(t, "GET", "/api/v1/agence/demandes", login, nil, "")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: got %d %s, want 401", login, resp.StatusCode, body)
			continue
		}
		if pb := problemeDe(t, resp, body); !strings.HasPrefix(pb.Detail, detail) {
			t.Errorf("%s: got detail %q, want it to begin with %q", login, pb.Detail, detail)
		}
		if resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate", login)
		}
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// testAgenceListes: the first request decided, paid in a batch and
// controlled, each list shows it as the pages do, amounts in cents.
func testAgenceListes(t *testing.T, p *portail) {
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "ines@asp.fr"})
	resp, body := p.do(t, "GET", "/api/v1/agence/demandes?limite=1", "ines@asp.fr", nil, "")
	var pg pageDemandes
	if err := json.Unmarshal(body, &pg); err != nil || resp.StatusCode != http.StatusOK || len(pg.Demandes) != 1 || pg.Suivant == nil {
		t.Fatalf("demandes: got %d %s", resp.StatusCode, body)
	}
	asp := pg.Demandes[0].NumeroASP
	inst := []segur.Role{segur.RoleInstructeur}
	for _, m := range []segur.Demarche{{Action: segur.ActionPrendre, Roles: inst, Login: "ines@asp.fr"},
		{Action: segur.ActionValider, Roles: inst, Login: "ines@asp.fr", MontantFinance: 10_000_00}} {
		if _, err := segurtest.Appliquer(ctx, p.db, asp, m, segur.ProgrammeParDefaut, segur.Suites{}); err != nil {
			t.Fatalf("%s: %v", m.Action, err)
		}
	}
	lot, err := segur.Ecrire(ctx, p.db, func(ctx context.Context, tx segur.Tx) (*segur.Lot, error) {
		return segur.CreerLot(ctx, tx, []string{asp}, "paul@asp.fr")
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := segurtest.Appliquer(ctx, p.db, asp, segur.Demarche{Action: segur.ActionPayerAvance, Roles: []segur.Role{segur.RolePayeur}, Login: "paul@asp.fr"},
		segur.ProgrammeParDefaut, segur.Suites{}); err != nil {
		t.Fatal(err)
	}
	if _, err := segur.Ecrire(ctx, p.db, func(ctx context.Context, tx segur.Tx) (*segur.Controle, error) {
		return segur.OuvrirControle(ctx, tx, asp, "ines@asp.fr")
	}); err != nil {
		t.Fatal(err)
	}
	get := func(path, login string, v any) {
		t.Helper()
		resp, body := p.do(t, "GET", path, login, nil, "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: got %d %s", path, resp.StatusCode, body)
		}
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatal(err)
		}
	}
	var demandes pageDemandes
	get("/api/v1/agence/demandes?statut=avance_payee", "ada@asp.fr", &demandes)
	if len(demandes.Demandes) != 1 || demandes.Demandes[0].NumeroASP != asp || demandes.Demandes[0].MontantFinanceCents != 10_000_00 || demandes.Demandes[0].Agent != "ines@asp.fr" {
		t.Errorf("demandes avance_payee: got %+v, want %s financed 10 000,00\u202f€", demandes.Demandes, asp)
	}
	var depots struct {
		Depots  []DepotAgenceJSON `json:"depots"`
		Suivant *string           `json:"suivant"`
	}
	get("/api/v1/agence/depots?limite=1000", "ada@asp.fr", &depots)
	if len(depots.Depots) < 3 || depots.Depots[0].SIRET != "88558855858745" || depots.Depots[0].Acceptees != 1 || depots.Depots[0].Motif != nil || depots.Suivant != nil {
		t.Errorf("depots: got %+v", depots)
	}
	var lots struct {
		Lots []LotJSON `json:"lots"`
	}
	get("/api/v1/agence/lots", "paul@asp.fr", &lots)
	if len(lots.Lots) != 1 || lots.Lots[0].ID != lot.ID || lots.Lots[0].MontantCents != 3_000_00 || lots.Lots[0].Nombre != 1 || lots.Lots[0].CreePar != "paul@asp.fr" {
		t.Errorf("lots: got %+v, want %s of 3 000,00\u202f€", lots.Lots, lot.Reference())
	}
	var paiements struct {
		Paiements []PaiementJSON `json:"paiements"`
	}
	get(fmt.Sprintf("/api/v1/agence/paiements?lot=%d", lot.ID), "paul@asp.fr", &paiements)
	if len(paiements.Paiements) != 1 || paiements.Paiements[0].NumeroASP != asp || paiements.Paiements[0].MontantCents != 3_000_00 || paiements.Paiements[0].SIRET != "88558855858745" {
		t.Errorf("paiements: got %+v", paiements.Paiements)
	}
	var controles struct {
		Controles []ControleJSON `json:"controles"`
	}
	get("/api/v1/agence/controles?etat=ouvert", "ines@asp.fr", &controles)
	if len(controles.Controles) != 1 || controles.Controles[0].NumeroASP != asp || controles.Controles[0].Etat != "ouvert" || controles.Controles[0].ConcluLe != nil {
		t.Errorf("controles: got %+v", controles.Controles)
	}
	// A cursor of one list is refused by another.
	resp, body = p.do(t, "GET", "/api/v1/agence/paiements?apres="+b64("lots:1"), "paul@asp.fr", nil, "")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("cursor of lots on paiements: got %d %s, want 400", resp.StatusCode, body)
	}
	for _, q := range []string{"/api/v1/agence/paiements?lot=zero", "/api/v1/agence/controles?etat=ferme", "/api/v1/agence/depots?depuis=demain"} {
		login := map[bool]string{true: "paul@asp.fr", false: "ines@asp.fr"}[strings.Contains(q, "paiements")]
		if resp, body := p.do(t, "GET", q, login, nil, ""); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: got %d %s, want 400", q, resp.StatusCode, body)
		}
	}
}

// testAgencePages: every list walks by pages of one row to the rows of a
// single page, answers a page after its last key in the same shape
// ({"<list>": [], "suivant": null}), and refuses a bad cursor, or
// another list's, with the same French message naming its path.
func testAgencePages(t *testing.T, p *portail) {
	for _, l := range []struct{ nom, login string }{{"demandes", "ines@asp.fr"}, {"depots", "ines@asp.fr"}, {"lots", "paul@asp.fr"},
		{"paiements", "paul@asp.fr"}, {"controles", "ines@asp.fr"}} {
		t.Run(l.nom, func(t *testing.T) {
			path := "/api/v1/agence/" + l.nom
			// lignes decodes a page: its rows' ids as JSON text, and its next cursor.
			lignes := func(q string) ([]string, *string) {
				t.Helper()
				resp, body := p.do(t, "GET", path+q, l.login, nil, "")
				var pg map[string]json.RawMessage
				if err := json.Unmarshal(body, &pg); resp.StatusCode != http.StatusOK || err != nil || len(pg) != 2 {
					t.Fatalf("%s: got %d %s, want a page of two keys", q, resp.StatusCode, body)
				}
				var rows []map[string]json.RawMessage
				var suivant *string
				if err := json.Unmarshal(pg[l.nom], &rows); err != nil {
					t.Fatalf("%s: %q: %v in %s", q, l.nom, err, body)
				}
				if err := json.Unmarshal(pg["suivant"], &suivant); err != nil {
					t.Fatalf("%s: suivant: %v in %s", q, err, body)
				}
				var ids []string
				for _, r := range rows {
					ids = append(ids, string(r["id"])+string(r["numeroASP"]))
				}
				return ids, suivant
			}
			tous, suivant := lignes("?limite=1000")
			if len(tous) == 0 || suivant != nil {
				t.Fatalf("all: got %v and next %v, want rows and no next page", tous, suivant)
			}
			var vus []string
			for q := "?limite=1"; ; {
				ids, suivant := lignes(q)
				vus = append(vus, ids...)
				if suivant == nil {
					break
				}
				if len(vus) > len(tous) {
					t.Fatalf("walk: got %v, more than %v", vus, tous)
				}
				q = "?limite=1&apres=" + url.QueryEscape(*suivant)
			}
			if got, want := strings.Join(vus, ","), strings.Join(tous, ","); got != want {
				t.Errorf("walk by one: got %s, want %s", got, want)
			}
			resp, body := p.do(t, "GET", path+"?apres="+b64(l.nom+":999999"), l.login, nil, "")
			if want := "{\n  \"" + l.nom + "\": [],\n  \"suivant\": null\n}\n"; resp.StatusCode != http.StatusOK || string(body) != want {
				t.Errorf("after the last: got %d %q, want 200 %q", resp.StatusCode, body, want)
			}
			autre := map[bool]string{true: "lots", false: "demandes"}[l.nom == "demandes"]
			for _, q := range []string{"?apres=nimportequoi", "?apres=" + b64(autre+":1"), "?apres=" + b64(l.nom+":0"), "?limite=5&apres=" + b64(l.nom+":x")} {
				resp, body := p.do(t, "GET", path+q, l.login, nil, "")
				want := "curseur « apres » invalide : reprenez tel quel le champ « suivant » de la page précédente de " + path
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("%s: got %d %s, want 400", q, resp.StatusCode, body)
				} else if pb := problemeDe(t, resp, body); pb.Title != "Requête invalide" || pb.Detail != want {
					t.Errorf("%s: got %q %q, want %q", q, pb.Title, pb.Detail, want)
				}
			}
		})
	}
}
