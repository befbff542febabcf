package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/segur-numerique/segur/hop"
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
		"B;;31/02/2021;TTC;100,00;;;;HOPITAL B;b@b.fr;01 23 45 67 89;999999991;bdc.pdf;\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bdc.pdf"), []byte("%PDF-1.4"), 0o644)
	os.WriteFile(filepath.Join(dir, "ht.pdf"), []byte("%PDF-1.4"), 0o644)
	out := filepath.Join(dir, "depots")
	code, _, errs := run(t, "build", "--ans", "1234567890", "--siret", "88558855858745", "--from", book, "--out", out)
	if code != exitRejets || !strings.Contains(errs, "ligne 2, colonne") || !strings.Contains(errs, "ligne 3, colonne") ||
		!strings.Contains(errs, "2 erreur(s)") {
		t.Errorf("got exit %d\n%s", code, errs)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "JSON-*")); len(files) != 0 {
		t.Errorf("files written despite the errors: %v", files)
	}
	code, out2, _ := run(t, "build", "--template")
	if code != 0 || !strings.HasPrefix(out2, "\uFEFFreference;numeroEditeur;") {
		t.Errorf("template: %d %q", code, out2)
	}
}
