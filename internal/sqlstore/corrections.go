package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
)

// The administrator's corrections: each one transaction that reads what
// its rule needs (segur's corrections.go) under lock, changes one row, and
// audits the change with its state before and after.

// correction is the audit detail of a correction: the object's id and
// name, its state before and after, and what the change ended on the way.
type correction struct {
	ID       int64    `json:"id"`
	Nom      string   `json:"nom"` // a user's login, a vendor's SIRET, "" for a window
	Avant    any      `json:"avant"`
	Apres    any      `json:"apres"`
	Sessions int64    `json:"sessions_fermees,omitempty"`
	Jetons   []string `json:"jetons_revoques,omitempty"`
}

// etatUtilisateur is a user's state in the audit log.
type etatUtilisateur struct {
	Actif      bool         `json:"actif"`
	Roles      []segur.Role `json:"roles"`
	MotDePasse *bool        `json:"mot_de_passe,omitempty"` // whether one is set, for a reset
}

func etatDe(u *segur.Utilisateur) etatUtilisateur {
	return etatUtilisateur{Actif: u.Actif(), Roles: u.Roles}
}

// FindUtilisateurByID returns user id, or an ENOTFOUND.
func (db *DB) FindUtilisateurByID(ctx context.Context, id segur.UtilisateurID) (*segur.Utilisateur, error) {
	u, err := scanUtilisateur(db.r.QueryRowContext(ctx, `SELECT `+utilisateurColumns+` FROM utilisateurs WHERE id = $1`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "utilisateur n° %d introuvable", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find utilisateur %d: %w", id, err)
	}
	return &u, nil
}

// utilisateurPourCorrection reads user id in tx, its row locked on
// PostgreSQL, after counting the active administrators, their rows
// locked too, in the order of their IDs: two corrections at once never
// both count an administrator the other one removes.
func (db *DB) utilisateurPourCorrection(ctx context.Context, tx *sql.Tx, id segur.UtilisateurID) (*segur.Utilisateur, int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM utilisateurs WHERE desactive_le IS NULL
		AND (role = 'admin' OR ',' || autres_roles || ',' LIKE '%,admin,%') ORDER BY id`+db.forUpdate())
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: administrateurs: %w", err)
	}
	admins := 0
	for rows.Next() {
		admins++
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, 0, fmt.Errorf("sqlstore: administrateurs: %w", err)
	}
	rows.Close()
	u, err := scanUtilisateur(tx.QueryRowContext(ctx, `SELECT `+utilisateurColumns+` FROM utilisateurs WHERE id = $1`+db.forUpdate(), int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, segur.Errorf(segur.ENOTFOUND, "Ce compte n'existe pas.")
	}
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: find utilisateur %d: %w", id, err)
	}
	return &u, admins, nil
}

// fermerSessions deletes the sessions of user id in tx and returns how
// many there were.
func fermerSessions(ctx context.Context, tx *sql.Tx, id segur.UtilisateurID) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE utilisateur_id = $1`, int64(id))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: sessions of %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlstore: sessions of %d: %w", id, err)
	}
	return n, nil
}

// DesactiverUtilisateur disables user id, as the context's actor asks
// (segur.Utilisateur.Desactiver: not oneself, not the last administrator),
// and in the same transaction ends what it holds: its sessions are
// deleted, the API tokens it created for its vendor and its own as an
// agent revoked (each with its event jeton.revoquer or
// jeton_agent.revoquer), its links to choose a password deleted. The next
// request with any of them is refused. The event is utilisateur.desactiver.
func (db *DB) DesactiverUtilisateur(ctx context.Context, id segur.UtilisateurID) (*segur.Utilisateur, error) {
	now := db.clock()
	var u *segur.Utilisateur
	err := db.write(ctx, func(tx *sql.Tx) error {
		v, admins, err := db.utilisateurPourCorrection(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := v.Desactiver(segur.ActeurFrom(ctx).Login, admins); err != nil {
			return err
		}
		avant := etatDe(v)
		if _, err := tx.ExecContext(ctx, `UPDATE utilisateurs SET desactive_le = $1 WHERE id = $2`, now, int64(id)); err != nil {
			return fmt.Errorf("sqlstore: désactiver %s: %w", v.Login, err)
		}
		v.DesactiveLe = now
		d := correction{ID: int64(id), Nom: v.Login, Avant: avant, Apres: etatDe(v), Jetons: []string{}}
		if d.Sessions, err = fermerSessions(ctx, tx, id); err != nil {
			return err
		}
		// The tokens he created for his vendor (jetons), and his own as an
		// agent (jetons_agents): the API also refuses the latter for a
		// disabled account, but a re-enabled one gets new ones.
		raison := "utilisateur " + v.Login + " désactivé"
		for _, t := range []tableJetons{jetonsFournisseurs, jetonsAgents} {
			prefixes, err := db.revoquerJetonsDe(ctx, tx, t, id, now, raison)
			if err != nil {
				return err
			}
			d.Jetons = append(d.Jetons, prefixes...)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM liens_compte WHERE utilisateur_id = $1`, int64(id)); err != nil {
			return fmt.Errorf("sqlstore: désactiver %s: %w", v.Login, err)
		}
		u = v
		return db.audit(ctx, tx, now, "utilisateur.desactiver", "utilisateur:"+v.Login, d)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ReactiverUtilisateur re-enables user id (segur.Utilisateur.Reactiver):
// it signs in again; its old sessions and tokens stay ended. The event is
// utilisateur.reactiver.
func (db *DB) ReactiverUtilisateur(ctx context.Context, id segur.UtilisateurID) (*segur.Utilisateur, error) {
	now := db.clock()
	var u *segur.Utilisateur
	err := db.write(ctx, func(tx *sql.Tx) error {
		v, _, err := db.utilisateurPourCorrection(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := v.Reactiver(); err != nil {
			return err
		}
		avant := etatDe(v)
		if _, err := tx.ExecContext(ctx, `UPDATE utilisateurs SET desactive_le = NULL WHERE id = $1`, int64(id)); err != nil {
			return fmt.Errorf("sqlstore: réactiver %s: %w", v.Login, err)
		}
		v.DesactiveLe = time.Time{}
		u = v
		return db.audit(ctx, tx, now, "utilisateur.reactiver", "utilisateur:"+v.Login, correction{ID: int64(id), Nom: v.Login, Avant: avant, Apres: etatDe(v)})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ChangeRolesUtilisateur gives user id the roles roles, as the context's
// actor asks (segur.Utilisateur.ChangerRoles: an agent's roles only, not
// one's own admin role, not the last administrator's). They apply from
// the user's next request. The event is utilisateur.roles.
func (db *DB) ChangeRolesUtilisateur(ctx context.Context, id segur.UtilisateurID, roles []segur.Role) (*segur.Utilisateur, error) {
	now := db.clock()
	var u *segur.Utilisateur
	err := db.write(ctx, func(tx *sql.Tx) error {
		v, admins, err := db.utilisateurPourCorrection(ctx, tx, id)
		if err != nil {
			return err
		}
		tries, err := v.ChangerRoles(roles, segur.ActeurFrom(ctx).Login, admins)
		if err != nil {
			return err
		}
		avant := etatDe(v)
		autres := make([]string, 0, len(tries)-1)
		for _, r := range tries[1:] {
			autres = append(autres, string(r))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE utilisateurs SET role = $1, autres_roles = $2 WHERE id = $3`,
			string(tries[0]), strings.Join(autres, ","), int64(id)); err != nil {
			return fmt.Errorf("sqlstore: rôles de %s: %w", v.Login, err)
		}
		v.Roles = tries
		u = v
		return db.audit(ctx, tx, now, "utilisateur.roles", "utilisateur:"+v.Login, correction{ID: int64(id), Nom: v.Login, Avant: avant, Apres: etatDe(v)})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ReinitialiserMotDePasse resets the password of user id for an
// administrator, in one transaction: its password is removed (the one in
// use stops working), its sessions are closed, and the link of d
// (segur.LienReinitialisation, the mail saying that an administrator reset
// it) is stored and its mail queued, as « mot de passe oublié » does. A
// disabled user is an ECONFLICT. The events are utilisateur.reinitialiser
// and utilisateur.lien.
func (db *DB) ReinitialiserMotDePasse(ctx context.Context, id segur.UtilisateurID, d segur.DemandeLien) (*segur.Utilisateur, error) {
	d.Objet, d.Administrateur = segur.LienReinitialisation, true
	now := db.clock()
	var u *segur.Utilisateur
	err := db.write(ctx, func(tx *sql.Tx) error {
		v, _, err := db.utilisateurPourCorrection(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := v.Reinitialiser(); err != nil {
			return err
		}
		d.Login = v.Login
		if d.Adresse == "" {
			d.Adresse = "administrateur"
		}
		if err := d.Valider(); err != nil {
			return err
		}
		avant, apres := etatDe(v), etatDe(v)
		avait, aucun := v.MotDePasse != "", false
		avant.MotDePasse, apres.MotDePasse = &avait, &aucun
		if _, err := tx.ExecContext(ctx, `UPDATE utilisateurs SET mot_de_passe = '', reinitialise_le = $1 WHERE id = $2`, now, int64(id)); err != nil {
			return fmt.Errorf("sqlstore: réinitialiser %s: %w", v.Login, err)
		}
		v.MotDePasse, v.ReinitialiseLe = "", now
		c := correction{ID: int64(id), Nom: v.Login, Avant: avant, Apres: apres}
		if c.Sessions, err = fermerSessions(ctx, tx, id); err != nil {
			return err
		}
		if err := db.audit(ctx, tx, now, "utilisateur.reinitialiser", "utilisateur:"+v.Login, c); err != nil {
			return err
		}
		u = v
		return db.envoyerLien(ctx, tx, now, v, d)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// etatFournisseur is a vendor's state in the audit log.
type etatFournisseur struct {
	Suspendu bool   `json:"suspendu"`
	Email    string `json:"email"`
}

// fournisseurPourCorrection reads vendor id in tx, its row locked on
// PostgreSQL.
func (db *DB) fournisseurPourCorrection(ctx context.Context, tx *sql.Tx, id segur.FournisseurID) (*segur.Fournisseur, error) {
	f, err := scanFournisseur(tx.QueryRowContext(ctx, `SELECT `+fournisseurColumns+` FROM fournisseurs WHERE id = $1`+db.forUpdate(), int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "Ce fournisseur n'existe pas.")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find fournisseur %d: %w", id, err)
	}
	return &f, nil
}

// SuspendreFournisseur suspends vendor id (suspendre) or re-enables it
// (segur.Fournisseur.Suspendre, Retablir). It takes the vendor's deposit
// lock first: a deposit under way ends before, and every later one reads
// the suspension (segur.Guichet refuses it). Its data and its users stay:
// they read, they do not deposit. The events are fournisseur.suspendre and
// fournisseur.retablir.
func (db *DB) SuspendreFournisseur(ctx context.Context, id segur.FournisseurID, suspendre bool) (*segur.Fournisseur, error) {
	now := db.clock()
	var f *segur.Fournisseur
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := db.lockFournisseur(ctx, tx, id); err != nil {
			return err
		}
		v, err := db.fournisseurPourCorrection(ctx, tx, id)
		if err != nil {
			return err
		}
		action, quand := "fournisseur.retablir", sql.NullTime{}
		if suspendre {
			action, quand = "fournisseur.suspendre", sql.NullTime{Time: now, Valid: true}
			err = v.Suspendre()
		} else {
			err = v.Retablir()
		}
		if err != nil {
			return err
		}
		avant := etatFournisseur{Suspendu: v.Suspendu(), Email: v.Email}
		if _, err := tx.ExecContext(ctx, `UPDATE fournisseurs SET suspendu_le = $1 WHERE id = $2`, quand, int64(id)); err != nil {
			return fmt.Errorf("sqlstore: %s %s: %w", action, v.SIRET, err)
		}
		v.SuspenduLe = timeOrZero(quand)
		f = v
		return db.audit(ctx, tx, now, action, "fournisseur:"+v.SIRET, correction{ID: int64(id), Nom: v.SIRET, Avant: avant,
			Apres: etatFournisseur{Suspendu: v.Suspendu(), Email: v.Email}})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// ChangeEmailFournisseur changes the contact address of vendor id
// (segur.Fournisseur.ChangerEmail): the agency's next mails go there. The
// event is fournisseur.email.
func (db *DB) ChangeEmailFournisseur(ctx context.Context, id segur.FournisseurID, email string) (*segur.Fournisseur, error) {
	now := db.clock()
	var f *segur.Fournisseur
	err := db.write(ctx, func(tx *sql.Tx) error {
		v, err := db.fournisseurPourCorrection(ctx, tx, id)
		if err != nil {
			return err
		}
		nouvelle, err := v.ChangerEmail(email)
		if err != nil {
			return err
		}
		avant := etatFournisseur{Suspendu: v.Suspendu(), Email: v.Email}
		if _, err := tx.ExecContext(ctx, `UPDATE fournisseurs SET email = $1 WHERE id = $2`, nouvelle, int64(id)); err != nil {
			return fmt.Errorf("sqlstore: e-mail de %s: %w", v.SIRET, err)
		}
		v.Email = nouvelle
		f = v
		return db.audit(ctx, tx, now, "fournisseur.email", "fournisseur:"+v.SIRET, correction{ID: int64(id), Nom: v.SIRET, Avant: avant,
			Apres: etatFournisseur{Suspendu: v.Suspendu(), Email: v.Email}})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// SuspenduLe returns when vendor f was suspended, zero if it is not, read
// in the deposit's transaction.
func (t *depotTx) SuspenduLe(ctx context.Context, f segur.FournisseurID) (time.Time, error) {
	var quand sql.NullTime
	err := t.tx.QueryRowContext(ctx, `SELECT suspendu_le FROM fournisseurs WHERE id = $1`, int64(f)).Scan(&quand)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, segur.Errorf(segur.ENOTFOUND, "fournisseur n° %d introuvable", f)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlstore: suspension of fournisseur %d: %w", f, err)
	}
	return timeOrZero(quand), nil
}

// FindFenetreByID returns campaign window id, or an ENOTFOUND.
func (db *DB) FindFenetreByID(ctx context.Context, id segur.FenetreID) (*segur.Fenetre, error) {
	f, err := scanFenetre(db.r.QueryRowContext(ctx, `SELECT id, logiciel, type, debut, fin FROM fenetres WHERE id = $1`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "Cette campagne n'existe pas.")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find fenetre %d: %w", id, err)
	}
	return &f, nil
}

// AnnulerFenetre cancels campaign window id, which has not opened yet
// (segur.Fenetre.Annuler at the store's clock; paris says the dates of its
// refusals): no deposit was made in it, so it is deleted, as if never
// opened, and the audit event fenetre.annuler keeps what it was. It
// returns the window cancelled.
func (db *DB) AnnulerFenetre(ctx context.Context, id segur.FenetreID, paris *time.Location) (*segur.Fenetre, error) {
	now := db.clock()
	var avant *segur.Fenetre
	err := db.write(ctx, func(tx *sql.Tx) error {
		f, err := db.fenetrePourCorrection(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := f.Annuler(now, paris); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM fenetres WHERE id = $1`, int64(id)); err != nil {
			return fmt.Errorf("sqlstore: annuler fenetre %d: %w", id, err)
		}
		avant = f
		return db.audit(ctx, tx, now, "fenetre.annuler", objetFenetre(id), correction{ID: int64(id),
			Nom: string(f.Logiciel) + " " + string(f.Type), Avant: etatFenetre{f.Debut, f.Fin}})
	})
	if err != nil {
		return nil, err
	}
	return avant, nil
}

// etatFenetre is a campaign window's dates in the audit log.
type etatFenetre struct {
	Debut time.Time `json:"debut"`
	Fin   time.Time `json:"fin"`
}

// objetFenetre is the audit log's object of window id.
func objetFenetre(id segur.FenetreID) string { return "fenetre:" + strconv.FormatInt(int64(id), 10) }

// fenetrePourCorrection reads window id in tx, its row locked on
// PostgreSQL.
func (db *DB) fenetrePourCorrection(ctx context.Context, tx *sql.Tx, id segur.FenetreID) (*segur.Fenetre, error) {
	f, err := scanFenetre(tx.QueryRowContext(ctx, `SELECT id, logiciel, type, debut, fin FROM fenetres WHERE id = $1`+db.forUpdate(), int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "Cette campagne n'existe pas.")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find fenetre %d: %w", id, err)
	}
	return &f, nil
}

// ChangeFinFenetre ends campaign window id at fin, or now when fin is
// zero (segur.Fenetre.ChangerFin at the store's clock: a window still
// open or to come, a new end not past; paris says the dates of its
// refusals). It returns the window before and after. The events are
// fenetre.modifier and, closing it now, fenetre.fermer.
func (db *DB) ChangeFinFenetre(ctx context.Context, id segur.FenetreID, fin time.Time, paris *time.Location) (avant, apres *segur.Fenetre, err error) {
	now := db.clock()
	if !fin.IsZero() {
		fin = stamp(fin)
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		f, err := db.fenetrePourCorrection(ctx, tx, id)
		if err != nil {
			return err
		}
		v := *f
		if err := v.ChangerFin(fin, now, paris); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fenetres SET fin = $1 WHERE id = $2`, v.Fin, int64(id)); err != nil {
			return fmt.Errorf("sqlstore: fenetre %d: %w", id, err)
		}
		avant, apres = f, &v
		action := "fenetre.modifier"
		if fin.IsZero() {
			action = "fenetre.fermer"
		}
		return db.audit(ctx, tx, now, action, objetFenetre(id), correction{ID: int64(id),
			Nom: string(f.Logiciel) + " " + string(f.Type), Avant: etatFenetre{f.Debut, f.Fin}, Apres: etatFenetre{v.Debut, v.Fin}})
	})
	if err != nil {
		return nil, nil, err
	}
	return avant, apres, nil
}
