package hop

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Portail gives the controls what only the portal knows: the vendor's
// registry and history. Offline checks pass none and the rules that need it
// are skipped and reported.
type Portail interface {
	// NumeroAnsEnregistre reports whether numeroAns is one of the depositing
	// vendor's registered ANS numbers.
	NumeroAnsEnregistre(numeroAns string) (bool, error)
	// OrdinalPris reports whether the ordinal of the file name is already
	// taken that day for that ANS number, and if so the next free one.
	OrdinalPris(ordinal int) (pris bool, libre int, err error)
	// NumeroEditeurUtilise reports whether the vendor already used the
	// numeroEditeur (compared case-insensitively) in an earlier deposit.
	NumeroEditeurUtilise(numeroEditeur string) (bool, error)
}

// Options tune a control run.
type Options struct {
	// Archive is the attachments' zip, opened; ArchiveErreur the fault
	// OpenArchive found instead. With neither, the attachment checks are
	// skipped, unless SansZip says the deposit carries no zip at all.
	Archive       *Archive
	ArchiveErreur error
	SansZip       bool
	// Operateurs is the list of the secure-messaging operators (PFI); nil
	// takes the default list.
	Operateurs *Operateurs
	// Portail is nil offline.
	Portail Portail
	// PortailSolde answers the portal-only rules of a balance file; nil
	// offline (and unused for an advance file).
	PortailSolde PortailSolde
	// Toutes collects every fault of each request, not only the first.
	Toutes bool
}

// Resultat is the outcome of controls 1 and 2 on one file.
type Resultat struct {
	// Rejet is the control-1 fault that rejects the whole file, or nil.
	Rejet *Erreur
	// Demandes holds one result per request, in the file's order (empty
	// when the file is rejected).
	Demandes []ResultatDemande
	// NonCitees lists the zip's files that no request names.
	NonCitees []string
	// NonExaminees lists the zip's files named only by requests rejected
	// before their attachments were examined: cited, not checked.
	NonExaminees []string
	// Ignorees lists the rules that could not be run (offline).
	Ignorees []RegleIgnoree

	data  []byte // the file without its byte-order mark
	doc   *document
	solde bool     // a balance file: its lines keep their numeroASP
	asp   []string // a balance file's numeroASP per line (NumeroASP)
}

// RegleIgnoree is a rule a check could not run, with why.
type RegleIgnoree struct {
	Code   string
	Raison string
}

// ResultatDemande is the outcome of control 2 on one request.
type ResultatDemande struct {
	Position      int    // from 1
	NumeroEditeur string // as written, "" when it is not a string
	// Erreurs holds the request's first fault, or all of them with
	// Options.Toutes; empty when the request is accepted.
	Erreurs []Erreur
}

// Acceptee reports whether the request passed control 2.
func (r ResultatDemande) Acceptee() bool { return len(r.Erreurs) == 0 }

// Code returns the request's result code.
func (r ResultatDemande) Code() string {
	if r.Acceptee() {
		return CodeAcceptee
	}
	return r.Erreurs[0].Code
}

// Libelle returns the request's result label.
func (r ResultatDemande) Libelle() string {
	if r.Acceptee() {
		return LibelleAcceptee
	}
	return r.Erreurs[0].Libelle()
}

// Acceptees counts the accepted requests.
func (r *Resultat) Acceptees() int {
	n := 0
	for _, d := range r.Demandes {
		if d.Acceptee() {
			n++
		}
	}
	return n
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// Controler runs control 1 on the JSON-HOP file data, then, when the file
// passes it, control 2 on each request. A fault of the file is a result,
// not an error: the error is for the Portail's failures only.
func Controler(data []byte, depot Declaration, opt Options) (*Resultat, error) {
	return controlerFichier(data, depot, opt, false)
}

// controlerFichier runs controls 1 and 2 on an advance file, or on a balance file
// (docs/solde.md) when solde is set: the same header and control 1, its
// own requests.
func controlerFichier(data []byte, depot Declaration, opt Options, solde bool) (*Resultat, error) {
	res := &Resultat{solde: solde}
	if opt.Portail == nil {
		res.Ignorees = append(res.Ignorees,
			RegleIgnoree{CodeNomFichierOrdre, "le portail seul connaît les fichiers déjà déposés ce jour : tout numéro d'ordre de 001 à 999 est accepté"},
			RegleIgnoree{CodeNumeroAnsInconnu, "le portail seul connaît les numéros ANS enregistrés du fournisseur"},
		)
		if !solde {
			res.Ignorees = append(res.Ignorees, RegleIgnoree{CodeEditeurHistorique, "le portail seul connaît les numeroEditeur des dépôts précédents"})
		}
	}
	if solde && opt.PortailSolde == nil {
		res.Ignorees = append(res.Ignorees, ignoreesSolde...)
	}
	if opt.Archive == nil && opt.ArchiveErreur == nil && !opt.SansZip {
		res.Ignorees = append(res.Ignorees, RegleIgnoree{CodePieceAbsente, "sans fichier .zip, les pièces justificatives ne sont pas vérifiées (présence, taille, format)"})
	}
	rejet := func(e Erreur) (*Resultat, error) {
		res.Rejet = &e
		res.Demandes = nil
		situer(res.data, res.Rejet)
		return res, nil
	}

	if len(data) > MaxFichier {
		return rejet(Erreur{Code: CodeFichierTropGros, Valeur: strconv.Itoa(len(data)), P1: strconv.Itoa(MaxFichier), Offset: -1})
	}
	nom, e := lireNomFichier(depot)
	if e != nil {
		return rejet(*e)
	}
	data = bytes.TrimPrefix(data, bom)
	res.data = data
	if !utf8.Valid(data) {
		return rejet(Erreur{Code: CodeEncodage, Offset: premierOctetInvalide(data)})
	}
	doc := &document{}
	res.doc = doc
	ligne := schemaDemande
	if solde {
		ligne = schemaSolde
	}
	p := parse(data, doc, ligne)
	if p.fatal != nil {
		if p.fatal.Code == CodeProfondeur {
			p.fatal.P1 = strconv.Itoa(MaxProfondeur)
		}
		return rejet(*p.fatal)
	}
	if e := nom.apresLecture(depot, data, doc); e != nil {
		return rejet(*e)
	}
	if opt.Portail != nil && nom.ordinal > 0 {
		pris, libre, err := opt.Portail.OrdinalPris(nom.ordinal)
		if err != nil {
			return nil, err
		}
		if pris {
			return rejet(Erreur{Code: CodeNomFichierOrdre, Valeur: fmt.Sprintf("%03d", nom.ordinal), P1: fmt.Sprintf("%03d", libre), Offset: -1})
		}
	}
	if p.dup != nil {
		return rejet(*p.dup)
	}
	if e, err := controleEntete(data, doc, depot, opt); err != nil || e != nil {
		if err != nil {
			return nil, err
		}
		return rejet(*e)
	}
	if e := controleZip(doc, data, opt); e != nil {
		return rejet(*e)
	}

	c := &controleur{b: data, doc: doc, depot: depot, opt: &opt, toutes: opt.Toutes}
	if opt.Operateurs == nil {
		c.opt.Operateurs = OperateursParDefaut()
	}
	c.vus = make(map[string]int, len(doc.demandes))
	res.Demandes = make([]ResultatDemande, len(doc.demandes))
	if solde {
		res.asp = make([]string, len(doc.demandes))
	}
	for i := range doc.demandes {
		var err error
		if solde {
			err = c.solde(i, &res.Demandes[i], &res.asp[i])
		} else {
			err = c.demande(i, &res.Demandes[i])
		}
		if err != nil {
			return nil, err
		}
	}
	if opt.Archive != nil {
		res.NonCitees, res.NonExaminees = c.nonLues(opt.Archive.Unnamed())
	}
	return res, nil
}

// nonLues splits the zip's files that no check read: those no request
// names, and those named by a request rejected before its attachments were
// examined.
func (c *controleur) nonLues(noms []string) (nonCitees, nonExaminees []string) {
	if len(noms) == 0 {
		return nil, nil
	}
	cites := make(map[string]bool, len(c.doc.pieces))
	for _, p := range c.doc.pieces {
		if v := p.f[pNomFichier]; v.kind == kString {
			cites[string(c.text(v))] = true
		}
	}
	for _, n := range noms {
		if cites[n] {
			nonExaminees = append(nonExaminees, n)
		} else {
			nonCitees = append(nonCitees, n)
		}
	}
	return nonCitees, nonExaminees
}

// premierOctetInvalide returns the offset of the first byte that is not valid UTF-8.
func premierOctetInvalide(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// situer fills the line and column of a fault from its offset.
func situer(data []byte, e *Erreur) {
	if e.Offset < 0 || data == nil {
		return
	}
	off := min(e.Offset, len(data))
	e.Ligne = bytes.Count(data[:off], []byte{'\n'}) + 1
	debut := bytes.LastIndexByte(data[:off], '\n') + 1
	e.Colonne = utf8.RuneCount(data[debut:off]) + 1
}

// nomFichier is what the file name rule read from the name.
type nomFichier struct {
	ans     string // "" when the name was not checked
	ordinal int
}

// lireNomFichier checks the parts of the file name that need no content.
func lireNomFichier(depot Declaration) (nomFichier, *Erreur) {
	n := depot.NomFichier
	if n == "" {
		return nomFichier{}, nil
	}
	// JSON-<10 alnum>-<8 digits>-<3 digits>.json
	bad := func() (nomFichier, *Erreur) {
		return nomFichier{}, &Erreur{Code: CodeNomFichier, Valeur: montrerTexte(n), Offset: -1}
	}
	if len(n) != len("JSON-1234567890-20211025-001.json") || !strings.HasPrefix(n, "JSON-") || !strings.HasSuffix(n, ".json") ||
		n[15] != '-' || n[24] != '-' || !alnum(n[5:15]) || !digits(n[16:24]) || !digits(n[25:28]) || n[25:28] == "000" {
		return bad()
	}
	nom := nomFichier{ans: n[5:15], ordinal: atoi(n[25:28])}
	if depot.NumeroAns != "" && nom.ans != depot.NumeroAns {
		return nomFichier{}, &Erreur{Code: CodeNomFichierAns, Valeur: montrerTexte(nom.ans), P1: montrerTexte(depot.NumeroAns), Offset: -1}
	}
	d, err := ParseDateAAAAMMJJ(n[16:24])
	if err != nil || d != depot.Date {
		return nomFichier{}, &Erreur{Code: CodeNomFichierDate, Valeur: montrerTexte(n[16:24]), P1: montrerTexte(depot.Date.AAAAMMJJ()), Offset: -1}
	}
	return nom, nil
}

// apresLecture compares the name's ANS number with the file's own, when the
// deposit declared none.
func (n nomFichier) apresLecture(depot Declaration, data []byte, doc *document) *Erreur {
	if n.ans == "" || depot.NumeroAns != "" {
		return nil
	}
	v := doc.entete[1]
	if v.kind != kString || v.esc || v.end-v.start != 10 || !alnum(string(data[v.start:v.end])) {
		return nil // control 1 reports the file's numeroAns itself
	}
	if ans := string(data[v.start:v.end]); ans != n.ans {
		return &Erreur{Code: CodeNomFichierAns, Valeur: montrerTexte(n.ans), P1: montrerTexte(ans), Offset: -1}
	}
	return nil
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return len(s) > 0
}

// controleEntete checks the file header (control 1).
func controleEntete(data []byte, doc *document, depot Declaration, opt Options) (*Erreur, error) {
	at := func(v val) int {
		if v.kind == kString {
			return int(v.start) - 1
		}
		return int(v.start)
	}
	if doc.racine.kind != kObject {
		return &Erreur{Code: CodeRacine, Valeur: montrer(data, doc.racine), Offset: at(doc.racine)}, nil
	}
	if len(doc.incRacine) > 0 {
		// The first unknown key, with a hint when only its case differs.
		k := doc.incRacine[0]
		name := string(keyTextAlloc(data, k))
		for _, want := range enteteCles {
			if strings.EqualFold(name, want) {
				return &Erreur{Code: CodeEnteteCasse, Balise: want, Valeur: couper(name, maxValeur), Offset: int(k.start) - 1}, nil
			}
		}
		return &Erreur{Code: CodeEnteteInconnue, Balise: couper(name, maxValeur), Offset: int(k.start) - 1}, nil
	}
	for i, v := range doc.entete {
		if v.kind == kAbsent {
			return &Erreur{Code: CodeEnteteManquante, Balise: enteteCles[i], Offset: int(doc.racine.start)}, nil
		}
	}
	imp, ans, siret, lignes := doc.entete[0], doc.entete[1], doc.entete[2], doc.entete[3]
	if imp.kind != kNull {
		return &Erreur{Code: CodeImpID, Valeur: montrer(data, imp), Offset: at(imp)}, nil
	}
	if ans.kind != kString || ans.esc || ans.end-ans.start != 10 || !alnum(string(data[ans.start:ans.end])) {
		return &Erreur{Code: CodeNumeroAns, Valeur: montrer(data, ans), Offset: at(ans)}, nil
	}
	numeroAns := string(data[ans.start:ans.end])
	if depot.NumeroAns != "" && numeroAns != depot.NumeroAns {
		return &Erreur{Code: CodeNumeroAnsDeclare, Valeur: montrer(data, ans), P1: montrerTexte(depot.NumeroAns), Offset: at(ans)}, nil
	}
	if opt.Portail != nil {
		ok, err := opt.Portail.NumeroAnsEnregistre(numeroAns)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &Erreur{Code: CodeNumeroAnsInconnu, Valeur: montrer(data, ans), Offset: at(ans)}, nil
		}
	}
	if siret.kind != kString || siret.esc || siret.end-siret.start != 14 || !digits(string(data[siret.start:siret.end])) {
		return &Erreur{Code: CodeSIRET, Valeur: montrer(data, siret), Offset: at(siret)}, nil
	}
	if depot.SIRET != "" && string(data[siret.start:siret.end]) != depot.SIRET {
		return &Erreur{Code: CodeSIRETDeclare, Valeur: montrer(data, siret), P1: montrerTexte(depot.SIRET), Offset: at(siret)}, nil
	}
	switch {
	case lignes.kind != kArray:
		return &Erreur{Code: CodeLignesType, Valeur: montrer(data, lignes), Offset: at(lignes)}, nil
	case doc.nbLignes == 0:
		return &Erreur{Code: CodeLignesVide, Offset: at(lignes)}, nil
	case doc.nbLignes > MaxDemandes:
		return &Erreur{Code: CodeLignesTrop, Valeur: strconv.Itoa(doc.nbLignes), Offset: at(lignes)}, nil
	case doc.nonObjet > 0:
		return &Erreur{Code: CodeLigneNonObjet, Valeur: montrer(data, doc.nonObjetV), P1: strconv.Itoa(doc.nonObjet), Offset: at(doc.nonObjetV)}, nil
	}
	return nil, nil
}

// controleZip checks the attachments' zip as a whole (control 1).
func controleZip(doc *document, data []byte, opt Options) *Erreur {
	if opt.ArchiveErreur != nil {
		e := Erreur{Code: CodeZipIllisible, Offset: -1}
		ae, ok := opt.ArchiveErreur.(*ArchiveError)
		if !ok {
			if opt.ArchiveErreur.Error() != "" {
				e.P1 = " (" + couper(opt.ArchiveErreur.Error(), 100) + ")"
			}
			return &e
		}
		e.Valeur = montrerTexte(ae.Entry)
		if ae.Detail != "" {
			e.P1 = " (" + couper(ae.Detail, 100) + ")"
		}
		switch ae.Fault {
		case ArchiveTropGrande:
			e.Code = CodeZipTropGros
		case ArchiveCheminDangereux:
			e.Code = CodeZipChemin
		case ArchiveLien:
			e.Code = CodeZipLien
		case ArchiveChiffree:
			e.Code = CodeZipChiffre
		case ArchiveDoublon:
			e.Code = CodeZipDoublon
		case ArchiveTropDEntrees:
			e.Code = CodeZipTropDEntrees
		case ArchiveBombe:
			e.Code = CodeZipBombe
			if ae.Entry == "" {
				e.Valeur = "contenu"
			}
		}
		return &e
	}
	if opt.SansZip {
		for _, p := range doc.pieces {
			if p.v.kind == kObject && p.f[pNomFichier].kind == kString {
				return &Erreur{Code: CodeZipManquant, Offset: -1}
			}
		}
	}
	return nil
}

// keyTextAlloc returns a key's unescaped text in its own buffer.
func keyTextAlloc(data []byte, k cle) []byte {
	if !k.esc {
		return data[k.start:k.end]
	}
	return unescape(nil, data[k.start:k.end])
}

// montrer shows a found value in a label: a string quoted and cut, an object
// or array by its type, anything else as written.
func montrer(data []byte, v val) string {
	switch v.kind {
	case kAbsent:
		return "absent"
	case kObject:
		return "un objet"
	case kArray:
		return "un tableau"
	case kString:
		raw := data[v.start:v.end]
		if v.esc {
			raw = unescape(nil, raw)
		}
		return montrerTexte(string(raw))
	}
	return couper(string(data[v.start:v.end]), maxValeur)
}

// attFaux is what a flag of another software type's block must be.
func attFaux(l Logiciel) string {
	switch l {
	case LogicielRI:
		return "false pour un logiciel RI"
	case LogicielDPI:
		return "false pour un logiciel DPI"
	case LogicielPFI:
		return "false pour un logiciel PFI"
	}
	return "false"
}

// montrerType shows a value of the wrong type with its type, where the
// value does not already say it: « 13750.00 » (chaîne), 5 (nombre), but
// null, un objet, un tableau.
func montrerType(data []byte, v val) string {
	switch v.kind {
	case kString, kNumber, kTrue, kFalse:
		return montrer(data, v) + " (" + nomType(v.kind) + ")"
	}
	return montrer(data, v)
}

func nomType(k kind) string {
	switch k {
	case kNull:
		return "null"
	case kTrue, kFalse:
		return "booléen"
	case kNumber:
		return "nombre"
	case kString:
		return "chaîne"
	case kObject:
		return "objet"
	case kArray:
		return "tableau"
	}
	return "absent"
}

// controleur runs control 2 on the requests of one file.
type controleur struct {
	b      []byte
	doc    *document
	depot  Declaration
	opt    *Options
	toutes bool
	vus    map[string]int // numeroEditeur (upper case) → first position

	pos  int
	d    *demande
	errs []Erreur
	tmp  []byte
	num  [20]byte // scratch for a number's text
}

// stop reports whether the current request's check must end here.
func (c *controleur) stop() bool { return !c.toutes && len(c.errs) > 0 }

func (c *controleur) add(e Erreur) {
	e.Offset = -1
	c.errs = append(c.errs, e)
}

// text returns a string value's text (in a scratch buffer if unescaped).
func (c *controleur) text(v val) []byte {
	raw := c.b[v.start:v.end]
	if !v.esc {
		return raw
	}
	c.tmp = unescape(c.tmp[:0], raw)
	return c.tmp
}

// Expected types, as bit sets of kinds.
type kinds uint16

const (
	kString1 = kinds(1 << kString)
	kNull1   = kinds(1 << kNull)
	kBool1   = kinds(1<<kTrue | 1<<kFalse)
	kNumber1 = kinds(1 << kNumber)
	kObject1 = kinds(1 << kObject)
	kArray1  = kinds(1 << kArray)
)

// typed checks a key's presence and JSON type.
func (c *controleur) typed(v val, b balise, want kinds, attendu string) bool {
	if v.kind == kAbsent {
		c.add(Erreur{Code: CodeManquante, Balise: b.String(), P1: attendu})
		return false
	}
	if want&(1<<v.kind) == 0 {
		c.add(Erreur{Code: CodeType, Balise: b.String(), Valeur: montrerType(c.b, v), P1: attendu})
		return false
	}
	return true
}

// inconnues reports the unknown keys of an object, with a hint when a key
// differs from an expected one only by case.
func (c *controleur) inconnues(inc []cle, sch *schema, b balise) bool {
	if len(inc) == 0 {
		return true
	}
	chemin := b.String()
	for _, k := range inc {
		name := string(keyTextAlloc(c.b, k))
		found := false
		for _, ch := range sch.champs {
			if strings.EqualFold(name, ch.nom) {
				c.add(Erreur{Code: CodeCasse, Balise: joindre(chemin, ch.nom), Valeur: joindre(chemin, couper(name, maxValeur))})
				found = true
				break
			}
		}
		if !found {
			c.add(Erreur{Code: CodeInconnue, Balise: joindre(chemin, couper(name, maxValeur))})
		}
		if c.stop() {
			return false
		}
	}
	return len(inc) == 0
}

// balise names a key as labels show it: its path in the request, array
// positions counted from 1. It is built into a string only for a fault.
type balise struct {
	parent string
	idx    int // position in the parent array, 0 for none
	nom    string
}

func bal(chemin string) balise { return balise{nom: chemin} }

// cle names a key of the element b.
func (b balise) cle(nom string) balise { return balise{b.parent, b.idx, nom} }

func (b balise) String() string {
	if b.idx == 0 {
		return joindre(b.parent, b.nom)
	}
	return joindre(b.parent+"["+strconv.Itoa(b.idx)+"]", b.nom)
}

// joindre appends a key to a path; an element of an array (no key) is
// its path alone: etablissementsClients[2], not etablissementsClients[2].
func joindre(chemin, nom string) string {
	switch {
	case chemin == "":
		return nom
	case nom == "":
		return chemin
	}
	return chemin + "." + nom
}

// texte checks a free-text string: present, not empty, no blank around, at
// most max code points. It returns the text when valid.
func (c *controleur) texte(v val, b balise, want kinds, max int, attendu string) ([]byte, bool) {
	if !c.typed(v, b, want, attendu) || v.kind != kString {
		return nil, false
	}
	s := c.text(v)
	if len(s) == 0 {
		c.add(Erreur{Code: CodeVide, Balise: b.String(), Valeur: "chaîne vide", P1: attendu})
		return nil, false
	}
	r0, _ := utf8.DecodeRune(s)
	r1, _ := utf8.DecodeLastRune(s)
	if unicode.IsSpace(r0) || unicode.IsSpace(r1) {
		if len(bytes.TrimFunc(s, unicode.IsSpace)) == 0 {
			// Blanks only: empty to a reader, not a value with blanks around.
			c.add(Erreur{Code: CodeVide, Balise: b.String(), Valeur: "que des blancs", P1: attendu})
		} else {
			c.add(Erreur{Code: CodeBlancs, Balise: b.String(), Valeur: montrerTexte(string(s))})
		}
		return nil, false
	}
	if max > 0 && len(s) > max { // no more code points than bytes: count only when it may matter
		if n := utf8.RuneCount(s); n > max {
			c.add(Erreur{Code: CodeTropLong, Balise: b.String(), Valeur: montrerTexte(string(s)), P1: strconv.Itoa(max), P2: strconv.Itoa(n)})
			return nil, false
		}
	}
	return s, true
}

// capitales reports whether s has no lower-case letter. A letter without a
// single upper-case form (ß, ŉ) is lower case all the same: ToUpper alone
// leaves it unchanged.
func capitales(s []byte) bool {
	for i := 0; i < len(s); {
		// ASCII, nearly every name, without decoding: a to z only.
		if c := s[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if unicode.IsLower(r) || unicode.ToUpper(r) != r {
			return false
		}
		i += n
	}
	return true
}

// emailValide applies ^[^@\s"<>()]+@[^@\s]+\.[^@\s]+$.
func emailValide(s []byte) bool {
	at := bytes.IndexByte(s, '@')
	if at <= 0 {
		return false
	}
	local, dom := s[:at], s[at+1:]
	// Byte by byte, through a table, while the text is ASCII (addresses
	// nearly always are): decoding each rune and searching `"<>()` for it
	// made this one of the costliest rules of control 2.
	for i := 0; i < len(local); {
		if c := local[i]; c < utf8.RuneSelf {
			if emailASCII[c]&interditLocal != 0 {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(local[i:])
		if unicode.IsSpace(r) {
			return false
		}
		i += n
	}
	dot := false
	for i := 0; i < len(dom); {
		if c := dom[i]; c < utf8.RuneSelf {
			if emailASCII[c]&interditDomaine != 0 {
				return false
			}
			if c == '.' && i > 0 && i < len(dom)-1 {
				dot = true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(dom[i:])
		if unicode.IsSpace(r) {
			return false
		}
		i += n
	}
	return dot
}

// emailASCII tells, for an ASCII byte, whether emailValide refuses it in
// the local part and in the domain: the blanks (unicode.IsSpace's ASCII
// ones), `"<>()` in the local part, @ in the domain.
var emailASCII = [utf8.RuneSelf]uint8{
	'\t': interditLocal | interditDomaine, '\n': interditLocal | interditDomaine,
	'\v': interditLocal | interditDomaine, '\f': interditLocal | interditDomaine,
	'\r': interditLocal | interditDomaine, ' ': interditLocal | interditDomaine,
	'"': interditLocal, '<': interditLocal, '>': interditLocal, '(': interditLocal, ')': interditLocal,
	'@': interditDomaine,
}

const (
	interditLocal = 1 << iota
	interditDomaine
)

// telephoneValide: digits, blanks and . - ( ), an optional leading +, 8 to 15 digits.
func telephoneValide(s []byte) bool {
	n := 0
	for i, r := range string(s) {
		switch {
		case r >= '0' && r <= '9':
			n++
		case r == '+' && i == 0:
		case r == ' ' || r == '\u00a0' || r == '\u202f' || r == '.' || r == '-' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return n >= 8 && n <= 15
}

// Expected values, as labels say them.
const (
	attNumLigne    = "un entier, la position de la demande (1, 2…)"
	attTypeAction  = "« C »"
	attNull        = "null"
	attEditeur     = "une chaîne de 5 lettres ou chiffres"
	attObjet       = "un objet"
	attDate        = "une date JJ/MM/AAAA entre guillemets"
	attRegime      = "« HT » ou « TTC »"
	attMontant     = "un nombre à deux décimales, sans guillemets (ex. 13750.00)"
	attBool        = "true ou false"
	attNomMand     = "un nom en capitales de 49 caractères au plus"
	attEmail       = "une adresse e-mail de 149 caractères au plus"
	attTel         = "un numéro de téléphone de 49 caractères au plus"
	attEtabs       = "un tableau d'établissements clients (au moins un)"
	attNomClient   = "un nom en capitales de 49 caractères au plus"
	attFINESS      = "une chaîne de 9 chiffres (ou 2A ou 2B suivi de 7 chiffres)"
	attPieces      = "un tableau de pièces justificatives (au moins une)"
	attNomFichier  = "un nom de fichier selon la nomenclature, 49 caractères au plus"
	attFormat      = "« PDF », « PNG » ou « JPG »"
	attTypeFichier = "« BON_COMMANDE » ou « PREUVE_HT »"
	attOperateur   = "null, ou un opérateur de messagerie de la liste"
	attElemClient  = "un objet établissement {nomClient, emailClient, telephoneClient, FINESSPMSI}"
	attElemPiece   = "un objet pièce {nomFichier, formatFichier, typeFichier}"
	attCommande    = "un objet {dateCommande, regimeTVA, montantSegurHT}"
	attBenef       = "un objet {isMandataire, isClientUnique, nomMandataire…}"
	attScenario    = "un objet {DPI, PFI}"
	maxNom         = 49
	maxEmail       = 149
	maxTel         = 49
	maxNomFichier  = 49
	maxOperateur   = 149
)

// demande runs control 2 on request i.
func (c *controleur) demande(i int, out *ResultatDemande) error {
	d := &c.doc.demandes[i]
	c.d, c.pos, c.errs = d, i+1, nil
	out.Position = c.pos
	if v := d.f[fNumeroEditeur]; v.kind == kString {
		out.NumeroEditeur = string(c.text(v))
	}
	champsOK := c.champs()
	if !c.stop() && champsOK {
		c.regles()
	}
	if !c.stop() && champsOK {
		c.pieces()
	}
	if err := c.unicite(out.NumeroEditeur); err != nil {
		return err
	}
	out.Erreurs = c.errs
	return nil
}

// champs checks every key of the request in the order of the field table;
// it reports whether all were valid.
func (c *controleur) champs() bool {
	d, f := c.d, &c.d.f
	n0 := len(c.errs)
	if !c.inconnues(d.inc[oDemande], schemaDemande, bal("")) && c.stop() {
		return false
	}
	c.numLigne(f[fNumLigne])
	if c.stop() {
		return false
	}
	c.typeAction(f[fTypeAction])
	if c.stop() {
		return false
	}
	c.null(f[fNumeroASP], "numeroASP")
	if c.stop() {
		return false
	}
	c.numeroEditeur(f[fNumeroEditeur])
	if c.stop() {
		return false
	}
	c.commande()
	if c.stop() {
		return false
	}
	c.beneficiaires()
	if c.stop() {
		return false
	}
	c.listePieces(piecesAvance)
	if c.stop() {
		return false
	}
	c.scenario()
	if c.stop() {
		return false
	}
	c.null(f[fCodeTraitement], "codeTraitement")
	if c.stop() {
		return false
	}
	c.null(f[fLibelleTraitement], "libelleTraitement")
	return len(c.errs) == n0
}

// null checks a key that must be present and null.
func (c *controleur) null(v val, balise string) {
	if v.kind == kAbsent {
		c.add(Erreur{Code: CodeManquante, Balise: balise, P1: attNull})
	} else if v.kind != kNull {
		c.add(Erreur{Code: CodeNonNull, Balise: balise, Valeur: montrer(c.b, v)})
	}
}

// numLigne checks a line's numLigne: an integer, its position in the file.
func (c *controleur) numLigne(v val) {
	if !c.typed(v, bal("numLigne"), kNumber1, attNumLigne) {
		return
	}
	lit := c.b[v.start:v.end]
	switch {
	case !digits(string(bytes.TrimPrefix(lit, []byte{'-'}))):
		c.add(Erreur{Code: CodeNumLigneEntier, Valeur: montrer(c.b, v)})
	case string(lit) != string(strconv.AppendInt(c.num[:0], int64(c.pos), 10)): // Itoa would allocate from 100 on
		c.add(Erreur{Code: CodeNumLignePosition, Valeur: montrer(c.b, v), P1: strconv.Itoa(c.pos)})
	}
}

// typeAction checks a line's typeAction: "C".
func (c *controleur) typeAction(v val) {
	if c.typed(v, bal("typeAction"), kString1, attTypeAction) && string(c.text(v)) != "C" {
		c.add(Erreur{Code: CodeTypeAction, Valeur: montrer(c.b, v)})
	}
}

// numeroEditeur checks a line's numeroEditeur: 5 letters or digits.
func (c *controleur) numeroEditeur(v val) {
	if !c.typed(v, bal("numeroEditeur"), kString1, attEditeur) {
		return
	}
	if s := c.text(v); len(s) != 5 || !alnum(string(s)) {
		c.add(Erreur{Code: CodeNumeroEditeur, Valeur: montrer(c.b, v)})
	}
}

// codesDate are the result codes of a date's faults: not JJ/MM/AAAA, no
// such day, after the deposit.
type codesDate struct{ format, inexistante, future string }

// date checks a date at key b: JJ/MM/AAAA, a real day, not after the
// deposit. balise is the key the fault names ("" when its label does).
func (c *controleur) date(v val, b balise, codes codesDate, balise string) {
	if !c.typed(v, b, kString1, attDate) {
		return
	}
	d, ok := lireDateJJMMAAAA(c.text(v))
	switch {
	case !ok:
		c.add(Erreur{Code: codes.format, Balise: balise, Valeur: montrer(c.b, v)})
	case !d.Valide():
		c.add(Erreur{Code: codes.inexistante, Balise: balise, Valeur: montrer(c.b, v)})
	case c.depot.Date.Valide() && c.depot.Date.Avant(d):
		c.add(Erreur{Code: codes.future, Balise: balise, Valeur: montrer(c.b, v), P1: c.depot.Date.String()})
	}
}

// lireDateJJMMAAAA reads JJ/MM/AAAA; the date may not exist.
func lireDateJJMMAAAA(s []byte) (Date, bool) {
	if len(s) != 10 || s[2] != '/' || s[5] != '/' || !digits(string(s[0:2])) || !digits(string(s[3:5])) || !digits(string(s[6:10])) {
		return Date{}, false
	}
	return Date{atoi(string(s[6:10])), atoi(string(s[3:5])), atoi(string(s[0:2]))}, true
}

func (c *controleur) commande() {
	f := &c.d.f
	if !c.typed(f[fCommande], bal("commande"), kObject1, attCommande) {
		return
	}
	if !c.inconnues(c.d.inc[oCommande], schemaCommande, bal("commande")) && c.stop() {
		return
	}
	c.date(f[fDateCommande], bal("commande.dateCommande"), codesDate{CodeDateFormat, CodeDateInexistante, CodeDateFuture}, "")
	if c.stop() {
		return
	}
	if v := f[fRegimeTVA]; c.typed(v, bal("commande.regimeTVA"), kString1, attRegime) {
		if s := string(c.text(v)); s != "HT" && s != "TTC" {
			c.add(Erreur{Code: CodeRegimeTVA, Valeur: montrer(c.b, v)})
		}
	}
	if c.stop() {
		return
	}
	if v := f[fMontant]; c.typed(v, bal("commande.montantSegurHT"), kNumber1, attMontant) {
		if code := montantInvalide(c.b[v.start:v.end]); code != "" {
			c.add(Erreur{Code: code, Valeur: montrer(c.b, v)})
		}
	}
}

// montantInvalide judges the literal of montantSegurHT, which must match
// ^(0|[1-9][0-9]{0,8})\.[0-9]{2}$ and be greater than 0.
func montantInvalide(lit []byte) string {
	if len(lit) > 0 && lit[0] == '-' {
		return CodeMontantPositif
	}
	dot := bytes.IndexByte(lit, '.')
	if dot < 0 || len(lit)-dot-1 != 2 || !digits(string(lit[:dot])) || !digits(string(lit[dot+1:])) {
		return CodeMontantFormat
	}
	if dot > 9 {
		return CodeMontantMax
	}
	if string(lit) == "0.00" {
		return CodeMontantPositif
	}
	return ""
}

func (c *controleur) beneficiaires() {
	f := &c.d.f
	if !c.typed(f[fBeneficiaires], bal("beneficiaires"), kObject1, attBenef) {
		return
	}
	if !c.inconnues(c.d.inc[oBeneficiaires], schemaBeneficiaires, bal("beneficiaires")) && c.stop() {
		return
	}
	okM := c.typed(f[fIsMandataire], bal("beneficiaires.isMandataire"), kBool1, attBool)
	if c.stop() {
		return
	}
	okU := c.typed(f[fIsClientUnique], bal("beneficiaires.isClientUnique"), kBool1, attBool)
	if c.stop() {
		return
	}
	if !okM || !okU {
		// The mandataire keys depend on both booleans: without them their
		// condition is unknown.
		c.etablissements()
		return
	}
	mand, unique := f[fIsMandataire].kind == kTrue, f[fIsClientUnique].kind == kTrue
	if mand && unique {
		c.add(Erreur{Code: CodeMandataireUnique})
		return
	}
	type mk struct {
		slot    int
		balise  string
		max     int
		attendu string
		format  int
	}
	for _, k := range [...]mk{
		{fNomMandataire, "beneficiaires.nomMandataire", maxNom, attNomMand, fmtCapitales},
		{fEmailMandataire, "beneficiaires.emailMandataire", maxEmail, attEmail, fmtEmail},
		{fTelMandataire, "beneficiaires.telephoneMandataire", maxTel, attTel, fmtTelephone},
	} {
		v := f[k.slot]
		switch {
		case v.kind == kAbsent:
			c.add(Erreur{Code: CodeManquante, Balise: k.balise, P1: k.attendu + ", ou null"})
		case mand && v.kind == kNull:
			c.add(Erreur{Code: CodeMandataireRequis, Balise: k.balise, Valeur: "null", P1: k.attendu})
		case !mand && v.kind != kNull:
			c.add(Erreur{Code: CodeMandataireNull, Balise: k.balise, Valeur: montrer(c.b, v), P1: "isMandataire est false"})
		case mand:
			if s, ok := c.texte(v, bal(k.balise), kString1, k.max, k.attendu); ok {
				c.format(k.format, s, bal(k.balise))
			}
		}
		if c.stop() {
			return
		}
	}
	c.etablissements()
}

// Formats of free-text keys.
const (
	fmtCapitales = iota
	fmtEmail
	fmtTelephone
)

// format applies a free-text key's format rule.
func (c *controleur) format(fmtID int, s []byte, b balise) {
	var ok bool
	var code string
	switch fmtID {
	case fmtCapitales:
		ok, code = capitales(s), CodeCapitales
	case fmtEmail:
		ok, code = emailValide(s), CodeEmail
	default:
		ok, code = telephoneValide(s), CodeTelephone
	}
	if !ok {
		c.add(Erreur{Code: code, Balise: b.String(), Valeur: montrerTexte(string(s))})
	}
}

func (c *controleur) etablissements() {
	v := c.d.f[fEtablissements]
	const chemin = "beneficiaires.etablissementsClients"
	if !c.typed(v, bal(chemin), kArray1, attEtabs) {
		return
	}
	clients := c.doc.clients[c.d.c0:c.d.c1]
	if len(clients) == 0 {
		c.add(Erreur{Code: CodeTableauVide, Balise: chemin, P1: "au moins un établissement client"})
		return
	}
	for j := range clients {
		e := &clients[j]
		b := balise{chemin, j + 1, ""}
		if !c.typed(e.v, b, kObject1, attElemClient) {
			if c.stop() {
				return
			}
			continue
		}
		if !c.inconnues(e.inc, schemaClient, b) && c.stop() {
			return
		}
		if s, ok := c.texte(e.f[cNomClient], b.cle("nomClient"), kString1, maxNom, attNomClient); ok {
			c.format(fmtCapitales, s, b.cle("nomClient"))
		}
		if c.stop() {
			return
		}
		if s, ok := c.texte(e.f[cEmailClient], b.cle("emailClient"), kString1, maxEmail, attEmail); ok {
			c.format(fmtEmail, s, b.cle("emailClient"))
		}
		if c.stop() {
			return
		}
		if s, ok := c.texte(e.f[cTelClient], b.cle("telephoneClient"), kString1, maxTel, attTel); ok {
			c.format(fmtTelephone, s, b.cle("telephoneClient"))
		}
		if c.stop() {
			return
		}
		if fv := e.f[cFINESS]; c.typed(fv, b.cle("FINESSPMSI"), kString1, attFINESS) && !finessFormat(c.text(fv)) {
			c.add(Erreur{Code: CodeFINESS, Balise: b.cle("FINESSPMSI").String(), Valeur: montrer(c.b, fv)})
		}
		if c.stop() {
			return
		}
	}
}

// finessFormat: 9 digits, or 2A/2B and 7 digits.
func finessFormat(s []byte) bool {
	if len(s) != 9 {
		return false
	}
	if s[0] == '2' && (s[1] == 'A' || s[1] == 'B') {
		return digits(string(s[2:]))
	}
	return digits(string(s))
}

// genrePieces is what the attachments of a kind of line are: an advance
// request's (an order form, a proof of the VAT regime) or a balance's (an
// invoice, a statement of service delivered).
type genrePieces struct {
	liste, editeur int        // the line's slots of piecesJustificatives and numeroEditeur
	attendu        string     // what piecesJustificatives must be
	vide           string     // what an empty list lacks
	types          [2]string  // the typeFichier values, in the order of codes
	codes          *[2]string // their nomenclature codes
	attType        string     // what typeFichier must be
	codeType       string     // the result code of another typeFichier
	codeNom        string     // the result code of a name outside the nomenclature
}

var (
	piecesAvance = &genrePieces{liste: fPieces, editeur: fNumeroEditeur, attendu: attPieces, vide: "au moins une pièce : le bon de commande",
		types: [2]string{TypeBonCommande, TypePreuveHT}, codes: &codesAvance, attType: attTypeFichier, codeType: CodeTypeFichier, codeNom: CodeNomPiece}
	piecesSolde = &genrePieces{liste: sPieces, editeur: sNumeroEditeur, attendu: attPiecesSolde, vide: "la facture et le procès-verbal de VSR",
		types: [2]string{TypeFacture, TypePVVSR}, codes: &codesSolde, attType: attTypeFichierSolde, codeType: CodeSoldeTypeFichier, codeNom: CodeSoldeNomPiece}
)

// code is the nomenclature's code of an attachment's type.
func (g *genrePieces) code(typ []byte) string {
	if string(typ) == g.types[0] {
		return g.codes[0]
	}
	return g.codes[1]
}

func (c *controleur) listePieces(g *genrePieces) {
	const chemin = "piecesJustificatives"
	if !c.typed(c.d.f[g.liste], bal(chemin), kArray1, g.attendu) {
		return
	}
	pieces := c.doc.pieces[c.d.p0:c.d.p1]
	if len(pieces) == 0 {
		c.add(Erreur{Code: CodeTableauVide, Balise: chemin, P1: g.vide})
		return
	}
	for j := range pieces {
		e := &pieces[j]
		b := balise{chemin, j + 1, ""}
		if !c.typed(e.v, b, kObject1, attElemPiece) {
			if c.stop() {
				return
			}
			continue
		}
		if !c.inconnues(e.inc, schemaPiece, b) && c.stop() {
			return
		}
		if s, ok := c.texte(e.f[pNomFichier], b.cle("nomFichier"), kString1, maxNomFichier, attNomFichier); ok {
			c.nomPiece(s, b.cle("nomFichier"), g)
		}
		if c.stop() {
			return
		}
		if fv := e.f[pFormatFichier]; c.typed(fv, b.cle("formatFichier"), kString1, attFormat) {
			if s := string(c.text(fv)); s != "PDF" && s != "PNG" && s != "JPG" {
				c.add(Erreur{Code: CodeFormatFichier, Balise: b.cle("formatFichier").String(), Valeur: montrer(c.b, fv)})
			}
		}
		if c.stop() {
			return
		}
		if fv := e.f[pTypeFichier]; c.typed(fv, b.cle("typeFichier"), kString1, g.attType) {
			if s := string(c.text(fv)); s != g.types[0] && s != g.types[1] {
				c.add(Erreur{Code: g.codeType, Balise: b.cle("typeFichier").String(), Valeur: montrer(c.b, fv)})
			}
		}
		if c.stop() {
			return
		}
	}
}

// nomPiece is an attachment's name split by the nomenclature
// HOP-<Logiciel>-Va1-<CodeTypeFichier>-<numeroEditeur>[-<NOM>].<pdf|jpg|png>.
type nomPiece struct {
	logiciel, code, editeur, ext string
}

// The nomenclature's codes of the attachments' types: BDC and HT for an
// advance request, FAC and VSR for a balance request.
var (
	codesAvance = [2]string{"BDC", "HT"}
	codesSolde  = [2]string{"FAC", "VSR"}
)

// lireNomPiece splits an attachment's name whose CodeTypeFichier is one of codes.
func lireNomPiece(s string, codes *[2]string) (nomPiece, bool) {
	var n nomPiece
	rest, ok := strings.CutPrefix(s, "HOP-")
	if !ok {
		return n, false
	}
	n.logiciel, rest, ok = strings.Cut(rest, "-")
	if !ok || (n.logiciel != "RI" && n.logiciel != "DPI" && n.logiciel != "PFI") {
		return n, false
	}
	if rest, ok = strings.CutPrefix(rest, "Va1-"); !ok {
		return n, false
	}
	n.code, rest, ok = strings.Cut(rest, "-")
	if !ok || (n.code != codes[0] && n.code != codes[1]) || len(rest) < 6 {
		return n, false
	}
	n.editeur, rest = rest[:5], rest[5:]
	if !alnum(n.editeur) {
		return n, false
	}
	dot := strings.LastIndexByte(rest, '.')
	if dot < 0 {
		return n, false
	}
	if resp := rest[:dot]; resp != "" {
		if resp[0] != '-' || len(resp) == 1 {
			return n, false
		}
		for _, r := range resp[1:] {
			if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
				return n, false
			}
		}
	}
	n.ext = rest[dot+1:]
	if n.ext != "pdf" && n.ext != "jpg" && n.ext != "png" {
		return n, false
	}
	return n, true
}

func (c *controleur) nomPiece(s []byte, b balise, g *genrePieces) {
	n, ok := lireNomPiece(string(s), g.codes)
	var editeur []byte
	if v := c.d.f[g.editeur]; v.kind == kString {
		editeur = c.text(v)
	}
	switch {
	case !ok:
		c.add(Erreur{Code: g.codeNom, Balise: b.String(), Valeur: montrerTexte(string(s)), P1: string(c.depot.Logiciel), P2: string(editeur)})
	case n.logiciel != string(c.depot.Logiciel):
		c.add(Erreur{Code: CodeNomPieceLogiciel, Balise: b.String(), Valeur: montrerTexte(string(s)), P1: string(c.depot.Logiciel)})
	case len(editeur) > 0 && n.editeur != string(editeur):
		c.add(Erreur{Code: CodeNomPieceEditeur, Balise: b.String(), Valeur: montrerTexte(string(s)), P1: montrerTexte(string(editeur))})
	}
}

// regles checks the rules across fields; every field is valid here.
func (c *controleur) regles() {
	f := &c.d.f
	// Establishments.
	clients := c.doc.clients[c.d.c0:c.d.c1]
	if f[fIsClientUnique].kind == kTrue && len(clients) != 1 {
		c.add(Erreur{Code: CodeClientUnique, Valeur: strconv.Itoa(len(clients))})
		return
	}
	if f[fIsClientUnique].kind == kFalse && len(clients) < 2 {
		c.add(Erreur{Code: CodeClientsPlusieurs})
		return
	}
	for j := 1; j < len(clients); j++ {
		for k := 0; k < j; k++ {
			if c.egal(clients[k].f[cFINESS], clients[j].f[cFINESS]) {
				c.add(Erreur{Code: CodeFINESSDoublon, Balise: balise{"beneficiaires.etablissementsClients", j + 1, "FINESSPMSI"}.String(),
					Valeur: montrer(c.b, clients[j].f[cFINESS]), P1: strconv.Itoa(k + 1)})
				return
			}
		}
	}
	// Attachments.
	pieces := c.doc.pieces[c.d.p0:c.d.p1]
	bdc, ht, premierHT := 0, 0, 0
	for j := range pieces {
		switch string(c.text(pieces[j].f[pTypeFichier])) {
		case TypeBonCommande:
			bdc++
		case TypePreuveHT:
			ht++
			if premierHT == 0 {
				premierHT = j + 1
			}
		}
	}
	regime := string(c.text(f[fRegimeTVA]))
	switch {
	case bdc == 0:
		c.add(Erreur{Code: CodeSansBonCommande})
	case bdc > 1:
		c.add(Erreur{Code: CodeBonsCommande, Valeur: strconv.Itoa(bdc)})
	case regime == "HT" && ht == 0:
		c.add(Erreur{Code: CodeSansPreuveHT})
	case regime == "TTC" && ht > 0:
		c.add(Erreur{Code: CodePreuveHTEnTTC, Balise: "piecesJustificatives[" + strconv.Itoa(premierHT) + "].typeFichier"})
	}
	if c.stop() {
		return
	}
	if !c.nomsPieces(pieces, piecesAvance) {
		return
	}
	// The software type of the deposit.
	faux := flagsRI
	switch c.depot.Logiciel {
	case LogicielDPI:
		faux = flagsPFI
	case LogicielPFI:
		faux = flagsDPI
	}
	for _, fl := range faux {
		if f[fl.slot].kind == kTrue {
			c.add(Erreur{Code: CodeScenarioFalse, Balise: fl.balise, P1: string(c.depot.Logiciel)})
			return
		}
	}
	// A non-null operator of an RI or a DPI is 2071, found with the fields.
	if c.depot.Logiciel == LogicielPFI && f[fPFIOperateur].kind == kNull {
		c.add(Erreur{Code: CodeOperateurRequis, Balise: "scenarioInstallation.PFI.operateurMessagerie", Valeur: "null"})
	}
}

// drapeau is a boolean of the installation scenario.
type drapeau struct {
	slot   int
	balise string
}

var (
	flagsDPI = []drapeau{
		{fDPIDMP, "scenarioInstallation.DPI.isPFIpourEnvoiDMPIndependante"},
		{fDPIMSSPro, "scenarioInstallation.DPI.isPFIpourEnvoiMSSProIndependante"},
		{fDPIMSSCitoyen, "scenarioInstallation.DPI.isPFIpourEnvoiMSSCitoyenIndependante"},
		{fDPIProSanteConnect, "scenarioInstallation.DPI.isProSanteConnectNeeded"},
	}
	flagsPFI = []drapeau{
		{fPFICRBIO, "scenarioInstallation.PFI.isCRBIOAssociated"},
		{fPFICRRAD, "scenarioInstallation.PFI.isCRRADAssociated"},
		{fPFIDMP, "scenarioInstallation.PFI.isEnvoiDMP"},
		{fPFIMSSPro, "scenarioInstallation.PFI.isEnvoiMSSPro"},
		{fPFIMSSCitoyen, "scenarioInstallation.PFI.isEnvoiMSSCitoyen"},
	}
	// An RI request checks both blocks.
	flagsRI = append(append([]drapeau{}, flagsDPI...), flagsPFI...)
)

// nomsPieces checks, across a line's attachments, that no name is given
// twice and that each name's extension and code agree with its format and
// type; it reports whether they all do.
func (c *controleur) nomsPieces(pieces []element, g *genrePieces) bool {
	for j := range pieces {
		fNom := pieces[j].f[pNomFichier]
		b := balise{"piecesJustificatives", j + 1, "nomFichier"}
		for k := 0; k < j; k++ {
			if c.egal(pieces[k].f[pNomFichier], fNom) {
				c.add(Erreur{Code: CodePieceDoublon, Balise: b.String(), Valeur: montrer(c.b, fNom), P1: strconv.Itoa(k + 1)})
				return false
			}
		}
		n, _ := lireNomPiece(string(c.text(fNom)), g.codes)
		format := c.text(pieces[j].f[pFormatFichier])
		if ext := extension(format); n.ext != ext {
			c.add(Erreur{Code: CodeExtension, Balise: b.String(), Valeur: montrer(c.b, fNom), P1: ext, P2: string(format)})
			return false
		}
		typ := c.text(pieces[j].f[pTypeFichier])
		if code := g.code(typ); n.code != code {
			c.add(Erreur{Code: CodeCodeTypeFichier, Balise: b.String(), Valeur: montrer(c.b, fNom), P1: code, P2: string(typ)})
			return false
		}
	}
	return true
}

// extension is the file-name extension of a formatFichier.
func extension(format []byte) string {
	switch string(format) {
	case "PNG":
		return "png"
	case "JPG":
		return "jpg"
	}
	return "pdf"
}

// egal reports whether two string values have the same text.
func (c *controleur) egal(a, b val) bool {
	if !a.esc && !b.esc {
		return string(c.b[a.start:a.end]) == string(c.b[b.start:b.end])
	}
	return string(unescape(nil, c.b[a.start:a.end])) == string(unescape(nil, c.b[b.start:b.end]))
}

func (c *controleur) scenario() {
	f := &c.d.f
	if !c.typed(f[fScenario], bal("scenarioInstallation"), kObject1, attScenario) {
		return
	}
	if !c.inconnues(c.d.inc[oScenario], schemaScenario, bal("scenarioInstallation")) && c.stop() {
		return
	}
	for _, blk := range []struct {
		slot     int
		sch      *schema
		inc      int
		logiciel Logiciel
	}{{fDPI, schemaDPI, oDPI, LogicielDPI}, {fPFI, schemaPFI, oPFI, LogicielPFI}} {
		if !c.typed(f[blk.slot], bal(blk.sch.chemin), kObject1, attObjet) {
			if c.stop() {
				return
			}
			continue
		}
		if !c.inconnues(c.d.inc[blk.inc], blk.sch, bal(blk.sch.chemin)) && c.stop() {
			return
		}
		// A block of another software type than the deposit's must have
		// its flags false: say so rather than « true ou false ».
		attendu := attBool
		if blk.logiciel != c.depot.Logiciel {
			attendu = attFaux(c.depot.Logiciel)
		}
		// Table order: the booleans, then operateurMessagerie.
		for _, ch := range blk.sch.champs {
			if ch.slot == fPFIOperateur {
				continue
			}
			c.typed(f[ch.slot], balise{parent: blk.sch.chemin, nom: ch.nom}, kBool1, attendu)
			if c.stop() {
				return
			}
		}
		if blk.slot == fPFI {
			const b = "scenarioInstallation.PFI.operateurMessagerie"
			if op := f[fPFIOperateur]; c.depot.Logiciel != LogicielPFI && op.kind != kNull && op.kind != kAbsent {
				// The only value for an RI or a DPI is null: a vendor told to
				// pick an operator of the list would then get this code.
				c.add(Erreur{Code: CodeOperateurNull, Balise: b, Valeur: montrer(c.b, op), P1: string(c.depot.Logiciel)})
			} else if s, ok := c.texte(op, bal(b), kString1|kNull1, maxOperateur, attOperateur); ok && !c.opt.Operateurs.Contient(string(s)) {
				c.add(Erreur{Code: CodeOperateurInconnu, Balise: b, Valeur: montrerTexte(string(s))})
			}
			if c.stop() {
				return
			}
		}
	}
}

// pieces checks the request's attachments in the zip, in order.
func (c *controleur) pieces() {
	a := c.opt.Archive
	if a == nil {
		return
	}
	pieces := c.doc.pieces[c.d.p0:c.d.p1]
	for j := range pieces {
		nom := string(c.text(pieces[j].f[pNomFichier]))
		format := string(c.text(pieces[j].f[pFormatFichier]))
		e := Erreur{Balise: "piecesJustificatives[" + strconv.Itoa(j+1) + "].nomFichier", Valeur: montrerTexte(nom), P1: format}
		switch a.CheckPiece(nom, format) {
		case PieceOK:
			continue
		case PieceAbsente:
			e.Code = CodePieceAbsente
		case PieceTropGrande:
			e.Code = CodePieceTropGrande
		case PieceFormatIncorrect:
			e.Code = CodePieceFormat
		default:
			e.Code = CodePieceIllisible
		}
		c.add(e)
		if c.stop() {
			return
		}
	}
}

// unicite checks numeroEditeur against the earlier requests of the file and
// the vendor's history. Every well-formed number of the file counts as used,
// whatever its request's outcome.
func (c *controleur) unicite(numero string) error {
	if len(numero) != 5 || !alnum(numero) {
		return nil
	}
	cle := strings.ToUpper(numero)
	first, seen := c.vus[cle]
	if !seen {
		c.vus[cle] = c.pos
	}
	if c.stop() {
		return nil
	}
	if seen {
		c.add(Erreur{Code: CodeEditeurFichier, Balise: "numeroEditeur", Valeur: montrerTexte(numero), P1: strconv.Itoa(first)})
		return nil
	}
	if c.opt.Portail == nil {
		return nil
	}
	used, err := c.opt.Portail.NumeroEditeurUtilise(numero)
	if err != nil {
		return err
	}
	if used {
		c.add(Erreur{Code: CodeEditeurHistorique, Balise: "numeroEditeur", Valeur: montrerTexte(numero)})
	}
	return nil
}
