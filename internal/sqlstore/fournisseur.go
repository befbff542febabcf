package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/segur-numerique/segur"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// fournisseurColumns are the columns scanFournisseur reads.
const fournisseurColumns = `id, siret, nom, email, iban, bic, cree_le, suspendu_le`

// scanFournisseur reads the columns id, siret, nom, email, iban, bic,
// cree_le, suspendu_le.
func scanFournisseur(s scanner) (segur.Fournisseur, error) {
	var (
		f        segur.Fournisseur
		suspendu sql.NullTime
	)
	err := s.Scan(&f.ID, &f.SIRET, &f.Nom, &f.Email, &f.IBAN, &f.BIC, &f.CreeLe, &suspendu)
	f.CreeLe, f.SuspenduLe = f.CreeLe.UTC(), timeOrZero(suspendu)
	return f, err
}

// fournisseurDetails is the audit detail of an enrolment.
type fournisseurDetails struct {
	ID    int64  `json:"id"`
	SIRET string `json:"siret"`
	Nom   string `json:"nom"`
	Email string `json:"email"`
	IBAN  string `json:"iban"`
	BIC   string `json:"bic"`
}

// CreateFournisseur enrols a vendor and sets its ID and CreeLe. The caller
// has checked it (segur.Fournisseur.Valider). A SIRET already enrolled is an
// ECONFLICT.
func (db *DB) CreateFournisseur(ctx context.Context, f *segur.Fournisseur) error {
	now := db.clock()
	var id int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx,
			`INSERT INTO fournisseurs (siret, nom, email, iban, bic, cree_le) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			f.SIRET, f.Nom, f.Email, f.IBAN, f.BIC, now).Scan(&id)
		switch violationOf(err) {
		case uniqueViolation:
			return segur.Errorf(segur.ECONFLICT, "le SIRET %s est déjà enrôlé", f.SIRET)
		case checkViolation:
			return segur.Errorf(segur.EINVALID, "fournisseur « %s » refusé : attendu un SIRET de 14 chiffres, une raison sociale, un e-mail, et l'IBAN avec le BIC", f.SIRET)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: create fournisseur %s: %w", f.SIRET, err)
		}
		return db.audit(ctx, tx, now, "fournisseur.creer", "fournisseur:"+f.SIRET, fournisseurDetails{
			ID: id, SIRET: f.SIRET, Nom: f.Nom, Email: f.Email, IBAN: f.IBAN, BIC: f.BIC,
		})
	})
	if err != nil {
		return err
	}
	f.ID, f.CreeLe = segur.FournisseurID(id), now
	return nil
}

// FindFournisseurByID returns the vendor id, or an ENOTFOUND.
func (db *DB) FindFournisseurByID(ctx context.Context, id segur.FournisseurID) (*segur.Fournisseur, error) {
	f, err := scanFournisseur(db.r.QueryRowContext(ctx,
		`SELECT `+fournisseurColumns+` FROM fournisseurs WHERE id = $1`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "fournisseur n° %d introuvable", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find fournisseur %d: %w", id, err)
	}
	return &f, nil
}

// FindFournisseurBySIRET returns the vendor enrolled with siret, or an
// ENOTFOUND.
func (db *DB) FindFournisseurBySIRET(ctx context.Context, siret string) (*segur.Fournisseur, error) {
	f, err := scanFournisseur(db.r.QueryRowContext(ctx,
		`SELECT `+fournisseurColumns+` FROM fournisseurs WHERE siret = $1`, siret))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "aucun fournisseur enrôlé avec le SIRET %s", siret)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find fournisseur SIRET %s: %w", siret, err)
	}
	return &f, nil
}

// FindFournisseurs returns every vendor, in enrolment order.
func (db *DB) FindFournisseurs(ctx context.Context) ([]segur.Fournisseur, error) {
	return queryAll(ctx, db.r, scanFournisseur, "fournisseurs",
		`SELECT `+fournisseurColumns+` FROM fournisseurs ORDER BY id`)
}

// queryAll runs a query on q (the read pool or a transaction) and scans
// each row with scan. It returns an empty slice, not nil, when there is no
// row.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), what, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: find %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: find %s: %w", what, err)
	}
	return out, nil
}

// eachExport is queryEach for an export, which reads a whole table or
// most of it: on PostgreSQL, in a read-only transaction that runs the query
// in one process (max_parallel_workers_per_gather 0). In parallel, such a
// query takes every core, and every page waits: 0,3 to 0,8 s for the
// queue at 100 000 requests while an export ran, against 40 ms.
func eachExport[T any](ctx context.Context, db *DB, scan func(scanner) (T, error), what, query string, fn func(*T) error, args ...any) error {
	if db.dialect != dialectPostgres {
		return queryEach(ctx, db.r, scan, what, query, fn, args...)
	}
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlstore: read %s: %w", what, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL max_parallel_workers_per_gather = 0`); err != nil {
		return fmt.Errorf("sqlstore: read %s: %w", what, err)
	}
	return queryEach(ctx, tx, scan, what, query, fn, args...)
}

// queryEach calls fn on each row of query, scanned by scan, as the rows
// come: one query, and the memory of one row however many there are.
// fn's error stops the reading and is returned as it is.
func queryEach[T any](ctx context.Context, q querier, scan func(scanner) (T, error), what, query string, fn func(*T) error, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlstore: read %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return fmt.Errorf("sqlstore: read %s: %w", what, err)
		}
		if err := fn(&v); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: read %s: %w", what, err)
	}
	return nil
}
