package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
)

// Accounts people recover: « mot de passe oublié » mails a link to choose
// a new password, and an administrator's new user gets a link to choose
// its first one (activation). Both links open the same page.

func init() {
	morePages = append(morePages, "motdepasse-oublie.html", "motdepasse-nouveau.html")
}

// routesRecuperation registers the pages of the links, open without a
// session.
func (s *Server) routesRecuperation(pages *http.ServeMux) {
	pages.Handle("GET /motdepasse/oublie", s.handle(s.getMotDePasseOublie))
	pages.Handle("POST /motdepasse/oublie", s.handle(s.postMotDePasseOublie))
	pages.Handle("GET "+segur.CheminMotDePasse, s.handle(s.getMotDePasseNouveau))
	pages.Handle("POST "+segur.CheminMotDePasse, s.handle(s.postMotDePasseNouveau))
}

// msgDemandeLien is the answer to every « mot de passe oublié », whether
// the address is a user's or not.
const msgDemandeLien = "Si un compte correspond à cette adresse, un courriel vient de lui être envoyé ; le lien est valable une heure."

// PageMotDePasseOublie asks for the address of the account.
type PageMotDePasseOublie struct {
	Base
	Login       string
	ErreurLogin string
	// Envoye: the request was taken (msgDemandeLien is the flash).
	Envoye bool
}

func (s *Server) getMotDePasseOublie(w http.ResponseWriter, r *http.Request) error {
	s.render(w, http.StatusOK, "motdepasse-oublie.html", PageMotDePasseOublie{Base: Base{Titre: "Mot de passe oublié"}})
	return nil
}

// lienDemande is a request for a link to the account of login, with a
// fresh token; it returns the request and its token.
func (s *Server) lienDemande(login string, objet segur.ObjetLien) (segur.DemandeLien, error) {
	if s.URL == "" {
		return segur.DemandeLien{}, fmt.Errorf("web: Server.URL is empty: no address for the links of mails")
	}
	token, digest := auth.NewLinkToken()
	return segur.DemandeLien{Login: login, Objet: objet, Empreinte: digest,
		URL: segur.LienMotDePasse(s.URL, token), Connexion: strings.TrimRight(s.URL, "/") + "/connexion",
		AgentsProConnect: s.AgentsProConnectSeulement}, nil
}

// reveiller tells the postman that a mail is due now.
func (s *Server) reveiller() {
	if s.Reveiller != nil {
		s.Reveiller()
	}
}

// postMotDePasseOublie takes a « mot de passe oublié »: one transaction
// counts it and, if the address is a user's, stores the link and queues
// its mail (sqlstore's CreateDemandeReinitialisation); an unknown address
// does the same work but those last writes, in the same one commit, and
// gets the same answer. What difference of time is left is a few
// statements in a transaction, and the throttle (a few requests per
// address asked and per client in FenetreEchecs) leaves no room to
// average it out over many tries. Too many requests for the address, or
// from the client, answer 429.
func (s *Server) postMotDePasseOublie(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		return segur.Errorf(segur.EINVALID, "Formulaire illisible.")
	}
	login := strings.ToLower(strings.TrimSpace(r.PostFormValue("login")))
	p := PageMotDePasseOublie{Base: Base{Titre: "Mot de passe oublié"}, Login: login}
	refuser := func(status int, msg string) error {
		p.ErreurLogin = msg
		p.Erreurs = []ErreurChamp{{Champ: "login", Message: msg}}
		s.render(w, status, "motdepasse-oublie.html", p)
		return nil
	}
	if login == "" || len(login) > segur.MaxLoginConnexion || !segur.AdresseCourrielValide(login) {
		return refuser(http.StatusUnprocessableEntity, "Saisissez l'adresse électronique de votre compte, au format nom@domaine.fr.")
	}
	d, err := s.lienDemande(login, segur.LienReinitialisation)
	if err != nil {
		return err
	}
	client := s.adresseClient(r)
	d.Adresse = essaiConnexion(login, client).Adresse
	// Audited, for a user's address only, as asked for that address from
	// that client.
	ctx := segur.WithActeur(r.Context(), segur.Acteur{Login: login, Adresse: client})
	attente, err := s.Store.CreateDemandeReinitialisation(ctx, d, s.Now())
	if err != nil {
		return err
	}
	if attente > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(secondes(attente)))
		return refuser(http.StatusTooManyRequests, "Trop de demandes pour cette adresse ou depuis votre connexion : réessayez dans "+dureeTexte(attente)+".")
	}
	s.reveiller()
	p.Envoye, p.Flash = true, msgDemandeLien
	s.render(w, http.StatusOK, "motdepasse-oublie.html", p)
	return nil
}

// PageMotDePasseNouveau is the form of a link: choose a password.
type PageMotDePasseNouveau struct {
	Base
	Jeton      string
	Login      string // the account's
	Activation bool
	// Perime: the link is unknown, used or expired; the page offers a new
	// request.
	Perime                            bool
	ErreurNouveau, ErreurConfirmation string
}

// maxJeton bounds the token read from a link: 43 characters in base64url.
const maxJeton = 100

// lienPage reads the link of r's token: its page, with the account's login,
// or the page of a link no longer valid.
func (s *Server) lienPage(r *http.Request, jeton string) (PageMotDePasseNouveau, error) {
	p := PageMotDePasseNouveau{Base: Base{Titre: "Choisir un mot de passe"}, Jeton: jeton}
	if jeton == "" || len(jeton) > maxJeton {
		p.Perime = true
		return p, nil
	}
	l, u, err := s.Store.FindLienCompte(r.Context(), empreinte(jeton))
	if segur.IsCode(err, segur.ENOTFOUND) {
		p.Perime = true
		return p, nil
	}
	if err != nil {
		return p, err
	}
	p.Login, p.Activation = u.Login, l.Objet == segur.LienActivation
	if p.Activation {
		p.Titre = "Activer votre compte"
	}
	return p, nil
}

// renderLien renders the link's page; the page of a link no longer valid
// answers 410 Gone. The token is in the URL of a link: no Referer carries
// it, not even to the portal's own files.
func (s *Server) renderLien(w http.ResponseWriter, status int, p PageMotDePasseNouveau) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	if p.Perime {
		status, p.Titre, p.Erreurs = http.StatusGone, "Lien expiré", nil
	}
	s.render(w, status, "motdepasse-nouveau.html", p)
}

func (s *Server) getMotDePasseNouveau(w http.ResponseWriter, r *http.Request) error {
	p, err := s.lienPage(r, r.URL.Query().Get("jeton"))
	if err != nil {
		return err
	}
	s.renderLien(w, http.StatusOK, p)
	return nil
}

// reglesMotDePasse checks a new password and its confirmation, the rules
// of every form that sets one (the account's, the links'): at least
// auth.MinPassword characters, and the same twice. It returns the messages
// of the two fields, "" when right.
func reglesMotDePasse(nouveau, confirmation string) (errNouveau, errConfirmation string) {
	if utf8.RuneCountInString(nouveau) < auth.MinPassword {
		errNouveau = fmt.Sprintf("Le nouveau mot de passe doit compter %d caractères au moins.", auth.MinPassword)
	}
	if confirmation != nouveau {
		errConfirmation = "La confirmation ne correspond pas au nouveau mot de passe."
	}
	return errNouveau, errConfirmation
}

// postMotDePasseNouveau sets the password of a link's user: the link is
// used (it serves once, with every other link of the user), the user's
// sessions are closed, and the login page asks to sign in with the new
// password.
func (s *Server) postMotDePasseNouveau(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		return segur.Errorf(segur.EINVALID, "Formulaire illisible.")
	}
	ctx := r.Context()
	p, err := s.lienPage(r, r.PostFormValue("jeton"))
	if err != nil {
		return err
	}
	if p.Perime {
		s.renderLien(w, http.StatusGone, p)
		return nil
	}
	nouveau, confirmation := r.PostFormValue(champNouveau), r.PostFormValue(champConfirmation)
	p.ErreurNouveau, p.ErreurConfirmation = reglesMotDePasse(nouveau, confirmation)
	if p.ErreurNouveau != "" {
		p.Erreurs = append(p.Erreurs, ErreurChamp{Champ: champNouveau, Message: p.ErreurNouveau})
	}
	if p.ErreurConfirmation != "" {
		p.Erreurs = append(p.Erreurs, ErreurChamp{Champ: champConfirmation, Message: p.ErreurConfirmation})
	}
	if len(p.Erreurs) > 0 {
		s.renderLien(w, http.StatusUnprocessableEntity, p)
		return nil
	}
	h, err := auth.HashPasswordContext(ctx, nouveau)
	if err != nil {
		return err
	}
	ctx = segur.WithActeur(ctx, segur.Acteur{Login: p.Login, Adresse: s.adresseClient(r)})
	if _, err := s.Store.UseLienCompte(ctx, empreinte(p.Jeton), h); segur.IsCode(err, segur.ENOTFOUND) {
		// Used by another request meanwhile.
		p.Perime = true
		s.renderLien(w, http.StatusGone, p)
		return nil
	} else if err != nil {
		return err
	}
	cible := "/connexion?motdepasse=choisi"
	if p.Activation {
		cible = "/connexion?motdepasse=active"
	}
	http.Redirect(w, r, cible, http.StatusSeeOther)
	return nil
}
