package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/segur-numerique/segur"
)

// The agents' queue: who follows which request, assignments, and when an
// agent last opened a request (migration 0020).

// demandeID reads the ID and status of request asp in tx, or an ENOTFOUND.
func demandeID(ctx context.Context, tx *sql.Tx, asp string) (int64, string, string, error) {
	var id int64
	var statut string
	var agent sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT id, statut, agent FROM demandes WHERE numero_asp = $1`, asp).Scan(&id, &statut, &agent)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", "", segur.Errorf(segur.ENOTFOUND, "demande %s introuvable", asp)
	}
	if err != nil {
		return 0, "", "", fmt.Errorf("sqlstore: demande %s: %w", asp, err)
	}
	return id, statut, agent.String, nil
}

// SuivreDemande records that agent login follows request asp (suivre) or
// no longer does; doing it twice is doing it once.
func (db *DB) SuivreDemande(ctx context.Context, login, asp string, suivre bool) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		id, _, _, err := demandeID(ctx, tx, asp)
		if err != nil {
			return err
		}
		if suivre {
			_, err = tx.ExecContext(ctx, `INSERT INTO demandes_suivies (login, demande_id, depuis) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				login, id, stamp(db.clock()))
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM demandes_suivies WHERE login = $1 AND demande_id = $2`, login, id)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: suivi de %s par %s: %w", asp, login, err)
		}
		return nil
	})
}

// FindSuivies returns which of requests asps agent login follows.
func (db *DB) FindSuivies(ctx context.Context, login string, asps []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(asps) == 0 {
		return out, nil
	}
	list, arg, err := db.textList(2, "l", asps)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: suivies: %w", err)
	}
	rows, err := queryAll(ctx, db.r, func(s scanner) (string, error) {
		var asp string
		return asp, s.Scan(&asp)
	}, "suivies", `SELECT d.numero_asp FROM `+list+` JOIN demandes d ON d.numero_asp = l.v
		JOIN demandes_suivies s ON s.demande_id = d.id AND s.login = $1`, login, arg)
	for _, asp := range rows {
		out[asp] = true
	}
	return out, err
}

// AttribuerDemande assigns request asp to agent (no one for ""), as par
// decided, in one transaction with its history's line and audit event;
// ECONFLICT when it is assigned to agent already, ENOTFOUND when agent is
// not an active instructor. check (segur.PeutAttribuer) is asked with the
// agent assigned now, read in the transaction.
func (db *DB) AttribuerDemande(ctx context.Context, asp, agent, par string, check func(actuel string) error) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		id, statut, actuel, err := demandeID(ctx, tx, asp)
		if err != nil {
			return err
		}
		if err := check(actuel); err != nil {
			return err
		}
		if actuel == agent {
			if agent == "" {
				return segur.Errorf(segur.ECONFLICT, "la demande %s n'est attribuée à personne", asp)
			}
			return segur.Errorf(segur.ECONFLICT, "la demande %s est déjà attribuée à %s", asp, agent)
		}
		if agent != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM utilisateurs WHERE login = $1 AND (role = 'instructeur' OR ',' || autres_roles || ',' LIKE '%,instructeur,%')`,
				agent).Scan(&n); err != nil {
				return fmt.Errorf("sqlstore: agent %s: %w", agent, err)
			}
			if n == 0 {
				return segur.Errorf(segur.ENOTFOUND, "aucun instructeur « %s » : attendu l'identifiant d'un agent qui a le rôle instructeur", agent)
			}
		}
		quand := stamp(db.clock())
		if _, err := tx.ExecContext(ctx, `UPDATE demandes SET agent = $1 WHERE id = $2`, nullString(agent), id); err != nil {
			return fmt.Errorf("sqlstore: attribution de %s: %w", asp, err)
		}
		raison := "Attribuée à " + agent
		if agent == "" {
			raison = "Plus attribuée (auparavant à " + actuel + ")"
		} else if actuel != "" {
			raison += " (auparavant à " + actuel + ")"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO demande_historique (demande_id, quand, par, action, de, vers, raison) VALUES ($1, $2, $3, $4, $5, $5, $6)`,
			id, quand, par, string(segur.ActionAttribuer), statut, raison); err != nil {
			return fmt.Errorf("sqlstore: historique de %s: %w", asp, err)
		}
		return db.audit(ctx, tx, quand, "demande.attribuee", "demande:"+asp, map[string]string{"agent": agent, "avant": actuel})
	})
}

// ConsulterDemande records that agent login opened request asp now.
func (db *DB) ConsulterDemande(ctx context.Context, login, asp string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO demandes_consultees (login, demande_id, le)
			SELECT $1, id, $3 FROM demandes WHERE numero_asp = $2
			ON CONFLICT (login, demande_id) DO UPDATE SET le = excluded.le`, login, asp, stamp(db.clock()))
		if err != nil {
			return fmt.Errorf("sqlstore: consultation de %s par %s: %w", asp, login, err)
		}
		return nil
	})
}

// FindModifiees returns, of requests asps that agent login opened before,
// those whose history got a line from someone else since: one query for a
// page of the queue.
func (db *DB) FindModifiees(ctx context.Context, login string, asps []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(asps) == 0 {
		return out, nil
	}
	list, arg, err := db.textList(2, "l", asps)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: modifiées: %w", err)
	}
	rows, err := queryAll(ctx, db.r, func(s scanner) (string, error) {
		var asp string
		return asp, s.Scan(&asp)
	}, "modifiées", `SELECT d.numero_asp FROM `+list+` JOIN demandes d ON d.numero_asp = l.v
		JOIN demandes_consultees c ON c.demande_id = d.id AND c.login = $1
		WHERE EXISTS (SELECT 1 FROM demande_historique h WHERE h.demande_id = d.id AND h.quand > c.le AND h.par <> $1)`, login, arg)
	for _, asp := range rows {
		out[asp] = true
	}
	return out, err
}
