package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/segur-numerique/segur"
)

// A vendor's bank details under four eyes (segur's banque.go): each step,
// proposing, approving, rejecting, is one transaction that locks the
// vendor's row, applies the domain's rule, and audits the change with the
// full details before and after: the agency justifies every euro years
// later (etapeBanque). A proposal's expiry is decided when it is read
// (segur.ChangementBanque.Expirer at the store's clock), and recorded when
// a new proposal replaces it.

// changementBanqueColumns are the columns of changements_banque, aliased c.
const changementBanqueColumns = `c.id, c.fournisseur_id, c.ancien_iban, c.ancien_bic, c.iban, c.bic, c.justificatif_sha256, c.justificatif_taille,
	c.justificatif_format, c.justificatif_nom, c.etat, c.propose_le, c.propose_par, c.decide_le, COALESCE(c.decide_par, ''), c.motif`

// scanChangementBanque scans a change, then the columns that follow into
// plus.
func scanChangementBanque(s scanner, plus ...any) (segur.ChangementBanque, error) {
	var (
		c      segur.ChangementBanque
		etat   string
		decide sql.NullTime
	)
	err := s.Scan(append([]any{&c.ID, &c.FournisseurID, &c.AncienIBAN, &c.AncienBIC, &c.IBAN, &c.BIC, &c.Justificatif.Fichier.SHA256, &c.Justificatif.Fichier.Taille,
		&c.Justificatif.Format, &c.Justificatif.Nom, &etat, &c.ProposeLe, &c.ProposePar, &decide, &c.DecidePar, &c.Motif}, plus...)...)
	c.Etat, c.ProposeLe, c.DecideLe = segur.EtatChangementBanque(etat), c.ProposeLe.UTC(), timeOrZero(decide)
	return c, err
}

// scanChangementBanqueA scans a change as scanChangementBanque does, its
// expiry decided at now.
func scanChangementBanqueA(now time.Time) func(s scanner) (segur.ChangementBanque, error) {
	return func(s scanner) (segur.ChangementBanque, error) {
		c, err := scanChangementBanque(s)
		c.Expirer(now)
		return c, err
	}
}

// etatBanque is a vendor's bank details in the audit log, in full.
type etatBanque struct {
	IBAN string `json:"iban"`
	BIC  string `json:"bic"`
}

// auditBanque is the audit detail of a step of a change of bank details.
type auditBanque struct {
	correction
	Changement   int64                      `json:"changement"`
	Etat         segur.EtatChangementBanque `json:"etat"`
	ProposePar   string                     `json:"propose_par"`
	Justificatif string                     `json:"justificatif_sha256"`
	Motif        string                     `json:"motif,omitempty"`
	Courriels    []string                   `json:"courriels,omitempty"`
}

// changementEnAttente reads vendor f's change still pending in the
// table on q, nil if none, its expiry decided at now: the state of one
// past segur.ValiditeChangementBanque is segur.BanqueExpire.
func (db *DB) changementEnAttente(ctx context.Context, q querier, f segur.FournisseurID, now time.Time, lock bool) (*segur.ChangementBanque, error) {
	suffix := ""
	if lock {
		suffix = db.forUpdate()
	}
	c, err := scanChangementBanqueA(now)(q.QueryRowContext(ctx, `SELECT `+changementBanqueColumns+` FROM changements_banque c
		WHERE c.fournisseur_id = $1 AND c.etat = 'en_attente'`+suffix, int64(f)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: changement de banque de %d: %w", f, err)
	}
	return &c, nil
}

// FindChangementBanqueEnAttente returns vendor f's last proposed change of
// bank details not yet decided, or an ENOTFOUND: pending, or expired at
// the store's clock (segur.BanqueExpire: it can no longer be approved)
// while no new proposal has replaced it.
func (db *DB) FindChangementBanqueEnAttente(ctx context.Context, f segur.FournisseurID) (*segur.ChangementBanque, error) {
	c, err := db.changementEnAttente(ctx, db.r, f, db.clock(), false)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, segur.Errorf(segur.ENOTFOUND, "Aucun changement de coordonnées bancaires n'attend d'approbation pour ce fournisseur.")
	}
	return c, nil
}

// FindChangementsBanque returns vendor f's changes of bank details, the
// latest first, their expiry decided at the store's clock.
func (db *DB) FindChangementsBanque(ctx context.Context, f segur.FournisseurID) ([]segur.ChangementBanque, error) {
	return queryAll(ctx, db.r, scanChangementBanqueA(db.clock()), "changements de banque",
		`SELECT `+changementBanqueColumns+` FROM changements_banque c WHERE c.fournisseur_id = $1 ORDER BY c.id DESC`, int64(f))
}

// FindChangementsBanqueEnAttente returns every vendor's change of bank
// details not yet decided, the longest waiting first, with its vendor's
// name and SIRET: those pending, and those expired at the store's clock
// (segur.BanqueExpire) that no new proposal has replaced.
func (db *DB) FindChangementsBanqueEnAttente(ctx context.Context) ([]segur.ChangementBanqueFournisseur, error) {
	now := db.clock()
	return queryAll(ctx, db.r, func(s scanner) (segur.ChangementBanqueFournisseur, error) {
		var c segur.ChangementBanqueFournisseur
		var err error
		c.ChangementBanque, err = scanChangementBanque(s, &c.Nom, &c.SIRET)
		c.Expirer(now)
		return c, err
	}, "changements de banque en attente", `SELECT `+changementBanqueColumns+`, f.nom, f.siret
		FROM changements_banque c JOIN fournisseurs f ON f.id = c.fournisseur_id
		WHERE c.etat = 'en_attente' ORDER BY c.propose_le, c.id`)
}

// FindBanquesEnAttente returns the vendors with a change of bank details
// pending, not expired at the store's clock.
func (db *DB) FindBanquesEnAttente(ctx context.Context) (map[segur.FournisseurID]bool, error) {
	ids, err := queryAll(ctx, db.r, func(s scanner) (segur.FournisseurID, error) {
		var id segur.FournisseurID
		return id, s.Scan(&id)
	}, "changements de banque en attente", `SELECT fournisseur_id FROM changements_banque WHERE etat = 'en_attente' AND propose_le > $1`,
		db.clock().Add(-segur.ValiditeChangementBanque))
	if err != nil {
		return nil, err
	}
	out := make(map[segur.FournisseurID]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// etapeBanque is one step of a vendor's change of bank details, inside
// the transaction of changerBanque: given the vendor v (its row locked),
// its change not yet decided (locked; nil if none, expired at now if past
// its validity), it applies the domain's rule, writes what the step
// changes, and returns the change it is about and the audit detail of
// what is particular to the step (the details before and after, the
// reason, the mail's addressees).
type etapeBanque func(tx *sql.Tx, v *segur.Fournisseur, attente *segur.ChangementBanque, now time.Time) (*segur.ChangementBanque, auditBanque, error)

// changerBanque runs step etape on vendor f's bank details in one
// transaction and audits it as action, the detail completed with the
// vendor and the change.
func (db *DB) changerBanque(ctx context.Context, f segur.FournisseurID, action string, etape etapeBanque) (*segur.ChangementBanque, error) {
	now := db.clock()
	var out *segur.ChangementBanque
	err := db.write(ctx, func(tx *sql.Tx) error {
		v, err := db.fournisseurPourCorrection(ctx, tx, f)
		if err != nil {
			return err
		}
		attente, err := db.changementEnAttente(ctx, tx, f, now, true)
		if err != nil {
			return err
		}
		c, d, err := etape(tx, v, attente, now)
		if err != nil {
			return err
		}
		out = c
		return db.auditBanque(ctx, tx, now, action, v, c, d)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// auditBanque audits step action of change c of vendor v, d holding what
// is particular to the step.
func (db *DB) auditBanque(ctx context.Context, tx *sql.Tx, now time.Time, action string, v *segur.Fournisseur, c *segur.ChangementBanque, d auditBanque) error {
	d.correction.ID, d.correction.Nom = int64(v.ID), v.SIRET
	d.Changement, d.Etat, d.ProposePar, d.Justificatif = int64(c.ID), c.Etat, c.ProposePar, c.Justificatif.Fichier.SHA256
	return db.audit(ctx, tx, now, action, "fournisseur:"+v.SIRET, d)
}

// ProposerChangementBanque records the context's actor's proposal of new
// bank details iban and bic for vendor f, supported by j, a stored file
// (segur.Fournisseur.ProposerBanque: one pending per vendor). Nothing is
// paid to them before another administrator approves. The event is
// fournisseur.banque.proposer; a pending proposal it replaces, expired,
// is recorded so, with the event fournisseur.banque.expirer.
func (db *DB) ProposerChangementBanque(ctx context.Context, f segur.FournisseurID, iban, bic string, j segur.Justificatif) (*segur.ChangementBanque, error) {
	return db.changerBanque(ctx, f, "fournisseur.banque.proposer", func(tx *sql.Tx, v *segur.Fournisseur, attente *segur.ChangementBanque, now time.Time) (*segur.ChangementBanque, auditBanque, error) {
		c, err := v.ProposerBanque(iban, bic, j, segur.ActeurFrom(ctx).Login, attente, now)
		if err != nil {
			return nil, auditBanque{}, err
		}
		enVigueur := etatBanque{v.IBAN, v.BIC}
		if attente != nil { // expired: ProposerBanque refuses one still pending
			if err := db.deciderBanque(ctx, tx, attente); err != nil {
				return nil, auditBanque{}, err
			}
			if err := db.auditBanque(ctx, tx, now, "fournisseur.banque.expirer", v, attente,
				auditBanque{correction: correction{Avant: enVigueur, Apres: enVigueur}}); err != nil {
				return nil, auditBanque{}, err
			}
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO changements_banque (fournisseur_id, ancien_iban, ancien_bic, iban, bic, justificatif_sha256,
			justificatif_taille, justificatif_format, justificatif_nom, etat, propose_le, propose_par)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			int64(f), c.AncienIBAN, c.AncienBIC, c.IBAN, c.BIC, c.Justificatif.Fichier.SHA256, c.Justificatif.Fichier.Taille,
			c.Justificatif.Format, c.Justificatif.Nom, string(c.Etat), c.ProposeLe, c.ProposePar).Scan(&c.ID)
		if violationOf(err) == uniqueViolation {
			return nil, auditBanque{}, segur.Errorf(segur.ECONFLICT, "Un changement de coordonnées bancaires de %s attend déjà son approbation : rechargez la page.", v.Nom)
		}
		if err != nil {
			return nil, auditBanque{}, fmt.Errorf("sqlstore: proposer banque de %s: %w", v.SIRET, err)
		}
		return c, auditBanque{correction: correction{Avant: enVigueur, Apres: etatBanque{c.IBAN, c.BIC}}}, nil
	})
}

// decider is the part approving and rejecting share: the vendor's change
// pending, decision applies the domain's rule to it, and deciderBanque
// records it.
func (db *DB) decider(ctx context.Context, tx *sql.Tx, v *segur.Fournisseur, c *segur.ChangementBanque, decision func(c *segur.ChangementBanque) error) error {
	if c == nil {
		return segur.Errorf(segur.ECONFLICT, "Aucun changement de coordonnées bancaires de %s n'attend d'approbation : rechargez la page.", v.Nom)
	}
	if err := decision(c); err != nil {
		return err
	}
	return db.deciderBanque(ctx, tx, c)
}

// ApprouverChangementBanque approves vendor f's pending change of bank
// details as the context's actor (segur.ChangementBanque.Approuver: not
// the one who proposed it, not expired), and in the same transaction puts
// the new details in force and queues the mail that tells the vendor's
// contact address and its active users (segur.CourrielBanque; contact is
// whom they tell if they did not ask for it, paris the zone of its dates).
// The batches already prepared keep their details. The event is
// fournisseur.banque.approuver.
func (db *DB) ApprouverChangementBanque(ctx context.Context, f segur.FournisseurID, contact string, paris *time.Location) (*segur.ChangementBanque, error) {
	return db.changerBanque(ctx, f, "fournisseur.banque.approuver", func(tx *sql.Tx, v *segur.Fournisseur, c *segur.ChangementBanque, now time.Time) (*segur.ChangementBanque, auditBanque, error) {
		err := db.decider(ctx, tx, v, c, func(c *segur.ChangementBanque) error { return c.Approuver(segur.ActeurFrom(ctx).Login, now, paris) })
		if err != nil {
			return nil, auditBanque{}, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fournisseurs SET iban = $1, bic = $2 WHERE id = $3`, c.IBAN, c.BIC, int64(f)); err != nil {
			return nil, auditBanque{}, fmt.Errorf("sqlstore: banque de %s: %w", v.SIRET, err)
		}
		a := []string{v.Email}
		logins, err := queryAll(ctx, tx, func(s scanner) (string, error) {
			var l string
			return l, s.Scan(&l)
		}, "utilisateurs du fournisseur", `SELECT login FROM utilisateurs WHERE fournisseur_id = $1 AND desactive_le IS NULL ORDER BY login`, int64(f))
		if err != nil {
			return nil, auditBanque{}, err
		}
		a = append(a, logins...)
		mail := segur.CourrielBanque(c, v, a, contact, paris)
		if err := db.enfilerCourriel(ctx, tx, now, &mail); err != nil {
			return nil, auditBanque{}, err
		}
		return c, auditBanque{correction: correction{Avant: etatBanque{v.IBAN, v.BIC}, Apres: etatBanque{c.IBAN, c.BIC}}, Courriels: mail.A}, nil
	})
}

// RejeterChangementBanque rejects vendor f's pending change of bank
// details as the context's actor, for motif (segur.ChangementBanque.Rejeter:
// the proposer withdraws it, or another administrator refuses it; one
// expired is refused, its dates in paris); the details in force stay. The
// event is fournisseur.banque.rejeter.
func (db *DB) RejeterChangementBanque(ctx context.Context, f segur.FournisseurID, motif string, paris *time.Location) (*segur.ChangementBanque, error) {
	return db.changerBanque(ctx, f, "fournisseur.banque.rejeter", func(tx *sql.Tx, v *segur.Fournisseur, c *segur.ChangementBanque, now time.Time) (*segur.ChangementBanque, auditBanque, error) {
		err := db.decider(ctx, tx, v, c, func(c *segur.ChangementBanque) error {
			return c.Rejeter(segur.ActeurFrom(ctx).Login, motif, now, paris)
		})
		if err != nil {
			return nil, auditBanque{}, err
		}
		enVigueur := etatBanque{v.IBAN, v.BIC}
		return c, auditBanque{correction: correction{Avant: enVigueur, Apres: enVigueur}, Motif: c.Motif}, nil
	})
}

// deciderBanque records decided (or expired) change c, if it is still
// pending; an expired one is decided by no one.
func (db *DB) deciderBanque(ctx context.Context, tx *sql.Tx, c *segur.ChangementBanque) error {
	res, err := tx.ExecContext(ctx, `UPDATE changements_banque SET etat = $1, decide_le = $2, decide_par = NULLIF($3, ''), motif = $4
		WHERE id = $5 AND etat = 'en_attente'`, string(c.Etat), c.DecideLe, c.DecidePar, c.Motif, int64(c.ID))
	if err != nil {
		return fmt.Errorf("sqlstore: changement de banque %d: %w", c.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return segur.Errorf(segur.ECONFLICT, "Ce changement de coordonnées bancaires vient d'être décidé par quelqu'un d'autre : rechargez la page.")
	}
	return nil
}
