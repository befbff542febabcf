// Package sqlstore implements segur.Store on database/sql, with SQLite
// (modernc.org/sqlite, the embedded default) and PostgreSQL (pgx).
//
// Every statement is written once with $1..$n placeholders, which both
// drivers accept. What differs between the two lives in three places: the
// migration files (migrations/sqlite and migrations/postgres, same names);
// in this file, the opening of each (driver, settings, pools), and in
// open.go the reasons an opening fails, said in French; and in
// dialect.go, everything else, each difference one method named for what
// it is for: the row locks (FOR UPDATE and its forms), the transactions'
// options and the advisory locks, the sequences, a list of values as one
// parameter, the batch inserts (multi-row VALUES or unnest), the table of
// applied migrations and the reading of constraint violations from each
// driver's error codes. No other file branches on the dialect.
//
// Each store method is one transaction (a read, one statement); each change
// writes its audit event (table evenements, append-only) in the same
// transaction, with the actor of segur.ActeurFrom (empty if the context
// carries none), and the event's link in the audit log's hash chain
// (table chaine_audit): both are inserted just before the commit, one
// transaction after the other (chaine.go). Times are taken from the
// injected clock, stored in UTC to the microsecond (PostgreSQL's
// precision), and read back in UTC.
//
// The code a write transaction runs for a caller (WithDepotTx's fn) gets
// the transaction's context, marked: a write begun with that context is
// refused at once with an internal error, on both databases, where on
// SQLite it would wait forever for the one writer connection its caller
// holds.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/segur-numerique/segur"
)

var _ segur.Store = (*DB)(nil)

// DB is the portal's store on SQLite or PostgreSQL. It is safe for
// concurrent use.
type DB struct {
	dialect dialect
	// w runs the transactions that write. On SQLite it holds a single
	// connection whose transactions begin IMMEDIATE: writers queue here,
	// in Go, rather than failing with SQLITE_BUSY; busy_timeout covers
	// writers in other processes (segur admin while segur serve runs).
	w *sql.DB
	// r runs the reads: on SQLite a pool of query_only connections, which
	// WAL lets read while w writes; on PostgreSQL the same pool as w.
	r   *sql.DB
	now func() time.Time
	// journaux holds the audit events of the write transactions under
	// way, inserted when each commits (chaine.go).
	journaux journaux
	// reference is the last version of the reference read (FindReference).
	reference referenceLue
	// apresEcriture, if set, is called after each commit (ApresEcriture).
	apresEcriture atomic.Pointer[func()]
}

// ApresEcriture has f called after each write transaction commits, in the
// committing goroutine: f must be quick and never block (segur serve wakes
// the alerts' worker with it).
func (db *DB) ApresEcriture(f func()) { db.apresEcriture.Store(&f) }

// sqliteParams are the settings of every SQLite connection: WAL, durable
// commits (synchronous=FULL fsyncs the WAL at each commit), foreign keys,
// a 10 s wait on locks held by other processes, and times written in the
// format the driver reads back as time.Time.
func sqliteParams() url.Values {
	return url.Values{
		"_busy_timeout": {"10000"},
		"_foreign_keys": {"1"},
		"_journal_mode": {"WAL"},
		"_synchronous":  {"FULL"},
		"_time_format":  {"sqlite"},
	}
}

// Open opens the store at url: "postgres://user:password@host:port/base"
// (or postgresql://) for PostgreSQL, "sqlite:///path/to/segur.db" or a plain
// file path for SQLite (the file is created if missing, its directory must
// exist). now is the clock (time.Now if nil). Open does not migrate: call
// Migrate.
func Open(ctx context.Context, url string, now func() time.Time) (*DB, error) {
	if now == nil {
		now = time.Now
	}
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return openPostgres(ctx, url, now)
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		return openSQLite(ctx, path, now)
	case strings.Contains(url, "://"):
		scheme, _, _ := strings.Cut(url, "://")
		return nil, segur.Errorf(segur.EINVALID, "base de données : type « %s » inconnu ; attendu postgres://…, sqlite:///chemin/segur.db ou un chemin de fichier", scheme)
	}
	return openSQLite(ctx, url, now)
}

func openPostgres(ctx context.Context, dsn string, now func() time.Time) (*DB, error) {
	db, err := openPgx(dsn)
	if err != nil {
		// The message may quote the URL, password included: do not show it.
		return nil, segur.Errorf(segur.EINVALID, "base de données PostgreSQL : adresse illisible ; attendu postgres://utilisateur:motdepasse@hôte:port/base")
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, postgresOpenError(dsn, err)
	}
	return &DB{dialect: dialectPostgres, w: db, r: db, now: now}, nil
}

func openSQLite(ctx context.Context, path string, now func() time.Time) (*DB, error) {
	switch {
	case path == "":
		return nil, segur.Errorf(segur.EINVALID, "base de données SQLite : chemin du fichier vide ; attendu sqlite:///chemin/segur.db")
	case strings.ContainsAny(path, "?#") || path == ":memory:" || strings.HasPrefix(path, "file:"):
		// The driver reads its settings after '?', and an in-memory
		// database would differ between the read and write pools.
		return nil, segur.Errorf(segur.EINVALID, "base de données SQLite « %s » : attendu un chemin de fichier, sans « ? » ni « # »", path)
	}
	restreindreSQLite(path)
	wp := sqliteParams()
	wp.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", path+"?"+wp.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// The writer connects first: it switches the file to WAL, which
	// persists, before any reader opens it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, sqliteOpenError(path, err)
	}
	rp := sqliteParams()
	rp.Del("_journal_mode")
	rp.Set("_query_only", "1")
	r, err := sql.Open("sqlite", path+"?"+rp.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, sqliteOpenError(path, err)
	}
	return &DB{dialect: dialectSQLite, w: w, r: r, now: now}, nil
}

// Close closes the store's connections.
func (db *DB) Close() error {
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// clock returns the current time as it is stored: UTC, to the microsecond.
func (db *DB) clock() time.Time { return stamp(db.now()) }

// stamp returns t as it is stored: UTC, to the microsecond, the precision
// of PostgreSQL's timestamps, so that both databases read back the same.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// write runs fn in a write transaction and commits it if fn returns nil.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.writeCtx(ctx, func(_ context.Context, tx *sql.Tx) error { return fn(tx) })
}

// writeCtx is write for an fn that takes the transaction's context, marked
// (beginWrite): code that may call back into the store, a use case of the
// domain, is to run with it.
func (db *DB) writeCtx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	ctx, tx, err := db.beginWrite(ctx, nil)
	if err != nil {
		return err
	}
	defer db.endWrite(tx)
	if err := fn(ctx, tx); err != nil {
		return marquerPlein(err)
	}
	return marquerPlein(db.commitWrite(ctx, tx))
}

// writingKey is the key of the mark beginWrite puts on the context of a
// write transaction.
type writingKey struct{}

// beginWrite begins a write transaction with opts, and returns it with ctx
// marked as inside it, and a journal for its audit events (db.audit): it
// ends with db.commitWrite or db.endWrite. Every write transaction begins
// here, and every write that takes no transaction (a PostgreSQL sequence,
// withSequences) checks the mark too: a write begun with a marked context
// is refused at once (notWriting).
func (db *DB) beginWrite(ctx context.Context, opts *sql.TxOptions) (context.Context, *sql.Tx, error) {
	if err := notWriting(ctx); err != nil {
		return nil, nil, err
	}
	tx, err := db.w.BeginTx(ctx, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: begin: %w", err)
	}
	db.journaux.begin(tx)
	return context.WithValue(ctx, writingKey{}, true), tx, nil
}

// notWriting returns an internal error when ctx is the context of a write
// transaction (beginWrite). A write begun there is a bug of its caller: on
// SQLite it would wait forever for the one writer connection the
// transaction holds; on PostgreSQL it would commit apart from it, kept
// when the transaction rolls back. Both databases refuse it alike.
func notWriting(ctx context.Context) error {
	if ctx.Value(writingKey{}) != nil {
		return segur.Errorf(segur.EINTERNAL, "écriture refusée : elle est demandée depuis une autre écriture en cours, qui ne doit passer que par sa propre transaction")
	}
	return nil
}

// nullID is id for a nullable foreign key: NULL when zero.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// timeOrZero reads a nullable timestamp: the zero time when NULL.
func timeOrZero(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}
