package commandes

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// lireXLSXExcelize is this package's former reader, on excelize: the
// rival of BenchmarkLireXLSX.
func lireXLSXExcelize(data []byte) ([]ligneBrute, []Erreur, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: dezippeMax})
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	feuilles := f.GetSheetList()
	if len(feuilles) == 0 {
		return nil, nil, fmt.Errorf("aucune feuille")
	}
	affiches, err := f.Rows(feuilles[0])
	if err != nil {
		return nil, nil, err
	}
	defer affiches.Close()
	bruts, err := f.Rows(feuilles[0])
	if err != nil {
		return nil, nil, err
	}
	defer bruts.Close()
	var lignes []ligneBrute
	var errs []Erreur
	for num := 1; affiches.Next() && bruts.Next(); num++ {
		if num > LignesMax {
			errs = append(errs, Erreur{Ligne: num, Message: fmt.Sprintf("plus de %d lignes : découper le carnet", LignesMax)})
			break
		}
		textes, err := affiches.Columns()
		if err != nil {
			return nil, nil, err
		}
		valeurs, err := bruts.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, nil, err
		}
		nombres := make([]string, len(valeurs))
		for i, v := range valeurs {
			if _, err := strconv.ParseFloat(v, 64); err == nil {
				nombres[i] = v
			}
		}
		l, e := ligneDe(num, textes, nombres)
		lignes = append(lignes, l)
		errs = append(errs, e...)
	}
	return lignes, errs, affiches.Error()
}

// selonExcelize reads the first sheet with excelize as lireXLSX does: the
// displayed texts, the raw value of number cells only, the rows with a
// value only.
func selonExcelize(tb testing.TB, data []byte) ([]ligneBrute, []Erreur) {
	tb.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	feuille := f.GetSheetList()[0]
	date1904 := false
	if p, err := f.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		date1904 = *p.Date1904
	}
	affiches, err := f.GetRows(feuille)
	if err != nil {
		tb.Fatal(err)
	}
	bruts, err := f.GetRows(feuille, excelize.Options{RawCellValue: true})
	if err != nil {
		tb.Fatal(err)
	}
	var lignes []ligneBrute
	var errs []Erreur
	for i, textes := range affiches {
		nombres := make([]string, len(textes))
		for j := range textes {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			typ, _ := f.GetCellType(feuille, cell)
			if typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber {
				if _, err := strconv.ParseFloat(bruts[i][j], 64); err == nil {
					nombres[j] = bruts[i][j]
				}
			}
		}
		l, e := ligneDe(i+1, textes, nombres)
		errs = append(errs, e...)
		l.cellules = rogner(l.cellules)
		if len(l.cellules) == 0 {
			continue
		}
		for j := range l.cellules {
			l.cellules[j].date1904 = date1904
		}
		lignes = append(lignes, l)
	}
	return lignes, errs
}

// lireSans reads a workbook that must be readable, its empty rows left out.
func lireSans(tb testing.TB, data []byte) ([]ligneBrute, []Erreur) {
	tb.Helper()
	lignes, errs, err := lireXLSX(data)
	if err != nil {
		tb.Fatal(err)
	}
	var pleines []ligneBrute
	for _, l := range lignes {
		if len(l.cellules) > 0 {
			pleines = append(pleines, l)
		}
	}
	return pleines, errs
}

func comparer(t *testing.T, got, want []ligneBrute) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	if len(got) != len(want) {
		t.Errorf("got %d rows, want %d:\n%+v\n%+v", len(got), len(want), got, want)
		return
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("row %d: got\n%+v\nwant\n%+v", want[i].num, got[i], want[i])
		}
	}
}

// classeurVarie writes, with excelize, a workbook of every kind of cell a
// book may hold: shared strings (plain and rich), numbers in many formats,
// dates, booleans, a formula, gaps; its first sheet is the second one
// written (its part is xl/worksheets/sheet2.xml).
func classeurVarie(tb testing.TB, date1904 bool) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: ptr(true)}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.SetSheetName("Sheet1", "Autre"); err != nil {
		tb.Fatal(err)
	}
	f.SetCellStr("Autre", "A1", "pas cette feuille")
	if _, err := f.NewSheet("Carnet"); err != nil {
		tb.Fatal(err)
	}
	if err := f.MoveSheet("Carnet", "Autre"); err != nil {
		tb.Fatal(err)
	}
	const s = "Carnet"
	style := func(code string) int {
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			tb.Fatal(err)
		}
		return id
	}
	set := func(cell string, v any, format string) {
		tb.Helper()
		if err := f.SetCellValue(s, cell, v); err != nil {
			tb.Fatal(err)
		}
		if format != "" {
			if err := f.SetCellStyle(s, cell, cell, style(format)); err != nil {
				tb.Fatal(err)
			}
		}
	}
	for i, h := range enteteFR {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		set(cell, h, "")
	}
	set("A2", "CMD-1", "")
	set("B2", 1, "00000")
	set("C2", time.Date(2021, 10, 15, 0, 0, 0, 0, time.UTC), "dd/mm/yyyy")
	set("D2", true, "")
	set("E2", 13750.45, `#,##0.00\ "€"`)
	if err := f.SetCellRichText(s, "F2", []excelize.RichTextRun{{Text: "Du"}, {Text: "pont", Font: &excelize.Font{Bold: true}}}); err != nil {
		tb.Fatal(err)
	}
	if err := f.SetCellFormula(s, "G2", "1+1"); err != nil {
		tb.Fatal(err)
	}
	set("H2", false, "")
	// Row 3 empty; row 4 with gaps and the characters XML escapes.
	set("A4", " espaces ", "")
	set("C4", `a&b<c>"d'`, "")
	set("F4", "ligne\r\nsuivante\ttab", "")
	set("G4", "_x0041_ littéral", "")
	set("H4", "Émoji 😀, insécable\u00a0!", "")
	set("N4", "loin", "")
	formats := []struct {
		v      any
		format string
	}{
		{123456789, "0# ## ## ## ##"},
		{10000001, "000000000"},
		{0.125, "0.00%"},
		{-1234.5678, "#,##0.00"},
		{44484.75, "yyyy-mm-dd"},
		{44484.75, "d/m/yy h:mm"},
		{44484.75, "hh:mm:ss"},
		{12345678901234567.0, ""},
		{1.5e-7, ""},
		{0.1 + 0.2, ""},
		{42, "@"},
		{44484, "[$-40C]dd/mm/yyyy"},
		{13750.45, `#,##0.00 [$€-40C]`},
		{13750.45, "0.0"},
		{-5, "0;(0)"},
		{1234567, "#,##0"},
		{0, "0.00"},
		{7, "General"},
		{123456789, "#,##0,"},
	}
	for i, v := range formats {
		cell, _ := excelize.CoordinatesToCellName(i+1, 5)
		set(cell, v.v, v.format)
	}
	set("A7", "44484", "")        // a text, not a number
	set("B7", "13750.00", "0.00") // a text, whatever its format
	set("C7", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), "dd/mm/yyyy")
	set("D7", time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC), "dd/mm/yyyy")
	// A row wider than the book allows.
	set("BZ9", "trop loin", "")
	set("A9", "début", "")
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// classeurEnFlux writes, with excelize's stream writer, a workbook of
// inline strings.
func classeurEnFlux(tb testing.TB) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	montant, err := f.NewStyle(&excelize.Style{NumFmt: 4})
	if err != nil {
		tb.Fatal(err)
	}
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("dd/mm/yyyy")})
	if err != nil {
		tb.Fatal(err)
	}
	rows := [][]any{
		{"Référence", "Date", "Montant", "Texte"},
		{"R1", excelize.Cell{StyleID: date, Value: 44484}, excelize.Cell{StyleID: montant, Value: 13750.45}, "=HYPERLINK(\"x\")"},
		nil,
		{"R3", nil, excelize.Cell{StyleID: montant, Value: 0.5}, "a < b & c"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, r); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func TestLireXLSXCommeExcelize(t *testing.T) {
	livre := append([][]string{enteteFR}, lignesValides...)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"shared strings, formats, gaps, second sheet", classeurVarie(t, false)},
		{"date1904", classeurVarie(t, true)},
		{"inline strings", classeurEnFlux(t)},
		{"the tests' book", xlsxDe(t, livre...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, gotErrs := lireSans(t, tc.data)
			want, wantErrs := selonExcelize(t, tc.data)
			comparer(t, got, want)
			if !reflect.DeepEqual(gotErrs, wantErrs) {
				t.Errorf("errors: got %q, want %q", gotErrs, wantErrs)
			}
		})
	}
}

// TestLireXLSXValeurs checks what the comparison with excelize cannot: the
// values themselves, where excelize reads them otherwise.
func TestLireXLSXValeurs(t *testing.T) {
	got, errs := lireSans(t, classeurVarie(t, false))
	cellule := func(num, col int) cellule {
		for _, l := range got {
			if l.num == num && col <= len(l.cellules) {
				return l.cellules[col-1]
			}
		}
		return cellule{}
	}
	tests := []struct {
		num, col      int
		texte, nombre string
	}{
		{2, 1, "CMD-1", ""},
		{2, 2, "00001", "1"},
		{2, 3, "15/10/2021", "44484"},
		{2, 4, "TRUE", ""},       // excelize's raw value of a boolean is 1
		{4, 7, "A littéral", ""}, // excelize writes _x0041_ unescaped: the file says A
		{2, 5, "13,750.45 €", "13750.45"},
		{2, 6, "Dupont", ""},
		{4, 3, `a&b<c>"d'`, ""},
		{5, 1, "01 23 45 67 89", "123456789"},
		{5, 2, "010000001", "10000001"},
		{7, 1, "44484", ""},
		{7, 2, "13750.00", ""},
	}
	for _, tt := range tests {
		if c := cellule(tt.num, tt.col); c.texte != tt.texte || c.nombre != tt.nombre {
			t.Errorf("%s: got %q %q, want %q %q", nomCellule(tt.col, tt.num), c.texte, c.nombre, tt.texte, tt.nombre)
		}
	}
	if len(errs) != 1 || errs[0].Ligne != 9 || errs[0].Message != "78 colonnes, 64 au plus" {
		t.Errorf("got errors %q, want one on row 9's width", errs)
	}
}

func TestDateSerie(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		for _, v := range []float64{1, 2, 59, 61, 62, 366, 44484, 44484.5, 44484.999999, 2958465, 1.5, 100000.25} {
			s := strconv.FormatFloat(v, 'f', -1, 64)
			got, ok := dateSerie(s, date1904)
			w, _ := excelize.ExcelDateToTime(v, date1904)
			if !ok || got.Annee != w.Year() || got.Mois != int(w.Month()) || got.Jour != w.Day() {
				t.Errorf("dateSerie(%s, %v): got %v %v, want %s", s, date1904, got, ok, w.Format("2006-01-02"))
			}
		}
	}
	for _, s := range []string{"0", "0.5", "-1", "2958466", "60", "abc", ""} {
		if d, ok := dateSerie(s, false); ok {
			t.Errorf("dateSerie(%q): got %v, want no date", s, d)
		}
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		code, v, want string
	}{
		{"", "0.30000000000000004", "0.3"},
		{"General", "12345678901234567", "1.23456789012346E+16"},
		{"General", "12345678901234500", "12345678901234500"},
		{"0", "-1234.5678", "-1235"},
		{"00000", "1", "00001"},
		{"000000000", "10000001", "010000001"},
		{"0# ## ## ## ##", "123456789", "01 23 45 67 89"},
		{`0#" "##" "##" "##" "##`, "612345678", "06 12 34 56 78"},
		{"#,##0.00", "1234567.891", "1,234,567.89"},
		{"#,##0.00", "0.125", "0.13"},
		{"#,##0.00", "-0.5", "-0.50"},
		{"#,##0", "999.5", "1,000"},
		{"0.00%", "0.125", "12.50%"},
		{"0.###", "2.5", "2.5"},
		{"#.00", "0.5", ".50"},
		{"0.0?", "1.5", "1.5 "},
		{"#,##0,", "123456789", "123,457"},
		{"0.00,,", "123456789", "123.46"},
		{"0;(0);\"zéro\"", "-5", "(5)"},
		{"0;(0);\"zéro\"", "0", "zéro"},
		{`"N° "0`, "12", "N° 12"},
		{`[Red]0.00`, "3", "3.00"},
		{`#,##0.00 [$€-40C]`, "13750.45", "13,750.45 €"},
		{`_(* #,##0_)`, "5", " 5 "},
		{"@", "42", "42"},
		{"dd/mm/yyyy", "44484.75", "15/10/2021"},
		{"[$-40C]d mmmm yyyy", "44484", "15 October 2021"},
		{"dddd d mmm yy", "44484", "Friday 15 Oct 21"},
		{"yyyy-mm-dd hh:mm:ss", "44484.75", "2021-10-15 18:00:00"},
		{"h:mm AM/PM", "0.75", "6:00 PM"},
		{"h:mm A/P", "0.25", "6:00 A"},
		{"mm:ss", "0.0006944444444444445", "01:00"},
		{"dd/mm/yyyy", "0", "00/01/1900"},
		{"dd/mm/yyyy", "60", "29/02/1900"},
		{"dd/mm/yyyy", "-1", "-1"},
		{"dd/mm/yyyy", "3000000", "3000000"},
		{"0.00E+00", "12345", "12345"},
		{"# ?/?", "1.5", "1.5"},
		{"[>100]0;0.00", "5", "5"},
		{"[h]:mm:ss", "1.5", "1.5"},
	}
	for _, tt := range tests {
		if got := lireFormat(tt.code).afficher(tt.v, false); got != tt.want {
			t.Errorf("%q of %s: got %q, want %q", tt.code, tt.v, got, tt.want)
		}
	}
	if got := lireFormat("dd/mm/yyyy").afficher("0", true); got != "01/01/1904" {
		t.Errorf("1904 day 0: got %q", got)
	}
}

// Hand-made packages: the parts of a minimal workbook, any of them
// replaced.

const (
	xmlTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`
	xmlRels         = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	xmlWorkbook     = `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Carnet" sheetId="1" r:id="rId1"/></sheets></workbook>`
	xmlWorkbookRels = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`
	xmlStyles       = `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="000000000"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/></cellXfs></styleSheet>`
	xmlPartages     = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>zéro</t></si><si><r><t>un</t></r><r><rPr><b/></rPr><t xml:space="preserve"> et demi</t></r><rPh><t>phonétique</t></rPh></si><si><t/></si></sst>`
)

// feuilleDe makes a worksheet part of the rows given (the inside of
// <sheetData>).
func feuilleDe(rows string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1"/><sheetData>` + rows + `</sheetData><pageMargins left="0.7"/></worksheet>`
}

// partie is one file of a hand-made package.
type partie struct{ nom, contenu string }

// paquet zips parts: the minimal workbook's, replaced by those given with
// the same name ("" content: left out), then the others.
func paquet(tb testing.TB, parties ...partie) []byte {
	tb.Helper()
	base := []partie{
		{nom: "[Content_Types].xml", contenu: xmlTypes},
		{nom: "_rels/.rels", contenu: xmlRels},
		{nom: "xl/workbook.xml", contenu: xmlWorkbook},
		{nom: "xl/_rels/workbook.xml.rels", contenu: xmlWorkbookRels},
		{nom: "xl/styles.xml", contenu: xmlStyles},
		{nom: "xl/sharedStrings.xml", contenu: xmlPartages},
		{nom: "xl/worksheets/sheet1.xml", contenu: feuilleDe(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`)},
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	ecrire := func(p partie) {
		h := &zip.FileHeader{Name: p.nom, Method: zip.Store, CRC32: crc32.ChecksumIEEE([]byte(p.contenu)),
			CompressedSize64: uint64(len(p.contenu)), UncompressedSize64: uint64(len(p.contenu))}
		w, err := zw.CreateRaw(h)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write([]byte(p.contenu))
	}
	fait := map[string]bool{}
	for _, p := range base {
		for _, q := range parties {
			if q.nom == p.nom {
				p = q
			}
		}
		fait[p.nom] = true
		if p.contenu != "" {
			ecrire(p)
		}
	}
	for _, q := range parties {
		if !fait[q.nom] {
			ecrire(q)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func feuille(rows string) partie {
	return partie{nom: "xl/worksheets/sheet1.xml", contenu: feuilleDe(rows)}
}

func TestLireXLSXPaquets(t *testing.T) {
	type c = cellule
	tests := []struct {
		name    string
		parties []partie
		want    []ligneBrute
	}{
		{"shared, rich and empty strings, numbers, styles", []partie{feuille(
			`<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v>2</v></c><c r="C1" s="1"><v>10000001</v></c><c r="D1" s="2"><v>44484</v></c><c r="E1" s="9"><v>1.5</v></c><c r="F1" t="s"><v>2</v></c></row>`)},
			[]ligneBrute{{1, []c{{texte: "un et demi"}, {}, {texte: "010000001", nombre: "10000001"}, {texte: "15/10/2021", nombre: "44484"}, {texte: "1.5", nombre: "1.5"}}}}},
		{"first sheet through workbook.xml and its rels", []partie{
			{nom: "xl/workbook.xml", contenu: `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="true"/><sheets><sheet name="Commandes" sheetId="2" r:id="rId7"/><sheet name="Carnet" sheetId="1" r:id="rId1"/></sheets></workbook>`},
			{nom: "xl/_rels/workbook.xml.rels", contenu: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/feuilles/Commandes%20fournisseur.xml"/></Relationships>`},
			{nom: "xl/feuilles/commandes fournisseur.xml", contenu: feuilleDe(`<row><c><v>1</v></c><c t="inlineStr"><is><t>b</t></is></c></row><row r="3"><c r="C3" t="inlineStr"><is><r><t>c</t></r><r><t>d</t></r></is></c></row>`)},
		}, []ligneBrute{{1, []c{{texte: "1", nombre: "1", date1904: true}, {texte: "b", date1904: true}}}, {3, []c{{date1904: true}, {date1904: true}, {texte: "cd", date1904: true}}}}},
		{"prefixed and strict namespaces, byte order mark, no rels", []partie{
			{nom: "_rels/.rels", contenu: ""},
			{nom: "xl/workbook.xml", contenu: "\ufeff" + `<x:workbook xmlns:x="http://purl.oclc.org/ooxml/spreadsheetml/main" xmlns:r="http://purl.oclc.org/ooxml/officeDocument/relationships"><x:sheets><x:sheet name="A" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>`},
			{nom: "xl/_rels/workbook.xml.rels", contenu: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
			{nom: "xl/worksheets/sheet1.xml", contenu: `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="2"><x:c r="B2" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>`},
		}, []ligneBrute{{2, []c{{}, {texte: "x"}}}}},
		{"cell types", []partie{feuille(
			`<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="e"><v>#N/A</v></c><c r="C1" t="str"><f>A1</f><v>=calculé</v></c><c r="D1" t="d" s="2"><v>2021-10-15T00:00:00Z</v></c><c r="E1" t="n"><v>0x10</v></c><c r="F1"><v>1E3</v></c><c r="G1" t="inlineStr"><is><t>_x000D_ et _x005F_x000D_</t></is></c></row>`)},
			[]ligneBrute{{1, []c{{texte: "TRUE"}, {texte: "#N/A"}, {texte: "=calculé"}, {texte: "15/10/2021", nombre: "44484"}, {texte: "0x10"}, {texte: "1000", nombre: "1E3"}, {texte: "\r et _x000D_"}}}}},
		{"rows past LignesMax without value", []partie{feuille(
			`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="100001" ht="20" customHeight="1"/><row r="100002"><c r="A100002" s="1"/></row>`)},
			[]ligneBrute{{1, []c{{texte: "a"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs, err := lireXLSX(paquet(t, tt.parties...))
			if err != nil || errs != nil {
				t.Fatalf("got %v %v", errs, err)
			}
			comparer(t, got, tt.want)
		})
	}
	t.Run("rows past LignesMax", func(t *testing.T) {
		_, errs, err := lireXLSX(paquet(t, feuille(`<row r="1"><c t="inlineStr"><is><t>a</t></is></c></row><row r="250000"><c r="C250000"><v>1</v></c></row>`)))
		if err != nil || len(errs) != 1 || errs[0].Ligne != 250000 || !strings.Contains(errs[0].Message, "plus de 100000 lignes") {
			t.Errorf("got %q %v, want one error on row 250000", errs, err)
		}
	})
}

// alloue returns the bytes fn allocates.
func alloue(fn func()) uint64 {
	runtime.GC()
	var avant, apres runtime.MemStats
	runtime.ReadMemStats(&avant)
	fn()
	runtime.ReadMemStats(&apres)
	return apres.TotalAlloc - avant.TotalAlloc
}

// deflate compresses n bytes of motif, repeated, without holding them.
func deflate(tb testing.TB, debut string, motif string, n int, fin string) (donnees []byte, taille uint64, crc uint32) {
	tb.Helper()
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestCompression)
	h := crc32.NewIEEE()
	w := func(s []byte) {
		fw.Write(s)
		h.Write(s)
		taille += uint64(len(s))
	}
	w([]byte(debut))
	bloc := bytes.Repeat([]byte(motif), max(1, (64<<10)/len(motif)))
	for ecrit := 0; ecrit < n; ecrit += len(bloc) {
		w(bloc)
	}
	w([]byte(fin))
	fw.Close()
	return z.Bytes(), taille, h.Sum32()
}

// paquetBrut is paquet with one part given compressed.
func paquetBrut(tb testing.TB, nom string, donnees []byte, taille uint64, crc uint32) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range []partie{{nom: "_rels/.rels", contenu: xmlRels}, {nom: "xl/workbook.xml", contenu: xmlWorkbook}, {nom: "xl/_rels/workbook.xml.rels", contenu: xmlWorkbookRels},
		{nom: "xl/sharedStrings.xml", contenu: xmlPartages}, feuille(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`)} {
		if p.nom == nom {
			continue
		}
		w, _ := zw.Create(p.nom)
		w.Write([]byte(p.contenu))
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: nom, Method: zip.Deflate, CRC32: crc, CompressedSize64: uint64(len(donnees)), UncompressedSize64: taille})
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(donnees)
	zw.Close()
	return b.Bytes()
}

func TestLireXLSXHostile(t *testing.T) {
	const mo = 1 << 20
	bombe, taille, crc := deflate(t, `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`, "<row/>", 300*mo, "</sheetData></worksheet>")
	texte, tailleTexte, crcTexte := deflate(t, `<worksheet><sheetData><row><c t="inlineStr"><is><t>`, "aaaaaaaa", 50*mo, "</t></is></c></row></sheetData></worksheet>")
	commentaire, tailleCom, crcCom := deflate(t, `<worksheet><sheetData><!--`, "        ", 50*mo, "--></sheetData></worksheet>")
	imbrique, tailleImb, crcImb := deflate(t, `<worksheet><sheetData><row><c><extLst>`, "<ext>", 5*mo, "")
	partages, tailleP, crcP := deflate(t, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`, "<si><t>chaîne</t></si>", 150*mo, "</sst>")
	sain, tailleSain, crcSain := deflate(t, feuilleDe(`<row r="1"><c r="A1"><v>1</v></c></row>`), " ", 1, "")
	var entrees []partie
	for i := range entreesMax {
		entrees = append(entrees, partie{nom: fmt.Sprintf("xl/media/image%d.png", i), contenu: "x"})
	}
	tests := []struct {
		name string
		data []byte
		want string // in the error
		max  uint64 // bytes allocated at most
	}{
		{"zip bomb part, honest", paquetBrut(t, "xl/worksheets/sheet1.xml", bombe, taille, crc), "plus que les 200 Mo permis pour tout le classeur", mo},
		{"zip bomb part, lying", paquetBrut(t, "xl/worksheets/sheet1.xml", bombe, 1000, crc), "ce n'est pas une archive ZIP valide", mo},
		{"a 50 Mo text", paquetBrut(t, "xl/worksheets/sheet1.xml", texte, tailleTexte, crcTexte), "un texte de plus de 32767 caractères", 8 * mo},
		{"a 50 Mo comment", paquetBrut(t, "xl/worksheets/sheet1.xml", commentaire, tailleCom, crcCom), "un élément ou un texte de plus de 1048576 octets", 8 * mo},
		{"deeply nested XML", paquetBrut(t, "xl/worksheets/sheet1.xml", imbrique, tailleImb, crcImb), "imbriqués sur plus de 64 niveaux", mo},
		{"huge shared strings table, one string used", paquetBrut(t, "xl/sharedStrings.xml", partages, tailleP, crcP), "", mo},
		{"too many entries", paquet(t, entrees...), "plus de 1000 fichiers", 2 * mo},
		{"a workbook of 65537 styles", paquet(t, partie{nom: "xl/styles.xml", contenu: `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>` + strings.Repeat("<xf/>", stylesMax+1) + `</cellXfs></styleSheet>`}), "plus de 65536 styles", 24 * mo},
		{"billion laughs", paquet(t, partie{nom: "xl/sharedStrings.xml", contenu: `<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&b;</t></si></sst>`}), "XML mal formé", mo},
		{"shared string out of the table", paquet(t, feuille(`<row r="1"><c r="A1" t="s"><v>3</v></c></row>`)), "chaîne partagée n° 3 absente, la table n'en a que 3", mo},
		{"shared string index", paquet(t, feuille(`<row r="1"><c r="A1" t="s"><v>-1</v></c></row>`)), "indice de chaîne partagée « -1 » invalide", mo},
		{"shared strings table missing", paquet(t, partie{nom: "xl/sharedStrings.xml"}), "absente de l'archive", mo},
		{"cell reference past the last row", paquet(t, feuille(`<row r="1048576"><c r="XFD1048577"><v>1</v></c></row>`)), "référence de cellule « XFD1048577 » invalide", mo},
		{"cell reference past the last column", paquet(t, feuille(`<row r="1"><c r="XFE1"><v>1</v></c></row>`)), "« XFE1 » invalide", mo},
		{"cell reference garbage", paquet(t, feuille(`<row r="1"><c r="1A"><v>1</v></c></row>`)), "« 1A » invalide", mo},
		{"cell reference row 0", paquet(t, feuille(`<row r="1"><c r="A0"><v>1</v></c></row>`)), "« A0 » invalide", mo},
		{"cell of another row", paquet(t, feuille(`<row r="1"><c r="A2"><v>1</v></c></row>`)), "cellule A2 dans la ligne 1", mo},
		{"cells out of order", paquet(t, feuille(`<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>1</v></c></row>`)), "cellules dans le désordre", mo},
		{"rows out of order", paquet(t, feuille(`<row r="2"/><row r="1"/>`)), "lignes dans le désordre", mo},
		{"row number", paquet(t, feuille(`<row r="1048577"/>`)), "numéro de ligne « 1048577 » invalide", mo},
		{"too many rows", paquet(t, feuille(strings.Repeat("<row/>", lignesXLSX+1))), "plus de 1048576 lignes", 512 * mo},
		{"too many columns", paquet(t, feuille("<row>"+strings.Repeat("<c/>", colonnesXLSX+1)+"</row>")), "plus de 16384 colonnes", 16 * mo},
		{"unknown cell type", paquet(t, feuille(`<row r="1"><c r="A1" t="x"><v>1</v></c></row>`)), "type « x » inconnu", mo},
		{"style", paquet(t, feuille(`<row r="1"><c r="A1" s="-1"><v>1</v></c></row>`)), "style « -1 » invalide", mo},
		{"number format id", paquet(t, partie{nom: "xl/styles.xml", contenu: `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs><xf numFmtId="x"/></cellXfs></styleSheet>`}), "format de nombre « x » invalide", mo},
		{"malformed XML", paquet(t, feuille(`<row r="1"><c r="A1"><v>1</c></row>`)), "XML mal formé à la ligne 2", mo},
		{"truncated XML", paquet(t, partie{nom: "xl/worksheets/sheet1.xml", contenu: `<worksheet><sheetData><row>`}), "XML mal formé", mo},
		{"UTF-16", paquet(t, partie{nom: "xl/workbook.xml", contenu: `<?xml version="1.0" encoding="UTF-16"?><workbook/>`}), "encodage autre qu'UTF-8", mo},
		{"not a worksheet", paquet(t, partie{nom: "xl/worksheets/sheet1.xml", contenu: `<chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>`}), "« Carnet », n'est pas un tableau", mo},
		{"no sheet", paquet(t, partie{nom: "xl/workbook.xml", contenu: `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>`}), "aucune feuille", mo},
		{"no workbook", paquet(t, partie{nom: "xl/workbook.xml"}), "pas de classeur xl/workbook.xml", mo},
		{"sheet without relationship", paquet(t, partie{nom: "xl/_rels/workbook.xml.rels", contenu: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`}), "relation « rId1 » absente", mo},
		{"sheet part missing", paquet(t, partie{nom: "xl/worksheets/sheet1.xml"}), "la feuille « Carnet » (xl/worksheets/sheet1.xml) est absente", mo},
		{"a cell of 40 000 characters", paquet(t, feuille(`<row r="1"><c r="A1" t="inlineStr"><is><t>`+strings.Repeat("é", 40000)+`</t></is></c></row>`)), "plus de 32767 caractères", 2 * mo},
		{"not a zip", []byte("PK\x03\x04 pas une archive"), "ce n'est pas une archive ZIP valide", mo},
		{"checksum", paquetBrut(t, "xl/worksheets/sheet1.xml", sain, tailleSain, crcSain+1), "somme de contrôle fausse", mo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lignes []ligneBrute
			var errs []Erreur
			var err error
			n := alloue(func() { lignes, errs, err = lireXLSX(tt.data) })
			if n > tt.max {
				t.Errorf("allocated %d bytes, want at most %d", n, tt.max)
			}
			t.Logf("%d bytes allocated", n)
			switch {
			case tt.name == "huge shared strings table, one string used":
				if err != nil || len(lignes) != 1 || lignes[0].cellules[0].texte != "chaîne" {
					t.Errorf("got %v %v %v, want the first string", lignes, errs, err)
				}
			case err == nil:
				t.Errorf("got %v %v, want an error", lignes, errs)
			case !strings.HasPrefix(err.Error(), "carnet de commandes XLSX illisible : ") || !strings.Contains(err.Error(), tt.want):
				t.Errorf("got %q, want %q in it", err, tt.want)
			case lignes != nil || errs != nil:
				t.Errorf("got rows or errors with the error %v", err)
			}
		})
	}
}

// livreXLSX is a book of n rows, as excelize writes one.
func livreXLSX(tb testing.TB, n int) []byte {
	tb.Helper()
	livre := [][]string{enteteFR}
	for i := range n {
		l := append([]string(nil), lignesValides[i%len(lignesValides)]...)
		l[0] = fmt.Sprintf("CMD-%d", i)
		l[11] = fmt.Sprintf("%09d", 100000000+i)
		livre = append(livre, l)
	}
	return xlsxDe(tb, livre...)
}

// BenchmarkLireXLSX reads a book of 5 000 rows, with this package's reader
// and with excelize's.
func BenchmarkLireXLSX(b *testing.B) {
	data := livreXLSX(b, 5000)
	for _, bb := range []struct {
		name string
		lire func([]byte) ([]ligneBrute, []Erreur, error)
	}{{"segur", lireXLSX}, {"excelize", lireXLSXExcelize}} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				lignes, _, err := bb.lire(data)
				if err != nil || len(lignes) < 5001 {
					b.Fatalf("got %d rows, %v", len(lignes), err)
				}
			}
		})
	}
}

// partiesDe reads a fuzzer's text as the parts of a package: each part
// after a line « -- name -- »; the minimal workbook's parts are there too,
// unless replaced.
func partiesDe(texte []byte) []partie {
	var parties []partie
	for _, bloc := range bytes.Split(texte, []byte("\n-- "))[1:] {
		nom, contenu, _ := bytes.Cut(bloc, []byte(" --\n"))
		parties = append(parties, partie{nom: string(nom), contenu: string(contenu)})
	}
	return parties
}

// FuzzLireXLSX checks that no workbook makes lireXLSX panic, and that what
// it returns holds together: a French error alone, or rows in order within
// the book's bounds. An input that is not a zip is read as the text of a
// package's parts (see partiesDe), for the fuzzer to change the XML.
func FuzzLireXLSX(f *testing.F) {
	f.Add(classeurVarie(f, false))
	f.Add(classeurEnFlux(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, []byte("PK")) {
			data = paquet(t, partiesDe(data)...)
		}
		lignes, errs, err := lireXLSX(data)
		if err != nil {
			if lignes != nil || errs != nil || !strings.HasPrefix(err.Error(), "carnet de commandes XLSX illisible : ") {
				t.Fatalf("got %d rows, %d errors and %v", len(lignes), len(errs), err)
			}
			return
		}
		prec := 0
		for _, l := range lignes {
			if l.num <= prec || l.num > LignesMax || len(l.cellules) > ColonnesMax {
				t.Fatalf("row %d after %d, %d cells", l.num, prec, len(l.cellules))
			}
			prec = l.num
			for _, c := range l.cellules {
				if !utf8.ValidString(c.texte) || c.nombre != "" && !nombreXML(c.nombre) {
					t.Fatalf("row %d: cell %q %q", l.num, c.texte, c.nombre)
				}
			}
		}
	})
}
