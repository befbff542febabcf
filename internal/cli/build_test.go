package cli

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/api"
	"github.com/segur-numerique/segur/internal/commandes"
)

// TestDecouper: 450 requests make files of 200, 200 and 50; attachments too
// big for one 200 Mo zip split the file further.
func TestDecouper(t *testing.T) {
	dir := t.TempDir()
	petit := filepath.Join(dir, "petit.pdf")
	os.WriteFile(petit, []byte("%PDF-1.4"), 0o644)
	var ds []commandes.Demande
	for i := range 450 {
		ds = append(ds, commandes.Demande{Reference: fmt.Sprint(i), BonDeCommande: "petit.pdf"})
	}
	got := []int{}
	for _, lot := range decouper(ds, newPieces(dir)) {
		got = append(got, len(lot))
	}
	if fmt.Sprint(got) != "[200 200 50]" {
		t.Errorf("got %v, want [200 200 50]", got)
	}
	// 60 Mo per request (sparse files): three fit in one zip.
	gros := filepath.Join(dir, "gros.pdf")
	f, _ := os.Create(gros)
	f.Truncate(60 << 20)
	f.Close()
	ds = ds[:7]
	for i := range ds {
		ds[i].BonDeCommande = "gros.pdf"
	}
	got = got[:0]
	for _, lot := range decouper(ds, newPieces(dir)) {
		got = append(got, len(lot))
	}
	if fmt.Sprint(got) != "[3 3 1]" {
		t.Errorf("got %v, want [3 3 1] (200 Mo per zip)", got)
	}
}

func TestOrdinaux(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"JSON-1234567890-20261125-001.json", "JSON-1234567890-20261125-004.json", "JSON-1234567890-20261124-009.json",
		"JSON-9999999999-20261125-007.json", "JSON-1234567890-20261125-002.retour.json", "JSON-1234567890-20261125-000.json"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	pris := ordinauxLocaux(dir, "1234567890", hop.Date{Annee: 2026, Mois: 11, Jour: 25})
	if !reflect.DeepEqual(pris, map[int]bool{1: true, 4: true}) {
		t.Errorf("taken: got %v, want 001 and 004", pris)
	}
	pris[3] = true // by the portal
	if got := ordinauxLibres(pris, 3); !reflect.DeepEqual(got, []int{2, 5, 6}) {
		t.Errorf("free: got %v, want [2 5 6]", got)
	}
	tous := map[int]bool{}
	for o := 1; o <= 998; o++ {
		tous[o] = true
	}
	if got := ordinauxLibres(tous, 2); !reflect.DeepEqual(got, []int{999}) {
		t.Errorf("nearly full day: got %v, want [999]", got)
	}
}

// TestBuildErreurs: every mistake of the book at once, and nothing written.
func TestBuildErreurs(t *testing.T) {
	dir := t.TempDir()
	book := filepath.Join(dir, "carnet.csv")
	os.WriteFile(book, []byte(carnetVierge+
		"A;;15/10/2021;HT;13 750,00;;;;HOPITAL A;a@b.fr;01 23 45 67 89;99999999;bdc.pdf;ht.pdf\n"+
		"B;;31/02/2021;TTC;100,00;;;;HOPITAL B;b@b.fr;01 23 45 67 89;999999991;bdc.pdf;\n"+
		"C;;15/10/2021;TTC;100,00;;;;HOPITAL C;c@b.fr;01 23 45 67 89;999999992;absent.pdf;\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bdc.pdf"), []byte("%PDF-1.4"), 0o644)
	os.WriteFile(filepath.Join(dir, "ht.pdf"), []byte("%PDF-1.4"), 0o644)
	out := filepath.Join(dir, "depots")
	code, _, errs := run(t, "build", "--ans", "1234567890", "--siret", "88558855858745", "--from", book, "--out", out)
	// The FINESS of row 2, the date of row 3 and the missing file of row
	// 4, in one run.
	if code != exitRejets || !strings.Contains(errs, "ligne 2, colonne FINESS") || !strings.Contains(errs, "ligne 3, colonne") ||
		!strings.Contains(errs, "ligne 4, colonne bon de commande : « absent.pdf » introuvable") || !strings.Contains(errs, "3 erreurs dans le carnet") {
		t.Errorf("got exit %d\n%s", code, errs)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "*")); len(files) != 0 {
		t.Errorf("files written despite the errors: %v", files)
	}
	code, out2, _ := run(t, "build", "--template")
	if code != 0 || !strings.HasPrefix(out2, "\uFEFFreference;numeroEditeur;") {
		t.Errorf("template: %d %q", code, out2)
	}
}

// TestBuildPortail: with --url, build numbers its files after the day's
// deposits the portal accepted (not after those control 1 rejected, which
// take no ordinal), with the first free ordinals, and never reuses a
// numeroEditeur the portal knows. The entries of its zips carry the time
// they were written.
func TestBuildPortail(t *testing.T) {
	jour := hop.Date{Annee: 2026, Mois: 11, Jour: 25}
	nom := func(o int) string { return fmt.Sprintf("JSON-1234567890-%s-%03d.json", jour.AAAAMMJJ(), o) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer sgr_test" {
			http.Error(w, "jeton", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/numeros-editeur":
			json.NewEncoder(w).Encode(map[string]any{"numerosEditeur": []string{"00001", "00002"}})
		case "/api/v1/depots":
			recu := "2026-11-25T09:00:00+01:00"
			json.NewEncoder(w).Encode(map[string]any{"total": 4, "depots": []api.DepotJSON{
				{NomFichier: nom(3), Statut: "traite", Recu: recu},
				{NomFichier: nom(1), Statut: "traite", Recu: recu},
				{NomFichier: nom(2), Statut: "rejete", Recu: recu},
				{NomFichier: "JSON-1234567890-20261124-002.json", Statut: "traite", Recu: "2026-11-24T09:00:00+01:00"},
			}})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	jeton := filepath.Join(dir, "jeton.txt")
	os.WriteFile(jeton, []byte("sgr_test\n"), 0o600)
	book := filepath.Join(dir, "carnet.csv")
	var lignes strings.Builder
	lignes.WriteString(carnetVierge)
	for i := range 201 { // two files
		fmt.Fprintf(&lignes, "R%d;;15/10/2021;TTC;100,00;;;;HOPITAL;a@b.fr;01 23 45 67 89;999999999;bdc.pdf;\n", i)
	}
	os.WriteFile(book, []byte(lignes.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "bdc.pdf"), []byte("%PDF-1.4"), 0o644)
	out := filepath.Join(dir, "depots")
	avant := time.Now().Add(-2 * time.Second)
	code, _, errs := run(t, "build", "--ans", "1234567890", "--siret", "88558855858745", "--date", jour.AAAAMMJJ(),
		"--from", book, "--out", out, "--url", srv.URL, "--token-file", jeton)
	if code != exitOK || !strings.Contains(errs, "numéros d'ordre 001 et 003 : ils sont pris") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	files, _ := filepath.Glob(filepath.Join(out, "JSON-*.json"))
	want := []string{filepath.Join(out, nom(2)), filepath.Join(out, nom(4))}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("files %v, want %v", files, want)
	}
	data, err := os.ReadFile(want[0])
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(`"00001"`)) || bytes.Contains(data, []byte(`"00002"`)) || !bytes.Contains(data, []byte(`"numeroEditeur": "00003"`)) {
		t.Errorf("numbers known to the portal reused, or 00003 not given")
	}
	z, err := zip.OpenReader(strings.TrimSuffix(want[0], ".json") + ".zip")
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		if f.Modified.Before(avant) || f.Modified.After(time.Now().Add(2*time.Second)) {
			t.Errorf("%s dated %v, want the time of the build", f.Name, f.Modified)
		}
	}
	// The day is full: nothing is written, and it says why.
	os.RemoveAll(out)
	for o := 1; o <= 998; o++ {
		os.MkdirAll(out, 0o755)
		os.WriteFile(filepath.Join(out, nom(o)), nil, 0o644)
	}
	code, _, errs = run(t, "build", "--ans", "1234567890", "--siret", "88558855858745", "--date", jour.AAAAMMJJ(),
		"--from", book, "--out", out, "--ledger", filepath.Join(dir, "autre-carnet.json"))
	if code != exitInterne || !strings.Contains(errs, "2 fichiers à écrire, mais 1 numéro d'ordre libre ce jour") {
		t.Errorf("full day: exit %d\n%s", code, errs)
	}
}
