package segur

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The states of a request in its instruction (process.md, step 2).
const (
	DemandeEnInstruction     StatutDemande = "en_instruction"
	DemandeACompleter        StatutDemande = "a_completer"
	DemandeRefusee           StatutDemande = "refusee"
	DemandeDecidee           StatutDemande = "decidee"
	DemandeConventionASigner StatutDemande = "convention_a_signer"
	DemandeConventionSignee  StatutDemande = "convention_signee"
	// After the advance (process.md, steps 4 and 5).
	DemandeAvancePayee        StatutDemande = "avance_payee"
	DemandeSoldeDeposee       StatutDemande = "solde_deposee"
	DemandeSoldeEnInstruction StatutDemande = "solde_en_instruction"
	DemandeSoldeRefusee       StatutDemande = "solde_refusee"
	DemandeSoldeValidee       StatutDemande = "solde_validee"
	DemandeSoldee             StatutDemande = "soldee"
	DemandeReversementOrdonne StatutDemande = "reversement_ordonne"
)

// Action is an event of a request's life.
type Action string

// The actions of the instruction.
const (
	ActionPrendre   Action = "prendre"   // an instructor takes the request
	ActionCompleter Action = "demander"  // asks the vendor for an attachment
	ActionComplete  Action = "completer" // the vendor replaces or adds it
	ActionRefuser   Action = "refuser"   // refusal, reason mandatory
	ActionValider   Action = "valider"   // décision or convention, by the amount financed
	ActionSigner    Action = "signer"    // the vendor signs the convention
	ActionRetirer   Action = "retirer"   // the offer withdrawn after the signing period
	ActionRouvrir   Action = "rouvrir"   // a refusal reopened, before any payment

	ActionPayerAvance  Action = "payer_avance"  // the advance paid (its batch marked paid)
	ActionDeposerSolde Action = "deposer_solde" // the vendor's balance request accepted by control 2
	ActionPrendreSolde Action = "prendre_solde" // an instructor takes the balance request
	ActionRefuserSolde Action = "refuser_solde" // the balance refused, reason mandatory
	ActionValiderSolde Action = "valider_solde" // the balance computed and validated
	ActionPayerSolde   Action = "payer_solde"   // the balance paid (its batch marked paid)
	ActionReverser     Action = "reverser"      // a recovery ordered (control not compliant), reason mandatory
)

// transition is one allowed move of the state machine.
type transition struct {
	de     StatutDemande
	action Action
	role   Role
	raison bool // a reason is mandatory
}

var transitions = []transition{
	{DemandeDeposee, ActionPrendre, RoleInstructeur, false},
	{DemandeEnInstruction, ActionCompleter, RoleInstructeur, true},
	{DemandeACompleter, ActionComplete, RoleFournisseur, false},
	{DemandeEnInstruction, ActionRefuser, RoleInstructeur, true},
	{DemandeEnInstruction, ActionValider, RoleInstructeur, false},
	{DemandeConventionASigner, ActionSigner, RoleFournisseur, false},
	{DemandeConventionASigner, ActionRetirer, RoleInstructeur, true},
	{DemandeRefusee, ActionRouvrir, RoleAdmin, true},
	{DemandeDecidee, ActionPayerAvance, RolePayeur, false},
	{DemandeConventionSignee, ActionPayerAvance, RolePayeur, false},
	{DemandeAvancePayee, ActionDeposerSolde, RoleFournisseur, false},
	{DemandeSoldeRefusee, ActionDeposerSolde, RoleFournisseur, false},
	{DemandeSoldeDeposee, ActionPrendreSolde, RoleInstructeur, false},
	{DemandeSoldeEnInstruction, ActionRefuserSolde, RoleInstructeur, true},
	{DemandeSoldeEnInstruction, ActionValiderSolde, RoleInstructeur, false},
	{DemandeSoldeValidee, ActionPayerSolde, RolePayeur, false},
	{DemandeAvancePayee, ActionReverser, RoleInstructeur, true},
	{DemandeSoldeDeposee, ActionReverser, RoleInstructeur, true},
	{DemandeSoldeEnInstruction, ActionReverser, RoleInstructeur, true},
	{DemandeSoldeRefusee, ActionReverser, RoleInstructeur, true},
	{DemandeSoldeValidee, ActionReverser, RoleInstructeur, true},
	{DemandeSoldee, ActionReverser, RoleInstructeur, true},
}

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

// Appliquer moves the request d by the démarche, if the state machine and
// the actor's roles allow it; it is the only way a request's status
// changes. It returns the change to record in the history.
func (d *Demande) Appliquer(m Demarche, quand time.Time, prog Programme) (Changement, error) {
	var t *transition
	for i := range transitions {
		if transitions[i].de == d.Statut && transitions[i].action == m.Action {
			t = &transitions[i]
			break
		}
	}
	if t == nil {
		return Changement{}, Errorf(EFORBIDDEN, "action « %s » impossible sur une demande au statut « %s »", m.Action, d.Statut)
	}
	if !slices.Contains(m.Roles, t.role) {
		return Changement{}, Errorf(EFORBIDDEN, "action « %s » réservée au rôle %s", m.Action, t.role)
	}
	raison := strings.TrimSpace(m.Raison)
	if t.raison && raison == "" {
		return Changement{}, Errorf(EINVALID, "action « %s » : la raison est obligatoire", m.Action)
	}
	vers := map[Action]StatutDemande{
		ActionPrendre: DemandeEnInstruction, ActionCompleter: DemandeACompleter, ActionComplete: DemandeEnInstruction,
		ActionRefuser: DemandeRefusee, ActionSigner: DemandeConventionSignee, ActionRetirer: DemandeRefusee,
		ActionRouvrir:     DemandeEnInstruction,
		ActionPayerAvance: DemandeAvancePayee, ActionDeposerSolde: DemandeSoldeDeposee, ActionPrendreSolde: DemandeSoldeEnInstruction,
		ActionRefuserSolde: DemandeSoldeRefusee, ActionValiderSolde: DemandeSoldeValidee, ActionPayerSolde: DemandeSoldee,
		ActionReverser: DemandeReversementOrdonne,
	}[m.Action]
	switch m.Action {
	case ActionValider:
		if m.MontantFinance <= 0 {
			return Changement{}, Errorf(EINVALID, "validation : le montant financé doit être supérieur à 0")
		}
		vers = DemandeDecidee
		if m.MontantFinance > prog.SeuilConvention {
			vers = DemandeConventionASigner
		}
	case ActionValiderSolde:
		switch {
		case m.SoldeAPayer < 0 || m.ARecouvrer < 0 || m.SoldeAPayer > 0 && m.ARecouvrer > 0:
			return Changement{}, Errorf(EINVALID, "validation du solde : montants incohérents (à payer %s, à recouvrer %s)", Euros(m.SoldeAPayer), Euros(m.ARecouvrer))
		case m.ARecouvrer > 0:
			vers = DemandeReversementOrdonne
		case m.SoldeAPayer == 0:
			vers = DemandeSoldee
		}
	case ActionRouvrir:
		if m.PaiementFait {
			return Changement{}, Errorf(EFORBIDDEN, "réouverture impossible : un paiement a déjà été fait")
		}
	}
	c := Changement{De: d.Statut, Vers: vers, Action: m.Action, Par: m.Login, Quand: quand.UTC(), Raison: raison}
	d.Statut = vers
	return c, nil
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

// Euros writes cents as « 13 750,00 € ».
func Euros(c int64) string {
	neg := c < 0
	if neg {
		c = -c
	}
	e := fmt.Sprint(c / 100)
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	for i, r := range e {
		if i > 0 && (len(e)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s,%02d €", b.String(), c%100)
}

// Finance reports whether a request in status s holds a financing: a
// décision or a convention issued (an establishment financed twice for one
// software type raises an alert).
func (s StatutDemande) Finance() bool { return slices.Contains(StatutsFinances, s) }

// StatutsFinances are the statuses of a request that holds a financing.
var StatutsFinances = []StatutDemande{DemandeDecidee, DemandeConventionASigner, DemandeConventionSignee,
	DemandeAvancePayee, DemandeSoldeDeposee, DemandeSoldeEnInstruction, DemandeSoldeRefusee, DemandeSoldeValidee, DemandeSoldee,
	DemandeReversementOrdonne}

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
	CreeLe    time.Time
	Par       string
}

// NomFichier is the name a document is downloaded under.
func (d *Document) NomFichier() string { return d.Reference + ".pdf" }

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

// StatutsInstruction are a request's statuses in the order of its life:
// the tabs of the agents' queue.
var StatutsInstruction = []StatutDemande{DemandeDeposee, DemandeEnInstruction, DemandeACompleter,
	DemandeDecidee, DemandeConventionASigner, DemandeConventionSignee, DemandeRefusee,
	DemandeAvancePayee, DemandeSoldeDeposee, DemandeSoldeEnInstruction, DemandeSoldeRefusee, DemandeSoldeValidee, DemandeSoldee,
	DemandeReversementOrdonne}

// Libelle is the status as the pages say it.
func (s StatutDemande) Libelle() string {
	if l, ok := map[StatutDemande]string{DemandeDeposee: "Déposée", DemandeEnInstruction: "En instruction",
		DemandeACompleter: "À compléter", DemandeDecidee: "Décidée", DemandeConventionASigner: "Convention à signer",
		DemandeConventionSignee: "Convention signée", DemandeRefusee: "Refusée", DemandeAvancePayee: "Avance payée",
		DemandeSoldeDeposee: "Solde déposé", DemandeSoldeEnInstruction: "Solde en instruction", DemandeSoldeRefusee: "Solde refusé",
		DemandeSoldeValidee: "Solde validé", DemandeSoldee: "Soldée", DemandeReversementOrdonne: "Reversement ordonné"}[s]; ok {
		return l
	}
	return string(s)
}

// Libelle is the action as the history says it.
func (a Action) Libelle() string {
	if l, ok := map[Action]string{ActionPrendre: "Prise en instruction", ActionCompleter: "Demande de complément",
		ActionComplete: "Pièce complétée", ActionRefuser: "Refus", ActionValider: "Validation", ActionSigner: "Signature de la convention",
		ActionRetirer: "Retrait de l'offre", ActionRouvrir: "Réouverture", ActionPayerAvance: "Paiement de l'avance",
		ActionDeposerSolde: "Dépôt de la demande de solde", ActionPrendreSolde: "Prise en instruction du solde",
		ActionRefuserSolde: "Refus du solde", ActionValiderSolde: "Validation du solde", ActionPayerSolde: "Paiement du solde",
		ActionReverser: "Ordre de reversement"}[a]; ok {
		return l
	}
	return string(a)
}

// Role is the role that takes action a: the agency's or the vendor's.
func (a Action) Role() Role {
	for _, t := range transitions {
		if t.action == a {
			return t.role
		}
	}
	return ""
}

// Actions returns the actions the state machine allows on a request in
// status s to a person holding roles: the buttons a page shows.
func Actions(s StatutDemande, roles []Role) []Action {
	var out []Action
	for _, t := range transitions {
		if t.de == s && slices.Contains(roles, t.role) {
			out = append(out, t.action)
		}
	}
	return out
}
