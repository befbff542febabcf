package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/segur-numerique/segur"
)

// courrielColumns are the columns scanCourriel reads.
const courrielColumns = `id, destinataires, sujet, corps, objet, piece_nom, piece_sha256, etat,
	cree_le, prochain_essai, reserve_le, dernier_essai, envoye_le, tentatives, derniere_erreur`

// scanCourriel reads courrielColumns.
func scanCourriel(s scanner) (segur.Courriel, error) {
	var (
		c                      segur.Courriel
		a, etat                string
		reserve, essai, envoye sql.NullTime
	)
	err := s.Scan(&c.ID, &a, &c.Sujet, &c.Corps, &c.Objet, &c.PieceNom, &c.PieceSHA256, &etat,
		&c.CreeLe, &c.ProchainEssai, &reserve, &essai, &envoye, &c.Tentatives, &c.DerniereErreur)
	c.A = strings.Split(a, ",")
	c.Etat = segur.EtatCourriel(etat)
	c.CreeLe, c.ProchainEssai = c.CreeLe.UTC(), c.ProchainEssai.UTC()
	c.ReserveLe, c.DernierEssai, c.EnvoyeLe = timeOrZero(reserve), timeOrZero(essai), timeOrZero(envoye)
	return c, err
}

// enfilerCourriel queues mail c in the caller's transaction tx, due at
// now, so that the mail and the change it tells of commit together (or
// neither does); it sets c's ID, Etat, CreeLe and ProchainEssai. The audit
// event is courriel.enfiler on courriel:ID, with the mail's objet,
// recipients, subject and attachment (not its body).
func (db *DB) enfilerCourriel(ctx context.Context, tx *sql.Tx, now time.Time, c *segur.Courriel) error {
	if err := c.Valider(); err != nil {
		return err
	}
	now = stamp(now)
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO courriels (destinataires, sujet, corps, objet, piece_nom, piece_sha256, etat, cree_le, prochain_essai)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		strings.Join(c.A, ","), c.Sujet, c.Corps, c.Objet, c.PieceNom, c.PieceSHA256, string(segur.CourrielAEnvoyer), now, now).Scan(&id)
	if violationOf(err) == checkViolation {
		return segur.Errorf(segur.EINVALID, "courriel refusé par la base : %s", c.Sujet)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: enfiler le courriel %q: %w", c.Objet, err)
	}
	if err := db.audit(ctx, tx, now, "courriel.enfiler", fmt.Sprintf("courriel:%d", id), struct {
		Objet       string   `json:"objet"`
		A           []string `json:"a"`
		Sujet       string   `json:"sujet"`
		PieceNom    string   `json:"piece_nom,omitempty"`
		PieceSHA256 string   `json:"piece_sha256,omitempty"`
	}{c.Objet, c.A, c.Sujet, c.PieceNom, c.PieceSHA256}); err != nil {
		return err
	}
	c.ID, c.Etat, c.CreeLe, c.ProchainEssai = segur.CourrielID(id), segur.CourrielAEnvoyer, now, now
	c.ReserveLe, c.DernierEssai, c.EnvoyeLe, c.Tentatives, c.DerniereErreur = time.Time{}, time.Time{}, time.Time{}, 0, ""
	return nil
}

// CreateCourriel queues mail c, due now, in a transaction of its own (see
// enfilerCourriel to queue it with a change). An invalid mail is an
// EINVALID (segur.Courriel.Valider).
func (db *DB) CreateCourriel(ctx context.Context, c *segur.Courriel) error {
	now := db.clock()
	var q segur.Courriel
	err := db.write(ctx, func(tx *sql.Tx) error {
		q = *c // c changes only once committed
		return db.enfilerCourriel(ctx, tx, now, &q)
	})
	if err != nil {
		return err
	}
	*c = q
	return nil
}

// ClaimCourriels claims up to limit mails due at now (to send, or failed
// and due again), oldest due first, for a sender: in one statement, their
// next attempt moves to now + bail and ReserveLe to now, so that no other
// sender claims them until the sender reports (CourrielEnvoye,
// UpdateCourrielEchec) or, if it died, until bail has passed. On PostgreSQL,
// FOR UPDATE SKIP LOCKED lets two servers claim at once without waiting
// and without sharing a mail; SQLite has one writer. The mails return in
// ID order, with the claim applied.
func (db *DB) ClaimCourriels(ctx context.Context, now time.Time, bail time.Duration, limit int) ([]segur.Courriel, error) {
	if limit <= 0 || bail <= 0 {
		return nil, segur.Errorf(segur.EINVALID, "réservation de courriels : attendu un nombre et une durée positifs")
	}
	now = stamp(now)
	out := []segur.Courriel{}
	err := db.write(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, `UPDATE courriels SET prochain_essai = $2, reserve_le = $1
			WHERE id IN (SELECT id FROM courriels WHERE etat <> 'envoye' AND prochain_essai <= $1
				ORDER BY prochain_essai, id LIMIT $3`+db.forUpdateSkipLocked()+`)
			RETURNING `+courrielColumns, now, now.Add(bail), limit)
		if err != nil {
			return fmt.Errorf("sqlstore: réserver des courriels: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanCourriel(rows)
			if err != nil {
				return fmt.Errorf("sqlstore: réserver des courriels: %w", err)
			}
			out = append(out, c)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlstore: réserver des courriels: %w", err)
		}
		return rows.Close()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b segur.Courriel) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// UpdateCourrielEnvoye records that the SMTP server accepted mail id at quand.
// Recording it twice keeps the first time; an unknown mail is an
// ENOTFOUND. Like the claims and the failures, it writes no audit event:
// the mail's row is the record of its sending. A mail to a user (objet
// utilisateur:…) loses the tokens of its links (segur.SansJeton): the
// store keeps only their digests.
func (db *DB) UpdateCourrielEnvoye(ctx context.Context, id segur.CourrielID, quand time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE courriels SET etat = 'envoye', envoye_le = $2, reserve_le = NULL
			WHERE id = $1 AND etat <> 'envoye'`, int64(id), stamp(quand))
		if err != nil {
			return fmt.Errorf("sqlstore: courriel %d envoyé: %w", id, err)
		}
		if err := changedOrExists(ctx, tx, res, id); err != nil {
			return err
		}
		var corps string
		err = tx.QueryRowContext(ctx, `SELECT corps FROM courriels WHERE id = $1 AND objet LIKE 'utilisateur:%'`, int64(id)).Scan(&corps)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sqlstore: courriel %d envoyé: %w", id, err)
		}
		if sans := segur.SansJeton(corps); sans != corps {
			if _, err := tx.ExecContext(ctx, `UPDATE courriels SET corps = $2 WHERE id = $1`, int64(id), sans); err != nil {
				return fmt.Errorf("sqlstore: courriel %d envoyé: %w", id, err)
			}
		}
		return nil
	})
}

// UpdateCourrielEchec records the failure of an attempt to send mail id at
// quand: one more attempt, its error (cut to segur.MaxErreurCourriel
// bytes), and the next attempt at prochain. The report of a sender late
// for a mail sent since is ignored; an unknown mail is an ENOTFOUND.
func (db *DB) UpdateCourrielEchec(ctx context.Context, id segur.CourrielID, quand time.Time, erreur string, prochain time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE courriels SET etat = 'en_echec', tentatives = tentatives + 1, dernier_essai = $2,
			derniere_erreur = $3, prochain_essai = $4, reserve_le = NULL WHERE id = $1 AND etat <> 'envoye'`,
			int64(id), stamp(quand), tronquer(erreur, segur.MaxErreurCourriel), stamp(prochain))
		if err != nil {
			return fmt.Errorf("sqlstore: échec du courriel %d: %w", id, err)
		}
		return changedOrExists(ctx, tx, res, id)
	})
}

// changedOrExists returns nil when res changed a row or mail id exists
// (and was sent: the statements skip only those), an ENOTFOUND otherwise.
func changedOrExists(ctx context.Context, tx *sql.Tx, res sql.Result, id segur.CourrielID) error {
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlstore: courriel %d: %w", id, err)
	} else if n > 0 {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM courriels WHERE id = $1`, int64(id)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return segur.Errorf(segur.ENOTFOUND, "courriel n° %d introuvable", id)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: courriel %d: %w", id, err)
	}
	return nil
}

// tronquer makes s fit a text column of at most n bytes: valid UTF-8,
// without NUL (PostgreSQL refuses it), cut on a character boundary.
func tronquer(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// FindCourriel returns mail id, or an ENOTFOUND.
func (db *DB) FindCourriel(ctx context.Context, id segur.CourrielID) (*segur.Courriel, error) {
	c, err := scanCourriel(db.r.QueryRowContext(ctx, `SELECT `+courrielColumns+` FROM courriels WHERE id = $1`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "courriel n° %d introuvable", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find courriel %d: %w", id, err)
	}
	return &c, nil
}

// Bounds of a page of FindCourriels.
const (
	courrielsParPage    = 50
	maxCourrielsParPage = 500
)

// FindCourriels returns a page of the outbox, newest first, in state etat
// ("" for all), and how many mails that state holds: limit mails (50 when
// 0 or less, at most 500) after offset.
func (db *DB) FindCourriels(ctx context.Context, etat segur.EtatCourriel, limit, offset int) ([]segur.Courriel, int, error) {
	where, args := "", []any{}
	if etat != "" {
		e, err := segur.ParseEtatCourriel(string(etat))
		if err != nil {
			return nil, 0, err
		}
		where, args = ` WHERE etat = $1`, append(args, string(e))
	}
	if limit <= 0 {
		limit = courrielsParPage
	}
	limit, offset = min(limit, maxCourrielsParPage), max(offset, 0)
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM courriels`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sqlstore: find courriels: %w", err)
	}
	n := len(args)
	cs, err := queryAll(ctx, db.r, scanCourriel, "courriels",
		fmt.Sprintf(`SELECT %s FROM courriels%s ORDER BY id DESC LIMIT $%d OFFSET $%d`, courrielColumns, where, n+1, n+2),
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	return cs, total, nil
}

// RetryCourriel makes mail id due now (the admins' « relancer »), its
// attempts kept; it is audited as courriel.relancer. A mail sent already,
// or being sent (claimed, its claim still running), is an ECONFLICT; an
// unknown mail an ENOTFOUND.
func (db *DB) RetryCourriel(ctx context.Context, id segur.CourrielID) error {
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		c, err := scanCourriel(tx.QueryRowContext(ctx, `SELECT `+courrielColumns+` FROM courriels WHERE id = $1`+db.forUpdate(), int64(id)))
		if errors.Is(err, sql.ErrNoRows) {
			return segur.Errorf(segur.ENOTFOUND, "courriel n° %d introuvable", id)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: relancer le courriel %d: %w", id, err)
		}
		switch {
		case c.Etat == segur.CourrielEnvoye:
			return segur.Errorf(segur.ECONFLICT, "courriel n° %d déjà envoyé", id)
		case !c.ReserveLe.IsZero() && c.ProchainEssai.After(now):
			return segur.Errorf(segur.ECONFLICT, "courriel n° %d en cours d'envoi : réessayez dans quelques minutes", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE courriels SET prochain_essai = $2, reserve_le = NULL WHERE id = $1`, int64(id), now); err != nil {
			return fmt.Errorf("sqlstore: relancer le courriel %d: %w", id, err)
		}
		return db.audit(ctx, tx, now, "courriel.relancer", fmt.Sprintf("courriel:%d", id), struct {
			Objet      string `json:"objet"`
			Etat       string `json:"etat"`
			Tentatives int    `json:"tentatives"`
		}{c.Objet, string(c.Etat), c.Tentatives})
	})
}
