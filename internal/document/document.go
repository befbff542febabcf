// Package document writes, as PDF, the documents the agency sends to a
// vendor about one financing request: the refusal notice, the décision
// attributive de financement and the convention d'attribution
// (process.md, step 2).
//
// The output is deterministic: the same Donnees give the same bytes (no
// clock, no random identifier, no compression), so that the SHA-256 the
// agency records of a document sent can be recomputed. It uses the PDF core
// font Helvetica only, in the Windows-1252 encoding: no font file is needed.
// A text of the agency holding a character that encoding lacks is refused
// (Valider); a name from the vendor's data is folded instead (nom).
package document

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// Beneficiaire is a client establishment of the request (an ES-PMSI).
type Beneficiaire struct {
	FINESS string // FINESS PMSI, 9 characters
	Nom    string
}

// Donnees is what a document says. Money is in euro cents.
type Donnees struct {
	Type      segur.TypeDocument // refus, decision or convention
	Reference string             // the document's own reference: segur.ReferenceDocument
	Date      time.Time          // the issue date, printed as a civil date in its location (Europe/Paris)

	Fournisseur   string // the vendor's company name
	SIRET         string
	NumeroASP     string // the request's ASP number
	NumeroEditeur string // the vendor's numeroEditeur of the request
	NumeroAns     string // the software's ANS referencing number
	Logiciel      hop.Logiciel
	Beneficiaires []Beneficiaire

	RegimeTVA         string // "HT" or "TTC"
	MontantHT         int64  // montantSegurHT of the order
	MontantPrestation int64  // the prestation Ségur: HT, or TTC with VAT
	MontantFinance    int64  // 0 in a refusal
	Avance            int64  // 30 % of the amount financed
	SoldeMax          int64  // amount financed − advance
	Calcul            string // how the amount financed was computed (free text)

	Raison         string // the reason of a refusal (mandatory there, ignored elsewhere)
	DelaiSignature int    // days the vendor has to sign a convention
}

// demandeVisee is what every document about a request names: itself, the
// vendor and the request.
type demandeVisee struct {
	Reference                                               string
	Date                                                    time.Time
	Fournisseur, SIRET, NumeroASP, NumeroEditeur, NumeroAns string
	Logiciel                                                hop.Logiciel
}

// valider checks that each is there and well formed; invalid writes the
// caller's error.
func (v demandeVisee) valider(invalid func(format string, args ...any) error) error {
	switch {
	case strings.TrimSpace(v.Reference) == "":
		return invalid("la référence du document est obligatoire")
	case v.Date.IsZero():
		return invalid("la date d'émission est obligatoire")
	case strings.TrimSpace(v.Fournisseur) == "":
		return invalid("la raison sociale du fournisseur est obligatoire")
	case !chiffres(v.SIRET, 14):
		return invalid("SIRET « %s » : attendu 14 chiffres", v.SIRET)
	case strings.TrimSpace(v.NumeroASP) == "":
		return invalid("le numéro ASP de la demande est obligatoire")
	case strings.TrimSpace(v.NumeroEditeur) == "":
		return invalid("le numéro éditeur (numeroEditeur) de la demande est obligatoire")
	case !numeroAns(v.NumeroAns):
		return invalid("numéro ANS « %s » : attendu 10 lettres ou chiffres", v.NumeroAns)
	case LibelleLogiciel(v.Logiciel) == "":
		return invalid("logiciel « %s » inconnu ; attendu : RI, DPI ou PFI", v.Logiciel)
	}
	return nil
}

// LibelleLogiciel is the label of a software type of the HOP couloir.
func LibelleLogiciel(l hop.Logiciel) string {
	switch l {
	case hop.LogicielRI:
		return "Référentiel d'identité"
	case hop.LogicielDPI:
		return "Dossier patient informatisé"
	case hop.LogicielPFI:
		return "Plateforme d'intermédiation"
	}
	return ""
}

// Valider checks that d holds what its document needs, and that the
// amounts agree (advance of 30 %, balance, amount financed at most the
// prestation). Its error is a segur.Error of code EINVALID, in French.
func (d Donnees) Valider() error {
	invalid := func(format string, args ...any) error {
		return segur.Errorf(segur.EINVALID, "document : "+format, args...)
	}
	switch d.Type {
	case segur.DocumentRefus, segur.DocumentDecision, segur.DocumentConvention:
	default:
		return invalid("type « %s » impossible à écrire ; attendu : refus, decision ou convention", d.Type)
	}
	sujet := minuscule(d.Type.Libelle())
	invalid = func(format string, args ...any) error {
		return segur.Errorf(segur.EINVALID, "%s : "+format, append([]any{sujet}, args...)...)
	}

	// Every text first, its length then its characters: the names come
	// from the vendor's data, and are folded (nom); the agency's texts
	// are refused.
	textes := []texte{
		{"référence", d.Reference, 40, uneLigne}, {"raison sociale du fournisseur", d.Fournisseur, 200, unNom},
		{"SIRET", d.SIRET, 14, uneLigne}, {"numéro ASP", d.NumeroASP, 40, uneLigne},
		{"numéro éditeur", d.NumeroEditeur, 40, uneLigne}, {"numéro ANS", d.NumeroAns, 10, uneLigne},
		{"calcul du montant financé", d.Calcul, 20_000, desLignes},
	}
	if d.Type == segur.DocumentRefus {
		textes = append(textes, texte{"motif du refus", d.Raison, 10_000, desLignes})
	}
	for i, b := range d.Beneficiaires {
		textes = append(textes, texte{fmt.Sprintf("bénéficiaire n° %d, nom", i+1), b.Nom, 200, unNom})
	}
	for _, t := range textes {
		if n := utf8.RuneCountInString(t.valeur); n > t.max {
			return invalid("%s : %d caractères, au plus %d attendus", t.champ, n, t.max)
		}
		if t.genre == unNom {
			continue
		}
		if err := imprimable(t.valeur, t.genre == desLignes); err != nil {
			return invalid("%s : %v", t.champ, err)
		}
	}

	if err := (demandeVisee{d.Reference, d.Date, d.Fournisseur, d.SIRET, d.NumeroASP, d.NumeroEditeur, d.NumeroAns, d.Logiciel}).valider(invalid); err != nil {
		return err
	}
	switch {
	case len(d.Beneficiaires) == 0:
		return invalid("au moins un établissement bénéficiaire est obligatoire")
	case d.RegimeTVA != "HT" && d.RegimeTVA != "TTC":
		return invalid("régime de TVA « %s » : attendu HT ou TTC", d.RegimeTVA)
	}
	for i, b := range d.Beneficiaires {
		if !finess(b.FINESS) {
			return invalid("bénéficiaire n° %d : FINESS « %s » : attendu 9 caractères (chiffres, ou 2A/2B en tête)", i+1, b.FINESS)
		}
		if strings.TrimSpace(b.Nom) == "" {
			return invalid("bénéficiaire n° %d (FINESS %s) : le nom est obligatoire", i+1, b.FINESS)
		}
	}

	e := segur.Euros
	switch {
	case d.MontantHT < 0:
		return invalid("montant HT %s : attendu un montant positif ou nul", e(d.MontantHT))
	case d.MontantPrestation < d.MontantHT:
		return invalid("montant de la prestation %s inférieur au montant HT %s", e(d.MontantPrestation), e(d.MontantHT))
	case d.RegimeTVA == "HT" && d.MontantPrestation != d.MontantHT:
		return invalid("régime HT : le montant de la prestation (%s) doit être le montant HT (%s)", e(d.MontantPrestation), e(d.MontantHT))
	}

	if d.Type == segur.DocumentRefus {
		switch {
		case strings.TrimSpace(d.Raison) == "":
			return invalid("le motif du refus est obligatoire")
		case d.MontantFinance != 0 || d.Avance != 0 || d.SoldeMax != 0:
			return invalid("le montant financé, l'avance et le solde doivent être nuls dans un refus")
		}
		return nil
	}
	switch {
	case d.MontantFinance <= 0:
		return invalid("le montant financé doit être supérieur à 0")
	case d.MontantFinance > d.MontantPrestation:
		return invalid("le montant financé (%s) dépasse le montant de la prestation (%s)", e(d.MontantFinance), e(d.MontantPrestation))
	case d.Avance != segur.Avance(d.MontantFinance):
		return invalid("avance %s : attendu 30 %% du montant financé, soit %s", e(d.Avance), e(segur.Avance(d.MontantFinance)))
	case d.SoldeMax != d.MontantFinance-d.Avance:
		return invalid("solde maximal %s : attendu le montant financé moins l'avance, soit %s", e(d.SoldeMax), e(d.MontantFinance-d.Avance))
	case strings.TrimSpace(d.Calcul) == "":
		return invalid("le calcul du montant financé est obligatoire")
	}
	if d.Type == segur.DocumentConvention && d.DelaiSignature <= 0 {
		return invalid("le délai de signature (en jours) est obligatoire")
	}
	return nil
}

// Ecrire validates d (see Valider), then writes its document as PDF to w.
// Nothing is written when d is not valid.
func Ecrire(w io.Writer, d Donnees) error {
	if err := d.Valider(); err != nil {
		return err
	}
	return rediger(d).ecrirePDF(w)
}

// EcrireHTML validates d (see Valider), then writes its document as an
// accessible HTML page to w: the same text as the PDF's (Ecrire), from the
// same content. Nothing is written when d is not valid.
func EcrireHTML(w io.Writer, d Donnees) error {
	if err := d.Valider(); err != nil {
		return err
	}
	return rediger(d).ecrireHTML(w)
}

// texte is a text field of Donnees, for its check.
type texte struct {
	champ, valeur string
	max           int // characters
	genre         genre
}

type genre int

const (
	uneLigne  genre = iota // the agency's text, on one line
	desLignes              // the agency's text, line breaks allowed
	unNom                  // a name from the vendor's data, folded (nom)
)

// minuscule lowers the first letter of s, an ASCII one.
func minuscule(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// imprimable reports, as an error, the first character of s that the PDF
// cannot print: a control character (but a line break where lignes), or a
// character Windows-1252 lacks once the usual typography is folded
// (narrow spaces, minus sign, ≤, ≥).
func imprimable(s string, lignes bool) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("texte qui n'est pas de l'UTF-8")
	}
	for _, r := range typographie.Replace(s) {
		switch {
		case r == '\n' && lignes:
		case unicode.IsControl(r):
			return fmt.Errorf("caractère de contrôle U+%04X interdit", r)
		case !cp1252(r):
			return fmt.Errorf("caractère « %c » (U+%04X) impossible à imprimer dans le document ; remplacez-le", r, r)
		}
	}
	return nil
}

// nom folds a name from the vendor's data (the vendor's, an
// establishment's) into what the PDF prints: a character Windows-1252
// lacks is replaced by its compatibility form (« ﬁ » → « fi »), or that
// form without its accents (« ź » → « z »), or else by « ? »; a control
// character by a space. Such a name passed the format's controls, and
// refusing it here would block the request; the SIRET and the FINESS
// printed beside it identify without doubt.
func nom(s string) string {
	var b strings.Builder
	for _, r := range typographie.Replace(s) {
		switch {
		case unicode.IsControl(r):
			b.WriteByte(' ')
		case cp1252(r):
			b.WriteRune(r)
		case strings.IndexFunc(norm.NFKC.String(string(r)), func(q rune) bool { return !cp1252(q) }) < 0:
			b.WriteString(norm.NFKC.String(string(r))) // « Ǆ » → « DŽ »
		default:
			n := b.Len()
			for _, q := range norm.NFKD.String(string(r)) {
				if cp1252(q) && !unicode.Is(unicode.Mn, q) {
					b.WriteRune(q)
				}
			}
			if b.Len() == n {
				b.WriteByte('?')
			}
		}
	}
	return b.String()
}

// cp1252 reports whether Windows-1252 has r.
func cp1252(r rune) bool {
	if r < utf8.RuneSelf {
		return true
	}
	_, ok := charmap.Windows1252.EncodeRune(r)
	return ok
}

// typographie folds the characters Windows-1252 lacks but the project
// writes (segur.Euros puts U+202F between thousands) into ones it has.
var typographie = strings.NewReplacer(
	"\u202f", "\u00a0", // narrow no-break space → no-break space
	"\u2007", "\u00a0", // figure space
	"\u2009", " ", // thin space
	"\u2010", "-", "\u2011", "-", "\u2212", "-", // hyphens, minus sign
	"\u2264", "<=", "\u2265", ">=",
	"\u2192", "->",
	"\r\n", "\n",
	"\t", " ",
)

func chiffres(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// finess reports whether s is a FINESS number: 9 digits, or 2A/2B (Corsica)
// followed by 7 digits.
func finess(s string) bool {
	if len(s) == 9 && (strings.HasPrefix(s, "2A") || strings.HasPrefix(s, "2B")) {
		return chiffres(s[2:], 7)
	}
	return chiffres(s, 9)
}

func numeroAns(s string) bool {
	if len(s) != 10 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}
