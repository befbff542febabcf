package sqlstore

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

func runAdminSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("admin fournisseurs et utilisateurs", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		none, err := db.FindFournisseursResumes(ctx)
		if err != nil || none == nil || len(none) != 0 {
			t.Fatalf("FindFournisseursResumes on an empty store: got %v, %v; want an empty slice", none, err)
		}
		us, total, err := db.FindUtilisateurs(ctx, 10, 0)
		if err != nil || len(us) != 0 || total != 0 {
			t.Fatalf("FindUtilisateurs on an empty store: got %v, %d, %v", us, total, err)
		}
		f, g := fixture(t, db, "88558855858745"), fixture(t, db, "73282932000074")
		for _, n := range []string{"1234567890", "1234567891"} {
			if err := db.CreateProduit(ctx, &segur.Produit{NumeroAns: n, FournisseurID: f.ID, Logiciel: hop.LogicielRI, Nom: "RI"}); err != nil {
				t.Fatal(err)
			}
		}
		users := []segur.Utilisateur{
			{Login: "zoe@editeur.example", Nom: "Zoé", Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: f.ID},
			{Login: "anne@editeur.example", Nom: "Anne", Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: f.ID},
			{Login: "marie@asp.example", Nom: "Marie", Roles: []segur.Role{segur.RoleInstructeur, segur.RoleAdmin}},
		}
		for i := range users {
			if err := db.CreateUtilisateur(ctx, &users[i]); err != nil {
				t.Fatal(err)
			}
		}

		rs, err := db.FindFournisseursResumes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []segur.FournisseurResume{{Fournisseur: *f, Produits: 2, Utilisateurs: 2}, {Fournisseur: *g}}
		if !reflect.DeepEqual(rs, want) {
			t.Errorf("FindFournisseursResumes: got %+v, want %+v", rs, want)
		}

		all, total, err := db.FindUtilisateurs(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := []segur.Utilisateur{users[1], users[2], users[0]}; total != 3 || !reflect.DeepEqual(all, want) {
			t.Errorf("FindUtilisateurs: got %d %+v, want 3 by login %+v", total, all, want)
		}
		for _, tc := range []struct {
			limit, offset int
			logins        []string
		}{
			{2, 0, []string{"anne@editeur.example", "marie@asp.example"}},
			{2, 2, []string{"zoe@editeur.example"}},
			{2, 4, nil},
		} {
			t.Run(fmt.Sprintf("page %d+%d", tc.offset, tc.limit), func(t *testing.T) {
				page, total, err := db.FindUtilisateurs(ctx, tc.limit, tc.offset)
				if err != nil {
					t.Fatal(err)
				}
				var logins []string
				for _, u := range page {
					logins = append(logins, u.Login)
				}
				if total != 3 || !reflect.DeepEqual(logins, tc.logins) {
					t.Errorf("got %d %q, want 3 %q", total, logins, tc.logins)
				}
			})
		}

		duF, err := db.FindUtilisateursDuFournisseur(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []segur.Utilisateur{users[1], users[0]}; !reflect.DeepEqual(duF, want) {
			t.Errorf("FindUtilisateursDuFournisseur: got %+v, want %+v", duF, want)
		}
		duG, err := db.FindUtilisateursDuFournisseur(ctx, g.ID)
		if err != nil || duG == nil || len(duG) != 0 {
			t.Errorf("FindUtilisateursDuFournisseur without users: got %v, %v; want an empty slice", duG, err)
		}
	})

	t.Run("admin referentiel", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		vs, err := db.FindReferenceVersions(ctx)
		if err != nil || vs == nil || len(vs) != 0 {
			t.Fatalf("FindReferenceVersions on an empty store: got %v, %v; want an empty slice", vs, err)
		}
		e := func(finess string) segur.Etablissement {
			return segur.Etablissement{FINESSPMSI: finess, Nom: "CH " + finess,
				Plafonds: map[hop.Logiciel]int64{hop.LogicielRI: 1_000_000, hop.LogicielDPI: 6_000_000, hop.LogicielPFI: 2_000_000}}
		}
		v1, err := db.CreateReference(ctx, segur.Reference{"999999999": e("999999999")})
		if err != nil {
			t.Fatal(err)
		}
		ref := segur.Reference{}
		for _, f := range []string{"2A0000001", "750000001", "750000002", "751000001", "999999999"} {
			ref[f] = e(f)
		}
		v2, err := db.CreateReference(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		vs, err = db.FindReferenceVersions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []segur.ReferenceVersion{{ID: v2, ImporteLe: stored, Par: acteur.Login, Nombre: 5}, {ID: v1, ImporteLe: stored, Par: acteur.Login, Nombre: 1}}
		if !reflect.DeepEqual(vs, want) {
			t.Errorf("FindReferenceVersions: got %+v, want %+v", vs, want)
		}
		for _, tc := range []struct {
			name          string
			version       int64
			finess        string
			limit, offset int
			total         int
			want          []string
		}{
			{"tout", v2, "", 0, 0, 5, []string{"2A0000001", "750000001", "750000002", "751000001", "999999999"}},
			{"page", v2, "", 2, 1, 5, []string{"750000001", "750000002"}},
			{"préfixe", v2, "750", 0, 0, 2, []string{"750000001", "750000002"}},
			{"complet", v2, "751000001", 0, 0, 1, []string{"751000001"}},
			{"Corse", v2, "2A", 0, 0, 1, []string{"2A0000001"}},
			{"souligné pris à la lettre", v2, "7_", 0, 0, 0, nil},
			{"pourcent pris à la lettre", v2, "%", 0, 0, 0, nil},
			{"aucun", v2, "123", 0, 0, 0, nil},
			{"après la fin", v2, "75", 10, 10, 3, nil},
			{"ancienne version", v1, "", 0, 0, 1, []string{"999999999"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				es, total, err := db.FindEtablissements(ctx, tc.version, tc.finess, tc.limit, tc.offset)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, e := range es {
					got = append(got, e.FINESSPMSI)
					if !reflect.DeepEqual(e, ref[e.FINESSPMSI]) {
						t.Errorf("got %+v, want %+v", e, ref[e.FINESSPMSI])
					}
				}
				if total != tc.total || !reflect.DeepEqual(got, tc.want) {
					t.Errorf("got %d %q, want %d %q", total, got, tc.total, tc.want)
				}
			})
		}
	})
}
