package segur

import (
	"slices"
	"strings"
	"time"
)

// The state machine of a request (process.md, steps 2 to 5) is three
// tables: its statuses (statuts), the actions that move it (actions) and
// the transitions between them (transitions). A new status is a row of
// statuts with its labels and flags, and the rows of transitions that lead
// in and out of it; a new way between two statuses, a row of transitions.
// Everything that asks "which statuses" (the payments due, the controls,
// the balance, the dashboard, the pages, the store's queries) asks these
// tables, through InfoStatut, Statuts and Actions; Demande.Appliquer is the
// only way a status changes.

// StatutDemande is the state of a request in its instruction.
type StatutDemande string

// The statuses of a request, in the order of its life.
const (
	DemandeDeposee           StatutDemande = "deposee" // accepted by control 2
	DemandeEnInstruction     StatutDemande = "en_instruction"
	DemandeACompleter        StatutDemande = "a_completer"
	DemandeDecidee           StatutDemande = "decidee"
	DemandeConventionASigner StatutDemande = "convention_a_signer"
	DemandeConventionSignee  StatutDemande = "convention_signee"
	DemandeRefusee           StatutDemande = "refusee"
	// After the advance (process.md, steps 4 and 5).
	DemandeAvancePayee        StatutDemande = "avance_payee"
	DemandeSoldeDeposee       StatutDemande = "solde_deposee"
	DemandeSoldeEnInstruction StatutDemande = "solde_en_instruction"
	DemandeSoldeRefusee       StatutDemande = "solde_refusee"
	DemandeSoldeValidee       StatutDemande = "solde_validee"
	DemandeSoldee             StatutDemande = "soldee"
	DemandeReversementOrdonne StatutDemande = "reversement_ordonne"
)

// Badge is the kind of DSFR badge a status is shown with.
type Badge string

// The DSFR badges' kinds.
const (
	BadgeNouveau Badge = "new"     // waits for the agency
	BadgeInfo    Badge = "info"    // in instruction
	BadgeAttente Badge = "warning" // waits for the vendor
	BadgeSucces  Badge = "success" // granted, paid
	BadgeErreur  Badge = "error"   // refused, recovery ordered
)

// Reste says what remains to pay on a request that holds a financing.
type Reste uint8

// What remains to pay, by status.
const (
	ResteFinancement Reste = iota // the amount financed, less the advance once paid
	ResteSolde                    // the balance its validation found
	ResteRien                     // settled, or its recovery ordered
)

// InfoStatut is what the portal says and knows of a status: its label and
// badge, and the facts that payments, controls, the balance, the dashboard
// and the pages ask of it.
type InfoStatut struct {
	Statut  StatutDemande
	Libelle string // as the pages say it
	Badge   Badge
	// Document is what a transition into the status issues, "" for none.
	Document TypeDocument
	// Finance: a décision or a convention is issued; the amount financed
	// is committed (an establishment financed twice for one software type
	// raises an alert).
	Finance bool
	// AvancePayee: the advance was paid.
	AvancePayee bool
	// Controlable: a control a posteriori may be opened (the advance is
	// paid and no recovery is ordered).
	Controlable bool
	// Paiement is the payment due in this status, "" for none.
	Paiement NaturePaiement
	// Soldable: a balance may be deposited (the advance is paid and no
	// balance is pending, validated or paid; a refused one may be
	// deposited again). SoldeEngage: a balance is deposited, in
	// instruction, validated or paid.
	Soldable, SoldeEngage bool
	// SoldeArrete: the balance's validation, when there was one, recorded
	// its amounts (Demande.SoldeAPayer, ARecouvrer). SoldePaye: the
	// balance was paid.
	SoldeArrete, SoldePaye bool
	// Reste is what remains to pay when Finance.
	Reste Reste
}

var statuts = []InfoStatut{
	{Statut: DemandeDeposee, Libelle: "Déposée", Badge: BadgeNouveau},
	{Statut: DemandeEnInstruction, Libelle: "En instruction", Badge: BadgeInfo},
	{Statut: DemandeACompleter, Libelle: "À compléter", Badge: BadgeAttente},
	{Statut: DemandeDecidee, Libelle: "Décidée", Badge: BadgeSucces, Document: DocumentDecision,
		Finance: true, Paiement: PaiementAvance},
	{Statut: DemandeConventionASigner, Libelle: "Convention à signer", Badge: BadgeAttente, Document: DocumentConvention,
		Finance: true},
	{Statut: DemandeConventionSignee, Libelle: "Convention signée", Badge: BadgeSucces,
		Finance: true, Paiement: PaiementAvance},
	{Statut: DemandeRefusee, Libelle: "Refusée", Badge: BadgeErreur, Document: DocumentRefus},
	{Statut: DemandeAvancePayee, Libelle: "Avance payée", Badge: BadgeSucces,
		Finance: true, AvancePayee: true, Controlable: true, Soldable: true},
	{Statut: DemandeSoldeDeposee, Libelle: "Solde déposé", Badge: BadgeNouveau,
		Finance: true, AvancePayee: true, Controlable: true, SoldeEngage: true},
	{Statut: DemandeSoldeEnInstruction, Libelle: "Solde en instruction", Badge: BadgeInfo,
		Finance: true, AvancePayee: true, Controlable: true, SoldeEngage: true},
	{Statut: DemandeSoldeRefusee, Libelle: "Solde refusé", Badge: BadgeErreur,
		Finance: true, AvancePayee: true, Controlable: true, Soldable: true},
	{Statut: DemandeSoldeValidee, Libelle: "Solde validé", Badge: BadgeSucces,
		Finance: true, AvancePayee: true, Controlable: true, Paiement: PaiementSolde, SoldeEngage: true, SoldeArrete: true, Reste: ResteSolde},
	{Statut: DemandeSoldee, Libelle: "Soldée", Badge: BadgeSucces,
		Finance: true, AvancePayee: true, Controlable: true, SoldeEngage: true, SoldeArrete: true, SoldePaye: true, Reste: ResteRien},
	{Statut: DemandeReversementOrdonne, Libelle: "Reversement ordonné", Badge: BadgeErreur, Document: DocumentReversement,
		Finance: true, AvancePayee: true, SoldeArrete: true, Reste: ResteRien},
}

// Info returns what the table says of status s; a status it lacks (read
// from a newer database, say) is shown as its code, with no flag.
func (s StatutDemande) Info() InfoStatut {
	for _, i := range statuts {
		if i.Statut == s {
			return i
		}
	}
	return InfoStatut{Statut: s, Libelle: string(s), Badge: BadgeInfo}
}

// Libelle is the status as the pages say it.
func (s StatutDemande) Libelle() string { return s.Info().Libelle }

// Finance reports whether a request in status s holds a financing.
func (s StatutDemande) Finance() bool { return s.Info().Finance }

// AvancePayee reports whether the advance of a request in status s was
// paid.
func (s StatutDemande) AvancePayee() bool { return s.Info().AvancePayee }

// Controlable reports whether a request in status s may be controlled.
func (s StatutDemande) Controlable() bool { return s.Info().Controlable }

// Soldable reports whether a balance may be deposited on a request in
// status s.
func (s StatutDemande) Soldable() bool { return s.Info().Soldable }

// Statuts returns the statuses whose row satisfies f, in the order of a
// request's life; nil f returns them all (the tabs of the agents' queue).
func Statuts(f func(InfoStatut) bool) []StatutDemande {
	var out []StatutDemande
	for _, i := range statuts {
		if f == nil || f(i) {
			out = append(out, i.Statut)
		}
	}
	return out
}

// Action is an event of a request's life.
type Action string

// The actions.
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

// InfoAction is what the portal says of an action.
type InfoAction struct {
	Action  Action
	Libelle string // as the history says it
	// Bouton is the label of its button on an agent's request page; ""
	// for an action taken elsewhere (the vendor's space, payments,
	// controls, the deposit desk). Danger marks a button that turns the
	// request down.
	Bouton string
	Danger bool
	// Refus says why démarche m cannot be applied, whatever the status
	// (amounts that do not add up, a payment already made); nil: never.
	Refus func(m Demarche) error
}

var actions = []InfoAction{
	{Action: ActionPrendre, Libelle: "Prise en instruction", Bouton: "Prendre en instruction"},
	{Action: ActionCompleter, Libelle: "Demande de complément", Bouton: "Demander un complément"},
	{Action: ActionComplete, Libelle: "Pièce complétée"},
	{Action: ActionRefuser, Libelle: "Refus", Bouton: "Refuser", Danger: true},
	{Action: ActionValider, Libelle: "Validation", Bouton: "Valider", Refus: func(m Demarche) error {
		if m.MontantFinance <= 0 {
			return Errorf(EINVALID, "validation : le montant financé doit être supérieur à 0")
		}
		return nil
	}},
	{Action: ActionSigner, Libelle: "Signature de la convention"},
	{Action: ActionRetirer, Libelle: "Retrait de l'offre", Bouton: "Retirer l'offre", Danger: true},
	{Action: ActionRouvrir, Libelle: "Réouverture", Bouton: "Rouvrir", Refus: func(m Demarche) error {
		if m.PaiementFait {
			return Errorf(EFORBIDDEN, "réouverture impossible : un paiement a déjà été fait")
		}
		return nil
	}},
	{Action: ActionPayerAvance, Libelle: "Paiement de l'avance"},
	{Action: ActionDeposerSolde, Libelle: "Dépôt de la demande de solde"},
	{Action: ActionPrendreSolde, Libelle: "Prise en instruction du solde", Bouton: "Prendre le solde en instruction"},
	{Action: ActionRefuserSolde, Libelle: "Refus du solde", Bouton: "Refuser le solde", Danger: true},
	{Action: ActionValiderSolde, Libelle: "Validation du solde", Bouton: "Valider le solde", Refus: func(m Demarche) error {
		if m.SoldeAPayer < 0 || m.ARecouvrer < 0 || m.SoldeAPayer > 0 && m.ARecouvrer > 0 {
			return Errorf(EINVALID, "validation du solde : montants incohérents (à payer %s, à recouvrer %s)", Euros(m.SoldeAPayer), Euros(m.ARecouvrer))
		}
		return nil
	}},
	{Action: ActionPayerSolde, Libelle: "Paiement du solde"},
	{Action: ActionReverser, Libelle: "Ordre de reversement"},
}

// Info returns what the table says of action a.
func (a Action) Info() InfoAction {
	for _, i := range actions {
		if i.Action == a {
			return i
		}
	}
	switch a {
	case ActionAlerteVue:
		return InfoAction{Action: a, Libelle: "Alerte marquée vue"}
	case ActionAttribuer:
		return InfoAction{Action: a, Libelle: "Attribution"}
	}
	return InfoAction{Action: a, Libelle: string(a)}
}

// Libelle is the action as the history says it.
func (a Action) Libelle() string { return a.Info().Libelle }

// ToutesActions returns the actions, in the order of a request's life.
func ToutesActions() []Action {
	out := make([]Action, len(actions))
	for i, a := range actions {
		out[i] = a.Action
	}
	return out
}

// Enregistre says what a transition records beside the status.
type Enregistre uint8

// What transitions record.
const (
	EnregistreAgent       Enregistre = 1 << iota // the actor becomes the request's agent
	EnregistreFinancement                        // the amount financed and its calculation
	EnregistreSolde                              // the balance's amounts, to pay and to recover
	EnregistrePiece                              // the attachment the vendor sends (mandatory)
	EnregistreVisa                               // the SHA-256 of the document a signature accepts
	EnregistreVersement                          // a payment made: the batch records it, with its notice
)

// TypeCourriel names the mail a transition sends the vendor
// (CourrielDemarche composes it).
type TypeCourriel string

// The mails of the démarches. A payment and a control's conclusion mail
// their own (CourrielAvis, CourrielConclusionControle), with the notice or
// the order of recovery: their transitions name none.
const (
	CourrielRefus           TypeCourriel = "refus"
	CourrielRetrait         TypeCourriel = "retrait"
	CourrielComplement      TypeCourriel = "complement"
	CourrielDecision        TypeCourriel = "decision"
	CourrielConvention      TypeCourriel = "convention"
	CourrielRefusSolde      TypeCourriel = "refus_solde"
	CourrielValidationSolde TypeCourriel = "validation_solde"
)

// Transition is one way a request moves: from any status of De, by Action,
// taken by Role, to Vers, when Si holds (an action whose outcome depends on
// what the démarche found: a validation's amounts; nil: always). The rows
// of one status and action share Role, Raison and Enregistrement, and their
// Si cover every case.
type Transition struct {
	De             []StatutDemande
	Action         Action
	Role           Role
	Vers           StatutDemande
	Si             func(m Demarche, prog Programme) bool
	Raison         bool // a reason is mandatory
	Enregistrement Enregistre
	Courriel       TypeCourriel
}

var apresAvance = []StatutDemande{DemandeAvancePayee, DemandeSoldeDeposee, DemandeSoldeEnInstruction,
	DemandeSoldeRefusee, DemandeSoldeValidee, DemandeSoldee}

var transitions = []Transition{
	{De: []StatutDemande{DemandeDeposee}, Action: ActionPrendre, Role: RoleInstructeur, Vers: DemandeEnInstruction, Enregistrement: EnregistreAgent},
	{De: []StatutDemande{DemandeEnInstruction}, Action: ActionCompleter, Role: RoleInstructeur, Vers: DemandeACompleter, Raison: true, Courriel: CourrielComplement},
	{De: []StatutDemande{DemandeACompleter}, Action: ActionComplete, Role: RoleFournisseur, Vers: DemandeEnInstruction, Enregistrement: EnregistrePiece},
	{De: []StatutDemande{DemandeEnInstruction}, Action: ActionRefuser, Role: RoleInstructeur, Vers: DemandeRefusee, Raison: true, Courriel: CourrielRefus},
	{De: []StatutDemande{DemandeEnInstruction}, Action: ActionValider, Role: RoleInstructeur, Vers: DemandeDecidee,
		Si: func(m Demarche, p Programme) bool { return m.MontantFinance <= p.SeuilConvention }, Enregistrement: EnregistreFinancement, Courriel: CourrielDecision},
	{De: []StatutDemande{DemandeEnInstruction}, Action: ActionValider, Role: RoleInstructeur, Vers: DemandeConventionASigner,
		Si: func(m Demarche, p Programme) bool { return m.MontantFinance > p.SeuilConvention }, Enregistrement: EnregistreFinancement, Courriel: CourrielConvention},
	{De: []StatutDemande{DemandeConventionASigner}, Action: ActionSigner, Role: RoleFournisseur, Vers: DemandeConventionSignee, Enregistrement: EnregistreVisa},
	{De: []StatutDemande{DemandeConventionASigner}, Action: ActionRetirer, Role: RoleInstructeur, Vers: DemandeRefusee, Raison: true, Courriel: CourrielRetrait},
	{De: []StatutDemande{DemandeRefusee}, Action: ActionRouvrir, Role: RoleAdmin, Vers: DemandeEnInstruction, Raison: true},
	{De: []StatutDemande{DemandeDecidee, DemandeConventionSignee}, Action: ActionPayerAvance, Role: RolePayeur, Vers: DemandeAvancePayee,
		Enregistrement: EnregistreVersement},
	{De: []StatutDemande{DemandeAvancePayee, DemandeSoldeRefusee}, Action: ActionDeposerSolde, Role: RoleFournisseur, Vers: DemandeSoldeDeposee},
	{De: []StatutDemande{DemandeSoldeDeposee}, Action: ActionPrendreSolde, Role: RoleInstructeur, Vers: DemandeSoldeEnInstruction},
	{De: []StatutDemande{DemandeSoldeEnInstruction}, Action: ActionRefuserSolde, Role: RoleInstructeur, Vers: DemandeSoldeRefusee, Raison: true, Courriel: CourrielRefusSolde},
	{De: []StatutDemande{DemandeSoldeEnInstruction}, Action: ActionValiderSolde, Role: RoleInstructeur, Vers: DemandeSoldeValidee,
		Si: func(m Demarche, _ Programme) bool { return m.SoldeAPayer > 0 }, Enregistrement: EnregistreSolde, Courriel: CourrielValidationSolde},
	{De: []StatutDemande{DemandeSoldeEnInstruction}, Action: ActionValiderSolde, Role: RoleInstructeur, Vers: DemandeSoldee,
		Si: func(m Demarche, _ Programme) bool { return m.SoldeAPayer == 0 && m.ARecouvrer == 0 }, Enregistrement: EnregistreSolde, Courriel: CourrielValidationSolde},
	{De: []StatutDemande{DemandeSoldeEnInstruction}, Action: ActionValiderSolde, Role: RoleInstructeur, Vers: DemandeReversementOrdonne,
		Si: func(m Demarche, _ Programme) bool { return m.ARecouvrer > 0 }, Enregistrement: EnregistreSolde, Courriel: CourrielValidationSolde},
	{De: []StatutDemande{DemandeSoldeValidee}, Action: ActionPayerSolde, Role: RolePayeur, Vers: DemandeSoldee,
		Enregistrement: EnregistreVersement},
	{De: apresAvance, Action: ActionReverser, Role: RoleInstructeur, Vers: DemandeReversementOrdonne, Raison: true},
}

// Transitions returns the state machine's transitions, for the tests and
// the documentation of the machine.
func Transitions() []Transition { return slices.Clone(transitions) }

// Enregistre reports whether the transition records all of e.
func (t *Transition) Enregistre(e Enregistre) bool { return t.Enregistrement&e == e }

// chemins returns the rows of transitions from status s by action a.
func chemins(s StatutDemande, a Action) []*Transition {
	var out []*Transition
	for i := range transitions {
		if t := &transitions[i]; t.Action == a && slices.Contains(t.De, s) {
			out = append(out, t)
		}
	}
	return out
}

// Appliquer moves the request d by the démarche, if the state machine and
// the actor's roles allow it; it is the only way a request's status
// changes. It returns the change to record in the history.
func (d *Demande) Appliquer(m Demarche, quand time.Time, prog Programme) (Changement, error) {
	c, _, err := d.appliquer(m, quand, prog)
	return c, err
}

// Prevoir returns the change démarche m would make to d and the transition
// it would take (what to record, what to mail), or the state machine's
// refusal, leaving d as it is.
func (d *Demande) Prevoir(m Demarche, quand time.Time, prog Programme) (Changement, *Transition, error) {
	copie := *d
	return copie.appliquer(m, quand, prog)
}

// EnregistrementDe is what action a records on a request in status s, 0
// when the state machine does not allow it: what a service prepares
// before it asks the state machine.
func EnregistrementDe(s StatutDemande, a Action) Enregistre {
	if rows := chemins(s, a); len(rows) > 0 {
		return rows[0].Enregistrement
	}
	return 0
}

func (d *Demande) appliquer(m Demarche, quand time.Time, prog Programme) (Changement, *Transition, error) {
	rows := chemins(d.Statut, m.Action)
	if len(rows) == 0 {
		return Changement{}, nil, Errorf(EFORBIDDEN, "action « %s » impossible sur une demande au statut « %s »", m.Action, d.Statut)
	}
	// The rows of one status and action share their role and reason.
	if !slices.Contains(m.Roles, rows[0].Role) {
		return Changement{}, nil, Errorf(EFORBIDDEN, "action « %s » réservée au rôle %s", m.Action, rows[0].Role)
	}
	raison := strings.TrimSpace(m.Raison)
	if rows[0].Raison && raison == "" {
		return Changement{}, nil, Errorf(EINVALID, "action « %s » : la raison est obligatoire", m.Action)
	}
	if refus := m.Action.Info().Refus; refus != nil {
		if err := refus(m); err != nil {
			return Changement{}, nil, err
		}
	}
	var t *Transition
	for _, r := range rows {
		if r.Si == nil || r.Si(m, prog) {
			t = r
			break
		}
	}
	if t == nil {
		return Changement{}, nil, Errorf(EINTERNAL, "action « %s » sur le statut « %s » : aucune transition ne convient", m.Action, d.Statut)
	}
	c := Changement{De: d.Statut, Vers: t.Vers, Action: m.Action, Par: m.Login, Quand: quand.UTC(), Raison: raison}
	d.Statut = t.Vers
	return c, t, nil
}

// Role is the role that takes action a: the agency's or the vendor's.
func (a Action) Role() Role {
	for _, t := range transitions {
		if t.Action == a {
			return t.Role
		}
	}
	return ""
}

// courrielDe is the mail of the transition by action a to status vers: a
// row's action and target tell its mail.
func courrielDe(a Action, vers StatutDemande) TypeCourriel {
	for _, t := range transitions {
		if t.Action == a && t.Vers == vers {
			return t.Courriel
		}
	}
	return ""
}

// RaisonRequise reports whether action a on a request in status s needs a
// reason.
func RaisonRequise(s StatutDemande, a Action) bool {
	rows := chemins(s, a)
	return len(rows) > 0 && rows[0].Raison
}

// Actions returns the actions the state machine allows on a request in
// status s to a person holding roles: the buttons a page shows.
func Actions(s StatutDemande, roles []Role) []Action {
	var out []Action
	for _, t := range transitions {
		if slices.Contains(t.De, s) && slices.Contains(roles, t.Role) && !slices.Contains(out, t.Action) {
			out = append(out, t.Action)
		}
	}
	return out
}
