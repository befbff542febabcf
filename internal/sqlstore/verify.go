package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Verification is what Verify found in the database: the problems, one
// French sentence each saying what and where, and what the database's own
// integrity check covered.
type Verification struct {
	Problemes []string
	// Integrite says, in French, which integrity check of the database
	// engine ran (or why none did).
	Integrite string
}

// Verify checks the database, for segur admin verify: the engine's own
// integrity check (SQLite: integrity_check and foreign_key_check;
// PostgreSQL: amcheck's bt_index_check on the schema's B-tree indexes when
// the extension is installed, nothing otherwise); no ASP number and no
// deposit reference (impId) twice; each sequence ahead of every number it
// gave; every trigger the migrations create still there (and, on
// PostgreSQL, enabled). A check that stops because the engine finds its
// files damaged is a problem found (see Damaged), and the others still
// run; any other error is a check that could not run, not a problem found.
func (db *DB) Verify(ctx context.Context) (*Verification, error) {
	v := &Verification{}
	type check struct {
		quoi string // what the check reads, for a damaged base's line
		run  func() error
	}
	var checks []check
	if db.dialect == dialectPostgres {
		checks = append(checks, check{"contrôle des index (amcheck)", func() error { return db.verifyPostgres(ctx, v) }})
	} else {
		v.Integrite = "SQLite : PRAGMA integrity_check et foreign_key_check"
		checks = append(checks,
			check{"contrôle d'intégrité (integrity_check)", func() error { return db.verifyIntegrity(ctx, v) }},
			check{"contrôle des clés étrangères (foreign_key_check)", func() error { return db.verifyForeignKeys(ctx, v) }})
	}
	for _, s := range []struct {
		nom, table, colonne, prefixe, quoi string
	}{
		{"ASP", "demandes", "numero_asp", "numéro ASP", "vérification des numéros ASP"},
		{"imp", "depots", "imp_id", "référence de dépôt", "vérification des références de dépôt"},
	} {
		checks = append(checks, check{s.quoi, func() error {
			return db.verifyNumeros(ctx, v, s.nom, s.table, s.colonne, s.prefixe)
		}})
	}
	checks = append(checks, check{"vérification des déclencheurs", func() error { return db.verifyTriggers(ctx, v) }})
	for _, c := range checks {
		err := c.run()
		if msg, ok := db.Damaged(err, c.quoi); ok {
			v.Problemes = append(v.Problemes, msg)
			continue
		}
		if err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Damaged returns, when err is the database engine saying that its files
// are damaged (SQLite: SQLITE_CORRUPT or SQLITE_NOTADB; PostgreSQL:
// data_corrupted or index_corrupted), a French line saying so, that quoi
// (what was being done, « lecture des … ») stopped on it, with the
// engine's words; and true. Otherwise it returns "" and false.
func (db *DB) Damaged(err error, quoi string) (string, bool) {
	moteur, ok := damaged(err)
	if !ok {
		return "", false
	}
	base := "SQLite"
	if db.dialect == dialectPostgres {
		base = "PostgreSQL"
	}
	return fmt.Sprintf("base %s endommagée : %s impossible, le moteur signale « %s »", base, quoi, moteur), true
}

// DamagedSQLite is Damaged for an error of opening the SQLite base at
// path, before a *DB exists.
func DamagedSQLite(err error, path string) (string, bool) {
	moteur, ok := damaged(err)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("base SQLite « %s » endommagée : ouverture impossible, le moteur signale « %s »", path, moteur), true
}

// damaged returns the engine's words when err says its files are damaged.
// The codes, never the messages, decide.
func damaged(err error) (string, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return se.Error(), true
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "XX001" || pe.Code == "XX002") {
		return pe.Code + " " + pe.Message, true
	}
	return "", false
}

func (v *Verification) add(format string, args ...any) {
	v.Problemes = append(v.Problemes, fmt.Sprintf(format, args...))
}

func (db *DB) verifyIntegrity(ctx context.Context, v *Verification) error {
	arbres := db.sqliteTrees(ctx)
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: integrity_check: %w", err)
	}
	defer conn.Close()
	// FTS5 checks its index against a structure it keeps per connection,
	// which only a query of the table reloads: without one, a connection
	// of the pool that checked before another wrote finds a « checksum
	// mismatch » in a sound index (SQLite 3.54). A query first, then.
	var fts int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'demandes_recherche'`).Scan(&fts); err != nil {
		return fmt.Errorf("sqlstore: integrity_check: %w", err)
	}
	if fts > 0 {
		if _, err := conn.ExecContext(ctx, `SELECT rowid FROM demandes_recherche WHERE demandes_recherche MATCH '"x"' LIMIT 1`); err != nil {
			return fmt.Errorf("sqlstore: integrity_check: %w", err)
		}
	}
	rows, err := conn.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("sqlstore: integrity_check: %w", err)
	}
	err = eachRow(rows, func(rows *sql.Rows) error {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		// A message may hold several lines, under a header naming the
		// attached database: one problem per line.
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSpace(l); l != "" && l != "ok" && !strings.HasPrefix(l, "*** in database ") {
				if m := sqliteTree.FindStringSubmatch(l); m != nil && arbres[m[1]] != "" {
					l += " (arbre " + m[1] + " : " + arbres[m[1]] + ")"
				}
				v.add("base SQLite endommagée (integrity_check) : %s", l)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: integrity_check: %w", err)
	}
	return nil
}

// sqliteTree is the start of integrity_check's lines about a B-tree,
// which name it by its root page only.
var sqliteTree = regexp.MustCompile(`^Tree (\d+) page `)

// sqliteTrees returns the table or index of each root page, to name the
// trees integrity_check reports, as far as the schema can be read: the
// check says itself when it cannot.
func (db *DB) sqliteTrees(ctx context.Context) map[string]string {
	arbres := map[string]string{}
	rows, err := db.r.QueryContext(ctx, `SELECT rootpage, type, name FROM sqlite_master WHERE rootpage > 0`)
	if err != nil {
		return arbres
	}
	eachRow(rows, func(rows *sql.Rows) error {
		var page, typ, nom string
		err := rows.Scan(&page, &typ, &nom)
		arbres[page] = typ + " " + nom
		return err
	})
	return arbres
}

func (db *DB) verifyForeignKeys(ctx context.Context, v *Verification) error {
	rows, err := db.r.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("sqlstore: foreign_key_check: %w", err)
	}
	err = eachRow(rows, func(rows *sql.Rows) error {
		var table, parent string
		var rowid sql.NullInt64
		var fk int64
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		v.add("table %s, ligne %d : référence à une ligne absente de la table %s", table, rowid.Int64, parent)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: foreign_key_check: %w", err)
	}
	return nil
}

// verifyPostgres runs amcheck's bt_index_check on every B-tree index of
// the schema, when the extension is installed and this account may run it.
// The function is called in the extension's schema, which need not be on
// the portal's search_path.
func (db *DB) verifyPostgres(ctx context.Context, v *Verification) error {
	var schema string
	err := db.r.QueryRowContext(ctx, `SELECT n.nspname FROM pg_extension e
		JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'amcheck'`).Scan(&schema)
	if errors.Is(err, sql.ErrNoRows) {
		v.Integrite = "PostgreSQL : extension amcheck absente, index non vérifiés (CREATE EXTENSION amcheck pour les vérifier)"
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlstore: amcheck: %w", err)
	}
	v.Integrite = "PostgreSQL : index B-tree du schéma vérifiés par amcheck (bt_index_check)"
	rows, err := db.r.QueryContext(ctx, `SELECT c.relname FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
		WHERE a.amname = 'btree' AND c.relnamespace = current_schema()::regnamespace ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("sqlstore: indexes: %w", err)
	}
	var index []string
	err = eachRow(rows, func(rows *sql.Rows) error {
		var s string
		err := rows.Scan(&s)
		index = append(index, s)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: indexes: %w", err)
	}
	for _, i := range index {
		_, err := db.r.ExecContext(ctx, `SELECT `+quoteName(schema)+`.bt_index_check(c.oid) FROM pg_class c
			WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace`, i)
		var pe *pgconn.PgError
		moteur, endommage := damaged(err)
		switch {
		case err == nil:
		case endommage:
			v.add("index %s endommagé (amcheck) : le moteur signale « %s »", i, moteur)
		case errors.As(err, &pe) && pe.Code == "42501": // insufficient_privilege
			v.Integrite = "PostgreSQL : extension amcheck installée, mais ce compte n'a pas le droit d'exécuter bt_index_check : index non vérifiés"
			return nil
		default:
			return fmt.Errorf("sqlstore: bt_index_check %s: %w", i, err)
		}
	}
	return nil
}

// verifyNumeros checks a column of numbers given by sequence nom (PREFIX-
// year-sequence): no value twice, no sequence number twice (the sequence is
// global, across years), and the sequence ahead of the largest.
func (db *DB) verifyNumeros(ctx context.Context, v *Verification, nom, table, colonne, libelle string) error {
	rows, err := db.r.QueryContext(ctx, `SELECT id, `+colonne+` FROM `+table+` WHERE `+colonne+` <> '' ORDER BY id`)
	if err != nil {
		return fmt.Errorf("sqlstore: %s.%s: %w", table, colonne, err)
	}
	vus := map[string]int64{}
	seqs := map[int64]string{}
	var max int64
	err = eachRow(rows, func(rows *sql.Rows) error {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return err
		}
		if autre, ok := vus[s]; ok {
			v.add("%s %s donné deux fois : table %s, lignes %d et %d", libelle, s, table, autre, id)
			return nil
		}
		vus[s] = id
		i := strings.LastIndexByte(s, '-')
		n, err := strconv.ParseInt(s[i+1:], 10, 64)
		if err != nil || n <= 0 {
			v.add("%s « %s » mal formé : table %s, ligne %d", libelle, s, table, id)
			return nil
		}
		if autre, ok := seqs[n]; ok {
			v.add("%s %s : même numéro de séquence que %s (table %s, ligne %d)", libelle, s, autre, table, id)
		} else {
			seqs[n] = s
		}
		max = maxInt(max, n)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: %s.%s: %w", table, colonne, err)
	}
	// The last value the sequence gave.
	var dernier int64
	if db.dialect == dialectPostgres {
		var called bool
		if err := db.r.QueryRowContext(ctx, `SELECT last_value, is_called FROM `+nom+`_seq`).Scan(&dernier, &called); err != nil {
			return fmt.Errorf("sqlstore: sequence %s_seq: %w", nom, err)
		}
		if !called {
			dernier--
		}
	} else if err := db.r.QueryRowContext(ctx, `SELECT valeur FROM `+nom+`_seq WHERE id = 1`).Scan(&dernier); err != nil {
		return fmt.Errorf("sqlstore: sequence %s_seq: %w", nom, err)
	}
	if dernier < max {
		v.add("séquence %s_seq en retard : dernière valeur donnée %d, mais la table %s a déjà le numéro %d (%s) : les prochains %ss seraient donnés deux fois",
			nom, dernier, table, max, seqs[max], libelle)
	}
	return nil
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// Triggers, as the migrations write them.
var (
	createTrigger = regexp.MustCompile(`(?is)\bCREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s.*?\bON\s+(\w+)`)
	dropTrigger   = regexp.MustCompile(`(?i)\bDROP\s+TRIGGER\s+(?:IF\s+EXISTS\s+)?(\w+)`)
	dropTable     = regexp.MustCompile(`(?i)\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\w+)`)
	sqlComment    = regexp.MustCompile(`--[^\n]*`)
)

// expectedTriggers returns the triggers the migrations leave, by name, with
// their table: those created, less those dropped (by name, or with their
// table).
func expectedTriggers(d dialect) (map[string]string, error) {
	ms, err := migrations(d)
	if err != nil {
		return nil, err
	}
	want := map[string]string{}
	for _, m := range ms {
		s := sqlComment.ReplaceAllString(m.sql, "")
		type op struct {
			at       int
			kind     byte
			nom, tbl string
		}
		var ops []op
		for _, x := range createTrigger.FindAllStringSubmatchIndex(s, -1) {
			ops = append(ops, op{x[0], 'c', s[x[2]:x[3]], s[x[4]:x[5]]})
		}
		for _, x := range dropTrigger.FindAllStringSubmatchIndex(s, -1) {
			ops = append(ops, op{x[0], 't', s[x[2]:x[3]], ""})
		}
		for _, x := range dropTable.FindAllStringSubmatchIndex(s, -1) {
			ops = append(ops, op{x[0], 'd', "", s[x[2]:x[3]]})
		}
		sort.Slice(ops, func(i, j int) bool { return ops[i].at < ops[j].at })
		for _, o := range ops {
			switch o.kind {
			case 'c':
				want[o.nom] = o.tbl
			case 't':
				delete(want, o.nom)
			case 'd':
				for n, t := range want {
					if t == o.tbl {
						delete(want, n)
					}
				}
			}
		}
	}
	return want, nil
}

// verifyTriggers reports every trigger of the migrations that is missing,
// on another table, or (PostgreSQL) disabled: without them the
// append-only tables (the audit log, the requests' history, the
// payments…) could be changed.
func (db *DB) verifyTriggers(ctx context.Context, v *Verification) error {
	want, err := expectedTriggers(db.dialect)
	if err != nil {
		return err
	}
	q := `SELECT name, tbl_name, 1 FROM sqlite_master WHERE type = 'trigger'`
	if db.dialect == dialectPostgres {
		// tgenabled: 'O' fires in ordinary sessions, 'A' always; 'D'
		// (DISABLE TRIGGER) never, 'R' (ENABLE REPLICA TRIGGER) only
		// when session_replication_role is replica: not in the portal's.
		q = `SELECT t.tgname, c.relname, CASE WHEN t.tgenabled IN ('O', 'A') THEN 1 ELSE 0 END FROM pg_trigger t
			JOIN pg_class c ON c.oid = t.tgrelid
			WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace`
	}
	rows, err := db.r.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("sqlstore: triggers: %w", err)
	}
	type trigger struct {
		table  string
		active bool
	}
	have := map[string]trigger{}
	err = eachRow(rows, func(rows *sql.Rows) error {
		var n, t string
		var a int
		err := rows.Scan(&n, &t, &a)
		have[n] = trigger{t, a == 1}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: triggers: %w", err)
	}
	noms := make([]string, 0, len(want))
	for n := range want {
		noms = append(noms, n)
	}
	sort.Strings(noms)
	for _, n := range noms {
		h, ok := have[n]
		switch {
		case !ok:
			v.add("déclencheur %s absent : la table %s n'est plus protégée (modification ou suppression de ses lignes possible)", n, want[n])
		case h.table != want[n]:
			v.add("déclencheur %s sur la table %s au lieu de %s : la table %s n'est plus protégée", n, h.table, want[n], want[n])
		case !h.active:
			v.add("déclencheur %s désactivé : la table %s n'est plus protégée", n, want[n])
		}
	}
	return nil
}

// BlobReference is a row's reference to a stored file.
type BlobReference struct {
	Table, Colonne string
	ID             int64 // the row's id (SQLite: its rowid)
	SHA256         string
}

// FindBlobsReferenceRows returns every row's reference to a stored file,
// from the columns FindBlobsReferences reads, by table, column and row.
func (db *DB) FindBlobsReferenceRows(ctx context.Context) ([]BlobReference, error) {
	cols, err := db.blobColumns(ctx)
	if err != nil {
		return nil, err
	}
	id := "rowid"
	if db.dialect == dialectPostgres {
		id = "id"
	}
	var refs []BlobReference
	for _, c := range cols {
		t, col := quoteName(c[0]), quoteName(c[1])
		rows, err := db.r.QueryContext(ctx, `SELECT `+id+`, `+col+` FROM `+t+` WHERE `+col+` IS NOT NULL AND `+col+` <> '' ORDER BY 1`)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: blobs of %s.%s: %w", c[0], c[1], err)
		}
		err = eachRow(rows, func(rows *sql.Rows) error {
			r := BlobReference{Table: c[0], Colonne: c[1]}
			err := rows.Scan(&r.ID, &r.SHA256)
			refs = append(refs, r)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("sqlstore: blobs of %s.%s: %w", c[0], c[1], err)
		}
	}
	return refs, nil
}

// quoteName quotes a table's or column's name read from the schema.
func quoteName(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
