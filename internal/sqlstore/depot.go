package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

var (
	_ segur.DepotStore = (*DB)(nil)
	_ segur.DepotTx    = (*depotTx)(nil)
)

// WithDepotTx runs fn in one write transaction holding vendor f's deposit
// lock, and commits when fn returns nil. Otherwise it rolls back and
// returns fn's error unchanged.
//
// On PostgreSQL the transaction is READ COMMITTED and first takes an
// advisory lock on (depotLock, f), held until it ends: one vendor's
// deposits run one after the other, and the unique constraints protect the
// rest (an ordinal, a numeroEditeur, an ASP number). On SQLite every write
// transaction begins IMMEDIATE on the one writer connection: it is already
// exclusive (depotTxOptions, lockFournisseur).
//
// fn must use only tx, never another method of db that writes: on SQLite
// that method would wait for the connection fn holds. fn gets the
// transaction's context, marked: such a write, begun with it, is refused
// at once with an EINTERNAL, on both databases.
func (db *DB) WithDepotTx(ctx context.Context, f segur.FournisseurID, fn func(ctx context.Context, tx segur.DepotTx) error) error {
	ctx, tx, err := db.beginWrite(ctx, db.depotTxOptions())
	if err != nil {
		return err
	}
	defer db.endWrite(tx)
	if err := db.lockFournisseur(ctx, tx, f); err != nil {
		return err
	}
	if err := fn(ctx, &depotTx{txBase{db, tx}}); err != nil {
		return marquerPlein(err)
	}
	if err := db.commitWrite(ctx, tx); err != nil {
		if violationOf(err) == uniqueViolation {
			return segur.Errorf(segur.ECONFLICT, "dépôt non enregistré : un autre dépôt a pris le même numéro au même moment ; déposez à nouveau")
		}
		return marquerPlein(fmt.Errorf("sqlstore: depot: %w", err))
	}
	return nil
}

// depotTx is the transaction of one deposit, for WithDepotTx's fn.
type depotTx struct{ txBase }

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

// FindNumerosEditeurUtilises returns, among numeros, those vendor f already
// used (upper-cased), in one query.
func (t *depotTx) FindNumerosEditeurUtilises(ctx context.Context, f segur.FournisseurID, numeros []string) (map[string]bool, error) {
	used := map[string]bool{}
	if len(numeros) == 0 {
		return used, nil
	}
	cles := make([]string, len(numeros))
	for i, n := range numeros {
		cles[i] = cle(n)
	}
	list, arg, err := t.db.textList(2, "u", cles)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: numeros editeur of fournisseur %d: %w", f, err)
	}
	// CROSS JOIN keeps the list outside, each number probing the unique
	// index: SQLite's planner, which sees no size of the list, would
	// otherwise read every number of the vendor for each. PostgreSQL
	// plans it as the join it is.
	rows, err := t.tx.QueryContext(ctx,
		`SELECT n.numero_cle FROM `+list+` CROSS JOIN numeros_editeur n WHERE n.fournisseur_id = $1 AND n.numero_cle = u.v`, int64(f), arg)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: numeros editeur of fournisseur %d: %w", f, err)
	}
	if err := eachRow(rows, lireCle(used)); err != nil {
		return nil, fmt.Errorf("sqlstore: numeros editeur of fournisseur %d: %w", f, err)
	}
	return used, nil
}

// FindDepotByCle returns vendor f's deposit sent with the Idempotency-Key
// cle: its ID, ImpID and files only.
func (t *depotTx) FindDepotByCle(ctx context.Context, f segur.FournisseurID, cle string) (segur.Depot, bool, error) {
	var (
		d        segur.Depot
		id       int64
		zip, imp sql.NullString
	)
	err := t.tx.QueryRowContext(ctx,
		`SELECT id, imp_id, json_sha256, zip_sha256 FROM depots WHERE fournisseur_id = $1 AND cle_idempotence = $2`,
		int64(f), cle).Scan(&id, &imp, &d.JSON.SHA256, &zip)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("sqlstore: depot of key %q: %w", cle, err)
	}
	d.ID, d.ImpID, d.Zip.SHA256 = segur.DepotID(id), imp.String, zip.String
	return d, true, nil
}

// nullString is NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// FindDepotIdentique returns the first deposit of vendor f that passed control
// 1 with the JSON file of hash jsonSHA and the zip of hash zipSHA ("" for
// none: a deposit without zip matches only a deposit without zip).
func (t *depotTx) FindDepotIdentique(ctx context.Context, f segur.FournisseurID, jsonSHA, zipSHA string) (segur.DepotID, bool, error) {
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

// depotInsert is what CreateDepot writes of a deposit: each column and
// how it takes its value (nil for NULL). One row, the same VALUES on both
// dialects.
var depotInsert = sync.OnceValue(func() []column[segur.Depot] {
	text := func(get func(d *segur.Depot) any) insertValue[segur.Depot] { return as("text", get) }
	integer := func(get func(d *segur.Depot) any) insertValue[segur.Depot] { return as("bigint", get) }
	// motif is a column of the fault of a rejected deposit, NULL for a
	// processed one. The label is stored for whoever reads the table;
	// scanDepot rebuilds it from the other columns with Libelle, so it
	// reads back the same.
	motif := func(get func(e *hop.Erreur) any) func(d *segur.Depot) any {
		return func(d *segur.Depot) any {
			if d.Motif == nil {
				return nil
			}
			return get(d.Motif)
		}
	}
	return []column[segur.Depot]{
		{"fournisseur_id", integer(func(d *segur.Depot) any { return int64(d.FournisseurID) })},
		{"type", text(func(d *segur.Depot) any { return string(d.Type) })},
		{"numero_ans", text(func(d *segur.Depot) any { return d.NumeroAns })},
		{"logiciel", text(func(d *segur.Depot) any { return string(d.Logiciel) })},
		{"nom_fichier", text(func(d *segur.Depot) any { return d.NomFichier })},
		{"recu", as("timestamptz", func(d *segur.Depot) any { return stamp(d.Recu) })},
		{"date_depot", text(func(d *segur.Depot) any { return jour(d.Date) })},
		{"ordinal", integer(func(d *segur.Depot) any { return nullInt(d.Ordinal) })},
		{"json_sha256", text(func(d *segur.Depot) any { return blobSHA(d.JSON) })},
		{"json_taille", integer(func(d *segur.Depot) any { return blobTaille(d.JSON) })},
		{"zip_sha256", text(func(d *segur.Depot) any { return blobSHA(d.Zip) })},
		{"zip_taille", integer(func(d *segur.Depot) any { return blobTaille(d.Zip) })},
		{"retour_sha256", text(func(d *segur.Depot) any { return blobSHA(d.Retour) })},
		{"retour_taille", integer(func(d *segur.Depot) any { return blobTaille(d.Retour) })},
		{"statut", text(func(d *segur.Depot) any { return string(d.Statut) })},
		{"motif_code", text(motif(func(e *hop.Erreur) any { return e.Code }))},
		{"motif_libelle", text(motif(func(e *hop.Erreur) any { return e.Libelle() }))},
		{"motif_balise", text(motif(func(e *hop.Erreur) any { return e.Balise }))},
		{"motif_valeur", text(motif(func(e *hop.Erreur) any { return e.Valeur }))},
		{"motif_p1", text(motif(func(e *hop.Erreur) any { return e.P1 }))},
		{"motif_p2", text(motif(func(e *hop.Erreur) any { return e.P2 }))},
		{"motif_offset", integer(motif(func(e *hop.Erreur) any { return int64(e.Offset) }))},
		{"motif_ligne", integer(motif(func(e *hop.Erreur) any { return int64(e.Ligne) }))},
		{"motif_colonne", integer(motif(func(e *hop.Erreur) any { return int64(e.Colonne) }))},
		{"imp_id", text(func(d *segur.Depot) any { return d.ImpID })},
		{"cle_idempotence", text(func(d *segur.Depot) any { return nullString(d.CleIdempotence) })},
	}
})

// CreateDepot inserts d and sets its ID; d.Recu becomes the time as stored
// (UTC, to the microsecond). An ordinal already taken that day by a
// processed deposit of the same ANS number is an ECONFLICT; an unknown
// vendor an ENOTFOUND.
func (t *depotTx) CreateDepot(ctx context.Context, d *segur.Depot) error {
	var id int64
	err := insertValues(ctx, t.db, t.tx, "depots", depotInsert(), []segur.Depot{*d}, " RETURNING id", func(rows *sql.Rows) error {
		return rows.Scan(&id)
	})
	switch violationOf(err) {
	case uniqueViolation:
		return segur.Errorf(segur.ECONFLICT, "nom du fichier %s : le numéro d'ordre %03d est déjà utilisé le %s pour le numéro ANS %s", d.NomFichier, d.Ordinal, d.Date, d.NumeroAns)
	case foreignKeyViolation:
		return segur.Errorf(segur.ENOTFOUND, "fournisseur n° %d introuvable", d.FournisseurID)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: insert depot %s: %w", d.NomFichier, err)
	}
	d.ID, d.Recu = segur.DepotID(id), stamp(d.Recu)
	return nil
}

// NextASP returns a new value of the ASP sequence, never given before.
func (t *depotTx) NextASP(ctx context.Context) (int64, error) {
	v, err := t.db.nextASPs(ctx, t.tx, 1)
	if err != nil {
		return 0, err
	}
	return v[0], nil
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

// insertRows inserts n rows of width columns, on either dialect, through
// one prepared single-row statement: head is "INSERT INTO t (...) VALUES ",
// tail what follows the values (a RETURNING clause, read by scan, or "");
// row gives row i's values. A batch of rows with a list of columns has
// insertAll.
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

	// A deposit inserts up to 600 rows: one statement a table (insertAll).
	for i := range demandes {
		demandes[i].CreeLe = now
	}
	ids := make(map[string]int64, len(demandes))
	err = insertAll(ctx, t.db, t.tx, "demandes", demandeInsert(), demandes, ` RETURNING numero_asp, id`, func(rows *sql.Rows) error {
		var asp string
		var id int64
		err := rows.Scan(&asp, &id)
		ids[asp] = id
		return err
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
		demandes[i].ID = segur.DemandeID(id)
	}

	// The rejected requests' lines; numero_asp stays NULL.
	depot := func(*segur.LigneDepot) int64 { return int64(d.ID) }
	err = insertAll(ctx, t.db, t.tx, "depot_lignes", []column[segur.LigneDepot]{
		{"depot_id", as("bigint", depot)},
		{"num_ligne", as("integer", func(l *segur.LigneDepot) int64 { return int64(l.NumLigne) })},
		{"numero_editeur", as("text", func(l *segur.LigneDepot) string { return l.NumeroEditeur })},
		{"code", as("text", func(l *segur.LigneDepot) string { return l.Code })},
		{"libelle", as("text", func(l *segur.LigneDepot) string { return l.Libelle })},
	}, lignesRejetees(d.Lignes), ``, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: insert lignes of depot %d: %w", d.ID, err)
	}

	// A number already used stays with its first deposit; an accepted
	// request's number must be new.
	inseres := map[string]bool{}
	err = insertAll(ctx, t.db, t.tx, "numeros_editeur", []column[string]{
		{"fournisseur_id", as("bigint", func(*string) int64 { return int64(d.FournisseurID) })},
		{"numero", as("text", func(n *string) string { return *n })},
		{"numero_cle", as("text", func(n *string) string { return cle(*n) })},
		{"depot_id", as("bigint", func(*string) int64 { return int64(d.ID) })},
	}, numeros, ` ON CONFLICT (fournisseur_id, numero_cle) DO NOTHING RETURNING numero_cle`, lireCle(inseres))
	if err != nil {
		return fmt.Errorf("sqlstore: insert numeros editeur of depot %d: %w", d.ID, err)
	}
	if err := numerosNeufs(demandes, inseres); err != nil {
		return err
	}

	return t.db.audit(ctx, t.tx, now, "depot.deposer", "depot:"+strconv.FormatInt(int64(d.ID), 10), depotDetails{
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

// demandeColumn is one column of table demandes. demandeTable lists them,
// the one list from which the requests' inserts (FinishDepot, on both
// dialects), the select list (demandeSelect) and the scan (scanDemande)
// are built: a new column is one entry there, and its two migrations.
type demandeColumn struct {
	name string
	// read is what a select reads, when not the column itself: a COALESCE
	// for a column that is NULL until a step of the instruction sets it.
	read string
	// insert is how FinishDepot takes the column's value from an accepted
	// request; zero for a column the database fills (id) or a later step
	// sets.
	insert insertValue[segur.Demande]
	// scan is where a read puts the column: a field of d, or a Scanner
	// that converts into one.
	scan func(d *segur.Demande) any
}

// demandeTable is the list of the columns of table demandes, in the order
// a select reads them.
var demandeTable = sync.OnceValue(func() []demandeColumn {
	type D = segur.Demande
	return []demandeColumn{
		{name: "id",
			scan: func(d *D) any { return &d.ID }},
		{name: "numero_asp",
			insert: as("text", func(d *D) string { return d.NumeroASP }),
			scan:   func(d *D) any { return &d.NumeroASP }},
		{name: "depot_id",
			insert: as("bigint", func(d *D) int64 { return int64(d.DepotID) }),
			scan:   func(d *D) any { return &d.DepotID }},
		{name: "fournisseur_id",
			insert: as("bigint", func(d *D) int64 { return int64(d.FournisseurID) }),
			scan:   func(d *D) any { return &d.FournisseurID }},
		{name: "numero_ans",
			insert: as("text", func(d *D) string { return d.NumeroAns }),
			scan:   func(d *D) any { return &d.NumeroAns }},
		{name: "logiciel",
			insert: as("text", func(d *D) string { return string(d.Logiciel) }),
			scan:   func(d *D) any { return &d.Logiciel }},
		{name: "statut",
			insert: as("text", func(d *D) string { return string(d.Statut) }),
			scan:   func(d *D) any { return &d.Statut }},
		{name: "cree_le",
			insert: as("timestamptz", func(d *D) time.Time { return d.CreeLe }),
			scan:   func(d *D) any { return utcTime{&d.CreeLe} }},
		{name: "num_ligne",
			insert: as("integer", func(d *D) int64 { return int64(d.NumLigne) }),
			scan:   func(d *D) any { return &d.NumLigne }},
		{name: "numero_editeur",
			insert: as("text", func(d *D) string { return d.NumeroEditeur }),
			scan:   func(d *D) any { return &d.NumeroEditeur }},
		{name: "date_commande",
			insert: as("text", func(d *D) string { return jour(d.DateCommande) }),
			scan:   func(d *D) any { return jourDest{&d.DateCommande} }},
		{name: "regime_tva",
			insert: as("text", func(d *D) string { return d.RegimeTVA }),
			scan:   func(d *D) any { return &d.RegimeTVA }},
		{name: "montant_ht_cents",
			insert: as("bigint", func(d *D) int64 { return d.MontantHTCents }),
			scan:   func(d *D) any { return &d.MontantHTCents }},
		{name: "donnees",
			insert: asErr("json", func(d *D) (string, error) { return marshalDonnees(&d.DonneesDemande) }),
			scan:   func(d *D) any { return donneesDest{&d.DonneesDemande} }},
		{name: "agent", read: "COALESCE(agent, '')",
			scan: func(d *D) any { return &d.Agent }},
		{name: "montant_finance_cents", read: "COALESCE(montant_finance_cents, 0)",
			scan: func(d *D) any { return &d.MontantFinance }},
		{name: "calcul", read: "COALESCE(calcul, '')",
			scan: func(d *D) any { return &d.Calcul }},
		{name: "solde_a_payer_cents", read: "COALESCE(solde_a_payer_cents, 0)",
			scan: func(d *D) any { return &d.SoldeAPayer }},
		{name: "solde_a_recouvrer_cents", read: "COALESCE(solde_a_recouvrer_cents, 0)",
			scan: func(d *D) any { return &d.ARecouvrer }},
	}
})

// demandeInsert is the columns of demandeTable an accepted request is
// inserted with.
var demandeInsert = sync.OnceValue(func() []column[segur.Demande] {
	var cols []column[segur.Demande]
	for _, c := range demandeTable() {
		if c.insert.value != nil {
			cols = append(cols, column[segur.Demande]{c.name, c.insert})
		}
	}
	return cols
})

// demandeSelect is the select list scanDemande reads.
var demandeSelect = sync.OnceValue(func() string {
	cols := demandeTable()
	reads := make([]string, len(cols))
	for i, c := range cols {
		reads[i] = cmp.Or(c.read, c.name)
	}
	return strings.Join(reads, ", ")
})

// scanDemande reads demandeSelect, then the columns of more.
func scanDemande(s scanner, more ...any) (segur.Demande, error) {
	var d segur.Demande
	cols := demandeTable()
	dest := make([]any, len(cols), len(cols)+len(more))
	for i, c := range cols {
		dest[i] = c.scan(&d)
	}
	err := s.Scan(append(dest, more...)...)
	return d, err
}

// utcTime scans a timestamp into t, in UTC.
type utcTime struct{ t *time.Time }

func (u utcTime) Scan(src any) error {
	t, ok := src.(time.Time)
	if !ok {
		return fmt.Errorf("timestamp: got %T, want a time", src)
	}
	*u.t = t.UTC()
	return nil
}

// jourDest scans a business date written by jour into d.
type jourDest struct{ d *hop.Date }

func (j jourDest) Scan(src any) error {
	s, err := textOf(src)
	if err == nil {
		*j.d, err = parseJour(s)
	}
	return err
}

// donneesDest scans the column donnees into d.
type donneesDest struct{ d *hop.DonneesDemande }

func (j donneesDest) Scan(src any) error {
	s, err := textOf(src)
	if err != nil {
		return err
	}
	return unmarshalDonnees(s, j.d)
}

// textOf is a text column's value, as each driver gives it.
func textOf(src any) (string, error) {
	switch v := src.(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	}
	return "", fmt.Errorf("got %T, want text", src)
}

// FindDemandes returns the accepted requests filter selects, by ASP
// number, and how many there are in all. A zero field of the filter
// selects every value; NumeroEditeur is compared case-insensitively;
// Limit <= 0 means no limit.
func (db *DB) FindDemandes(ctx context.Context, filter segur.DemandeFilter) ([]segur.Demande, int, error) {
	// The count apart, first: count(*) OVER () would have the database
	// read every selected row whole (tens of thousands in a tab of a big
	// programme) before the page's first; alone, it reads an index.
	total, err := db.CountDemandes(ctx, filter)
	if err != nil {
		return nil, 0, err
	}
	ds, err := db.FindPageDemandes(ctx, filter, total)
	return ds, total, err
}

// FindPageDemandes returns the accepted requests filter selects, as
// FindDemandes, when the caller knows how many it selects in all: total.
func (db *DB) FindPageDemandes(ctx context.Context, filter segur.DemandeFilter, total int) ([]segur.Demande, error) {
	limit, offset := filter.Limit, max(filter.Offset, 0)
	if limit <= 0 {
		limit = math.MaxInt32
	}
	if total == 0 || offset >= total {
		return []segur.Demande{}, nil
	}
	w, args := db.whereDemandesPour(filter, true)
	index, err := db.indexPage(ctx, filter, total, offset+min(limit, total))
	if err != nil {
		return nil, err
	}
	// The page's IDs first, then their rows: the sort and the rows skipped
	// by OFFSET stay in an index, and only the page's rows are read whole.
	n, ordre := len(args), ordreDemandes(filter.Tri)
	ds, err := queryAll(ctx, db.r, func(s scanner) (segur.Demande, error) { return scanDemande(s) }, "demandes",
		fmt.Sprintf(`SELECT %s FROM demandes WHERE id IN (SELECT id FROM demandes%s%s ORDER BY %s LIMIT $%d OFFSET $%d) ORDER BY %s`,
			demandeSelect(), index, w, ordre, n+1, n+2, ordre),
		append(args, limit, offset)...)
	return ds, err
}

// EachDemande calls fn on every accepted request filter selects, in its
// order (Limit and Offset ignored), read by one query as the rows come:
// the exports, whose memory stays that of one request. fn's error stops
// the reading and is returned as it is.
func (db *DB) EachDemande(ctx context.Context, filter segur.DemandeFilter, fn func(*segur.Demande) error) error {
	w, args := db.whereDemandesPour(filter, true)
	return eachExport(ctx, db, func(s scanner) (segur.Demande, error) { return scanDemande(s) }, "demandes",
		`SELECT `+demandeSelect()+` FROM demandes`+w+` ORDER BY `+ordreDemandes(filter.Tri), fn, args...)
}

// CountDemandes returns how many accepted requests filter selects (its
// Limit and Offset aside).
func (db *DB) CountDemandes(ctx context.Context, filter segur.DemandeFilter) (int, error) {
	w, args := db.whereDemandes(filter)
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM demandes`+w, args...).Scan(&total); err != nil {
		return 0, fmt.Errorf("sqlstore: count demandes: %w", err)
	}
	return total, nil
}

// whereDemandes is the WHERE clause of a filter, with its arguments.
func (db *DB) whereDemandes(filter segur.DemandeFilter) (string, []any) {
	return db.whereDemandesPour(filter, false)
}

// whereDemandesPour is whereDemandes for a count, or for a page (page
// true), where a condition may be written otherwise (rechercheDemandes).
func (db *DB) whereDemandesPour(filter segur.DemandeFilter, page bool) (string, []any) {
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
	if len(filter.Statuts) > 0 {
		st := make([]string, len(filter.Statuts))
		for i, s := range filter.Statuts {
			st[i] = string(s)
		}
		w.addIn("statut", st)
	}
	if filter.SuiviesPar != "" {
		w.add(db.suiviesPar(), filter.SuiviesPar)
	}
	if mots := segur.MotsRecherche(filter.Recherche); len(mots) > 0 {
		w.add(db.rechercheDemandes(page), db.requeteRecherche(mots))
	}
	if filter.Alerte != "" {
		cond, args := db.alertesDemandes(filter)
		w.addArgs(cond, args...)
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
	d, err := scanDemande(db.r.QueryRowContext(ctx, `SELECT `+demandeSelect()+` FROM demandes WHERE numero_asp = $1`, numeroASP))
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
	if lireDonnees(s, d) {
		return nil
	}
	d.Mandataire, d.Clients, d.Pieces, d.Scenario, d.OperateurMessagerie = nil, nil, nil, nil, ""
	return decoderDonnees(s, d)
}

// decoderDonnees reads the column donnees into d with encoding/json.
func decoderDonnees(s string, d *hop.DonneesDemande) error {
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

// blobRef returns the columns of a stored file: NULL, NULL for none.
func blobRef(b segur.BlobRef) (sha, taille any) {
	if b.SHA256 == "" {
		return nil, nil
	}
	return b.SHA256, b.Taille
}

// blobSHA and blobTaille are the columns of a stored file (blobRef).
func blobSHA(b segur.BlobRef) any    { sha, _ := blobRef(b); return sha }
func blobTaille(b segur.BlobRef) any { _, taille := blobRef(b); return taille }

// nullInt is NULL for 0.
func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return int64(n)
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
