package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/segur-numerique/segur"
)

// colonnesJetonAgent are the columns scanJetonAgent reads.
const colonnesJetonAgent = `id, utilisateur_id, empreinte, prefixe, cree_le, expire_le, dernier_usage, revoque_le`

// scanJetonAgent reads the columns colonnesJetonAgent.
func scanJetonAgent(s scanner) (segur.Jeton, error) {
	var (
		j              segur.Jeton
		usage, revoque sql.NullTime
	)
	err := s.Scan(&j.ID, &j.UtilisateurID, &j.Empreinte, &j.Prefixe, &j.CreeLe, &j.ExpireLe, &usage, &revoque)
	j.CreeLe, j.ExpireLe = j.CreeLe.UTC(), j.ExpireLe.UTC()
	j.DernierUsage, j.RevoqueLe = timeOrZero(usage), timeOrZero(revoque)
	return j, err
}

// CreateJetonAgent stores an agent's API token (j.UtilisateurID), by its
// digest, and sets its ID, CreeLe and ExpireLe (a year later). A disabled
// user, or one who is no agent, is refused (EFORBIDDEN) in the same
// transaction; a digest already stored is an ECONFLICT.
func (db *DB) CreateJetonAgent(ctx context.Context, j *segur.Jeton) error {
	now := db.clock()
	expire := stamp(segur.ExpirationJeton(now))
	var id int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := db.utilisateurActif(ctx, tx, j.UtilisateurID); err != nil {
			return err
		}
		u, err := scanUtilisateur(tx.QueryRowContext(ctx, `SELECT `+utilisateurColumns+` FROM utilisateurs WHERE id = $1`, int64(j.UtilisateurID)))
		if err != nil {
			return fmt.Errorf("sqlstore: create jeton agent: %w", err)
		}
		if !u.Agent() {
			return segur.Errorf(segur.EFORBIDDEN, "seuls les agents de l'agence ont des jetons d'agent")
		}
		err = tx.QueryRowContext(ctx,
			`INSERT INTO jetons_agents (utilisateur_id, empreinte, prefixe, cree_le, expire_le) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			int64(j.UtilisateurID), j.Empreinte, j.Prefixe, now, expire).Scan(&id)
		switch violationOf(err) {
		case uniqueViolation:
			return segur.Errorf(segur.ECONFLICT, "ce jeton existe déjà")
		case checkViolation:
			return segur.Errorf(segur.EINVALID, "jeton refusé : attendu une empreinte SHA-256 de 32 octets")
		}
		if err != nil {
			return fmt.Errorf("sqlstore: create jeton agent %s: %w", j.Prefixe, err)
		}
		return db.audit(ctx, tx, now, "jeton_agent.creer", "jeton:"+j.Prefixe, struct {
			ID            int64     `json:"id"`
			UtilisateurID int64     `json:"utilisateur_id"`
			Prefixe       string    `json:"prefixe"`
			ExpireLe      time.Time `json:"expire_le"`
		}{id, int64(j.UtilisateurID), j.Prefixe, expire})
	})
	if err != nil {
		return err
	}
	j.ID, j.FournisseurID, j.CreeLe, j.ExpireLe = segur.JetonID(id), 0, now, expire
	j.DernierUsage, j.RevoqueLe = time.Time{}, time.Time{}
	return nil
}

// FindJetonAgentByEmpreinte returns the agent's token of SHA-256 digest
// empreinte, revoked or not, or an ENOTFOUND.
func (db *DB) FindJetonAgentByEmpreinte(ctx context.Context, empreinte []byte) (*segur.Jeton, error) {
	j, err := scanJetonAgent(db.r.QueryRowContext(ctx,
		`SELECT `+colonnesJetonAgent+` FROM jetons_agents WHERE empreinte = $1`, empreinte))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "jeton inconnu")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find jeton agent: %w", err)
	}
	return &j, nil
}

// FindJetonsAgent returns the tokens of agent id, revoked ones included,
// in creation order.
func (db *DB) FindJetonsAgent(ctx context.Context, id segur.UtilisateurID) ([]segur.Jeton, error) {
	return queryAll(ctx, db.r, scanJetonAgent, "jetons d'agent",
		`SELECT `+colonnesJetonAgent+` FROM jetons_agents WHERE utilisateur_id = $1 ORDER BY id`, int64(id))
}

// TouchJetonAgent records that agent's token id was used at at, at most
// once per segur.UsageJeton, as TouchJeton; an unknown token is an
// ENOTFOUND.
func (db *DB) TouchJetonAgent(ctx context.Context, id segur.JetonID, at time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jetons_agents SET dernier_usage = $1 WHERE id = $2 AND (dernier_usage IS NULL OR dernier_usage <= $3)`,
			stamp(at), int64(id), stamp(at.Add(-segur.UsageJeton)))
		if err != nil {
			return fmt.Errorf("sqlstore: touch jeton agent %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		return jetonAgentExiste(ctx, tx, id)
	})
}

// jetonAgentExiste returns an ENOTFOUND if agent's token id does not exist.
func jetonAgentExiste(ctx context.Context, tx *sql.Tx, id segur.JetonID) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM jetons_agents WHERE id = $1`, int64(id)).Scan(&n); err != nil {
		return fmt.Errorf("sqlstore: jeton agent %d: %w", id, err)
	}
	if n == 0 {
		return segur.Errorf(segur.ENOTFOUND, "jeton n° %d introuvable", id)
	}
	return nil
}

// RenewJetonAgent pushes the expiry of agent's token id a year from now
// (Jeton.Renouveler), audited; an ENOTFOUND, or an ECONFLICT if revoked.
func (db *DB) RenewJetonAgent(ctx context.Context, id segur.JetonID) (*segur.Jeton, error) {
	now := db.clock()
	var j segur.Jeton
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		j, err = scanJetonAgent(tx.QueryRowContext(ctx, `SELECT `+colonnesJetonAgent+` FROM jetons_agents WHERE id = $1`+db.forUpdate(), int64(id)))
		if errors.Is(err, sql.ErrNoRows) {
			return segur.Errorf(segur.ENOTFOUND, "jeton n° %d introuvable", id)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: renew jeton agent %d: %w", id, err)
		}
		avant := j.ExpireLe
		if err := j.Renouveler(now); err != nil {
			return err
		}
		j.ExpireLe = stamp(j.ExpireLe)
		if _, err := tx.ExecContext(ctx, `UPDATE jetons_agents SET expire_le = $1 WHERE id = $2`, j.ExpireLe, int64(id)); err != nil {
			return fmt.Errorf("sqlstore: renew jeton agent %d: %w", id, err)
		}
		return db.audit(ctx, tx, now, "jeton_agent.renouveler", "jeton:"+j.Prefixe, struct {
			ID            int64     `json:"id"`
			UtilisateurID int64     `json:"utilisateur_id"`
			Expirait      time.Time `json:"expirait_le"`
			ExpireLe      time.Time `json:"expire_le"`
		}{int64(id), int64(j.UtilisateurID), avant, j.ExpireLe})
	})
	if err != nil {
		return nil, err
	}
	return &j, nil
}

// RevokeJetonAgent revokes agent's token id now, or returns an ENOTFOUND.
// Revoking a revoked token changes nothing and is not an error.
func (db *DB) RevokeJetonAgent(ctx context.Context, id segur.JetonID) error {
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		var (
			prefixe string
			uid     int64
		)
		err := tx.QueryRowContext(ctx,
			`UPDATE jetons_agents SET revoque_le = $1 WHERE id = $2 AND revoque_le IS NULL RETURNING prefixe, utilisateur_id`,
			now, int64(id)).Scan(&prefixe, &uid)
		if errors.Is(err, sql.ErrNoRows) {
			return jetonAgentExiste(ctx, tx, id)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: revoke jeton agent %d: %w", id, err)
		}
		return db.audit(ctx, tx, now, "jeton_agent.revoquer", "jeton:"+prefixe, struct {
			ID            int64     `json:"id"`
			UtilisateurID int64     `json:"utilisateur_id"`
			RevoqueLe     time.Time `json:"revoque_le"`
		}{int64(id), uid, now})
	})
}
