package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/segur-numerique/segur"
)

// scanFenetre reads the columns id, logiciel, type, debut, fin.
func scanFenetre(s scanner) (segur.Fenetre, error) {
	var f segur.Fenetre
	err := s.Scan(&f.ID, &f.Logiciel, &f.Type, &f.Debut, &f.Fin)
	f.Debut, f.Fin = f.Debut.UTC(), f.Fin.UTC()
	return f, err
}

// CreateFenetre opens a campaign window and sets its ID. Its dates are
// stored in UTC, to the microsecond; the window must end after it starts.
func (db *DB) CreateFenetre(ctx context.Context, f *segur.Fenetre) error {
	now := db.clock()
	debut, fin := stamp(f.Debut), stamp(f.Fin)
	var id int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx,
			`INSERT INTO fenetres (logiciel, type, debut, fin) VALUES ($1, $2, $3, $4) RETURNING id`,
			string(f.Logiciel), string(f.Type), debut, fin).Scan(&id)
		if violationOf(err) == checkViolation {
			return segur.Errorf(segur.EINVALID, "fenêtre refusée : attendu un logiciel RI, DPI ou PFI, un type avance ou solde, et un début avant la fin")
		}
		if err != nil {
			return fmt.Errorf("sqlstore: create fenetre: %w", err)
		}
		return db.audit(ctx, tx, now, "fenetre.creer", "fenetre:"+strconv.FormatInt(id, 10), struct {
			ID       int64     `json:"id"`
			Logiciel string    `json:"logiciel"`
			Type     string    `json:"type"`
			Debut    time.Time `json:"debut"`
			Fin      time.Time `json:"fin"`
		}{id, string(f.Logiciel), string(f.Type), debut, fin})
	})
	if err != nil {
		return err
	}
	f.ID = segur.FenetreID(id)
	return nil
}

// FindFenetres returns every campaign window, by software type, request
// type and start.
func (db *DB) FindFenetres(ctx context.Context) ([]segur.Fenetre, error) {
	return queryAll(ctx, db.r, scanFenetre, "fenetres",
		`SELECT id, logiciel, type, debut, fin FROM fenetres ORDER BY logiciel, type, debut, id`)
}
