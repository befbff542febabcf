package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
)

// Reserver reserves a deposit reference and n ASP numbers, in increasing
// order, before the deposit's transaction: a value reserved and not used
// (a crash, a deposit that ends otherwise) is lost, never given again.
func (db *DB) Reserver(ctx context.Context, n int) (int64, []int64, error) {
	if db.dialect == dialectPostgres {
		var imp int64
		if err := db.w.QueryRowContext(ctx, `SELECT nextval('imp_seq')`).Scan(&imp); err != nil {
			return 0, nil, fmt.Errorf("sqlstore: reserve a deposit reference: %w", err)
		}
		asp, err := nextASPs(ctx, db.w, db.dialect, n)
		return imp, asp, err
	}
	var imp int64
	var asp []int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `UPDATE imp_seq SET valeur = valeur + 1 WHERE id = 1 RETURNING valeur`).Scan(&imp); err != nil {
			return fmt.Errorf("sqlstore: reserve a deposit reference: %w", err)
		}
		var err error
		asp, err = nextASPs(ctx, tx, db.dialect, n)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return imp, asp, nil
}
