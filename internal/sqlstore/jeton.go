package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/segur-numerique/segur"
)

// tableJetons is a table of API tokens. The vendors' (jetons) and the
// agents' (jetons_agents) are created, read, used, renewed and revoked
// alike, by the methods of DB that take one; they differ by their owner,
// a vendor or an agent, by the prefix of their audit events, and the
// vendors' by the user who created one for his vendor.
type tableJetons struct {
	table string
	// proprio is the owner's column: fournisseur_id (j.FournisseurID) or
	// utilisateur_id (j.UtilisateurID) when agents.
	proprio string
	agents  bool
	// action is the prefix of the audit events: <action>.creer, …
	action string
}

var (
	jetonsFournisseurs = tableJetons{table: "jetons", proprio: "fournisseur_id", action: "jeton"}
	jetonsAgents       = tableJetons{table: "jetons_agents", proprio: "utilisateur_id", agents: true, action: "jeton_agent"}
)

// colonnes are the columns scan reads: a vendor's token adds the user
// who created it (utilisateur_id), an agent's is his own.
func (t tableJetons) colonnes() string {
	c := `id, ` + t.proprio + `, empreinte, prefixe, cree_le, expire_le, dernier_usage, revoque_le`
	if !t.agents {
		c += `, utilisateur_id`
	}
	return c
}

// scan reads the columns of t.colonnes.
func (t tableJetons) scan(s scanner) (segur.Jeton, error) {
	var (
		j              segur.Jeton
		proprio        int64
		usage, revoque sql.NullTime
		createur       sql.NullInt64
	)
	dest := []any{&j.ID, &proprio, &j.Empreinte, &j.Prefixe, &j.CreeLe, &j.ExpireLe, &usage, &revoque}
	if !t.agents {
		dest = append(dest, &createur)
	}
	err := s.Scan(dest...)
	if t.agents {
		j.UtilisateurID = segur.UtilisateurID(proprio)
	} else {
		j.FournisseurID, j.UtilisateurID = segur.FournisseurID(proprio), segur.UtilisateurID(createur.Int64)
	}
	j.CreeLe, j.ExpireLe = j.CreeLe.UTC(), j.ExpireLe.UTC()
	j.DernierUsage, j.RevoqueLe = timeOrZero(usage), timeOrZero(revoque)
	return j, err
}

// proprioDe returns the owner of j: its vendor's ID, or its agent's.
func (t tableJetons) proprioDe(j *segur.Jeton) int64 {
	if t.agents {
		return int64(j.UtilisateurID)
	}
	return int64(j.FournisseurID)
}

// jetonAudit begins the details of a token's audit event: its ID, then
// its owner under the owner's key (fournisseur_id or utilisateur_id), the
// other left out. An owner's ID is never 0.
type jetonAudit struct {
	ID            int64 `json:"id"`
	FournisseurID int64 `json:"fournisseur_id,omitempty"`
	UtilisateurID int64 `json:"utilisateur_id,omitempty"`
}

// audit is the beginning of the details of an event of token id of owner
// proprio.
func (t tableJetons) audit(id segur.JetonID, proprio int64) jetonAudit {
	if t.agents {
		return jetonAudit{ID: int64(id), UtilisateurID: proprio}
	}
	return jetonAudit{ID: int64(id), FournisseurID: proprio}
}

// revocation is the details of a token's <action>.revoquer event;
// Raison only when the revocation followed another change.
type revocation struct {
	jetonAudit
	RevoqueLe time.Time `json:"revoque_le"`
	Raison    string    `json:"raison,omitempty"`
}

// creerJeton stores token j in t as CreateJeton and CreateJetonAgent say,
// once verifier, in the same transaction, accepts its owner or creator.
func (db *DB) creerJeton(ctx context.Context, t tableJetons, j *segur.Jeton, verifier func(tx *sql.Tx) error) error {
	now := db.clock()
	expire := stamp(segur.ExpirationJeton(now))
	proprio := t.proprioDe(j)
	var id int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := verifier(tx); err != nil {
			return err
		}
		colonnes, valeurs := t.proprio+`, empreinte, prefixe, cree_le, expire_le`, `$1, $2, $3, $4, $5`
		args := []any{proprio, j.Empreinte, j.Prefixe, now, expire}
		if !t.agents {
			colonnes, valeurs = colonnes+`, utilisateur_id`, valeurs+`, $6`
			args = append(args, nullID(int64(j.UtilisateurID)))
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO `+t.table+` (`+colonnes+`) VALUES (`+valeurs+`) RETURNING id`, args...).Scan(&id)
		switch violationOf(err) {
		case uniqueViolation:
			return segur.Errorf(segur.ECONFLICT, "ce jeton existe déjà")
		case foreignKeyViolation:
			if t.agents {
				return segur.Errorf(segur.ENOTFOUND, "utilisateur n° %d introuvable", proprio)
			}
			return segur.Errorf(segur.ENOTFOUND, "fournisseur n° %d introuvable", proprio)
		case checkViolation:
			return segur.Errorf(segur.EINVALID, "jeton refusé : attendu une empreinte SHA-256 de 32 octets")
		}
		if err != nil {
			return fmt.Errorf("sqlstore: create %s %s: %w", t.table, j.Prefixe, err)
		}
		return db.audit(ctx, tx, now, t.action+".creer", "jeton:"+j.Prefixe, struct {
			jetonAudit
			Prefixe  string    `json:"prefixe"`
			ExpireLe time.Time `json:"expire_le"`
		}{t.audit(segur.JetonID(id), proprio), j.Prefixe, expire})
	})
	if err != nil {
		return err
	}
	if t.agents {
		j.FournisseurID = 0
	}
	j.ID, j.CreeLe, j.ExpireLe = segur.JetonID(id), now, expire
	j.DernierUsage, j.RevoqueLe = time.Time{}, time.Time{}
	return nil
}

// trouverJeton returns the token of t whose column ou (empreinte, id) is
// v, revoked or not, or an ENOTFOUND of message introuvable.
func (db *DB) trouverJeton(ctx context.Context, t tableJetons, ou string, v any, introuvable string) (*segur.Jeton, error) {
	j, err := t.scan(db.r.QueryRowContext(ctx, `SELECT `+t.colonnes()+` FROM `+t.table+` WHERE `+ou+` = $1`, v))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "%s", introuvable)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find %s: %w", t.table, err)
	}
	return &j, nil
}

// listerJetons returns the tokens of t of owner proprio, revoked ones
// included, in creation order.
func (db *DB) listerJetons(ctx context.Context, t tableJetons, proprio int64) ([]segur.Jeton, error) {
	return queryAll(ctx, db.r, t.scan, t.table,
		`SELECT `+t.colonnes()+` FROM `+t.table+` WHERE `+t.proprio+` = $1 ORDER BY id`, proprio)
}

// toucherJeton records that token id of t was used at at, as TouchJeton
// says.
func (db *DB) toucherJeton(ctx context.Context, t tableJetons, id segur.JetonID, at time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE `+t.table+` SET dernier_usage = $1 WHERE id = $2 AND (dernier_usage IS NULL OR dernier_usage <= $3)`,
			stamp(at), int64(id), stamp(at.Add(-segur.UsageJeton)))
		if err != nil {
			return fmt.Errorf("sqlstore: touch %s %d: %w", t.table, id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		return jetonExiste(ctx, tx, t, id)
	})
}

// jetonExiste returns an ENOTFOUND if token id of t does not exist.
func jetonExiste(ctx context.Context, tx *sql.Tx, t tableJetons, id segur.JetonID) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+t.table+` WHERE id = $1`, int64(id)).Scan(&n); err != nil {
		return fmt.Errorf("sqlstore: %s %d: %w", t.table, id, err)
	}
	if n == 0 {
		return segur.Errorf(segur.ENOTFOUND, "jeton n° %d introuvable", id)
	}
	return nil
}

// renouvelerJeton renews token id of t, as RenewJeton says.
func (db *DB) renouvelerJeton(ctx context.Context, t tableJetons, id segur.JetonID) (*segur.Jeton, error) {
	now := db.clock()
	var j segur.Jeton
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		j, err = t.scan(tx.QueryRowContext(ctx, `SELECT `+t.colonnes()+` FROM `+t.table+` WHERE id = $1`+db.forUpdate(), int64(id)))
		if errors.Is(err, sql.ErrNoRows) {
			return segur.Errorf(segur.ENOTFOUND, "jeton n° %d introuvable", id)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: renew %s %d: %w", t.table, id, err)
		}
		avant := j.ExpireLe
		if err := j.Renouveler(now); err != nil {
			return err
		}
		j.ExpireLe = stamp(j.ExpireLe)
		if _, err := tx.ExecContext(ctx, `UPDATE `+t.table+` SET expire_le = $1 WHERE id = $2`, j.ExpireLe, int64(id)); err != nil {
			return fmt.Errorf("sqlstore: renew %s %d: %w", t.table, id, err)
		}
		return db.audit(ctx, tx, now, t.action+".renouveler", "jeton:"+j.Prefixe, struct {
			jetonAudit
			Expirait time.Time `json:"expirait_le"`
			ExpireLe time.Time `json:"expire_le"`
		}{t.audit(id, t.proprioDe(&j)), avant, j.ExpireLe})
	})
	if err != nil {
		return nil, err
	}
	return &j, nil
}

// revoquerJeton revokes token id of t, as RevokeJeton says.
func (db *DB) revoquerJeton(ctx context.Context, t tableJetons, id segur.JetonID) error {
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		var (
			prefixe string
			proprio int64
		)
		err := tx.QueryRowContext(ctx,
			`UPDATE `+t.table+` SET revoque_le = $1 WHERE id = $2 AND revoque_le IS NULL RETURNING prefixe, `+t.proprio,
			now, int64(id)).Scan(&prefixe, &proprio)
		if errors.Is(err, sql.ErrNoRows) {
			return jetonExiste(ctx, tx, t, id)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: revoke %s %d: %w", t.table, id, err)
		}
		return db.audit(ctx, tx, now, t.action+".revoquer", "jeton:"+prefixe, revocation{jetonAudit: t.audit(id, proprio), RevoqueLe: now})
	})
}

// revoquerJetonsDe revokes, in tx, the active tokens of t of user id (the
// ones he created for his vendor, or the agent's own), each audited with
// raison, and returns their prefixes.
func (db *DB) revoquerJetonsDe(ctx context.Context, tx *sql.Tx, t tableJetons, id segur.UtilisateurID, now time.Time, raison string) ([]string, error) {
	js, err := queryAll(ctx, tx, t.scan, t.table,
		`UPDATE `+t.table+` SET revoque_le = $1 WHERE utilisateur_id = $2 AND revoque_le IS NULL RETURNING `+t.colonnes(), now, int64(id))
	if err != nil {
		return nil, err
	}
	prefixes := make([]string, 0, len(js))
	for _, j := range js {
		prefixes = append(prefixes, j.Prefixe)
		if err := db.audit(ctx, tx, now, t.action+".revoquer", "jeton:"+j.Prefixe,
			revocation{jetonAudit: t.audit(j.ID, t.proprioDe(&j)), RevoqueLe: now, Raison: raison}); err != nil {
			return nil, err
		}
	}
	return prefixes, nil
}

// CreateJeton stores a vendor's API token, by its digest, and sets its ID,
// CreeLe and ExpireLe (a year later); the token is active and unused. A
// digest already stored is an ECONFLICT; an unknown vendor an ENOTFOUND. A
// token created by a user (UtilisateurID) is refused (EFORBIDDEN) once
// that user is disabled, in the same transaction: a disabling never misses
// a token created at once.
func (db *DB) CreateJeton(ctx context.Context, j *segur.Jeton) error {
	return db.creerJeton(ctx, jetonsFournisseurs, j, func(tx *sql.Tx) error {
		if j.UtilisateurID == 0 {
			return nil
		}
		return db.utilisateurActif(ctx, tx, j.UtilisateurID)
	})
}

// FindJetonByEmpreinte returns the token of SHA-256 digest empreinte,
// revoked or not, or an ENOTFOUND.
func (db *DB) FindJetonByEmpreinte(ctx context.Context, empreinte []byte) (*segur.Jeton, error) {
	return db.trouverJeton(ctx, jetonsFournisseurs, "empreinte", empreinte, "jeton inconnu")
}

// FindJetons returns the tokens of vendor id, revoked ones included, in
// creation order.
func (db *DB) FindJetons(ctx context.Context, id segur.FournisseurID) ([]segur.Jeton, error) {
	return db.listerJetons(ctx, jetonsFournisseurs, int64(id))
}

// TouchJeton records that token id was used at at, or returns an
// ENOTFOUND. A use less than segur.UsageJeton after the one recorded is
// not written: requests of one program at once, each having read the
// token before the others wrote, write its use once. It writes no audit
// event: a use is not a change.
func (db *DB) TouchJeton(ctx context.Context, id segur.JetonID, at time.Time) error {
	return db.toucherJeton(ctx, jetonsFournisseurs, id, at)
}

// RenewJeton pushes the expiry of token id a year from now (Jeton.
// Renouveler), audited, and returns the token renewed; an ENOTFOUND, or
// an ECONFLICT if it is revoked.
func (db *DB) RenewJeton(ctx context.Context, id segur.JetonID) (*segur.Jeton, error) {
	return db.renouvelerJeton(ctx, jetonsFournisseurs, id)
}

// RevokeJeton revokes token id now, or returns an ENOTFOUND. Revoking a
// revoked token changes nothing and is not an error.
func (db *DB) RevokeJeton(ctx context.Context, id segur.JetonID) error {
	return db.revoquerJeton(ctx, jetonsFournisseurs, id)
}
