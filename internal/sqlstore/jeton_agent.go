package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/segur-numerique/segur"
)

// The agents' API tokens (jetons_agents) are stored as the vendors'
// (jeton.go, tableJetons), but held by an agent.

// CreateJetonAgent stores an agent's API token (j.UtilisateurID), by its
// digest, and sets its ID, CreeLe and ExpireLe (a year later). A disabled
// user, or one who is no agent, is refused (EFORBIDDEN) in the same
// transaction; a digest already stored is an ECONFLICT.
func (db *DB) CreateJetonAgent(ctx context.Context, j *segur.Jeton) error {
	return db.creerJeton(ctx, jetonsAgents, j, func(tx *sql.Tx) error {
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
		return nil
	})
}

// FindJetonAgentByEmpreinte returns the agent's token of SHA-256 digest
// empreinte, revoked or not, or an ENOTFOUND.
func (db *DB) FindJetonAgentByEmpreinte(ctx context.Context, empreinte []byte) (*segur.Jeton, error) {
	return db.trouverJeton(ctx, jetonsAgents, "empreinte", empreinte, "jeton inconnu")
}

// FindJetonAgentByID returns agent's token id, revoked or not, or an
// ENOTFOUND.
func (db *DB) FindJetonAgentByID(ctx context.Context, id segur.JetonID) (*segur.Jeton, error) {
	return db.trouverJeton(ctx, jetonsAgents, "id", int64(id), fmt.Sprintf("jeton d'agent n° %d introuvable", id))
}

// FindJetonsAgent returns the tokens of agent id, revoked ones included,
// in creation order.
func (db *DB) FindJetonsAgent(ctx context.Context, id segur.UtilisateurID) ([]segur.Jeton, error) {
	return db.listerJetons(ctx, jetonsAgents, int64(id))
}

// TouchJetonAgent records that agent's token id was used at at, at most
// once per segur.UsageJeton, as TouchJeton; an unknown token is an
// ENOTFOUND.
func (db *DB) TouchJetonAgent(ctx context.Context, id segur.JetonID, at time.Time) error {
	return db.toucherJeton(ctx, jetonsAgents, id, at)
}

// RenewJetonAgent pushes the expiry of agent's token id a year from now
// (Jeton.Renouveler), audited; an ENOTFOUND, or an ECONFLICT if revoked.
func (db *DB) RenewJetonAgent(ctx context.Context, id segur.JetonID) (*segur.Jeton, error) {
	return db.renouvelerJeton(ctx, jetonsAgents, id)
}

// RevokeJetonAgent revokes agent's token id now, or returns an ENOTFOUND.
// Revoking a revoked token changes nothing and is not an error.
func (db *DB) RevokeJetonAgent(ctx context.Context, id segur.JetonID) error {
	return db.revoquerJeton(ctx, jetonsAgents, id)
}
