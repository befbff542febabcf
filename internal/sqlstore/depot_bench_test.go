package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// baseBench opens a fresh, migrated store on base ("sqlite" or
// "postgres", skipped without one) for a benchmark, closed at its end.
func baseBench(b *testing.B, base string) (*DB, context.Context) {
	b.Helper()
	url := filepath.Join(b.TempDir(), "segur.db")
	if base == "postgres" {
		url = segurtest.FreshSchema(b, segurtest.PostgresDSN(b))
	}
	ctx := segur.WithActeur(context.Background(), acteur)
	db, err := Open(ctx, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return db, ctx
}

// BenchmarkFinishDepot records b.N deposits of 200 accepted requests, the
// desk's transaction without its checks: the deposit, its requests, lines
// and numbers, on SQLite then on PostgreSQL (skipped without one).
func BenchmarkFinishDepot(b *testing.B) {
	for _, base := range []string{"sqlite", "postgres"} {
		b.Run(base, func(b *testing.B) {
			db, ctx := baseBench(b, base)
			f := fixture(b, db, "88558855858745")
			const n = 200
			seq := int64(0)
			b.ResetTimer()
			for i := range b.N {
				d := nouveauDepot(f.ID, 1, fmt.Sprint("json", i), "")
				d.Date = hop.Date{Annee: 2026 + i/336, Mois: 1 + i/28%12, Jour: 1 + i%28}
				demandes := make([]segur.Demande, n)
				numeros := make([]string, n)
				d.Lignes = make([]segur.LigneDepot, n)
				for k := range n {
					seq++
					numeros[k] = fmt.Sprintf("%s%03d", segur.FormatImpID(2026, int64(i)), k)
					asp := segur.FormatNumeroASP(2026, seq)
					demandes[k] = segur.Demande{NumeroASP: asp, FournisseurID: f.ID, NumeroAns: d.NumeroAns,
						Logiciel: d.Logiciel, Statut: segur.DemandeDeposee, DonneesDemande: donnees(k+1, numeros[k])}
					d.Lignes[k] = segur.LigneDepot{NumLigne: k + 1, NumeroEditeur: numeros[k], Code: hop.CodeAcceptee,
						Libelle: hop.LibelleAcceptee, NumeroASP: asp}
				}
				err := db.WithDepotTx(ctx, f.ID, func(ctx context.Context, tx segur.DepotTx) error {
					if err := tx.CreateDepot(ctx, d); err != nil {
						return err
					}
					for k := range demandes {
						demandes[k].DepotID = d.ID
					}
					d.ImpID = segur.FormatImpID(2026, int64(d.ID))
					d.Retour = segur.BlobRef{SHA256: sha("retour" + fmt.Sprint(i)), Taille: 1100}
					return tx.FinishDepot(ctx, d, demandes, numeros)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
