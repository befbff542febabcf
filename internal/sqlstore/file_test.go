package sqlstore

import (
	"testing"
	"time"

	"github.com/segur-numerique/segur"
)

func runFileSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("file", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		g := fixture(t, db, "73282932000074")
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"HOP-2026-001", ""}, ligne{"HOP-2026-002", ""})
		autre := enregistrer(t, db, ctx, nouveauDepot(g.ID, 2, "json 2", ""), ligne{"CLI-7", ""})
		a, b, c := ds[0].NumeroASP, ds[1].NumeroASP, autre[0].NumeroASP

		// The search: every word a prefix of an indexed word, case and
		// diacritics folded, across ASP number, numeroEditeur, SIRET,
		// vendor's name, FINESS and establishments' names.
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{a, []string{a}},
			{"hop-2026-002", []string{b}},
			{"Clinique A 75000000", []string{a, b, c}},
			{"7328", []string{c}},
			{"éditeur 885588", []string{a, b}},
			{"750000002", []string{a, b, c}},
			{"hopital", []string{a, b, c}},
			{"HÔPITAL b", []string{a, b, c}},
			{"clinique zzz", nil},
			{`"*) OR 1=1 --`, nil}, // the words « or » and « 1 »: no syntax of the query language
		} {
			got, n, err := db.FindDemandes(ctx, segur.DemandeFilter{Recherche: tc.q})
			if err != nil {
				t.Fatalf("search %q: %v", tc.q, err)
			}
			var asps []string
			for _, d := range got {
				asps = append(asps, d.NumeroASP)
			}
			if n != len(tc.want) || len(asps) != len(tc.want) {
				t.Errorf("search %q: got %v (%d), want %v", tc.q, asps, n, tc.want)
			}
		}
		// A vendor renamed is found by its new name.
		if _, err := db.w.ExecContext(ctx, `UPDATE fournisseurs SET nom = 'Logiciels Santé Ouest' WHERE id = $1`, int64(g.ID)); err != nil {
			t.Fatal(err)
		}
		if got, n, err := db.FindDemandes(ctx, segur.DemandeFilter{Recherche: "sante ouest"}); err != nil || n != 1 || got[0].NumeroASP != c {
			t.Errorf("renamed vendor: got %v, %d, %v; want %s", got, n, err, c)
		}

		// The planner's statistics: gathered by Optimize on SQLite, none
		// to gather on PostgreSQL.
		if err := db.Optimize(ctx); err != nil {
			t.Fatalf("Optimize: %v", err)
		}
		if db.dialect == dialectSQLite {
			var n int
			if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'demandes'`).Scan(&n); err != nil || n == 0 {
				t.Errorf("statistics of demandes after Optimize: %d rows, %v", n, err)
			}
		}

		// Statuses of a tab.
		if _, n, err := db.FindDemandes(ctx, segur.DemandeFilter{Statuts: []segur.StatutDemande{segur.DemandeDeposee, segur.DemandeRefusee}}); err != nil || n != 3 {
			t.Errorf("tab: got %d, %v; want 3", n, err)
		}
		if _, n, err := db.FindDemandes(ctx, segur.DemandeFilter{Statuts: []segur.StatutDemande{segur.DemandeRefusee}}); err != nil || n != 0 {
			t.Errorf("tab: got %d, %v; want 0", n, err)
		}

		// Following and assigning: « Suivies par moi ».
		marie := &segur.Utilisateur{Login: "marie@asp.example", Nom: "Marie", Roles: []segur.Role{segur.RoleInstructeur}}
		paul := &segur.Utilisateur{Login: "paul@asp.example", Nom: "Paul", Roles: []segur.Role{segur.RolePayeur}}
		for _, u := range []*segur.Utilisateur{marie, paul} {
			if err := db.CreateUtilisateur(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			if err := db.SuivreDemande(ctx, marie.Login, a, true); err != nil {
				t.Fatalf("SuivreDemande: %v", err)
			}
		}
		assertCode(t, db.SuivreDemande(ctx, marie.Login, "ASP-0000-0000000", true), segur.ENOTFOUND)
		ok := func(string) error { return nil }
		if err := db.AttribuerDemande(ctx, c, marie.Login, "admin@asp.example", ok); err != nil {
			t.Fatalf("AttribuerDemande: %v", err)
		}
		assertCode(t, db.AttribuerDemande(ctx, c, marie.Login, "admin@asp.example", ok), segur.ECONFLICT)
		assertCode(t, db.AttribuerDemande(ctx, b, paul.Login, "admin@asp.example", ok), segur.ENOTFOUND)
		assertCode(t, db.AttribuerDemande(ctx, b, marie.Login, "paul@asp.example", func(actuel string) error {
			return segur.PeutAttribuer("paul@asp.example", paul.Roles, actuel, marie.Login)
		}), segur.EFORBIDDEN)
		got, n, err := db.FindDemandes(ctx, segur.DemandeFilter{SuiviesPar: marie.Login})
		if err != nil || n != 2 || got[0].NumeroASP != a || got[1].NumeroASP != c || got[1].Agent != marie.Login {
			t.Errorf("followed by marie: got %+v, %d, %v; want %s and %s", got, n, err, a, c)
		}
		suivies, err := db.FindSuivies(ctx, marie.Login, []string{a, b, c})
		if err != nil || len(suivies) != 1 || !suivies[a] {
			t.Errorf("FindSuivies: got %v, %v; want %s", suivies, err, a)
		}
		if err := db.SuivreDemande(ctx, marie.Login, a, false); err != nil {
			t.Fatal(err)
		}
		if _, n, err := db.FindDemandes(ctx, segur.DemandeFilter{SuiviesPar: marie.Login}); err != nil || n != 1 {
			t.Errorf("after unfollowing: got %d, %v; want 1", n, err)
		}
		hist, err := db.FindHistorique(ctx, c)
		if err != nil || len(hist) == 0 || hist[0].Action != segur.ActionAttribuer || hist[0].Raison != "Attribuée à marie@asp.example" || hist[0].Par != "admin@asp.example" {
			t.Errorf("history of %s: got %+v, %v", c, hist, err)
		}
		assertEvents(t, db, "demande:"+c, "demande.attribuee")

		// Changes since an agent last opened a request: someone else's
		// line marks it, the agent's own does not.
		if err := db.ConsulterDemande(ctx, marie.Login, a); err != nil {
			t.Fatal(err)
		}
		if err := db.ConsulterDemande(ctx, marie.Login, c); err != nil {
			t.Fatal(err)
		}
		avant, err := db.FindModifiees(ctx, marie.Login, []string{a, b, c})
		if err != nil || len(avant) != 0 {
			t.Errorf("FindModifiees before: got %v, %v; want none", avant, err)
		}
		db.now = func() time.Time { return testNow().Add(time.Minute) }
		if err := db.AttribuerDemande(ctx, a, marie.Login, "admin@asp.example", ok); err != nil {
			t.Fatal(err)
		}
		if err := db.AttribuerDemande(ctx, c, "", marie.Login, ok); err != nil {
			t.Fatal(err)
		}
		apres, err := db.FindModifiees(ctx, marie.Login, []string{a, b, c})
		if err != nil || len(apres) != 1 || !apres[a] {
			t.Errorf("FindModifiees after: got %v, %v; want %s only (b never opened, c changed by marie)", apres, err, a)
		}
	})
}
