package hop

import (
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
	inc    [nbObjets][]cle
	c0, c1 int32 // its clients: document.clients[c0:c1]
	p0, p1 int32 // its attachments: document.pieces[p0:p1]
}

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
	nbLignes  int // elements of lignesImport
	nonObjet  int // position of the first element that is not an object, 0 if none
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
	for p.i < len(p.b) && isSpace[p.b[p.i]] {
		p.i++
	}
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
	// A request takes at least about 600 bytes: size the slices once.
	n := min(MaxDemandes, len(b)/600+1)
	doc.demandes = make([]demande, 0, n)
	doc.clients = make([]element, 0, 2*n)
	doc.pieces = make([]element, 0, 2*n)
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
		p.ws()
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

// next reads the separator after a member or element: "," (returns true:
// another follows) or the closing byte (returns false).
func (p *parser) next(closing byte) bool {
	p.ws()
	if p.i < len(p.b) {
		switch p.b[p.i] {
		case ',':
			p.i++
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
				if !p.objet(p.ligne, d.f[:], &d.inc, nil, d) {
					return false
				}
				d.v.end = int32(p.i)
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

// objet reads a known object into the record f. Unknown keys go to
// incs[sch.inc] (a request's nested objects) or to inc (an element).
func (p *parser) objet(sch *schema, f []val, incs *[nbObjets][]cle, inc *[]cle, d *demande) bool {
	if !p.enter() {
		return false
	}
	p.i++ // '{'
	if incs != nil {
		inc = &incs[sch.inc]
	}
	var seen uint32
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		p.depth--
		return true
	}
	for {
		p.ws()
		k, ok := p.key()
		if !ok {
			return false
		}
		name := p.keyText(k)
		var c *champ
		for j := range sch.champs {
			if string(name) == sch.champs[j].nom {
				c = &sch.champs[j]
				if seen&(1<<j) != 0 {
					p.duplicate(k)
				}
				seen |= 1 << j
				break
			}
		}
		if c == nil {
			p.unknownKey(inc, k)
		}
		p.ws()
		switch {
		case c != nil && c.sous != nil && p.i < len(p.b) && p.b[p.i] == '{':
			start := p.i
			if !p.objet(c.sous, f, incs, nil, d) {
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
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
	} else {
		for {
			p.ws()
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
				if !p.objet(sch, e.f[:], nil, &e.inc, d) {
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

// key reads an object key and its colon.
func (p *parser) key() (cle, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		p.syntax("une balise entre guillemets")
		return cle{}, false
	}
	s, e, esc, ok := p.str()
	if !ok {
		return cle{}, false
	}
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != ':' {
		p.syntax("« : » après la balise")
		return cle{}, false
	}
	p.i++
	return cle{start: int32(s), end: int32(e), esc: esc}, true
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
		for i < len(b) && !strStop[b[i]] {
			i++
		}
		if i >= len(b) {
			p.i = i
			p.syntax("« \" » pour fermer la chaîne")
			return 0, 0, false, false
		}
		switch c := b[i]; {
		case c == '"':
			p.i = i + 1
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
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
		} else {
			for {
				p.ws()
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
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		p.depth--
		return true
	}
	for {
		p.ws()
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
		p.ws()
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
