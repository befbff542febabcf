package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

var (
	_ segur.DepotStore = (*DB)(nil)
	_ segur.DepotTx    = (*depotTx)(nil)
)

// depotLock is the first key of the PostgreSQL advisory lock that
// WithDepotTx takes, the vendor's ID being the second. The two-key form
// lives apart from the one-key lock of Migrate.
const depotLock int32 = 0x64657074 // "dept" in ASCII

// nextASP takes the next value of the ASP sequence, in the deposit's
// transaction. PostgreSQL's sequence never gives a value twice, even when
// the transaction rolls back (the value is lost). On SQLite the one-row
// table is incremented inside the write transaction: writers are
// serialised and a value exists only once committed, so none is given
// twice either (a rolled-back value was never given: the returned file that
// quoted it was never shown).
var nextASP = map[dialect]string{
	dialectSQLite:   `UPDATE asp_seq SET valeur = valeur + 1 WHERE id = 1 RETURNING valeur`,
	dialectPostgres: `SELECT nextval('asp_seq')`,
}

// WithDepotTx runs fn in one write transaction holding vendor f's deposit
// lock, and commits when fn returns nil. Otherwise it rolls back and
// returns fn's error unchanged.
//
// On PostgreSQL the transaction is READ COMMITTED and first takes an
// advisory lock on (depotLock, f), held until it ends: one vendor's
// deposits run one after the other, and the unique constraints protect the
// rest (an ordinal, a numeroEditeur, an ASP number). On SQLite every write
// transaction begins IMMEDIATE on the one writer connection: it is already
// exclusive. fn must use only tx, never another method of db that writes:
// on SQLite that method would wait for the connection fn holds.
func (db *DB) WithDepotTx(ctx context.Context, f segur.FournisseurID, fn func(tx segur.DepotTx) error) error {
	var opts *sql.TxOptions
	if db.dialect == dialectPostgres {
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	tx, err := db.w.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("sqlstore: begin depot: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit
	if db.dialect == dialectPostgres {
		// The key is an int4: an ID past 2^31 wraps and may share its lock
		// with another vendor, which only makes them wait for each other.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, depotLock, int32(uint32(f))); err != nil {
			return fmt.Errorf("sqlstore: lock deposits of fournisseur %d: %w", f, err)
		}
	}
	if err := fn(&depotTx{db: db, tx: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		if violationOf(err) == uniqueViolation {
			return segur.Errorf(segur.ECONFLICT, "dépôt non enregistré : un autre dépôt a pris le même numéro au même moment ; déposez à nouveau")
		}
		return fmt.Errorf("sqlstore: commit depot: %w", err)
	}
	return nil
}

// depotTx is the transaction of one deposit, for WithDepotTx's fn.
type depotTx struct {
	db *DB
	tx *sql.Tx
}

// OrdinalPris reports whether a deposit of numeroAns that passed control 1
// on day d has this ordinal, and returns the smallest free ordinal of that
// day (0 when all 999 are taken).
func (t *depotTx) OrdinalPris(ctx context.Context, numeroAns string, d hop.Date, ordinal int) (bool, int, error) {
	rows, err := t.tx.QueryContext(ctx,
		`SELECT ordinal FROM depots WHERE numero_ans = $1 AND date_depot = $2 AND statut = 'traite' ORDER BY ordinal`,
		numeroAns, jour(d))
	if err != nil {
		return false, 0, fmt.Errorf("sqlstore: ordinals of %s on %s: %w", numeroAns, d, err)
	}
	defer rows.Close()
	pris, libre := false, 1
	for rows.Next() {
		var o int
		if err := rows.Scan(&o); err != nil {
			return false, 0, fmt.Errorf("sqlstore: ordinals of %s on %s: %w", numeroAns, d, err)
		}
		pris = pris || o == ordinal
		if o == libre { // ordinals come sorted and unique: the first gap is free
			libre++
		}
	}
	if err := rows.Err(); err != nil {
		return false, 0, fmt.Errorf("sqlstore: ordinals of %s on %s: %w", numeroAns, d, err)
	}
	if libre > 999 {
		libre = 0
	}
	return pris, libre, nil
}

// NumeroEditeurUtilise reports whether vendor f used numero, compared
// case-insensitively, in a deposit that passed control 1.
func (t *depotTx) NumeroEditeurUtilise(ctx context.Context, f segur.FournisseurID, numero string) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(ctx,
		`SELECT count(*) FROM numeros_editeur WHERE fournisseur_id = $1 AND numero_cle = $2`,
		int64(f), cle(numero)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("sqlstore: numero editeur %s of fournisseur %d: %w", numero, f, err)
	}
	return n > 0, nil
}

// NumerosEditeurUtilises returns, among numeros, those vendor f already
// used (upper-cased), in queries of up to 100 numbers.
func (t *depotTx) NumerosEditeurUtilises(ctx context.Context, f segur.FournisseurID, numeros []string) (map[string]bool, error) {
	used := map[string]bool{}
	if t.db.dialect == dialectPostgres {
		// One array parameter: the planner probes the unique index for each
		// number, where a long IN list of parameters led it to read every
		// number of the vendor.
		cles := make([]string, len(numeros))
		for i, n := range numeros {
			cles[i] = cle(n)
		}
		rows, err := t.tx.QueryContext(ctx,
			`SELECT n.numero_cle FROM unnest($2::text[]) AS u(k) JOIN numeros_editeur n ON n.fournisseur_id = $1 AND n.numero_cle = u.k`,
			int64(f), cles)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: numeros editeur of fournisseur %d: %w", f, err)
		}
		if err := eachRow(rows, lireCle(used)); err != nil {
			return nil, fmt.Errorf("sqlstore: numeros editeur of fournisseur %d: %w", f, err)
		}
		return used, nil
	}
	for start := 0; start < len(numeros); start += 100 {
		chunk := numeros[start:min(start+100, len(numeros))]
		args := []any{int64(f)}
		var ph strings.Builder
		for i, n := range chunk {
			if i > 0 {
				ph.WriteString(", ")
			}
			fmt.Fprintf(&ph, "$%d", i+2)
			args = append(args, cle(n))
		}
		rows, err := t.tx.QueryContext(ctx,
			`SELECT numero_cle FROM numeros_editeur WHERE fournisseur_id = $1 AND numero_cle IN (`+ph.String()+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: numeros editeur of fournisseur %d: %w", f, err)
		}
		if err := eachRow(rows, lireCle(used)); err != nil {
			return nil, fmt.Errorf("sqlstore: numeros editeur of fournisseur %d: %w", f, err)
		}
	}
	return used, nil
}

// DepotParCle returns vendor f's deposit sent with the Idempotency-Key cle.
func (t *depotTx) DepotParCle(ctx context.Context, f segur.FournisseurID, cle string) (segur.DepotID, bool, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `SELECT id FROM depots WHERE fournisseur_id = $1 AND cle_idempotence = $2`, int64(f), cle).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("sqlstore: depot of key %q: %w", cle, err)
	}
	return segur.DepotID(id), true, nil
}

// nullString is NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// DepotIdentique returns the first deposit of vendor f that passed control
// 1 with the JSON file of hash jsonSHA and the zip of hash zipSHA ("" for
// none: a deposit without zip matches only a deposit without zip).
func (t *depotTx) DepotIdentique(ctx context.Context, f segur.FournisseurID, jsonSHA, zipSHA string) (segur.DepotID, bool, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx,
		`SELECT id FROM depots WHERE fournisseur_id = $1 AND json_sha256 = $2 AND COALESCE(zip_sha256, '') = $3 AND statut = 'traite' ORDER BY id LIMIT 1`,
		int64(f), jsonSHA, zipSHA).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("sqlstore: identical depot of fournisseur %d: %w", f, err)
	}
	return segur.DepotID(id), true, nil
}

// InsertDepot inserts d and sets its ID; d.Recu becomes the time as stored
// (UTC, to the microsecond). An ordinal already taken that day by a
// processed deposit of the same ANS number is an ECONFLICT; an unknown
// vendor an ENOTFOUND.
func (t *depotTx) InsertDepot(ctx context.Context, d *segur.Depot) error {
	recu := stamp(d.Recu)
	var ordinal any
	if d.Ordinal != 0 {
		ordinal = d.Ordinal
	}
	jsonSHA, jsonTaille := blobRef(d.JSON)
	zipSHA, zipTaille := blobRef(d.Zip)
	retourSHA, retourTaille := blobRef(d.Retour)
	m := motifOf(d.Motif)
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO depots (fournisseur_id, type, numero_ans, logiciel, nom_fichier, recu, date_depot, ordinal,
		json_sha256, json_taille, zip_sha256, zip_taille, retour_sha256, retour_taille, statut,
		motif_code, motif_libelle, motif_balise, motif_valeur, motif_p1, motif_p2, motif_offset, motif_ligne, motif_colonne, imp_id, cle_idempotence)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26) RETURNING id`,
		int64(d.FournisseurID), string(d.Type), d.NumeroAns, string(d.Logiciel), d.NomFichier, recu, jour(d.Date), ordinal,
		jsonSHA, jsonTaille, zipSHA, zipTaille, retourSHA, retourTaille, string(d.Statut),
		m.code, m.libelle, m.balise, m.valeur, m.p1, m.p2, m.offset, m.ligne, m.colonne, d.ImpID, nullString(d.CleIdempotence)).Scan(&id)
	switch violationOf(err) {
	case uniqueViolation:
		return segur.Errorf(segur.ECONFLICT, "nom du fichier %s : le numéro d'ordre %03d est déjà utilisé le %s pour le numéro ANS %s", d.NomFichier, d.Ordinal, d.Date, d.NumeroAns)
	case foreignKeyViolation:
		return segur.Errorf(segur.ENOTFOUND, "fournisseur n° %d introuvable", d.FournisseurID)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: insert depot %s: %w", d.NomFichier, err)
	}
	d.ID, d.Recu = segur.DepotID(id), recu
	return nil
}

// NextASP returns a new value of the ASP sequence, never given before.
func (t *depotTx) NextASP(ctx context.Context) (int64, error) {
	var v int64
	if err := t.tx.QueryRowContext(ctx, nextASP[t.db.dialect]).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlstore: next ASP number: %w", err)
	}
	return v, nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// nextASPs takes n values of the ASP sequence, increasing: on SQLite
// inside a write transaction q, on PostgreSQL from the sequence.
func nextASPs(ctx context.Context, q querier, dia dialect, n int) ([]int64, error) {
	if n <= 0 {
		return nil, nil
	}
	out := make([]int64, 0, n)
	if dia == dialectSQLite {
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
	defer rows.Close()
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("sqlstore: next ASP numbers: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil || len(out) != n {
		return nil, fmt.Errorf("sqlstore: next ASP numbers: got %d of %d: %v", len(out), n, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// insertPostgres inserts a deposit's requests, lines and numbers on
// PostgreSQL, one statement per table with arrays (unnest): three round
// trips, and statements whose text never changes.
func (t *depotTx) insertPostgres(ctx context.Context, d *segur.Depot, demandes []segur.Demande, numeros []string, now time.Time) error {
	if len(demandes) > 0 {
		n := len(demandes)
		asp, ans, logiciel, statut := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		editeur, dateCmd, regime, donnees := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		depot, fournisseur, montant := make([]int64, n), make([]int64, n), make([]int64, n)
		ligne := make([]int32, n)
		for i := range demandes {
			dm := &demandes[i]
			b, err := marshalDonnees(&dm.DonneesDemande)
			if err != nil {
				return fmt.Errorf("sqlstore: demande %s: %w", dm.NumeroASP, err)
			}
			asp[i], ans[i], logiciel[i], statut[i] = dm.NumeroASP, dm.NumeroAns, string(dm.Logiciel), string(dm.Statut)
			editeur[i], dateCmd[i], regime[i], donnees[i] = dm.NumeroEditeur, jour(dm.DateCommande), dm.RegimeTVA, string(b)
			depot[i], fournisseur[i], montant[i], ligne[i] = int64(dm.DepotID), int64(dm.FournisseurID), dm.MontantHTCents, int32(dm.NumLigne)
		}
		rows, err := t.tx.QueryContext(ctx, `INSERT INTO demandes (numero_asp, depot_id, fournisseur_id, numero_ans, logiciel, statut, cree_le,
			num_ligne, numero_editeur, date_commande, regime_tva, montant_ht_cents, donnees)
			SELECT a, dep, f, ans, lg, st, $13, l, e, dc, r, m, dn::json
			FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[],
				$9::text[], $10::text[], $11::bigint[], $12::text[]) AS u(a, dep, f, ans, lg, st, l, e, dc, r, m, dn)
			RETURNING numero_asp, id`,
			asp, depot, fournisseur, ans, logiciel, statut, ligne, editeur, dateCmd, regime, montant, donnees, now)
		if violationOf(err) == uniqueViolation {
			return segur.Errorf(segur.ECONFLICT, "un numéro ASP de ce dépôt est déjà attribué : dépôt non enregistré")
		}
		if err != nil {
			return fmt.Errorf("sqlstore: insert demandes of depot %d: %w", d.ID, err)
		}
		ids := make(map[string]int64, n)
		err = eachRow(rows, func(rows *sql.Rows) error {
			var a string
			var id int64
			err := rows.Scan(&a, &id)
			ids[a] = id
			return err
		})
		if violationOf(err) == uniqueViolation {
			return segur.Errorf(segur.ECONFLICT, "un numéro ASP de ce dépôt est déjà attribué : dépôt non enregistré")
		} else if err != nil {
			return fmt.Errorf("sqlstore: insert demandes of depot %d: %w", d.ID, err)
		}
		for i := range demandes {
			id, ok := ids[demandes[i].NumeroASP]
			if !ok {
				return fmt.Errorf("sqlstore: demande %s not returned", demandes[i].NumeroASP)
			}
			demandes[i].ID, demandes[i].CreeLe = segur.DemandeID(id), now
		}
	}
	if rejetees := lignesRejetees(d.Lignes); len(rejetees) > 0 {
		n := len(rejetees)
		ligne := make([]int32, n)
		editeur, code, libelle := make([]string, n), make([]string, n), make([]string, n)
		for i, l := range rejetees {
			ligne[i], editeur[i], code[i], libelle[i] = int32(l.NumLigne), l.NumeroEditeur, l.Code, l.Libelle
		}
		_, err := t.tx.ExecContext(ctx, `INSERT INTO depot_lignes (depot_id, num_ligne, numero_editeur, code, libelle, numero_asp)
			SELECT $1, l, e, c, lb, NULL FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS u(l, e, c, lb)`,
			int64(d.ID), ligne, editeur, code, libelle)
		if err != nil {
			return fmt.Errorf("sqlstore: insert lignes of depot %d: %w", d.ID, err)
		}
	}
	inseres := map[string]bool{}
	if len(numeros) > 0 {
		cles := make([]string, len(numeros))
		for i, n := range numeros {
			cles[i] = cle(n)
		}
		rows, err := t.tx.QueryContext(ctx, `INSERT INTO numeros_editeur (fournisseur_id, numero, numero_cle, depot_id)
			SELECT $1, n, k, $2 FROM unnest($3::text[], $4::text[]) AS u(n, k)
			ON CONFLICT (fournisseur_id, numero_cle) DO NOTHING RETURNING numero_cle`,
			int64(d.FournisseurID), int64(d.ID), numeros, cles)
		if err != nil {
			return fmt.Errorf("sqlstore: insert numeros editeur of depot %d: %w", d.ID, err)
		}
		if err := eachRow(rows, lireCle(inseres)); err != nil {
			return fmt.Errorf("sqlstore: insert numeros editeur of depot %d: %w", d.ID, err)
		}
	}
	return numerosNeufs(demandes, inseres)
}

// eachRow calls scan on every row, then closes rows.
func eachRow(rows *sql.Rows, scan func(*sql.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// lireCle reads a numero_cle into set.
func lireCle(set map[string]bool) func(*sql.Rows) error {
	return func(rows *sql.Rows) error {
		var c string
		err := rows.Scan(&c)
		set[c] = true
		return err
	}
}

// numerosNeufs checks that each accepted request's number was recorded by
// this deposit (inseres): a number used before is an ECONFLICT.
func numerosNeufs(demandes []segur.Demande, inseres map[string]bool) error {
	for _, dm := range demandes {
		if !inseres[cle(dm.NumeroEditeur)] {
			return segur.Errorf(segur.ECONFLICT, "numeroEditeur « %s » déjà utilisé par ce fournisseur : dépôt non enregistré", dm.NumeroEditeur)
		}
	}
	return nil
}

// lignesRejetees returns the lines of the rejected requests: the only ones
// depot_lignes keeps, an accepted request's line being its demandes row.
func lignesRejetees(lignes []segur.LigneDepot) []segur.LigneDepot {
	var out []segur.LigneDepot
	for _, l := range lignes {
		if l.NumeroASP == "" {
			out = append(out, l)
		}
	}
	return out
}

// insertRows inserts n rows of width columns on SQLite, through one
// prepared single-row statement (faster there than long multi-row
// statements, which SQLite parses slowly): head is "INSERT INTO t (...)
// VALUES ", tail what follows the values (a RETURNING clause, read by
// scan, or ""); row gives row i's values. PostgreSQL uses insertPostgres.
func (t *depotTx) insertRows(ctx context.Context, n, width int, head, tail string, row func(i int) ([]any, error), scan func(*sql.Rows) error) error {
	if n == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString(head)
	q.WriteByte('(')
	for k := range width {
		if k > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "$%d", k+1)
	}
	q.WriteByte(')')
	q.WriteString(tail)
	stmt, err := t.tx.PrepareContext(ctx, q.String())
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range n {
		vals, err := row(i)
		if err != nil {
			return err
		}
		if scan == nil {
			if _, err := stmt.ExecContext(ctx, vals...); err != nil {
				return err
			}
			continue
		}
		rows, err := stmt.QueryContext(ctx, vals...)
		if err != nil {
			return err
		}
		if err := eachRow(rows, scan); err != nil {
			return err
		}
	}
	return nil
}

// depotDetails is the audit detail of a deposit.
type depotDetails struct {
	Statut    string `json:"statut"`
	Lignes    int    `json:"lignes"`
	Acceptees int    `json:"acceptees"`
}

// FinishDepot records the outcome of deposit d, inserted before: its
// reference and returned file, its accepted requests (setting their ID and
// CreeLe), its lines and the numeroEditeur it used, then its audit event.
// numeros are every numeroEditeur the deposit holds: those the vendor had
// not used yet are recorded, the others stay with their first deposit (a
// rejected request may quote a used number: it was rejected for it). An
// accepted request whose number was used before, or an ASP number already
// given, is an ECONFLICT: the desk checked both under the lock, this is a
// safety net.
func (t *depotTx) FinishDepot(ctx context.Context, d *segur.Depot, demandes []segur.Demande, numeros []string) error {
	now := t.db.clock()
	retourSHA, retourTaille := blobRef(d.Retour)
	res, err := t.tx.ExecContext(ctx, `UPDATE depots SET imp_id = $1, retour_sha256 = $2, retour_taille = $3 WHERE id = $4`,
		d.ImpID, retourSHA, retourTaille, int64(d.ID))
	if err != nil {
		return fmt.Errorf("sqlstore: finish depot %d: %w", d.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlstore: finish depot %d: %w", d.ID, err)
	} else if n == 0 {
		return segur.Errorf(segur.ENOTFOUND, "dépôt %d introuvable", d.ID)
	}

	if t.db.dialect == dialectPostgres {
		if err := t.insertPostgres(ctx, d, demandes, numeros, now); err != nil {
			return err
		}
		return audit(ctx, t.tx, now, "depot.deposer", "depot:"+strconv.FormatInt(int64(d.ID), 10), depotDetails{
			Statut: string(d.Statut), Lignes: len(d.Lignes), Acceptees: len(demandes),
		})
	}
	// A deposit inserts up to 600 rows: on SQLite, through one prepared
	// statement per table.
	ids := map[string]int64{}
	err = t.insertRows(ctx, len(demandes), 13,
		`INSERT INTO demandes (numero_asp, depot_id, fournisseur_id, numero_ans, logiciel, statut, cree_le,
		num_ligne, numero_editeur, date_commande, regime_tva, montant_ht_cents, donnees) VALUES `,
		` RETURNING numero_asp, id`,
		func(i int) ([]any, error) {
			dm := &demandes[i]
			donnees, err := marshalDonnees(&dm.DonneesDemande)
			if err != nil {
				return nil, fmt.Errorf("sqlstore: demande %s: %w", dm.NumeroASP, err)
			}
			return []any{dm.NumeroASP, int64(dm.DepotID), int64(dm.FournisseurID), dm.NumeroAns, string(dm.Logiciel), string(dm.Statut), now,
				dm.NumLigne, dm.NumeroEditeur, jour(dm.DateCommande), dm.RegimeTVA, dm.MontantHTCents, donnees}, nil
		},
		func(rows *sql.Rows) error {
			var asp string
			var id int64
			if err := rows.Scan(&asp, &id); err != nil {
				return err
			}
			ids[asp] = id
			return nil
		})
	if violationOf(err) == uniqueViolation {
		return segur.Errorf(segur.ECONFLICT, "un numéro ASP de ce dépôt est déjà attribué : dépôt non enregistré")
	}
	if err != nil {
		return fmt.Errorf("sqlstore: insert demandes of depot %d: %w", d.ID, err)
	}
	for i := range demandes {
		id, ok := ids[demandes[i].NumeroASP]
		if !ok {
			return fmt.Errorf("sqlstore: demande %s not returned", demandes[i].NumeroASP)
		}
		demandes[i].ID, demandes[i].CreeLe = segur.DemandeID(id), now
	}

	rejetees := lignesRejetees(d.Lignes)
	err = t.insertRows(ctx, len(rejetees), 6,
		`INSERT INTO depot_lignes (depot_id, num_ligne, numero_editeur, code, libelle, numero_asp) VALUES `, ``,
		func(i int) ([]any, error) {
			l := rejetees[i]
			return []any{int64(d.ID), l.NumLigne, l.NumeroEditeur, l.Code, l.Libelle, nil}, nil
		}, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: insert lignes of depot %d: %w", d.ID, err)
	}

	// A number already used stays with its first deposit; an accepted
	// request's number must be new.
	inseres := map[string]bool{}
	err = t.insertRows(ctx, len(numeros), 4,
		`INSERT INTO numeros_editeur (fournisseur_id, numero, numero_cle, depot_id) VALUES `,
		` ON CONFLICT (fournisseur_id, numero_cle) DO NOTHING RETURNING numero_cle`,
		func(i int) ([]any, error) {
			return []any{int64(d.FournisseurID), numeros[i], cle(numeros[i]), int64(d.ID)}, nil
		},
		lireCle(inseres))
	if err != nil {
		return fmt.Errorf("sqlstore: insert numeros editeur of depot %d: %w", d.ID, err)
	}
	if err := numerosNeufs(demandes, inseres); err != nil {
		return err
	}

	return audit(ctx, t.tx, now, "depot.deposer", "depot:"+strconv.FormatInt(int64(d.ID), 10), depotDetails{
		Statut: string(d.Statut), Lignes: len(d.Lignes), Acceptees: len(demandes),
	})
}

// depotColumns are the columns scanDepot reads.
const depotColumns = `id, fournisseur_id, type, numero_ans, logiciel, nom_fichier, recu, date_depot, ordinal,
	json_sha256, json_taille, zip_sha256, zip_taille, retour_sha256, retour_taille, statut,
	motif_code, motif_balise, motif_valeur, motif_p1, motif_p2, motif_offset, motif_ligne, motif_colonne, imp_id`

// scanDepot reads depotColumns, then the columns of more.
func scanDepot(s scanner, more ...any) (segur.Depot, error) {
	var (
		d                            segur.Depot
		date                         string
		ordinal                      sql.NullInt64
		zipSHA, retourSHA            sql.NullString
		zipTaille, retourTaille      sql.NullInt64
		code, balise, valeur, p1, p2 sql.NullString
		offset, ligne, colonne       sql.NullInt64
	)
	dest := append([]any{&d.ID, &d.FournisseurID, &d.Type, &d.NumeroAns, &d.Logiciel, &d.NomFichier, &d.Recu, &date, &ordinal,
		&d.JSON.SHA256, &d.JSON.Taille, &zipSHA, &zipTaille, &retourSHA, &retourTaille, &d.Statut,
		&code, &balise, &valeur, &p1, &p2, &offset, &ligne, &colonne, &d.ImpID}, more...)
	if err := s.Scan(dest...); err != nil {
		return d, err
	}
	d.Recu = d.Recu.UTC()
	var err error
	if d.Date, err = parseJour(date); err != nil {
		return d, err
	}
	d.Ordinal = int(ordinal.Int64)
	d.Zip = segur.BlobRef{SHA256: zipSHA.String, Taille: zipTaille.Int64}
	d.Retour = segur.BlobRef{SHA256: retourSHA.String, Taille: retourTaille.Int64}
	if code.Valid {
		// The label is rebuilt from what fills it, as when it was stored.
		d.Motif = &hop.Erreur{Code: code.String, Balise: balise.String, Valeur: valeur.String, P1: p1.String, P2: p2.String,
			Offset: int(offset.Int64), Ligne: int(ligne.Int64), Colonne: int(colonne.Int64)}
	}
	return d, nil
}

// FindDepotByID returns deposit id with its lines, or an ENOTFOUND.
func (db *DB) FindDepotByID(ctx context.Context, id segur.DepotID) (*segur.Depot, error) {
	d, err := scanDepot(db.r.QueryRowContext(ctx, `SELECT `+depotColumns+` FROM depots WHERE id = $1`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "dépôt %d introuvable", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find depot %d: %w", id, err)
	}
	// The lines were written with the deposit, in its transaction, and
	// never change: a second statement reads them consistently.
	// The rejected requests' lines, and the accepted ones from their rows.
	lignes, err := queryAll(ctx, db.r, scanLigne, "depot_lignes",
		`SELECT num_ligne, numero_editeur, code, libelle, numero_asp FROM depot_lignes WHERE depot_id = $1
		UNION ALL
		SELECT num_ligne, numero_editeur, CAST($2 AS TEXT), CAST($3 AS TEXT), numero_asp FROM demandes WHERE depot_id = $1
		ORDER BY 1`, int64(id), hop.CodeAcceptee, hop.LibelleAcceptee)
	if err != nil {
		return nil, err
	}
	if len(lignes) > 0 {
		d.Lignes = lignes
	}
	return &d, nil
}

// scanLigne reads the columns num_ligne, numero_editeur, code, libelle, numero_asp.
func scanLigne(s scanner) (segur.LigneDepot, error) {
	var (
		l   segur.LigneDepot
		asp sql.NullString
	)
	err := s.Scan(&l.NumLigne, &l.NumeroEditeur, &l.Code, &l.Libelle, &asp)
	l.NumeroASP = asp.String
	return l, err
}

// FindDepots returns vendor f's deposits, newest first, without their
// lines, and how many there are in all. limit <= 0 means no limit.
func (db *DB) FindDepots(ctx context.Context, f segur.FournisseurID, limit, offset int) ([]segur.Depot, int, error) {
	return queryPage(ctx, db, scanDepot, "depots",
		`SELECT `+depotColumns+`, count(*) OVER () FROM depots WHERE fournisseur_id = $1 ORDER BY id DESC`,
		`SELECT count(*) FROM depots WHERE fournisseur_id = $1`,
		limit, offset, int64(f))
}

// demandeColumns are the columns scanDemande reads.
const demandeColumns = `id, numero_asp, depot_id, fournisseur_id, numero_ans, logiciel, statut, cree_le,
	num_ligne, numero_editeur, date_commande, regime_tva, montant_ht_cents, donnees,
	COALESCE(agent, ''), COALESCE(montant_finance_cents, 0), COALESCE(calcul, ''),
	COALESCE(solde_a_payer_cents, 0), COALESCE(solde_a_recouvrer_cents, 0)`

// scanDemande reads demandeColumns, then the columns of more.
func scanDemande(s scanner, more ...any) (segur.Demande, error) {
	var (
		d             segur.Demande
		date, donnees string
	)
	dest := append([]any{&d.ID, &d.NumeroASP, &d.DepotID, &d.FournisseurID, &d.NumeroAns, &d.Logiciel, &d.Statut, &d.CreeLe,
		&d.NumLigne, &d.NumeroEditeur, &date, &d.RegimeTVA, &d.MontantHTCents, &donnees,
		&d.Agent, &d.MontantFinance, &d.Calcul, &d.SoldeAPayer, &d.ARecouvrer}, more...)
	if err := s.Scan(dest...); err != nil {
		return d, err
	}
	d.CreeLe = d.CreeLe.UTC()
	var err error
	if d.DateCommande, err = parseJour(date); err != nil {
		return d, err
	}
	if err := unmarshalDonnees(donnees, &d.DonneesDemande); err != nil {
		return d, fmt.Errorf("demande %s: %w", d.NumeroASP, err)
	}
	return d, nil
}

// FindDemandes returns the accepted requests filter selects, by ASP
// number, and how many there are in all. A zero field of the filter
// selects every value; NumeroEditeur is compared case-insensitively;
// Limit <= 0 means no limit.
func (db *DB) FindDemandes(ctx context.Context, filter segur.DemandeFilter) ([]segur.Demande, int, error) {
	w, args := whereDemandes(filter)
	return queryPage(ctx, db, scanDemande, "demandes",
		`SELECT `+demandeColumns+`, count(*) OVER () FROM demandes`+w+` ORDER BY `+ordreDemandes(filter.Tri),
		`SELECT count(*) FROM demandes`+w,
		filter.Limit, filter.Offset, args...)
}

// whereDemandes is the WHERE clause of a filter, with its arguments.
func whereDemandes(filter segur.DemandeFilter) (string, []any) {
	var w conditions
	if filter.FournisseurID != 0 {
		w.add("fournisseur_id = ?", int64(filter.FournisseurID))
	}
	if filter.NumeroASP != "" {
		w.add("numero_asp = ?", filter.NumeroASP)
	}
	if filter.NumeroEditeur != "" {
		// upper on both sides: the database's own case folding, which the
		// index demandes_numero_editeur holds.
		w.add("upper(numero_editeur) = upper(?)", filter.NumeroEditeur)
	}
	if filter.Statut != "" {
		w.add("statut = ?", string(filter.Statut))
	}
	if filter.NumeroAns != "" {
		w.add("numero_ans = ?", filter.NumeroAns)
	}
	if filter.Logiciel != "" {
		w.add("logiciel = ?", string(filter.Logiciel))
	}
	if filter.MontantMin > 0 {
		w.add("montant_ht_cents >= ?", filter.MontantMin)
	}
	if filter.MontantMax > 0 {
		w.add("montant_ht_cents <= ?", filter.MontantMax)
	}
	if !filter.DeposeApres.IsZero() {
		w.add("cree_le >= ?", filter.DeposeApres.UTC())
	}
	if !filter.DeposeAvant.IsZero() {
		w.add("cree_le < ?", filter.DeposeAvant.UTC())
	}
	if filter.Agent != "" {
		w.add("agent = ?", filter.Agent)
	}
	return w.clause(), w.args
}

// ordreDemandes is the ORDER BY of a segur.TriDemandes key, numero_asp for
// anything else: the SQL comes from this list only, never from the key.
func ordreDemandes(tri string) string {
	col := map[string]string{"numeroASP": "numero_asp", "numeroEditeur": "upper(numero_editeur)",
		"montant": "montant_ht_cents", "date": "cree_le"}
	desc := strings.HasPrefix(tri, "-")
	c, ok := col[strings.TrimPrefix(tri, "-")]
	if !ok {
		return "numero_asp"
	}
	if desc {
		return c + " DESC, numero_asp DESC"
	}
	return c + ", numero_asp"
}

// FindDemandeByASP returns the accepted request of ASP number numeroASP, or
// an ENOTFOUND.
func (db *DB) FindDemandeByASP(ctx context.Context, numeroASP string) (*segur.Demande, error) {
	d, err := scanDemande(db.r.QueryRowContext(ctx, `SELECT `+demandeColumns+` FROM demandes WHERE numero_asp = $1`, numeroASP))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "demande %s introuvable", numeroASP)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find demande %s: %w", numeroASP, err)
	}
	return &d, nil
}

// FindNumerosEditeur returns every numeroEditeur vendor f used, as written,
// in the order of use.
func (db *DB) FindNumerosEditeur(ctx context.Context, f segur.FournisseurID) ([]string, error) {
	return queryAll(ctx, db.r, func(s scanner) (string, error) {
		var n string
		err := s.Scan(&n)
		return n, err
	}, "numeros_editeur", `SELECT numero FROM numeros_editeur WHERE fournisseur_id = $1 ORDER BY id`, int64(f))
}

// queryPage runs query, whose last column is the count of every row it
// selects (count(*) OVER ()), with args then LIMIT and OFFSET, and returns
// one page and that count, in one statement. A page past the end has no
// row to carry the count: count, with args, gives it.
func queryPage[T any](ctx context.Context, db *DB, scan func(s scanner, more ...any) (T, error), what, query, count string, limit, offset int, args ...any) ([]T, int, error) {
	if limit <= 0 {
		limit = math.MaxInt32
	}
	offset = max(offset, 0)
	n := len(args)
	rows, err := db.r.QueryContext(ctx, fmt.Sprintf("%s LIMIT $%d OFFSET $%d", query, n+1, n+2), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: find %s: %w", what, err)
	}
	defer rows.Close()
	out, total := []T{}, 0
	for rows.Next() {
		v, err := scan(rows, &total)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlstore: find %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlstore: find %s: %w", what, err)
	}
	if len(out) == 0 && offset > 0 {
		if err := db.r.QueryRowContext(ctx, count, args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("sqlstore: count %s: %w", what, err)
		}
	}
	return out, total, nil
}

// donneesJSON is the column demandes.donnees: what DonneesDemande holds
// beyond its own columns. Its keys are the store's, apart from the
// domain's field names, so that renaming a field does not change what
// is stored.
type donneesJSON struct {
	Mandataire          *contactJSON `json:"mandataire,omitempty"`
	Clients             []clientJSON `json:"clients,omitempty"`
	Pieces              []pieceJSON  `json:"pieces,omitempty"`
	Scenario            []string     `json:"scenario,omitempty"`
	OperateurMessagerie string       `json:"operateurMessagerie,omitempty"`
}

type contactJSON struct {
	Nom       string `json:"nom"`
	Email     string `json:"email"`
	Telephone string `json:"telephone"`
}

type clientJSON struct {
	Nom        string `json:"nom"`
	Email      string `json:"email"`
	Telephone  string `json:"telephone"`
	FINESSPMSI string `json:"finessPMSI"`
}

type pieceJSON struct {
	NomFichier string `json:"nomFichier"`
	Format     string `json:"format"`
	Type       string `json:"type"`
}

// marshalDonnees writes the column donnees of d. Empty lists are left out
// and read back nil.
func marshalDonnees(d *hop.DonneesDemande) (string, error) {
	j := donneesJSON{Scenario: d.Scenario, OperateurMessagerie: d.OperateurMessagerie}
	if m := d.Mandataire; m != nil {
		j.Mandataire = &contactJSON{m.Nom, m.Email, m.Telephone}
	}
	for _, c := range d.Clients {
		j.Clients = append(j.Clients, clientJSON{c.Nom, c.Email, c.Telephone, c.FINESSPMSI})
	}
	for _, p := range d.Pieces {
		j.Pieces = append(j.Pieces, pieceJSON{p.NomFichier, p.Format, p.Type})
	}
	b, err := json.Marshal(j)
	return string(b), err
}

// unmarshalDonnees reads the column donnees into d.
func unmarshalDonnees(s string, d *hop.DonneesDemande) error {
	var j donneesJSON
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return fmt.Errorf("donnees: %w", err)
	}
	d.Scenario, d.OperateurMessagerie = j.Scenario, j.OperateurMessagerie
	if m := j.Mandataire; m != nil {
		d.Mandataire = &hop.Contact{Nom: m.Nom, Email: m.Email, Telephone: m.Telephone}
	}
	for _, c := range j.Clients {
		d.Clients = append(d.Clients, hop.Client{Contact: hop.Contact{Nom: c.Nom, Email: c.Email, Telephone: c.Telephone}, FINESSPMSI: c.FINESSPMSI})
	}
	for _, p := range j.Pieces {
		d.Pieces = append(d.Pieces, hop.Piece{NomFichier: p.NomFichier, Format: p.Format, Type: p.Type})
	}
	return nil
}

// motif is the columns motif_* of a deposit: all NULL for a processed one.
type motif struct {
	code, libelle, balise, valeur, p1, p2, offset, ligne, colonne any
}

// motifOf returns the columns of e, the fault of a rejected deposit. The
// label is stored for whoever reads the table; the store rebuilds it from
// the other columns with e.Libelle, so it reads back the same.
func motifOf(e *hop.Erreur) motif {
	if e == nil {
		return motif{}
	}
	return motif{e.Code, e.Libelle(), e.Balise, e.Valeur, e.P1, e.P2, e.Offset, e.Ligne, e.Colonne}
}

// blobRef returns the columns of a stored file: NULL, NULL for none.
func blobRef(b segur.BlobRef) (sha, taille any) {
	if b.SHA256 == "" {
		return nil, nil
	}
	return b.SHA256, b.Taille
}

// cle is numero as compared: upper-cased.
func cle(numero string) string { return strings.ToUpper(numero) }

// jour writes a business date as stored: AAAA-MM-JJ.
func jour(d hop.Date) string { return fmt.Sprintf("%04d-%02d-%02d", d.Annee, d.Mois, d.Jour) }

// parseJour reads a date written by jour.
func parseJour(s string) (hop.Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return hop.Date{}, fmt.Errorf("date %q: want AAAA-MM-JJ", s)
	}
	a, err1 := strconv.Atoi(s[0:4])
	m, err2 := strconv.Atoi(s[5:7])
	j, err3 := strconv.Atoi(s[8:10])
	if err := errors.Join(err1, err2, err3); err != nil {
		return hop.Date{}, fmt.Errorf("date %q: want AAAA-MM-JJ: %w", s, err)
	}
	return hop.Date{Annee: a, Mois: m, Jour: j}, nil
}
