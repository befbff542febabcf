package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/segur-numerique/segur"
)

// runNestedSuite checks, on SQLite and on PostgreSQL, that a write begun
// from inside a write transaction, with its context, is refused at once
// with an EINTERNAL: on SQLite it would wait forever for the one writer
// connection the transaction holds; on PostgreSQL it would commit apart.
func runNestedSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("nested write refused", func(t *testing.T) {
		t.Parallel()
		db := open(t)
		f := fixture(t, db, "88558855858745")
		// Without the refusal a nested write waits on SQLite: the deadline
		// then fails the test, with its own error, rather than hang it.
		ctx, cancel := context.WithTimeout(testContext(t), 10*time.Second)
		defer cancel()

		autre := &segur.Fournisseur{SIRET: "73282932000074", Nom: "Autre", Email: "a@autre.example"}
		writes := []struct {
			name  string
			write func(ctx context.Context) error
		}{
			{"CreateFournisseur", func(ctx context.Context) error { return db.CreateFournisseur(ctx, autre) }},
			{"CreateCourriel", func(ctx context.Context) error { return db.CreateCourriel(ctx, nouveauCourriel("ASP-2026-0000001")) }},
			{"ReserveNumeros", func(ctx context.Context) error { _, _, err := db.ReserveNumeros(ctx, 2); return err }},
			{"WithDepotTx", func(ctx context.Context) error {
				return db.WithDepotTx(ctx, f.ID, func(context.Context, segur.DepotTx) error { return nil })
			}},
			{"Migrate", db.Migrate},
		}
		outers := []struct {
			name string
			run  func(ctx context.Context, fn func(ctx context.Context) error) error
		}{
			{"WithDepotTx", func(ctx context.Context, fn func(ctx context.Context) error) error {
				return db.WithDepotTx(ctx, f.ID, func(ctx context.Context, _ segur.DepotTx) error { return fn(ctx) })
			}},
			{"write", func(ctx context.Context, fn func(ctx context.Context) error) error {
				return db.writeCtx(ctx, func(ctx context.Context, _ *sql.Tx) error { return fn(ctx) })
			}},
		}
		for _, o := range outers {
			for _, w := range writes {
				t.Run(o.name+"/"+w.name, func(t *testing.T) {
					var nested error
					err := o.run(ctx, func(ctx context.Context) error {
						nested = w.write(ctx)
						return nil
					})
					if err != nil {
						t.Fatalf("%s: got %v, want it committed", o.name, err)
					}
					assertCode(t, nested, segur.EINTERNAL)
				})
			}
		}

		// Nothing was written, and the context of the caller, unmarked,
		// still writes.
		if _, err := db.FindFournisseurBySIRET(ctx, autre.SIRET); !segur.IsCode(err, segur.ENOTFOUND) {
			t.Errorf("FindFournisseurBySIRET after the refused writes: got %v, want ENOTFOUND", err)
		}
		if err := db.CreateFournisseur(ctx, autre); err != nil {
			t.Errorf("CreateFournisseur after the transactions: %v", err)
		}
	})
}

// TestSQLiteMaxParams checks sqliteMaxParams is within the driver's limit
// of parameters a statement takes.
func TestSQLiteMaxParams(t *testing.T) {
	db := openMigrated(t, filepath.Join(t.TempDir(), "segur.db"))
	c, err := db.w.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := sqlite.Limit(c, sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, -1)
	if err != nil {
		t.Fatal(err)
	}
	if sqliteMaxParams > got {
		t.Errorf("sqliteMaxParams = %d: want at most the driver's limit, %d", sqliteMaxParams, got)
	}
}
