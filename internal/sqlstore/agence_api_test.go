package sqlstore

import (
	"fmt"
	"slices"
	"testing"

	"github.com/segur-numerique/segur"
)

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
}
