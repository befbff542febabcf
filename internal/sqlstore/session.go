package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
)

var _ segur.SessionStore = (*DB)(nil)

// sessionColumns are the columns FindSession reads: the session's, then
// its user's, in scanUtilisateur's order.
const sessionColumns = `s.empreinte, s.utilisateur_id, s.cree_le, s.expire_le, s.vu_le, s.csrf,
	u.id, u.login, u.nom, u.role, u.autres_roles, u.fournisseur_id, u.mot_de_passe, u.cree_le`

// prefixed is a scanner that scans its first columns into head and hands
// the rest to the caller's destinations: it lets a join reuse the scan
// function of each table.
type prefixed struct {
	s    scanner
	head []any
}

func (p prefixed) Scan(dest ...any) error {
	return p.s.Scan(append(p.head[:len(p.head):len(p.head)], dest...)...)
}

// scanSession reads sessionColumns.
func scanSession(s scanner) (segur.Session, segur.Utilisateur, error) {
	var sess segur.Session
	u, err := scanUtilisateur(prefixed{s, []any{&sess.Empreinte, &sess.UtilisateurID, &sess.CreeLe, &sess.ExpireLe, &sess.VuLe, &sess.CSRF}})
	sess.CreeLe, sess.ExpireLe, sess.VuLe = sess.CreeLe.UTC(), sess.ExpireLe.UTC(), sess.VuLe.UTC()
	return sess, u, err
}

// loginOf returns the login of user id, for the objet of an audit event,
// or an ENOTFOUND.
func loginOf(ctx context.Context, tx *sql.Tx, id segur.UtilisateurID) (string, error) {
	var login string
	err := tx.QueryRowContext(ctx, `SELECT login FROM utilisateurs WHERE id = $1`, int64(id)).Scan(&login)
	if errors.Is(err, sql.ErrNoRows) {
		return "", segur.Errorf(segur.ENOTFOUND, "utilisateur n° %d introuvable", id)
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: find utilisateur %d: %w", id, err)
	}
	return login, nil
}

// CreateSession stores session s, by the digest of its token, and sets its
// CreeLe and VuLe to now. A zero ExpireLe, or one later than
// segur.SessionDuree from now, becomes now + SessionDuree; one already
// passed is an EINVALID. A digest already stored is an ECONFLICT; an
// unknown user an ENOTFOUND. The user's expired sessions are deleted on
// the way, so that sessions nobody closes do not pile up. The audit event,
// session.ouvrir on the user, holds neither the digest nor the CSRF token.
func (db *DB) CreateSession(ctx context.Context, s *segur.Session) error {
	if err := s.Valider(); err != nil {
		return err
	}
	now := db.clock()
	expire := stamp(s.ExpireLe)
	if s.ExpireLe.IsZero() || expire.After(now.Add(segur.SessionDuree)) {
		expire = now.Add(segur.SessionDuree)
	}
	if !expire.After(now) {
		return segur.Errorf(segur.EINVALID, "session refusée : son expiration est déjà passée")
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		login, err := loginOf(ctx, tx, s.UtilisateurID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM sessions WHERE utilisateur_id = $1 AND (expire_le <= $2 OR vu_le <= $3)`,
			int64(s.UtilisateurID), now, now.Add(-segur.SessionInactivite)); err != nil {
			return fmt.Errorf("sqlstore: purge sessions of %s: %w", login, err)
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO sessions (empreinte, utilisateur_id, cree_le, expire_le, vu_le, csrf) VALUES ($1, $2, $3, $4, $5, $6)`,
			s.Empreinte, int64(s.UtilisateurID), now, expire, now, s.CSRF)
		switch violationOf(err) {
		case uniqueViolation:
			return segur.Errorf(segur.ECONFLICT, "cette session existe déjà")
		case foreignKeyViolation:
			return segur.Errorf(segur.ENOTFOUND, "utilisateur n° %d introuvable", s.UtilisateurID)
		case checkViolation:
			return segur.Errorf(segur.EINVALID, "session refusée : attendu une empreinte SHA-256 de 32 octets et un jeton CSRF")
		}
		if err != nil {
			return fmt.Errorf("sqlstore: create session of %s: %w", login, err)
		}
		return audit(ctx, tx, now, "session.ouvrir", "utilisateur:"+login, struct {
			UtilisateurID int64     `json:"utilisateur_id"`
			ExpireLe      time.Time `json:"expire_le"`
		}{int64(s.UtilisateurID), expire})
	})
	if err != nil {
		return err
	}
	s.CreeLe, s.VuLe, s.ExpireLe = now, now, expire
	return nil
}

// FindSession returns the session of digest empreinte and its user, or an
// ENOTFOUND: « session inconnue » if absent, « session expirée » if expired
// (segur.Session.Expiree) at the store's clock.
func (db *DB) FindSession(ctx context.Context, empreinte []byte) (*segur.Session, *segur.Utilisateur, error) {
	s, u, err := scanSession(db.r.QueryRowContext(ctx,
		`SELECT `+sessionColumns+` FROM sessions s JOIN utilisateurs u ON u.id = s.utilisateur_id WHERE s.empreinte = $1`, empreinte))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, segur.Errorf(segur.ENOTFOUND, "session inconnue")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: find session: %w", err)
	}
	if s.Expiree(db.clock()) {
		return nil, nil, segur.Errorf(segur.ENOTFOUND, "session expirée")
	}
	return &s, &u, nil
}

// TouchSession records activity on the session of digest empreinte at at:
// its VuLe becomes at, unless it is already later (requests may end out of
// order). An absent session, or one expired at at, is an ENOTFOUND: a touch
// does not revive an idle session. It writes no audit event.
func (db *DB) TouchSession(ctx context.Context, empreinte []byte, at time.Time) error {
	at = stamp(at)
	return db.write(ctx, func(tx *sql.Tx) error {
		var s segur.Session
		err := tx.QueryRowContext(ctx, `SELECT expire_le, vu_le FROM sessions WHERE empreinte = $1`, empreinte).Scan(&s.ExpireLe, &s.VuLe)
		if errors.Is(err, sql.ErrNoRows) {
			return segur.Errorf(segur.ENOTFOUND, "session inconnue")
		}
		if err != nil {
			return fmt.Errorf("sqlstore: touch session: %w", err)
		}
		if s.Expiree(at) {
			return segur.Errorf(segur.ENOTFOUND, "session expirée")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET vu_le = $1 WHERE empreinte = $2 AND vu_le < $1`, at, empreinte); err != nil {
			return fmt.Errorf("sqlstore: touch session: %w", err)
		}
		return nil
	})
}

// DeleteSession closes the session of digest empreinte (logout), expired
// or not, with the audit event session.fermer on its user. An absent
// session is no error, and no event.
func (db *DB) DeleteSession(ctx context.Context, empreinte []byte) error {
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		var uid int64
		err := tx.QueryRowContext(ctx, `DELETE FROM sessions WHERE empreinte = $1 RETURNING utilisateur_id`, empreinte).Scan(&uid)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sqlstore: delete session: %w", err)
		}
		login, err := loginOf(ctx, tx, segur.UtilisateurID(uid))
		if err != nil {
			return err
		}
		return audit(ctx, tx, now, "session.fermer", "utilisateur:"+login, fermetureDetails{uid, 1})
	})
}

// fermetureDetails is the audit detail of closing sessions.
type fermetureDetails struct {
	UtilisateurID int64 `json:"utilisateur_id"`
	Sessions      int64 `json:"sessions"` // how many were closed
}

// DeleteSessionsOf closes all the sessions of user id, after a password
// change, with one audit event session.fermer if there were any. An
// unknown user is an ENOTFOUND.
func (db *DB) DeleteSessionsOf(ctx context.Context, id segur.UtilisateurID) error {
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		login, err := loginOf(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE utilisateur_id = $1`, int64(id))
		if err != nil {
			return fmt.Errorf("sqlstore: delete sessions of %s: %w", login, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("sqlstore: delete sessions of %s: %w", login, err)
		}
		if n == 0 {
			return nil
		}
		return audit(ctx, tx, now, "session.fermer", "utilisateur:"+login, fermetureDetails{int64(id), n})
	})
}

// maxCle bounds a throttling key, which comes from a login form.
const maxCle = 1000

// cleConnexion is a throttling key as stored: keys compare
// case-insensitively (a login in any case, an IPv6 address in any case).
func cleConnexion(cle string) (string, error) {
	c := strings.ToLower(strings.TrimSpace(strings.ToValidUTF8(cle, "\uFFFD")))
	switch {
	case c == "":
		return "", segur.Errorf(segur.EINVALID, "limitation des connexions : clé vide")
	case len(c) > maxCle:
		return "", segur.Errorf(segur.EINVALID, "limitation des connexions : clé de plus de %d octets", maxCle)
	}
	return c, nil
}

// CreateEchecConnexion records a failed login for key cle at at. On the way it
// deletes every failure, of any key, older than segur.FenetreEchecs before
// at: those no longer count, and keys nobody tries again would otherwise
// stay. It writes no audit event.
func (db *DB) CreateEchecConnexion(ctx context.Context, cle string, at time.Time) error {
	c, err := cleConnexion(cle)
	if err != nil {
		return err
	}
	at = stamp(at)
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM echecs_connexion WHERE quand < $1`, at.Add(-segur.FenetreEchecs)); err != nil {
			return fmt.Errorf("sqlstore: purge echecs de connexion: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO echecs_connexion (cle, quand) VALUES ($1, $2)`, c, at); err != nil {
			return fmt.Errorf("sqlstore: echec de connexion: %w", err)
		}
		return nil
	})
}

// CountEchecsConnexion returns the number of failed logins of key cle at or
// after depuis.
func (db *DB) CountEchecsConnexion(ctx context.Context, cle string, depuis time.Time) (int, error) {
	c, err := cleConnexion(cle)
	if err != nil {
		return 0, err
	}
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM echecs_connexion WHERE cle = $1 AND quand >= $2`, c, stamp(depuis)).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: count echecs de connexion: %w", err)
	}
	return n, nil
}

// DeleteEchecsConnexion forgets the failed logins of key cle, after a successful
// login. It writes no audit event.
func (db *DB) DeleteEchecsConnexion(ctx context.Context, cle string) error {
	c, err := cleConnexion(cle)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM echecs_connexion WHERE cle = $1`, c); err != nil {
			return fmt.Errorf("sqlstore: effacer echecs de connexion: %w", err)
		}
		return nil
	})
}
