package api

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/segurtest"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

const exemple = "../../hop/testdata/JSON-1234567890-20211025-001"

type portail struct {
	srv    *httptest.Server
	db     *sqlstore.DB
	blobs  segur.Blobs
	tokens map[string]string // SIRET → token
	paris  *time.Location
	// now is the portal's one clock, from noon today (segurtest.Midi):
	// the store's, the API's, the desk's, and the files' names.
	now func() time.Time
}

// newPortail starts the API on a fresh SQLite database with two vendors,
// each with an ANS number and a token, and an open campaign.
func newPortail(t *testing.T) *portail {
	t.Helper()
	return newPortailSur(t, "")
}

// newPortailSur does the same on the database url ("" for SQLite).
func newPortailSur(t testing.TB, dbURL string) *portail {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if dbURL == "" {
		dbURL = "sqlite://" + filepath.Join(dir, "segur.db")
	}
	now := segurtest.Midi()
	db, err := sqlstore.Open(ctx, dbURL, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	paris := segurtest.Paris()
	p := &portail{db: db, blobs: blobs, tokens: map[string]string{}, paris: paris, now: now}
	for _, v := range []struct{ siret, ans string }{{"88558855858745", "1234567890"}, {"35600000000048", "0987654321"}} {
		f := &segur.Fournisseur{SIRET: v.siret, Nom: "Éditeur " + v.siret, Email: "contact@editeur.fr", IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP"}
		if err := db.CreateFournisseur(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateProduit(ctx, &segur.Produit{NumeroAns: v.ans, FournisseurID: f.ID, Logiciel: hop.LogicielRI, Nom: "RI"}); err != nil {
			t.Fatal(err)
		}
		tok, digest, prefix, _ := auth.NewToken()
		if err := db.CreateJeton(ctx, &segur.Jeton{FournisseurID: f.ID, Empreinte: digest, Prefixe: prefix}); err != nil {
			t.Fatal(err)
		}
		p.tokens[v.siret] = tok
	}
	if err := db.CreateFenetre(ctx, &segur.Fenetre{Logiciel: hop.LogicielRI, Type: segur.TypeAvance, Debut: now().Add(-time.Hour), Fin: now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// The files are staged as segur serve does.
	stager, err := blob.NewStager(blobs, dir)
	if err != nil {
		t.Fatal(err)
	}
	a := &API{Store: db, Blobs: blobs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: now, Metrics: &Metrics{},
		Guichet: &segur.Guichet{Store: db, Blobs: blobs, Paris: paris, Stager: stager}}
	mux := http.NewServeMux()
	a.Routes(mux)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// nom is the file name of the example deposited today, by the portal's
// clock, with ordinal n.
func (p *portail) nom(n int) string {
	return fmt.Sprintf("JSON-1234567890-%s-%03d.json", p.now().In(p.paris).Format("20060102"), n)
}

func (p *portail) do(t *testing.T, method, path, siret string, body io.Reader, ctype string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, p.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if siret != "" {
		req.Header.Set("Authorization", "Bearer "+p.tokens[siret])
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// deposer posts a deposit.
func (p *portail) deposer(t *testing.T, siret, ans, nom string, json, zip []byte) (*http.Response, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("typeDemande", "avance")
	w.WriteField("numeroAns", ans)
	fw, _ := w.CreateFormFile("fichier", nom)
	fw.Write(json)
	if zip != nil {
		zw, _ := w.CreateFormFile("pieces", "pieces.zip")
		zw.Write(zip)
	}
	w.Close()
	return p.do(t, "POST", "/api/v1/depots", siret, &buf, w.FormDataContentType())
}

func lire(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDepotExemple(t *testing.T) {
	p := newPortail(t)
	ex, zip := lire(t, exemple+".json"), lire(t, exemple+".zip")
	resp, body := p.deposer(t, "88558855858745", "1234567890", p.nom(1), ex, zip)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("got %d %s, want 201", resp.StatusCode, body)
	}
	var d DepotJSON
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	if d.Statut != "traite" || len(d.Demandes) != 1 || d.Demandes[0].NumeroASP == nil || d.Demandes[0].CodeTraitement != "0000" {
		t.Fatalf("got %s, want one accepted request with an ASP number", body)
	}
	asp := *d.Demandes[0].NumeroASP
	if !regexp.MustCompile(`^ASP-\d{4}-\d{7}$`).MatchString(asp) {
		t.Errorf("got ASP number %q", asp)
	}
	// The returned file carries the ASP number and the deposit's reference.
	resp, retour := p.do(t, "GET", *d.FichierRetour, "88558855858745", nil, "")
	if resp.StatusCode != 200 || !bytes.Contains(retour, []byte(`"numeroASP": "`+asp+`"`)) || !bytes.Contains(retour, []byte(`"impId": "`+d.ImpID+`"`)) {
		t.Errorf("got returned file %d:\n%s", resp.StatusCode, retour)
	}
	// The same files again: refused, naming the first deposit.
	resp, body = p.deposer(t, "88558855858745", "1234567890", p.nom(2), ex, zip)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(body), fmt.Sprint(d.ID)) ||
		resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("duplicate: got %d %s, want 409 naming deposit %d", resp.StatusCode, body, d.ID)
	}
	// The same numeroEditeur in another file: the request is rejected.
	ex2 := bytes.Replace(ex, []byte("DUPONT"), []byte("MARTIN"), 1)
	resp, body = p.deposer(t, "88558855858745", "1234567890", p.nom(2), ex2, zip)
	if resp.StatusCode != 201 || !strings.Contains(string(body), `"codeTraitement": "2025"`) {
		t.Errorf("numeroEditeur reused: got %d %s, want code 2025", resp.StatusCode, body)
	}
	// The ordinal 002 is now taken.
	ex3 := bytes.Replace(ex, []byte(`"00001"`), []byte(`"00003"`), 1)
	ex3 = bytes.ReplaceAll(ex3, []byte("-00001.pdf"), []byte("-00003.pdf"))
	resp, body = p.deposer(t, "88558855858745", "1234567890", p.nom(2), ex3, nil)
	if resp.StatusCode != 201 || !strings.Contains(string(body), `"code": "1005"`) {
		t.Errorf("ordinal reused: got %d %s, want a rejection 1005", resp.StatusCode, body)
	}
	// A broken file: recorded as rejected with its reason and position.
	resp, body = p.deposer(t, "88558855858745", "1234567890", p.nom(3), ex[:700], zip)
	if resp.StatusCode != 201 || !strings.Contains(string(body), `"statut": "rejete"`) || !strings.Contains(string(body), `"ligne": 25`) {
		t.Errorf("broken file: got %d %s, want a rejected deposit with its line", resp.StatusCode, body)
	}
	// Lists.
	resp, body = p.do(t, "GET", "/api/v1/depots", "88558855858745", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"total": 4`) {
		t.Errorf("deposits: got %d %s, want 4", resp.StatusCode, body)
	}
	resp, body = p.do(t, "GET", "/api/v1/demandes?numeroEditeur=00001", "88558855858745", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), asp) || !strings.Contains(string(body), `"montantSegurHT": "13750.00"`) {
		t.Errorf("requests: got %d %s", resp.StatusCode, body)
	}
	resp, body = p.do(t, "GET", "/api/v1/demandes/"+asp, "88558855858745", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "999999992") {
		t.Errorf("request: got %d %s", resp.StatusCode, body)
	}
	resp, body = p.do(t, "GET", "/api/v1/numeros-editeur", "88558855858745", nil, "")
	// 00003 was only in a file rejected by control 1: it is not used.
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"00001"`) || strings.Contains(string(body), `"00003"`) {
		t.Errorf("numbers: got %d %s, want 00001 and not 00003", resp.StatusCode, body)
	}

	// Another vendor sees none of it: every route gives 404.
	for _, path := range []string{fmt.Sprintf("/api/v1/depots/%d", d.ID), *d.FichierRetour, "/api/v1/demandes/" + asp} {
		if resp, body := p.do(t, "GET", path, "35600000000048", nil, ""); resp.StatusCode != 404 {
			t.Errorf("%s for another vendor: got %d %s, want 404", path, resp.StatusCode, body)
		}
	}
	if _, body := p.do(t, "GET", "/api/v1/demandes", "35600000000048", nil, ""); strings.Contains(string(body), asp) {
		t.Errorf("another vendor's list shows %s", asp)
	}
	// Another vendor cannot deposit on this ANS number.
	if resp, body := p.deposer(t, "35600000000048", "1234567890", p.nom(4), ex, zip); resp.StatusCode != 400 {
		t.Errorf("foreign ANS number: got %d %s, want 400", resp.StatusCode, body)
	}
}

func TestAPIRefus(t *testing.T) {
	p := newPortail(t)
	ex := lire(t, exemple+".json")
	cases := []struct {
		name   string
		status int
		do     func() (*http.Response, []byte)
	}{
		{"sans jeton", 401, func() (*http.Response, []byte) { return p.do(t, "GET", "/api/v1/depots", "", nil, "") }},
		{"jeton inconnu", 401, func() (*http.Response, []byte) {
			p.tokens["x"] = "sgr_inconnu"
			return p.do(t, "GET", "/api/v1/depots", "x", nil, "")
		}},
		{"pas multipart", 400, func() (*http.Response, []byte) {
			return p.do(t, "POST", "/api/v1/depots", "88558855858745", strings.NewReader("{}"), "application/json")
		}},
		{"type inconnu", 400, func() (*http.Response, []byte) {
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			w.WriteField("typeDemande", "acompte")
			w.WriteField("numeroAns", "1234567890")
			fw, _ := w.CreateFormFile("fichier", p.nom(1))
			fw.Write(ex)
			w.Close()
			return p.do(t, "POST", "/api/v1/depots", "88558855858745", &buf, w.FormDataContentType())
		}},
		{"fichier trop gros", 413, func() (*http.Response, []byte) {
			return p.deposer(t, "88558855858745", "1234567890", p.nom(1), bytes.Repeat([]byte(" "), hop.MaxFichier+1), nil)
		}},
		{"dépôt inconnu", 404, func() (*http.Response, []byte) {
			return p.do(t, "GET", "/api/v1/depots/999", "88558855858745", nil, "")
		}},
		{"page invalide", 400, func() (*http.Response, []byte) {
			return p.do(t, "GET", "/api/v1/depots?page=0", "88558855858745", nil, "")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := c.do()
			if resp.StatusCode != c.status {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, body, c.status)
			}
			var pb Problem
			if err := json.Unmarshal(body, &pb); err != nil || pb.Status != c.status || pb.Title == "" || pb.Detail == "" {
				t.Errorf("got %s, want a French problem+json", body)
			}
		})
	}
}

// TestOpenAPI: the description lists exactly the routes that exist.
func TestOpenAPI(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var described, served []string
	for path, ops := range doc.Paths {
		for m := range ops {
			described = append(described, strings.ToUpper(m)+" "+path)
		}
	}
	for _, r := range (&API{}).routes() {
		served = append(served, r.pattern)
	}
	sort.Strings(described)
	sort.Strings(served)
	if strings.Join(described, "\n") != strings.Join(served, "\n") {
		t.Errorf("OpenAPI paths:\n%s\nroutes:\n%s", strings.Join(described, "\n"), strings.Join(served, "\n"))
	}
}

// depotNumero is the example with numeroEditeur ed, and its zip.
func depotNumero(t *testing.T, ed string) ([]byte, []byte) {
	t.Helper()
	ex := lire(t, exemple+".json")
	ex = bytes.Replace(ex, []byte(`"numeroEditeur": "00001"`), []byte(`"numeroEditeur": "`+ed+`"`), 1)
	ex = bytes.ReplaceAll(ex, []byte("-00001.pdf"), []byte("-"+ed+".pdf"))
	pdf := lire(t, "../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range []string{"HOP-RI-Va1-BDC-" + ed + ".pdf", "HOP-RI-Va1-HT-" + ed + ".pdf"} {
		w, _ := zw.Create(n)
		w.Write(pdf)
	}
	zw.Close()
	return ex, buf.Bytes()
}

// TestConcurrence sends 24 deposits at once, some sharing a numeroEditeur or
// an ordinal: no ASP number twice, no numeroEditeur accepted twice, no
// ordinal of the day used twice.
func TestConcurrence(t *testing.T) {
	for _, base := range []string{"sqlite", "postgres"} {
		t.Run(base, func(t *testing.T) {
			url := ""
			if base == "postgres" {
				url = segurtest.FreshSchema(t, segurtest.PostgresDSN(t))
			}
			p := newPortailSur(t, url)
			const n = 24
			var wg sync.WaitGroup
			errs := make(chan string, n)
			for i := range n {
				ex, zip := depotNumero(t, fmt.Sprintf("C%04d", i%16))
				// Every file differs: none is a duplicate of another.
				ex = bytes.Replace(ex, []byte(`"DUPONT"`), []byte(fmt.Sprintf(`"DUPONT %c"`, 'A'+i)), 1)
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, body := p.deposer(t, "88558855858745", "1234567890", p.nom(i%20+1), ex, zip)
					if resp.StatusCode != http.StatusCreated {
						errs <- fmt.Sprintf("deposit %d: got %d %s", i, resp.StatusCode, body)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
			_, body := p.do(t, "GET", "/api/v1/depots?parPage=100", "88558855858745", nil, "")
			var list struct {
				Depots []DepotJSON `json:"depots"`
				Total  int         `json:"total"`
			}
			if err := json.Unmarshal(body, &list); err != nil || list.Total != n {
				t.Fatalf("got %d deposits (%v), want %d", list.Total, err, n)
			}
			asp, editeurs, ordinaux := map[string]bool{}, map[string]bool{}, map[string]bool{}
			acceptees := 0
			for _, d := range list.Depots {
				_, body := p.do(t, "GET", fmt.Sprintf("/api/v1/depots/%d", d.ID), "88558855858745", nil, "")
				var full DepotJSON
				json.Unmarshal(body, &full)
				if full.Statut == "rejete" {
					if full.Motif == nil || full.Motif.Code != hop.CodeNomFichierOrdre {
						t.Errorf("deposit %d rejected for %+v, want only ordinal clashes", d.ID, full.Motif)
					}
					continue
				}
				if ordinaux[full.NomFichier] {
					t.Errorf("ordinal of %s used twice", full.NomFichier)
				}
				ordinaux[full.NomFichier] = true
				for _, l := range full.Demandes {
					if l.NumeroASP == nil {
						if l.CodeTraitement != hop.CodeEditeurHistorique {
							t.Errorf("request rejected with %s, want only %s", l.CodeTraitement, hop.CodeEditeurHistorique)
						}
						continue
					}
					acceptees++
					if asp[*l.NumeroASP] || editeurs[l.NumeroEditeur] {
						t.Errorf("ASP number %s or numeroEditeur %s given twice", *l.NumeroASP, l.NumeroEditeur)
					}
					asp[*l.NumeroASP], editeurs[l.NumeroEditeur] = true, true
				}
			}
			if acceptees != 16 {
				t.Errorf("got %d accepted requests, want 16 (one per numeroEditeur)", acceptees)
			}
		})
	}
}

// TestDernierUsage: a token's last use is recorded, to the minute.
func TestDernierUsage(t *testing.T) {
	p := newPortail(t)
	ctx := context.Background()
	f, _ := p.db.FindFournisseurBySIRET(ctx, "88558855858745")
	for range 3 {
		if resp, body := p.do(t, "GET", "/api/v1/depots", "88558855858745", nil, ""); resp.StatusCode != 200 {
			t.Fatalf("got %d %s", resp.StatusCode, body)
		}
	}
	js, err := p.db.FindJetons(ctx, f.ID)
	if err != nil || len(js) != 1 || js[0].DernierUsage.IsZero() || p.now().Sub(js[0].DernierUsage) > time.Minute {
		t.Fatalf("got %+v, %v, want the last use recorded", js, err)
	}
	// Within the minute, the requests read the token and write nothing:
	// the use recorded is the first one's, to the microsecond.
	premier := js[0].DernierUsage
	for range 3 {
		p.do(t, "GET", "/api/v1/depots", "88558855858745", nil, "")
	}
	if js, _ := p.db.FindJetons(ctx, f.ID); !js[0].DernierUsage.Equal(premier) {
		t.Errorf("last use after 3 more requests within the minute: got %v, want %v unwritten", js[0].DernierUsage, premier)
	}
}

// TestJetonExpire: on both databases, a token a year old is refused with a
// 401 saying when it expired (Paris time) and how to renew it, its use not
// recorded; renewed, the same token opens the API again for a year.
func TestJetonExpire(t *testing.T) {
	for _, base := range []string{"sqlite", "postgres"} {
		t.Run(base, func(t *testing.T) {
			url := "sqlite://" + filepath.Join(t.TempDir(), "segur.db")
			if base == "postgres" {
				url = segurtest.FreshSchema(t, segurtest.PostgresDSN(t))
			}
			p := newPortailSur(t, url)
			ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "test"})
			// The token is made by a store whose clock is a year and a day
			// behind: it expired yesterday.
			hier, err := sqlstore.Open(ctx, url, func() time.Time { return p.now().AddDate(-1, 0, -1) })
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { hier.Close() })
			f, _ := p.db.FindFournisseurBySIRET(ctx, "88558855858745")
			tok, digest, prefix, _ := auth.NewToken()
			j := &segur.Jeton{FournisseurID: f.ID, Empreinte: digest, Prefixe: prefix}
			if err := hier.CreateJeton(ctx, j); err != nil {
				t.Fatal(err)
			}
			if !j.Expire(p.now()) {
				t.Fatalf("token expiring %v: not expired at %v", j.ExpireLe, p.now())
			}
			p.tokens["expire"] = tok

			resp, body := p.do(t, "GET", "/api/v1/depots", "expire", nil, "")
			var pb Problem
			if err := json.Unmarshal(body, &pb); err != nil {
				t.Fatalf("401 body: %v\n%s", err, body)
			}
			want := "jeton d'API " + prefix + "… expiré le " + j.ExpireLe.In(p.paris).Format("02/01/2006 à 15:04") +
				" (heure de Paris) : renouvelez-le pour un an dans votre espace fournisseur, page « Mon compte », bouton « Renouveler », puis réessayez"
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Type") != "application/problem+json" ||
				resp.Header.Get("WWW-Authenticate") == "" || pb.Status != http.StatusUnauthorized || pb.Detail != want {
				t.Errorf("expired token: got %d %q %+v, want 401 with detail %q", resp.StatusCode, resp.Header.Get("Content-Type"), pb, want)
			}
			if js, _ := p.db.FindJetons(ctx, f.ID); !js[1].DernierUsage.IsZero() {
				t.Errorf("expired token's last use: got %v, want none recorded", js[1].DernierUsage)
			}

			renouvele, err := p.db.RenewJeton(ctx, j.ID)
			if err != nil || renouvele.Expire(p.now()) || renouvele.ExpireLe.Sub(p.now().AddDate(1, 0, 0)).Abs() > time.Minute {
				t.Fatalf("RenewJeton: %+v %v, want an expiry a year from now", renouvele, err)
			}
			if resp, body := p.do(t, "GET", "/api/v1/depots", "expire", nil, ""); resp.StatusCode != http.StatusOK {
				t.Errorf("renewed token: got %d %s, want 200", resp.StatusCode, body)
			}
			if js, _ := p.db.FindJetons(ctx, f.ID); js[1].DernierUsage.IsZero() {
				t.Error("renewed token's use: not recorded")
			}
		})
	}
}

// TestIdempotence: a retry with the same Idempotency-Key gets the first
// deposit back, whatever it sends; another key with the same files is a
// duplicate.
func TestIdempotence(t *testing.T) {
	p := newPortail(t)
	ex, zip := lire(t, exemple+".json"), lire(t, exemple+".zip")
	envoyer := func(cle string, json []byte) (*http.Response, []byte) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("typeDemande", "avance")
		w.WriteField("numeroAns", "1234567890")
		fw, _ := w.CreateFormFile("fichier", p.nom(1))
		fw.Write(json)
		zw, _ := w.CreateFormFile("pieces", "pieces.zip")
		zw.Write(zip)
		w.Close()
		req, _ := http.NewRequest("POST", p.srv.URL+"/api/v1/depots", &buf)
		req.Header.Set("Authorization", "Bearer "+p.tokens["88558855858745"])
		req.Header.Set("Content-Type", w.FormDataContentType())
		if cle != "" {
			req.Header.Set("Idempotency-Key", cle)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, body := envoyer("essai-1", ex)
	var first DepotJSON
	json.Unmarshal(body, &first)
	if resp.StatusCode != 201 || resp.Header.Get("Idempotent-Replayed") != "" || first.Statut != "traite" {
		t.Fatalf("first: got %d %s", resp.StatusCode, body)
	}
	resp, body = envoyer("essai-1", ex)
	var d DepotJSON
	json.Unmarshal(body, &d)
	if resp.StatusCode != 201 || resp.Header.Get("Idempotent-Replayed") != "true" || d.ID != first.ID ||
		len(d.Demandes) != 1 || *d.Demandes[0].NumeroASP != *first.Demandes[0].NumeroASP {
		t.Errorf("retry: got %d %s, want deposit %d replayed", resp.StatusCode, body, first.ID)
	}
	// The key again with another file: 422 naming the first deposit.
	if resp, body := envoyer("essai-1", ex[:100]); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(string(body), first.ImpID) || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("key reused with another file: got %d %s, want 422 naming %s", resp.StatusCode, body, first.ImpID)
	}
	if resp, body := envoyer("essai-2", ex); resp.StatusCode != http.StatusConflict {
		t.Errorf("another key, same files: got %d %s, want 409", resp.StatusCode, body)
	}
	if resp, _ := envoyer("clé avec espace", ex); resp.StatusCode != 400 {
		t.Errorf("bad key: got %d, want 400", resp.StatusCode)
	}
	_, body = p.do(t, "GET", "/api/v1/depots", "88558855858745", nil, "")
	if !strings.Contains(string(body), `"total": 1`) {
		t.Errorf("got %s, want one deposit", body)
	}
}
