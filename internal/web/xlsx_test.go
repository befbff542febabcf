package web

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/segur-numerique/segur/internal/segurtest"
)

// lignesEssai are rows of every kind an export writes, and the texts that
// must stay texts.
var lignesEssai = [][]any{
	{"CMD-1", montant(1375045), 42, nil, `=HYPERLINK("https://exemple.fr","cliquer")`},
	{"  espaces  ", montant(-5), -7, nil, "+33 1 23 45 67 89"},
	{`a&b<c>"d'`, montant(0), int64(0), nil, "@SUM(A1)"},
	{"ligne\r\nsuivante\ttab", montant(100), nil, nil, "-2"},
	{"contrôle\x01\x08\x0b\ufffe fin", montant(1375000), nil, nil, "_x0041_ littéral"},
	{"invalide \xff\xfe utf-8", montant(1375050), nil, nil, "😀 émoji"},
	{strings.Repeat("é", 40000)},
}

func exportEssai(tb testing.TB) (*httptest.ResponseRecorder, []byte) {
	tb.Helper()
	w := httptest.NewRecorder()
	t, err := nouveauXLSX(w, feuille{nom: "demandes", entetes: []string{"Texte", "Montant (€)", "Entier", "Vide", "Formule ?"},
		largeurs: []float64{18, 14, 8.5, 6, 30}, fichier: "demandes-2026-01-02"})
	if err != nil {
		tb.Fatal(err)
	}
	for _, l := range lignesEssai {
		if err := t.ligne(l...); err != nil {
			tb.Fatal(err)
		}
	}
	if err := t.fin(); err != nil {
		tb.Fatal(err)
	}
	return w, w.Body.Bytes()
}

// TestTableurXLSX reads an export back with excelize: its values and
// types, styles, frozen row, widths; and checks that every part is
// well-formed XML.
func TestTableurXLSX(t *testing.T) {
	w, data := exportEssai(t)
	for k, v := range map[string]string{
		"Content-Type":        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"Content-Disposition": `attachment; filename="demandes-2026-01-02.xlsx"`,
	} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s: got %q, want %q", k, got, v)
		}
	}

	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var noms []string
	for _, f := range zr.File {
		noms = append(noms, f.Name)
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		d := xml.NewDecoder(r)
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Errorf("%s: %v", f.Name, err)
				break
			}
		}
		r.Close()
	}
	if want := "[Content_Types].xml _rels/.rels xl/workbook.xml xl/_rels/workbook.xml.rels xl/styles.xml xl/worksheets/sheet1.xml"; strings.Join(noms, " ") != want {
		t.Errorf("parts: got %q, want %q", noms, want)
	}

	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := x.GetSheetList(); len(got) != 1 || got[0] != "Demandes" {
		t.Fatalf("sheets: got %q, want [Demandes]", got)
	}
	const s = "Demandes"
	texte := func(cell, want string) {
		t.Helper()
		v, _ := x.GetCellValue(s, cell)
		f, _ := x.GetCellFormula(s, cell)
		typ, _ := x.GetCellType(s, cell)
		if v != want || f != "" || typ != excelize.CellTypeInlineString {
			t.Errorf("%s: got %q, formula %q, type %v; want %q, an inline string", cell, v, f, typ, want)
		}
	}
	nombre := func(cell, want string, numFmt int) {
		t.Helper()
		v, _ := x.GetCellValue(s, cell, excelize.Options{RawCellValue: true})
		typ, _ := x.GetCellType(s, cell)
		id, _ := x.GetCellStyle(s, cell)
		st, err := x.GetStyle(id)
		if v != want || typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber || err != nil || st.NumFmt != numFmt {
			t.Errorf("%s: got %q, type %v, format %d (%v); want the number %s, format %d", cell, v, typ, st.NumFmt, err, want, numFmt)
		}
	}
	for i, h := range []string{"Texte", "Montant (€)", "Entier", "Vide", "Formule ?"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		texte(cell, h)
		id, _ := x.GetCellStyle(s, cell)
		if st, err := x.GetStyle(id); err != nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("%s: the header is not bold (%v)", cell, err)
		}
	}
	texte("A2", "CMD-1")
	nombre("B2", "13750.45", 4)
	nombre("C2", "42", 0)
	texte("E2", `=HYPERLINK("https://exemple.fr","cliquer")`)
	texte("A3", "  espaces  ")
	nombre("B3", "-0.05", 4)
	nombre("C3", "-7", 0)
	texte("E3", "+33 1 23 45 67 89")
	texte("A4", `a&b<c>"d'`)
	nombre("B4", "0", 4)
	texte("E4", "@SUM(A1)")
	texte("A5", "ligne\r\nsuivante\ttab")
	nombre("B5", "1", 4)
	texte("A6", "contrôle fin")
	nombre("B6", "13750", 4)
	texte("E6", "_x0041_ littéral")
	texte("A7", "invalide \ufffd\ufffd utf-8")
	nombre("B7", "13750.5", 4)
	texte("E7", "😀 émoji")
	if v, _ := x.GetCellValue(s, "B2"); v != "13,750.45" {
		t.Errorf("B2 displayed: got %q, want 13,750.45", v)
	}
	for _, cell := range []string{"D2", "C5", "D7"} {
		if v, _ := x.GetCellValue(s, cell); v != "" {
			t.Errorf("%s: got %q, want an empty cell", cell, v)
		}
	}
	if v, _ := x.GetCellValue(s, "A8"); utf8.RuneCountInString(v) != 32767 {
		t.Errorf("A8: got %d characters, want 32767", utf8.RuneCountInString(v))
	}
	p, err := x.GetPanes(s)
	if err != nil || !p.Freeze || p.YSplit != 1 || p.XSplit != 0 || p.TopLeftCell != "A2" || p.ActivePane != "bottomLeft" {
		t.Errorf("panes: got %+v %v, want the first row frozen", p, err)
	}
	for col, want := range map[string]float64{"A": 18, "C": 8.5, "E": 30} {
		if got, err := x.GetColWidth(s, col); err != nil || got != want {
			t.Errorf("column %s: width %v %v, want %v", col, got, err, want)
		}
	}
	rows, _ := x.GetRows(s)
	if len(rows) != len(lignesEssai)+1 {
		t.Errorf("got %d rows, want %d", len(rows), len(lignesEssai)+1)
	}
}

func TestTableurXLSXLimites(t *testing.T) {
	x, err := nouveauClasseur(io.Discard, "a[b]:c*d?e/f\\g'", []string{"A"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	x.n = xlsxLignesMax
	if err := x.ligne("trop"); err == nil || !strings.Contains(err.Error(), "prendre le CSV") {
		t.Errorf("row %d: got %v, want an error", xlsxLignesMax+1, err)
	}
	if got := nomFeuille("a[b]:c*d?e/f\\g'"); got != "a b  c d e f g" {
		t.Errorf("nomFeuille: got %q", got)
	}
	if got := nomFeuille(strings.Repeat("é", 40)); utf8.RuneCountInString(got) != 31 {
		t.Errorf("nomFeuille: got %q, want 31 characters", got)
	}
	// A write error stops the export, and is returned again.
	e := errors.New("connexion coupée")
	y, err := nouveauClasseur(ecrivainEnPanne{e}, "A", []string{"A"}, nil)
	if err == nil {
		for err == nil {
			err = y.ligne(strings.Repeat("x", 1000))
		}
	}
	if !errors.Is(err, e) {
		t.Errorf("got %v, want the write error", err)
	}
}

type ecrivainEnPanne struct{ err error }

func (w ecrivainEnPanne) Write([]byte) (int, error) { return 0, w.err }

// ecrireLignes writes n rows of an export's width to io.Discard and
// returns the bytes the zip holds.
func ecrireLignes(tb testing.TB, n int) int64 {
	tb.Helper()
	var c compteur
	x, err := nouveauClasseur(&c, "Demandes", []string{"numeroASP", "Fournisseur", "Statut", "Montant financé (€)", "Avance (€)", "Agent", "Bénéficiaires"}, []float64{18, 30, 20, 16, 14, 22, 60})
	if err != nil {
		tb.Fatal(err)
	}
	cells := []any{"2026-000123-SEG", "Éditeur & Fils <SA>", "Paiement de l'avance en cours", montant(1375045), montant(412514), "marie@asp.fr", "CH Saint-Martin (999999999), Clinique des Pins (999999993)"}
	for range n {
		if err := x.ligne(cells...); err != nil {
			tb.Fatal(err)
		}
	}
	if err := x.fin(); err != nil {
		tb.Fatal(err)
	}
	return c.n
}

type compteur struct{ n int64 }

func (c *compteur) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// TestTableurXLSXMemoire checks that the writer's memory does not grow
// with the rows: 50 000 rows allocate what 1 000 do.
func TestTableurXLSXMemoire(t *testing.T) {
	alloue := func(n int) uint64 {
		runtime.GC()
		var avant, apres runtime.MemStats
		runtime.ReadMemStats(&avant)
		ecrireLignes(t, n)
		runtime.ReadMemStats(&apres)
		return apres.TotalAlloc - avant.TotalAlloc
	}
	peu, beaucoup := alloue(1000), alloue(50000)
	if beaucoup > peu+64<<10 {
		t.Errorf("1 000 rows allocate %d bytes, 50 000 rows %d: want the same", peu, beaucoup)
	}
	t.Logf("1 000 rows: %d bytes allocated; 50 000 rows: %d", peu, beaucoup)
}

// BenchmarkTableurXLSX writes exports of 1 000, 10 000 and 100 000 rows:
// the bytes allocated do not grow with the rows.
func BenchmarkTableurXLSX(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var taille int64
			for b.Loop() {
				taille = ecrireLignes(b, n)
			}
			b.ReportMetric(float64(taille), "xlsx-bytes")
		})
	}
}

// TestTableurXLSXLibreOffice converts an export to CSV with LibreOffice,
// when it is installed: spreadsheet software opens the file and reads its
// values.
func TestTableurXLSXLibreOffice(t *testing.T) {
	soffice := segurtest.Soffice(t)
	_, data := exportEssai(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "export.xlsx"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profil"), "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", dir, filepath.Join(dir, "export.xlsx"))
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "export.csv"))
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Texte", "Montant (€)", "Entier", "Vide", "Formule ?"},
		{"CMD-1", "13,750.45", "42", "", `=HYPERLINK("https://exemple.fr","cliquer")`},
		{"  espaces  ", "-0.05", "-7", "", "+33 1 23 45 67 89"},
		{`a&b<c>"d'`, "0.00", "0", "", "@SUM(A1)"},
	}
	if len(rows) != len(lignesEssai)+1 {
		t.Fatalf("got %d rows, want %d:\n%s", len(rows), len(lignesEssai)+1, b)
	}
	for i, w := range want {
		if strings.Join(rows[i][:len(w)], "|") != strings.Join(w, "|") {
			t.Errorf("row %d: got %q, want %q", i+1, rows[i], w)
		}
	}
	if got := rows[5][4]; got != "_x0041_ littéral" {
		t.Errorf("E6: got %q", got)
	}
}
