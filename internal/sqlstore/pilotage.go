package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// FindPilotage returns the agency's dashboard: one aggregate query per
// block (status, software type, deposit date, result codes, transfers), all in one
// read transaction, so that the blocks agree. Weeks are folded from the
// deposit dates (already Europe/Paris civil dates) by the domain.
func (db *DB) FindPilotage(ctx context.Context) (*segur.Pilotage, error) {
	tx, err := db.r.BeginTx(ctx, db.snapshotTxOptions())
	if err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage: %w", err)
	}
	defer tx.Rollback()
	p := &segur.Pilotage{}

	// The advance as segur.Avance rounds it, per request: half up, (60 f + 100) / 200.
	rows, err := tx.QueryContext(ctx, `SELECT statut, count(*), `+somme("montant_ht_cents")+`,
		`+somme("montant_finance_cents")+`, `+somme("(montant_finance_cents * 60 + 100) / 200")+`,
		`+somme("solde_a_payer_cents")+`
		FROM demandes GROUP BY statut`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage par statut: %w", err)
	}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var l segur.PilotageStatut
		err := r.Scan(&l.Statut, &l.Nombre, &l.MontantHT, &l.Finance, &l.Avance, &l.SoldeAPayer)
		p.ParStatut = append(p.ParStatut, l)
		return err
	}); err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage par statut: %w", err)
	}

	rows, err = tx.QueryContext(ctx, `SELECT logiciel, count(*), `+somme("montant_ht_cents")+`, `+somme("montant_finance_cents")+`
		FROM demandes GROUP BY logiciel ORDER BY logiciel`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage par logiciel: %w", err)
	}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var l segur.PilotageLogiciel
		err := r.Scan(&l.Logiciel, &l.Nombre, &l.MontantHT, &l.Finance)
		p.ParLogiciel = append(p.ParLogiciel, l)
		return err
	}); err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage par logiciel: %w", err)
	}

	// Per deposit date: the deposits (rejected or not), and the requests
	// they brought with their amount.
	rows, err = tx.QueryContext(ctx, `SELECT date_depot, `+somme("depots")+`, `+somme("rejetes")+`, `+somme("demandes")+`, `+somme("montant")+` FROM (
			SELECT date_depot, count(*) AS depots, sum(CASE WHEN statut = 'rejete' THEN 1 ELSE 0 END) AS rejetes,
				0 AS demandes, 0 AS montant
			FROM depots GROUP BY date_depot
			UNION ALL
			SELECT p.date_depot, 0, 0, count(*), sum(d.montant_ht_cents)
			FROM demandes d JOIN depots p ON p.id = d.depot_id GROUP BY p.date_depot
		) j GROUP BY date_depot ORDER BY date_depot`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage par jour: %w", err)
	}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var (
			l    segur.PilotageJour
			jour string
		)
		if err := r.Scan(&jour, &l.Depots, &l.DepotsRejetes, &l.Demandes, &l.MontantHT); err != nil {
			return err
		}
		var err error
		l.Jour, err = parseJour(jour)
		p.ParJour = append(p.ParJour, l)
		return err
	}); err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage par jour: %w", err)
	}

	// The result codes: control 1 of the rejected deposits, control 2 of
	// the rejected requests.
	rows, err = tx.QueryContext(ctx, `SELECT code, `+somme("n")+` FROM (
			SELECT motif_code AS code, count(*) AS n FROM depots WHERE statut = 'rejete' GROUP BY motif_code
			UNION ALL
			SELECT code, count(*) FROM depot_lignes WHERE code <> $1 GROUP BY code
		) c GROUP BY code ORDER BY code`, hop.CodeAcceptee)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage des codes: %w", err)
	}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var l segur.PilotageCode
		err := r.Scan(&l.Code, &l.Nombre)
		p.Codes = append(p.Codes, l)
		return err
	}); err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage des codes: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT `+somme("p.montant_cents")+` FROM paiements p
		JOIN lots_paiement l ON l.id = p.lot_id WHERE l.etat = 'paye' AND NOT p.annule`).Scan(&p.Virements); err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage des virements: %w", err)
	}
	return p, tx.Commit()
}

// EachLignePaiement calls fn on the payments of every batch, by batch then
// as the batch orders them, with the ASP number of their request and the
// reference of their payment notice, read by one query as the rows come.
// fn's error stops the reading and is returned as it is.
func (db *DB) EachLignePaiement(ctx context.Context, fn func(*segur.LignePaiement) error) error {
	return eachExport(ctx, db, func(s scanner) (segur.LignePaiement, error) {
		var (
			l      segur.LignePaiement
			payeLe string
		)
		err := s.Scan(&l.Lot, &l.EtatLot, &payeLe, &l.NumeroASP, &l.NumeroEditeur, &l.FournisseurID, &l.Nature, &l.Montant, &l.Annule, &l.Avis)
		if err == nil && payeLe != "" {
			l.PayeLe, err = parseJour(payeLe)
		}
		return l, err
	}, "paiements", `SELECT p.lot_id, l.etat, COALESCE(l.paye_le, ''), d.numero_asp, d.numero_editeur, p.fournisseur_id, p.nature,
		p.montant_cents, p.annule, COALESCE(a.reference, '')
		FROM paiements p JOIN lots_paiement l ON l.id = p.lot_id JOIN demandes d ON d.id = p.demande_id
		LEFT JOIN avis_paiement a ON a.lot_id = p.lot_id AND a.fournisseur_id = p.fournisseur_id
		ORDER BY p.lot_id, p.id`, fn)
}

// somme is the sum of expr as a bigint, 0 over no row: PostgreSQL sums
// bigints as numeric.
func somme(expr string) string { return "CAST(COALESCE(sum(" + expr + "), 0) AS BIGINT)" }
