package segur

import (
	"slices"
	"testing"
	"time"
)

func TestResultatDepot(t *testing.T) {
	for _, c := range []struct {
		r       ResultatDepot
		libelle string
		badge   Badge
	}{
		{ResultatDepot{Statut: DepotRejete}, "Fichier rejeté", BadgeErreur},
		{ResultatDepot{Statut: DepotTraite, Lignes: 4}, "Aucune demande acceptée", BadgeErreur},
		{ResultatDepot{Statut: DepotTraite, Lignes: 4, Acceptees: 1}, "1 acceptée sur 4", BadgeAttente},
		{ResultatDepot{Statut: DepotTraite, Lignes: 4, Acceptees: 3}, "3 acceptées sur 4", BadgeAttente},
		{ResultatDepot{Statut: DepotTraite, Lignes: 1, Acceptees: 1}, "Demande acceptée", BadgeSucces},
		{ResultatDepot{Statut: DepotTraite, Lignes: 4, Acceptees: 4}, "4 demandes acceptées", BadgeSucces},
	} {
		t.Run(c.libelle, func(t *testing.T) {
			if got := c.r.Libelle(); got != c.libelle {
				t.Errorf("Libelle: got %q, want %q", got, c.libelle)
			}
			if got := c.r.Badge(); got != c.badge {
				t.Errorf("Badge: got %q, want %q", got, c.badge)
			}
		})
	}
}

func TestStatutsAFaire(t *testing.T) {
	want := []StatutDemande{DemandeACompleter, DemandeConventionASigner}
	if got := StatutsAFaire(); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	quand := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if got, want := (AFaire{Statut: DemandeConventionASigner, Depuis: quand}).Echeance(30), quand.AddDate(0, 0, 30); !got.Equal(want) {
		t.Errorf("a convention's deadline: got %v, want %v", got, want)
	}
	if got := (AFaire{Statut: DemandeACompleter, Depuis: quand}).Echeance(30); !got.IsZero() {
		t.Errorf("a completion's deadline: got %v, want none", got)
	}
}
