package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// CreateReference records a new version of the reference of
// establishments and returns its number.
func (db *DB) CreateReference(ctx context.Context, ref segur.Reference) (int64, error) {
	now := db.clock()
	var version int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		a := segur.ActeurFrom(ctx)
		if err := tx.QueryRowContext(ctx, `INSERT INTO reference_versions (importe_le, par, nombre) VALUES ($1, $2, $3) RETURNING id`,
			now, a.Login, len(ref)).Scan(&version); err != nil {
			return fmt.Errorf("sqlstore: reference version: %w", err)
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO reference_etablissements (version_id, finess, nom, plafond_ri, plafond_dpi, plafond_pfi)
			VALUES ($1, $2, $3, $4, $5, $6)`)
		if err != nil {
			return fmt.Errorf("sqlstore: reference: %w", err)
		}
		defer stmt.Close()
		for _, e := range ref {
			if _, err := stmt.ExecContext(ctx, version, e.FINESSPMSI, e.Nom, e.Plafonds[hop.LogicielRI],
				e.Plafonds[hop.LogicielDPI], e.Plafonds[hop.LogicielPFI]); err != nil {
				return fmt.Errorf("sqlstore: reference %s: %w", e.FINESSPMSI, err)
			}
		}
		return db.audit(ctx, tx, now, "reference.importer", fmt.Sprintf("reference:%d", version), map[string]int{"etablissements": len(ref)})
	})
	return version, err
}

// FindReference returns the latest version of the reference and its
// number; ENOTFOUND when none was imported. A version never changes once
// imported: the last one read is kept in memory and given again while it
// is the latest (one probe of reference_versions), shared by every caller,
// who must not change it. Tens of thousands of establishments are not read
// again on each page.
func (db *DB) FindReference(ctx context.Context) (segur.Reference, int64, error) {
	var version int64
	err := db.r.QueryRowContext(ctx, `SELECT id FROM reference_versions ORDER BY id DESC LIMIT 1`).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, segur.Errorf(segur.ENOTFOUND, "aucun référentiel des établissements n'est importé")
	}
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: reference: %w", err)
	}
	db.reference.mu.Lock()
	defer db.reference.mu.Unlock()
	if db.reference.ref != nil && db.reference.version == version {
		return db.reference.ref, version, nil
	}
	rows, err := db.r.QueryContext(ctx, `SELECT finess, nom, plafond_ri, plafond_dpi, plafond_pfi FROM reference_etablissements WHERE version_id = $1`, version)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: reference: %w", err)
	}
	defer rows.Close()
	ref := segur.Reference{}
	for rows.Next() {
		var e segur.Etablissement
		var ri, dpi, pfi int64
		if err := rows.Scan(&e.FINESSPMSI, &e.Nom, &ri, &dpi, &pfi); err != nil {
			return nil, 0, fmt.Errorf("sqlstore: reference: %w", err)
		}
		e.Plafonds = map[hop.Logiciel]int64{hop.LogicielRI: ri, hop.LogicielDPI: dpi, hop.LogicielPFI: pfi}
		ref[e.FINESSPMSI] = e
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlstore: reference: %w", err)
	}
	db.reference.version, db.reference.ref = version, ref
	return ref, version, nil
}

// referenceLue is the last version of the reference FindReference read.
type referenceLue struct {
	mu      sync.Mutex
	version int64
	ref     segur.Reference
}
