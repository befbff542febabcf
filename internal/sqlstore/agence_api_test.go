package sqlstore

import (
	"fmt"
	"slices"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// parCle walks reader lire by key, n rows at a time, calling entre once
// after the first page, and returns the keys read; it fails the test on a
// key read twice or out of order.
func parCle[T any](t *testing.T, lire func(apres int64, n int) ([]T, error), cle func(T) int64, n int, entre func()) []int64 {
	t.Helper()
	var vus []int64
	apres := int64(0)
	for pages := 1; pages < 100; pages++ {
		rows, err := lire(apres, n)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) > n {
			t.Fatalf("page of %d: got %d rows", n, len(rows))
		}
		for _, r := range rows {
			vus = append(vus, cle(r))
		}
		if pages == 1 && entre != nil {
			entre()
		}
		if len(rows) < n {
			break
		}
		apres = cle(rows[len(rows)-1])
	}
	if !slices.IsSorted(vus) || len(slices.Compact(slices.Clone(vus))) != len(vus) {
		t.Errorf("walk: got keys %v, want each once, in order", vus)
	}
	return vus
}

// runAgenceAPISuite tests the agents' tokens and the readers of the
// agency's API, on the stores of runSuite.
func runAgenceAPISuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("agents' tokens", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		paul := agent(t, db, "paul@asp.fr", segur.RolePayeur)
		j := &segur.Jeton{UtilisateurID: paul.ID, Empreinte: empreinte("jeton paul"), Prefixe: "sga_pau"}
		if err := db.CreateJetonAgent(ctx, j); err != nil {
			t.Fatalf("CreateJetonAgent: %v", err)
		}
		if want := segur.ExpirationJeton(j.CreeLe); !j.ExpireLe.Equal(want) {
			t.Errorf("ExpireLe: got %v, want %v", j.ExpireLe, want)
		}
		assertCode(t, db.CreateJetonAgent(ctx, &segur.Jeton{UtilisateurID: paul.ID, Empreinte: empreinte("jeton paul"), Prefixe: "sga_pau"}), segur.ECONFLICT)
		vendeur := sessionUser(t, db, "jeanne@editeur.example")
		assertCode(t, db.CreateJetonAgent(ctx, &segur.Jeton{UtilisateurID: vendeur.ID, Empreinte: empreinte("jeton jeanne"), Prefixe: "sga_jea"}), segur.EFORBIDDEN)

		got, err := db.FindJetonAgentByEmpreinte(ctx, empreinte("jeton paul"))
		if err != nil || got.ID != j.ID || got.UtilisateurID != paul.ID || got.FournisseurID != 0 {
			t.Fatalf("FindJetonAgentByEmpreinte: got %+v, %v; want token %d of user %d", got, err, j.ID, paul.ID)
		}
		_, err = db.FindJetonAgentByEmpreinte(ctx, empreinte("jeton paul 2"))
		assertCode(t, err, segur.ENOTFOUND)
		// A vendor's token is not an agent's, whatever its digest.
		if err := db.CreateJeton(ctx, &segur.Jeton{FournisseurID: vendeur.FournisseurID, Empreinte: empreinte("jeton vendeur"), Prefixe: "sgr_ven"}); err != nil {
			t.Fatal(err)
		}
		_, err = db.FindJetonAgentByEmpreinte(ctx, empreinte("jeton vendeur"))
		assertCode(t, err, segur.ENOTFOUND)

		at := stamp(testNow().Add(segur.UsageJeton))
		if err := db.TouchJetonAgent(ctx, j.ID, at); err != nil {
			t.Fatal(err)
		}
		assertCode(t, db.TouchJetonAgent(ctx, j.ID+1000, at), segur.ENOTFOUND)
		renouvele, err := db.RenewJetonAgent(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		js, err := db.FindJetonsAgent(ctx, paul.ID)
		if err != nil || len(js) != 1 || !js[0].DernierUsage.Equal(at) || !js[0].ExpireLe.Equal(renouvele.ExpireLe) {
			t.Fatalf("FindJetonsAgent: got %+v, %v; want one token used at %v expiring %v", js, err, at, renouvele.ExpireLe)
		}
		if err := db.RevokeJetonAgent(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeJetonAgent(ctx, j.ID); err != nil {
			t.Errorf("RevokeJetonAgent again: got %v, want nil", err)
		}
		_, err = db.RenewJetonAgent(ctx, j.ID)
		assertCode(t, err, segur.ECONFLICT)
		assertEvents(t, db, "jeton:sga_pau", "jeton_agent.creer", "jeton_agent.renouveler", "jeton_agent.revoquer")

		// Disabling the agent revokes his tokens, and no other is created.
		k := &segur.Jeton{UtilisateurID: paul.ID, Empreinte: empreinte("jeton paul 3"), Prefixe: "sga_pa3"}
		if err := db.CreateJetonAgent(ctx, k); err != nil {
			t.Fatal(err)
		}
		agent(t, db, "admin@asp.fr", segur.RoleAdmin)
		if _, err := db.DesactiverUtilisateur(segur.WithActeur(ctx, segur.Acteur{Login: "admin@asp.fr"}), paul.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := db.FindJetonAgentByEmpreinte(ctx, empreinte("jeton paul 3")); err != nil || got.RevoqueLe.IsZero() {
			t.Errorf("token of a disabled agent: got %+v, %v; want it revoked", got, err)
		}
		assertCode(t, db.CreateJetonAgent(ctx, &segur.Jeton{UtilisateurID: paul.ID, Empreinte: empreinte("jeton paul 4"), Prefixe: "sga_pa4"}), segur.EFORBIDDEN)
	})

	t.Run("requests by key", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f, g := fixture(t, db, "88558855858745"), fixture(t, db, "73282932000074")
		var lignes []ligne
		for i := range 5 {
			lignes = append(lignes, ligne{fmt.Sprintf("F%02d", i), ""})
		}
		enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json f 1", ""), lignes...)
		enregistrer(t, db, ctx, nouveauDepot(g.ID, 2, "json g 1", ""), ligne{"G01", ""}, ligne{"G02", ""})
		// Walk two at a time; a deposit recorded during the walk does not
		// shift it: its requests come after, each once.
		var vus []segur.DemandeID
		apres, pages := segur.DemandeID(0), 0
		for {
			ds, err := db.FindDemandesAgence(ctx, segur.DemandeFilter{}, "", apres, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				vus = append(vus, d.ID)
				want := map[segur.FournisseurID]string{f.ID: f.SIRET, g.ID: g.SIRET}[d.FournisseurID]
				if d.SIRET != want || d.NumeroASP == "" {
					t.Errorf("%s: got SIRET %q, want %q", d.NumeroASP, d.SIRET, want)
				}
			}
			if pages++; pages == 2 {
				enregistrer(t, db, ctx, nouveauDepot(g.ID, 3, "json g 2", ""), ligne{"G03", ""})
			}
			if len(ds) < 2 {
				break
			}
			apres = ds[len(ds)-1].ID
		}
		if len(vus) != 8 || !slices.IsSorted(vus) || len(slices.Compact(slices.Clone(vus))) != 8 {
			t.Errorf("walk: got IDs %v, want 8 requests each once, in order", vus)
		}
		ds, err := db.FindDemandesAgence(ctx, segur.DemandeFilter{Statut: segur.DemandeDeposee}, g.SIRET, 0, 1000)
		if err != nil || len(ds) != 3 {
			t.Fatalf("vendor %s: got %d requests, %v; want 3", g.SIRET, len(ds), err)
		}
		for _, d := range ds {
			if d.FournisseurID != g.ID {
				t.Errorf("vendor %s: got %s of vendor %d", g.SIRET, d.NumeroASP, d.FournisseurID)
			}
		}
		if ds, err := db.FindDemandesAgence(ctx, segur.DemandeFilter{Statut: segur.DemandeRefusee}, "", 0, 10); err != nil || len(ds) != 0 {
			t.Errorf("refused: got %d, %v; want none", len(ds), err)
		}
	})

	t.Run("deposits by key", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f, g := fixture(t, db, "88558855858745"), fixture(t, db, "73282932000074")
		enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "d1", ""), ligne{"A1", ""}, ligne{"A2", hop.CodePieceAbsente})
		rejete := nouveauDepot(g.ID, 0, "rejete", "")
		rejete.NumeroAns, rejete.Statut = "0000000001", segur.DepotRejete
		rejete.Motif = &hop.Erreur{Code: hop.CodeSyntaxe, Valeur: "« } »", P1: "une valeur", Offset: 57, Ligne: 3, Colonne: 12}
		enregistrer(t, db, ctx, rejete)
		enregistrer(t, db, ctx, nouveauDepot(f.ID, 2, "d2", ""), ligne{"B1", ""})
		var lus []segur.DepotResume
		vus := parCle(t, func(apres int64, n int) ([]segur.DepotResume, error) {
			ds, err := db.FindDepotsAgenceApres(ctx, segur.DepotFilter{Resultat: segur.ResultatTous}, segur.DepotID(apres), n)
			lus = append(lus, ds...)
			return ds, err
		}, func(d segur.DepotResume) int64 { return int64(d.ID) }, 2, func() {
			enregistrer(t, db, ctx, nouveauDepot(f.ID, 3, "d3", ""), ligne{"C1", ""})
		})
		if len(vus) != 4 {
			t.Fatalf("walk: got %d deposits, want 4", len(vus))
		}
		if d := lus[0]; d.Resultat.Lignes != 2 || d.Resultat.Acceptees != 1 || d.Fournisseur != f.Nom {
			t.Errorf("first deposit: got %+v, want 2 lines, 1 accepted, of %s", d.Resultat, f.Nom)
		}
		if d := lus[1]; d.Statut != segur.DepotRejete || d.Motif == nil || d.Motif.Code != hop.CodeSyntaxe {
			t.Errorf("rejected deposit: got %s %+v, want its control-1 reason", d.Statut, d.Motif)
		}
		if ds, err := db.FindDepotsAgenceApres(ctx, segur.DepotFilter{Resultat: segur.ResultatTous, FournisseurID: g.ID}, 0, 10); err != nil || len(ds) != 1 {
			t.Errorf("vendor %d: got %d, %v; want 1 deposit", g.ID, len(ds), err)
		}
	})

	t.Run("batches and payments by key", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		a := banquier(t, db, "88558855858745")
		asps := decidees(t, db, ctx, a, 1, "00001", "00002", "00003", "00004", "00005")
		for _, asp := range asps[:3] {
			if _, err := db.CreateLot(ctx, []string{asp}, "paul@asp.fr"); err != nil {
				t.Fatal(err)
			}
		}
		lots := parCle(t, func(apres int64, n int) ([]segur.Lot, error) {
			return db.FindLotsApres(ctx, segur.LotID(apres), n)
		}, func(l segur.Lot) int64 { return int64(l.ID) }, 2, func() {
			if _, err := db.CreateLot(ctx, asps[3:], "paul@asp.fr"); err != nil {
				t.Fatal(err)
			}
		})
		if len(lots) != 4 {
			t.Fatalf("batches: got %v, want 4", lots)
		}
		var lus []segur.LignePaiement
		parCle(t, func(apres int64, n int) ([]segur.LignePaiement, error) {
			ps, err := db.FindPaiementsApres(ctx, 0, apres, n)
			lus = append(lus, ps...)
			return ps, err
		}, func(p segur.LignePaiement) int64 { return p.ID }, 2, nil)
		if len(lus) != 5 || lus[0].Montant != 4_125_00 || lus[0].Lot != segur.LotID(lots[0]) || lus[0].NumeroASP != asps[0] || lus[0].EtatLot == "" {
			t.Errorf("payments: got %+v, want 5, the first of 4 125,00\u202f€ in the first batch", lus)
		}
		if ps, err := db.FindPaiementsApres(ctx, segur.LotID(lots[3]), 0, 10); err != nil || len(ps) != 2 {
			t.Errorf("payments of the last batch: got %d, %v; want 2", len(ps), err)
		}
	})

	t.Run("controls by key", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""}, ligne{"00002", ""}, ligne{"00003", ""})
		for _, d := range ds {
			payer(t, db, ctx, d.NumeroASP, 10_000_00)
		}
		for _, d := range ds[:2] {
			if _, err := db.OuvrirControle(ctx, d.NumeroASP, "marie@asp.fr"); err != nil {
				t.Fatal(err)
			}
		}
		vus := parCle(t, func(apres int64, n int) ([]segur.Controle, error) {
			return db.FindControlesApres(ctx, segur.ControleFilter{}, segur.ControleID(apres), n)
		}, func(c segur.Controle) int64 { return int64(c.ID) }, 1, func() {
			if _, err := db.OuvrirControle(ctx, ds[2].NumeroASP, "marie@asp.fr"); err != nil {
				t.Fatal(err)
			}
		})
		if len(vus) != 3 {
			t.Errorf("controls: got %v, want 3", vus)
		}
		if cs, err := db.FindControlesApres(ctx, segur.ControleFilter{Etat: segur.ControleConforme}, 0, 10); err != nil || len(cs) != 0 {
			t.Errorf("compliant controls: got %d, %v; want none", len(cs), err)
		}
		if cs, err := db.FindControlesApres(ctx, segur.ControleFilter{Etat: segur.ControleOuvert}, segur.ControleID(vus[0]), 10); err != nil || len(cs) != 2 {
			t.Errorf("open controls after the first: got %d, %v; want 2", len(cs), err)
		}
	})
}
