package segur

import (
	"slices"
	"testing"

	"github.com/segur-numerique/segur/hop"
)

func TestSemaines(t *testing.T) {
	for _, tt := range []struct {
		d     hop.Date
		want  Semaine
		lundi hop.Date
	}{
		{hop.Date{Annee: 2026, Mois: 6, Jour: 2}, Semaine{2026, 23}, hop.Date{Annee: 2026, Mois: 6, Jour: 1}},
		{hop.Date{Annee: 2026, Mois: 12, Jour: 31}, Semaine{2026, 53}, hop.Date{Annee: 2026, Mois: 12, Jour: 28}},
		{hop.Date{Annee: 2027, Mois: 1, Jour: 3}, Semaine{2026, 53}, hop.Date{Annee: 2026, Mois: 12, Jour: 28}},
		{hop.Date{Annee: 2027, Mois: 1, Jour: 4}, Semaine{2027, 1}, hop.Date{Annee: 2027, Mois: 1, Jour: 4}},
		{hop.Date{Annee: 2024, Mois: 12, Jour: 30}, Semaine{2025, 1}, hop.Date{Annee: 2024, Mois: 12, Jour: 30}},
	} {
		if got := SemaineDe(tt.d); got != tt.want || got.Lundi() != tt.lundi {
			t.Errorf("SemaineDe(%v): got %v (Monday %v), want %v (Monday %v)", tt.d, got, got.Lundi(), tt.want, tt.lundi)
		}
	}
	p := &Pilotage{ParJour: []PilotageJour{
		{Jour: hop.Date{Annee: 2026, Mois: 12, Jour: 22}, Depots: 2, Demandes: 3, MontantHT: 100},
		{Jour: hop.Date{Annee: 2026, Mois: 12, Jour: 24}, Depots: 1, DepotsRejetes: 1},
		{Jour: hop.Date{Annee: 2027, Mois: 1, Jour: 5}, Depots: 1, Demandes: 1, MontantHT: 50},
	}}
	got := p.Semaines()
	want := []PilotageSemaine{
		{Semaine: Semaine{2026, 52}, Depots: 3, DepotsRejetes: 1, Demandes: 3, MontantHT: 100},
		{Semaine: Semaine{2026, 53}},
		{Semaine: Semaine{2027, 1}, Depots: 1, Demandes: 1, MontantHT: 50},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Semaines: got %+v, want %+v", got, want)
	}
	if got[0].String() != "2026-S52" {
		t.Errorf("String: got %s", got[0])
	}
}

func TestMontantsPilotage(t *testing.T) {
	p := &Pilotage{ParStatut: []PilotageStatut{
		{Statut: DemandeDeposee, Nombre: 5, MontantHT: 1000},
		{Statut: DemandeDecidee, Nombre: 1, Finance: 1000, Avance: 300},
		{Statut: DemandeAvancePayee, Nombre: 1, Finance: 2000, Avance: 600},
		{Statut: DemandeSoldeValidee, Nombre: 1, Finance: 1000, Avance: 300, SoldeAPayer: 500},
		{Statut: DemandeSoldee, Nombre: 1, Finance: 1000, Avance: 300, SoldeAPayer: 700},
		{Statut: DemandeReversementOrdonne, Nombre: 1, Finance: 1000, Avance: 300},
	}}
	engage, paye, reste := p.Montants()
	// Paid: 600 + 300 + 300 + 700 + 300; remaining: 1000 + 1400 + 500.
	if engage != 6000 || paye != 2200 || reste != 2900 {
		t.Errorf("Montants: got %d, %d, %d; want 6000, 2200, 2900", engage, paye, reste)
	}
	p.Codes = []PilotageCode{{"2034", 2}, {"1012", 5}, {"2001", 2}, {"1040", 1}}
	if got := p.CodesFrequents(3); !slices.Equal(got, []PilotageCode{{"1012", 5}, {"2001", 2}, {"2034", 2}}) {
		t.Errorf("CodesFrequents: got %+v", got)
	}
}
