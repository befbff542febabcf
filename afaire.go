package segur

import (
	"fmt"
	"time"
)

// ResultatDepot is the outcome of a deposit in numbers: how many of its
// requests were accepted, of how many (both 0 for a file rejected whole
// by control 1).
type ResultatDepot struct {
	Statut    StatutDepot
	Acceptees int
	Lignes    int
}

// Badge is the kind of badge the deposit's outcome is shown with: success
// only when every request was accepted, a warning when some were, an
// error when none was or the file was rejected whole.
func (r ResultatDepot) Badge() Badge {
	switch {
	case r.Statut == DepotRejete || r.Acceptees == 0:
		return BadgeErreur
	case r.Acceptees < r.Lignes:
		return BadgeAttente
	}
	return BadgeSucces
}

// Libelle is the deposit's outcome as the pages say it: « Fichier
// rejeté », « Aucune demande acceptée », « 3 acceptées sur 4 »,
// « 4 demandes acceptées », « Demande acceptée ».
func (r ResultatDepot) Libelle() string {
	switch {
	case r.Statut == DepotRejete:
		return "Fichier rejeté"
	case r.Acceptees == 0:
		return "Aucune demande acceptée"
	case r.Acceptees < r.Lignes:
		return fmt.Sprintf("%d acceptée%s sur %d", r.Acceptees, pluriel(r.Acceptees), r.Lignes)
	case r.Acceptees == 1:
		return "Demande acceptée"
	}
	return fmt.Sprintf("%d demandes acceptées", r.Acceptees)
}

func pluriel(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}

// AFaire is a request that waits for its vendor: a convention to sign or
// an attachment to send (StatutsAFaire), since Depuis (the démarche that
// asked for it, from its history).
type AFaire struct {
	NumeroASP string
	Statut    StatutDemande
	Depuis    time.Time
}

// StatutsAFaire are the statuses in which a request waits for its vendor:
// the statuses the state machine lets a vendor's action leave (the
// balance's deposit aside: nothing asks the vendor for it).
func StatutsAFaire() []StatutDemande {
	var out []StatutDemande
	for _, st := range Statuts(nil) {
		for _, a := range Actions(st, []Role{RoleFournisseur}) {
			if a != ActionDeposerSolde {
				out = append(out, st)
				break
			}
		}
	}
	return out
}

// Echeance is the date by which the vendor must act, zero when none is
// set: a convention is signed within delai days of its issue (the
// démarche that offered it).
func (a AFaire) Echeance(delai int) time.Time {
	if a.Statut == DemandeConventionASigner {
		return a.Depuis.AddDate(0, 0, delai)
	}
	return time.Time{}
}
