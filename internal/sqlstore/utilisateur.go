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

// normLogin is a login as stored: logins compare case-insensitively.
func normLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

// utilisateurColumns are the columns scanUtilisateur reads.
const utilisateurColumns = `id, login, nom, role, autres_roles, fournisseur_id, mot_de_passe, cree_le, desactive_le, reinitialise_le`

// utilisateurColumnsU are utilisateurColumns of the table named u in a
// join.
const utilisateurColumnsU = `u.id, u.login, u.nom, u.role, u.autres_roles, u.fournisseur_id, u.mot_de_passe, u.cree_le, u.desactive_le, u.reinitialise_le`

// scanUtilisateur reads the columns id, login, nom, role, autres_roles,
// fournisseur_id, mot_de_passe, cree_le, desactive_le, reinitialise_le.
func scanUtilisateur(s scanner) (segur.Utilisateur, error) {
	var (
		u            segur.Utilisateur
		fid          sql.NullInt64
		role, autres string
		desactive    sql.NullTime
		reinitialise sql.NullTime
	)
	err := s.Scan(&u.ID, &u.Login, &u.Nom, &role, &autres, &fid, &u.MotDePasse, &u.CreeLe, &desactive, &reinitialise)
	u.DesactiveLe, u.ReinitialiseLe = timeOrZero(desactive), timeOrZero(reinitialise)
	u.Roles = []segur.Role{segur.Role(role)}
	for _, r := range strings.Split(autres, ",") {
		if r != "" {
			u.Roles = append(u.Roles, segur.Role(r))
		}
	}
	u.FournisseurID = segur.FournisseurID(fid.Int64)
	u.CreeLe = u.CreeLe.UTC()
	return u, err
}

// utilisateurDetails is the audit detail of a user's creation: never the
// password hash.
type utilisateurDetails struct {
	ID            int64        `json:"id"`
	Login         string       `json:"login"`
	Nom           string       `json:"nom"`
	Roles         []segur.Role `json:"roles"`
	FournisseurID *int64       `json:"fournisseur_id"`
}

// CreateUtilisateur creates a user and sets its ID and CreeLe. Its Login is
// stored, and set, lower-cased. A login already used, in any case, is an
// ECONFLICT; an unknown vendor an ENOTFOUND. A user has a vendor if and only
// if its role is fournisseur.
func (db *DB) CreateUtilisateur(ctx context.Context, u *segur.Utilisateur) error {
	now := db.clock()
	var id int64
	err := db.write(ctx, func(tx *sql.Tx) (err error) {
		id, err = db.insertUtilisateur(ctx, tx, now, u)
		return err
	})
	if err != nil {
		return err
	}
	u.ID, u.Login, u.CreeLe = segur.UtilisateurID(id), normLogin(u.Login), now
	return nil
}

// insertUtilisateur inserts user u in tx, with its audit event, and returns
// its ID; u is not changed. The errors are CreateUtilisateur's.
func (db *DB) insertUtilisateur(ctx context.Context, tx *sql.Tx, now time.Time, u *segur.Utilisateur) (int64, error) {
	login := normLogin(u.Login)
	if err := segur.ValiderRoles(u.Roles); err != nil {
		return 0, segur.Errorf(segur.EINVALID, "utilisateur %s : %s", login, err.Error())
	}
	autres := make([]string, 0, len(u.Roles)-1)
	for _, r := range u.Roles[1:] {
		autres = append(autres, string(r))
	}
	var id int64
	err := tx.QueryRowContext(ctx,
		`INSERT INTO utilisateurs (login, nom, role, autres_roles, fournisseur_id, mot_de_passe, cree_le) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		login, u.Nom, string(u.Roles[0]), strings.Join(autres, ","), nullID(int64(u.FournisseurID)), u.MotDePasse, now).Scan(&id)
	switch violationOf(err) {
	case uniqueViolation:
		return 0, segur.Errorf(segur.ECONFLICT, "le login %s est déjà utilisé", login)
	case foreignKeyViolation:
		return 0, segur.Errorf(segur.ENOTFOUND, "fournisseur n° %d introuvable", u.FournisseurID)
	case checkViolation:
		switch {
		case u.A(segur.RoleFournisseur) && u.FournisseurID == 0:
			return 0, segur.Errorf(segur.EINVALID, "utilisateur %s : un utilisateur de rôle fournisseur est rattaché à un fournisseur", login)
		case !u.A(segur.RoleFournisseur) && u.FournisseurID != 0:
			return 0, segur.Errorf(segur.EINVALID, "utilisateur %s : seul un utilisateur de rôle fournisseur est rattaché à un fournisseur", login)
		}
		return 0, segur.Errorf(segur.EINVALID, "utilisateur « %s » refusé : attendu un login et un rôle fournisseur, instructeur, payeur ou admin", login)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlstore: create utilisateur %s: %w", login, err)
	}
	d := utilisateurDetails{ID: id, Login: login, Nom: u.Nom, Roles: u.Roles}
	if u.FournisseurID != 0 {
		fid := int64(u.FournisseurID)
		d.FournisseurID = &fid
	}
	return id, db.audit(ctx, tx, now, "utilisateur.creer", "utilisateur:"+login, d)
}

// FindUtilisateurByLogin returns the user of login, in any case, or an
// ENOTFOUND.
func (db *DB) FindUtilisateurByLogin(ctx context.Context, login string) (*segur.Utilisateur, error) {
	login = normLogin(login)
	u, err := scanUtilisateur(db.r.QueryRowContext(ctx,
		`SELECT `+utilisateurColumns+` FROM utilisateurs WHERE login = $1`, login))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "utilisateur %s introuvable", login)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find utilisateur %s: %w", login, err)
	}
	return &u, nil
}

// SetMotDePasse replaces the password hash of user id, or returns an
// ENOTFOUND. The audit event does not hold the hash.
func (db *DB) SetMotDePasse(ctx context.Context, id segur.UtilisateurID, hash string) error {
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		var login string
		err := tx.QueryRowContext(ctx,
			`UPDATE utilisateurs SET mot_de_passe = $1, reinitialise_le = NULL WHERE id = $2 RETURNING login`, hash, int64(id)).Scan(&login)
		if errors.Is(err, sql.ErrNoRows) {
			return segur.Errorf(segur.ENOTFOUND, "utilisateur n° %d introuvable", id)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: set mot de passe %d: %w", id, err)
		}
		return db.audit(ctx, tx, now, "utilisateur.mot_de_passe", "utilisateur:"+login, struct {
			ID    int64  `json:"id"`
			Login string `json:"login"`
		}{int64(id), login})
	})
}
