package sqlstore

import (
	"sync"
	"testing"

	"github.com/segur-numerique/segur"
)

func runInstructionSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("instruction", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		demandes := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""})
		asp := demandes[0].NumeroASP
		p := segur.ProgrammeParDefaut
		inst := []segur.Role{segur.RoleInstructeur}
		steps := []struct {
			m    segur.Demarche
			vers segur.StatutDemande
			code segur.ErrorCode
		}{
			{segur.Demarche{Action: segur.ActionValider, Roles: inst, MontantFinance: 1}, "", segur.EFORBIDDEN},
			{segur.Demarche{Action: segur.ActionPrendre, Roles: []segur.Role{segur.RoleFournisseur}}, "", segur.EFORBIDDEN},
			{segur.Demarche{Action: segur.ActionPrendre, Roles: inst, Login: "marie@asp.fr"}, segur.DemandeEnInstruction, ""},
			{segur.Demarche{Action: segur.ActionValider, Roles: inst, Login: "marie@asp.fr", MontantFinance: 2_300_001}, segur.DemandeConventionASigner, ""},
			{segur.Demarche{Action: segur.ActionSigner, Roles: []segur.Role{segur.RoleFournisseur}, Login: "jean@x.fr"}, segur.DemandeConventionSignee, ""},
		}
		for _, s := range steps {
			c, err := db.AppliquerDemarche(ctx, asp, s.m, p)
			if s.code != "" {
				assertCode(t, err, s.code)
				continue
			}
			if err != nil || c.Vers != s.vers {
				t.Fatalf("%s: got %+v, %v; want %s", s.m.Action, c, err, s.vers)
			}
		}
		d, err := db.FindDemandeByASP(ctx, asp)
		if err != nil || d.Statut != segur.DemandeConventionSignee {
			t.Errorf("got %v %v, want convention_signee", d, err)
		}
		h, err := db.FindHistorique(ctx, asp)
		if err != nil || len(h) != 3 || h[0].Par != "marie@asp.fr" || h[1].Vers != segur.DemandeConventionASigner || h[2].De != segur.DemandeConventionASigner {
			t.Errorf("history: %+v %v", h, err)
		}
		if _, err := db.w.ExecContext(ctx, `UPDATE demande_historique SET raison = 'x'`); err == nil {
			t.Error("history updated, want it append-only")
		}
		if _, err := db.AppliquerDemarche(ctx, "ASP-0000-0000000", steps[2].m, p); err == nil {
			t.Error("unknown request: got no error")
		} else {
			assertCode(t, err, segur.ENOTFOUND)
		}
	})

	t.Run("instruction concurrente", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		asp := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""})[0].NumeroASP
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.AppliquerDemarche(ctx, asp, segur.Demarche{Action: segur.ActionPrendre, Roles: []segur.Role{segur.RoleInstructeur}, Login: "x"}, segur.ProgrammeParDefaut)
				if err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if ok != 1 {
			t.Errorf("got %d takes, want exactly 1", ok)
		}
		if h, _ := db.FindHistorique(ctx, asp); len(h) != 1 {
			t.Errorf("got %d history rows, want 1", len(h))
		}
	})
}
