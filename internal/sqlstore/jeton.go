package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/segur-numerique/segur"
)

// jetonColumns are the columns scanJeton reads.
const jetonColumns = `id, fournisseur_id, empreinte, prefixe, cree_le, dernier_usage, revoque_le, utilisateur_id`

// scanJeton reads the columns id, fournisseur_id, empreinte, prefixe,
// cree_le, dernier_usage, revoque_le, utilisateur_id.
func scanJeton(s scanner) (segur.Jeton, error) {
	var (
		j              segur.Jeton
		usage, revoque sql.NullTime
		uid            sql.NullInt64
	)
	err := s.Scan(&j.ID, &j.FournisseurID, &j.Empreinte, &j.Prefixe, &j.CreeLe, &usage, &revoque, &uid)
	j.UtilisateurID = segur.UtilisateurID(uid.Int64)
	j.CreeLe = j.CreeLe.UTC()
	j.DernierUsage, j.RevoqueLe = timeOrZero(usage), timeOrZero(revoque)
	return j, err
}

// CreateJeton stores a vendor's API token, by its digest, and sets its ID
// and CreeLe; the token is active and unused. A digest already stored is an
// ECONFLICT; an unknown vendor an ENOTFOUND. A token created by a user
// (UtilisateurID) is refused (EFORBIDDEN) once that user is disabled, in
// the same transaction: a disabling never misses a token created at once.
func (db *DB) CreateJeton(ctx context.Context, j *segur.Jeton) error {
	now := db.clock()
	var id int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		if j.UtilisateurID != 0 {
			if err := db.utilisateurActif(ctx, tx, j.UtilisateurID); err != nil {
				return err
			}
		}
		err := tx.QueryRowContext(ctx,
			`INSERT INTO jetons (fournisseur_id, empreinte, prefixe, cree_le, utilisateur_id) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			int64(j.FournisseurID), j.Empreinte, j.Prefixe, now, nullID(int64(j.UtilisateurID))).Scan(&id)
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
			ID            int64  `json:"id"`
			FournisseurID int64  `json:"fournisseur_id"`
			Prefixe       string `json:"prefixe"`
		}{id, int64(j.FournisseurID), j.Prefixe})
	})
	if err != nil {
		return err
	}
	j.ID, j.CreeLe = segur.JetonID(id), now
	j.DernierUsage, j.RevoqueLe = time.Time{}, time.Time{}
	return nil
}

// FindJetonByEmpreinte returns the token of SHA-256 digest empreinte,
// revoked or not, or an ENOTFOUND.
func (db *DB) FindJetonByEmpreinte(ctx context.Context, empreinte []byte) (*segur.Jeton, error) {
	j, err := scanJeton(db.r.QueryRowContext(ctx,
		`SELECT `+jetonColumns+` FROM jetons WHERE empreinte = $1`, empreinte))
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
		`SELECT `+jetonColumns+` FROM jetons WHERE fournisseur_id = $1 ORDER BY id`, int64(id))
}

// TouchJeton records that token id was used at at, or returns an
// ENOTFOUND. It writes no audit event: a use is not a change.
func (db *DB) TouchJeton(ctx context.Context, id segur.JetonID, at time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jetons SET dernier_usage = $1 WHERE id = $2`, stamp(at), int64(id))
		if err != nil {
			return fmt.Errorf("sqlstore: touch jeton %d: %w", id, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("sqlstore: touch jeton %d: %w", id, err)
		}
		if n == 0 {
			return segur.Errorf(segur.ENOTFOUND, "jeton n° %d introuvable", id)
		}
		return nil
	})
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
