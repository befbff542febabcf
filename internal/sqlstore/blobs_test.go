package sqlstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// TestFindBlobsReferences: the files a deposit references (JSON, zip,
// returned file), on both
// dialects, and the key a deposit was sent with.
func TestFindBlobsReferences(t *testing.T) {
	run := func(t *testing.T, db *DB) {
		ctx := segur.WithActeur(context.Background(), acteur)
		f := fixture(t, db, "88558855858745")
		refs, err := db.FindBlobsReferences(ctx)
		if err != nil || len(refs) != 0 {
			t.Fatalf("empty store: got %v %v, want none", refs, err)
		}
		d := nouveauDepot(f.ID, 1, "fichier", "zip")
		d.CleIdempotence = "K1"
		enregistrer(t, db, ctx, d, ligne{numero: "00001"})
		refs, err = db.FindBlobsReferences(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !refs[sha("fichier")] || !refs[sha("zip")] || !refs[d.Retour.SHA256] || len(refs) != 3 {
			t.Errorf("got %v, want the digests of the JSON, the zip and the returned file", refs)
		}
		inTx(t, db, ctx, f.ID, func(tx segur.DepotTx) error {
			got, ok, err := tx.FindDepotByCle(ctx, f.ID, "K1")
			if err != nil || !ok || got.ID != d.ID || got.ImpID != d.ImpID || got.JSON.SHA256 != sha("fichier") || got.Zip.SHA256 != sha("zip") {
				t.Errorf("FindDepotByCle: got %+v %v %v, want deposit %d with its files", got, ok, err, d.ID)
			}
			return nil
		})
	}
	t.Run("sqlite", func(t *testing.T) {
		run(t, openMigrated(t, "sqlite://"+filepath.Join(t.TempDir(), "segur.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		run(t, openMigrated(t, segurtest.FreshSchema(t, segurtest.PostgresDSN(t))))
	})
}
