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
// later.

const changementBanqueColumns = `id, fournisseur_id, ancien_iban, ancien_bic, iban, bic, justificatif_sha256, justificatif_taille,
	justificatif_format, justificatif_nom, etat, propose_le, propose_par, decide_le, COALESCE(decide_par, ''), motif`

func scanChangementBanque(s scanner) (segur.ChangementBanque, error) {
	var (
		c      segur.ChangementBanque
		etat   string
		decide sql.NullTime
	)
	err := s.Scan(&c.ID, &c.FournisseurID, &c.AncienIBAN, &c.AncienBIC, &c.IBAN, &c.BIC, &c.Justificatif.Fichier.SHA256, &c.Justificatif.Fichier.Taille,
		&c.Justificatif.Format, &c.Justificatif.Nom, &etat, &c.ProposeLe, &c.ProposePar, &decide, &c.DecidePar, &c.Motif)
	c.Etat, c.ProposeLe, c.DecideLe = segur.EtatChangementBanque(etat), c.ProposeLe.UTC(), timeOrZero(decide)
	return c, err
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

// changementEnAttente reads vendor f's pending change on q, nil if none.
func (db *DB) changementEnAttente(ctx context.Context, q querier, f segur.FournisseurID, lock bool) (*segur.ChangementBanque, error) {
	suffix := ""
	if lock {
		suffix = db.forUpdate()
	}
	c, err := scanChangementBanque(q.QueryRowContext(ctx, `SELECT `+changementBanqueColumns+` FROM changements_banque
		WHERE fournisseur_id = $1 AND etat = 'en_attente'`+suffix, int64(f)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: changement de banque de %d: %w", f, err)
	}
	return &c, nil
}

// FindChangementBanqueEnAttente returns vendor f's pending change of bank
// details, or an ENOTFOUND.
func (db *DB) FindChangementBanqueEnAttente(ctx context.Context, f segur.FournisseurID) (*segur.ChangementBanque, error) {
	c, err := db.changementEnAttente(ctx, db.r, f, false)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, segur.Errorf(segur.ENOTFOUND, "Aucun changement de coordonnées bancaires n'attend d'approbation pour ce fournisseur.")
	}
	return c, nil
}

// FindChangementsBanque returns vendor f's changes of bank details, the
// latest first.
func (db *DB) FindChangementsBanque(ctx context.Context, f segur.FournisseurID) ([]segur.ChangementBanque, error) {
	return queryAll(ctx, db.r, scanChangementBanque, "changements de banque",
		`SELECT `+changementBanqueColumns+` FROM changements_banque WHERE fournisseur_id = $1 ORDER BY id DESC`, int64(f))
}

// FindBanquesEnAttente returns the vendors with a pending change of bank
// details.
func (db *DB) FindBanquesEnAttente(ctx context.Context) (map[segur.FournisseurID]bool, error) {
	ids, err := queryAll(ctx, db.r, func(s scanner) (segur.FournisseurID, error) {
		var id segur.FournisseurID
		return id, s.Scan(&id)
	}, "changements de banque en attente", `SELECT fournisseur_id FROM changements_banque WHERE etat = 'en_attente'`)
	if err != nil {
		return nil, err
	}
	out := make(map[segur.FournisseurID]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// ProposerChangementBanque records the context's actor's proposal of new
// bank details iban and bic for vendor f, supported by j, a stored file
// (segur.Fournisseur.ProposerBanque: one pending per vendor). Nothing is
// paid to them before another administrator approves. The event is
// fournisseur.banque.proposer.
func (db *DB) ProposerChangementBanque(ctx context.Context, f segur.FournisseurID, iban, bic string, j segur.Justificatif) (*segur.ChangementBanque, error) {
	now := db.clock()
	var out *segur.ChangementBanque
	err := db.write(ctx, func(tx *sql.Tx) error {
		v, err := db.fournisseurPourCorrection(ctx, tx, f)
		if err != nil {
			return err
		}
		attente, err := db.changementEnAttente(ctx, tx, f, true)
		if err != nil {
			return err
		}
		c, err := v.ProposerBanque(iban, bic, j, segur.ActeurFrom(ctx).Login, attente, now)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO changements_banque (fournisseur_id, ancien_iban, ancien_bic, iban, bic, justificatif_sha256,
			justificatif_taille, justificatif_format, justificatif_nom, etat, propose_le, propose_par)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			int64(f), c.AncienIBAN, c.AncienBIC, c.IBAN, c.BIC, c.Justificatif.Fichier.SHA256, c.Justificatif.Fichier.Taille,
			c.Justificatif.Format, c.Justificatif.Nom, string(c.Etat), c.ProposeLe, c.ProposePar).Scan(&c.ID)
		if violationOf(err) == uniqueViolation {
			return segur.Errorf(segur.ECONFLICT, "Un changement de coordonnées bancaires de %s attend déjà son approbation : rechargez la page.", v.Nom)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: proposer banque de %s: %w", v.SIRET, err)
		}
		out = c
		return db.audit(ctx, tx, now, "fournisseur.banque.proposer", "fournisseur:"+v.SIRET, auditBanque{
			correction: correction{ID: int64(f), Nom: v.SIRET, Avant: etatBanque{c.AncienIBAN, c.AncienBIC}, Apres: etatBanque{c.IBAN, c.BIC}},
			Changement: int64(c.ID), Etat: c.Etat, ProposePar: c.ProposePar, Justificatif: c.Justificatif.Fichier.SHA256})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ApprouverChangementBanque approves vendor f's pending change of bank
// details as the context's actor (segur.ChangementBanque.Approuver: not
// the one who proposed it), and in the same transaction puts the new
// details in force and queues the mail that tells the vendor's contact
// address and its active users (segur.CourrielBanque; contact is whom
// they tell if they did not ask for it, paris the zone of its date). The
// batches already prepared keep their details. The event is
// fournisseur.banque.approuver.
func (db *DB) ApprouverChangementBanque(ctx context.Context, f segur.FournisseurID, contact string, paris *time.Location) (*segur.ChangementBanque, error) {
	now := db.clock()
	var out *segur.ChangementBanque
	err := db.write(ctx, func(tx *sql.Tx) error {
		v, err := db.fournisseurPourCorrection(ctx, tx, f)
		if err != nil {
			return err
		}
		c, err := db.changementEnAttente(ctx, tx, f, true)
		if err != nil {
			return err
		}
		if c == nil {
			return segur.Errorf(segur.ECONFLICT, "Aucun changement de coordonnées bancaires de %s n'attend d'approbation : rechargez la page.", v.Nom)
		}
		if err := c.Approuver(segur.ActeurFrom(ctx).Login, now); err != nil {
			return err
		}
		avant := etatBanque{v.IBAN, v.BIC}
		if err := db.deciderBanque(ctx, tx, c); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fournisseurs SET iban = $1, bic = $2 WHERE id = $3`, c.IBAN, c.BIC, int64(f)); err != nil {
			return fmt.Errorf("sqlstore: banque de %s: %w", v.SIRET, err)
		}
		a := []string{v.Email}
		logins, err := queryAll(ctx, tx, func(s scanner) (string, error) {
			var l string
			return l, s.Scan(&l)
		}, "utilisateurs du fournisseur", `SELECT login FROM utilisateurs WHERE fournisseur_id = $1 AND desactive_le IS NULL ORDER BY login`, int64(f))
		if err != nil {
			return err
		}
		a = append(a, logins...)
		mail := segur.CourrielBanque(c, v, a, contact, paris)
		if err := db.enfilerCourriel(ctx, tx, now, &mail); err != nil {
			return err
		}
		out = c
		return db.audit(ctx, tx, now, "fournisseur.banque.approuver", "fournisseur:"+v.SIRET, auditBanque{
			correction: correction{ID: int64(f), Nom: v.SIRET, Avant: avant, Apres: etatBanque{c.IBAN, c.BIC}},
			Changement: int64(c.ID), Etat: c.Etat, ProposePar: c.ProposePar, Justificatif: c.Justificatif.Fichier.SHA256, Courriels: mail.A})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RejeterChangementBanque rejects vendor f's pending change of bank
// details as the context's actor, for motif (segur.ChangementBanque.Rejeter:
// the proposer withdraws it, or another administrator refuses it); the
// details in force stay. The event is fournisseur.banque.rejeter.
func (db *DB) RejeterChangementBanque(ctx context.Context, f segur.FournisseurID, motif string) (*segur.ChangementBanque, error) {
	now := db.clock()
	var out *segur.ChangementBanque
	err := db.write(ctx, func(tx *sql.Tx) error {
		v, err := db.fournisseurPourCorrection(ctx, tx, f)
		if err != nil {
			return err
		}
		c, err := db.changementEnAttente(ctx, tx, f, true)
		if err != nil {
			return err
		}
		if c == nil {
			return segur.Errorf(segur.ECONFLICT, "Aucun changement de coordonnées bancaires de %s n'attend d'approbation : rechargez la page.", v.Nom)
		}
		if err := c.Rejeter(segur.ActeurFrom(ctx).Login, motif, now); err != nil {
			return err
		}
		if err := db.deciderBanque(ctx, tx, c); err != nil {
			return err
		}
		out = c
		enVigueur := etatBanque{v.IBAN, v.BIC}
		return db.audit(ctx, tx, now, "fournisseur.banque.rejeter", "fournisseur:"+v.SIRET, auditBanque{
			correction: correction{ID: int64(f), Nom: v.SIRET, Avant: enVigueur, Apres: enVigueur},
			Changement: int64(c.ID), Etat: c.Etat, ProposePar: c.ProposePar, Justificatif: c.Justificatif.Fichier.SHA256, Motif: c.Motif})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// deciderBanque records decided change c, if it is still pending.
func (db *DB) deciderBanque(ctx context.Context, tx *sql.Tx, c *segur.ChangementBanque) error {
	res, err := tx.ExecContext(ctx, `UPDATE changements_banque SET etat = $1, decide_le = $2, decide_par = $3, motif = $4
		WHERE id = $5 AND etat = 'en_attente'`, string(c.Etat), c.DecideLe, c.DecidePar, c.Motif, int64(c.ID))
	if err != nil {
		return fmt.Errorf("sqlstore: changement de banque %d: %w", c.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return segur.Errorf(segur.ECONFLICT, "Ce changement de coordonnées bancaires vient d'être décidé par quelqu'un d'autre : rechargez la page.")
	}
	return nil
}
