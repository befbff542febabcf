package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/segur-numerique/segur"
)

// This file holds what differs between SQLite and PostgreSQL in the
// statements, each difference a method that says what it is for: the rest
// of the package writes every statement once and branches on no dialect.

// dialect is the database behind a DB.
type dialect string

const (
	dialectSQLite   dialect = "sqlite"
	dialectPostgres dialect = "postgres"
)

// forUpdate is the suffix of a SELECT whose rows the transaction goes on to
// change: on PostgreSQL, FOR UPDATE locks them until the transaction ends;
// on SQLite, nothing, the write transaction holding the database already.
func (db *DB) forUpdate() string { return db.onPostgres(" FOR UPDATE") }

// forUpdateOf is forUpdate locking only the rows of table alias, in a join.
func (db *DB) forUpdateOf(alias string) string { return db.onPostgres(" FOR UPDATE OF " + alias) }

// forUpdateSkipLocked is forUpdate skipping the rows another transaction
// holds rather than waiting for them: two servers claim from one queue at
// once, without waiting and without sharing a row.
func (db *DB) forUpdateSkipLocked() string { return db.onPostgres(" FOR UPDATE SKIP LOCKED") }

// onPostgres is suffix on PostgreSQL, "" on SQLite.
func (db *DB) onPostgres(suffix string) string {
	if db.dialect == dialectPostgres {
		return suffix
	}
	return ""
}

// depotLock is the first key of the PostgreSQL advisory lock of a vendor's
// deposits, the vendor's ID being the second. The two-key form lives apart
// from the one-key lock of Migrate.
const depotLock int32 = 0x64657074 // "dept" in ASCII

// messagesLock is the first key of the lock under which a vendor's
// messages are counted against their bounds (segur.DebitMessages).
const messagesLock int32 = 0x6d657373 // "mess" in ASCII

// migrateLock is the key of the PostgreSQL advisory lock Migrate takes, so
// that two processes migrating at once apply each migration once.
const migrateLock int64 = 0x73656775726d6967 // "segurmig" in ASCII

// depotTxOptions are the options of a deposit's transaction: on PostgreSQL
// READ COMMITTED, whatever the server's default, the vendor's lock
// (lockFournisseur) and the unique constraints doing the rest; on SQLite
// none, every write transaction beginning IMMEDIATE on the one writer
// connection, exclusive already.
func (db *DB) depotTxOptions() *sql.TxOptions {
	if db.dialect == dialectPostgres {
		return &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	return nil
}

// lockFournisseur takes, on PostgreSQL, the advisory lock of vendor f's
// deposits, held until tx ends: one vendor's deposits run one after the
// other. SQLite's write transactions are serialised already.
func (db *DB) lockFournisseur(ctx context.Context, tx *sql.Tx, f segur.FournisseurID) error {
	return db.verrouFournisseur(ctx, tx, depotLock, f)
}

// verrouFournisseur takes, on PostgreSQL, vendor f's advisory lock of key
// cle (depotLock, messagesLock), held until tx ends; on SQLite, nothing,
// the write transaction holding the database already.
func (db *DB) verrouFournisseur(ctx context.Context, tx *sql.Tx, cle int32, f segur.FournisseurID) error {
	if db.dialect != dialectPostgres {
		return nil
	}
	// The key is an int4: an ID past 2^31 wraps and may share its lock with
	// another vendor, which only makes them wait for each other.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, cle, int32(uint32(f))); err != nil {
		return fmt.Errorf("sqlstore: lock %x of fournisseur %d: %w", cle, f, err)
	}
	return nil
}

// lockMigrations takes, on PostgreSQL, the advisory lock of the
// migrations, held until tx ends. On SQLite, write transactions begin
// IMMEDIATE, which serialises them across processes.
func (db *DB) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	if db.dialect != dialectPostgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock)
	return err
}

// schemaMigrations creates the table of applied migrations, before any
// migration has run: in each dialect's types.
func (db *DB) schemaMigrations() string {
	if db.dialect == dialectPostgres {
		return `CREATE TABLE IF NOT EXISTS schema_migrations (version text NOT NULL PRIMARY KEY, applique_le timestamptz NOT NULL)`
	}
	return `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT NOT NULL PRIMARY KEY, applique_le TIMESTAMP NOT NULL)`
}

// snapshotTxOptions are the options of a read transaction whose
// statements must agree: read-only and, on PostgreSQL, REPEATABLE READ, one
// snapshot for every statement (READ COMMITTED takes one each). A SQLite
// read transaction reads one snapshot of the WAL already.
func (db *DB) snapshotTxOptions() *sql.TxOptions {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == dialectPostgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return opts
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// withSequences runs fn, which takes values of the sequences of deposit
// references and ASP numbers (nextIMP, nextASPs), on q. On PostgreSQL q is
// the pool: a sequence gives each value once, in no transaction, and a
// value taken is never given again, even when what took it fails. On
// SQLite the sequences are one-row tables, and q a write transaction: the
// writers are serialised and a value exists only once committed, so none
// is given twice either. Like every write, it is refused from inside a
// write transaction (beginWrite).
func (db *DB) withSequences(ctx context.Context, fn func(q querier) error) error {
	if db.dialect == dialectPostgres {
		if err := notWriting(ctx); err != nil {
			return err
		}
		return fn(db.w)
	}
	return db.write(ctx, func(tx *sql.Tx) error { return fn(tx) })
}

// nextIMP takes the next value of the sequence of deposit references, on q
// (see withSequences).
func (db *DB) nextIMP(ctx context.Context, q querier) (int64, error) {
	query := `UPDATE imp_seq SET valeur = valeur + 1 WHERE id = 1 RETURNING valeur`
	if db.dialect == dialectPostgres {
		query = `SELECT nextval('imp_seq')`
	}
	var v int64
	if err := q.QueryRowContext(ctx, query).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlstore: reserve a deposit reference: %w", err)
	}
	return v, nil
}

// nextASPs takes n values of the ASP sequence, increasing, on q: a write
// transaction on SQLite, the pool or any transaction on PostgreSQL (see
// withSequences). Taken in a deposit's transaction (NextASP), a value is
// never given twice either: PostgreSQL's is lost when the transaction
// rolls back, SQLite's rolls back with it, never given (the returned file
// that quoted it was never shown).
func (db *DB) nextASPs(ctx context.Context, q querier, n int) ([]int64, error) {
	if n <= 0 {
		return nil, nil
	}
	out := make([]int64, 0, n)
	if db.dialect == dialectSQLite {
		var last int64
		err := q.QueryRowContext(ctx, `UPDATE asp_seq SET valeur = valeur + $1 WHERE id = 1 RETURNING valeur`, n).Scan(&last)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: next ASP numbers: %w", err)
		}
		for v := last - int64(n) + 1; v <= last; v++ {
			out = append(out, v)
		}
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT nextval('asp_seq') FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: next ASP numbers: %w", err)
	}
	err = eachRow(rows, func(rows *sql.Rows) error {
		var v int64
		err := rows.Scan(&v)
		out = append(out, v)
		return err
	})
	if err != nil || len(out) != n {
		return nil, fmt.Errorf("sqlstore: next ASP numbers: got %d of %d: %v", len(out), n, err)
	}
	slices.Sort(out)
	return out, nil
}

// textList is a table of one text column, v, holding vals, as the FROM
// item alias, for a statement's parameter $k whose value is arg: on
// PostgreSQL an array (unnest), on SQLite a JSON array (json_each). One
// parameter, whatever the number of values: the statement's text does not
// change, and joined to a table the list lets the planner probe an index
// for each value, where a long IN list of parameters led PostgreSQL's to
// read every row of the index's prefix.
func (db *DB) textList(k int, alias string, vals []string) (from string, arg any, err error) {
	p := "$" + strconv.Itoa(k)
	if db.dialect == dialectPostgres {
		return `unnest(` + p + `::text[]) AS ` + alias + `(v)`, vals, nil
	}
	b, err := json.Marshal(vals)
	if err != nil {
		return "", nil, err
	}
	return `(SELECT value AS v FROM json_each(` + p + `)) AS ` + alias, string(b), nil
}

// column is one column of a table that an insert fills from rows of type
// R: its name, and how the insert takes its value from a row (insertValue).
type column[R any] struct {
	name string
	insertValue[R]
}

// insertValue is how an insert takes a column's value from a row of type R:
// one row's value for SQLite's VALUES, every row's values as one array for
// PostgreSQL's unnest, whose element type is pgType.
type insertValue[R any] struct {
	pgType string
	value  func(r *R) (any, error)
	array  func(rows []R) (any, error)
}

// as is the value get takes from a row, of PostgreSQL type pgType: get's
// Go type V must be one pgx writes as pgType (string for text or json,
// int64 for bigint or integer, time.Time for timestamptz).
func as[R, V any](pgType string, get func(r *R) V) insertValue[R] {
	return asErr(pgType, func(r *R) (V, error) { return get(r), nil })
}

// asErr is as for a value whose computing may fail (a JSON document).
func asErr[R, V any](pgType string, get func(r *R) (V, error)) insertValue[R] {
	return insertValue[R]{
		pgType: pgType,
		value:  func(r *R) (any, error) { return get(r) },
		array: func(rows []R) (any, error) {
			a := make([]V, len(rows))
			for i := range rows {
				var err error
				if a[i], err = get(&rows[i]); err != nil {
					return nil, err
				}
			}
			return a, nil
		},
	}
}

// sqliteMaxParams is the most parameters a SQLite statement takes
// (SQLITE_MAX_VARIABLE_NUMBER; a test reads the driver's).
const sqliteMaxParams = 32766

// insertAll inserts rows into table, filling cols, then runs scan (if not
// nil) on every row the statements return (tail: ON CONFLICT, RETURNING).
// On PostgreSQL it is one statement, each column one array parameter
// (unnest), whose text does not depend on the number of rows. On SQLite it
// is statements of VALUES lists, as many rows each as its limit of
// parameters allows: one statement for a deposit of 200 requests.
func insertAll[R any](ctx context.Context, db *DB, tx *sql.Tx, table string, cols []column[R], rows []R, tail string, scan func(*sql.Rows) error) error {
	if len(rows) == 0 {
		return nil
	}
	if db.dialect == dialectPostgres {
		var q strings.Builder
		q.WriteString(insertHead(table, cols))
		q.WriteString("SELECT * FROM unnest(")
		args := make([]any, len(cols))
		for i, c := range cols {
			var err error
			if args[i], err = c.array(rows); err != nil {
				return err
			}
			if i > 0 {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "$%d::%s[]", i+1, c.pgType)
		}
		q.WriteString(")" + tail)
		return execOrScan(ctx, tx, q.String(), args, scan)
	}
	per := sqliteMaxParams / len(cols)
	for start := 0; start < len(rows); start += per {
		if err := insertValues(ctx, db, tx, table, cols, rows[start:min(start+per, len(rows))], tail, scan); err != nil {
			return err
		}
	}
	return nil
}

// insertValues inserts rows into table with one statement of VALUES lists,
// on either dialect (see insertAll for the rest). On SQLite its
// placeholders are "?", numbered by position: SQLite looks each "$n" up
// among the names the statement has used before (sqlite3VListNameToNum),
// a time that grows with the square of their number, and the 2 600 of a
// deposit's 200 requests made FinishDepot six times slower.
func insertValues[R any](ctx context.Context, db *DB, tx *sql.Tx, table string, cols []column[R], rows []R, tail string, scan func(*sql.Rows) error) error {
	var q strings.Builder
	q.WriteString(insertHead(table, cols))
	q.WriteString("VALUES ")
	args := make([]any, 0, len(rows)*len(cols))
	for i := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for k, c := range cols {
			v, err := c.value(&rows[i])
			if err != nil {
				return err
			}
			args = append(args, v)
			if k > 0 {
				q.WriteString(", ")
			}
			if db.dialect == dialectSQLite {
				q.WriteByte('?')
			} else {
				q.WriteByte('$')
				q.WriteString(strconv.Itoa(len(args)))
			}
		}
		q.WriteByte(')')
	}
	q.WriteString(tail)
	return execOrScan(ctx, tx, q.String(), args, scan)
}

// insertHead is "INSERT INTO table (its columns) ".
func insertHead[R any](table string, cols []column[R]) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") "
}

// execOrScan runs query with args, then scan on every row it returns
// (none read when scan is nil).
func execOrScan(ctx context.Context, tx *sql.Tx, query string, args []any, scan func(*sql.Rows) error) error {
	if scan == nil {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	return eachRow(rows, scan)
}

// violation is the kind of constraint a statement broke.
type violation int

const (
	noViolation violation = iota
	uniqueViolation
	foreignKeyViolation
	checkViolation // CHECK or NOT NULL
)

// violationOf reads the constraint err broke from the driver's error code,
// never from its message.
func violationOf(err error) violation {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return uniqueViolation
		case "23503": // foreign_key_violation
			return foreignKeyViolation
		case "23514", "23502": // check_violation, not_null_violation
			return checkViolation
		}
		return noViolation
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return uniqueViolation
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return foreignKeyViolation
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return checkViolation
		}
	}
	return noViolation
}

// indexPage is what follows "FROM demandes" in the query of a page of
// filter, which selects selected requests, visited of them up to the
// page's end. SQLite's planner, which knows neither the page's bounds (bound
// parameters) nor how the statuses share the requests, reads a tab by its
// status index and sorts every row of it before the first page (75 ms for
// the 64 000 requests of « Traitées »). In deposit order, a page is found by
// walking the index demandes_date (cree_le, numero_asp, statut) from its
// start, the status read in the index: about visited × all / selected
// entries at 0.2 µs each, against 2 µs each of the selected rows sorted.
// That walk is taken when it reads fewer than ten times the rows sorted,
// and only for filters the index holds whole (statuses, deposit dates):
// any other criterion would need each row visited.
func (db *DB) indexPage(ctx context.Context, filter segur.DemandeFilter, selected, visited int) (string, error) {
	if db.dialect != dialectSQLite || (filter.Tri != "date" && filter.Tri != "-date") {
		return "", nil
	}
	f := filter
	f.Statut, f.Statuts, f.DeposeApres, f.DeposeAvant, f.Tri, f.Limit, f.Offset = "", nil, time.Time{}, time.Time{}, "", 0, 0
	if !reflect.DeepEqual(f, segur.DemandeFilter{}) {
		return "", nil
	}
	var all int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM demandes`).Scan(&all); err != nil {
		return "", fmt.Errorf("sqlstore: count demandes: %w", err)
	}
	if visited*all > 10*selected*selected {
		return "", nil
	}
	return " INDEXED BY demandes_date", nil
}

// suiviesPar is the condition of « Suivies par moi », its one argument
// the agent's login: assigned to him or followed by him. Each side is
// read by its index: on SQLite, an OR of two index searches; on
// PostgreSQL, which reads a whole table for an OR whose one side is a
// subquery (60 ms at 100 000 requests, on every page of the queue, for
// the tab's count), the followed requests' IDs as an array first.
func (db *DB) suiviesPar() string {
	if db.dialect == dialectPostgres {
		return "(agent = ? OR id = ANY (ARRAY(SELECT demande_id FROM demandes_suivies WHERE login = ?)))"
	}
	return "(agent = ? OR id IN (SELECT demande_id FROM demandes_suivies WHERE login = ?))"
}

// rechercheDemandes is the condition of the queue's search, its one
// argument requeteRecherche's: the FTS5 index on SQLite, the tsvector one
// on PostgreSQL (migrations 0020). On PostgreSQL, a count (page false)
// takes the IDs found as an array, read by the primary key: as a
// subquery, a word found in a tenth of 100 000 requests had the counts
// join it to the whole table (30 to 90 ms each, against 12 to 22); a page
// takes them as a subquery, which lets the planner walk the requests in
// the page's order and stop at its end (1 ms, against 20 for the array
// built first).
func (db *DB) rechercheDemandes(page bool) string {
	switch {
	case db.dialect == dialectPostgres && page:
		return "id IN (SELECT demande_id FROM demandes_recherche WHERE document @@ to_tsquery('simple', ?))"
	case db.dialect == dialectPostgres:
		return "id = ANY (ARRAY(SELECT demande_id FROM demandes_recherche WHERE document @@ to_tsquery('simple', ?)))"
	}
	return "id IN (SELECT rowid FROM demandes_recherche WHERE demandes_recherche MATCH ?)"
}

// requeteRecherche is the query of words mots (segur.MotsRecherche: letters
// and digits only, so nothing in them is the query language's), each a
// prefix unless segur.PrefixeRecherche says otherwise, all required:
// « "asp"* "2026"* "a" » for FTS5, « asp:* & 2026:* & a » for to_tsquery.
func (db *DB) requeteRecherche(mots []string) string {
	q := make([]string, len(mots))
	for i, m := range mots {
		prefixe := segur.PrefixeRecherche(m)
		switch {
		case db.dialect == dialectPostgres && prefixe:
			q[i] = m + ":*"
		case db.dialect == dialectPostgres:
			q[i] = m
		case prefixe:
			q[i] = `"` + m + `"*`
		default:
			q[i] = `"` + m + `"`
		}
	}
	if db.dialect == dialectPostgres {
		return strings.Join(q, " & ")
	}
	return strings.Join(q, " ")
}
