package sqlstore

import (
	"slices"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// runPilotageSuite checks the dashboard's new blocks on a fixture whose
// times and statuses are written as they would be, and its filters.
func runPilotageSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("pilotage indicateurs", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		paris, err := time.LoadLocation("Europe/Paris")
		if err != nil {
			t.Skip(err)
		}
		f := fixture(t, db, "88558855858745")
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"A", ""}, ligne{"B", ""}, ligne{"C", ""}, ligne{"D", ""})
		dpi := nouveauDepot(f.ID, 2, "json 2", "")
		dpi.Logiciel = hop.LogicielDPI
		ds = append(ds, enregistrer(t, db, ctx, dpi, ligne{"E", ""})...)
		// Saturday 20 June 2026, week 25 (from Monday 15 June 0 h in Paris).
		now := time.Date(2026, 6, 20, 12, 0, 0, 0, time.UTC)
		jour := 24 * time.Hour
		utc := func(m time.Month, j, h int) time.Time { return time.Date(2026, m, j, h, 0, 0, 0, time.UTC) }
		for i, d := range []struct {
			creeLe  time.Time
			statut  segur.StatutDemande
			agent   any
			finance any
			recouvr any
		}{
			{now.Add(-40 * jour), segur.DemandeDeposee, nil, nil, nil},                          // waits, over 30 days
			{now.Add(-10 * jour), segur.DemandeEnInstruction, "marie@asp.fr", nil, nil},         // waits, 7 to 30 days
			{now.Add(-2 * jour), segur.DemandeDeposee, nil, nil, nil},                           // waits, under 7 days
			{utc(6, 1, 8), segur.DemandeReversementOrdonne, "paul@asp.fr", 10_000_00, 1_500_00}, // decided 3 June, paid 16 June
			{utc(6, 10, 8), segur.DemandeRefusee, "marie@asp.fr", nil, nil},                     // DPI, refused 15 June
		} {
			if _, err := db.w.ExecContext(ctx, `UPDATE demandes SET cree_le = $1, statut = $2, agent = $3, montant_finance_cents = $4, solde_a_recouvrer_cents = $5 WHERE id = $6`,
				d.creeLe, d.statut, d.agent, d.finance, d.recouvr, int64(ds[i].ID)); err != nil {
				t.Fatal(err)
			}
		}
		for _, h := range []struct {
			i      int
			quand  time.Time
			par    string
			action segur.Action
		}{
			{3, utc(6, 2, 8), "paul@asp.fr", segur.ActionPrendre},
			{3, utc(6, 3, 8), "paul@asp.fr", segur.ActionValider},
			{3, utc(6, 16, 8), "paul@asp.fr", segur.ActionPayerAvance},
			{3, utc(6, 17, 8), "paul@asp.fr", segur.ActionReverser},
			{4, utc(6, 15, 8), "marie@asp.fr", segur.ActionRefuser},
		} {
			if _, err := db.w.ExecContext(ctx, `INSERT INTO demande_historique (demande_id, quand, par, action, de, vers) VALUES ($1, $2, $3, $4, 'x', 'y')`,
				int64(ds[h.i].ID), h.quand, h.par, h.action); err != nil {
				t.Fatal(err)
			}
		}
		filtre := func(l hop.Logiciel, depuis, avant time.Time) segur.PilotageFiltre {
			return segur.PilotageFiltre{Logiciel: l, Depuis: depuis, Avant: avant, Maintenant: now, Semaine: segur.DebutSemaine(now, paris)}
		}
		p, err := db.FindPilotage(ctx, filtre("", time.Time{}, time.Time{}))
		if err != nil {
			t.Fatal(err)
		}
		wantAttente := []segur.PilotageAttente{{Statut: segur.DemandeDeposee, Tranche: 0, Nombre: 1}, {Statut: segur.DemandeDeposee, Tranche: 2, Nombre: 1},
			{Statut: segur.DemandeEnInstruction, Tranche: 1, Nombre: 1}}
		if !slices.Equal(p.Attente, wantAttente) {
			t.Errorf("Attente: got %+v, want %+v", p.Attente, wantAttente)
		}
		// paul decided before this week and holds nothing in instruction.
		if want := []segur.PilotageInstructeur{{Agent: "marie@asp.fr", EnInstruction: 1, Decidees: 1}}; !slices.Equal(p.Instructeurs, want) {
			t.Errorf("Instructeurs: got %+v, want %+v", p.Instructeurs, want)
		}
		j := func(n float64) time.Duration { return time.Duration(n * float64(jour)) }
		wantDelais := []segur.DelaiSemaine{
			{Semaine: segur.Semaine{Annee: 2026, Numero: 23}, Decision: segur.Delai{Nombre: 1, Mediane: j(2), P90: j(2)}},
			{Semaine: segur.Semaine{Annee: 2026, Numero: 25}, Decision: segur.Delai{Nombre: 1, Mediane: j(5), P90: j(5)}, Paiement: segur.Delai{Nombre: 1, Mediane: j(13), P90: j(13)}},
		}
		if got := segur.DelaisParSemaine(p.Delais, paris); !slices.Equal(got, wantDelais) {
			t.Errorf("delays: got %+v, want %+v", got, wantDelais)
		}
		if len(p.Ecarts) != 1 || p.Ecarts[0].Statut != segur.DemandeReversementOrdonne || p.Ecarts[0].Nombre != 1 || !slices.Equal(p.Ecarts[0].Exemples, []string{ds[3].NumeroASP}) {
			t.Errorf("Ecarts: got %+v", p.Ecarts)
		}
		if p.ARecouvrer != 1_500_00 {
			t.Errorf("ARecouvrer: got %d, want 150000", p.ARecouvrer)
		}
		if r := p.Rapprochement(); r.Ecart != 7_000_00 || len(r.Causes) != 1 || r.Causes[0].Exemples[0] != ds[3].NumeroASP {
			t.Errorf("Rapprochement: got %+v", r)
		}

		// The software type: the DPI request only, everywhere.
		p, err = db.FindPilotage(ctx, filtre(hop.LogicielDPI, time.Time{}, time.Time{}))
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Attente) != 0 || len(p.Ecarts) != 0 || p.ARecouvrer != 0 || len(p.Delais) != 1 ||
			!slices.Equal(p.Instructeurs, []segur.PilotageInstructeur{{Agent: "marie@asp.fr", Decidees: 1}}) ||
			len(p.ParStatut) != 1 || p.ParStatut[0].Statut != segur.DemandeRefusee || len(p.ParLogiciel) != 1 || p.ParLogiciel[0].Logiciel != hop.LogicielDPI ||
			len(p.ParJour) != 1 || p.ParJour[0].Depots != 1 || p.ParJour[0].Demandes != 1 {
			t.Errorf("DPI: got %+v", p)
		}
		// The window: requests deposited from 9 to 11 June (B and E).
		p, err = db.FindPilotage(ctx, filtre("", utc(6, 9, 0), utc(6, 11, 0)))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Attente, []segur.PilotageAttente{{Statut: segur.DemandeEnInstruction, Tranche: 1, Nombre: 1}}) || len(p.Delais) != 1 || len(p.Ecarts) != 0 {
			t.Errorf("window: got %+v", p)
		}
		n := 0
		for _, l := range p.ParStatut {
			n += l.Nombre
		}
		if n != 2 {
			t.Errorf("window: got %d requests, want 2", n)
		}
	})
}
