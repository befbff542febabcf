package segur

import (
	"fmt"
	"strings"
	"time"
)

// Programme holds the rules a programme may set.
type Programme struct {
	// SeuilConvention: a request financed strictly above it gets a
	// convention, at or below it a décision (23 000 € by default).
	SeuilConvention int64
	// TauxTVA in basis points (2000 = 20 %), for TTC requests.
	TauxTVA int64
}

// ProgrammeParDefaut is the HOP programme's rules.
var ProgrammeParDefaut = Programme{SeuilConvention: 23_000_00, TauxTVA: 2000}

// Changement is one transition applied: what the history records.
type Changement struct {
	De, Vers StatutDemande
	Action   Action
	Par      string // the agent's or vendor's login
	Quand    time.Time
	Raison   string
	Adresse  string // where the actor was
	Document string // SHA-256 of the document the change issued or signed
	// DocumentHTML is the SHA-256 of the accessible HTML version of the
	// document the change issued, "" for none.
	DocumentHTML string
}

// Demarche is what an actor asks of a request.
type Demarche struct {
	Action Action
	Roles  []Role // the actor's roles: a person may hold several
	Login  string
	Raison string
	// MontantFinance is the amount financed a validation records (cents),
	// computed by MontantFinance.
	MontantFinance int64
	// PaiementFait blocks a reopening once anything was paid.
	PaiementFait bool
	// SoldeAPayer and ARecouvrer are what a balance's validation found
	// (Solde): a balance of 0 with nothing to recover settles the request
	// at once; an amount to recover orders the recovery.
	SoldeAPayer, ARecouvrer int64
}

// arrondi divides n by d, rounding half up (n, d > 0).
func arrondi(n, d int64) int64 { return (2*n + d) / (2 * d) }

// MontantPrestation is the amount of the prestation Ségur: montantSegurHT
// for HT, plus VAT for TTC (process.md, Amounts).
func MontantPrestation(regimeTVA string, montantHT int64, prog Programme) int64 {
	if regimeTVA == "TTC" {
		return montantHT + arrondi(montantHT*prog.TauxTVA, 10_000)
	}
	return montantHT
}

// MontantFinance is the amount financed: the prestation, at most the sum
// of the establishments' ceilings (euros HT, plus VAT for a TTC request)
// when every establishment is in the reference; plafonds is nil when one
// is not (no ceiling applies; the agent sees an alert).
func MontantFinance(regimeTVA string, montantHT int64, plafonds []int64, prog Programme) int64 {
	p := MontantPrestation(regimeTVA, montantHT, prog)
	if plafonds == nil {
		return p
	}
	var somme int64
	for _, c := range plafonds {
		somme += c
	}
	somme = MontantPrestation(regimeTVA, somme, prog)
	return min(p, somme)
}

// Avance is 30 % of the amount financed, to the cent, half up.
func Avance(finance int64) int64 { return arrondi(finance*30, 100) }

// Solde is min(amount financed, invoice on the same basis) − advance; a
// negative balance pays nothing and is to recover.
func Solde(finance, facture, avance int64) (payer, recouvrer int64) {
	s := min(finance, facture) - avance
	if s < 0 {
		return 0, -s
	}
	return s, 0
}

// Euros writes cents as « 13 750,00 € », French style: a narrow no-break
// space (U+202F) between groups of three digits and before the sign.
func Euros(c int64) string {
	neg := c < 0
	if neg {
		c = -c
	}
	signe := ""
	if neg {
		signe = "-"
	}
	return fmt.Sprintf("%s%s,%02d\u202f€", signe, Milliers(c/100), c%100)
}

// CalculFinancement computes the amount financed of request d and writes
// how, in French, for the décision and the record: the prestation (HT, or
// TTC with the VAT), the establishments' ceilings for its software type
// when every one is in the reference, and the lesser of the two.
func CalculFinancement(d *Demande, ref Reference, prog Programme) (int64, string) {
	var b strings.Builder
	prestation := MontantPrestation(d.RegimeTVA, d.MontantHTCents, prog)
	fmt.Fprintf(&b, "Montant de la commande (montantSegurHT) : %s HT", Euros(d.MontantHTCents))
	if d.RegimeTVA == "TTC" {
		fmt.Fprintf(&b, " ; régime TTC : TVA de %d,%02d %% ajoutée, prestation %s TTC", prog.TauxTVA/100, prog.TauxTVA%100, Euros(prestation))
	} else {
		fmt.Fprintf(&b, " ; régime HT : prestation %s", Euros(prestation))
	}
	plafonds := ref.Plafonds(d.DonneesDemande, d.Logiciel)
	finance := MontantFinance(d.RegimeTVA, d.MontantHTCents, plafonds, prog)
	if plafonds == nil {
		b.WriteString(" ; au moins un établissement est absent du référentiel : aucun plafond ne s'applique")
	} else {
		parts := make([]string, len(plafonds))
		var somme int64
		for i, p := range plafonds {
			parts[i] = fmt.Sprintf("%s %s", d.Clients[i].FINESSPMSI, Euros(p))
			somme += p
		}
		fmt.Fprintf(&b, " ; plafonds du référentiel pour le logiciel %s : %s, soit %s HT", d.Logiciel, strings.Join(parts, " + "), Euros(somme))
		if d.RegimeTVA == "TTC" {
			fmt.Fprintf(&b, " (%s TTC)", Euros(MontantPrestation("TTC", somme, prog)))
		}
	}
	fmt.Fprintf(&b, " ; montant financé : %s", Euros(finance))
	if finance < prestation {
		b.WriteString(" (ramené au plafond)")
	}
	fmt.Fprintf(&b, " ; avance de 30 %% : %s.", Euros(Avance(finance)))
	return finance, b.String()
}

// TypeDocument is the kind of a document the agency issues.
type TypeDocument string

// The documents of a request.
const (
	DocumentRefus            TypeDocument = "refus"
	DocumentDecision         TypeDocument = "decision"
	DocumentConvention       TypeDocument = "convention"
	DocumentConventionSignee TypeDocument = "convention_signee"
)

// Libelle is the document's name in French.
func (t TypeDocument) Libelle() string {
	return map[TypeDocument]string{DocumentRefus: "Notification de refus", DocumentDecision: "Décision attributive de financement",
		DocumentConvention: "Convention d'attribution", DocumentConventionSignee: "Convention signée",
		DocumentReversement: "Ordre de reversement"}[t]
}

// Code is the document's code in its reference.
func (t TypeDocument) Code() string {
	return map[TypeDocument]string{DocumentRefus: "REF", DocumentDecision: "DEC", DocumentConvention: "CONV", DocumentConventionSignee: "CONVS",
		DocumentReversement: "ORV"}[t]
}

// ReferenceDocument is the reference of the n-th (from 1) document of type
// t of the request of ASP number asp: ASP-2026-0000001-DEC-1.
func ReferenceDocument(asp string, t TypeDocument, n int) string {
	return fmt.Sprintf("%s-%s-%d", asp, t.Code(), n)
}

// Document is a document issued on a request, stored as sent.
type Document struct {
	ID        int64
	Type      TypeDocument
	Reference string
	Fichier   BlobRef
	// HTML is the SHA-256 of the document's accessible HTML version, the
	// same text as its PDF, stored beside it; "" for a document issued
	// before HTML versions existed, and for the vendor's signed
	// convention.
	HTML   string
	CreeLe time.Time
	Par    string // who issued it: in the history, never on the document
}

// NomFichier is the name a document is downloaded under.
func (d *Document) NomFichier() string { return d.Reference + ".pdf" }

// NomFichierHTML is the name a document's HTML version is downloaded
// under.
func (d *Document) NomFichierHTML() string { return d.Reference + ".html" }

// PieceVersion is an attachment a vendor sent after its deposit, on a
// request for completion: every version is kept.
type PieceVersion struct {
	ID       int64
	Type     string // the nomenclature's type (BON_COMMANDE…)
	Nom      string // the file's name as the vendor gave it, shown only
	Format   string // PDF, PNG or JPG
	Fichier  BlobRef
	DeposeLe time.Time
	Par      string
}

// Suites are what a transition writes beside the status, in its
// transaction: nothing of it exists unless the change commits.
type Suites struct {
	// Attendu is the status the démarche was prepared on: if the request
	// moved meanwhile, the change is refused (ECONFLICT).
	Attendu  StatutDemande
	Calcul   string        // with a validation's MontantFinance
	Document *Document     // issued (or uploaded signed) by the transition
	Vise     string        // SHA-256 of the document a signature accepts
	Piece    *PieceVersion // sent with a completion
	Courriel *Courriel     // to the vendor, through the outbox
	Adresse  string        // where the actor was
}
