package sqlstore

import (
	"context"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// TestPostgresIndisponible: a PostgreSQL out of reach after the start is
// EUNAVAILABLE (the portal answers 503), not an internal error.
func TestPostgresIndisponible(t *testing.T) {
	dsn := segurtest.FreshSchema(t, segurtest.PostgresDSN(t))
	openMigrated(t, dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	r := segurtest.NouveauRelais(t, "127.0.0.1:0", u.Host)
	u.Host = r.Addr()
	db, err := Open(t.Context(), u.String(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxConns(2)
	ctx := context.Background()
	if _, err := db.FindFournisseurs(ctx); err != nil {
		t.Fatalf("through the relay: %v", err)
	}
	r.Couper()
	// The first query meets a dead connection of the pool, the next ones
	// a database that refuses new ones: all say it is out of reach.
	for i := range 3 {
		_, err = db.FindFournisseurs(ctx)
		if !Injoignable(err) {
			t.Errorf("query %d with the database away: got %v, want it out of reach", i, err)
		}
	}
	if !segur.IsCode(err, segur.EUNAVAILABLE) {
		t.Errorf("database away: got %v, want EUNAVAILABLE", err)
	}
	if err := db.Ping(ctx); err == nil {
		t.Error("Ping with the database away: got nil, want an error")
	}
}

// TestDisponible: a pool whose connections are all taken is EUNAVAILABLE
// after the wait, and available again once one is given back.
func TestDisponible(t *testing.T) {
	test := func(t *testing.T, db *DB) {
		ctx := t.Context()
		db.SetMaxConns(1)
		db.r.SetMaxOpenConns(1)
		if err := db.Disponible(ctx, time.Second); err != nil {
			t.Fatalf("free pool: %v", err)
		}
		c, err := db.r.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Disponible(ctx, 50*time.Millisecond); !segur.IsCode(err, segur.EUNAVAILABLE) {
			t.Errorf("full pool: got %v, want EUNAVAILABLE", err)
		}
		c.Close()
		if err := db.Disponible(ctx, time.Second); err != nil {
			t.Errorf("pool given back: %v", err)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		test(t, openMigrated(t, "sqlite://"+filepath.Join(t.TempDir(), "segur.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		test(t, openMigrated(t, segurtest.FreshSchema(t, segurtest.PostgresDSN(t))))
	})
}
