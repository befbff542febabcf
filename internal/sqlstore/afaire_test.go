package sqlstore

import (
	"reflect"
	"testing"

	"github.com/segur-numerique/segur"
)

func runAFaireSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("résultats des dépôts", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		tous := nouveauDepot(f.ID, 1, "json 1", "")
		enregistrer(t, db, ctx, tous, ligne{"00001", ""}, ligne{"00002", ""})
		partiel := nouveauDepot(f.ID, 2, "json 2", "")
		enregistrer(t, db, ctx, partiel, ligne{"00003", ""}, ligne{"00001", "2001"}, ligne{"00004", "2034"})
		aucun := nouveauDepot(f.ID, 3, "json 3", "")
		enregistrer(t, db, ctx, aucun, ligne{"00002", "2001"})
		got, err := db.FindResultatsDepots(ctx, []segur.DepotID{tous.ID, partiel.ID, aucun.ID, 999})
		want := map[segur.DepotID]segur.ResultatDepot{
			tous.ID: {Lignes: 2, Acceptees: 2}, partiel.ID: {Lignes: 3, Acceptees: 1}, aucun.ID: {Lignes: 1},
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("FindResultatsDepots: got %v, %v; want %v", got, err, want)
		}
		if got, err := db.FindResultatsDepots(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("FindResultatsDepots of none: got %v, %v", got, err)
		}
	})

	t.Run("à faire", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		g := fixture(t, db, "73282932000074")
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""}, ligne{"00002", ""}, ligne{"00003", ""}, ligne{"00004", ""})
		autre := enregistrer(t, db, ctx, nouveauDepot(g.ID, 2, "json 2", ""), ligne{"00001", ""})
		inst := []segur.Role{segur.RoleInstructeur}
		prendre := segur.Demarche{Action: segur.ActionPrendre, Roles: inst, Login: "marie@asp.fr"}
		completer := segur.Demarche{Action: segur.ActionCompleter, Roles: inst, Login: "marie@asp.fr", Raison: "Pièce illisible."}
		valider := segur.Demarche{Action: segur.ActionValider, Roles: inst, Login: "marie@asp.fr", MontantFinance: 2_300_001}
		for _, s := range []struct {
			asp string
			ms  []segur.Demarche
		}{
			{ds[0].NumeroASP, []segur.Demarche{prendre, completer}},
			{ds[1].NumeroASP, []segur.Demarche{prendre, valider}},
			{ds[2].NumeroASP, []segur.Demarche{prendre}}, // waits for the agency
			{ds[3].NumeroASP, []segur.Demarche{prendre, completer}},
			{autre[0].NumeroASP, []segur.Demarche{prendre, completer}}, // another vendor's
		} {
			for _, m := range s.ms {
				if _, err := db.AppliquerDemarche(ctx, s.asp, m, segur.ProgrammeParDefaut, segur.Suites{}); err != nil {
					t.Fatalf("%s %s: %v", s.asp, m.Action, err)
				}
			}
		}
		got, err := db.FindAFaire(ctx, f.ID, 10)
		// The same clock for all: by ASP number.
		want := []segur.AFaire{
			{NumeroASP: ds[0].NumeroASP, Statut: segur.DemandeACompleter, Depuis: stored},
			{NumeroASP: ds[1].NumeroASP, Statut: segur.DemandeConventionASigner, Depuis: stored},
			{NumeroASP: ds[3].NumeroASP, Statut: segur.DemandeACompleter, Depuis: stored},
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("FindAFaire: got %+v, %v; want %+v", got, err, want)
		}
		if got, err := db.FindAFaire(ctx, f.ID, 2); err != nil || !reflect.DeepEqual(got, want[:2]) {
			t.Errorf("FindAFaire bounded to 2: got %+v, %v", got, err)
		}
	})
}
