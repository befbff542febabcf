package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// AppliquerDemarche applies a démarche to the request of ASP number asp, in
// one transaction: the request is read and locked, moved by the domain's
// state machine (segur.Demande.Appliquer, the only way a status changes),
// and the change is written with what follows from it (s: the amount
// financed, the document issued, the attachment sent, the mail to the
// vendor), its history and audit rows. If the request is no longer in
// s.Attendu (another agent acted meanwhile), nothing is written: ECONFLICT.
func (db *DB) AppliquerDemarche(ctx context.Context, asp string, m segur.Demarche, prog segur.Programme, s segur.Suites) (segur.Changement, error) {
	var c segur.Changement
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = db.appliquer(ctx, tx, asp, m, prog, s)
		return err
	})
	return c, err
}

// appliquer is AppliquerDemarche inside the caller's transaction: a batch
// of payments marks its requests paid in the transaction that records it.
func (db *DB) appliquer(ctx context.Context, tx *sql.Tx, asp string, m segur.Demarche, prog segur.Programme, s segur.Suites) (segur.Changement, error) {
	var c segur.Changement
	lock := ""
	if db.dialect == dialectPostgres {
		lock = " FOR UPDATE"
	}
	var (
		id              int64
		statut, donnees string
	)
	err := tx.QueryRowContext(ctx, `SELECT id, statut, donnees FROM demandes WHERE numero_asp = $1`+lock, asp).Scan(&id, &statut, &donnees)
	if errors.Is(err, sql.ErrNoRows) {
		return c, segur.Errorf(segur.ENOTFOUND, "demande %s introuvable", asp)
	}
	if err != nil {
		return c, fmt.Errorf("sqlstore: demande %s: %w", asp, err)
	}
	if s.Attendu != "" && segur.StatutDemande(statut) != s.Attendu {
		return c, segur.Errorf(segur.ECONFLICT, "la demande %s est passée au statut « %s » entre-temps : rien n'a été fait ; rechargez la page", asp, statut)
	}
	d := &segur.Demande{Statut: segur.StatutDemande(statut)}
	if c, err = d.Appliquer(m, db.clock(), prog); err != nil {
		return c, err
	}
	if m.Action == segur.ActionReverser {
		// A payment waiting in a batch would leave that batch unpayable:
		// the recovery waits for it to be paid (or the draft cancelled).
		var lot int64
		err := tx.QueryRowContext(ctx, `SELECT l.id FROM paiements p JOIN lots_paiement l ON l.id = p.lot_id
			WHERE p.demande_id = $1 AND NOT p.annule AND l.etat IN ('brouillon', 'approuve') ORDER BY l.id LIMIT 1`, id).Scan(&lot)
		switch {
		case err == nil:
			return c, segur.Errorf(segur.ECONFLICT, "reversement impossible pour l'instant : un paiement de la demande %s attend dans le lot %s ; ordonnez le reversement une fois ce lot payé (ou annulé s'il est en préparation)",
				asp, segur.FormatLot(segur.LotID(lot)))
		case !errors.Is(err, sql.ErrNoRows):
			return c, fmt.Errorf("sqlstore: paiements de %s: %w", asp, err)
		}
	}
	c.Adresse, c.Document = s.Adresse, s.Vise
	var mf any
	if m.Action == segur.ActionValider {
		mf = m.MontantFinance
	}
	var agent any
	if m.Action == segur.ActionPrendre {
		agent = m.Login
	}
	if _, err := tx.ExecContext(ctx, `UPDATE demandes SET statut = $1, agent = COALESCE($2, agent),
		montant_finance_cents = COALESCE($3, montant_finance_cents), calcul = COALESCE($4, calcul) WHERE id = $5`,
		string(c.Vers), agent, mf, nullString(s.Calcul), id); err != nil {
		return c, fmt.Errorf("sqlstore: demande %s: %w", asp, err)
	}
	if m.Action == segur.ActionValiderSolde {
		if _, err := tx.ExecContext(ctx, `UPDATE demandes SET solde_a_payer_cents = $1, solde_a_recouvrer_cents = $2 WHERE id = $3`,
			m.SoldeAPayer, m.ARecouvrer, id); err != nil {
			return c, fmt.Errorf("sqlstore: solde de %s: %w", asp, err)
		}
	}
	if doc := s.Document; doc != nil {
		c.Document = doc.Fichier.SHA256
		_, err := tx.ExecContext(ctx, `INSERT INTO documents (demande_id, type, reference, sha256, taille, cree_le, par) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			id, string(doc.Type), doc.Reference, doc.Fichier.SHA256, doc.Fichier.Taille, c.Quand, c.Par)
		if violationOf(err) == uniqueViolation {
			return c, segur.Errorf(segur.ECONFLICT, "le document %s existe déjà : la demande a changé entre-temps ; rechargez la page", doc.Reference)
		}
		if err != nil {
			return c, fmt.Errorf("sqlstore: document %s: %w", doc.Reference, err)
		}
	}
	if p := s.Piece; p != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pieces_versions (demande_id, type, nom, format, sha256, taille, depose_le, par) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			id, p.Type, p.Nom, p.Format, p.Fichier.SHA256, p.Fichier.Taille, c.Quand, c.Par); err != nil {
			return c, fmt.Errorf("sqlstore: pièce de %s: %w", asp, err)
		}
	}
	if c.Vers.Finance() && !c.De.Finance() {
		var dd hop.DonneesDemande
		if err := unmarshalDonnees(donnees, &dd); err != nil {
			return c, fmt.Errorf("sqlstore: demande %s: %w", asp, err)
		}
		for _, cl := range dd.Clients {
			if _, err := tx.ExecContext(ctx, `INSERT INTO demande_finess (demande_id, finess) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, cl.FINESSPMSI); err != nil {
				return c, fmt.Errorf("sqlstore: établissements de %s: %w", asp, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO demande_historique (demande_id, quand, par, action, de, vers, raison, adresse, document_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		id, c.Quand, c.Par, string(c.Action), string(c.De), string(c.Vers), c.Raison, c.Adresse, nullString(c.Document)); err != nil {
		return c, fmt.Errorf("sqlstore: historique de %s: %w", asp, err)
	}
	if s.Courriel != nil {
		if err := enfilerCourriel(ctx, tx, c.Quand, s.Courriel); err != nil {
			return c, err
		}
	}
	return c, audit(ctx, tx, c.Quand, "demande."+string(c.Action), "demande:"+asp, map[string]string{
		"de": string(c.De), "vers": string(c.Vers), "raison": c.Raison, "document": c.Document})
}

// FindHistorique returns a request's history, oldest first.
func (db *DB) FindHistorique(ctx context.Context, asp string) ([]segur.Changement, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT h.quand, h.par, h.action, h.de, h.vers, h.raison, h.adresse, COALESCE(h.document_sha256, '') FROM demande_historique h
		JOIN demandes d ON d.id = h.demande_id WHERE d.numero_asp = $1 ORDER BY h.id`, asp)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: historique de %s: %w", asp, err)
	}
	defer rows.Close()
	out := []segur.Changement{}
	for rows.Next() {
		var c segur.Changement
		var action, de, vers string
		if err := rows.Scan(&c.Quand, &c.Par, &action, &de, &vers, &c.Raison, &c.Adresse, &c.Document); err != nil {
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
		err := s.Scan(&d.ID, &t, &d.Reference, &d.Fichier.SHA256, &d.Fichier.Taille, &d.CreeLe, &d.Par)
		d.Type, d.CreeLe = segur.TypeDocument(t), d.CreeLe.UTC()
		return d, err
	}, "documents", `SELECT o.id, o.type, o.reference, o.sha256, o.taille, o.cree_le, o.par FROM documents o
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
// a request holding a financing (segur.StatutsFinances) finances: FINESS →
// the ASP number of the first such request. finess limits the answer to
// these establishments; nil reads them all.
func (db *DB) FindFinancements(ctx context.Context, l hop.Logiciel, finess []string) (map[string]string, error) {
	args := []any{string(l)}
	q := `SELECT f.finess, d.numero_asp FROM demande_finess f JOIN demandes d ON d.id = f.demande_id
		WHERE d.logiciel = $1 AND d.statut IN (` + placeholders(&args, segur.StatutsFinances...) + `)`
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

// CompterStatuts counts the requests filter selects by status (its Statut
// ignored): the tabs of the agents' queue.
func (db *DB) CompterStatuts(ctx context.Context, filter segur.DemandeFilter) (map[segur.StatutDemande]int, error) {
	filter.Statut = ""
	w, args := whereDemandes(filter)
	type pair struct {
		s segur.StatutDemande
		n int
	}
	rows, err := queryAll(ctx, db.r, func(s scanner) (pair, error) {
		var p pair
		return p, s.Scan(&p.s, &p.n)
	}, "statuts", `SELECT statut, count(*) FROM demandes`+w+` GROUP BY statut`, args...)
	if err != nil {
		return nil, err
	}
	out := map[segur.StatutDemande]int{}
	for _, p := range rows {
		out[p.s] = p.n
	}
	return out, nil
}
