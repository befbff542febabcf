package sqlstore

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/segur-numerique/segur"
)

func runAlertesSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("alertes vues", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		g := fixture(t, db, "73282932000074")
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""}, ligne{"00002", ""})
		autre := enregistrer(t, db, ctx, nouveauDepot(g.ID, 2, "json 2", ""), ligne{"00003", ""})
		a, b, c := ds[0].NumeroASP, ds[1].NumeroASP, autre[0].NumeroASP

		siret := []segur.Alerte{{Code: "cle_siret"}, {Code: "hors_referentiel"}}
		v, err := segur.NouvelleAlerteVue(&ds[0], siret, "cle_siret", "marie@asp.fr", "SIRET vérifié à l'INSEE")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateAlerteVue(ctx, v); err != nil {
			t.Fatalf("CreateAlerteVue: %v", err)
		}
		assertCode(t, db.CreateAlerteVue(ctx, v), segur.ECONFLICT)
		h, err := segur.NouvelleAlerteVue(&ds[0], siret, "hors_referentiel", "marie@asp.fr", "établissement éligible")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateAlerteVue(ctx, h); err != nil {
			t.Fatalf("CreateAlerteVue: %v", err)
		}

		// The vendor's marking covers its other request, not another
		// vendor's (read with every vendor-wide marking, it is not
		// applied); the request's marking covers that request only.
		for _, tc := range []struct {
			d        *segur.Demande
			nonVues  int
			nbLignes int
		}{{&ds[0], 0, 2}, {&ds[1], 1, 1}, {&autre[0], 2, 1}} {
			vues, err := db.FindAlertesVues(ctx, []string{tc.d.NumeroASP})
			if err != nil {
				t.Fatal(err)
			}
			if len(vues) != tc.nbLignes {
				t.Errorf("%s: got %d markings %+v, want %d", tc.d.NumeroASP, len(vues), vues, tc.nbLignes)
			}
			if got := segur.NonVues(tc.d, siret, vues); len(got) != tc.nonVues {
				t.Errorf("%s: got %d alerts not seen %+v, want %d", tc.d.NumeroASP, len(got), got, tc.nonVues)
			}
		}
		vues, err := db.FindAlertesVues(ctx, []string{a, b, c})
		if err != nil || len(vues) != 2 {
			t.Fatalf("got %+v, %v; want 2 markings", vues, err)
		}
		if vues[0].Par != "marie@asp.fr" || vues[0].Raison != "SIRET vérifié à l'INSEE" || vues[0].FournisseurID != f.ID || vues[0].NumeroASP != "" {
			t.Errorf("got %+v, want marie's vendor-wide marking", vues[0])
		}
		assertStamp(t, "Le", vues[0].Le)

		hist, err := db.FindHistorique(ctx, a)
		if err != nil || len(hist) != 2 || hist[0].Action != segur.ActionAlerteVue || hist[0].De != ds[0].Statut || hist[0].Vers != ds[0].Statut ||
			hist[0].Raison != "Clé SIRET (pour toutes les demandes du fournisseur) : SIRET vérifié à l'INSEE" {
			t.Errorf("history of %s: got %+v, %v", a, hist, err)
		}
		assertEvents(t, db, "fournisseur:"+strconv.FormatInt(int64(f.ID), 10), "alerte.vue")
		assertEvents(t, db, "demande:"+a, "alerte.vue")

		if err := db.CreateAlerteVue(ctx, segur.AlerteVue{Code: "cle_finess", NumeroASP: "ASP-0000-0000000", Demande: "ASP-0000-0000000", Par: "x", Raison: "y"}); err == nil {
			t.Error("unknown request: got no error")
		} else {
			assertCode(t, err, segur.ENOTFOUND)
		}
		if none, err := db.FindAlertesVues(ctx, nil); err != nil || len(none) != 0 {
			t.Errorf("no request: got %v, %v; want none", none, err)
		}
	})
}

// BenchmarkFindAlertesVues reads the markings that may cover 5 000
// requests (maxAlertes, the queue's bound when it filters on alerts), 50 of
// them marked, and the vendor's SIRET key: on SQLite then on PostgreSQL
// (skipped without one).
func BenchmarkFindAlertesVues(b *testing.B) {
	for _, base := range []string{"sqlite", "postgres"} {
		b.Run(base, func(b *testing.B) {
			db, ctx := baseBench(b, base)
			f := fixture(b, db, "88558855858745")
			var asps []string
			for i := range 25 {
				lignes := make([]ligne, 200)
				for j := range lignes {
					lignes[j] = ligne{numero: fmt.Sprintf("E%d-%d", i, j)}
				}
				for _, d := range enregistrer(b, db, ctx, nouveauDepot(f.ID, i+1, fmt.Sprint("json", i), ""), lignes...) {
					asps = append(asps, d.NumeroASP)
				}
			}
			if err := db.CreateAlerteVue(ctx, segur.AlerteVue{Code: "cle_siret", FournisseurID: f.ID, Demande: asps[0], Par: "marie@asp.fr", Raison: "vu"}); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < len(asps); i += 100 {
				if err := db.CreateAlerteVue(ctx, segur.AlerteVue{Code: "cle_finess", NumeroASP: asps[i], Demande: asps[i], Par: "marie@asp.fr", Raison: "vu"}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for range b.N {
				vues, err := db.FindAlertesVues(ctx, asps)
				if err != nil || len(vues) != 51 {
					b.Fatalf("got %d markings, %v; want 51", len(vues), err)
				}
			}
		})
	}
}
