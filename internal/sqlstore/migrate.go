package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
)

// migrationFiles holds the forward-only migrations, migrations/sqlite and
// migrations/postgres, with the same file names.
//
//go:embed migrations
var migrationFiles embed.FS

// migrationName is the form of a migration's file name: NNNN_name.sql.
var migrationName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)

// migration is one migration file.
type migration struct {
	version string // the file name without .sql: 0001_portail
	sql     string
}

// migrations returns the migrations of d, in order. Their names must be
// NNNN_name.sql, numbered 0001, 0002… without gap.
func migrations(d dialect) ([]migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries { // sorted by name, hence by number
		m := migrationName.FindStringSubmatch(e.Name())
		if e.IsDir() || m == nil {
			return nil, fmt.Errorf("sqlstore: migration %s/%s: want a file named NNNN_name.sql", dir, e.Name())
		}
		if want := fmt.Sprintf("%04d", len(ms)+1); m[1] != want {
			return nil, fmt.Errorf("sqlstore: migration %s/%s: want number %s", dir, e.Name(), want)
		}
		b, err := migrationFiles.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: strings.TrimSuffix(e.Name(), ".sql"), sql: string(b)})
	}
	return ms, nil
}

// Migrate applies the migrations not yet applied, in order, each in its own
// transaction, recording each in the table schema_migrations. It is safe to
// call again, and, on PostgreSQL, from two processes at once: each
// transaction first takes an advisory lock. On SQLite, write transactions
// begin IMMEDIATE, which serialises them across processes. Then the audit
// events without a link in the chain are chained (chainerExistants).
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := migrations(db.dialect)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := db.write(ctx, func(tx *sql.Tx) error { return db.apply(ctx, tx, m) }); err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", m.version, err)
		}
	}
	// The events written before the audit chain (0015), or since by a
	// portal of an earlier version, join it.
	return db.chainerExistants(ctx)
}

// Optimize has SQLite gather the statistics its planner needs where they
// are missing or stale (PRAGMA optimize, each index sampled on 10 000 rows:
// 0.13 s at 100 000 requests; on 1 000 the estimates are too rough to
// choose well): without them it sorts a whole tab of the agents' queue
// (64 000 requests, 56 ms) where walking the date index gives the page in
// under 1 ms. segur serve calls it once started and every hour; never
// on opening (segur admin verify must open a damaged base to report it).
// PostgreSQL's autovacuum does the same by itself: nothing to do there.
func (db *DB) Optimize(ctx context.Context) error {
	if db.dialect != dialectSQLite {
		return nil
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `PRAGMA analysis_limit = 10000`); err != nil {
			return fmt.Errorf("sqlstore: optimize: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `PRAGMA optimize = 0x10002`); err != nil {
			return fmt.Errorf("sqlstore: optimize: %w", err)
		}
		return nil
	})
}

// apply applies m in tx unless it is recorded as applied.
func (db *DB) apply(ctx context.Context, tx *sql.Tx, m migration) error {
	if err := db.lockMigrations(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.schemaMigrations()); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applique_le) VALUES ($1, $2)`, m.version, db.clock())
	return err
}
