package segur

import (
	"context"
	"slices"
	"time"
)

// ListeAgence is a list the agency's read-only API serves under
// /api/v1/agence/, to the agents' tokens.
type ListeAgence string

// The lists of the agency's API.
const (
	ListeDemandes  ListeAgence = "demandes"
	ListeDepots    ListeAgence = "depots"
	ListeLots      ListeAgence = "lots" // the payment batches and their payments
	ListeControles ListeAgence = "controles"
)

// lecteursAgence are the roles that read each list: those of the back
// office's pages that show its rows, no more (internal/web: the queue
// /agence/demandes and the deposits /agence/depots for instructeur and
// admin, the batches /agence/paiements for payeur, the controls
// /agence/controles for instructeur).
var lecteursAgence = map[ListeAgence][]Role{
	ListeDemandes:  {RoleInstructeur, RoleAdmin},
	ListeDepots:    {RoleInstructeur, RoleAdmin},
	ListeLots:      {RolePayeur},
	ListeControles: {RoleInstructeur},
}

// LecteursAgence returns the roles that may read list l.
func LecteursAgence(l ListeAgence) []Role { return slices.Clone(lecteursAgence[l]) }

// Lire tells whether user u may read list l of the agency's API, with
// the roles it holds now: an EUNAUTHORIZED for a disabled account, an
// EFORBIDDEN naming the roles that may.
func (u *Utilisateur) Lire(l ListeAgence) error {
	if !u.DesactiveLe.IsZero() {
		return Errorf(EUNAUTHORIZED, "%s", MsgCompteDesactive)
	}
	for _, r := range lecteursAgence[l] {
		if u.A(r) {
			return nil
		}
	}
	roles := Utilisateur{Roles: lecteursAgence[l]}
	return Errorf(EFORBIDDEN, "la liste « %s » est réservée aux rôles %s, comme les pages de l'agence qui la montrent\u202f; vos rôles : %s",
		l, roles.RolesTexte(), u.RolesTexte())
}

// DemandeAgence is an accepted request as the agency's API lists it: with
// its vendor's SIRET.
type DemandeAgence struct {
	Demande
	SIRET string
}

// JetonAgentStore stores the agents' API tokens: Jetons whose
// UtilisateurID is the agent's and FournisseurID 0, in their own table. A
// token reads with the roles its agent holds at each request, and never
// once the agent is disabled.
type JetonAgentStore interface {
	// CreateJetonAgent stores j (by its digest) and sets its ID, CreeLe
	// and ExpireLe, a year later; a disabled or non-agent user is an
	// EFORBIDDEN.
	CreateJetonAgent(ctx context.Context, j *Jeton) error
	FindJetonAgentByEmpreinte(ctx context.Context, empreinte []byte) (*Jeton, error)
	FindJetonsAgent(ctx context.Context, id UtilisateurID) ([]Jeton, error)
	TouchJetonAgent(ctx context.Context, id JetonID, at time.Time) error
	RenewJetonAgent(ctx context.Context, id JetonID) (*Jeton, error)
	RevokeJetonAgent(ctx context.Context, id JetonID) error
	FindUtilisateurByID(ctx context.Context, id UtilisateurID) (*Utilisateur, error)
}

// LimiteAgence bounds the rows of one page of the agency's API: 100 by
// default, 1000 at most.
const (
	LimiteAgenceDefaut = 100
	LimiteAgenceMax    = 1000
)

// Connu reports whether s is a status of the state machine.
func (s StatutDemande) Connu() bool {
	for _, i := range statuts {
		if i.Statut == s {
			return true
		}
	}
	return false
}
