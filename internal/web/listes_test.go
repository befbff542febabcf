package web

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// deposerForm posts the example through the form with numeroEditeur ed,
// amount montant and ordinal n, with its zip or without (then control 1
// rejects the file, which is still listed).
func deposerForm(t *testing.T, c *http.Client, p *portail, ed, montant string, n int, avecZip bool) {
	t.Helper()
	deposerFormAvec(t, c, p, ed, montant, n, avecZip, nil)
}

// deposerFormAvec is deposerForm of the example changed by modifier (nil:
// unchanged) before the numeroEditeur and the amount are set.
func deposerFormAvec(t *testing.T, c *http.Client, p *portail, ed, montant string, n int, avecZip bool, modifier func([]byte) []byte) {
	t.Helper()
	ex, err := os.ReadFile("../../hop/testdata/JSON-1234567890-20211025-001.json")
	if err != nil {
		t.Fatal(err)
	}
	if modifier != nil {
		ex = modifier(ex)
	}
	ex = bytes.Replace(ex, []byte(`"numeroEditeur": "00001"`), []byte(`"numeroEditeur": "`+ed+`"`), 1)
	ex = bytes.ReplaceAll(ex, []byte("-00001.pdf"), []byte("-"+ed+".pdf"))
	ex = bytes.Replace(ex, []byte("13750.00"), []byte(montant), 1)
	paris, _ := time.LoadLocation("Europe/Paris")
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("typeDemande", "avance")
	w.WriteField("numeroAns", "1234567890")
	fw, _ := w.CreateFormFile("fichier", fmt.Sprintf("JSON-1234567890-%s-%03d.json", p.now.In(paris).Format("20060102"), n))
	fw.Write(ex)
	if avecZip {
		pdf, _ := os.ReadFile("../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
		zw, _ := w.CreateFormFile("pieces", "pieces.zip")
		z := zip.NewWriter(zw)
		for _, nom := range []string{"HOP-RI-Va1-BDC-" + ed + ".pdf", "HOP-RI-Va1-HT-" + ed + ".pdf"} {
			e, _ := z.Create(nom)
			e.Write(pdf)
		}
		z.Close()
	}
	w.Close()
	req, _ := http.NewRequest("POST", p.srv.URL+"/depots", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestListes(t *testing.T) {
	p := newPortail(t)
	L := lecteur{t}
	c := client(t)
	L.lire(c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {"mot de passe de test"}}))
	deposerForm(t, c, p, "00001", "13750.00", 1, false)
	code, body := L.lire(c.Get(p.srv.URL + "/depots"))
	if code != 200 || !strings.Contains(body, "<caption>Un dépôt</caption>") || !strings.Contains(body, `fr-badge--error fr-badge--sm">Fichier rejeté</p>`) {
		t.Errorf("deposits: got %d\n%s", code, body)
	}
	code, body = L.lire(c.Get(p.srv.URL + "/demandes"))
	if code != 200 || !strings.Contains(body, "Aucune demande ne correspond.") {
		t.Errorf("requests before any is accepted: got %d", code)
	}
	deposerForm(t, c, p, "00001", "13750.00", 2, true)
	deposerForm(t, c, p, "00002", "99000.50", 3, true)
	deposerForm(t, c, p, "00003", "500.00", 4, true)
	// Sorted by amount, largest first.
	_, body = L.lire(c.Get(p.srv.URL + "/demandes?tri=-montant"))
	i1, i2, i3 := strings.Index(body, "99\u202f000,50\u202f€"), strings.Index(body, "13\u202f750,00\u202f€"), strings.Index(body, "500,00\u202f€")
	if !(i1 > 0 && i1 < i2 && i2 < i3) || !strings.Contains(body, "3 demandes acceptées") {
		t.Errorf("sorted by amount: positions %d %d %d\n%s", i1, i2, i3, body)
	}
	// Filtered by numeroEditeur, case-insensitively.
	_, body = L.lire(c.Get(p.srv.URL + "/demandes?numeroEditeur=00002"))
	if !strings.Contains(body, "Une demande acceptée") || !strings.Contains(body, "99\u202f000,50\u202f€") {
		t.Errorf("filtered: %s", body)
	}
	// The CSV holds every row of the filter.
	code, body = L.lire(c.Get(p.srv.URL + "/demandes.csv?tri=montant"))
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(body, "\uFEFF")), "\n")
	if code != 200 || len(lines) != 4 || !strings.HasPrefix(lines[0], "numeroASP;numeroEditeur;") ||
		!strings.Contains(lines[1], ";500,00;") || !strings.Contains(lines[3], ";99000,50;") {
		t.Errorf("CSV: got %d %q", code, lines)
	}
	// Its dates in ISO 8601, as the agency's exports.
	if rows, err := lireCSV(body); err == nil && len(rows) > 1 {
		for _, row := range rows[1:] {
			if _, err := time.Parse(time.DateOnly, row[4]); err != nil {
				t.Errorf("CSV dateCommande %q: want 2006-01-02 (%v)", row[4], err)
			}
		}
	}
}

// TestDepotHorsCampagne: outside the campaign window, the form says so with
// the dates, in French.
func TestDepotHorsCampagne(t *testing.T) {
	p := newPortail(t)
	L := lecteur{t}
	c := client(t)
	L.lire(c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {"mot de passe de test"}}))
	debut := p.now.Add(48 * time.Hour)
	if err := p.db.CreateFenetre(t.Context(), &segur.Fenetre{Logiciel: hop.LogicielRI, Type: segur.TypeAvance, Debut: debut, Fin: debut.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("typeDemande", "avance")
	w.WriteField("numeroAns", "1234567890")
	fw, _ := w.CreateFormFile("fichier", "JSON-1234567890-20261125-001.json")
	fw.Write([]byte("{}"))
	w.Close()
	req, _ := http.NewRequest("POST", p.srv.URL+"/depots", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	code, body := L.lire(c.Do(req))
	if code != http.StatusForbidden || !strings.Contains(body, "fermés : la prochaine campagne ouvre le") {
		t.Errorf("got %d, want 403 with the dates\n%s", code, body)
	}
}

// storeClientPiege names the first client of every request with a
// formula, one in lower case that the file's control would refuse.
type storeClientPiege struct{ *sqlstore.DB }

const clientPiege = `=HYPERLINK("http://x","y")`

func (s storeClientPiege) EachDemande(ctx context.Context, f segur.DemandeFilter, fn func(*segur.Demande) error) error {
	return s.DB.EachDemande(ctx, f, func(d *segur.Demande) error {
		if len(d.Clients) > 0 {
			d.Clients[0].Nom = clientPiege
		}
		return fn(d)
	})
}

// TestDemandesCSVFormule: a client named with a formula stays text in the
// vendor's export, made inert as the agency's exports make it.
func TestDemandesCSVFormule(t *testing.T) {
	p := newPortail(t)
	L := lecteur{t}
	c := client(t)
	connecter(t, p, c, "mot de passe de test")
	// The file's control wants capitals: a formula in capitals passes it.
	const capitales = `=HYPERLINK("HTTP://X","Y")`
	deposerFormAvec(t, c, p, "00001", "13750.00", 1, true, func(ex []byte) []byte {
		return bytes.Replace(ex, []byte(`"nomClient": "HOPITAL SAINT-MARTIN",`), []byte(`"nomClient": "=HYPERLINK(\"HTTP://X\",\"Y\")",`), 1)
	})
	code, body := L.lire(c.Get(p.srv.URL + "/demandes.csv"))
	verifierCSV(t, code, body, capitales)

	// The same export of a store that names the client in lower case.
	ctx := context.Background()
	u, err := p.db.FindUtilisateurByLogin(ctx, "jean@lebeaulogiciel.fr")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Store: storeClientPiege{p.db}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now, Paris: time.UTC}
	r := httptest.NewRequestWithContext(context.WithValue(ctx, ctxKey{}, connecte{user: u}), "GET", "/demandes.csv", nil)
	w := httptest.NewRecorder()
	if err := s.getDemandesCSV(w, r); err != nil {
		t.Fatal(err)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("got Content-Type %q", ct)
	}
	verifierCSV(t, w.Code, w.Body.String(), clientPiege)
}

// verifierCSV checks the vendor's export of one request whose first client
// is named formule: the cell starts with an apostrophe, and no cell would
// run as a formula.
func verifierCSV(t *testing.T, code int, body, formule string) {
	t.Helper()
	lignes, err := lireCSV(body)
	if err != nil || code != 200 || len(lignes) != 2 {
		t.Fatalf("got %d, %d rows (%v), want the header and one request\n%s", code, len(lignes), err, body)
	}
	if got := lignes[1][7]; !strings.HasPrefix(got, "'"+formule+" (") {
		t.Errorf("beneficiaries: got %q, want it to start with '%s", got, formule)
	}
	for _, cell := range lignes[1] {
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Errorf("cell %q would run as a formula", cell)
		}
	}
}
