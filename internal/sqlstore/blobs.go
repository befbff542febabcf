package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
)

// FindBlobsReferences returns the digest of every stored file a row
// references: the values of every column whose name ends in sha256, in
// every table, read from the schema itself so that a table added later is
// not forgotten.
func (db *DB) FindBlobsReferences(ctx context.Context) (map[string]bool, error) {
	cols, err := db.blobColumns(ctx)
	if err != nil {
		return nil, err
	}
	refs := map[string]bool{}
	for _, c := range cols {
		// Names from the schema, quoted.
		t, col := `"`+strings.ReplaceAll(c[0], `"`, `""`)+`"`, `"`+strings.ReplaceAll(c[1], `"`, `""`)+`"`
		rows, err := db.r.QueryContext(ctx, `SELECT DISTINCT `+col+` FROM `+t+` WHERE `+col+` IS NOT NULL AND `+col+` <> ''`)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: blobs of %s.%s: %w", c[0], c[1], err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlstore: blobs of %s.%s: %w", c[0], c[1], err)
			}
			refs[s] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sqlstore: blobs of %s.%s: %w", c[0], c[1], err)
		}
	}
	return refs, nil
}

// FindActivite returns, for vendor f's quotas, how many deposits it made
// since heure and how many bytes (JSON and zip) its deposits since jour
// hold.
func (db *DB) FindActivite(ctx context.Context, f segur.FournisseurID, heure, jour time.Time) (depots int, octets int64, err error) {
	err = db.r.QueryRowContext(ctx,
		`SELECT COALESCE(SUM(CASE WHEN recu >= $2 THEN 1 ELSE 0 END), 0), COALESCE(SUM(json_taille + COALESCE(zip_taille, 0)), 0)
		FROM depots WHERE fournisseur_id = $1 AND recu >= $3`, int64(f), stamp(heure), stamp(jour)).Scan(&depots, &octets)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlstore: activity of fournisseur %d: %w", f, err)
	}
	return depots, octets, nil
}

// blobColumns returns the table and column of every column whose name ends
// in sha256, read from the schema.
func (db *DB) blobColumns(ctx context.Context) ([][2]string, error) {
	q := `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND p.name LIKE '%sha256' ORDER BY 1, 2`
	if db.dialect == dialectPostgres {
		q = `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND column_name LIKE '%sha256' ORDER BY 1, 2`
	}
	rows, err := db.r.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: blob columns: %w", err)
	}
	var cols [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlstore: blob columns: %w", err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: blob columns: %w", err)
	}
	return cols, nil
}
