// Package sepa writes the agency's payments as a SEPA credit transfer
// file, the ISO 20022 message pain.001.001.03 (customer credit transfer
// initiation) a bank takes from its customer, and reads one back.
//
// It follows the EPC's rules for SEPA credit transfers on top of the ISO
// schema: amounts in euros with two decimals (written from cents, never
// through a float), texts in the SEPA Latin character set (a-z, A-Z, 0-9,
// / - ? : ( ) . , ' + and space; accents are transliterated), names of
// at most 70 characters, one remittance text of at most 140, identifiers
// of at most 35 characters without a leading "/" nor "//".
package sepa

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// Namespace is the namespace of a pain.001.001.03 document.
const Namespace = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"

// The EPC's limits.
const (
	MaxMontant = 999_999_999_99 // cents, one transfer
	maxNom     = 70
	maxTexte   = 140
	maxID      = 35
)

// Compte is a party and its account: the agency (debtor) or a vendor
// (creditor).
type Compte struct {
	Nom  string
	IBAN string // electronic form (segur.NormaliserIBAN)
	BIC  string
}

// Virement is one credit transfer (CdtTrfTxInf).
type Virement struct {
	InstrID    string // the agency's reference of the instruction
	EndToEndID string // travels with the transfer to the creditor
	Montant    int64  // cents, > 0
	Creancier  Compte
	Libelle    string // the remittance text (Ustrd), at most 140 characters once transliterated
}

// Remise is a payment information block (PmtInf): transfers from one
// account, to execute on one date.
type Remise struct {
	ID        string
	Execution hop.Date // the requested execution date
	Debiteur  Compte
	Virements []Virement
}

// Ordre is a whole message: its group header and its blocks.
type Ordre struct {
	MsgID      string
	CreeLe     time.Time // written in its location, without offset
	Initiateur string    // the initiating party's name
	Remises    []Remise
}

// Nombre is the number of transfers of the message.
func (o *Ordre) Nombre() int {
	n := 0
	for _, r := range o.Remises {
		n += len(r.Virements)
	}
	return n
}

// Total is the sum of the message's transfers, cents.
func (r *Remise) Total() int64 {
	var t int64
	for _, v := range r.Virements {
		t += v.Montant
	}
	return t
}

// Total is the sum of the message's transfers, cents.
func (o *Ordre) Total() int64 {
	var t int64
	for i := range o.Remises {
		t += o.Remises[i].Total()
	}
	return t
}

// Montant writes cents as the schema's decimal, with two decimals:
// 1234.56. Never through a float.
func Montant(cents int64) string {
	signe := ""
	if cents < 0 {
		signe, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", signe, cents/100, cents%100)
}

// LireMontant reads an amount written with exactly two decimals, as the
// EPC requires, into cents.
func LireMontant(s string) (int64, error) {
	ent, dec, ok := strings.Cut(s, ".")
	if !ok || len(dec) != 2 || ent == "" || len(ent) > 15 || !chiffres(ent) || !chiffres(dec) {
		return 0, fmt.Errorf("montant « %s » : attendu des euros avec deux décimales, 1234.56", couper(s))
	}
	e, _ := strconv.ParseInt(ent, 10, 64)
	c, _ := strconv.ParseInt(dec, 10, 64)
	return e*100 + c, nil
}

func chiffres(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// translitteration folds the letters the SEPA Latin set lacks and NFD
// does not decompose.
var translitteration = strings.NewReplacer(
	"œ", "oe", "Œ", "OE", "æ", "ae", "Æ", "AE", "ß", "ss", "ø", "o", "Ø", "O", "đ", "d", "Đ", "D",
	"ł", "l", "Ł", "L", "þ", "th", "Þ", "TH", "ð", "d", "Ð", "D", "ı", "i",
	"&", "+", "_", "-", "–", "-", "—", "-", "‐", "-", "‑", "-", "−", "-",
	"« ", "'", "«\u00a0", "'", "«\u202f", "'", " »", "'", "\u00a0»", "'", "\u202f»", "'",
	"’", "'", "‘", "'", "`", "'", "«", "'", "»", "'", "\"", "'", "“", "'", "”", "'",
	";", ",", "!", ".", "€", "EUR", "°", "o",
)

// latin reports whether c is in the SEPA Latin character set.
func latin(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/-?:().,'+ ", c)
}

// Latin transliterates s into the SEPA Latin character set: accents
// dropped (é → e), ligatures spelt out (œ → oe, ﬁ → fi), & as +, typographic
// quotes and dashes as ' and -, any other character as a space; runs of
// spaces folded, and the ends trimmed.
func Latin(s string) string {
	s = translitteration.Replace(norm.NFC.String(s))
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case latin(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// texte transliterates s and cuts it at n characters.
func texte(s string, n int) string {
	s = Latin(s)
	if len(s) > n { // ASCII now
		s = strings.TrimSpace(s[:n])
	}
	return s
}

// Libelle writes the remittance text of a transfer: the payment notice's
// reference, the programme, then as many ASP numbers as fit in 140
// characters, and « +N » for the N left out.
func Libelle(avis string, asps []string) string {
	s := texte(avis+" Segur numerique", maxTexte)
	for i, a := range asps {
		reste := len(asps) - i - 1
		suite := s + " " + Latin(a)
		besoin := len(suite)
		if reste > 0 {
			besoin += len(" +" + strconv.Itoa(reste))
		}
		if besoin > maxTexte {
			return s + " +" + strconv.Itoa(len(asps)-i)
		}
		s = suite
	}
	return s
}

// bic is the schema's BICIdentifier.
var bic = regexp.MustCompile(`^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$`)

// identifiant checks an identifier of the message: 1 to 35 characters of
// the SEPA Latin set, no space, not starting with "/" nor holding "//".
func identifiant(quoi, s string) error {
	ok := s != "" && len(s) <= maxID && !strings.HasPrefix(s, "/") && !strings.Contains(s, "//")
	for _, r := range s {
		ok = ok && latin(r) && r != ' '
	}
	if !ok {
		return segur.Errorf(segur.EINVALID, "virement SEPA : %s « %s » : attendu 1 à %d lettres, chiffres ou - / ? : ( ) . , ' +, sans espace ni « / » en tête", quoi, couper(s), maxID)
	}
	return nil
}

// Valider checks an account: a name, an IBAN (electronic form) and a BIC
// as the schema takes them.
func (c Compte) Valider() error { return c.valider("compte") }

func (c Compte) valider(role string) error {
	switch {
	case Latin(c.Nom) == "":
		return segur.Errorf(segur.EINVALID, "virement SEPA : %s : nom manquant", role)
	case !hop.IBANValide(c.IBAN):
		return segur.Errorf(segur.EINVALID, "virement SEPA : %s « %s » : IBAN « %s » invalide", role, couper(c.Nom), couper(c.IBAN))
	case !bic.MatchString(c.BIC):
		return segur.Errorf(segur.EINVALID, "virement SEPA : %s « %s » : BIC « %s » refusé par la norme (8 ou 11 caractères, banque, pays, lieu, agence)", role, couper(c.Nom), couper(c.BIC))
	}
	return nil
}

// Valider checks o before it is written: identifiers, accounts, dates,
// amounts, at least one transfer in each block. Its error is an EINVALID
// in French.
func (o *Ordre) Valider() error {
	if err := identifiant("identifiant du message", o.MsgID); err != nil {
		return err
	}
	if o.CreeLe.IsZero() {
		return segur.Errorf(segur.EINVALID, "virement SEPA : date de création manquante")
	}
	if Latin(o.Initiateur) == "" {
		return segur.Errorf(segur.EINVALID, "virement SEPA : nom de l'émetteur manquant")
	}
	if len(o.Remises) == 0 {
		return segur.Errorf(segur.EINVALID, "virement SEPA : aucune remise")
	}
	ids := map[string]bool{}
	for _, r := range o.Remises {
		if err := identifiant("identifiant de la remise", r.ID); err != nil {
			return err
		}
		if !r.Execution.Valide() {
			return segur.Errorf(segur.EINVALID, "virement SEPA : remise %s : date d'exécution invalide", r.ID)
		}
		if err := r.Debiteur.valider("donneur d'ordre"); err != nil {
			return err
		}
		if len(r.Virements) == 0 {
			return segur.Errorf(segur.EINVALID, "virement SEPA : remise %s sans virement", r.ID)
		}
		for _, v := range r.Virements {
			for _, id := range []struct{ quoi, s string }{{"référence d'instruction", v.InstrID}, {"référence de bout en bout", v.EndToEndID}} {
				if err := identifiant(id.quoi, id.s); err != nil {
					return err
				}
			}
			if ids[v.EndToEndID] {
				return segur.Errorf(segur.EINVALID, "virement SEPA : référence de bout en bout %s en double", v.EndToEndID)
			}
			ids[v.EndToEndID] = true
			if v.Montant <= 0 || v.Montant > MaxMontant {
				return segur.Errorf(segur.EINVALID, "virement SEPA %s : montant %s : attendu de %s à %s", v.EndToEndID, segur.Euros(v.Montant), segur.Euros(1), segur.Euros(MaxMontant))
			}
			if err := v.Creancier.valider("bénéficiaire"); err != nil {
				return err
			}
		}
	}
	return nil
}

// The XML of the message, in the schema's order.
type (
	document struct {
		XMLName xml.Name   `xml:"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03 Document"`
		Initn   initiation `xml:"CstmrCdtTrfInitn"`
	}
	initiation struct {
		GrpHdr grpHdr
		PmtInf []pmtInf
	}
	grpHdr struct {
		MsgId    string
		CreDtTm  string
		NbOfTxs  string
		CtrlSum  string
		InitgPty partie
	}
	partie struct {
		Nm string
	}
	pmtInf struct {
		PmtInfId    string
		PmtMtd      string
		BtchBookg   string
		NbOfTxs     string
		CtrlSum     string
		PmtTpInf    pmtTpInf
		ReqdExctnDt string
		Dbtr        partie
		DbtrAcct    compte
		DbtrAgt     agent
		ChrgBr      string
		CdtTrfTxInf []transaction
	}
	pmtTpInf struct {
		SvcLvl struct{ Cd string }
	}
	compte struct {
		Id struct{ IBAN string }
	}
	agent struct {
		FinInstnId struct{ BIC string }
	}
	transaction struct {
		PmtId struct {
			InstrId    string
			EndToEndId string
		}
		Amt struct {
			InstdAmt montant
		}
		CdtrAgt  agent
		Cdtr     partie
		CdtrAcct compte
		RmtInf   struct {
			Ustrd string
		}
	}
	montant struct {
		Ccy    string `xml:"Ccy,attr"`
		Valeur string `xml:",chardata"`
	}
)

func (c Compte) xml() (partie, compte, agent) {
	var co compte
	co.Id.IBAN = hop.NormaliserIBAN(c.IBAN)
	var a agent
	a.FinInstnId.BIC = c.BIC
	return partie{Nm: texte(c.Nom, maxNom)}, co, a
}

// Ecrire checks o (Valider), then writes it as a pain.001.001.03 document,
// UTF-8, indented: the numbers of transfers and the control sums of the
// group header and of each block computed from the transfers.
func Ecrire(w io.Writer, o Ordre) error {
	if err := o.Valider(); err != nil {
		return err
	}
	doc := document{Initn: initiation{GrpHdr: grpHdr{MsgId: o.MsgID, CreDtTm: o.CreeLe.Format("2006-01-02T15:04:05"),
		NbOfTxs: strconv.Itoa(o.Nombre()), CtrlSum: Montant(o.Total()), InitgPty: partie{Nm: texte(o.Initiateur, maxNom)}}}}
	for _, r := range o.Remises {
		p := pmtInf{PmtInfId: r.ID, PmtMtd: "TRF", BtchBookg: "true", NbOfTxs: strconv.Itoa(len(r.Virements)), CtrlSum: Montant(r.Total()),
			ReqdExctnDt: fmt.Sprintf("%04d-%02d-%02d", r.Execution.Annee, r.Execution.Mois, r.Execution.Jour), ChrgBr: "SLEV"}
		p.PmtTpInf.SvcLvl.Cd = "SEPA"
		p.Dbtr, p.DbtrAcct, p.DbtrAgt = r.Debiteur.xml()
		for _, v := range r.Virements {
			var t transaction
			t.PmtId.InstrId, t.PmtId.EndToEndId = v.InstrID, v.EndToEndID
			t.Amt.InstdAmt = montant{Ccy: "EUR", Valeur: Montant(v.Montant)}
			t.Cdtr, t.CdtrAcct, t.CdtrAgt = v.Creancier.xml()
			t.RmtInf.Ustrd = texte(v.Libelle, maxTexte)
			if t.RmtInf.Ustrd == "" {
				t.RmtInf.Ustrd = v.EndToEndID
			}
			p.CdtTrfTxInf = append(p.CdtTrfTxInf, t)
		}
		doc.Initn.PmtInf = append(doc.Initn.PmtInf, p)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("sepa: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("sepa: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// MaxFichier bounds a file Lire reads.
const MaxFichier = 16 << 20

// Lire reads a pain.001.001.03 document back, and checks what the schema
// cannot: amounts and control sums with exactly two decimals, in euros,
// the numbers of transfers and the control sums equal to the transfers',
// in the group header and in each block. Its error is an EINVALID in
// French.
func Lire(r io.Reader) (*Ordre, error) {
	invalide := func(format string, args ...any) error {
		return segur.Errorf(segur.EINVALID, "virement SEPA illisible : "+format, args...)
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxFichier+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFichier {
		return nil, invalide("plus de %d octets", MaxFichier)
	}
	var doc document
	if err := xml.Unmarshal(b, &doc); err != nil {
		return nil, invalide("ce n'est pas un XML bien formé (%v)", err)
	}
	if doc.XMLName.Space != Namespace {
		return nil, invalide("espace de noms « %s », attendu %s", couper(doc.XMLName.Space), Namespace)
	}
	g := doc.Initn.GrpHdr
	o := &Ordre{MsgID: g.MsgId, Initiateur: g.InitgPty.Nm}
	if o.CreeLe, err = time.Parse("2006-01-02T15:04:05", g.CreDtTm); err != nil {
		return nil, invalide("date de création « %s »", couper(g.CreDtTm))
	}
	somme := func(quoi, nb, ctrl string, n int, total int64) error {
		if nb != strconv.Itoa(n) {
			return invalide("%s : NbOfTxs %s, mais %d virements", quoi, couper(nb), n)
		}
		c, err := LireMontant(ctrl)
		if err != nil {
			return invalide("%s : CtrlSum : %v", quoi, err)
		}
		if c != total {
			return invalide("%s : CtrlSum %s, mais les virements font %s", quoi, ctrl, Montant(total))
		}
		return nil
	}
	for _, p := range doc.Initn.PmtInf {
		rm := Remise{ID: p.PmtInfId, Debiteur: Compte{Nom: p.Dbtr.Nm, IBAN: p.DbtrAcct.Id.IBAN, BIC: p.DbtrAgt.FinInstnId.BIC}}
		d, err := time.Parse("2006-01-02", p.ReqdExctnDt)
		if err != nil {
			return nil, invalide("remise %s : date d'exécution « %s »", couper(p.PmtInfId), couper(p.ReqdExctnDt))
		}
		rm.Execution = hop.Date{Annee: d.Year(), Mois: int(d.Month()), Jour: d.Day()}
		for _, t := range p.CdtTrfTxInf {
			if t.Amt.InstdAmt.Ccy != "EUR" {
				return nil, invalide("virement %s : devise « %s », attendu EUR", couper(t.PmtId.EndToEndId), couper(t.Amt.InstdAmt.Ccy))
			}
			m, err := LireMontant(t.Amt.InstdAmt.Valeur)
			if err != nil {
				return nil, invalide("virement %s : %v", couper(t.PmtId.EndToEndId), err)
			}
			rm.Virements = append(rm.Virements, Virement{InstrID: t.PmtId.InstrId, EndToEndID: t.PmtId.EndToEndId, Montant: m, Libelle: t.RmtInf.Ustrd,
				Creancier: Compte{Nom: t.Cdtr.Nm, IBAN: t.CdtrAcct.Id.IBAN, BIC: t.CdtrAgt.FinInstnId.BIC}})
		}
		if err := somme("remise "+couper(p.PmtInfId), p.NbOfTxs, p.CtrlSum, len(rm.Virements), rm.Total()); err != nil {
			return nil, err
		}
		o.Remises = append(o.Remises, rm)
	}
	if len(o.Remises) == 0 {
		return nil, invalide("aucune remise (PmtInf)")
	}
	if err := somme("en-tête", g.NbOfTxs, g.CtrlSum, o.Nombre(), o.Total()); err != nil {
		return nil, err
	}
	return o, nil
}

// couper quotes at most 40 characters of s in an error message.
func couper(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}
