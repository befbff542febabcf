package web

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/segur-numerique/segur/hop"
)

// An export as XLSX is the smallest package spreadsheet software opens
// (ECMA-376, SpreadsheetML): the content types, the package's and the
// workbook's relationships, a workbook of one sheet, five cell styles
// (plain, bold for the header, « 13 750,45 € » for amounts, « 2026-12-03 »
// for dates, « 2026-12-03 12:28:00 » for times) and the sheet, its first
// row frozen. Dates and times are serial numbers (days since 1899-12-30,
// the fraction for the time of day, in Paris time) that spreadsheets
// sort and compute with. The sheet is streamed: each row goes to the zip entry as
// it comes, through a buffer of a few rows, so memory stays the same however
// many rows there are. Every text is an inline string, never a formula nor a
// shared string; characters XML 1.0 forbids are left out.

// The limits of a sheet, as spreadsheet software sets them.
const (
	xlsxLignesMax   = 1048576
	xlsxColonnesMax = 16384
	xlsxTexteMax    = 32767 // UTF-16 code units of a cell
	xlsxTampon      = 32 << 10
)

// The styles of styles.xml's <cellXfs>, by index.
const (
	styleGras    = "1"
	styleMontant = "2"
	styleJour    = "3"
	styleInstant = "4"
)

const (
	xmlEntete      = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	xlsxTypes      = xmlEntete + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`
	xlsxRels       = xmlEntete + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	xlsxWorkbook   = xmlEntete + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><bookViews><workbookView/></bookViews><sheets><sheet name="%s" sheetId="1" r:id="rId1"/></sheets></workbook>`
	xlsxWbRels     = xmlEntete + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`
	xlsxStyles     = xmlEntete + `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="3"><numFmt numFmtId="164" formatCode="#,##0.00\ &quot;€&quot;"/><numFmt numFmtId="165" formatCode="yyyy\-mm\-dd"/><numFmt numFmtId="166" formatCode="yyyy\-mm\-dd\ hh:mm:ss"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`
	xlsxDebutFeuil = xmlEntete + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>`
	xlsxFinFeuille = `</sheetData></worksheet>`
)

// tableurXLSX writes an export's rows into the sheet of an XLSX workbook.
type tableurXLSX struct {
	zw    *zip.Writer
	f     io.Writer // the sheet's zip entry
	buf   []byte    // rows not yet given to the entry
	n     int       // rows written
	err   error     // the first write error: the export stops there
	ferme bool
}

// nouveauXLSX starts an XLSX export of f: the response's headers, the
// workbook's parts, the sheet's header row.
func nouveauXLSX(w http.ResponseWriter, f feuille) (tableur, error) {
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.xlsx"`, f.fichier))
	return nouveauClasseur(w, strings.ToUpper(f.nom[:1])+f.nom[1:], f.entetes, f.largeurs)
}

// nouveauClasseur starts a workbook on w, of one sheet named nom whose
// header row holds entetes, in bold, its columns as wide as largeurs say
// (in characters).
func nouveauClasseur(w io.Writer, nom string, entetes []string, largeurs []float64) (*tableurXLSX, error) {
	t := &tableurXLSX{zw: zip.NewWriter(w), buf: make([]byte, 0, xlsxTampon+4096)}
	// The fastest level: exports are big and repetitive, and compress
	// well even so. One compressor for every part, each closed before the
	// next starts.
	var fw *flate.Writer
	t.zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		if fw == nil {
			var err error
			fw, err = flate.NewWriter(out, flate.BestSpeed)
			return fw, err
		}
		fw.Reset(out)
		return fw, nil
	})
	for _, p := range []struct{ nom, contenu string }{
		{"[Content_Types].xml", xlsxTypes},
		{"_rels/.rels", xlsxRels},
		{"xl/workbook.xml", fmt.Sprintf(xlsxWorkbook, attributXML(nomFeuille(nom)))},
		{"xl/_rels/workbook.xml.rels", xlsxWbRels},
		{"xl/styles.xml", xlsxStyles},
	} {
		e, err := t.zw.CreateHeader(&zip.FileHeader{Name: p.nom, Method: zip.Deflate})
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(e, p.contenu); err != nil {
			return nil, err
		}
	}
	var err error
	if t.f, err = t.zw.CreateHeader(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate}); err != nil {
		return nil, err
	}
	b := append(t.buf, xlsxDebutFeuil...)
	if len(largeurs) > 0 {
		b = append(b, "<cols>"...)
		for i, l := range largeurs {
			b = append(b, `<col min="`...)
			b = strconv.AppendInt(b, int64(i+1), 10)
			b = append(b, `" max="`...)
			b = strconv.AppendInt(b, int64(i+1), 10)
			b = append(b, `" width="`...)
			b = strconv.AppendFloat(b, l, 'f', -1, 64)
			b = append(b, `" customWidth="1"/>`...)
		}
		b = append(b, "</cols>"...)
	}
	t.buf = append(b, "<sheetData>"...)
	cells := make([]any, len(entetes))
	for i, e := range entetes {
		cells[i] = e
	}
	return t, t.ecrireLigne(styleGras, cells)
}

// nomFeuille makes a valid sheet name: at most 31 characters, none of
// []:*?/\ (Excel refuses the others).
func nomFeuille(nom string) string {
	nom = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return ' '
		}
		return r
	}, strings.Trim(nom, "'"))
	if r := []rune(nom); len(r) > 31 {
		nom = string(r[:31])
	}
	if strings.TrimSpace(nom) == "" {
		return "Feuille1"
	}
	return nom
}

func (t *tableurXLSX) ligne(cells ...any) error {
	return t.ecrireLigne("", cells)
}

// ecrireLigne writes one row, its texts in the style given ("" for none).
func (t *tableurXLSX) ecrireLigne(style string, cells []any) error {
	if t.err != nil {
		return t.err
	}
	if t.ferme {
		return errors.New("export XLSX : ligne écrite après la fin")
	}
	if t.n == xlsxLignesMax {
		t.err = fmt.Errorf("export XLSX : plus de %d lignes, le plus qu'un tableur ouvre : prendre le CSV", xlsxLignesMax)
		return t.err
	}
	if len(cells) > xlsxColonnesMax {
		t.err = fmt.Errorf("export XLSX : %d colonnes, %d au plus", len(cells), xlsxColonnesMax)
		return t.err
	}
	t.n++
	b := append(t.buf, `<row r="`...)
	b = strconv.AppendInt(b, int64(t.n), 10)
	b = append(b, `">`...)
	for i, c := range cells {
		switch v := c.(type) {
		case nil:
		case montant:
			b = t.debutCellule(b, i, styleMontant, "")
			b = appendMontant(append(b, "<v>"...), int64(v))
			b = append(b, "</v></c>"...)
		case jour:
			if !hop.Date(v).Valide() {
				b = t.appendTexte(b, i, style, v.String())
				break
			}
			b = t.debutCellule(b, i, styleJour, "")
			b = strconv.AppendInt(append(b, "<v>"...), v.serie(), 10)
			b = append(b, "</v></c>"...)
		case instant:
			b = t.debutCellule(b, i, styleInstant, "")
			b = strconv.AppendFloat(append(b, "<v>"...), v.serie(), 'f', -1, 64)
			b = append(b, "</v></c>"...)
		case int:
			b = t.debutCellule(b, i, style, "")
			b = strconv.AppendInt(append(b, "<v>"...), int64(v), 10)
			b = append(b, "</v></c>"...)
		case int64:
			b = t.debutCellule(b, i, style, "")
			b = strconv.AppendInt(append(b, "<v>"...), v, 10)
			b = append(b, "</v></c>"...)
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				b = t.appendTexte(b, i, style, strconv.FormatFloat(v, 'f', -1, 64))
				break
			}
			b = t.debutCellule(b, i, style, "")
			b = strconv.AppendFloat(append(b, "<v>"...), v, 'f', -1, 64)
			b = append(b, "</v></c>"...)
		case string:
			b = t.appendTexte(b, i, style, v)
		default:
			b = t.appendTexte(b, i, style, fmt.Sprint(v))
		}
	}
	t.buf = append(b, "</row>"...)
	if len(t.buf) >= xlsxTampon {
		return t.vider()
	}
	return nil
}

// debutCellule opens a <c> element of row t.n, column i (from 0).
func (t *tableurXLSX) debutCellule(b []byte, i int, style, typ string) []byte {
	b = append(b, `<c r="`...)
	b = appendColonne(b, i+1)
	b = strconv.AppendInt(b, int64(t.n), 10)
	b = append(b, '"')
	if style != "" {
		b = append(b, ` s="`...)
		b = append(b, style...)
		b = append(b, '"')
	}
	if typ != "" {
		b = append(b, ` t="`...)
		b = append(b, typ...)
		b = append(b, '"')
	}
	return append(b, '>')
}

// appendTexte writes a text cell as an inline string: spreadsheet software
// takes it as text, whatever it starts with (=, +, -, @).
func (t *tableurXLSX) appendTexte(b []byte, i int, style, s string) []byte {
	b = t.debutCellule(b, i, style, "inlineStr")
	b = append(b, "<is><t"...)
	if s != "" && (strings.ContainsRune(" \t\n\r", rune(s[0])) || strings.ContainsRune(" \t\n\r", rune(s[len(s)-1]))) {
		b = append(b, ` xml:space="preserve"`...)
	}
	b = append(b, '>')
	b = appendXML(b, s, false)
	return append(b, "</t></is></c>"...)
}

// appendXML escapes s as XML text or, when attribut, as an attribute's
// value; characters XML 1.0 forbids are left out, bytes that are not
// UTF-8 become U+FFFD, and the text stops at xlsxTexteMax code units. A
// carriage return, that XML would make a line feed, and an _xHHHH_ that
// SpreadsheetML would read as an escape, are escaped its way.
func appendXML(b []byte, s string, attribut bool) []byte {
	unites := 0
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		if unites++; r > 0xffff {
			unites++
		}
		if unites > xlsxTexteMax {
			break
		}
		switch {
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '"' && attribut:
			b = append(b, "&quot;"...)
		case r == '\r':
			b = append(b, "_x000D_"...)
		case r == '\t' || r == '\n':
			if attribut {
				b = append(b, "&#"...)
				b = strconv.AppendInt(b, int64(r), 10)
				b = append(b, ';')
			} else {
				b = append(b, byte(r))
			}
		case r < 0x20 || r == 0xfffe || r == 0xffff:
			// Forbidden in XML 1.0: left out.
		case r == '_' && echappementXLSX(s[i:]):
			b = append(b, "_x005F_"...)
		case r == utf8.RuneError && n == 1:
			b = append(b, "\uFFFD"...)
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return b
}

// echappementXLSX tells whether s starts with _xHHHH_.
func echappementXLSX(s string) bool {
	if len(s) < 7 || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// attributXML escapes s as an attribute's value.
func attributXML(s string) string {
	return string(appendXML(nil, s, true))
}

// appendColonne writes a column number (from 1) as letters: 1 is A, 28 AB.
func appendColonne(b []byte, col int) []byte {
	var l [3]byte
	i := len(l)
	for col > 0 && i > 0 {
		col--
		i--
		l[i] = byte('A' + col%26)
		col /= 26
	}
	return append(b, l[i:]...)
}

// appendMontant writes cents as euros, as short as the number is:
// 13750.45, 13750.5, 13750, -0.05.
func appendMontant(b []byte, c int64) []byte {
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	b = strconv.AppendInt(b, c/100, 10)
	switch r := c % 100; {
	case r == 0:
	case r%10 == 0:
		b = append(b, '.', byte('0'+r/10))
	default:
		b = append(b, '.', byte('0'+r/10), byte('0'+r%10))
	}
	return b
}

// vider gives the buffered rows to the sheet's entry.
func (t *tableurXLSX) vider() error {
	if _, err := t.f.Write(t.buf); err != nil {
		t.err = err
		return err
	}
	t.buf = t.buf[:0]
	return nil
}

// fin ends the sheet and the workbook.
func (t *tableurXLSX) fin() error {
	if t.err != nil {
		return t.err
	}
	if t.ferme {
		return nil
	}
	t.ferme = true
	t.buf = append(t.buf, xlsxFinFeuille...)
	if err := t.vider(); err != nil {
		return err
	}
	if err := t.zw.Close(); err != nil {
		t.err = err
		return err
	}
	return nil
}
