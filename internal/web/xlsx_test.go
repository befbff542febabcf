package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/segur-numerique/segur"
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
	// nombre checks a number cell; euros: in the amounts' euro format.
	nombre := func(cell, want string, euros bool) {
		t.Helper()
		v, _ := x.GetCellValue(s, cell, excelize.Options{RawCellValue: true})
		typ, _ := x.GetCellType(s, cell)
		id, _ := x.GetCellStyle(s, cell)
		st, err := x.GetStyle(id)
		format := ""
		if err == nil && st.CustomNumFmt != nil {
			format = *st.CustomNumFmt
		}
		if v != want || typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber || err != nil || euros != (format == `#,##0.00\ "€"`) {
			t.Errorf("%s: got %q, type %v, format %q (%v); want the number %s, in euros %v", cell, v, typ, format, err, want, euros)
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
	nombre("B2", "13750.45", true)
	nombre("C2", "42", false)
	texte("E2", `=HYPERLINK("https://exemple.fr","cliquer")`)
	texte("A3", "  espaces  ")
	nombre("B3", "-0.05", true)
	nombre("C3", "-7", false)
	texte("E3", "+33 1 23 45 67 89")
	texte("A4", `a&b<c>"d'`)
	nombre("B4", "0", true)
	texte("E4", "@SUM(A1)")
	texte("A5", "ligne\r\nsuivante\ttab")
	nombre("B5", "1", true)
	texte("A6", "contrôle fin")
	nombre("B6", "13750", true)
	texte("E6", "_x0041_ littéral")
	texte("A7", "invalide \ufffd\ufffd utf-8")
	nombre("B7", "13750.5", true)
	texte("E7", "😀 émoji")
	if v, _ := x.GetCellValue(s, "B2"); v != "13,750.45 €" {
		t.Errorf("B2 displayed: got %q, want 13,750.45 €", v)
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
		{"CMD-1", "13,750.45 €", "42", "", `=HYPERLINK("https://exemple.fr","cliquer")`},
		{"  espaces  ", "-0.05 €", "-7", "", "+33 1 23 45 67 89"},
		{`a&b<c>"d'`, "0.00 €", "0", "", "@SUM(A1)"},
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

// datesExports are the date and time columns of the exports, by header,
// with the one layout each is written in CSV: ISO 8601, a time with its
// offset (Paris).
var datesExports = map[string]string{
	"Déposée le (heure de Paris)": time.RFC3339, "Date de commande": time.DateOnly, "Virement du": time.DateOnly,
	"Ouvert le (heure de Paris)": time.RFC3339, "Clos le (heure de Paris)": time.RFC3339,
}

// autresDates are dates written some other way: « 15/10/2021 »,
// « 2026-12-03 12:28 ».
var autresDates = regexp.MustCompile(`\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}`)

// TestExportsDates reads the agency's exports back: in CSV every date
// column parses with its one layout and no cell holds a date written
// otherwise; in XLSX (read as XML from the zip) each of those cells is a
// number in a style whose format is a date, the same day as the CSV's.
func TestExportsDates(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "48000.00")
	payerAvance(t, p, asps[0], 13_750_45)
	if _, err := segurtest.OuvrirControle(context.Background(), p.db, asps[0], "marie@asp.fr"); err != nil {
		t.Fatal(err)
	}
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	vus := map[string]int{} // date cells read, by header
	for _, nom := range []string{"demandes", "financements", "paiements", "controles"} {
		t.Run(nom, func(t *testing.T) {
			_, body := L.lire(inst.Get(p.srv.URL + "/agence/exports/" + nom + ".csv?statut=toutes"))
			rows, err := lireCSV(body)
			if err != nil || len(rows) == 0 {
				t.Fatalf("CSV: %d rows, %v", len(rows), err)
			}
			csvJours := map[string]string{} // cell → the CSV's day
			for i, row := range rows[1:] {
				for j, v := range row {
					if layout, ok := datesExports[rows[0][j]]; ok && v != "" {
						d, err := time.Parse(layout, v)
						if err != nil {
							t.Errorf("row %d, %s: %q does not parse as %s: %v", i+2, rows[0][j], v, layout, err)
							continue
						}
						vus[rows[0][j]]++
						cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
						csvJours[cell] = d.Format(time.DateOnly)
					} else if autresDates.MatchString(v) {
						t.Errorf("row %d, %s: %q, a date in another format", i+2, rows[0][j], v)
					}
				}
			}
			resp, err := inst.Get(p.srv.URL + "/agence/exports/" + nom + ".xlsx?statut=toutes")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			cellules, formats := lireFeuille(t, b)
			for cell, jour := range csvJours {
				c, ok := cellules[cell]
				if !ok {
					t.Errorf("XLSX %s: no cell, want the date %s", cell, jour)
					continue
				}
				f := formats[c.S]
				serie, err := strconv.ParseFloat(c.V, 64)
				if c.T != "" || err != nil || !strings.Contains(f, "yyyy") || !strings.Contains(f, "dd") {
					t.Errorf("XLSX %s: type %q, value %q, format %q; want a number in a date format", cell, c.T, c.V, f)
					continue
				}
				got := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).Add(time.Duration(serie * float64(24*time.Hour))).Format(time.DateOnly)
				if got != jour {
					t.Errorf("XLSX %s: %s is %s, want %s as the CSV", cell, c.V, got, jour)
				}
			}
		})
	}
	for _, h := range []string{"Déposée le (heure de Paris)", "Date de commande", "Ouvert le (heure de Paris)"} {
		if vus[h] == 0 {
			t.Errorf("no date read in column %q", h)
		}
	}
}

// celluleXML is a cell of a sheet's XML.
type celluleXML struct {
	R string `xml:"r,attr"`
	S string `xml:"s,attr"`
	T string `xml:"t,attr"`
	V string `xml:"v"`
}

// lireFeuille reads an XLSX's sheet1.xml and styles.xml: the cells by
// reference, and each style's (its index in cellXfs) number format code,
// built in (14, 22) or custom.
func lireFeuille(t *testing.T, data []byte) (map[string]celluleXML, map[string]string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	lire := func(nom string, v any) {
		t.Helper()
		f, err := zr.Open(nom)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := xml.NewDecoder(f).Decode(v); err != nil {
			t.Fatalf("%s: %v", nom, err)
		}
	}
	var feuille struct {
		Lignes []struct {
			Cellules []celluleXML `xml:"c"`
		} `xml:"sheetData>row"`
	}
	lire("xl/worksheets/sheet1.xml", &feuille)
	var styles struct {
		Formats []struct {
			ID   string `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmt string `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	lire("xl/styles.xml", &styles)
	codes := map[string]string{"14": "mm-dd-yy", "22": "m/d/yy h:mm"}
	for _, f := range styles.Formats {
		codes[f.ID] = f.Code
	}
	formats := map[string]string{}
	for i, x := range styles.Xfs {
		formats[strconv.Itoa(i)] = codes[x.NumFmt]
	}
	cellules := map[string]celluleXML{}
	for _, l := range feuille.Lignes {
		for _, c := range l.Cellules {
			cellules[c.R] = c
		}
	}
	return cellules, formats
}
