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
	` + utilisateurColumnsU

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

// utilisateurActif refuses (EFORBIDDEN, segur.MsgCompteDesactive) in tx a
// user disabled, or returns an ENOTFOUND for an unknown one. On
// PostgreSQL it locks the user's row until tx ends: a disabling waits for
// it, then deletes what it wrote.
func (db *DB) utilisateurActif(ctx context.Context, tx *sql.Tx, id segur.UtilisateurID) error {
	var desactive sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT desactive_le FROM utilisateurs WHERE id = $1`+db.onPostgres(" FOR SHARE"), int64(id)).Scan(&desactive)
	if errors.Is(err, sql.ErrNoRows) {
		return segur.Errorf(segur.ENOTFOUND, "utilisateur n° %d introuvable", id)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: find utilisateur %d: %w", id, err)
	}
	if desactive.Valid {
		return segur.Errorf(segur.EFORBIDDEN, "%s", segur.MsgCompteDesactive)
	}
	return nil
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
// unknown user an ENOTFOUND; a disabled one an EFORBIDDEN. The user's expired sessions are deleted on
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
		if err := db.utilisateurActif(ctx, tx, s.UtilisateurID); err != nil {
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
		return db.audit(ctx, tx, now, "session.ouvrir", "utilisateur:"+login, struct {
			UtilisateurID int64     `json:"utilisateur_id"`
			ExpireLe      time.Time `json:"expire_le"`
			Methode       string    `json:"methode,omitempty"`
		}{int64(s.UtilisateurID), expire, s.Methode})
	})
	if err != nil {
		return err
	}
	s.CreeLe, s.VuLe, s.ExpireLe = now, now, expire
	return nil
}

// FindSession returns the session of digest empreinte and its user, or an
// ENOTFOUND: « session inconnue » if absent or if its user is disabled
// (disabling deletes the sessions; this holds whatever a race left),
// « session expirée » if expired (segur.Session.Expiree) at the store's
// clock.
func (db *DB) FindSession(ctx context.Context, empreinte []byte) (*segur.Session, *segur.Utilisateur, error) {
	s, u, err := scanSession(db.r.QueryRowContext(ctx,
		`SELECT `+sessionColumns+` FROM sessions s JOIN utilisateurs u ON u.id = s.utilisateur_id WHERE s.empreinte = $1 AND u.desactive_le IS NULL`, empreinte))
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
		return db.audit(ctx, tx, now, "session.fermer", "utilisateur:"+login, fermetureDetails{uid, 1})
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
		return db.audit(ctx, tx, now, "session.fermer", "utilisateur:"+login, fermetureDetails{int64(id), n})
	})
}

// CreateEssaiConnexion counts attempt e at at on its three counters
// (segur.EssaiConnexion.Cles), before its password is checked. The
// counters are taken in the order of their keys, each by an upsert that
// locks its row until the transaction ends (on SQLite, write transactions
// are serialised anyway): concurrent attempts are counted one after the
// other, each seeing the ones before. If one counter makes the attempt
// wait (segur.LimiteEchecs.Attente), nothing is counted and the longest
// wait is returned. Counters whose window has passed are deleted on the
// way. It writes no audit event.
func (db *DB) CreateEssaiConnexion(ctx context.Context, e segur.EssaiConnexion, at time.Time) (time.Duration, error) {
	if err := e.Valider(); err != nil {
		return 0, err
	}
	at = stamp(at)
	var attente time.Duration
	err := db.write(ctx, func(tx *sql.Tx) (err error) {
		attente, err = db.compterEssai(ctx, tx, e.Cles(), at)
		return err
	})
	if err != nil {
		return 0, err
	}
	return attente, nil
}

// compterEssai counts an attempt at at on counters cles, in tx, unless one
// of them makes it wait: then it counts nothing and returns the longest
// wait. Counters stale at at are deleted on the way. Login attempts and
// reset requests (CreateDemandeReinitialisation) count this way.
func (db *DB) compterEssai(ctx context.Context, tx *sql.Tx, cles []segur.CleEchecs, at time.Time) (time.Duration, error) {
	var attente time.Duration
	compteurs := make([]segur.CompteurEchecs, len(cles))
	for i, c := range cles {
		// DO UPDATE (not DO NOTHING) so that RETURNING gives the row,
		// locked, whether it was there or not.
		err := tx.QueryRowContext(ctx, `INSERT INTO essais_connexion (cle, login, n, premier, dernier) VALUES ($1, $2, 0, $3, $3)
			ON CONFLICT (cle) DO UPDATE SET login = excluded.login RETURNING n, premier, dernier`, c.Cle, c.Login, at).
			Scan(&compteurs[i].N, &compteurs[i].Premier, &compteurs[i].Dernier)
		if err != nil {
			return 0, fmt.Errorf("sqlstore: essai de connexion: %w", err)
		}
		attente = max(attente, c.Limite.Attente(compteurs[i], at))
	}
	if attente == 0 {
		if err := compterEchecs(ctx, tx, cles, compteurs, at); err != nil {
			return 0, err
		}
	}
	// Last, when this transaction waits for no more locks, and skipping
	// the rows others hold: two purges never wait for each other's rows.
	if _, err := tx.ExecContext(ctx, `DELETE FROM essais_connexion WHERE cle IN (SELECT cle FROM essais_connexion WHERE premier <= $1`+
		db.forUpdateSkipLocked()+`)`, at.Add(-segur.FenetreEchecs)); err != nil {
		return 0, fmt.Errorf("sqlstore: purge essais de connexion: %w", err)
	}
	return attente, nil
}

// compterEchecs counts one more failure at at on counters cles, read as
// compteurs; a counter whose window has passed starts again at at.
func compterEchecs(ctx context.Context, tx *sql.Tx, cles []segur.CleEchecs, compteurs []segur.CompteurEchecs, at time.Time) error {
	for i, c := range cles {
		premier := compteurs[i].Premier
		if compteurs[i].Echecs(at) == 0 {
			compteurs[i].N, premier = 0, at
		}
		if _, err := tx.ExecContext(ctx, `UPDATE essais_connexion SET n = $1, premier = $2, dernier = $3 WHERE cle = $4`,
			compteurs[i].N+1, premier, at, c.Cle); err != nil {
			return fmt.Errorf("sqlstore: essai de connexion: %w", err)
		}
	}
	return nil
}

// DeleteEssaiConnexion withdraws attempt e, counted by CreateEssaiConnexion
// and found no failure: one failure fewer on each of its counters, and, for
// a success (reussi), its pair forgotten. It writes no audit event.
func (db *DB) DeleteEssaiConnexion(ctx context.Context, e segur.EssaiConnexion, reussi bool) error {
	if err := e.Valider(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		for _, c := range e.Cles() {
			q := `UPDATE essais_connexion SET n = n - 1 WHERE cle = $1 AND n > 0`
			if reussi && c.Login != "" {
				q = `DELETE FROM essais_connexion WHERE cle = $1`
			}
			if _, err := tx.ExecContext(ctx, q, c.Cle); err != nil {
				return fmt.Errorf("sqlstore: retirer un essai de connexion: %w", err)
			}
		}
		return nil
	})
}

// DeleteEchecsConnexion forgets the failures of login from every address
// (segur admin user unlock) and returns how many pairs it cleared, with the
// audit event connexion.debloquer on the user (or on the login, unknown
// logins being throttled too).
func (db *DB) DeleteEchecsConnexion(ctx context.Context, login string) (int, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	if login == "" || len(login) > segur.MaxLoginConnexion {
		return 0, segur.Errorf(segur.EINVALID, "déblocage : attendu un identifiant de 1 à %d octets", segur.MaxLoginConnexion)
	}
	now := db.clock()
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM essais_connexion WHERE login = $1`, login)
		if err != nil {
			return fmt.Errorf("sqlstore: débloquer %s: %w", login, err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("sqlstore: débloquer %s: %w", login, err)
		}
		return db.audit(ctx, tx, now, "connexion.debloquer", "utilisateur:"+login, struct {
			Paires int64 `json:"paires"`
		}{n})
	})
	return int(n), err
}
