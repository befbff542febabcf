package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// TestVerifyPostgresTriggerDisabled: an append-only table's trigger still
// there but disabled (DISABLE TRIGGER), or enabled for replication only
// (ENABLE REPLICA TRIGGER), no longer protects it: verify reports it, and
// no longer once it is enabled again.
func TestVerifyPostgresTriggerDisabled(t *testing.T) {
	db := openMigrated(t, segurtest.FreshSchema(t, segurtest.PostgresDSN(t)))
	ctx := segur.WithActeur(context.Background(), acteur)
	fixture(t, db, "88558855858745") // an event in the audit log
	for _, alter := range []string{"DISABLE TRIGGER", "ENABLE REPLICA TRIGGER"} {
		t.Run(alter, func(t *testing.T) {
			if _, err := db.w.ExecContext(ctx, `ALTER TABLE evenements `+alter+` evenements_sans_modification`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.w.ExecContext(ctx, `UPDATE evenements SET action = 'falsifie'`); err != nil {
				t.Fatalf("UPDATE evenements with its trigger %s: %v", alter, err)
			}
			want := "déclencheur evenements_sans_modification désactivé : la table evenements n'est plus protégée"
			if got := verifyPostgres(t, db); len(got.Problemes) != 1 || got.Problemes[0] != want {
				t.Errorf("Verify: got %q, want [%q]", got.Problemes, want)
			}
			if _, err := db.w.ExecContext(ctx, `ALTER TABLE evenements ENABLE TRIGGER evenements_sans_modification`); err != nil {
				t.Fatal(err)
			}
			if got := verifyPostgres(t, db); len(got.Problemes) != 0 {
				t.Errorf("Verify with the trigger enabled again: got %q, want nothing", got.Problemes)
			}
		})
	}
}

// TestVerifyPostgresAmcheck: without the amcheck extension verify says it
// checked no index; installed (by a superuser, in a schema off the
// portal's search_path), it says the account may not run it until
// EXECUTE is granted, then checks every B-tree index of the schema and
// reports one whose order is wrong, naming it.
func TestVerifyPostgresAmcheck(t *testing.T) {
	u := segurtest.FreshSchema(t, segurtest.PostgresDSN(t))
	db := openMigrated(t, u)
	ctx := context.Background()
	var installe bool
	if err := db.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'amcheck')`).Scan(&installe); err != nil {
		t.Fatal(err)
	}
	if installe {
		t.Fatal("amcheck is installed in the test database: this test installs it itself; DROP EXTENSION amcheck")
	}
	integrite := func(want string) {
		t.Helper()
		v := verifyPostgres(t, db)
		if v.Integrite != want {
			t.Errorf("Verify: got integrity check %q, want %q", v.Integrite, want)
		}
		if len(v.Problemes) != 0 {
			t.Errorf("Verify: got problems %q, want none", v.Problemes)
		}
	}
	integrite("PostgreSQL : extension amcheck absente, index non vérifiés (CREATE EXTENSION amcheck pour les vérifier)")

	su, schema := superuser(t, u)
	// A schema of its own, off the portal's search_path, as an
	// administrator may choose; dropped before the test's schema.
	ext := schema + "_amcheck"
	t.Cleanup(func() {
		for _, q := range []string{
			`DROP TABLE IF EXISTS ` + schema + `.nombres`,
			`DROP OPERATOR FAMILY IF EXISTS ` + schema + `.ordre_ops USING btree CASCADE`,
			`DROP FUNCTION IF EXISTS ` + schema + `.ordre(int4, int4)`,
			`DROP SCHEMA IF EXISTS ` + ext + ` CASCADE`,
		} {
			if _, err := su.ExecContext(context.Background(), q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	})
	for _, q := range []string{
		`CREATE SCHEMA ` + ext,
		`CREATE EXTENSION amcheck SCHEMA ` + ext,
	} {
		if _, err := su.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// amcheck revokes its functions from PUBLIC.
	integrite("PostgreSQL : extension amcheck installée, mais ce compte n'a pas le droit d'exécuter bt_index_check : index non vérifiés")

	for _, q := range []string{
		`GRANT USAGE ON SCHEMA ` + ext + ` TO app`,
		`GRANT EXECUTE ON FUNCTION ` + ext + `.bt_index_check(regclass) TO app`,
	} {
		if _, err := su.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	integrite("PostgreSQL : index B-tree du schéma vérifiés par amcheck (bt_index_check)")

	// An index built in one order, whose comparison function is then
	// reversed: its pages are out of order, as after a collation changed
	// under it, and bt_index_check says so.
	for _, q := range []string{
		`CREATE FUNCTION ` + schema + `.ordre(int4, int4) RETURNS int4 LANGUAGE sql IMMUTABLE AS 'SELECT btint4cmp($1, $2)'`,
		`CREATE OPERATOR CLASS ` + schema + `.ordre_ops FOR TYPE int4 USING btree AS
			OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 ` + schema + `.ordre(int4, int4)`,
		`CREATE TABLE ` + schema + `.nombres (n int4)`,
		`INSERT INTO ` + schema + `.nombres SELECT generate_series(1, 1000)`,
		`CREATE INDEX nombres_ordre ON ` + schema + `.nombres (n ` + schema + `.ordre_ops)`,
		`CREATE OR REPLACE FUNCTION ` + schema + `.ordre(int4, int4) RETURNS int4 LANGUAGE sql IMMUTABLE AS 'SELECT btint4cmp($2, $1)'`,
	} {
		if _, err := su.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	v := verifyPostgres(t, db)
	want := `index nombres_ordre endommagé (amcheck) : le moteur signale « XX002 `
	if len(v.Problemes) != 1 || !strings.HasPrefix(v.Problemes[0], want) || !strings.Contains(v.Problemes[0], "nombres_ordre") {
		t.Errorf("Verify: got %q, want one problem starting with %q", v.Problemes, want)
	}
}

// verifyPostgres runs Verify, failing t on an error, and logs what it says.
func verifyPostgres(t *testing.T, db *DB) *Verification {
	t.Helper()
	v, err := db.Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	t.Logf("Integrite: %s\nProblemes: %q", v.Integrite, v.Problemes)
	return v
}

// superuser returns a superuser's connection to the database of dsn (from
// FreshSchema), and the schema dsn works in: SEGUR_TEST_POSTGRES_SUPERUSER_DSN,
// else the user postgres on the local socket in /tmp of the server's port,
// which scripts/postgres.sh trusts. Without one the test is skipped (fails
// when CI=true).
func superuser(t *testing.T, dsn string) (*sql.DB, string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	s := os.Getenv("SEGUR_TEST_POSTGRES_SUPERUSER_DSN")
	if s == "" {
		s = (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: u.Path, RawQuery: url.Values{
			"host": {"/tmp"}, "port": {u.Port()}, "sslmode": {"disable"},
		}.Encode()}).String()
	}
	su, err := sql.Open("pgx", s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { su.Close() })
	var ok bool
	err = su.QueryRowContext(context.Background(), `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&ok)
	if err == nil && !ok {
		err = errors.New("not a superuser")
	}
	if err != nil {
		segurtest.Indisponible(t, "no PostgreSQL superuser to install amcheck (SEGUR_TEST_POSTGRES_SUPERUSER_DSN, or postgres on the socket in /tmp as scripts/postgres.sh sets up): "+err.Error())
	}
	return su, schema
}
