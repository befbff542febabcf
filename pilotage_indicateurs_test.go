package segur

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The fixture of the delays, computed by hand (Paris is UTC+2 in June).
//
//	request  deposit          decision         advance paid     to decide  to pay
//	A        Mon 1 Jun 10:00  Wed 3 Jun 10:00  Tue 9 Jun 10:00  2 d (S23)  6 d (S24)
//	B        Fri 29 May 10:00 Thu 4 Jun 22:00  Fri 12 Jun 22:00 6.5 d (S23) 8 d (S24)
//	C        Mon 1 Jun 01:00  Mon 8 Jun 01:00  —                7 d (S24, Sunday in UTC)
//	D        Mon 1 Jun 10:00  Fri 5 Jun 10:00  —                4 d (S23)
//	E        Mon 1 Jun 10:00  —                —                not decided: no delay
//
// S23 decisions 2, 4, 6.5 days: median 4, 90th percentile at rank
// 0.9 × 2 = 1.8, 4 + 0.8 × 2.5 = 6 days. S24 decisions 7: 7 and 7. S24
// payments 6, 8: median 7, 90th percentile 6 + 0.9 × 2 = 7.8 days.
func TestDelaisParSemaine(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip(err)
	}
	at := func(mois time.Month, jour, h, m int) time.Time { return time.Date(2026, mois, jour, h, m, 0, 0, paris) }
	ds := []DelaiDemande{
		{Depot: at(6, 1, 10, 0), Decision: at(6, 3, 10, 0), Paiement: at(6, 9, 10, 0)},
		{Depot: at(5, 29, 10, 0), Decision: at(6, 4, 22, 0), Paiement: at(6, 12, 22, 0)},
		{Depot: at(6, 1, 1, 0), Decision: at(6, 8, 1, 0)},
		{Depot: at(6, 1, 10, 0), Decision: at(6, 5, 10, 0)},
		{Depot: at(6, 1, 10, 0)},
	}
	j := func(x float64) time.Duration { return time.Duration(x * 24 * float64(time.Hour)) }
	want := []DelaiSemaine{
		{Semaine: Semaine{2026, 23}, Decision: Delai{Nombre: 3, Mediane: j(4), P90: j(6)}},
		{Semaine: Semaine{2026, 24}, Decision: Delai{Nombre: 1, Mediane: j(7), P90: j(7)}, Paiement: Delai{Nombre: 2, Mediane: j(7), P90: j(7.8)}},
	}
	if got := DelaisParSemaine(ds, paris); !slices.Equal(got, want) {
		t.Errorf("DelaisParSemaine:\n got %+v\nwant %+v", got, want)
	}
	if got := DelaisParSemaine(nil, paris); got != nil {
		t.Errorf("no request: got %+v", got)
	}
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{{j(4), "4,0\u202fj"}, {j(7.8), "7,8\u202fj"}, {84 * time.Hour, "3,5\u202fj"}, {0, "0,0\u202fj"}, {j(12.34), "12,3\u202fj"}, {j(0.96), "1,0\u202fj"}} {
		if got := Jours(tt.d); got != tt.want {
			t.Errorf("Jours(%v): got %q, want %q", tt.d, got, tt.want)
		}
	}
	// Monday 0 h in Paris, from a Sunday night and a Monday morning.
	if got, want := DebutSemaine(at(6, 7, 23, 30), paris), at(6, 1, 0, 0); !got.Equal(want) {
		t.Errorf("DebutSemaine(Sunday): got %v, want %v", got, want)
	}
	if got, want := DebutSemaine(at(6, 8, 1, 0).UTC(), paris), at(6, 8, 0, 0); !got.Equal(want) {
		t.Errorf("DebutSemaine(Monday 1 h): got %v, want %v", got, want)
	}
}

func TestQuantile(t *testing.T) {
	h := time.Hour
	for _, tt := range []struct {
		ds   []time.Duration
		q    float64
		want time.Duration
	}{
		{nil, 0.5, 0},
		{[]time.Duration{5 * h}, 0.9, 5 * h},
		{[]time.Duration{4 * h, 1 * h, 3 * h, 2 * h}, 0.5, 150 * time.Minute}, // rank 1.5
		{[]time.Duration{4 * h, 1 * h, 3 * h, 2 * h}, 0.9, 222 * time.Minute}, // rank 2.7: 3 h + 0.7 h
		{[]time.Duration{4 * h, 1 * h, 3 * h, 2 * h}, 1, 4 * h},
	} {
		if got := Quantile(tt.ds, tt.q); got != tt.want {
			t.Errorf("Quantile(%v, %v): got %v, want %v", tt.ds, tt.q, got, tt.want)
		}
	}
}

func TestTranchesAttente(t *testing.T) {
	now := time.Date(2026, 6, 20, 12, 0, 0, 0, time.UTC)
	jour := 24 * time.Hour
	for _, tt := range []struct {
		age  time.Duration
		want int
	}{{0, 0}, {7*jour - time.Second, 0}, {7 * jour, 1}, {30*jour - time.Second, 1}, {30 * jour, 2}, {400 * jour, 2}} {
		if got := TrancheDe(now.Add(-tt.age), now); got != tt.want {
			t.Errorf("TrancheDe(%v old): got %d, want %d", tt.age, got, tt.want)
		}
	}
	if got, want := BornesAttente(now), []time.Time{now.Add(-7 * jour), now.Add(-30 * jour)}; !slices.Equal(got, want) {
		t.Errorf("BornesAttente: got %v, want %v", got, want)
	}
	p := &Pilotage{Attente: []PilotageAttente{
		{Statut: DemandeDeposee, Tranche: 0, Nombre: 4}, {Statut: DemandeDeposee, Tranche: 2, Nombre: 1},
		{Statut: DemandeSoldeDeposee, Tranche: 0, Nombre: 2}, {Statut: DemandeEnInstruction, Tranche: 1, Nombre: 3},
	}}
	if got := p.AttenteParTranche(); !slices.Equal(got, []int{6, 3, 1}) {
		t.Errorf("AttenteParTranche: got %v, want [6 3 1]", got)
	}
	if got := StatutsAttente(); !slices.Equal(got, []StatutDemande{DemandeDeposee, DemandeEnInstruction, DemandeSoldeDeposee, DemandeSoldeEnInstruction}) {
		t.Errorf("StatutsAttente: got %v", got)
	}
	if got := StatutsEnInstruction(); !slices.Equal(got, []StatutDemande{DemandeEnInstruction, DemandeSoldeEnInstruction}) {
		t.Errorf("StatutsEnInstruction: got %v", got)
	}
}

// The reconciliation on a fixture computed by hand (cents).
//
//	status               financed advance balance  engaged paid remaining gap
//	décidée              1000     300     —        1000    0    1000      0
//	avance payée         2000     600     —        2000    600  1400      0
//	solde validé         1000     300     500      1000    300  500       200
//	soldée               1000     300     600      1000    900  0         100
//	reversement ordonné  1000     300     —        1000    300  0         700
//
// Engaged 6000, paid 2100, Engaged − Paid 3900, remaining 2900: gap 1000.
func TestRapprochement(t *testing.T) {
	p := &Pilotage{ParStatut: []PilotageStatut{
		{Statut: DemandeDeposee, Nombre: 5, MontantHT: 1000},
		{Statut: DemandeDecidee, Nombre: 1, Finance: 1000, Avance: 300},
		{Statut: DemandeAvancePayee, Nombre: 1, Finance: 2000, Avance: 600},
		{Statut: DemandeSoldeValidee, Nombre: 1, Finance: 1000, Avance: 300, SoldeAPayer: 500},
		{Statut: DemandeSoldee, Nombre: 1, Finance: 1000, Avance: 300, SoldeAPayer: 600},
		{Statut: DemandeReversementOrdonne, Nombre: 1, Finance: 1000, Avance: 300},
	}, Ecarts: []PilotageEcart{
		{Statut: DemandeSoldeValidee, Nombre: 1, Exemples: []string{"ASP-5"}},
		{Statut: DemandeSoldee, Nombre: 1, Exemples: []string{"ASP-6"}},
		{Statut: DemandeReversementOrdonne, Nombre: 1, Exemples: []string{"ASP-7"}},
	}, Virements: 2100}
	r := p.Rapprochement()
	if r.Engage != 6000 || r.Paye != 2100 || r.Reste != 2900 || r.Ecart != 1000 {
		t.Errorf("Rapprochement: got %+v", r)
	}
	var parts []int64
	for _, c := range r.Causes {
		parts = append(parts, c.Montant)
	}
	if !slices.Equal(parts, []int64{200, 100, 700}) {
		t.Errorf("causes: got %v, want [200 100 700]", parts)
	}
	want := "Engagé − Payé = 39,00\u202f€\u202f; Reste à payer = 29,00\u202f€\u202f: l'écart de 10,00\u202f€ vient de " +
		"la demande ASP-5 au statut « Solde validé » (solde validé inférieur au reste du montant financé) pour 2,00\u202f€\u202f; " +
		"la demande ASP-6 au statut « Soldée » (soldée pour moins que le montant financé) pour 1,00\u202f€\u202f; " +
		"la demande ASP-7 au statut « Reversement ordonné » (sous ordre de reversement, plus rien n'y est à payer) pour 7,00\u202f€."
	if got := r.Phrase(); got != want {
		t.Errorf("Phrase:\n got %q\nwant %q", got, want)
	}
	if got := r.PhraseVirements(); got != "" {
		t.Errorf("PhraseVirements with Payé = Virements: got %q", got)
	}

	// The case: one request under an order of recovery.
	p = &Pilotage{ParStatut: []PilotageStatut{
		{Statut: DemandeAvancePayee, Nombre: 1, Finance: 10_000_00, Avance: 3_000_00},
		{Statut: DemandeReversementOrdonne, Nombre: 1, Finance: 10_000_00, Avance: 3_000_00},
	}, Ecarts: []PilotageEcart{{Statut: DemandeReversementOrdonne, Nombre: 1, Exemples: []string{"ASP-2026-000002"}}}}
	want = "Engagé − Payé = 14\u202f000,00\u202f€\u202f; Reste à payer = 7\u202f000,00\u202f€\u202f: l'écart de 7\u202f000,00\u202f€ est " +
		"la demande ASP-2026-000002 au statut « Reversement ordonné » (sous ordre de reversement, plus rien n'y est à payer)."
	if got := p.Rapprochement().Phrase(); got != want {
		t.Errorf("Phrase:\n got %q\nwant %q", got, want)
	}
	// Many: counted, the first named.
	p.ParStatut[1].Nombre, p.Ecarts[0].Nombre, p.Ecarts[0].Exemples = 5, 5, []string{"A", "B", "C"}
	if got := p.Rapprochement().Phrase(); !strings.Contains(got, "vient de 5 demandes (A, B, C…) au statut « Reversement ordonné »") {
		t.Errorf("Phrase of 5: got %q", got)
	}
	if got := (&Pilotage{}).Rapprochement().Phrase(); got != "" {
		t.Errorf("no gap: got %q", got)
	}
	if got := (Rapprochement{Paye: 900, Virements: 1000}).PhraseVirements(); got != "Payé (lu sur le statut des demandes) = 9,00\u202f€\u202f; Virements (lus sur les lots marqués payés) = 10,00\u202f€\u202f: écart de 1,00\u202f€." {
		t.Errorf("PhraseVirements: got %q", got)
	}
	for _, tt := range []struct {
		s        StatutDemande
		f, a, s2 int64
	}{{DemandeDecidee, 0, 0, 0}, {DemandeAvancePayee, 0, 0, 0}, {DemandeSoldeValidee, 1, -1, -1}, {DemandeSoldee, 1, -1, -1}, {DemandeReversementOrdonne, 1, -1, 0}} {
		if f, a, s := CoefficientsEcart(tt.s); f != tt.f || a != tt.a || s != tt.s2 {
			t.Errorf("CoefficientsEcart(%s): got %d, %d, %d; want %d, %d, %d", tt.s, f, a, s, tt.f, tt.a, tt.s2)
		}
	}
	if got := StatutsEcart(); !slices.Equal(got, []StatutDemande{DemandeSoldeValidee, DemandeSoldee, DemandeReversementOrdonne}) {
		t.Errorf("StatutsEcart: got %v", got)
	}
}
