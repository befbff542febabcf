package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// Write runs fn in one write transaction, committed if fn returns nil: the
// domain's use cases (segur.AppliquerDemarche, the batches' and the
// controls' steps) read and write through tx, and their rules stay theirs.
// fn gets the transaction's context: a write of the store called with it,
// nested, is refused rather than left to wait for its own transaction.
func (db *DB) Write(ctx context.Context, fn func(ctx context.Context, tx segur.Tx) error) error {
	return db.writeCtx(ctx, func(ctx context.Context, tx *sql.Tx) error { return fn(ctx, &ecriture{txBase{db, tx}}) })
}

// txBase is a write transaction, the store and its *sql.Tx: it carries the
// primitives every kind of transaction offers (segur.DemarcheTx).
type txBase struct {
	db *DB
	tx *sql.Tx
}

// ecriture is a write transaction of Write: segur.Tx's primitives.
type ecriture struct{ txBase }

var _ segur.Tx = (*ecriture)(nil)

// Maintenant is the store's clock.
func (t *txBase) Maintenant() time.Time { return t.db.clock() }

// LockDemande reads the request of ASP number asp and locks its row.
func (t *txBase) LockDemande(ctx context.Context, asp string) (*segur.Demande, error) {
	return lockDemande(ctx, t.db, t.tx, asp)
}

// FindLotEnAttente returns the first unpaid batch that holds a payment of
// request id.
func (t *txBase) FindLotEnAttente(ctx context.Context, id segur.DemandeID) (segur.LotID, bool, error) {
	return lotEnAttente(ctx, t.tx, id)
}

// CreateChangement writes change c of request d.
func (t *txBase) CreateChangement(ctx context.Context, d *segur.Demande, c segur.Changement, w segur.Ecriture) error {
	return t.db.createChangement(ctx, t.tx, d, c, w)
}

// lockDemande reads the request of ASP number asp in tx, its row locked
// until tx ends (on SQLite, the write transaction holds the database).
func lockDemande(ctx context.Context, db *DB, tx *sql.Tx, asp string) (*segur.Demande, error) {
	d, err := scanDemande(tx.QueryRowContext(ctx, `SELECT `+demandeSelect()+` FROM demandes WHERE numero_asp = $1`+db.forUpdate(), asp))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "demande %s introuvable", asp)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: demande %s: %w", asp, err)
	}
	return &d, nil
}

func lotEnAttente(ctx context.Context, tx *sql.Tx, id segur.DemandeID) (segur.LotID, bool, error) {
	var lot int64
	err := tx.QueryRowContext(ctx, `SELECT l.id FROM paiements p JOIN lots_paiement l ON l.id = p.lot_id
		WHERE p.demande_id = $1 AND NOT p.annule AND l.etat IN ($2, $3) ORDER BY l.id LIMIT 1`,
		int64(id), string(segur.LotBrouillon), string(segur.LotApprouve)).Scan(&lot)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, false, nil
	case err != nil:
		return 0, false, fmt.Errorf("sqlstore: paiements de la demande %d: %w", id, err)
	}
	return segur.LotID(lot), true, nil
}

// createChangement writes change c of request d with w, in tx: its status
// and what w records, the document (ECONFLICT if its reference exists: the
// request changed meanwhile), the attachment, the establishments financed,
// the history row, the mail and the audit event.
func (db *DB) createChangement(ctx context.Context, tx *sql.Tx, d *segur.Demande, c segur.Changement, w segur.Ecriture) error {
	asp, id := d.NumeroASP, int64(d.ID)
	var agent, mf, calcul, payer, recouvrer any
	if w.Agent != "" {
		agent = w.Agent
	}
	if w.Financement {
		mf, calcul = w.MontantFinance, w.Calcul
	}
	if w.Solde {
		payer, recouvrer = w.SoldeAPayer, w.ARecouvrer
	}
	if _, err := tx.ExecContext(ctx, `UPDATE demandes SET statut = $1, agent = COALESCE($2, agent),
		montant_finance_cents = COALESCE($3, montant_finance_cents), calcul = COALESCE($4, calcul),
		solde_a_payer_cents = COALESCE($5, solde_a_payer_cents), solde_a_recouvrer_cents = COALESCE($6, solde_a_recouvrer_cents) WHERE id = $7`,
		string(c.Vers), agent, mf, calcul, payer, recouvrer, id); err != nil {
		return fmt.Errorf("sqlstore: demande %s: %w", asp, err)
	}
	if doc := w.Document; doc != nil {
		_, err := tx.ExecContext(ctx, `INSERT INTO documents (demande_id, type, reference, sha256, taille, cree_le, par, html_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			id, string(doc.Type), doc.Reference, doc.Fichier.SHA256, doc.Fichier.Taille, c.Quand, c.Par, nullString(doc.HTML))
		if violationOf(err) == uniqueViolation {
			return segur.Errorf(segur.ECONFLICT, "le document %s existe déjà : la demande a changé entre-temps ; rechargez la page", doc.Reference)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: document %s: %w", doc.Reference, err)
		}
	}
	if p := w.Piece; p != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pieces_versions (demande_id, type, nom, format, sha256, taille, depose_le, par) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			id, p.Type, p.Nom, p.Format, p.Fichier.SHA256, p.Fichier.Taille, c.Quand, c.Par); err != nil {
			return fmt.Errorf("sqlstore: pièce de %s: %w", asp, err)
		}
	}
	for _, f := range w.Finances {
		if _, err := tx.ExecContext(ctx, `INSERT INTO demande_finess (demande_id, finess) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, f); err != nil {
			return fmt.Errorf("sqlstore: établissements de %s: %w", asp, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO demande_historique (demande_id, quand, par, action, de, vers, raison, adresse, document_sha256, document_html_sha256)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		id, c.Quand, c.Par, string(c.Action), string(c.De), string(c.Vers), c.Raison, c.Adresse, nullString(c.Document), nullString(c.DocumentHTML)); err != nil {
		return fmt.Errorf("sqlstore: historique de %s: %w", asp, err)
	}
	if w.Courriel != nil {
		if err := db.enfilerCourriel(ctx, tx, c.Quand, w.Courriel); err != nil {
			return err
		}
	}
	detail := map[string]string{"de": string(c.De), "vers": string(c.Vers), "raison": c.Raison, "document": c.Document}
	if c.DocumentHTML != "" {
		detail["document_html"] = c.DocumentHTML
	}
	return db.audit(ctx, tx, c.Quand, "demande."+string(c.Action), "demande:"+asp, detail)
}

// FindHistorique returns a request's history, oldest first.
func (db *DB) FindHistorique(ctx context.Context, asp string) ([]segur.Changement, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT h.quand, h.par, h.action, h.de, h.vers, h.raison, h.adresse, COALESCE(h.document_sha256, ''),
		COALESCE(h.document_html_sha256, '') FROM demande_historique h
		JOIN demandes d ON d.id = h.demande_id WHERE d.numero_asp = $1 ORDER BY h.id`, asp)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: historique de %s: %w", asp, err)
	}
	defer rows.Close()
	out := []segur.Changement{}
	for rows.Next() {
		var c segur.Changement
		var action, de, vers string
		if err := rows.Scan(&c.Quand, &c.Par, &action, &de, &vers, &c.Raison, &c.Adresse, &c.Document, &c.DocumentHTML); err != nil {
			return nil, fmt.Errorf("sqlstore: historique de %s: %w", asp, err)
		}
		c.Quand = c.Quand.UTC()
		c.Action, c.De, c.Vers = segur.Action(action), segur.StatutDemande(de), segur.StatutDemande(vers)
		out = append(out, c)
	}
	return out, rows.Err()
}

// FindDocuments returns the documents issued on a request, oldest first.
func (db *DB) FindDocuments(ctx context.Context, asp string) ([]segur.Document, error) {
	return queryAll(ctx, db.r, func(s scanner) (segur.Document, error) {
		var d segur.Document
		var t string
		err := s.Scan(&d.ID, &t, &d.Reference, &d.Fichier.SHA256, &d.Fichier.Taille, &d.CreeLe, &d.Par, &d.HTML)
		d.Type, d.CreeLe = segur.TypeDocument(t), d.CreeLe.UTC()
		return d, err
	}, "documents", `SELECT o.id, o.type, o.reference, o.sha256, o.taille, o.cree_le, o.par, COALESCE(o.html_sha256, '') FROM documents o
		JOIN demandes d ON d.id = o.demande_id WHERE d.numero_asp = $1 ORDER BY o.id`, asp)
}

// FindPiecesVersions returns the attachments a vendor sent after the
// deposit of a request, oldest first.
func (db *DB) FindPiecesVersions(ctx context.Context, asp string) ([]segur.PieceVersion, error) {
	return queryAll(ctx, db.r, func(s scanner) (segur.PieceVersion, error) {
		var p segur.PieceVersion
		err := s.Scan(&p.ID, &p.Type, &p.Nom, &p.Format, &p.Fichier.SHA256, &p.Fichier.Taille, &p.DeposeLe, &p.Par)
		p.DeposeLe = p.DeposeLe.UTC()
		return p, err
	}, "pièces", `SELECT p.id, p.type, p.nom, p.format, p.sha256, p.taille, p.depose_le, p.par FROM pieces_versions p
		JOIN demandes d ON d.id = p.demande_id WHERE d.numero_asp = $1 ORDER BY p.id`, asp)
}

// FindFinancements returns, for software type l, the establishments that
// a request holding a financing (InfoStatut.Finance) finances: FINESS →
// the ASP number of the first such request. finess limits the answer to
// these establishments; nil reads them all.
func (db *DB) FindFinancements(ctx context.Context, l hop.Logiciel, finess []string) (map[string]string, error) {
	args := []any{string(l)}
	// CROSS JOIN keeps SQLite's planner on the FINESS index: with a long
	// list, it would rather walk every financed request of the status
	// index (seconds at 100 000 requests). PostgreSQL plans it as a join.
	q := `SELECT f.finess, d.numero_asp FROM demande_finess f CROSS JOIN demandes d
		WHERE d.id = f.demande_id AND d.logiciel = $1 AND d.statut IN (` + placeholders(&args, segur.Statuts(func(i segur.InfoStatut) bool { return i.Finance })...) + `)`
	if finess != nil {
		if len(finess) == 0 {
			return map[string]string{}, nil
		}
		q += ` AND f.finess IN (` + placeholders(&args, finess...) + `)`
	}
	type pair struct{ finess, asp string }
	rows, err := queryAll(ctx, db.r, func(s scanner) (pair, error) {
		var p pair
		return p, s.Scan(&p.finess, &p.asp)
	}, "financements", q+` ORDER BY d.numero_asp`, args...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, p := range rows {
		if _, ok := out[p.finess]; !ok {
			out[p.finess] = p.asp
		}
	}
	return out, nil
}

// CountFile counts the requests filter selects by status, its statuses
// and followed requests aside (Statut, Statuts, SuiviesPar), and by status
// those among them agent login follows or is assigned (« Suivies par
// moi »): every count of the agents' queue. Two readings of an index each
// (demandes_statut_date, demandes_agent): one reading with a FILTER on
// the followed would have SQLite read every row whole (140 ms at 100 000
// requests).
func (db *DB) CountFile(ctx context.Context, filter segur.DemandeFilter, login string) (tous, suivies map[segur.StatutDemande]int, err error) {
	filter.Statut, filter.Statuts, filter.SuiviesPar = "", nil, ""
	if tous, err = db.CountStatuts(ctx, filter); err != nil {
		return nil, nil, err
	}
	if db.dialect == dialectPostgres {
		suivies, err = db.countSuivies(ctx, filter, login)
		return tous, suivies, err
	}
	filter.SuiviesPar = login
	if suivies, err = db.CountStatuts(ctx, filter); err != nil {
		return nil, nil, err
	}
	return tous, suivies, nil
}

// countSuivies counts by status, on PostgreSQL, the requests filter
// selects that agent login is assigned or follows: those assigned, read
// from the index demandes_agent alone, plus those followed and not
// assigned to him. « agent = … OR id = ANY (…) » had PostgreSQL read every
// row of the assigned ones (an instructor of 10 000 requests: 150 ms on
// every page of the queue, against 12).
func (db *DB) countSuivies(ctx context.Context, filter segur.DemandeFilter, login string) (map[segur.StatutDemande]int, error) {
	filter.Statut, filter.Statuts, filter.SuiviesPar = "", nil, ""
	w, args := db.whereDemandes(filter)
	et := func(cond string) string {
		if w == "" {
			return " WHERE " + cond
		}
		return w + " AND " + cond
	}
	l := "$" + strconv.Itoa(len(args)+1)
	return db.compterStatuts(ctx, "suivies", `SELECT statut, count(*) FROM (
		SELECT statut FROM demandes`+et("agent = "+l)+`
		UNION ALL
		SELECT statut FROM demandes`+et("id = ANY (ARRAY(SELECT demande_id FROM demandes_suivies WHERE login = "+l+")) AND agent IS DISTINCT FROM "+l)+`
	) s GROUP BY statut`, append(args, login)...)
}

// compterStatuts runs query, whose rows are a status and a count, into a
// map.
func (db *DB) compterStatuts(ctx context.Context, what, query string, args ...any) (map[segur.StatutDemande]int, error) {
	type pair struct {
		s segur.StatutDemande
		n int
	}
	rows, err := queryAll(ctx, db.r, func(s scanner) (pair, error) {
		var p pair
		return p, s.Scan(&p.s, &p.n)
	}, what, query, args...)
	if err != nil {
		return nil, err
	}
	out := map[segur.StatutDemande]int{}
	for _, p := range rows {
		out[p.s] = p.n
	}
	return out, nil
}

// CountRecherche returns how many requests the queue's search recherche
// matches, counting no further than plafond+1: the index alone, whatever
// the search (a word beginning every ASP number reads 100 000 entries in
// about 16 ms, where counting and sorting the requests themselves takes a
// second). 0 for a search of no word.
func (db *DB) CountRecherche(ctx context.Context, recherche string, plafond int) (int, error) {
	mots := segur.MotsRecherche(recherche)
	if len(mots) == 0 {
		return 0, nil
	}
	cond := "demandes_recherche MATCH $1"
	if db.dialect == dialectPostgres {
		cond = "document @@ to_tsquery('simple', $1)"
	}
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM demandes_recherche WHERE `+cond+` LIMIT $2) AS r`,
		db.requeteRecherche(mots), plafond+1).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: count recherche: %w", err)
	}
	return n, nil
}

// CountStatuts counts the requests filter selects by status (its Statut
// ignored): the tabs of the agents' queue.
func (db *DB) CountStatuts(ctx context.Context, filter segur.DemandeFilter) (map[segur.StatutDemande]int, error) {
	filter.Statut, filter.Statuts = "", nil
	w, args := db.whereDemandes(filter)
	return db.compterStatuts(ctx, "statuts", `SELECT statut, count(*) FROM demandes`+w+` GROUP BY statut`, args...)
}
