// Package commandes reads a vendor's order book (carnet de commandes), a CSV
// or XLSX file with one row per beneficiary establishment, into the requests
// it describes, or into every mistake it holds, each with its row and column.
package commandes

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/segur-numerique/segur/hop"
)

// The bounds of an order book.
const (
	TailleMax     = 10 << 20 // bytes of the file (10 Mo)
	LignesMax     = 100000   // rows, the header included
	ColonnesMax   = 64       // columns
	CaracteresMax = 1000     // characters of one cell
)

// Demande is one request built from the order book's rows.
type Demande struct {
	Reference     string
	NumeroEditeur string // "" when to be taken from the ledger
	Lignes        []int  // the book's row numbers (from 2, the header being row 1)
	// Donnees holds DateCommande, RegimeTVA, MontantHTCents, Mandataire and
	// Clients (names in capitals); NumeroEditeur as above.
	Donnees       hop.DonneesDemande
	BonDeCommande string // vendor's file names, as written
	PreuveHT      string
}

// Erreur is one mistake of the book: « ligne 14, colonne FINESS PMSI : 8
// caractères, 9 attendus ». Ligne is 0 for the file as a whole, 1 for the
// header; Colonne is the column's French name ("" for a whole row).
type Erreur struct {
	Ligne   int
	Colonne string
	Message string
}

// Error returns the mistake as a French sentence.
func (e Erreur) Error() string {
	var b strings.Builder
	if e.Ligne > 0 {
		fmt.Fprintf(&b, "ligne %d", e.Ligne)
	}
	if e.Colonne != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString("colonne " + e.Colonne)
	}
	if b.Len() > 0 {
		b.WriteString(" : ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Lire reads an order book, CSV or XLSX by its content (XLSX starts with
// PK), and returns its requests, or every error found (all rows checked,
// none skipped), never both. The error is only for an unreadable file.
func Lire(r io.ReaderAt, size int64) ([]Demande, []Erreur, error) {
	return Lecteur{}.Lire(r, size)
}

// Lecteur reads order books with the checks of its caller: each runs on
// every row that gives the value it checks, the rows with other mistakes
// included, so that one reading reports every mistake of the book. What a
// check returns is that cell's mistake, its message shown as it is.
type Lecteur struct {
	// Piece checks an attachment file a row names (bon de commande, preuve
	// HT), given as written in the book, once its extension is valid.
	Piece func(nom string) error
	// NumeroEditeur checks the numeroEditeur a request gives, once valid,
	// at the first row that gives it.
	NumeroEditeur func(numero string) error
}

// Lire reads an order book as the package's Lire does, with l's checks.
func (l Lecteur) Lire(r io.ReaderAt, size int64) ([]Demande, []Erreur, error) {
	if size > TailleMax {
		return nil, []Erreur{{Message: fmt.Sprintf("fichier de %d octets : 10 Mo (%d octets) au plus", size, TailleMax)}}, nil
	}
	if size < 0 {
		return nil, nil, fmt.Errorf("carnet de commandes : taille %d invalide", size)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(io.NewSectionReader(r, 0, size), data); err != nil {
		return nil, nil, fmt.Errorf("carnet de commandes : %w", err)
	}
	var lignes []ligneBrute
	var errs []Erreur
	if bytes.HasPrefix(data, []byte("PK")) {
		var err error
		if lignes, errs, err = lireXLSX(data); err != nil {
			return nil, nil, err
		}
	} else {
		lignes, errs = lireCSV(data)
	}
	demandes, errs := analyser(lignes, errs, &l)
	if len(errs) > 0 {
		return nil, errs, nil
	}
	return demandes, nil, nil
}

// cellule is one cell: its text as displayed and, for an XLSX number, its
// raw value (a date's serial number, an amount without its format) and
// whether the workbook counts dates from 1904.
type cellule struct {
	texte, nombre string
	date1904      bool
}

// ligneBrute is one row of the book as read, numbered from 1.
type ligneBrute struct {
	num      int
	cellules []cellule
}

type colonne int

const (
	cReference colonne = iota
	cNumeroEditeur
	cDateCommande
	cRegimeTVA
	cMontantHT
	cMandataire
	cEmailMandataire
	cTelephoneMandataire
	cNomClient
	cEmailClient
	cTelephoneClient
	cFINESS
	cBonDeCommande
	cPreuveHT
	nColonnes
)

// colonnes describes each column: its key (the header the documentation
// gives), its French name in messages, whether the column must be there, and
// whether its value belongs to the request (all its rows must agree).
var colonnes = [nColonnes]struct {
	cle, nom         string
	requise, demande bool
}{
	cReference:           {"reference", "référence", false, false},
	cNumeroEditeur:       {"numeroEditeur", "numéro éditeur", false, true},
	cDateCommande:        {"dateCommande", "date de commande", true, true},
	cRegimeTVA:           {"regimeTVA", "régime TVA", true, true},
	cMontantHT:           {"montantHT", "montant HT", true, true},
	cMandataire:          {"mandataire", "mandataire", false, true},
	cEmailMandataire:     {"emailMandataire", "e-mail du mandataire", false, true},
	cTelephoneMandataire: {"telephoneMandataire", "téléphone du mandataire", false, true},
	cNomClient:           {"nomClient", "nom du client", true, false},
	cEmailClient:         {"emailClient", "e-mail du client", true, false},
	cTelephoneClient:     {"telephoneClient", "téléphone du client", true, false},
	cFINESS:              {"FINESSPMSI", "FINESS PMSI", true, false},
	cBonDeCommande:       {"bonDeCommande", "bon de commande", true, true},
	cPreuveHT:            {"preuveHT", "preuve HT", false, true},
}

// parEntete maps a normalised header to its column: the key and the French
// name are both accepted.
var parEntete = func() map[string]colonne {
	m := make(map[string]colonne)
	for c, d := range colonnes {
		m[normaliserEntete(d.cle)] = colonne(c)
		m[normaliserEntete(d.nom)] = colonne(c)
	}
	m["mail"+"mandataire"] = cEmailMandataire
	m["mailclient"] = cEmailClient
	m["telmandataire"] = cTelephoneMandataire
	m["telclient"] = cTelephoneClient
	m["finess"] = cFINESS
	m["montant"] = cMontantHT
	m["referencecommande"] = cReference
	m["nommandataire"] = cMandataire
	return m
}()

// normaliserEntete folds a header: no accents, lower case, without blanks
// and the punctuation spreadsheets users put in names.
func normaliserEntete(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r), unicode.IsSpace(r), r == '-', r == '_', r == '.', r == '\'', r == '’':
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// valeurs is one data row, checked: the text of each column (trimmed), and
// for each request-level column its canonical value when valid.
type valeurs struct {
	num    int
	texte  [nColonnes]string
	canon  [nColonnes]string
	valide [nColonnes]bool
	date   hop.Date
	cents  int64
}

func analyser(lignes []ligneBrute, errs []Erreur, l *Lecteur) ([]Demande, []Erreur) {
	// The header is the first row that has a value.
	for len(lignes) > 0 && vide(lignes[0]) {
		lignes = lignes[1:]
	}
	if len(lignes) == 0 {
		if len(errs) == 0 {
			errs = append(errs, Erreur{Message: "carnet vide : attendu une ligne d'en-tête puis une ligne par établissement"})
		}
		return nil, errs
	}
	entete := lignes[0]
	index := make([]colonne, len(entete.cellules))
	var presente [nColonnes]bool
	for i, c := range entete.cellules {
		index[i] = -1
		t := strings.TrimSpace(c.texte)
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > CaracteresMax {
			errs = append(errs, Erreur{entete.num, "", fmt.Sprintf("en-tête de la colonne %d : plus de %d caractères", i+1, CaracteresMax)})
			continue
		}
		col, ok := parEntete[normaliserEntete(t)]
		switch {
		case !ok:
			errs = append(errs, Erreur{entete.num, t, "colonne inconnue"})
		case presente[col]:
			errs = append(errs, Erreur{entete.num, colonnes[col].nom, "colonne en double"})
		default:
			presente[col] = true
			index[i] = col
		}
	}
	for c, d := range colonnes {
		if d.requise && !presente[c] {
			errs = append(errs, Erreur{entete.num, d.nom, "colonne manquante"})
		}
	}
	if presente[cMandataire] {
		for _, c := range []colonne{cEmailMandataire, cTelephoneMandataire} {
			if !presente[c] {
				errs = append(errs, Erreur{entete.num, colonnes[c].nom, "colonne manquante (la colonne mandataire en a besoin)"})
			}
		}
	}
	if !presente[cReference] && !presente[cNumeroEditeur] {
		errs = append(errs, Erreur{entete.num, colonnes[cReference].nom, "colonne manquante (ou, à défaut, numéro éditeur)"})
	}

	// Rows, grouped by reference or, failing that, by numeroEditeur.
	type groupe struct {
		cle    string
		lignes []*valeurs
	}
	var groupes []*groupe
	parCle := make(map[string]*groupe)
	for _, lb := range lignes[1:] {
		if vide(lb) {
			continue
		}
		v, e := verifier(lb, index, &presente)
		errs = append(errs, e...)
		var cle string
		switch {
		case v.texte[cReference] != "":
			cle = "R" + v.texte[cReference]
		case v.texte[cNumeroEditeur] != "":
			cle = "N" + v.texte[cNumeroEditeur]
		default:
			errs = append(errs, Erreur{v.num, colonnes[cReference].nom, "valeur manquante : attendu la référence de la commande ou son numéro éditeur"})
			// A row of no request: its files are looked for all the same.
			errs = l.piece(v, cBonDeCommande, errs)
			errs = l.piece(v, cPreuveHT, errs)
			continue
		}
		g := parCle[cle]
		if g == nil {
			g = &groupe{cle: cle}
			parCle[cle] = g
			groupes = append(groupes, g)
		}
		g.lignes = append(g.lignes, v)
	}

	editeurs := make(map[string]int) // numeroEditeur → first row of its request
	demandes := make([]Demande, 0, len(groupes))
	for _, g := range groupes {
		premiere := g.lignes[0]
		// Request-level columns: the first valid value is the request's.
		var ref [nColonnes]*valeurs
		for _, v := range g.lignes {
			for c := range nColonnes {
				if !colonnes[c].demande || !v.valide[c] {
					continue
				}
				if ref[c] == nil {
					ref[c] = v
				} else if v.canon[c] != ref[c].canon[c] {
					errs = append(errs, Erreur{v.num, colonnes[c].nom, fmt.Sprintf("« %s » diffère de la ligne %d (« %s ») de la même commande", coupe(v.canon[c]), ref[c].num, coupe(ref[c].canon[c]))})
				}
			}
		}
		// The files of a request are looked for once, at the first row that
		// names each validly: its other rows name the same or are at fault.
		errs = l.piece(ref[cBonDeCommande], cBonDeCommande, errs)
		errs = l.piece(ref[cPreuveHT], cPreuveHT, errs)
		finess := make(map[string]int)
		for _, v := range g.lignes {
			f := v.canon[cFINESS]
			if !v.valide[cFINESS] {
				continue
			}
			if n, ok := finess[f]; ok {
				errs = append(errs, Erreur{v.num, colonnes[cFINESS].nom, fmt.Sprintf("« %s » déjà à la ligne %d de la même commande", f, n)})
				continue
			}
			finess[f] = v.num
		}
		if ref[cMandataire] != nil && ref[cMandataire].canon[cMandataire] != "" && len(g.lignes) == 1 {
			errs = append(errs, Erreur{premiere.num, colonnes[cMandataire].nom, "un mandataire porte une commande de plusieurs ES-PMSI : une seule ligne pour cette commande"})
		}
		if r := ref[cNumeroEditeur]; r != nil && r.canon[cNumeroEditeur] != "" {
			ne := r.canon[cNumeroEditeur]
			if n, ok := editeurs[ne]; ok {
				errs = append(errs, Erreur{r.num, colonnes[cNumeroEditeur].nom, fmt.Sprintf("« %s » déjà pris par la commande de la ligne %d", ne, n)})
			} else {
				editeurs[ne] = r.num
				if l.NumeroEditeur != nil {
					if err := l.NumeroEditeur(ne); err != nil {
						errs = append(errs, Erreur{r.num, colonnes[cNumeroEditeur].nom, err.Error()})
					}
				}
			}
		}
		if len(errs) > 0 {
			continue
		}
		d := Demande{
			Reference:     premiere.texte[cReference],
			NumeroEditeur: premiere.canon[cNumeroEditeur],
			BonDeCommande: premiere.texte[cBonDeCommande],
			PreuveHT:      premiere.texte[cPreuveHT],
			Donnees: hop.DonneesDemande{
				NumLigne:       len(demandes) + 1,
				NumeroEditeur:  premiere.canon[cNumeroEditeur],
				DateCommande:   premiere.date,
				RegimeTVA:      premiere.canon[cRegimeTVA],
				MontantHTCents: premiere.cents,
			},
		}
		if premiere.canon[cMandataire] != "" {
			d.Donnees.Mandataire = &hop.Contact{Nom: premiere.canon[cMandataire], Email: premiere.texte[cEmailMandataire], Telephone: premiere.texte[cTelephoneMandataire]}
		}
		for _, v := range g.lignes {
			d.Lignes = append(d.Lignes, v.num)
			d.Donnees.Clients = append(d.Donnees.Clients, hop.Client{
				Contact:    hop.Contact{Nom: v.canon[cNomClient], Email: v.texte[cEmailClient], Telephone: v.texte[cTelephoneClient]},
				FINESSPMSI: v.canon[cFINESS],
			})
		}
		demandes = append(demandes, d)
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Ligne < errs[j].Ligne })
		return nil, errs
	}
	if len(demandes) == 0 {
		return nil, []Erreur{{Ligne: 2, Message: "aucune commande : attendu une ligne par établissement après l'en-tête"}}
	}
	return demandes, nil
}

func vide(l ligneBrute) bool {
	for _, c := range l.cellules {
		if strings.TrimSpace(c.texte) != "" {
			return false
		}
	}
	return true
}

// coupe cuts a value quoted in a message to 40 characters.
func coupe(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	r := []rune(s)
	return string(r[:40]) + "…"
}

// verifier checks the values of one data row.
func verifier(lb ligneBrute, index []colonne, presente *[nColonnes]bool) (*valeurs, []Erreur) {
	v := &valeurs{num: lb.num}
	var errs []Erreur
	erreur := func(c colonne, format string, a ...any) {
		errs = append(errs, Erreur{lb.num, colonnes[c].nom, fmt.Sprintf(format, a...)})
		v.valide[c] = false
	}
	var nombres [nColonnes]string
	date1904, horsEntete := false, false
	var trop [nColonnes]bool
	for i, c := range lb.cellules {
		if i >= len(index) || index[i] < 0 {
			if i >= len(index) && !horsEntete && strings.TrimSpace(c.texte) != "" {
				errs = append(errs, Erreur{lb.num, "", fmt.Sprintf("valeur « %s » en colonne %d, hors de l'en-tête", coupe(strings.TrimSpace(c.texte)), i+1)})
				horsEntete = true // once a row
			}
			continue
		}
		col := index[i]
		t := strings.TrimSpace(strings.ReplaceAll(c.texte, "\u00a0", " "))
		if n := utf8.RuneCountInString(t); n > CaracteresMax {
			errs = append(errs, Erreur{lb.num, colonnes[col].nom, fmt.Sprintf("%d caractères, %d au plus", n, CaracteresMax)})
			trop[col] = true
			continue
		}
		v.texte[col] = t
		nombres[col] = c.nombre
		date1904 = date1904 || c.date1904
	}
	// Every column starts valid; each check below may say otherwise. A column
	// that is missing from the header has been reported once already.
	for c := range nColonnes {
		v.valide[c] = presente[c] && !trop[c]
		v.canon[c] = v.texte[c]
	}
	requis := func(c colonne) bool {
		if !v.valide[c] {
			return false
		}
		if v.texte[c] == "" {
			erreur(c, "valeur manquante")
			return false
		}
		return true
	}
	longueur := func(c colonne, max int) bool {
		if n := utf8.RuneCountInString(v.texte[c]); n > max {
			erreur(c, "%d caractères, %d au plus", n, max)
			return false
		}
		return true
	}

	if t := v.texte[cNumeroEditeur]; v.valide[cNumeroEditeur] && t != "" {
		if len(t) != 5 || !alnum(t) {
			erreur(cNumeroEditeur, "« %s » : attendu 5 lettres ou chiffres", coupe(t))
		}
	}
	if requis(cDateCommande) {
		d, ok := lireDate(v.texte[cDateCommande], nombres[cDateCommande], date1904)
		if ok {
			v.date, v.canon[cDateCommande] = d, d.String()
		} else {
			erreur(cDateCommande, "« %s » : attendu une date réelle JJ/MM/AAAA", coupe(v.texte[cDateCommande]))
		}
	}
	if requis(cRegimeTVA) {
		r := strings.ToUpper(v.texte[cRegimeTVA])
		if r == "HT" || r == "TTC" {
			v.canon[cRegimeTVA] = r
		} else {
			erreur(cRegimeTVA, "« %s » : attendu HT ou TTC", coupe(v.texte[cRegimeTVA]))
		}
	}
	if requis(cMontantHT) {
		cents, msg := lireMontant(v.texte[cMontantHT], nombres[cMontantHT])
		if msg == "" {
			v.cents, v.canon[cMontantHT] = cents, ecrireMontant(cents)
		} else {
			montre := v.texte[cMontantHT]
			if nombres[cMontantHT] != "" {
				montre = nombres[cMontantHT]
			}
			erreur(cMontantHT, "« %s » : %s", coupe(montre), msg)
		}
	}
	if v.texte[cMandataire] != "" {
		if longueur(cMandataire, 49) {
			v.canon[cMandataire] = strings.ToUpper(v.texte[cMandataire])
		}
		if requis(cEmailMandataire) {
			email(v, cEmailMandataire, erreur)
		}
		if requis(cTelephoneMandataire) {
			telephone(v, cTelephoneMandataire, erreur)
		}
	} else if v.valide[cMandataire] {
		for _, c := range []colonne{cEmailMandataire, cTelephoneMandataire} {
			if v.texte[c] != "" {
				erreur(c, "donné sans nom de mandataire")
			}
		}
	}
	if requis(cNomClient) && longueur(cNomClient, 49) {
		v.canon[cNomClient] = strings.ToUpper(v.texte[cNomClient])
	}
	if requis(cEmailClient) {
		email(v, cEmailClient, erreur)
	}
	if requis(cTelephoneClient) {
		telephone(v, cTelephoneClient, erreur)
	}
	if requis(cFINESS) {
		f := strings.ToUpper(v.texte[cFINESS])
		switch n := utf8.RuneCountInString(f); {
		case n != 9:
			erreur(cFINESS, "%d caractères, 9 attendus", n)
		case !hop.FINESSValide(f):
			erreur(cFINESS, "« %s » : attendu 9 chiffres, ou 2A ou 2B suivi de 7 chiffres", f)
		default:
			v.canon[cFINESS] = f
		}
	}
	if requis(cBonDeCommande) {
		fichier(v, cBonDeCommande, erreur)
	}
	if v.valide[cRegimeTVA] {
		switch v.canon[cRegimeTVA] {
		case "HT":
			if !presente[cPreuveHT] {
				erreur(cRegimeTVA, "HT demande une preuve HT : colonne preuve HT manquante")
			} else if requis(cPreuveHT) {
				fichier(v, cPreuveHT, erreur)
			}
		case "TTC":
			if v.texte[cPreuveHT] != "" {
				erreur(cPreuveHT, "« %s » : pas de preuve HT pour une commande TTC", coupe(v.texte[cPreuveHT]))
			}
		}
	} else if v.texte[cPreuveHT] != "" {
		fichier(v, cPreuveHT, erreur)
	}
	return v, errs
}

// piece runs l's check of the attachment file that row v names in column
// c, if that name is valid.
func (l *Lecteur) piece(v *valeurs, c colonne, errs []Erreur) []Erreur {
	if l.Piece == nil || v == nil || !v.valide[c] || v.texte[c] == "" {
		return errs
	}
	if err := l.Piece(v.texte[c]); err != nil {
		errs = append(errs, Erreur{v.num, colonnes[c].nom, err.Error()})
	}
	return errs
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

func email(v *valeurs, c colonne, erreur func(colonne, string, ...any)) {
	t := v.texte[c]
	if n := utf8.RuneCountInString(t); n > 149 {
		erreur(c, "%d caractères, 149 au plus", n)
	} else if !hop.EmailValide(t) {
		erreur(c, "« %s » : attendu une adresse nom@domaine.fr", coupe(t))
	}
}

// telephone checks a telephone number as the field table reads it: digits,
// blanks and . - ( ), an optional leading +, 8 to 15 digits.
func telephone(v *valeurs, c colonne, erreur func(colonne, string, ...any)) {
	t := v.texte[c]
	chiffres := 0
	ok := utf8.RuneCountInString(t) < 50
	for i, r := range t {
		switch {
		case r >= '0' && r <= '9':
			chiffres++
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')':
		case r == '+' && i == 0:
		default:
			ok = false
		}
	}
	if !ok || chiffres < 8 || chiffres > 15 {
		erreur(c, "« %s » : attendu un numéro de 8 à 15 chiffres", coupe(t))
	}
}

// fichier checks a vendor's file name: a PDF, PNG or JPEG file.
func fichier(v *valeurs, c colonne, erreur func(colonne, string, ...any)) {
	t := v.texte[c]
	for _, ext := range []string{".pdf", ".png", ".jpg", ".jpeg"} {
		if len(t) > len(ext) && strings.EqualFold(t[len(t)-len(ext):], ext) {
			return
		}
	}
	erreur(c, "« %s » : attendu un fichier .pdf, .jpg ou .png", coupe(v.texte[c]))
}

// lireDate reads JJ/MM/AAAA (day and month may have one digit), AAAA-MM-JJ
// (with an optional time after a blank or T, as spreadsheets export), or an
// XLSX cell's serial number.
func lireDate(texte, nombre string, date1904 bool) (hop.Date, bool) {
	if nombre != "" {
		if d, ok := dateSerie(nombre, date1904); ok {
			return d, true
		}
	}
	s := texte
	var d hop.Date
	if i := strings.IndexAny(s, " T"); i == 10 && strings.Count(s[:i], "-") == 2 {
		s = s[:i]
	}
	if p, ok := trois(s, "/"); ok {
		if !entier(p[0], 1, 2) || !entier(p[1], 1, 2) || !entier(p[2], 4, 4) {
			return d, false
		}
		d = hop.Date{Annee: atoi(p[2]), Mois: atoi(p[1]), Jour: atoi(p[0])}
	} else {
		p, ok := trois(s, "-")
		if !ok || !entier(p[0], 4, 4) || !entier(p[1], 2, 2) || !entier(p[2], 2, 2) {
			return d, false
		}
		d = hop.Date{Annee: atoi(p[0]), Mois: atoi(p[1]), Jour: atoi(p[2])}
	}
	return d, d.Valide()
}

// trois splits s in exactly three parts around sep.
func trois(s, sep string) (p [3]string, ok bool) {
	var apres string
	if p[0], apres, ok = strings.Cut(s, sep); !ok {
		return p, false
	}
	if p[1], p[2], ok = strings.Cut(apres, sep); !ok {
		return p, false
	}
	return p, !strings.Contains(p[2], sep)
}

func entier(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// lireMontant reads an amount as spreadsheets write it: blanks (normal,
// non-breaking or narrow) between thousands, a comma or a point before at
// most two decimals, an optional € sign; or an XLSX cell's raw number. It
// returns the amount in cents, or what is wrong.
func lireMontant(texte, nombre string) (int64, string) {
	s := texte
	if nombre != "" {
		if f, err := strconv.ParseFloat(nombre, 64); err == nil && f >= 0 && f < 1e12 {
			s = strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "€"))
	if strings.ContainsAny(s, " \u00a0\u202f") {
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\u00a0' || r == '\u202f' {
				return -1
			}
			return r
		}, s)
	}
	entiere, decimales := s, ""
	if i := strings.IndexAny(s, ",."); i >= 0 {
		entiere, decimales = s[:i], s[i+1:]
		if decimales == "" {
			return 0, "attendu un montant comme 13 750,00"
		}
	}
	if !entier(entiere, 1, 9) {
		if entier(entiere, 10, 1000) {
			return 0, "attendu au plus 999 999 999,99"
		}
		return 0, "attendu un montant comme 13 750,00"
	}
	if !entier(decimales, 0, 1000) {
		return 0, "attendu un montant comme 13 750,00"
	}
	if len(decimales) > 2 {
		return 0, "au plus 2 décimales"
	}
	decimales = (decimales + "00")[:2]
	cents := int64(atoi(entiere))*100 + int64(atoi(decimales))
	if cents <= 0 {
		return 0, "attendu un montant supérieur à 0"
	}
	return cents, ""
}

// ecrireMontant writes cents as the French write euros: 13 750,00.
func ecrireMontant(cents int64) string {
	var tampon [32]byte
	e := strconv.AppendInt(tampon[:0], cents/100, 10)
	b := make([]byte, 0, len(e)+len(e)/3+3)
	for i, c := range e {
		if i > 0 && (len(e)-i)%3 == 0 {
			b = append(b, ' ')
		}
		b = append(b, c)
	}
	c := cents % 100
	return string(append(b, ',', '0'+byte(c/10), '0'+byte(c%10)))
}
