package cli

import (
	"context"
	"io"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// baseDemo opens the base of data (SQLite), or of dbURL when not empty
// (PostgreSQL, migrated), and the stored files of blobs ("" for data's
// folder), with the demo's vendor, accounts, campaign and deposit, as
// segur serve --demo makes them. The caller closes the base.
func baseDemo(t *testing.T, data, dbURL, blobs string) (*sqlstore.DB, segur.Blobs) {
	t.Helper()
	ctx := context.Background()
	e := &env{stdout: io.Discard, stderr: io.Discard}
	db, err := dbFlags{data: &data, db: &dbURL}.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	store, err := blob.Open(ctx, blobs, data)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	if err := seedDemo(ctx, e, db, ""); err != nil {
		db.Close()
		t.Fatal(err)
	}
	if err := deposerDemo(ctx, e, db, &segur.Guichet{Store: db, Blobs: store, Paris: paris()}, store); err != nil {
		db.Close()
		t.Fatal(err)
	}
	return db, store
}
