package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/segur-numerique/segur"
)

// colonnesJeton are the columns scanJeton reads.
const colonnesJeton = `id, fournisseur_id, empreinte, prefixe, cree_le, expire_le, dernier_usage, revoque_le, utilisateur_id`

// scanJeton reads the columns colonnesJeton.
func scanJeton(s scanner) (segur.Jeton, error) {
	var (
		j              segur.Jeton
		usage, revoque sql.NullTime
		uid            sql.NullInt64
	)
	err := s.Scan(&j.ID, &j.FournisseurID, &j.Empreinte, &j.Prefixe, &j.CreeLe, &j.ExpireLe, &usage, &revoque, &uid)
	j.UtilisateurID = segur.UtilisateurID(uid.Int64)
	j.CreeLe, j.ExpireLe = j.CreeLe.UTC(), j.ExpireLe.UTC()
	j.DernierUsage, j.RevoqueLe = timeOrZero(usage), timeOrZero(revoque)
	return j, err
}

// CreateJeton stores a vendor's API token, by its digest, and sets its ID,
// CreeLe and ExpireLe (a year later); the token is active and unused. A
// digest already stored is an ECONFLICT; an unknown vendor an ENOTFOUND. A
// token created by a user (UtilisateurID) is refused (EFORBIDDEN) once
// that user is disabled, in the same transaction: a disabling never misses
// a token created at once.
func (db *DB) CreateJeton(ctx context.Context, j *segur.Jeton) error {
	now := db.clock()
	expire := stamp(segur.ExpirationJeton(now))
	var id int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		if j.UtilisateurID != 0 {
			if err := db.utilisateurActif(ctx, tx, j.UtilisateurID); err != nil {
				return err
			}
		}
		err := tx.QueryRowContext(ctx,
			`INSERT INTO jetons (fournisseur_id, empreinte, prefixe, cree_le, expire_le, utilisateur_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			int64(j.FournisseurID), j.Empreinte, j.Prefixe, now, expire, nullID(int64(j.UtilisateurID))).Scan(&id)
		switch violationOf(err) {
		case uniqueViolation:
			return segur.Errorf(segur.ECONFLICT, "ce jeton existe déjà")
		case foreignKeyViolation:
			return segur.Errorf(segur.ENOTFOUND, "fournisseur n° %d introuvable", j.FournisseurID)
		case checkViolation:
			return segur.Errorf(segur.EINVALID, "jeton refusé : attendu une empreinte SHA-256 de 32 octets")
		}
		if err != nil {
			return fmt.Errorf("sqlstore: create jeton %s: %w", j.Prefixe, err)
		}
		return db.audit(ctx, tx, now, "jeton.creer", "jeton:"+j.Prefixe, struct {
			ID            int64     `json:"id"`
			FournisseurID int64     `json:"fournisseur_id"`
			Prefixe       string    `json:"prefixe"`
			ExpireLe      time.Time `json:"expire_le"`
		}{id, int64(j.FournisseurID), j.Prefixe, expire})
	})
	if err != nil {
		return err
	}
	j.ID, j.CreeLe, j.ExpireLe = segur.JetonID(id), now, expire
	j.DernierUsage, j.RevoqueLe = time.Time{}, time.Time{}
	return nil
}

// FindJetonByEmpreinte returns the token of SHA-256 digest empreinte,
// revoked or not, or an ENOTFOUND.
func (db *DB) FindJetonByEmpreinte(ctx context.Context, empreinte []byte) (*segur.Jeton, error) {
	j, err := scanJeton(db.r.QueryRowContext(ctx,
		`SELECT `+colonnesJeton+` FROM jetons WHERE empreinte = $1`, empreinte))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "jeton inconnu")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find jeton: %w", err)
	}
	return &j, nil
}

// FindJetons returns the tokens of vendor id, revoked ones included, in
// creation order.
func (db *DB) FindJetons(ctx context.Context, id segur.FournisseurID) ([]segur.Jeton, error) {
	return queryAll(ctx, db.r, scanJeton, "jetons",
		`SELECT `+colonnesJeton+` FROM jetons WHERE fournisseur_id = $1 ORDER BY id`, int64(id))
}

// TouchJeton records that token id was used at at, or returns an
// ENOTFOUND. A use less than segur.UsageJeton after the one recorded is
// not written: requests of one program at once, each having read the
// token before the others wrote, write its use once. It writes no audit
// event: a use is not a change.
func (db *DB) TouchJeton(ctx context.Context, id segur.JetonID, at time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jetons SET dernier_usage = $1 WHERE id = $2 AND (dernier_usage IS NULL OR dernier_usage <= $3)`,
			stamp(at), int64(id), stamp(at.Add(-segur.UsageJeton)))
		if err != nil {
			return fmt.Errorf("sqlstore: touch jeton %d: %w", id, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("sqlstore: touch jeton %d: %w", id, err)
		}
		if n > 0 {
			return nil
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM jetons WHERE id = $1`, int64(id)).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: touch jeton %d: %w", id, err)
		}
		if n == 0 {
			return segur.Errorf(segur.ENOTFOUND, "jeton n° %d introuvable", id)
		}
		return nil
	})
}

// RenewJeton pushes the expiry of token id a year from now (Jeton.
// Renouveler), audited, and returns the token renewed; an ENOTFOUND, or
// an ECONFLICT if it is revoked.
func (db *DB) RenewJeton(ctx context.Context, id segur.JetonID) (*segur.Jeton, error) {
	now := db.clock()
	var j segur.Jeton
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		j, err = scanJeton(tx.QueryRowContext(ctx, `SELECT `+colonnesJeton+` FROM jetons WHERE id = $1`+db.forUpdate(), int64(id)))
		if errors.Is(err, sql.ErrNoRows) {
			return segur.Errorf(segur.ENOTFOUND, "jeton n° %d introuvable", id)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: renew jeton %d: %w", id, err)
		}
		avant := j.ExpireLe
		if err := j.Renouveler(now); err != nil {
			return err
		}
		j.ExpireLe = stamp(j.ExpireLe)
		if _, err := tx.ExecContext(ctx, `UPDATE jetons SET expire_le = $1 WHERE id = $2`, j.ExpireLe, int64(id)); err != nil {
			return fmt.Errorf("sqlstore: renew jeton %d: %w", id, err)
		}
		return db.audit(ctx, tx, now, "jeton.renouveler", "jeton:"+j.Prefixe, struct {
			ID            int64     `json:"id"`
			FournisseurID int64     `json:"fournisseur_id"`
			Expirait      time.Time `json:"expirait_le"`
			ExpireLe      time.Time `json:"expire_le"`
		}{int64(id), int64(j.FournisseurID), avant, j.ExpireLe})
	})
	if err != nil {
		return nil, err
	}
	return &j, nil
}

// RevokeJeton revokes token id now, or returns an ENOTFOUND. Revoking a
// revoked token changes nothing and is not an error.
func (db *DB) RevokeJeton(ctx context.Context, id segur.JetonID) error {
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		var (
			prefixe string
			fid     int64
		)
		err := tx.QueryRowContext(ctx,
			`UPDATE jetons SET revoque_le = $1 WHERE id = $2 AND revoque_le IS NULL RETURNING prefixe, fournisseur_id`,
			now, int64(id)).Scan(&prefixe, &fid)
		if errors.Is(err, sql.ErrNoRows) {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM jetons WHERE id = $1`, int64(id)).Scan(&n); err != nil {
				return fmt.Errorf("sqlstore: revoke jeton %d: %w", id, err)
			}
			if n == 0 {
				return segur.Errorf(segur.ENOTFOUND, "jeton n° %d introuvable", id)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("sqlstore: revoke jeton %d: %w", id, err)
		}
		return db.audit(ctx, tx, now, "jeton.revoquer", "jeton:"+prefixe, struct {
			ID            int64     `json:"id"`
			FournisseurID int64     `json:"fournisseur_id"`
			RevoqueLe     time.Time `json:"revoque_le"`
		}{int64(id), fid, now})
	})
}
