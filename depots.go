package segur

import "time"

// ResultatFiltre selects deposits by their outcome, in the agency's list
// of deposits.
type ResultatFiltre string

// The outcomes a list of deposits filters on: every deposit (""), the
// files rejected whole by control 1, the processed deposits with at least
// one rejected request, and those whose every request was accepted.
const (
	ResultatTous        ResultatFiltre = ""
	ResultatRejetes     ResultatFiltre = "rejetes"
	ResultatAvecRejets  ResultatFiltre = "avec-rejets"
	ResultatToutAccepte ResultatFiltre = "tout-accepte"
)

// ResultatsFiltre are the outcomes a list of deposits filters on, in the
// order a form offers them.
var ResultatsFiltre = []ResultatFiltre{ResultatTous, ResultatRejetes, ResultatAvecRejets, ResultatToutAccepte}

// Libelle is the outcome as the filter's form says it.
func (r ResultatFiltre) Libelle() string {
	switch r {
	case ResultatRejetes:
		return "Rejetés par le contrôle 1"
	case ResultatAvecRejets:
		return "Avec des demandes rejetées"
	case ResultatToutAccepte:
		return "Tout accepté"
	}
	return "Tous"
}

// DepotFilter selects deposits for the agency: every vendor's, newest
// first.
type DepotFilter struct {
	FournisseurID FournisseurID // 0: every vendor
	Resultat      ResultatFiltre
	// RecuApres and RecuAvant bound when the deposit was received:
	// RecuApres <= Recu < RecuAvant, zero for no bound.
	RecuApres, RecuAvant time.Time
	// AvantID keeps the deposits older than this one (by ID), 0 for no
	// bound: an export walks the list with it, one batch after the other.
	AvantID       DepotID
	Limit, Offset int // Limit <= 0: no limit
}

// DepotResume is a deposit in the agency's list: without its lines, with
// its vendor's name and its outcome in numbers.
type DepotResume struct {
	Depot
	Fournisseur string
	Resultat    ResultatDepot
}
