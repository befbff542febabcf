package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/segur-numerique/segur"
)

// lienDetails is the audit detail of a link mailed: never its token nor
// its digest.
type lienDetails struct {
	UtilisateurID int64           `json:"utilisateur_id"`
	Objet         segur.ObjetLien `json:"objet"`
	ExpireLe      *time.Time      `json:"expire_le,omitempty"` // none for a ProConnect agent, who gets no link
	CourrielID    int64           `json:"courriel_id"`
}

// envoyerLien mails the link of request d to user u, in tx: it stores the
// link (its digest), valid d.Objet.Duree() from now, replacing the user's
// older links of the same objet, and queues the mail (d.Courriel) in the
// same transaction. An agent who signs in through ProConnect only gets
// the mail without a link, and no link is stored. Expired links of every
// user are deleted on the way. The audit event is utilisateur.lien.
func (db *DB) envoyerLien(ctx context.Context, tx *sql.Tx, now time.Time, u *segur.Utilisateur, d segur.DemandeLien) error {
	det := lienDetails{UtilisateurID: int64(u.ID), Objet: d.Objet}
	if d.AvecLien(u) {
		expire := now.Add(d.Objet.Duree())
		det.ExpireLe = &expire
		if _, err := tx.ExecContext(ctx, `DELETE FROM liens_compte WHERE expire_le <= $1 OR (utilisateur_id = $2 AND objet = $3)`,
			now, int64(u.ID), string(d.Objet)); err != nil {
			return fmt.Errorf("sqlstore: liens de %s: %w", u.Login, err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO liens_compte (empreinte, utilisateur_id, objet, cree_le, expire_le) VALUES ($1, $2, $3, $4, $5)`,
			d.Empreinte, int64(u.ID), string(d.Objet), now, expire)
		switch violationOf(err) {
		case uniqueViolation:
			return segur.Errorf(segur.ECONFLICT, "ce lien existe déjà")
		case checkViolation:
			return segur.Errorf(segur.EINVALID, "lien refusé : attendu une empreinte SHA-256 de 32 octets")
		}
		if err != nil {
			return fmt.Errorf("sqlstore: lien de %s: %w", u.Login, err)
		}
	}
	c := d.Courriel(u)
	if err := db.enfilerCourriel(ctx, tx, now, &c); err != nil {
		return err
	}
	det.CourrielID = int64(c.ID)
	return db.audit(ctx, tx, now, "utilisateur.lien", "utilisateur:"+u.Login, det)
}

// findUtilisateurTx returns the user of login in tx, or an ENOTFOUND.
func findUtilisateurTx(ctx context.Context, tx *sql.Tx, login string) (*segur.Utilisateur, error) {
	u, err := scanUtilisateur(tx.QueryRowContext(ctx, `SELECT `+utilisateurColumns+` FROM utilisateurs WHERE login = $1`, normLogin(login)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "utilisateur %s introuvable", normLogin(login))
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find utilisateur %s: %w", normLogin(login), err)
	}
	return &u, nil
}

// CreateUtilisateurInvite creates user u without a password, as
// CreateUtilisateur does, and mails it the activation link of d
// (segur.LienActivation), in one transaction: the user, the link and the
// mail exist together or not at all. It sets u's ID, Login and CreeLe.
func (db *DB) CreateUtilisateurInvite(ctx context.Context, u *segur.Utilisateur, d segur.DemandeLien) error {
	d.Objet = segur.LienActivation
	if err := d.Valider(); err != nil {
		return err
	}
	now := db.clock()
	v := *u
	v.Login, v.MotDePasse = normLogin(u.Login), ""
	err := db.write(ctx, func(tx *sql.Tx) error {
		id, err := db.insertUtilisateur(ctx, tx, now, &v)
		if err != nil {
			return err
		}
		v.ID, v.CreeLe = segur.UtilisateurID(id), now
		return db.envoyerLien(ctx, tx, now, &v, d)
	})
	if err != nil {
		return err
	}
	*u = v
	return nil
}

// CreateInvitation mails a new activation link (d, segur.LienActivation)
// to the user of d.Login, replacing its older one, and returns the user.
// An unknown user is an
// ENOTFOUND; one who has a password already (an active account), or whose
// password an administrator reset, an ECONFLICT: « Mot de passe oublié ? »
// is theirs.
func (db *DB) CreateInvitation(ctx context.Context, d segur.DemandeLien) (*segur.Utilisateur, error) {
	d.Objet = segur.LienActivation
	if err := d.Valider(); err != nil {
		return nil, err
	}
	now := db.clock()
	var u *segur.Utilisateur
	err := db.write(ctx, func(tx *sql.Tx) (err error) {
		if u, err = findUtilisateurTx(ctx, tx, d.Login); err != nil {
			return err
		}
		if u.MotDePasse != "" {
			return segur.Errorf(segur.ECONFLICT, "Le compte %s est déjà activé : la personne peut utiliser « Mot de passe oublié\u202f? » sur la page de connexion.", u.Login)
		}
		if !u.ReinitialiseLe.IsZero() {
			return segur.Errorf(segur.ECONFLICT, "Le compte %s est déjà activé et son mot de passe a été réinitialisé : renvoyez le lien de réinitialisation depuis la page du compte, ou la personne utilise « Mot de passe oublié\u202f? » sur la page de connexion.", u.Login)
		}
		return db.envoyerLien(ctx, tx, now, u, d)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// CreateDemandeReinitialisation handles a « mot de passe oublié » (d,
// segur.LienReinitialisation) at at, in one transaction whatever the
// address: the request is counted on its counters (segur.DemandeLien.Cles)
// first; if one makes it wait, nothing else is written and the wait is
// returned. Otherwise, if d.Login is a user's, its link is stored and its
// mail queued (envoyerLien); an unknown address writes nothing more and is
// no error, so that the caller answers the same. The password in use is
// never touched.
func (db *DB) CreateDemandeReinitialisation(ctx context.Context, d segur.DemandeLien, at time.Time) (time.Duration, error) {
	d.Objet = segur.LienReinitialisation
	if err := d.Valider(); err != nil {
		return 0, err
	}
	at = stamp(at)
	var attente time.Duration
	err := db.write(ctx, func(tx *sql.Tx) (err error) {
		if attente, err = db.compterEssai(ctx, tx, d.Cles(), at); err != nil || attente > 0 {
			return err
		}
		u, err := findUtilisateurTx(ctx, tx, d.Login)
		if segur.IsCode(err, segur.ENOTFOUND) {
			return nil
		}
		if err != nil {
			return err
		}
		if !u.Actif() {
			// As for an unknown address: nothing is mailed, the answer
			// is the same.
			return nil
		}
		return db.envoyerLien(ctx, tx, at, u, d)
	})
	if err != nil {
		return 0, err
	}
	return attente, nil
}

// lienColumns are the columns scanLien reads, then its user's.
const lienColumns = `l.empreinte, l.utilisateur_id, l.objet, l.cree_le, l.expire_le,
	` + utilisateurColumnsU

func scanLien(s scanner) (segur.LienCompte, segur.Utilisateur, error) {
	var (
		l     segur.LienCompte
		objet string
	)
	u, err := scanUtilisateur(prefixed{s, []any{&l.Empreinte, &l.UtilisateurID, &objet, &l.CreeLe, &l.ExpireLe}})
	l.Objet, l.CreeLe, l.ExpireLe = segur.ObjetLien(objet), l.CreeLe.UTC(), l.ExpireLe.UTC()
	return l, u, err
}

// lienPerime is the refusal of a link unknown, used or expired: the same
// for the three, which the page says together.
func lienPerime() error {
	return segur.Errorf(segur.ENOTFOUND, "Ce lien n'est plus valable : il a déjà servi, a expiré ou a été remplacé par un lien plus récent.")
}

// FindLienCompte returns the link of digest empreinte and its user, or an
// ENOTFOUND if it is unknown, used (deleted) or expired at the store's
// clock.
func (db *DB) FindLienCompte(ctx context.Context, empreinte []byte) (*segur.LienCompte, *segur.Utilisateur, error) {
	l, u, err := scanLien(db.r.QueryRowContext(ctx,
		`SELECT `+lienColumns+` FROM liens_compte l JOIN utilisateurs u ON u.id = l.utilisateur_id WHERE l.empreinte = $1`, empreinte))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, lienPerime()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: find lien: %w", err)
	}
	if !db.clock().Before(l.ExpireLe) {
		return nil, nil, lienPerime()
	}
	return &l, &u, nil
}

// UseLienCompte uses the link of digest empreinte: in one transaction, its
// user's password hash becomes hash, the link and every other link of the
// user are deleted (a link serves once), and the user's sessions are
// closed. A link unknown, used or expired is an ENOTFOUND, and changes
// nothing. It returns the user, with its new hash. The audit event,
// utilisateur.mot_de_passe, names the link's objet, not the hash.
func (db *DB) UseLienCompte(ctx context.Context, empreinte []byte, hash string) (*segur.Utilisateur, error) {
	if hash == "" {
		return nil, segur.Errorf(segur.EINVALID, "mot de passe refusé : attendu son empreinte")
	}
	now := db.clock()
	var u segur.Utilisateur
	err := db.write(ctx, func(tx *sql.Tx) error {
		l, v, err := scanLien(tx.QueryRowContext(ctx,
			`SELECT `+lienColumns+` FROM liens_compte l JOIN utilisateurs u ON u.id = l.utilisateur_id WHERE l.empreinte = $1`+db.forUpdate(), empreinte))
		if errors.Is(err, sql.ErrNoRows) {
			return lienPerime()
		}
		if err != nil {
			return fmt.Errorf("sqlstore: use lien: %w", err)
		}
		if !now.Before(l.ExpireLe) {
			return lienPerime()
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM liens_compte WHERE utilisateur_id = $1`, int64(v.ID)); err != nil {
			return fmt.Errorf("sqlstore: use lien of %s: %w", v.Login, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE utilisateurs SET mot_de_passe = $1, reinitialise_le = NULL WHERE id = $2`, hash, int64(v.ID)); err != nil {
			return fmt.Errorf("sqlstore: use lien of %s: %w", v.Login, err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE utilisateur_id = $1`, int64(v.ID))
		if err != nil {
			return fmt.Errorf("sqlstore: use lien of %s: %w", v.Login, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("sqlstore: use lien of %s: %w", v.Login, err)
		}
		if err := db.audit(ctx, tx, now, "utilisateur.mot_de_passe", "utilisateur:"+v.Login, struct {
			ID       int64           `json:"id"`
			Login    string          `json:"login"`
			Lien     segur.ObjetLien `json:"lien"`
			Sessions int64           `json:"sessions_fermees"`
		}{int64(v.ID), v.Login, l.Objet, n}); err != nil {
			return err
		}
		v.MotDePasse = hash
		u = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}
