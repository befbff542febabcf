package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/segur-numerique/segur"
)

// AppliquerDemarche applies a démarche to the request of ASP number asp, in
// one transaction: the request is read and locked, moved by the domain's
// state machine (segur.Demande.Appliquer, the only way a status changes),
// and the change is written with its history and audit rows.
func (db *DB) AppliquerDemarche(ctx context.Context, asp string, m segur.Demarche, prog segur.Programme) (segur.Changement, error) {
	var c segur.Changement
	err := db.write(ctx, func(tx *sql.Tx) error {
		lock := ""
		if db.dialect == dialectPostgres {
			lock = " FOR UPDATE"
		}
		var id int64
		var statut string
		err := tx.QueryRowContext(ctx, `SELECT id, statut FROM demandes WHERE numero_asp = $1`+lock, asp).Scan(&id, &statut)
		if errors.Is(err, sql.ErrNoRows) {
			return segur.Errorf(segur.ENOTFOUND, "demande %s introuvable", asp)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: demande %s: %w", asp, err)
		}
		d := &segur.Demande{Statut: segur.StatutDemande(statut)}
		if c, err = d.Appliquer(m, db.clock(), prog); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE demandes SET statut = $1 WHERE id = $2`, string(c.Vers), id); err != nil {
			return fmt.Errorf("sqlstore: demande %s: %w", asp, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO demande_historique (demande_id, quand, par, action, de, vers, raison) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			id, c.Quand, c.Par, string(c.Action), string(c.De), string(c.Vers), c.Raison); err != nil {
			return fmt.Errorf("sqlstore: historique de %s: %w", asp, err)
		}
		return audit(ctx, tx, c.Quand, "demande."+string(c.Action), "demande:"+asp, map[string]string{
			"de": string(c.De), "vers": string(c.Vers), "raison": c.Raison})
	})
	return c, err
}

// FindHistorique returns a request's history, oldest first.
func (db *DB) FindHistorique(ctx context.Context, asp string) ([]segur.Changement, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT h.quand, h.par, h.action, h.de, h.vers, h.raison FROM demande_historique h
		JOIN demandes d ON d.id = h.demande_id WHERE d.numero_asp = $1 ORDER BY h.id`, asp)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: historique de %s: %w", asp, err)
	}
	defer rows.Close()
	out := []segur.Changement{}
	for rows.Next() {
		var c segur.Changement
		var action, de, vers string
		if err := rows.Scan(&c.Quand, &c.Par, &action, &de, &vers, &c.Raison); err != nil {
			return nil, fmt.Errorf("sqlstore: historique de %s: %w", asp, err)
		}
		c.Quand = c.Quand.UTC()
		c.Action, c.De, c.Vers = segur.Action(action), segur.StatutDemande(de), segur.StatutDemande(vers)
		out = append(out, c)
	}
	return out, rows.Err()
}
