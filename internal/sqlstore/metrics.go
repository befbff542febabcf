package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/segur-numerique/segur"
)

// CountCourrielsEnAttente counts the outbox's unsent mails by state (to
// send, in failure) and returns the creation time of the oldest of them,
// zero when none waits: one aggregate query and one by primary key, for
// /metrics.
func (db *DB) CountCourrielsEnAttente(ctx context.Context) (map[segur.EtatCourriel]int, time.Time, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT etat, count(*) FROM courriels WHERE etat <> 'envoye' GROUP BY etat`)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("sqlstore: count courriels: %w", err)
	}
	out := map[segur.EtatCourriel]int{}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var (
			etat string
			n    int
		)
		err := r.Scan(&etat, &n)
		out[segur.EtatCourriel(etat)] = n
		return err
	}); err != nil {
		return nil, time.Time{}, fmt.Errorf("sqlstore: count courriels: %w", err)
	}
	// Mails are numbered in their order of creation: the primary key finds
	// the oldest, where min(cree_le) would lose the column's type on SQLite.
	var oldest time.Time
	err = db.r.QueryRowContext(ctx, `SELECT cree_le FROM courriels WHERE etat <> 'envoye' ORDER BY id LIMIT 1`).Scan(&oldest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, fmt.Errorf("sqlstore: oldest courriel: %w", err)
	}
	return out, oldest.UTC(), nil
}

// Pools returns the statistics of the database's connection pools, by
// name: "write" and "read" on SQLite (one writer connection, a pool of
// readers), "main" on PostgreSQL (one pool for both).
func (db *DB) Pools() map[string]sql.DBStats {
	if db.r == db.w {
		return map[string]sql.DBStats{"main": db.w.Stats()}
	}
	return map[string]sql.DBStats{"write": db.w.Stats(), "read": db.r.Stats()}
}
