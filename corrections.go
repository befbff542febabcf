package segur

import (
	"slices"
	"strings"
	"time"
)

// The corrections an administrator makes to what exists: a user disabled
// or re-enabled, its roles changed, a vendor suspended or its contact
// changed, a campaign window ended earlier or later. Each rule is here; the
// store applies it in the change's transaction, with what it reads there
// (the administrators still active, the store's clock), and audits the
// change with its state before and after.

// Actif reports whether the account may sign in: not disabled.
func (u *Utilisateur) Actif() bool { return u.DesactiveLe.IsZero() }

// Suspendu reports whether the vendor's deposits are refused.
func (f *Fournisseur) Suspendu() bool { return !f.SuspenduLe.IsZero() }

// MsgCompteDesactive is what the login page says to a person whose
// password is right but whose account is disabled: only who knows the
// password learns that the account exists.
const MsgCompteDesactive = "Ce compte est désactivé : adressez-vous à l'administrateur du portail de l'agence pour le réactiver."

// Desactiver checks that administrator par (a login; "cli" for segur
// admin) may disable u, admins being the number of active administrators:
// not an account already disabled, not one's own, not the last
// administrator.
func (u *Utilisateur) Desactiver(par string, admins int) error {
	switch {
	case !u.Actif():
		return Errorf(ECONFLICT, "Le compte %s est déjà désactivé.", u.Login)
	case strings.EqualFold(u.Login, strings.TrimSpace(par)):
		return Errorf(EFORBIDDEN, "Vous ne pouvez pas désactiver votre propre compte : un autre administrateur le peut.")
	case u.A(RoleAdmin) && admins <= 1:
		return Errorf(EFORBIDDEN, "Le compte %s est celui du dernier administrateur actif : donnez d'abord le rôle admin à une autre personne.", u.Login)
	}
	return nil
}

// Reactiver checks that u may be re-enabled: it is disabled. Its old
// sessions and tokens are not revived: they were ended when it was
// disabled.
func (u *Utilisateur) Reactiver() error {
	if u.Actif() {
		return Errorf(ECONFLICT, "Le compte %s est déjà actif.", u.Login)
	}
	return nil
}

// ChangerRoles checks that administrator par may give u the roles roles,
// admins being the number of active administrators, and normalises them
// in the order of the form (fournisseur, instructeur, payeur, admin). Only
// an agent's roles change, among the agency's roles; an administrator
// keeps his own admin role, and the last active administrator keeps his.
// Its error is a Fautes of field roles.
func (u *Utilisateur) ChangerRoles(roles []Role, par string, admins int) ([]Role, error) {
	if err := ValiderRoles(roles); err != nil {
		return nil, Fautes{{Champ: "roles", Err: commeErreur(err)}}
	}
	var tries []Role
	for _, r := range []Role{RoleFournisseur, RoleInstructeur, RolePayeur, RoleAdmin} {
		if slices.Contains(roles, r) {
			tries = append(tries, r)
		}
	}
	garde := slices.Contains(tries, RoleAdmin)
	switch {
	case u.A(RoleFournisseur):
		return nil, faute("roles", "le compte %s est celui d'un salarié de fournisseur : son rôle fournisseur ne change pas", u.Login)
	case slices.Contains(tries, RoleFournisseur):
		return nil, faute("roles", "un agent ne devient pas salarié d'un fournisseur : créez un compte de rôle fournisseur")
	case u.A(RoleAdmin) && !garde && strings.EqualFold(u.Login, strings.TrimSpace(par)):
		return nil, faute("roles", "vous ne pouvez pas retirer votre propre rôle admin : un autre administrateur le peut")
	case u.A(RoleAdmin) && !garde && u.Actif() && admins <= 1:
		return nil, faute("roles", "%s est le dernier administrateur actif : donnez d'abord le rôle admin à une autre personne", u.Login)
	case slices.Equal(rolesTries(u.Roles), tries):
		return nil, faute("roles", "ce sont déjà les rôles de %s : rien n'est changé", u.Login)
	}
	return tries, nil
}

// rolesTries is roles in the order of ChangerRoles.
func rolesTries(roles []Role) []Role {
	var out []Role
	for _, r := range []Role{RoleFournisseur, RoleInstructeur, RolePayeur, RoleAdmin} {
		if slices.Contains(roles, r) {
			out = append(out, r)
		}
	}
	return out
}

// Reinitialiser checks that u's password may be reset by an
// administrator: an active account.
func (u *Utilisateur) Reinitialiser() error {
	if !u.Actif() {
		return Errorf(ECONFLICT, "Le compte %s est désactivé : réactivez-le avant de réinitialiser son mot de passe.", u.Login)
	}
	return nil
}

// PeutDeposer refuses (EFORBIDDEN) every deposit of a suspended vendor:
// its files, its pieces. contact is whom to write to (segur serve
// --contact), "" for the administrator of the portal.
func (f *Fournisseur) PeutDeposer(contact string) error {
	if !f.Suspendu() {
		return nil
	}
	qui := "l'administrateur du portail à l'Agence de services et de paiement (ASP)"
	if c := strings.TrimSpace(contact); c != "" {
		qui = "l'Agence de services et de paiement (ASP) à " + c
	}
	return Errorf(EFORBIDDEN, "Le compte de %s est suspendu : le portail n'accepte plus ses dépôts ni ses pièces\u202f; ses demandes et ses documents restent consultables. Pour en savoir plus, écrivez à %s.", f.Nom, qui)
}

// Suspendre checks that f may be suspended: it is not already.
func (f *Fournisseur) Suspendre() error {
	if f.Suspendu() {
		return Errorf(ECONFLICT, "Le fournisseur %s est déjà suspendu.", f.Nom)
	}
	return nil
}

// Retablir checks that f may be re-enabled: it is suspended.
func (f *Fournisseur) Retablir() error {
	if !f.Suspendu() {
		return Errorf(ECONFLICT, "Le fournisseur %s n'est pas suspendu.", f.Nom)
	}
	return nil
}

// ChangerEmail checks the new contact address of f and returns it
// normalised; its error is a Fautes of field email.
func (f *Fournisseur) ChangerEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	switch {
	case email == "":
		return "", faute("email", "saisissez la nouvelle adresse électronique de contact")
	case !AdresseCourrielValide(email):
		return "", faute("email", "adresse « %s » : attendu une adresse nom@domaine.fr (sans accent ni espace : l'agence y écrit)", couper(email, 100))
	case strings.EqualFold(email, f.Email):
		return "", faute("email", "c'est déjà l'adresse de contact de %s : rien n'est changé", f.Nom)
	}
	return email, nil
}

// ChangerFin checks a new end for the campaign window f at now, and sets
// it: a zero fin closes the window now. A window already closed at now is
// not changed; the new end is not in the past and follows the start. Its
// error is a Fautes of field fin.
func (f *Fenetre) ChangerFin(fin, now time.Time, paris *time.Location) error {
	const layout = "02/01/2006 à 15:04"
	fermer := fin.IsZero()
	if fermer {
		fin = now
	}
	switch {
	case !now.Before(f.Fin):
		return faute("fin", "cette campagne a fermé le %s (heure de Paris) : une campagne close ne se modifie plus", f.Fin.In(paris).Format(layout))
	case fermer && !now.After(f.Debut):
		return faute("fin", "cette campagne n'ouvre que le %s (heure de Paris) : elle ne peut pas être fermée avant\u202f; avancez sa fermeture, après son ouverture, ou annulez-la", f.Debut.In(paris).Format(layout))
	case fin.Before(now):
		return faute("fin", "la nouvelle fermeture, le %s (heure de Paris), est passée : choisissez maintenant ou plus tard", fin.In(paris).Format(layout))
	case !fin.After(f.Debut):
		return faute("fin", "la fermeture doit suivre l'ouverture, le %s (heure de Paris)", f.Debut.In(paris).Format(layout))
	case fin.Equal(f.Fin):
		return faute("fin", "c'est déjà la fermeture de cette campagne : rien n'est changé")
	}
	f.Fin = fin
	return nil
}

// Annuler checks that the campaign window f may be cancelled at now: it
// has not opened yet, so that no deposit was made in it. Its error is a
// Fautes of field annuler.
func (f *Fenetre) Annuler(now time.Time, paris *time.Location) error {
	const layout = "02/01/2006 à 15:04"
	switch {
	case !now.Before(f.Fin):
		return faute("annuler", "cette campagne a fermé le %s (heure de Paris) : une campagne close ne s'annule plus", f.Fin.In(paris).Format(layout))
	case !now.Before(f.Debut):
		return faute("annuler", "cette campagne est ouverte depuis le %s (heure de Paris) : elle ne s'annule plus\u202f; fermez-la maintenant ou avancez sa fermeture", f.Debut.In(paris).Format(layout))
	}
	return nil
}
