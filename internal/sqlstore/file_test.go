package sqlstore

import (
	"fmt"
	"slices"
	"strings"
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

		// The search: every word of two characters or more a prefix of an
		// indexed word, case and diacritics folded, across ASP number,
		// numeroEditeur, SIRET, vendor's name, FINESS and establishments'
		// names.
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
			// A word of one character is that word only, not every word it
			// begins: « 7 » is CLI-7's, not 7328… nor 750000002.
			{"7", []string{c}},
			{"c", nil},
			{"cl", []string{a, b, c}},
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
			// The index's own count, up to a bound and one past it.
			for plafond, want := range map[int]int{10: len(tc.want), 1: min(len(tc.want), 2), 0: min(len(tc.want), 1)} {
				if got, err := db.CountRecherche(ctx, tc.q, plafond); err != nil || got != want {
					t.Errorf("CountRecherche(%q, %d): got %d, %v; want %d", tc.q, plafond, got, err, want)
				}
			}
		}
		// The exports' reading: the filter's requests in its order, one
		// query; fn's error stops it.
		var vus []string
		if err := db.EachDemande(ctx, segur.DemandeFilter{Recherche: "éditeur 885588", Tri: "-date", Limit: 1}, func(d *segur.Demande) error {
			vus = append(vus, d.NumeroASP)
			return nil
		}); err != nil || strings.Join(vus, ",") != b+","+a {
			t.Errorf("EachDemande: got %v, %v; want %s then %s", vus, err, b, a)
		}
		// An export's query runs in one process on PostgreSQL.
		parallele := ""
		if err := eachExport(ctx, db, func(s scanner) (string, error) {
			var v string
			return v, s.Scan(&v)
		}, "réglage", `SELECT `+map[dialect]string{dialectSQLite: "'0'", dialectPostgres: "current_setting('max_parallel_workers_per_gather')"}[db.dialect],
			func(v *string) error { parallele = *v; return nil }); err != nil || parallele != "0" {
			t.Errorf("an export's max_parallel_workers_per_gather: got %q, %v; want 0", parallele, err)
		}
		arret := fmt.Errorf("arrêt")
		if err := db.EachDemande(ctx, segur.DemandeFilter{}, func(*segur.Demande) error { return arret }); err != arret {
			t.Errorf("EachDemande stopped by fn: got %v, want its error", err)
		}
		if n, err := db.CountRecherche(ctx, " -- ", 10); err != nil || n != 0 {
			t.Errorf("CountRecherche of no word: got %d, %v; want 0", n, err)
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
		// The queue's counts: every request by status, those followed or
		// assigned among them (once if both), a tab's own criteria aside.
		if err := db.SuivreDemande(ctx, marie.Login, c, true); err != nil {
			t.Fatal(err)
		}
		for _, filtre := range []segur.DemandeFilter{{}, {SuiviesPar: paul.Login, Statuts: []segur.StatutDemande{segur.DemandeRefusee}, Statut: segur.DemandeRefusee}} {
			tous, suivis, err := db.CountFile(ctx, filtre, marie.Login)
			if err != nil || tous[segur.DemandeDeposee] != 3 || len(tous) != 1 || suivis[segur.DemandeDeposee] != 2 || len(suivis) != 1 {
				t.Errorf("CountFile(%+v): got %v, %v, %v; want 3 deposited, 2 followed", filtre, tous, suivis, err)
			}
		}
		if tous, suivis, err := db.CountFile(ctx, segur.DemandeFilter{Recherche: "CLI-7"}, marie.Login); err != nil || tous[segur.DemandeDeposee] != 1 || suivis[segur.DemandeDeposee] != 1 {
			t.Errorf("CountFile of a search: got %v, %v, %v; want 1 and 1", tous, suivis, err)
		}
		suivies, err := db.FindSuivies(ctx, marie.Login, []string{a, b, c})
		if err != nil || len(suivies) != 2 || !suivies[a] || !suivies[c] {
			t.Errorf("FindSuivies: got %v, %v; want %s and %s", suivies, err, a, c)
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

// runPagesSuite checks that every page of the queue holds the requests it
// should, in order, whichever way the page is found (indexPage): the
// status and deposit-date index walked, or the planner's choice.
func runPagesSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("pages", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		var lignes []ligne
		for i := range 60 {
			lignes = append(lignes, ligne{fmt.Sprintf("P-%02d", i), ""})
		}
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json pages", ""), lignes...)
		statuts := []segur.StatutDemande{segur.DemandeDeposee, segur.DemandeEnInstruction, segur.DemandeDecidee, segur.DemandeRefusee, segur.DemandeAvancePayee}
		depart := time.Date(2026, 6, 2, 8, 0, 0, 0, time.UTC)
		for i := range ds {
			// Dates out of the ASP numbers' order, a few shared: the ASP
			// number breaks the ties.
			ds[i].Statut = statuts[(i*7)%len(statuts)]
			if i%5 == 0 {
				ds[i].Statut = segur.DemandeSoldee
			}
			ds[i].CreeLe = depart.Add(time.Duration((i*37)%23) * time.Hour)
			if _, err := db.w.ExecContext(ctx, `UPDATE demandes SET statut = $1, cree_le = $2 WHERE id = $3`,
				string(ds[i].Statut), ds[i].CreeLe, int64(ds[i].ID)); err != nil {
				t.Fatal(err)
			}
		}
		avant := func(tri string) func(a, b segur.Demande) int {
			return func(a, b segur.Demande) int {
				c := a.CreeLe.Compare(b.CreeLe)
				if c == 0 {
					c = strings.Compare(a.NumeroASP, b.NumeroASP)
				}
				if tri == "-date" {
					return -c
				}
				return c
			}
		}
		traitees := []segur.StatutDemande{segur.DemandeDecidee, segur.DemandeRefusee, segur.DemandeAvancePayee, segur.DemandeSoldee}
		filtres := map[string]segur.DemandeFilter{
			"tab":        {Statuts: traitees},
			"one status": {Statut: segur.DemandeSoldee},
			"few":        {Statuts: []segur.StatutDemande{segur.DemandeSoldee}, Statut: segur.DemandeSoldee, DeposeAvant: depart.Add(3 * time.Hour)},
			"dates":      {DeposeApres: depart.Add(5 * time.Hour), DeposeAvant: depart.Add(15 * time.Hour)},
			"all":        {},
			"other":      {Statuts: traitees, Logiciel: "RI"},
		}
		chemins := map[string]bool{}
		for nom, filtre := range filtres {
			var want []segur.Demande
			for _, d := range ds {
				garde := (len(filtre.Statuts) == 0 || slices.Contains(filtre.Statuts, d.Statut)) &&
					(filtre.Statut == "" || d.Statut == filtre.Statut) &&
					(filtre.DeposeApres.IsZero() || !d.CreeLe.Before(filtre.DeposeApres)) &&
					(filtre.DeposeAvant.IsZero() || d.CreeLe.Before(filtre.DeposeAvant))
				if garde {
					want = append(want, d)
				}
			}
			for _, tri := range []string{"date", "-date"} {
				slices.SortFunc(want, avant(tri))
				for _, taille := range []int{1, 7, 50} {
					for debut := 0; debut < len(want)+taille; debut += taille {
						filtre.Tri, filtre.Limit, filtre.Offset = tri, taille, debut
						got, n, err := db.FindDemandes(ctx, filtre)
						if err != nil {
							t.Fatalf("%s %s from %d: %v", nom, tri, debut, err)
						}
						page := want[min(debut, len(want)):min(debut+taille, len(want))]
						if n != len(want) || !slices.EqualFunc(got, page, func(a, b segur.Demande) bool { return a.NumeroASP == b.NumeroASP }) {
							t.Fatalf("%s %s, %d from %d: got %v (%d), want %v (%d)", nom, tri, taille, debut, numeros(got), n, numeros(page), len(want))
						}
						index, err := db.indexPage(ctx, filtre, n, debut+min(taille, n))
						if err != nil {
							t.Fatal(err)
						}
						chemins[index] = true
					}
				}
			}
		}
		if db.dialect == dialectSQLite && len(chemins) != 2 {
			t.Errorf("pages found by %d ways (%v), want both the index walked and the planner's", len(chemins), chemins)
		}
	})
}

func numeros(ds []segur.Demande) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.NumeroASP
	}
	return out
}
