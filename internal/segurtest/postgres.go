package segurtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver for the admin connection
)

// PostgresDSN returns the test PostgreSQL's address from
// SEGUR_TEST_POSTGRES_DSN, or skips tb without one (fails it when CI=true:
// a CI run must test PostgreSQL). Start one with: eval "$(scripts/postgres.sh)".
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("SEGUR_TEST_POSTGRES_DSN")
	if dsn == "" {
		Indisponible(tb, `SEGUR_TEST_POSTGRES_DSN is empty: no PostgreSQL to test against; start one with: eval "$(scripts/postgres.sh)"`)
	}
	return dsn
}

// FreshSchema creates a schema for one test, dropped at its end, and
// returns dsn with that schema as its search_path.
func FreshSchema(tb testing.TB, dsn string) string {
	tb.Helper()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { admin.Close() })
	schema := "test_" + strings.ToLower(rand.Text())
	if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("SEGUR_TEST_POSTGRES_DSN: want a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
