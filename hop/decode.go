package hop

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

// Bounds of a deposited JSON file. They are part of control 1 and printed by
// `segur check --help`.
const (
	// MaxFichier is the largest JSON file accepted: 10 Mo (2^20 bytes each).
	// A full file of 200 requests weighs about 0.5 Mo.
	MaxFichier = 10 << 20
	// MaxProfondeur is the deepest nesting of objects and arrays accepted.
	// The format itself needs 6 levels.
	MaxProfondeur = 20
	// MaxDemandes is the most requests one file may carry.
	MaxDemandes = 200
)

// kind is the JSON type of a value; kAbsent marks a key that was not given.
type kind uint8

const (
	kAbsent kind = iota
	kNull
	kFalse
	kTrue
	kNumber
	kString
	kObject
	kArray
)

// val locates one JSON value in the file. For a string, start and end bound
// its content, without the quotes; for anything else, its whole text.
type val struct {
	kind  kind
	esc   bool // a string holding escapes
	start int32
	end   int32
}

// cle locates an object key, without its quotes.
type cle struct {
	start, end int32
	esc        bool
}

// Fields of a request, in the order of the field table; the value of a
// nested object is kept in the same record as the request's own keys.
const (
	fNumLigne = iota
	fTypeAction
	fNumeroASP
	fNumeroEditeur
	fCommande
	fDateCommande
	fRegimeTVA
	fMontant
	fBeneficiaires
	fIsMandataire
	fIsClientUnique
	fNomMandataire
	fEmailMandataire
	fTelMandataire
	fEtablissements
	fPieces
	fScenario
	fDPI
	fDPIDMP
	fDPIMSSPro
	fDPIMSSCitoyen
	fDPIProSanteConnect
	fPFI
	fPFICRBIO
	fPFICRRAD
	fPFIDMP
	fPFIMSSPro
	fPFIMSSCitoyen
	fPFIOperateur
	fCodeTraitement
	fLibelleTraitement
	nbChamps
)

// Fields of a client establishment and of an attachment.
const (
	cNomClient = iota
	cEmailClient
	cTelClient
	cFINESS
)

const (
	pNomFichier = iota
	pFormatFichier
	pTypeFichier
)

// Objects of a request that can hold unknown keys.
const (
	oDemande = iota
	oCommande
	oBeneficiaires
	oScenario
	oDPI
	oPFI
	nbObjets
)

const (
	tabAucun = iota
	tabClients
	tabPieces
)

// champ is one key of a known object.
type champ struct {
	nom  string
	slot int
	sous *schema // the value is an object parsed into the same record
	tab  int     // the value is an array of clients or of attachments
}

// schema is a known object of the format.
type schema struct {
	chemin string // path shown to users, "" for the request itself
	champs []champ
	inc    int // index of its unknown-keys list in a request record
}

var (
	schemaCommande = &schema{chemin: "commande", inc: oCommande, champs: []champ{
		{nom: "dateCommande", slot: fDateCommande},
		{nom: "regimeTVA", slot: fRegimeTVA},
		{nom: "montantSegurHT", slot: fMontant},
	}}
	schemaBeneficiaires = &schema{chemin: "beneficiaires", inc: oBeneficiaires, champs: []champ{
		{nom: "isMandataire", slot: fIsMandataire},
		{nom: "isClientUnique", slot: fIsClientUnique},
		{nom: "nomMandataire", slot: fNomMandataire},
		{nom: "emailMandataire", slot: fEmailMandataire},
		{nom: "telephoneMandataire", slot: fTelMandataire},
		{nom: "etablissementsClients", slot: fEtablissements, tab: tabClients},
	}}
	schemaDPI = &schema{chemin: "scenarioInstallation.DPI", inc: oDPI, champs: []champ{
		{nom: "isPFIpourEnvoiDMPIndependante", slot: fDPIDMP},
		{nom: "isPFIpourEnvoiMSSProIndependante", slot: fDPIMSSPro},
		{nom: "isPFIpourEnvoiMSSCitoyenIndependante", slot: fDPIMSSCitoyen},
		{nom: "isProSanteConnectNeeded", slot: fDPIProSanteConnect},
	}}
	schemaPFI = &schema{chemin: "scenarioInstallation.PFI", inc: oPFI, champs: []champ{
		{nom: "isCRBIOAssociated", slot: fPFICRBIO},
		{nom: "isCRRADAssociated", slot: fPFICRRAD},
		{nom: "operateurMessagerie", slot: fPFIOperateur},
		{nom: "isEnvoiDMP", slot: fPFIDMP},
		{nom: "isEnvoiMSSPro", slot: fPFIMSSPro},
		{nom: "isEnvoiMSSCitoyen", slot: fPFIMSSCitoyen},
	}}
	schemaScenario = &schema{chemin: "scenarioInstallation", inc: oScenario, champs: []champ{
		{nom: "DPI", slot: fDPI, sous: schemaDPI},
		{nom: "PFI", slot: fPFI, sous: schemaPFI},
	}}
	schemaDemande = &schema{chemin: "", inc: oDemande, champs: []champ{
		{nom: "numLigne", slot: fNumLigne},
		{nom: "typeAction", slot: fTypeAction},
		{nom: "numeroASP", slot: fNumeroASP},
		{nom: "numeroEditeur", slot: fNumeroEditeur},
		{nom: "commande", slot: fCommande, sous: schemaCommande},
		{nom: "beneficiaires", slot: fBeneficiaires, sous: schemaBeneficiaires},
		{nom: "piecesJustificatives", slot: fPieces, tab: tabPieces},
		{nom: "scenarioInstallation", slot: fScenario, sous: schemaScenario},
		{nom: "codeTraitement", slot: fCodeTraitement},
		{nom: "libelleTraitement", slot: fLibelleTraitement},
	}}
	schemaClient = &schema{chemin: "beneficiaires.etablissementsClients", champs: []champ{
		{nom: "nomClient", slot: cNomClient},
		{nom: "emailClient", slot: cEmailClient},
		{nom: "telephoneClient", slot: cTelClient},
		{nom: "FINESSPMSI", slot: cFINESS},
	}}
	schemaPiece = &schema{chemin: "piecesJustificatives", champs: []champ{
		{nom: "nomFichier", slot: pNomFichier},
		{nom: "formatFichier", slot: pFormatFichier},
		{nom: "typeFichier", slot: pTypeFichier},
	}}
	// The file header.
	enteteCles = []string{"impId", "numeroAns", "SIRET", "lignesImport"}
)

// demande is one request as read from the file.
type demande struct {
	v      val // the element itself
	f      [nbChamps]val
	c0, c1 int32 // its clients: document.clients[c0:c1]
	p0, p1 int32 // its attachments: document.pieces[p0:p1]
	// inc holds the unknown keys by object (oDemande…); nil when there are
	// none, as in most requests, which saves their room in each record.
	inc map[int][]cle
	// forme tells how the writer of the returned file can copy the
	// request's text rather than read it again (see parser.forme), but for
	// its strings with escapes, document.echappees[e0:e1].
	forme  forme
	e0, e1 int32
}

// forme is how close a request's text is to the returned file's.
type forme uint8

const (
	formeAutre  forme = iota // read again, token by token
	formeLignes              // in the same lines: copied line by line, the indentation rewritten
	formeExacte              // the same text: copied
)

// echappee locates the content of a string holding escapes, without its
// quotes.
type echappee struct{ start, end int32 }

// maxEchappees is the most strings with escapes a request may hold and be
// copied to the returned file: beyond, it is read again, which keeps the
// positions recorded in parsing to about 100 KB for any file.
const maxEchappees = 64

// element is a client establishment or an attachment.
type element struct {
	v   val
	f   [4]val
	inc []cle
}

// document is a JSON-HOP file as read, values located but not yet judged.
type document struct {
	racine    val
	incRacine []cle
	entete    [4]val // impId, numeroAns, SIRET, lignesImport
	demandes  []demande
	clients   []element
	pieces    []element
	echappees []echappee // strings with escapes of the requests to copy: demande.e0:e1
	nbLignes  int        // elements of lignesImport
	nonObjet  int        // position of the first element that is not an object, 0 if none
	nonObjetV val
}

// parser reads a JSON-HOP file in one pass, checking the JSON syntax, the
// nesting depth and duplicate keys as it locates the values of the format.
type parser struct {
	b     []byte
	i     int
	depth int
	doc   *document
	ligne *schema // an element of lignesImport: an advance or a balance request
	fatal *Erreur // a syntax fault: reading stopped there
	dup   *Erreur // the first key given twice in one object
	tmp   []byte
	cles  []cle // keys of the generic objects being read, a stack
	// forme is, in a request, how close the text read so far is to the
	// returned file's (EcrireRetour). formeLignes: it is laid out in the
	// same lines, a line break before each member, element or closing
	// bracket of a container that is not empty, one space after a colon,
	// no blank elsewhere; that file then differs only by the indentation,
	// which follows from the brackets, and by "\r\n" line breaks.
	// formeExacte: moreover, each line break is "\n" and two spaces a level.
	// In both, the strings with escapes, which that file writes unescaped,
	// are recorded from document.echappees[e0:] on. Recording all this here
	// saves the writer a second tokenisation of the requests.
	forme forme
	e0    int
}

var isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// strStop marks the bytes that end the fast scan of a string.
var strStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func (p *parser) ws() {
	p.i = skipBlanks(p.b, p.i)
}

// skipBlanks returns the position of the first byte of b from i that is not
// a blank, or len(b).
func skipBlanks(b []byte, i int) int {
	// Ranging over the rest, rather than indexing b in the loop, needs no
	// bounds check on each byte.
	for j, c := range b[i:] {
		if !isSpace[c] {
			return i + j
		}
	}
	return len(b)
}

// wsLine skips the blanks before a member, an element or a closing bracket
// at depth, where the returned file starts a line: "\n" and two spaces a
// level. Another line break ("\r\n") or indentation (spaces, tabs) keeps
// the text in the same lines.
func (p *parser) wsLine(depth int) {
	b, i := p.b, p.i
	if i < len(b) && b[i] == '\r' {
		i++
	}
	if i < len(b) && b[i] == '\n' {
		nl := i
		i = skipIndent(b, i+1)
		if i < len(b) && !isSpace[b[i]] {
			// (depth <= MaxProfondeur: indents is long enough.)
			if nl != p.i || string(b[nl:i]) != indents[:1+2*depth] {
				p.forme = min(p.forme, formeLignes)
			}
			p.i = i
			return
		}
	}
	p.forme = formeAutre
	p.ws()
}

// skipIndent returns the position of the first byte of b from i that is
// neither a space nor a tab, or len(b). An indentation is skipped eight
// bytes at a time.
func skipIndent(b []byte, i int) int {
	const spaces, tabs = 0x2020202020202020, 0x0909090909090909
	// Reslicing rest, rather than indexing b, lets the compiler drop the
	// bounds checks of the loop.
	rest := b[i:]
	for ; len(rest) >= 8; rest = rest[8:] {
		x := binary.LittleEndian.Uint64(rest)
		if m := nonZero(x^spaces) & nonZero(x^tabs); m != 0 {
			return len(b) - len(rest) + bits.TrailingZeros64(m)/8
		}
	}
	for j, c := range rest {
		if c != ' ' && c != '\t' {
			return len(b) - len(rest) + j
		}
	}
	return len(b)
}

// nonZero sets the high bit of each byte of x that is not zero, and only
// those: a byte's low seven bits plus 0x7f carry into its own high bit,
// never into the next byte.
func nonZero(x uint64) uint64 {
	const low7, highs = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	return ((x&low7 + low7) | x) & highs
}

// wsColon skips the blanks after a key's colon, where the returned file puts
// one space.
func (p *parser) wsColon() {
	if i := p.i; i+1 < len(p.b) && p.b[i] == ' ' && !isSpace[p.b[i+1]] {
		p.i = i + 1
		return
	}
	p.forme = formeAutre
	p.ws()
}

// syntax records a syntax fault at p.i: what was found there and what was expected.
func (p *parser) syntax(attendu string) bool {
	if p.fatal == nil {
		p.fatal = &Erreur{Code: CodeSyntaxe, Valeur: p.trouve(), P1: attendu, Offset: p.i}
	}
	return false
}

// trouve describes the text at p.i for a syntax message.
func (p *parser) trouve() string {
	if p.i >= len(p.b) {
		return "la fin du fichier"
	}
	r, _ := utf8.DecodeRune(p.b[p.i:])
	switch {
	case r < 0x20:
		return "un caractère de contrôle"
	case r == ' ':
		return "un blanc"
	}
	// Show the rest of the token, cut.
	j := p.i + utf8.RuneLen(r)
	for j < len(p.b) && j-p.i < 20 {
		c := p.b[j]
		if c < 0x80 && !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+') {
			break
		}
		_, n := utf8.DecodeRune(p.b[j:])
		j += n
	}
	return "« " + string(p.b[p.i:j]) + " »"
}

// parse reads the whole file b (UTF-8 already checked, BOM removed), whose
// requests follow ligne (schemaDemande or schemaSolde).
func parse(b []byte, doc *document, ligne *schema) *parser {
	p := &parser{b: b, doc: doc, ligne: ligne}
	// A request takes at least about 600 bytes: size the slice once. The
	// clients and attachments are sized after the first request (reserve).
	n := min(MaxDemandes, len(b)/600+1)
	doc.demandes = make([]demande, 0, n)
	doc.clients = make([]element, 0, 4)
	doc.pieces = make([]element, 0, 4)
	p.ws()
	if p.i >= len(p.b) {
		p.syntax("un objet JSON")
		return p
	}
	if p.b[p.i] != '{' {
		v, ok := p.value()
		if ok {
			p.ws()
			if p.i < len(p.b) {
				p.syntax("la fin du fichier")
				return p
			}
			doc.racine = v
		}
		return p
	}
	if !p.racine() {
		return p
	}
	p.ws()
	if p.i < len(p.b) {
		p.syntax("la fin du fichier après l'objet principal")
	}
	return p
}

// racine reads the top-level object.
func (p *parser) racine() bool {
	doc := p.doc
	doc.racine = val{kind: kObject, start: int32(p.i)}
	if !p.enter() {
		return false
	}
	p.i++
	var seen uint8
	var inc []cle
	first := true
	for {
		p.ws()
		if p.i >= len(p.b) {
			return p.syntax("une balise ou « } »")
		}
		if p.b[p.i] == '}' {
			if !first {
				return p.syntax("une balise entre guillemets")
			}
			p.i++
			break
		}
		k, ok := p.key()
		if !ok {
			return false
		}
		name := p.keyText(k)
		idx := -1
		for j, n := range enteteCles {
			if string(name) == n {
				idx = j
				break
			}
		}
		if idx >= 0 {
			if seen&(1<<idx) != 0 {
				p.duplicate(k)
			}
			seen |= 1 << idx
		} else {
			p.unknownKey(&inc, k)
		}
		if idx == 3 && p.i < len(p.b) && p.b[p.i] == '[' {
			if !p.lignes() {
				return false
			}
		} else {
			v, ok := p.value()
			if !ok {
				return false
			}
			if idx >= 0 {
				doc.entete[idx] = v
			}
		}
		first = false
		if !p.next('}') {
			if p.fatal != nil {
				return false
			}
			break
		}
	}
	p.depth--
	doc.racine.end = int32(p.i)
	doc.incRacine = inc
	return true
}

// next reads the separator after a member or element: "," and the blanks
// after it (returns true: another follows) or the closing byte (returns
// false). The container's members are at depth p.depth.
func (p *parser) next(closing byte) bool {
	if p.i < len(p.b) && p.b[p.i] == ',' {
		p.i++
		p.wsLine(p.depth)
		return true
	}
	p.wsLine(p.depth - 1)
	if p.i < len(p.b) {
		switch p.b[p.i] {
		case ',':
			p.forme = formeAutre // a blank before the comma
			p.i++
			p.ws()
			return true
		case closing:
			p.i++
			return false
		}
	}
	if closing == '}' {
		p.syntax("« , » ou « } »")
	} else {
		p.syntax("« , » ou « ] »")
	}
	return false
}

func (p *parser) enter() bool {
	p.depth++
	if p.depth > MaxProfondeur {
		if p.fatal == nil {
			p.fatal = &Erreur{Code: CodeProfondeur, Offset: p.i}
		}
		return false
	}
	return true
}

// lignes reads lignesImport, an array whose object elements are requests.
func (p *parser) lignes() bool {
	doc := p.doc
	doc.entete[3] = val{kind: kArray, start: int32(p.i)}
	if !p.enter() {
		return false
	}
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
	} else {
		for {
			p.ws()
			doc.nbLignes++
			if p.i < len(p.b) && p.b[p.i] == '{' && doc.nbLignes <= MaxDemandes {
				doc.demandes = append(doc.demandes, demande{})
				d := &doc.demandes[len(doc.demandes)-1]
				d.c0, d.c1 = int32(len(doc.clients)), int32(len(doc.clients))
				d.p0, d.p1 = int32(len(doc.pieces)), int32(len(doc.pieces))
				d.v = val{kind: kObject, start: int32(p.i)}
				p.forme, p.e0 = formeExacte, len(doc.echappees)
				if !p.objet(p.ligne, d.f[:], nil, d) {
					return false
				}
				d.v.end = int32(p.i)
				d.forme = p.forme
				if d.forme != formeAutre {
					d.e0, d.e1 = int32(p.e0), int32(len(doc.echappees))
				} else {
					doc.echappees = doc.echappees[:p.e0] // the writer reads it again
				}
				p.forme = formeAutre // until the next request
				if len(doc.demandes) == 1 {
					p.reserve(d)
				}
			} else {
				v, ok := p.value()
				if !ok {
					return false
				}
				if v.kind != kObject && doc.nonObjet == 0 {
					doc.nonObjet, doc.nonObjetV = doc.nbLignes, v
				}
			}
			if !p.next(']') {
				if p.fatal != nil {
					return false
				}
				break
			}
		}
	}
	p.depth--
	doc.entete[3].end = int32(p.i)
	return true
}

// reserve sizes the lists of clients and attachments for the rest of the
// file once its first request d is read, at d's density (elements per
// byte), and to 4 per request at most: growing them by appending would
// leave a copy behind at each step.
func (p *parser) reserve(d *demande) {
	doc := p.doc
	size := int(d.v.end-d.v.start) + 1
	rest := min(MaxDemandes, (len(p.b)-int(d.v.end))/size+1)
	grow := func(l []element, n int) []element {
		return slices.Grow(l, min(n, 4)*rest)
	}
	doc.clients = grow(doc.clients, int(d.c1-d.c0))
	doc.pieces = grow(doc.pieces, int(d.p1-d.p0))
}

// objet reads a known object into the record f. Unknown keys go to inc (an
// element), or without it to d.inc[sch.inc] (a request or one of its nested
// objects).
func (p *parser) objet(sch *schema, f []val, inc *[]cle, d *demande) bool {
	if !p.enter() {
		return false
	}
	p.i++ // '{'
	var seen uint32
	if p.open('}') {
		p.i++
		p.depth--
		return true
	}
	// Files list the keys in the format's order: the key after the last one
	// found is tried first, in place.
	guess := 0
	for {
		j := guess
		k, found := cle{}, false
		if j < len(sch.champs) {
			k, found = p.plainKey(sch.champs[j].nom)
		}
		if found {
			if !p.colon() {
				return false
			}
		} else {
			var ok bool
			if k, ok = p.key(); !ok {
				return false
			}
			name := p.keyText(k)
			j = -1
			for n := range sch.champs {
				if string(name) == sch.champs[n].nom {
					j = n
					break
				}
			}
		}
		var c *champ
		if j >= 0 {
			c = &sch.champs[j]
			if seen&(1<<j) != 0 {
				p.duplicate(k)
			}
			seen |= 1 << j
			guess = j + 1
		} else if inc != nil {
			p.unknownKey(inc, k)
		} else {
			if d.inc == nil {
				d.inc = make(map[int][]cle)
			}
			l := d.inc[sch.inc]
			p.unknownKey(&l, k)
			d.inc[sch.inc] = l
		}
		switch {
		case c != nil && c.sous != nil && p.i < len(p.b) && p.b[p.i] == '{':
			start := p.i
			if !p.objet(c.sous, f, nil, d) {
				return false
			}
			f[c.slot] = val{kind: kObject, start: int32(start), end: int32(p.i)}
		case c != nil && c.tab != tabAucun && p.i < len(p.b) && p.b[p.i] == '[':
			if !p.elements(c, f, d) {
				return false
			}
		default:
			v, ok := p.value()
			if !ok {
				return false
			}
			if c != nil {
				f[c.slot] = v
			}
		}
		if !p.next('}') {
			if p.fatal != nil {
				return false
			}
			break
		}
	}
	p.depth--
	return true
}

// elements reads the array of clients or of attachments of request d.
func (p *parser) elements(c *champ, f []val, d *demande) bool {
	start := p.i
	if !p.enter() {
		return false
	}
	p.i++
	doc := p.doc
	sch := schemaClient
	if c.tab == tabPieces {
		sch = schemaPiece
	}
	if p.open(']') {
		p.i++
	} else {
		for {
			// Parse in place: elements hold no arrays of their own kind, so
			// the slice does not grow under e.
			var e *element
			if c.tab == tabPieces {
				doc.pieces = append(doc.pieces, element{})
				e = &doc.pieces[len(doc.pieces)-1]
			} else {
				doc.clients = append(doc.clients, element{})
				e = &doc.clients[len(doc.clients)-1]
			}
			if p.i < len(p.b) && p.b[p.i] == '{' {
				e.v = val{kind: kObject, start: int32(p.i)}
				if !p.objet(sch, e.f[:], &e.inc, d) {
					return false
				}
				e.v.end = int32(p.i)
			} else {
				v, ok := p.value()
				if !ok {
					return false
				}
				e.v = v
			}
			if !p.next(']') {
				if p.fatal != nil {
					return false
				}
				break
			}
		}
	}
	p.depth--
	if c.tab == tabPieces {
		d.p1 = int32(len(doc.pieces))
	} else {
		d.c1 = int32(len(doc.clients))
	}
	f[c.slot] = val{kind: kArray, start: int32(start), end: int32(p.i)}
	return true
}

// unknownKey records an unknown key of a known object, and checks it is not
// given twice.
func (p *parser) unknownKey(inc *[]cle, k cle) {
	for _, o := range *inc {
		if p.sameKey(o, k) {
			p.duplicate(k)
			break
		}
	}
	*inc = append(*inc, k)
}

func (p *parser) duplicate(k cle) {
	if p.dup == nil {
		p.dup = &Erreur{Code: CodeDoublonBalise, Balise: string(p.keyText(k)), Offset: int(k.start) - 1}
	}
}

// open skips the blanks after the opening bracket of a container just
// entered (p.i after it), and reports whether the container is empty (p.i
// then on its closing bracket). The returned file writes an empty one with
// nothing inside.
func (p *parser) open(closing byte) bool {
	if p.i < len(p.b) && p.b[p.i] == closing {
		return true
	}
	p.wsLine(p.depth)
	if p.i < len(p.b) && p.b[p.i] == closing {
		p.forme = formeAutre
		return true
	}
	return false
}

// key reads an object key, its colon and the blanks after it.
func (p *parser) key() (cle, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		p.syntax("une balise entre guillemets")
		return cle{}, false
	}
	s, e, esc, ok := p.str()
	if !ok {
		return cle{}, false
	}
	return cle{start: int32(s), end: int32(e), esc: esc}, p.colon()
}

// plainKey reads the key at p.i, up to its closing quote, if it is nom
// written without escapes. It needs no scan: nom holds no byte that ends
// the scan of a string, so str would stop on the same quote.
func (p *parser) plainKey(nom string) (cle, bool) {
	i := p.i + 1
	e := i + len(nom)
	if e >= len(p.b) || p.b[p.i] != '"' || p.b[e] != '"' || string(p.b[i:e]) != nom {
		return cle{}, false
	}
	p.i = e + 1
	return cle{start: int32(i), end: int32(e)}, true
}

// colon reads the colon after a key, and the blanks after it.
func (p *parser) colon() bool {
	if p.i >= len(p.b) || p.b[p.i] != ':' {
		p.forme = formeAutre
		p.ws()
	}
	if p.i >= len(p.b) || p.b[p.i] != ':' {
		return p.syntax("« : » après la balise")
	}
	p.i++
	p.wsColon()
	return true
}

// keyText returns a key's text, unescaped (in a scratch buffer valid until
// the next call when the key holds escapes).
func (p *parser) keyText(k cle) []byte {
	raw := p.b[k.start:k.end]
	if !k.esc {
		return raw
	}
	p.tmp = unescape(p.tmp[:0], raw)
	return p.tmp
}

// sameKey reports whether two keys have the same text once unescaped.
func (p *parser) sameKey(a, b cle) bool {
	ra, rb := p.b[a.start:a.end], p.b[b.start:b.end]
	if !a.esc && !b.esc {
		return string(ra) == string(rb)
	}
	return string(unescape(nil, ra)) == string(unescape(nil, rb))
}

// str reads a string at p.i (on its opening quote) and returns its content's bounds.
func (p *parser) str() (start, end int, esc, ok bool) {
	b := p.b
	i := p.i + 1
	start = i
	for {
		i = skipPlain(b, i)
		if i >= len(b) {
			p.i = i
			p.syntax("« \" » pour fermer la chaîne")
			return 0, 0, false, false
		}
		switch c := b[i]; {
		case c == '"':
			p.i = i + 1
			if esc && p.forme != formeAutre {
				p.echappee(start, i)
			}
			return start, i, esc, true
		case c == '\\':
			esc = true
			if i+1 >= len(b) {
				p.i = i + 1
				p.syntax("un échappement (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
				return 0, 0, false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				r, ok := hex4(b, i+2)
				if !ok {
					p.i = i
					p.syntax("\\u suivi de 4 chiffres hexadécimaux")
					return 0, 0, false, false
				}
				if utf16.IsSurrogate(r) {
					r2, ok2 := rune(0), false
					if r < 0xDC00 && i+11 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
						r2, ok2 = hex4(b, i+8)
					}
					if !ok2 || r2 < 0xDC00 || r2 > 0xDFFF {
						if p.fatal == nil {
							p.fatal = &Erreur{Code: CodeSubstitution, Valeur: string(b[i : i+6]), Offset: i}
						}
						return 0, 0, false, false
					}
					i += 12
				} else {
					i += 6
				}
			default:
				p.i = i
				p.syntax("un échappement (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
				return 0, 0, false, false
			}
		default:
			p.i = i
			p.syntax("un caractère échappé (\\n, \\t, \\uXXXX) à la place d'un caractère de contrôle")
			return 0, 0, false, false
		}
	}
}

// echappee records a string with escapes of a request still in the
// returned file's form, which that file writes unescaped; past
// maxEchappees the request is no longer taken to be in that form.
func (p *parser) echappee(start, end int) {
	if len(p.doc.echappees)-p.e0 >= maxEchappees {
		p.forme = formeAutre
		return
	}
	p.doc.echappees = append(p.doc.echappees, echappee{int32(start), int32(end)})
}

// skipPlain returns the position of the first byte of b from i that ends
// the fast scan of a string (strStop), or len(b).
func skipPlain(b []byte, i int) int {
	// Eight bytes at a time: most strings of a file are keys and values of
	// a few dozen plain bytes. Reslicing rest, as in skipIndent, drops the
	// bounds checks.
	rest := b[i:]
	for ; len(rest) >= 8; rest = rest[8:] {
		if m := stopBytes(binary.LittleEndian.Uint64(rest)); m != 0 {
			return len(b) - len(rest) + bits.TrailingZeros64(m)/8
		}
	}
	for j, c := range rest {
		if strStop[c] {
			return len(b) - len(rest) + j
		}
	}
	return len(b)
}

// stopBytes marks the bytes of x (eight bytes of the file, the first one
// lowest) that end the fast scan of a string: a quote, a backslash, or a
// control character. The lowest bit set is the high bit of the first such
// byte; 0 means none is. It is the classic "has a zero byte" test,
// (v - 0x01…01) &^ v & 0x80…80, on x xor '"' and x xor '\\', and its "has a
// byte below n" form for n = 0x20: a byte can be marked wrongly only above
// a true one, through the borrow, so the lowest mark is always right.
func stopBytes(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := x ^ (ones * '"')
	s := x ^ (ones * '\\')
	return ((q-ones)&^q | (s-ones)&^s | (x-ones*0x20)&^x) & highs
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// unescape appends the text of a string's content raw (already checked) to dst.
func unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, _ := hex4(raw, i+1)
			i += 4
			if utf16.IsSurrogate(r) {
				r2, _ := hex4(raw, i+3)
				r = utf16.DecodeRune(r, r2)
				i += 6
			}
			dst = utf8.AppendRune(dst, r)
		default: // " \ /
			dst = append(dst, raw[i])
		}
	}
	return dst
}

// value reads any JSON value at p.i, checking its syntax; objects met here
// are not part of the format and are only checked for duplicate keys.
func (p *parser) value() (val, bool) {
	if p.i >= len(p.b) {
		p.syntax("une valeur")
		return val{}, false
	}
	start := p.i
	switch c := p.b[p.i]; {
	case c == '"':
		s, e, esc, ok := p.str()
		return val{kind: kString, esc: esc, start: int32(s), end: int32(e)}, ok
	case c == '{':
		ok := p.genericObject()
		return val{kind: kObject, start: int32(start), end: int32(p.i)}, ok
	case c == '[':
		if !p.enter() {
			return val{}, false
		}
		p.i++
		if p.open(']') {
			p.i++
		} else {
			for {
				if _, ok := p.value(); !ok {
					return val{}, false
				}
				if !p.next(']') {
					if p.fatal != nil {
						return val{}, false
					}
					break
				}
			}
		}
		p.depth--
		return val{kind: kArray, start: int32(start), end: int32(p.i)}, true
	case c == '-' || c >= '0' && c <= '9':
		ok := p.number()
		return val{kind: kNumber, start: int32(start), end: int32(p.i)}, ok
	case c == 't':
		return p.literal("true", kTrue)
	case c == 'f':
		return p.literal("false", kFalse)
	case c == 'n':
		return p.literal("null", kNull)
	}
	p.syntax("une valeur (chaîne entre guillemets, nombre, true, false, null, objet ou tableau)")
	return val{}, false
}

func (p *parser) literal(word string, k kind) (val, bool) {
	start := p.i
	if len(p.b)-p.i >= len(word) && string(p.b[p.i:p.i+len(word)]) == word {
		p.i += len(word)
		return val{kind: k, start: int32(start), end: int32(p.i)}, true
	}
	p.syntax("une valeur (chaîne entre guillemets, nombre, true, false, null, objet ou tableau)")
	return val{}, false
}

func (p *parser) number() bool {
	b := p.b
	i := p.i
	if b[i] == '-' {
		i++
	}
	if i >= len(b) || b[i] < '0' || b[i] > '9' {
		p.i = i
		return p.syntax("un chiffre")
	}
	if b[i] == '0' {
		i++
	} else {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			p.i = i
			return p.syntax("un chiffre après le point décimal")
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			p.i = i
			return p.syntax("un chiffre dans l'exposant")
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	p.i = i
	return true
}

// genericObject reads an object that is not part of the format, checking
// its syntax and its keys' uniqueness.
func (p *parser) genericObject() bool {
	if !p.enter() {
		return false
	}
	p.i++
	base := len(p.cles)
	var set map[string]struct{}
	if p.open('}') {
		p.i++
		p.depth--
		return true
	}
	for {
		k, ok := p.key()
		if !ok {
			return false
		}
		name := p.keyText(k)
		switch {
		case set != nil:
			if _, dup := set[string(name)]; dup {
				p.duplicate(k)
			}
			set[string(name)] = struct{}{}
		default:
			for _, o := range p.cles[base:] {
				if p.sameKey(o, k) {
					p.duplicate(k)
					break
				}
			}
			p.cles = append(p.cles, k)
			if len(p.cles)-base > 32 {
				set = make(map[string]struct{}, 64)
				for _, o := range p.cles[base:] {
					set[string(p.keyText(o))] = struct{}{}
				}
			}
		}
		if _, ok := p.value(); !ok {
			return false
		}
		if !p.next('}') {
			if p.fatal != nil {
				return false
			}
			break
		}
	}
	p.cles = p.cles[:base]
	p.depth--
	return true
}
