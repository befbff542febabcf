package commandes

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/segur-numerique/segur/hop"
)

// An XLSX book is a zip archive of XML parts (ECMA-376, SpreadsheetML):
// _rels/.rels names the workbook part, whose <sheets> lists the sheets in
// order and whose relationships part (xl/_rels/workbook.xml.rels) names each
// sheet's part, the shared strings table and the styles. The first sheet is
// read here, streamed token by token; the shared strings it refers to are
// looked up afterwards, only those, in a second streamed pass.
//
// The file is untrusted: every count and size below is bounded, and every
// failure is an error that says what is wrong, in French.

// dezippeMax bounds what an XLSX file may unzip to: a 10 Mo workbook
// compresses well, but not a hundredfold.
const dezippeMax = 200 << 20

// The bounds of a workbook, beside those of any book (TailleMax, LignesMax,
// ColonnesMax).
const (
	entreesMax    = 1000     // files in the archive
	petiteMax     = 16 << 20 // bytes of a relationships, workbook or styles part, unzipped
	jetonMax      = 1 << 20  // bytes of one XML token: a tag, a text, a comment
	profondeurMax = 64       // nested XML elements
	stylesMax     = 65536    // cell formats (Excel makes at most 64 000)
	formatsMax    = 4096     // custom number formats
	texteMax      = 32767    // characters of one cell, Excel's own bound
	colonnesXLSX  = 16384    // columns of a sheet (A to XFD)
	lignesXLSX    = 1048576  // rows of a sheet
)

// The namespaces of SpreadsheetML, transitional and strict, and of the
// package's relationships.
const (
	nsPrincipal       = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsPrincipalStrict = "http://purl.oclc.org/ooxml/spreadsheetml/main"
	nsRelations       = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsRelationsStrict = "http://purl.oclc.org/ooxml/officeDocument/relationships"
)

// lireXLSX reads the first sheet of an XLSX book: each cell's displayed
// text and, for a number, its raw value (dates may be serial numbers, and an
// amount's display depends on the spreadsheet's locale). Rows without a
// value are left out: each row keeps its number. The error is for a file
// that is not a readable workbook.
func lireXLSX(data []byte) ([]ligneBrute, []Erreur, error) {
	lignes, errs, err := lireClasseur(data)
	if err != nil {
		return nil, nil, fmt.Errorf("carnet de commandes XLSX illisible : %w", err)
	}
	return lignes, errs, nil
}

func lireClasseur(data []byte) ([]ligneBrute, []Erreur, error) {
	c, err := ouvrirClasseur(data)
	if err != nil {
		return nil, nil, err
	}
	doc := ""
	if err := c.relations("_rels/.rels", func(r relation) bool {
		if r.est("officeDocument") {
			doc = cible("", r.cible)
			return false
		}
		return true
	}); err != nil && !errors.Is(err, errAbsente) {
		return nil, nil, err
	}
	if doc == "" {
		doc = "xl/workbook.xml" // what every producer writes
	}
	nomFeuille, id, err := c.lireWorkbook(doc)
	if err != nil {
		return nil, nil, err
	}
	dossier := path.Dir(doc)
	relsDoc := path.Join(dossier, "_rels", path.Base(doc)+".rels")
	var feuille, partages, styles string
	if err := c.relations(relsDoc, func(r relation) bool {
		switch {
		case r.id == id:
			feuille = cible(dossier, r.cible)
		case r.est("sharedStrings") && partages == "":
			partages = cible(dossier, r.cible)
		case r.est("styles") && styles == "":
			styles = cible(dossier, r.cible)
		}
		return true
	}); err != nil {
		return nil, nil, err
	}
	if feuille == "" {
		return nil, nil, fmt.Errorf("la feuille « %s » n'a pas de partie dans l'archive (relation « %s » absente de %s)", nomFeuille, id, relsDoc)
	}
	if styles != "" {
		if err := c.lireStyles(styles); err != nil && !errors.Is(err, errAbsente) {
			return nil, nil, err
		}
	}
	f, err := c.lireFeuille(feuille, nomFeuille)
	if err != nil {
		return nil, nil, err
	}
	if len(f.renvois) > 0 {
		if partages == "" {
			partages = path.Join(dossier, "sharedStrings.xml")
		}
		if err := c.lirePartages(partages, f); err != nil {
			return nil, nil, err
		}
	}
	for i := range f.lignes {
		f.lignes[i].cellules = rogner(f.lignes[i].cellules)
		for j := range f.lignes[i].cellules {
			f.lignes[i].cellules[j].date1904 = c.date1904
		}
	}
	return f.lignes, f.errs, nil
}

// classeur is an opened workbook: its parts, what may still be unzipped,
// and what its workbook and styles parts say.
type classeur struct {
	parties  map[string]*zip.File // by lower-case name: part names ignore case
	reste    int64                // bytes that may still be unzipped
	date1904 bool
	styles   []int32             // each cell format's number format
	formats  map[int32]string    // custom number formats
	analyses map[int32]*formatNb // number formats parsed, by id
	texte    []byte              // scratch for cell texts
}

var errAbsente = errors.New("partie absente")

func ouvrirClasseur(data []byte) (*classeur, error) {
	// Each central directory record starts with this signature: counting
	// them bounds the entries before archive/zip allocates one per record.
	if n := bytes.Count(data, []byte("PK\x01\x02")); n > entreesMax {
		return nil, fmt.Errorf("plus de %d fichiers dans l'archive : ce n'est pas un classeur", entreesMax)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are only looked up, never used as paths
		return nil, errZip(err)
	}
	if len(zr.File) > entreesMax {
		return nil, fmt.Errorf("plus de %d fichiers dans l'archive : ce n'est pas un classeur", entreesMax)
	}
	c := &classeur{parties: make(map[string]*zip.File, len(zr.File)), reste: dezippeMax}
	for _, f := range zr.File {
		nom := strings.ToLower(f.Name)
		if _, ok := c.parties[nom]; !ok {
			c.parties[nom] = f
		}
	}
	return c, nil
}

// errZip says in French what archive/zip found wrong.
func errZip(err error) error {
	switch {
	case errors.Is(err, zip.ErrAlgorithm):
		return errors.New("méthode de compression inconnue (seules « stored » et « deflate » existent dans un classeur)")
	case errors.Is(err, zip.ErrChecksum):
		return errors.New("somme de contrôle fausse : le fichier est abîmé")
	default:
		return errors.New("ce n'est pas une archive ZIP valide (fichier tronqué ou abîmé ?)")
	}
}

// relation is one relationship of a .rels part.
type relation struct{ id, typ, cible string }

// est tells whether the relationship is of the given type, transitional or
// strict.
func (r relation) est(typ string) bool {
	return r.typ == nsRelations+"/"+typ || r.typ == nsRelationsStrict+"/"+typ
}

// cible resolves a relationship's target against the source part's folder.
func cible(dossier, t string) string {
	if u, err := url.PathUnescape(t); err == nil {
		t = u
	}
	if strings.HasPrefix(t, "/") {
		return strings.TrimPrefix(path.Clean(t), "/")
	}
	return strings.TrimPrefix(path.Join(dossier, t), "/")
}

// relations calls fn on each internal relationship of the part nom, until
// fn returns false.
func (c *classeur) relations(nom string, fn func(relation) bool) error {
	l, err := c.ouvrir(nom, petiteMax)
	if err != nil {
		return err
	}
	defer l.fermer()
	if err := l.racine("Relationships", false); err != nil {
		return err
	}
	for {
		t, err := l.jeton()
		if err != nil {
			return l.tronque(err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			if t.Name.Local != "Relationship" || l.profondeur != 2 {
				if err := l.sauter(); err != nil {
					return err
				}
				continue
			}
			var r relation
			externe := false
			for _, a := range t.Attr {
				switch a.Name.Local {
				case "Id":
					r.id = a.Value
				case "Type":
					r.typ = a.Value
				case "Target":
					r.cible = a.Value
				case "TargetMode":
					externe = a.Value == "External"
				}
			}
			if !externe && !fn(r) {
				return l.fin()
			}
			if err := l.sauter(); err != nil {
				return err
			}
		case xml.EndElement:
			if l.profondeur == 0 {
				return l.fin()
			}
		}
	}
}

// lireWorkbook reads the workbook part: whether dates count from 1904, and
// the first sheet's name and relationship id.
func (c *classeur) lireWorkbook(nom string) (feuille, id string, err error) {
	l, err := c.ouvrir(nom, petiteMax)
	if err != nil {
		if errors.Is(err, errAbsente) {
			return "", "", fmt.Errorf("pas de classeur %s dans l'archive", nom)
		}
		return "", "", err
	}
	defer l.fermer()
	if err := l.racine("workbook", true); err != nil {
		return "", "", err
	}
	for {
		t, err := l.jeton()
		if err != nil {
			return "", "", l.tronque(err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			switch {
			case l.profondeur == 2 && principal(t.Name, "workbookPr"):
				if v, ok := attribut(t, "date1904"); ok {
					c.date1904 = v == "1" || v == "true"
				}
			case l.profondeur == 2 && principal(t.Name, "sheets"):
				continue
			case l.profondeur == 3 && principal(t.Name, "sheet"):
				feuille, _ = attribut(t, "name")
				for _, a := range t.Attr {
					if a.Name.Local == "id" && (a.Name.Space == nsRelations || a.Name.Space == nsRelationsStrict) {
						id = a.Value
					}
				}
				if id == "" {
					return "", "", fmt.Errorf("%s : la feuille « %s » n'a pas de relation (r:id)", l.nom, feuille)
				}
				// <workbookPr> comes before <sheets>: nothing more to read.
				return feuille, id, l.fin()
			}
			if err := l.sauter(); err != nil {
				return "", "", err
			}
		case xml.EndElement:
			if l.profondeur == 0 {
				return "", "", fmt.Errorf("%s : aucune feuille", l.nom)
			}
		}
	}
}

// lireStyles reads, from the styles part, each cell format's number format
// and the custom number formats.
func (c *classeur) lireStyles(nom string) error {
	l, err := c.ouvrir(nom, petiteMax)
	if err != nil {
		return err
	}
	defer l.fermer()
	if err := l.racine("styleSheet", true); err != nil {
		return err
	}
	for {
		t, err := l.jeton()
		if err != nil {
			return l.tronque(err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			switch {
			case l.profondeur == 2 && (principal(t.Name, "numFmts") || principal(t.Name, "cellXfs")):
				continue
			case l.profondeur == 3 && principal(t.Name, "numFmt"):
				v, _ := attribut(t, "numFmtId")
				id, err := strconv.ParseInt(v, 10, 32)
				if err != nil || id < 0 {
					return fmt.Errorf("%s : format de nombre « %s » invalide", l.nom, v)
				}
				if c.formats == nil {
					c.formats = make(map[int32]string)
				}
				if len(c.formats) >= formatsMax {
					return fmt.Errorf("%s : plus de %d formats de nombre", l.nom, formatsMax)
				}
				c.formats[int32(id)], _ = attribut(t, "formatCode")
			case l.profondeur == 3 && principal(t.Name, "xf"):
				var id int64
				if v, ok := attribut(t, "numFmtId"); ok {
					if id, err = strconv.ParseInt(v, 10, 32); err != nil || id < 0 {
						return fmt.Errorf("%s : format de nombre « %s » invalide", l.nom, v)
					}
				}
				if len(c.styles) >= stylesMax {
					return fmt.Errorf("%s : plus de %d styles de cellule", l.nom, stylesMax)
				}
				c.styles = append(c.styles, int32(id))
			}
			if err := l.sauter(); err != nil {
				return err
			}
		case xml.EndElement:
			// The cell formats come after the number formats: the rest
			// (borders' styles, colours…) is not read.
			if l.profondeur == 0 || l.profondeur == 1 && principal(t.Name, "cellXfs") {
				return l.fin()
			}
		}
	}
}

// renvoi is a cell that holds a shared string, until it is looked up.
type renvoi struct {
	ligne, colonne, indice int32
}

// lecture is what the sheet gave: its rows (those with a value), the
// mistakes of the book found on the way, the shared strings to look up.
type lecture struct {
	lignes  []ligneBrute
	errs    []Erreur
	renvois []renvoi
}

// lireFeuille streams the sheet's rows.
func (c *classeur) lireFeuille(nom, feuille string) (*lecture, error) {
	l, err := c.ouvrir(nom, c.reste)
	if err != nil {
		if errors.Is(err, errAbsente) {
			return nil, fmt.Errorf("la feuille « %s » (%s) est absente de l'archive", feuille, nom)
		}
		return nil, err
	}
	defer l.fermer()
	t, err := l.premier()
	if err != nil {
		return nil, err
	}
	if !principal(t.Name, "worksheet") {
		return nil, fmt.Errorf("la première feuille, « %s », n'est pas un tableau (élément « %s »)", feuille, t.Name.Local)
	}
	f := &lecture{}
	for {
		t, err := l.jeton()
		if err != nil {
			return nil, l.tronque(err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			if l.profondeur == 2 && principal(t.Name, "sheetData") {
				if err := c.lireLignes(l, f); err != nil {
					return nil, err
				}
				return f, l.fin()
			}
			if err := l.sauter(); err != nil {
				return nil, err
			}
		case xml.EndElement:
			return f, l.fin() // a sheet without <sheetData>: no row
		}
	}
}

// lireLignes reads the rows of <sheetData>, up to its end or to the first
// row past LignesMax.
func (c *classeur) lireLignes(l *lecteur, f *lecture) error {
	var (
		ligne   [ColonnesMax]cellule
		indices [ColonnesMax]int32 // shared strings, -1 when none
		prec    int                // the previous row's number
	)
	for i := range indices {
		indices[i] = -1
	}
	for {
		t, err := l.jeton()
		if err != nil {
			return l.tronque(err)
		}
		var row xml.StartElement
		switch t := t.(type) {
		case xml.EndElement:
			return nil // </sheetData>
		case xml.StartElement:
			if !principal(t.Name, "row") {
				return fmt.Errorf("%s : élément « %s » inattendu dans <sheetData>", l.nom, t.Name.Local)
			}
			row = t
		default:
			continue
		}
		num := prec + 1
		if v, ok := attribut(row, "r"); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > lignesXLSX {
				return fmt.Errorf("%s : numéro de ligne « %s » invalide (de 1 à %d)", l.nom, coupe(v), lignesXLSX)
			}
			num = n
		}
		if num <= prec {
			return fmt.Errorf("%s : ligne %d après la ligne %d : lignes dans le désordre", l.nom, num, prec)
		}
		if num > lignesXLSX {
			return fmt.Errorf("%s : plus de %d lignes", l.nom, lignesXLSX)
		}
		prec = num
		n, large, err := c.lireCellules(l, num, &ligne, &indices)
		if err != nil {
			return err
		}
		if n == 0 && large == 0 {
			continue
		}
		if num > LignesMax {
			f.errs = append(f.errs, Erreur{Ligne: num, Message: fmt.Sprintf("plus de %d lignes : découper le carnet", LignesMax)})
			return nil
		}
		if large > 0 {
			f.errs = append(f.errs, Erreur{Ligne: num, Message: fmt.Sprintf("%d colonnes, %d au plus", large, ColonnesMax)})
		}
		if n == 0 {
			continue
		}
		lb := ligneBrute{num: num, cellules: make([]cellule, n)}
		copy(lb.cellules, ligne[:n])
		for i := range n {
			if indices[i] >= 0 {
				f.renvois = append(f.renvois, renvoi{ligne: int32(len(f.lignes)), colonne: int32(i), indice: indices[i]})
			}
		}
		f.lignes = append(f.lignes, lb)
		clear(ligne[:n])
		for i := range n {
			indices[i] = -1
		}
	}
}

// lireCellules reads the cells of row num into ligne and indices, and
// returns the width up to its last value within ColonnesMax (n), and past
// ColonnesMax (large, 0 when none). Past ColonnesMax a shared string counts
// as a value, whatever its text: its text is not kept to be looked up.
func (c *classeur) lireCellules(l *lecteur, num int, ligne *[ColonnesMax]cellule, indices *[ColonnesMax]int32) (n, large int, err error) {
	col := 0
	for {
		t, err := l.jeton()
		if err != nil {
			return 0, 0, l.tronque(err)
		}
		var ce xml.StartElement
		switch t := t.(type) {
		case xml.EndElement:
			return n, large, nil // </row>
		case xml.StartElement:
			if !principal(t.Name, "c") {
				if err := l.sauter(); err != nil { // <extLst>
					return 0, 0, err
				}
				continue
			}
			ce = t
		default:
			continue
		}
		ref, _ := attribut(ce, "r")
		suivante := col + 1
		if ref != "" {
			cn, ln, ok := referenceCellule(ref)
			if !ok {
				return 0, 0, fmt.Errorf("%s : référence de cellule « %s » invalide (de A1 à XFD%d)", l.nom, coupe(ref), lignesXLSX)
			}
			if ln != num {
				return 0, 0, fmt.Errorf("%s : cellule %s dans la ligne %d", l.nom, ref, num)
			}
			suivante = cn
		}
		if suivante <= col {
			return 0, 0, fmt.Errorf("%s : cellule %s après la colonne %s : cellules dans le désordre", l.nom, nomCellule(suivante, num), nomColonne(col))
		}
		if suivante > colonnesXLSX {
			return 0, 0, fmt.Errorf("%s : ligne %d : plus de %d colonnes", l.nom, num, colonnesXLSX)
		}
		col = suivante
		v, err := c.lireCellule(l, ce, col, num)
		if err != nil {
			return 0, 0, err
		}
		if v.texte == "" && v.nombre == "" && v.indice < 0 {
			continue
		}
		if col > ColonnesMax {
			large = col
			continue
		}
		ligne[col-1] = cellule{texte: v.texte, nombre: v.nombre}
		indices[col-1] = v.indice
		n = col
	}
}

// valeur is one cell as read: its text, its raw number, or the index of
// its shared string (-1 when none).
type valeur struct {
	texte, nombre string
	indice        int32
}

// lireCellule reads a <c> element, up to its end.
func (c *classeur) lireCellule(l *lecteur, ce xml.StartElement, col, num int) (valeur, error) {
	var typ string
	style := 0
	for _, a := range ce.Attr {
		if a.Name.Space != "" {
			continue
		}
		switch a.Name.Local {
		case "t":
			typ = a.Value
		case "s":
			s, err := strconv.Atoi(a.Value)
			if err != nil || s < 0 {
				return valeur{}, fmt.Errorf("%s : cellule %s : style « %s » invalide", l.nom, nomCellule(col, num), coupe(a.Value))
			}
			style = s
		}
	}
	var v, is string
	aV, aIs := false, false
	for {
		t, err := l.jeton()
		if err != nil {
			return valeur{}, l.tronque(err)
		}
		if _, fin := t.(xml.EndElement); fin {
			break
		}
		e, ok := t.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case principal(e.Name, "v"):
			c.texte, err = l.texte(c.texte[:0])
			v, aV = string(c.texte), true
		case principal(e.Name, "is"):
			c.texte, err = l.chaine(c.texte[:0])
			is, aIs = string(c.texte), true
		default: // <f>, <extLst>
			err = l.sauter()
		}
		if err != nil {
			return valeur{}, err
		}
	}
	val := valeur{indice: -1}
	switch typ {
	case "", "n":
		if nombreXML(v) {
			val.nombre, val.texte = v, c.afficher(v, style)
		} else {
			val.texte = v
		}
	case "s":
		s := strings.TrimSpace(v)
		if s == "" {
			break
		}
		i, err := strconv.ParseInt(s, 10, 32)
		if err != nil || i < 0 {
			return valeur{}, fmt.Errorf("%s : cellule %s : indice de chaîne partagée « %s » invalide", l.nom, nomCellule(col, num), coupe(s))
		}
		val.indice = int32(i)
	case "inlineStr":
		if aIs {
			val.texte = echappements(is)
		} else if aV {
			val.texte = v
		}
	case "str", "e":
		val.texte = v
	case "b":
		switch v {
		case "1":
			val.texte = "TRUE"
		case "0":
			val.texte = "FALSE"
		default:
			val.texte = v
		}
	case "d":
		if serie, ok := serieISO(v, c.date1904); ok {
			val.nombre, val.texte = serie, c.afficher(serie, style)
		} else {
			val.texte = v
		}
	default:
		return valeur{}, fmt.Errorf("%s : cellule %s : type « %s » inconnu", l.nom, nomCellule(col, num), coupe(typ))
	}
	if err := verifierTexte(val.texte); err != nil {
		return valeur{}, fmt.Errorf("%s : cellule %s : %w", l.nom, nomCellule(col, num), err)
	}
	return val, nil
}

// verifierTexte checks a cell's text against Excel's bound.
func verifierTexte(s string) error {
	if len(s) > texteMax && utf8.RuneCountInString(s) > texteMax {
		return fmt.Errorf("plus de %d caractères", texteMax)
	}
	return nil
}

// lirePartages looks the rows' shared strings up in the shared strings
// table, read up to the last one needed.
func (c *classeur) lirePartages(nom string, f *lecture) error {
	indices := make([]int32, len(f.renvois))
	for i, r := range f.renvois {
		indices[i] = r.indice
	}
	slices.Sort(indices)
	indices = slices.Compact(indices)
	l, err := c.ouvrir(nom, c.reste)
	if err != nil {
		if errors.Is(err, errAbsente) {
			return fmt.Errorf("des cellules renvoient à la table des chaînes partagées, absente de l'archive (%s)", nom)
		}
		return err
	}
	defer l.fermer()
	if err := l.racine("sst", true); err != nil {
		return err
	}
	textes := make([]string, len(indices))
	k, i := 0, int32(0)
	for k < len(indices) {
		t, err := l.jeton()
		if err != nil {
			return l.tronque(err)
		}
		if _, fin := t.(xml.EndElement); fin {
			break // </sst>
		}
		e, ok := t.(xml.StartElement)
		if !ok {
			continue
		}
		if !principal(e.Name, "si") {
			if err := l.sauter(); err != nil {
				return err
			}
			continue
		}
		if i != indices[k] {
			if err := l.sauter(); err != nil {
				return err
			}
			i++
			continue
		}
		if c.texte, err = l.chaine(c.texte[:0]); err != nil {
			return err
		}
		textes[k] = echappements(string(c.texte))
		if err := verifierTexte(textes[k]); err != nil {
			return fmt.Errorf("%s : chaîne partagée n° %d : %w", l.nom, i, err)
		}
		k++
		i++
	}
	if k < len(indices) {
		return fmt.Errorf("%s : chaîne partagée n° %d absente, la table n'en a que %d", l.nom, indices[k], i)
	}
	// The rest of the table is not read, nor its checksum checked: the
	// table may be large, and what was read was well-formed.
	for _, r := range f.renvois {
		j, _ := slices.BinarySearch(indices, r.indice)
		f.lignes[r.ligne].cellules[r.colonne].texte = textes[j]
	}
	return nil
}

// rogner cuts a row's empty cells at its end.
func rogner(cs []cellule) []cellule {
	n := len(cs)
	for n > 0 && cs[n-1].texte == "" && cs[n-1].nombre == "" {
		n--
	}
	return cs[:n]
}

// afficher returns a number as the cell's format shows it.
func (c *classeur) afficher(v string, style int) string {
	if style <= 0 || style >= len(c.styles) {
		return general(v)
	}
	id := c.styles[style]
	f, ok := c.analyses[id]
	if !ok {
		code, ok := c.formats[id]
		if !ok {
			code = formatIntegre(id)
		}
		f = lireFormat(code)
		if c.analyses == nil {
			c.analyses = make(map[int32]*formatNb)
		}
		c.analyses[id] = f
	}
	return f.afficher(v, c.date1904)
}

// nombreXML tells whether s is a number as SpreadsheetML writes one
// (xsd:double without INF and NaN): ParseFloat also takes hexadecimal,
// underscores and infinities.
func nombreXML(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	chiffres := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		chiffres++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			chiffres++
		}
	}
	if chiffres == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		debut := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		}
		if i == debut {
			return false
		}
	}
	if i != len(s) {
		return false
	}
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && !math.IsInf(f, 0)
}

// referenceCellule reads a cell reference such as B12: its column and row,
// from 1.
func referenceCellule(ref string) (col, ligne int, ok bool) {
	i := 0
	for ; i < len(ref) && i < 4; i++ {
		b := ref[i]
		if b >= 'a' && b <= 'z' {
			b -= 'a' - 'A'
		}
		if b < 'A' || b > 'Z' {
			break
		}
		col = col*26 + int(b-'A'+1)
	}
	if i == 0 || col > colonnesXLSX || i == len(ref) || len(ref)-i > 7 || ref[i] == '0' {
		return 0, 0, false
	}
	for ; i < len(ref); i++ {
		if ref[i] < '0' || ref[i] > '9' {
			return 0, 0, false
		}
		ligne = ligne*10 + int(ref[i]-'0')
	}
	if ligne > lignesXLSX {
		return 0, 0, false
	}
	return col, ligne, true
}

// nomColonne writes a column number as letters: 1 is A, 28 is AB.
func nomColonne(col int) string {
	var b [4]byte
	i := len(b)
	for col > 0 {
		col--
		i--
		b[i] = byte('A' + col%26)
		col /= 26
	}
	return string(b[i:])
}

func nomCellule(col, ligne int) string {
	return nomColonne(col) + strconv.Itoa(ligne)
}

// echappements decodes the _xHHHH_ escapes of SpreadsheetML strings: a
// character XML cannot hold, or, for _x005F_, the underscore that keeps the
// next one literal.
func echappements(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if r, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil {
				if utf8.ValidRune(rune(r)) {
					b.WriteRune(rune(r))
				}
				i += 7
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// dateSerie reads a spreadsheet's serial date number (days since the end of
// 1899, or since 1904), its time of day ignored.
func dateSerie(nombre string, date1904 bool) (hop.Date, bool) {
	v, err := strconv.ParseFloat(nombre, 64)
	if err != nil || v < 1 || v > 2958465 { // 2958465 is 31/12/9999
		return hop.Date{}, false
	}
	j := jourSerie(v, date1904)
	if !date1904 && j.serie == 60 {
		return hop.Date{}, false // 29/02/1900, which Excel counts and no calendar has
	}
	return hop.Date{Annee: j.annee, Mois: j.mois, Jour: j.jour}, true
}

// jour is a serial number's day and time.
type jour struct {
	serie                  int64
	annee, mois, jour      int
	heure, minute, seconde int
	semaine                time.Weekday
}

// jourSerie reads a serial date number, 0 ≤ v < 2958466, rounded to the
// second. The 1900 system counts 29/02/1900 (day 60) as Lotus 1-2-3 did,
// and day 0 as 00/01/1900.
func jourSerie(v float64, date1904 bool) jour {
	jours := math.Floor(v)
	sec := int64(math.Round((v - jours) * 86400))
	j := jour{serie: int64(jours)}
	if sec >= 86400 {
		j.serie++
		sec = 0
	}
	j.heure, j.minute, j.seconde = int(sec/3600), int(sec/60%60), int(sec%60)
	var t time.Time
	switch {
	case date1904:
		t = time.Date(1904, 1, 1+int(j.serie), 0, 0, 0, 0, time.UTC)
	case j.serie == 0:
		return jour{annee: 1900, mois: 1, heure: j.heure, minute: j.minute, seconde: j.seconde, semaine: time.Saturday}
	case j.serie == 60:
		return jour{serie: 60, annee: 1900, mois: 2, jour: 29, heure: j.heure, minute: j.minute, seconde: j.seconde, semaine: time.Wednesday}
	case j.serie < 60:
		t = time.Date(1899, 12, 31+int(j.serie), 0, 0, 0, 0, time.UTC)
	default:
		t = time.Date(1899, 12, 30+int(j.serie), 0, 0, 0, 0, time.UTC)
	}
	j.annee, j.mois, j.jour, j.semaine = t.Year(), int(t.Month()), t.Day(), t.Weekday()
	return j
}

// serieISO turns the ISO 8601 date of a t="d" cell into a serial number;
// its wall clock is kept, whatever its zone.
func serieISO(s string, date1904 bool) (string, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
		epoque := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
		switch {
		case date1904:
			epoque = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
		case t.Before(time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)):
			epoque = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
		}
		if t.Before(epoque) || t.Year() > 9999 {
			return "", false
		}
		// Seconds, not a time.Duration: 8 000 years overflow one.
		v := float64(t.Unix()-epoque.Unix())/86400 + float64(t.Nanosecond())/86400e9
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}

// lecteur reads one XML part of the package token by token, within the
// package's bounds: the part's unzipped size, each token's size, the
// nesting of elements.
type lecteur struct {
	nom        string
	c          *classeur
	rc         io.ReadCloser
	d          *xml.Decoder
	buf        []byte
	i, n       int
	lus, max   int64 // bytes given to the decoder, and the part's bound
	debut      int64 // where the current token starts
	err        error // the bound that stopped the reading, or the zip's error
	profondeur int
}

// ouvrir opens the part nom (errAbsente when there is none) for at most
// max bytes unzipped.
func (c *classeur) ouvrir(nom string, max int64) (*lecteur, error) {
	f := c.parties[strings.ToLower(nom)]
	if f == nil {
		return nil, fmt.Errorf("%s : %w", nom, errAbsente)
	}
	// archive/zip fails a part that unzips to more than it declares: the
	// declared size bounds the work before any is done.
	if f.UncompressedSize64 > uint64(c.reste) {
		return nil, fmt.Errorf("%s : %d octets une fois décompressé, plus que les %d Mo permis pour tout le classeur", nom, f.UncompressedSize64, dezippeMax>>20)
	}
	if f.UncompressedSize64 > uint64(max) {
		return nil, fmt.Errorf("%s : %d octets une fois décompressé, %d au plus", nom, f.UncompressedSize64, max)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s : %w", nom, errZip(err))
	}
	l := &lecteur{nom: nom, c: c, rc: rc, buf: make([]byte, 32<<10), max: min(max, c.reste)}
	l.d = xml.NewDecoder(l)
	return l, nil
}

func (l *lecteur) fermer() {
	l.c.reste -= l.lus
	l.rc.Close()
}

// fin reads what is left of the part, unparsed, for archive/zip to check
// its checksum.
func (l *lecteur) fin() error {
	n, err := io.Copy(io.Discard, l.rc)
	l.c.reste -= n
	if err != nil {
		return fmt.Errorf("%s : %w", l.nom, errZip(err))
	}
	return nil
}

// ReadByte gives the decoder the part's next byte, within bounds.
func (l *lecteur) ReadByte() (byte, error) {
	if l.i == l.n {
		if l.err != nil {
			return 0, l.err
		}
		n, err := io.ReadAtLeast(l.rc, l.buf, 1)
		if l.lus == 0 && n >= 3 && l.buf[0] == 0xef && l.buf[1] == 0xbb && l.buf[2] == 0xbf {
			copy(l.buf, l.buf[3:n]) // a byte order mark, as .NET writes
			n -= 3
		}
		l.i, l.n = 0, n
		if n == 0 {
			if err == io.EOF {
				return 0, io.EOF
			}
			l.err = fmt.Errorf("%s : %w", l.nom, errZip(err))
			return 0, l.err
		}
	}
	b := l.buf[l.i]
	l.i++
	l.lus++
	switch {
	case l.lus > l.max: // archive/zip has checked the declared size: not reached
		l.err = fmt.Errorf("%s : plus de %d octets une fois décompressé", l.nom, l.max)
		return 0, l.err
	case l.lus-l.debut > jetonMax:
		l.err = fmt.Errorf("%s : un élément ou un texte de plus de %d octets", l.nom, jetonMax)
		return 0, l.err
	}
	return b, nil
}

// Read is for io.Reader: the decoder reads byte by byte.
func (l *lecteur) Read(p []byte) (int, error) {
	for i := range p {
		b, err := l.ReadByte()
		if err != nil {
			return i, err
		}
		p[i] = b
	}
	return len(p), nil
}

// jeton returns the next token, io.EOF at the end of the part.
func (l *lecteur) jeton() (xml.Token, error) {
	l.debut = l.d.InputOffset()
	t, err := l.d.Token()
	if err != nil {
		if l.err != nil {
			return nil, l.err
		}
		if err == io.EOF {
			return nil, io.EOF
		}
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s : XML mal formé à la ligne %d", l.nom, se.Line)
		}
		return nil, fmt.Errorf("%s : XML illisible (encodage autre qu'UTF-8 ?)", l.nom)
	}
	switch t.(type) {
	case xml.StartElement:
		l.profondeur++
		if l.profondeur > profondeurMax {
			return nil, fmt.Errorf("%s : éléments XML imbriqués sur plus de %d niveaux", l.nom, profondeurMax)
		}
	case xml.EndElement:
		l.profondeur--
	}
	return t, nil
}

// tronque turns an end of part where more was expected into an error.
func (l *lecteur) tronque(err error) error {
	if err == io.EOF {
		return fmt.Errorf("%s : XML tronqué", l.nom)
	}
	return err
}

// premier returns the part's root element.
func (l *lecteur) premier() (xml.StartElement, error) {
	for {
		t, err := l.jeton()
		if err != nil {
			if err == io.EOF {
				return xml.StartElement{}, fmt.Errorf("%s : partie vide", l.nom)
			}
			return xml.StartElement{}, err
		}
		if e, ok := t.(xml.StartElement); ok {
			return e, nil
		}
	}
}

// racine checks the part's root element; of SpreadsheetML when ns.
func (l *lecteur) racine(local string, ns bool) error {
	e, err := l.premier()
	if err != nil {
		return err
	}
	if e.Name.Local != local || ns && !principal(e.Name, local) {
		return fmt.Errorf("%s : élément racine « %s », « %s » attendu", l.nom, e.Name.Local, local)
	}
	return nil
}

// sauter skips the element just started, up to its end.
func (l *lecteur) sauter() error {
	for fin := l.profondeur - 1; l.profondeur > fin; {
		if _, err := l.jeton(); err != nil {
			return l.tronque(err)
		}
	}
	return nil
}

// texte appends the text of the element just started to dst, up to its
// end; elements inside are skipped.
func (l *lecteur) texte(dst []byte) ([]byte, error) {
	for {
		t, err := l.jeton()
		if err != nil {
			return dst, l.tronque(err)
		}
		switch t := t.(type) {
		case xml.CharData:
			dst = append(dst, t...)
			if len(dst) > 4*texteMax {
				return dst, fmt.Errorf("%s : un texte de plus de %d caractères", l.nom, texteMax)
			}
		case xml.StartElement:
			if err := l.sauter(); err != nil {
				return dst, err
			}
		case xml.EndElement:
			return dst, nil
		}
	}
}

// chaine appends the text of a rich string (<is> or <si>) to dst: its <t>,
// and the <t> of its runs (<r>), not its phonetic guides (<rPh>).
func (l *lecteur) chaine(dst []byte) ([]byte, error) {
	fin := l.profondeur - 1
	for {
		t, err := l.jeton()
		if err != nil {
			return dst, l.tronque(err)
		}
		if l.profondeur == fin {
			return dst, nil
		}
		e, ok := t.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case principal(e.Name, "t"):
			if dst, err = l.texte(dst); err != nil {
				return dst, err
			}
		case principal(e.Name, "r"):
			continue // its <t> is read as it comes, its <rPr> skipped
		default:
			if err := l.sauter(); err != nil {
				return dst, err
			}
		}
	}
}

// principal tells whether n is the SpreadsheetML element local (or without
// namespace, as some producers write).
func principal(n xml.Name, local string) bool {
	return n.Local == local && (n.Space == nsPrincipal || n.Space == nsPrincipalStrict || n.Space == "")
}

// attribut returns the value of e's attribute without namespace.
func attribut(e xml.StartElement, nom string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Local == nom && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}
