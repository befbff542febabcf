package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
)

// The administrator's corrections: a user's page (roles, disabling, a
// password reset), a vendor's suspension and contact address, a campaign
// window's end. Each change is one store call, one transaction, audited
// with its state before and after; the irreversible ones go through the
// confirmation step.

func init() {
	morePages = append(morePages, "admin-utilisateur.html", "admin-fenetre.html")
}

// routesCorrections registers the corrections' pages (role admin).
func (s *Server) routesCorrections(pages *http.ServeMux, admin func(h handler) http.Handler) {
	pages.Handle("GET /agence/admin/utilisateurs/{id}", admin(s.getAdminUtilisateur))
	pages.Handle("POST /agence/admin/utilisateurs/{id}/roles", admin(s.postAdminRoles))
	pages.Handle("POST /agence/admin/utilisateurs/{id}/desactiver", admin(s.postAdminDesactiver))
	pages.Handle("POST /agence/admin/utilisateurs/{id}/reactiver", admin(s.postAdminReactiver))
	pages.Handle("POST /agence/admin/utilisateurs/{id}/reinitialiser", admin(s.postAdminReinitialiser))
	pages.Handle("POST /agence/admin/fournisseurs/{id}/email", admin(s.postAdminEmailFournisseur))
	pages.Handle("POST /agence/admin/fournisseurs/{id}/suspendre", admin(s.postAdminSuspendre))
	pages.Handle("POST /agence/admin/fournisseurs/{id}/retablir", admin(s.postAdminRetablir))
	pages.Handle("GET /agence/admin/fenetres/{id}", admin(s.getAdminFenetre))
	pages.Handle("POST /agence/admin/fenetres/{id}", admin(s.postAdminFenetreFin))
	pages.Handle("POST /agence/admin/fenetres/{id}/fermer", admin(s.postAdminFenetreFermer))
	pages.Handle("POST /agence/admin/fenetres/{id}/annuler", admin(s.postAdminFenetreAnnuler))
}

// statutRefus is the status of a page shown again with a refusal: 403 for
// a rule that forbids it, 409 for a state that makes it pointless, 422
// otherwise.
func statutRefus(err error) int {
	switch {
	case segur.IsCode(err, segur.EFORBIDDEN):
		return http.StatusForbidden
	case segur.IsCode(err, segur.ECONFLICT):
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

// refusAffiche adds err to p as a refusal (beside its field for a
// segur.Faute, at the top otherwise) and reports whether it was one: an
// EINVALID, EFORBIDDEN or ECONFLICT, whose message is safe to show.
func (b *BaseAdmin) refusAffiche(err error) bool {
	return b.refus(err, map[segur.ErrorCode]string{segur.EFORBIDDEN: "", segur.ECONFLICT: ""}) == nil
}

// EvenementAdmin is a line of an object's history: when, who, what.
type EvenementAdmin struct {
	Quand, Par, Quoi string
}

// historique reads the corrections of objet from the audit log, oldest
// first, in French; the other events (sessions, links) are left out.
func (s *Server) historique(ctx context.Context, objet string) ([]EvenementAdmin, error) {
	evs, err := s.Store.FindEvenements(ctx, objet)
	if err != nil {
		return nil, err
	}
	var out []EvenementAdmin
	for _, e := range evs {
		var d struct {
			Avant, Apres struct {
				Roles []segur.Role `json:"roles"`
				Email string       `json:"email"`
				Fin   time.Time    `json:"fin"`
				IBAN  string       `json:"iban"`
				BIC   string       `json:"bic"`
			}
			Motif string `json:"motif"`
		}
		json.Unmarshal([]byte(e.Details), &d) // a detail unread leaves the line without its values
		roles := func(rs []segur.Role) string { return (&segur.Utilisateur{Roles: rs}).RolesTexte() }
		var quoi string
		switch e.Action {
		case "utilisateur.creer":
			quoi = "Compte créé"
		case "utilisateur.desactiver":
			quoi = "Compte désactivé : sessions fermées, jetons d'API révoqués"
		case "utilisateur.reactiver":
			quoi = "Compte réactivé"
		case "utilisateur.roles":
			quoi = "Rôles changés : " + roles(d.Avant.Roles) + " → " + roles(d.Apres.Roles)
		case "utilisateur.reinitialiser":
			quoi = "Mot de passe réinitialisé par un administrateur : lien envoyé"
		case "utilisateur.mot_de_passe":
			quoi = "Mot de passe choisi"
		case "fournisseur.creer":
			quoi = "Fournisseur enrôlé"
		case "fournisseur.suspendre":
			quoi = "Compte suspendu : dépôts refusés"
		case "fournisseur.retablir":
			quoi = "Compte rétabli : dépôts acceptés"
		case "fournisseur.email":
			quoi = "Courriel de contact changé : " + d.Avant.Email + " → " + d.Apres.Email
		case "fournisseur.banque.proposer":
			quoi = "Changement de coordonnées bancaires proposé : IBAN " + ibanOuAucun(d.Avant.IBAN) + " → " + ibanLisible(d.Apres.IBAN) + " (BIC " + d.Apres.BIC + ")"
		case "fournisseur.banque.approuver":
			quoi = "Changement de coordonnées bancaires approuvé, en vigueur : IBAN " + ibanOuAucun(d.Avant.IBAN) + " → " + ibanLisible(d.Apres.IBAN) + " (BIC " + d.Apres.BIC + ")"
		case "fournisseur.banque.rejeter":
			quoi = "Changement de coordonnées bancaires rejeté : " + d.Motif
		case "fournisseur.banque.expirer":
			quoi = "Changement de coordonnées bancaires expiré sans approbation, remplacé par une nouvelle proposition"
		case "fenetre.creer":
			quoi = "Campagne ouverte"
		case "fenetre.modifier":
			quoi = "Fermeture changée : " + s.date(d.Avant.Fin) + " → " + s.date(d.Apres.Fin)
		case "fenetre.fermer":
			quoi = "Campagne fermée avant sa fin : " + s.date(d.Avant.Fin) + " → " + s.date(d.Apres.Fin)
		default:
			continue
		}
		par := e.Acteur.Login
		if par == "cli" {
			par = "segur admin"
		}
		out = append(out, EvenementAdmin{Quand: s.date(e.Quand), Par: par, Quoi: quoi})
	}
	return out, nil
}

// --- A user

// PageAdminUtilisateur is a user's page: what it is, its roles (an
// agent's, to change), its state, its history.
type PageAdminUtilisateur struct {
	BaseAdmin
	Compte UtilisateurAdmin
	// Agent: the roles can be changed, among the agency's (Roles).
	Agent bool
	Roles []CaseRole
	// Soi: the administrator's own account, which he neither disables
	// nor strips of its admin role.
	Soi        bool
	Historique []EvenementAdmin
}

// casesRolesAgence are the checkboxes of an agent's roles.
func casesRolesAgence(roles []string) []CaseRole {
	var out []CaseRole
	for _, c := range casesRoles[1:] {
		c.Coche = slices.Contains(roles, c.Valeur)
		out = append(out, c)
	}
	return out
}

func (s *Server) pageUtilisateur(r *http.Request) (PageAdminUtilisateur, *segur.Utilisateur, error) {
	ctx := r.Context()
	var p PageAdminUtilisateur
	id, err := idChemin(r, "id", "Ce compte")
	if err != nil {
		return p, nil, err
	}
	u, err := s.Store.FindUtilisateurByID(ctx, segur.UtilisateurID(id))
	if segur.IsCode(err, segur.ENOTFOUND) {
		return p, nil, introuvable("Ce compte")
	}
	if err != nil {
		return p, nil, err
	}
	noms, err := s.nomsFournisseurs(ctx)
	if err != nil {
		return p, nil, err
	}
	p.BaseAdmin = s.baseAdmin(r, u.Nom, LienAdmin{"Utilisateurs", "/agence/admin/utilisateurs"})
	p.Compte = s.utilisateurAdmin(*u, noms)
	p.Agent = !u.A(segur.RoleFournisseur)
	var roles []string
	for _, ro := range u.Roles {
		roles = append(roles, string(ro))
	}
	p.Roles = casesRolesAgence(roles)
	p.Soi = utilisateur(ctx).ID == u.ID
	if p.Historique, err = s.historique(ctx, "utilisateur:"+u.Login); err != nil {
		return p, nil, err
	}
	return p, u, nil
}

func (s *Server) getAdminUtilisateur(w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.pageUtilisateur(r)
	if err != nil {
		return err
	}
	p.Flash = s.flash(w, r)
	s.render(w, http.StatusOK, "admin-utilisateur.html", p)
	return nil
}

// cheminUtilisateur is the page of user id.
func cheminUtilisateur(id segur.UtilisateurID) string {
	return "/agence/admin/utilisateurs/" + strconv.FormatInt(int64(id), 10)
}

// refusUtilisateur shows the user's page again with err, a refusal; any
// other error is returned.
func (s *Server) refusUtilisateur(w http.ResponseWriter, r *http.Request, p PageAdminUtilisateur, err error) error {
	if !p.refusAffiche(err) {
		return err
	}
	s.render(w, statutRefus(err), "admin-utilisateur.html", p)
	return nil
}

// postAdminRoles gives an agent the roles checked (segur admin user
// roles): they apply from the agent's next request.
func (s *Server) postAdminRoles(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	p, u, err := s.pageUtilisateur(r)
	if err != nil {
		return err
	}
	coches := r.PostForm["roles"]
	p.Roles = casesRolesAgence(coches)
	var roles []segur.Role
	for _, v := range coches {
		ro, err := segur.ParseRole(v)
		if err != nil {
			p.refuser("roles", err.Error())
			s.render(w, http.StatusUnprocessableEntity, "admin-utilisateur.html", p)
			return nil
		}
		roles = append(roles, ro)
	}
	if len(roles) == 0 {
		p.refuser("roles", "Cochez un ou plusieurs rôles de l'agence\u202f; pour retirer tout accès, désactivez le compte.")
		s.render(w, http.StatusUnprocessableEntity, "admin-utilisateur.html", p)
		return nil
	}
	v, err := s.Store.ChangeRolesUtilisateur(r.Context(), u.ID, roles)
	if err != nil {
		return s.refusUtilisateur(w, r, p, err)
	}
	s.rediriger(w, r, cheminUtilisateur(u.ID), fmt.Sprintf("Rôles de %s changés : %s (avant : %s). Ils s'appliquent dès sa prochaine page.", v.Login, v.RolesTexte(), u.RolesTexte()))
	return nil
}

// postAdminDesactiver disables a user after its confirmation (segur
// admin user disable): it can no longer sign in, its sessions and tokens
// end at once.
func (s *Server) postAdminDesactiver(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	p, u, err := s.pageUtilisateur(r)
	if err != nil {
		return err
	}
	// The rule is checked before the confirmation too: no confirmation of
	// what will be refused. The store counts the administrators; here,
	// the one acting is one, and another admin's account a second.
	if err := u.Desactiver(utilisateur(r.Context()).Login, 2); err != nil {
		return s.refusUtilisateur(w, r, p, err)
	}
	if !confirme(r) {
		retour := cheminUtilisateur(u.ID)
		c := PageConfirmation{Base: Base{Titre: "Confirmer : désactiver le compte de " + u.Nom, Nav: "admin", Utilisateur: utilisateur(r.Context())},
			Cible: retour + "/desactiver", Annuler: retour, Possible: true}
		c.Points = []string{
			"Le compte " + u.Login + " (" + u.RolesTexte() + ") sera désactivé : la personne ne pourra plus se connecter\u202f; la page de connexion le lui dira si elle saisit son mot de passe.",
			"Ses sessions ouvertes seront fermées et les jetons d'API qu'elle a créés révoqués, dès la confirmation : leur prochaine requête sera refusée.",
			"Une réactivation lui rendra l'accès avec son mot de passe, mais ni ses sessions ni ses jetons.",
		}
		s.render(w, http.StatusOK, "confirmation.html", c)
		return nil
	}
	v, err := s.Store.DesactiverUtilisateur(r.Context(), u.ID)
	if err != nil {
		return s.refusUtilisateur(w, r, p, err)
	}
	s.rediriger(w, r, cheminUtilisateur(u.ID), "Compte de "+v.Login+" désactivé : ses sessions sont fermées et ses jetons d'API révoqués.")
	return nil
}

// postAdminReactiver re-enables a user (segur admin user enable).
func (s *Server) postAdminReactiver(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	p, u, err := s.pageUtilisateur(r)
	if err != nil {
		return err
	}
	v, err := s.Store.ReactiverUtilisateur(r.Context(), u.ID)
	if err != nil {
		return s.refusUtilisateur(w, r, p, err)
	}
	s.rediriger(w, r, cheminUtilisateur(u.ID), "Compte de "+v.Login+" réactivé : la personne se connecte de nouveau\u202f; ses anciennes sessions et ses anciens jetons restent fermés.")
	return nil
}

// postAdminReinitialiser resets a user's password after its
// confirmation (segur admin user reset): the password in use stops
// working, its sessions end, a mail brings a single-use link.
func (s *Server) postAdminReinitialiser(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	p, u, err := s.pageUtilisateur(r)
	if err != nil {
		return err
	}
	if err := u.Reinitialiser(); err != nil {
		return s.refusUtilisateur(w, r, p, err)
	}
	d, err := s.lienDemande(u.Login, segur.LienReinitialisation)
	if err != nil {
		return err
	}
	d.Administrateur = true
	if !confirme(r) {
		retour := cheminUtilisateur(u.ID)
		c := PageConfirmation{Base: Base{Titre: "Confirmer : réinitialiser le mot de passe de " + u.Nom, Nav: "admin", Utilisateur: utilisateur(r.Context())},
			Cible: retour + "/reinitialiser", Annuler: retour, Possible: true}
		c.Points = []string{"Le mot de passe actuel de " + u.Login + " ne fonctionnera plus, et ses sessions ouvertes seront fermées, dès la confirmation."}
		if u.MotDePasse == "" && !u.ReinitialiseLe.IsZero() {
			c.Titre = "Confirmer : renvoyer le lien de réinitialisation à " + u.Nom
			c.Points = []string{"Son mot de passe a été réinitialisé le " + s.date(u.ReinitialiseLe) + " (heure de Paris) : le lien envoyé alors, et tout autre lien de réinitialisation, ne serviront plus."}
		}
		if d.AvecLien(u) {
			c.Points = append(c.Points, "Un courriel lui enverra un lien, valable une heure et une seule fois, pour choisir un nouveau mot de passe\u202f; vous ne le verrez pas.")
		} else {
			c.Points = append(c.Points, "Un courriel lui rappellera que les agents se connectent avec ProConnect.")
		}
		s.render(w, http.StatusOK, "confirmation.html", c)
		return nil
	}
	d.Adresse = adresse(r)
	v, err := s.Store.ReinitialiserMotDePasse(r.Context(), u.ID, d)
	if err != nil {
		return s.refusUtilisateur(w, r, p, err)
	}
	s.reveiller()
	if u.MotDePasse == "" && !u.ReinitialiseLe.IsZero() {
		s.rediriger(w, r, cheminUtilisateur(u.ID), "Nouveau lien de réinitialisation envoyé à "+v.Login+", valable une heure : le précédent ne sert plus.")
		return nil
	}
	s.rediriger(w, r, cheminUtilisateur(u.ID), "Mot de passe de "+v.Login+" réinitialisé : l'ancien ne fonctionne plus, ses sessions sont fermées, et un courriel lui envoie un lien pour en choisir un nouveau.")
	return nil
}

// --- A vendor

// refusFournisseurAdmin shows the vendor's page again with err, a refusal;
// any other error is returned.
func (s *Server) refusFournisseurAdmin(w http.ResponseWriter, p PageAdminFournisseur, err error) error {
	if !p.refusAffiche(err) {
		return err
	}
	s.render(w, statutRefus(err), "admin-fournisseur.html", p)
	return nil
}

// cheminFournisseur is the administration's page of vendor id.
func cheminFournisseur(id int64) string {
	return "/agence/admin/fournisseurs/" + strconv.FormatInt(id, 10)
}

// postAdminEmailFournisseur changes a vendor's contact address (segur
// admin vendor email).
func (s *Server) postAdminEmailFournisseur(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	p, err := s.pageFournisseur(r)
	if err != nil {
		return err
	}
	p.Email = r.PostFormValue("email")
	f, err := s.Store.ChangeEmailFournisseur(r.Context(), segur.FournisseurID(p.Fournisseur.ID), p.Email)
	if err != nil {
		return s.refusFournisseurAdmin(w, p, err)
	}
	s.rediriger(w, r, cheminFournisseur(p.Fournisseur.ID), fmt.Sprintf("Courriel de contact de %s changé : %s (avant : %s).", f.Nom, f.Email, p.Fournisseur.Email))
	return nil
}

// postAdminSuspendre suspends a vendor after its confirmation (segur
// admin vendor suspend): its deposits are refused, its data kept.
func (s *Server) postAdminSuspendre(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	p, err := s.pageFournisseur(r)
	if err != nil {
		return err
	}
	id := segur.FournisseurID(p.Fournisseur.ID)
	if p.Fournisseur.Suspendu {
		return s.refusFournisseurAdmin(w, p, segur.Errorf(segur.ECONFLICT, "Le fournisseur %s est déjà suspendu.", p.Fournisseur.Nom))
	}
	if !confirme(r) {
		retour := cheminFournisseur(p.Fournisseur.ID)
		c := PageConfirmation{Base: Base{Titre: "Confirmer : suspendre " + p.Fournisseur.Nom, Nav: "admin", Utilisateur: utilisateur(r.Context())},
			Cible: retour + "/suspendre", Annuler: retour, Possible: true}
		c.Points = []string{
			"Les dépôts de " + p.Fournisseur.Nom + " (formulaire, API, pièces) seront refusés dès la confirmation, avec un message qui dit que son compte est suspendu et à qui écrire.",
			"Ses demandes, ses documents et ses paiements restent visibles des agents\u202f; ses utilisateurs gardent l'accès à leurs pages, en lecture.",
			"Un rétablissement lui rendra les dépôts.",
		}
		s.render(w, http.StatusOK, "confirmation.html", c)
		return nil
	}
	f, err := s.Store.SuspendreFournisseur(r.Context(), id, true)
	if err != nil {
		return s.refusFournisseurAdmin(w, p, err)
	}
	s.rediriger(w, r, cheminFournisseur(p.Fournisseur.ID), "Fournisseur "+f.Nom+" suspendu : ses dépôts sont refusés\u202f; ses données restent consultables.")
	return nil
}

// postAdminRetablir re-enables a suspended vendor (segur admin vendor
// resume).
func (s *Server) postAdminRetablir(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	p, err := s.pageFournisseur(r)
	if err != nil {
		return err
	}
	f, err := s.Store.SuspendreFournisseur(r.Context(), segur.FournisseurID(p.Fournisseur.ID), false)
	if err != nil {
		return s.refusFournisseurAdmin(w, p, err)
	}
	s.rediriger(w, r, cheminFournisseur(p.Fournisseur.ID), "Fournisseur "+f.Nom+" rétabli : ses dépôts sont de nouveau acceptés.")
	return nil
}

// --- A campaign window

// PageAdminFenetre is a campaign window's page: its dates, the form that
// changes its end, the button that closes it, its history.
type PageAdminFenetre struct {
	BaseAdmin
	Fenetre FenetreAdmin
	// Modifiable: the window is not closed yet; Ouverte: it is open now,
	// and can be closed now; AVenir: it has not opened, and can be
	// cancelled.
	Modifiable, Ouverte, AVenir bool
	Fin                         string // the form's value, as a datetime-local input writes it
	Historique                  []EvenementAdmin
}

const datetimeLocal = "2006-01-02T15:04"

func (s *Server) pageFenetre(r *http.Request) (PageAdminFenetre, *segur.Fenetre, error) {
	ctx := r.Context()
	var p PageAdminFenetre
	id, err := idChemin(r, "id", "Cette campagne")
	if err != nil {
		return p, nil, err
	}
	f, err := s.Store.FindFenetreByID(ctx, segur.FenetreID(id))
	if err != nil {
		return p, nil, err
	}
	p.BaseAdmin = s.baseAdmin(r, "Campagne "+string(f.Logiciel)+", demandes de type "+string(f.Type), LienAdmin{"Campagnes de dépôt", "/agence/admin/fenetres"})
	p.Fenetre = s.fenetreAdmin(*f)
	now := s.Now()
	p.Modifiable, p.Ouverte, p.AVenir = now.Before(f.Fin), f.Ouverte(now), now.Before(f.Debut)
	p.Fin = f.Fin.In(s.Paris).Format(datetimeLocal)
	if p.Historique, err = s.historique(ctx, "fenetre:"+strconv.FormatInt(id, 10)); err != nil {
		return p, nil, err
	}
	return p, f, nil
}

func (s *Server) getAdminFenetre(w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.pageFenetre(r)
	if err != nil {
		return err
	}
	p.Flash = s.flash(w, r)
	s.render(w, http.StatusOK, "admin-fenetre.html", p)
	return nil
}

// cheminFenetre is the page of window id.
func cheminFenetre(id segur.FenetreID) string {
	return "/agence/admin/fenetres/" + strconv.FormatInt(int64(id), 10)
}

// changerFin checks, confirms and applies a new end of window f (zero:
// now), posted from page p.
func (s *Server) changerFin(w http.ResponseWriter, r *http.Request, p PageAdminFenetre, f *segur.Fenetre, fin time.Time) error {
	refuser := func(err error) error {
		if !p.refusAffiche(err) {
			return err
		}
		s.render(w, statutRefus(err), "admin-fenetre.html", p)
		return nil
	}
	// Checked before the confirmation too, at this instant.
	v := *f
	if err := v.ChangerFin(fin, s.Now(), s.Paris); err != nil {
		return refuser(err)
	}
	quelle := "La campagne " + string(f.Logiciel) + " des demandes de type " + string(f.Type)
	retour := cheminFenetre(f.ID)
	if !confirme(r) {
		c := PageConfirmation{Base: Base{Titre: "Confirmer : " + strings.ToLower(p.Titre[:1]) + p.Titre[1:], Nav: "admin", Utilisateur: utilisateur(r.Context())},
			Annuler: retour, Possible: true}
		if fin.IsZero() {
			c.Titre = "Confirmer : fermer maintenant la " + strings.ToLower(p.Titre[:1]) + p.Titre[1:]
			c.Cible = retour + "/fermer"
			c.Points = []string{quelle + " fermera dès la confirmation, au lieu du " + s.date(f.Fin) + " (heure de Paris) : le portail et l'API refuseront ensuite ces dépôts en donnant la date.",
				"Une campagne close ne se modifie plus."}
		} else {
			c.Titre = "Confirmer : changer la fermeture de la " + strings.ToLower(p.Titre[:1]) + p.Titre[1:]
			c.Cible = retour
			c.Champs = []ChampCache{{"fin", p.Fin}}
			c.Points = []string{quelle + " fermera le " + s.date(v.Fin) + " au lieu du " + s.date(f.Fin) + " (heure de Paris)."}
		}
		s.render(w, http.StatusOK, "confirmation.html", c)
		return nil
	}
	_, apres, err := s.Store.ChangeFinFenetre(r.Context(), f.ID, fin, s.Paris)
	if err != nil {
		return refuser(err)
	}
	msg := quelle + " ferme le " + s.date(apres.Fin) + " (heure de Paris), au lieu du " + s.date(f.Fin) + "."
	if fin.IsZero() {
		msg = quelle + " est fermée depuis le " + s.date(apres.Fin) + " (heure de Paris) : ces dépôts sont refusés."
	}
	s.rediriger(w, r, retour, msg)
	return nil
}

// postAdminFenetreFin changes the end of a window (segur admin window
// edit).
func (s *Server) postAdminFenetreFin(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	p, f, err := s.pageFenetre(r)
	if err != nil {
		return err
	}
	p.Fin = r.PostFormValue("fin")
	t, ok := heureLocale(p.Fin, s.Paris)
	switch {
	case strings.TrimSpace(p.Fin) == "":
		p.refuser("fin", "Saisissez la nouvelle date et l'heure de fermeture (heure de Paris).")
	case !ok:
		p.refuser("fin", "Date et heure de fermeture illisibles : attendu jj/mm/aaaa et hh:mm.")
	}
	if len(p.Erreurs) > 0 {
		s.render(w, http.StatusUnprocessableEntity, "admin-fenetre.html", p)
		return nil
	}
	return s.changerFin(w, r, p, f, t.UTC())
}

// postAdminFenetreFermer closes a window now (segur admin window close).
func (s *Server) postAdminFenetreFermer(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	p, f, err := s.pageFenetre(r)
	if err != nil {
		return err
	}
	return s.changerFin(w, r, p, f, time.Time{})
}

// postAdminFenetreAnnuler cancels a window that has not opened, after its
// confirmation (segur admin window cancel).
func (s *Server) postAdminFenetreAnnuler(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	p, f, err := s.pageFenetre(r)
	if err != nil {
		return err
	}
	refuser := func(err error) error {
		if !p.refusAffiche(err) {
			return err
		}
		s.render(w, statutRefus(err), "admin-fenetre.html", p)
		return nil
	}
	if err := f.Annuler(s.Now(), s.Paris); err != nil {
		return refuser(err)
	}
	quelle := "La campagne " + string(f.Logiciel) + " des demandes de type " + string(f.Type) + " prévue du " + s.date(f.Debut) + " au " + s.date(f.Fin) + " (heure de Paris)"
	retour := cheminFenetre(f.ID)
	if !confirme(r) {
		c := PageConfirmation{Base: Base{Titre: "Confirmer : annuler la " + strings.ToLower(p.Titre[:1]) + p.Titre[1:], Nav: "admin", Utilisateur: utilisateur(r.Context())},
			Cible: retour + "/annuler", Annuler: retour, Possible: true}
		c.Points = []string{quelle + " n'ouvrira pas : elle est retirée de la liste des campagnes dès la confirmation.",
			"Elle n'a pas ouvert : aucun dépôt n'y a été fait. Le journal d'audit garde ses dates.",
			"S'il ne reste aucune autre campagne " + string(f.Logiciel) + " pour ce type de demandes, ces dépôts ne sont plus limités à une campagne."}
		s.render(w, http.StatusOK, "confirmation.html", c)
		return nil
	}
	if _, err := s.Store.AnnulerFenetre(r.Context(), f.ID, s.Paris); err != nil {
		return refuser(err)
	}
	s.rediriger(w, r, "/agence/admin/fenetres", quelle+" est annulée.")
	return nil
}

// fenetreAdmin is window f as the administration lists it.
func (s *Server) fenetreAdmin(f segur.Fenetre) FenetreAdmin {
	now := s.Now()
	v := FenetreAdmin{ID: int64(f.ID), Logiciel: string(f.Logiciel), Type: string(f.Type), Debut: s.date(f.Debut), Fin: s.date(f.Fin)}
	switch {
	case f.Ouverte(now):
		v.Etat = "ouverte"
	case now.Before(f.Debut):
		v.Etat = "à venir"
	default:
		v.Etat = "close"
	}
	return v
}
