package sqlstore

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// runDepotsAgenceSuite tests the agency's list of deposits.
func runDepotsAgenceSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("depots agence", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f, g := fixture(t, db, "88558855858745"), fixture(t, db, "73282932000074")
		heure := func(h int) time.Time { return time.Date(2026, 6, 2, h, 0, 0, 0, time.UTC) }

		toutAccepte := nouveauDepot(f.ID, 1, "tout accepte", "")
		toutAccepte.Recu = heure(8)
		enregistrer(t, db, ctx, toutAccepte, ligne{"A1", ""}, ligne{"A2", ""})
		unSurDeux := nouveauDepot(f.ID, 2, "un sur deux", "")
		unSurDeux.Recu = heure(9)
		enregistrer(t, db, ctx, unSurDeux, ligne{"B1", ""}, ligne{"B2", hop.CodePieceAbsente})
		rejete := nouveauDepot(g.ID, 0, "rejete", "")
		rejete.NumeroAns, rejete.Recu = "0000000001", heure(10)
		rejete.Statut, rejete.Motif = segur.DepotRejete, &hop.Erreur{Code: hop.CodeSyntaxe, Valeur: "« } »", P1: "une valeur", Offset: 57, Ligne: 3, Colonne: 12}
		enregistrer(t, db, ctx, rejete)
		aucune := nouveauDepot(f.ID, 3, "aucune", "")
		aucune.Recu = heure(11)
		enregistrer(t, db, ctx, aucune, ligne{"C1", hop.CodePieceAbsente})

		resume := func(d *segur.Depot, fournisseur string, lignes, acceptees int) segur.DepotResume {
			r := segur.DepotResume{Depot: *d, Fournisseur: fournisseur,
				Resultat: segur.ResultatDepot{Statut: d.Statut, Lignes: lignes, Acceptees: acceptees}}
			r.Lignes = nil
			return r
		}
		a, b := resume(toutAccepte, f.Nom, 2, 2), resume(unSurDeux, f.Nom, 2, 1)
		c, d := resume(rejete, g.Nom, 0, 0), resume(aucune, f.Nom, 1, 0)
		for _, tt := range []struct {
			name   string
			filter segur.DepotFilter
			want   []segur.DepotResume
			total  int
		}{
			{"all, newest first", segur.DepotFilter{}, []segur.DepotResume{d, c, b, a}, 4},
			{"vendor", segur.DepotFilter{FournisseurID: g.ID}, []segur.DepotResume{c}, 1},
			{"rejected by control 1", segur.DepotFilter{Resultat: segur.ResultatRejetes}, []segur.DepotResume{c}, 1},
			{"with rejections", segur.DepotFilter{Resultat: segur.ResultatAvecRejets}, []segur.DepotResume{d, b}, 2},
			{"all accepted", segur.DepotFilter{Resultat: segur.ResultatToutAccepte}, []segur.DepotResume{a}, 1},
			{"vendor and outcome", segur.DepotFilter{FournisseurID: g.ID, Resultat: segur.ResultatAvecRejets}, []segur.DepotResume{}, 0},
			{"period", segur.DepotFilter{RecuApres: heure(9), RecuAvant: heure(10)}, []segur.DepotResume{b}, 1},
			{"period, Paris time", segur.DepotFilter{RecuApres: heure(9).In(time.FixedZone("CEST", 7200))}, []segur.DepotResume{d, c, b}, 3},
			{"second page", segur.DepotFilter{Limit: 3, Offset: 3}, []segur.DepotResume{a}, 4},
			{"past the end", segur.DepotFilter{Limit: 3, Offset: 6}, []segur.DepotResume{}, 4},
			{"older than", segur.DepotFilter{AvantID: unSurDeux.ID, Limit: 10}, []segur.DepotResume{a}, 1},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := db.FindDepotsAgence(ctx, tt.filter)
				if err != nil {
					t.Fatalf("FindDepotsAgence: %v", err)
				}
				if total != tt.total || !reflect.DeepEqual(got, tt.want) {
					t.Errorf("FindDepotsAgence(%+v): got %d of %d: %v; want %d of %d: %v", tt.filter, len(got), total, ids(got), len(tt.want), tt.total, ids(tt.want))
					for i := range min(len(got), len(tt.want)) {
						if !reflect.DeepEqual(got[i], tt.want[i]) {
							t.Errorf("row %d: got %+v, want %+v", i, got[i], tt.want[i])
						}
					}
				}
			})
		}
		if _, _, err := db.FindDepotsAgence(ctx, segur.DepotFilter{Resultat: "autre"}); !segur.IsCode(err, segur.EINVALID) {
			t.Errorf("FindDepotsAgence of an unknown outcome: got %v, want EINVALID", err)
		}
	})
}

func ids(rs []segur.DepotResume) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprint(r.ID)
	}
	return out
}
