package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/proxies"
)

// cookieSession names the session cookie; it holds a random token whose
// SHA-256 only is stored.
const cookieSession = "segur_session"

func encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func empreinte(token string) []byte {
	d := sha256.Sum256([]byte(token))
	return d[:]
}

type ctxKey struct{}

type connecte struct {
	session *segur.Session
	user    *segur.Utilisateur
	adresse string // the client's, behind the trusted proxies
}

// utilisateur returns the logged-in user of a request, or nil.
func utilisateur(ctx context.Context) *segur.Utilisateur {
	if c, ok := ctx.Value(ctxKey{}).(connecte); ok {
		return c.user
	}
	return nil
}

// agent requires a live session of a user holding one of roles: the
// agency's pages; a vendor reaches none of them.
func (s *Server) agent(h handler, roles ...segur.Role) handler {
	return s.authentifie(func(w http.ResponseWriter, r *http.Request) error {
		u := utilisateur(r.Context())
		for _, role := range roles {
			if u.A(role) {
				return h(w, r)
			}
		}
		return segur.Errorf(segur.EFORBIDDEN, "Cette page est réservée aux agents de l'agence (%s).", rolesTexte(roles))
	})
}

func rolesTexte(roles []segur.Role) string {
	u := segur.Utilisateur{Roles: roles}
	return strings.ReplaceAll(u.RolesTexte(), ", ", " ou ")
}

// slotKey holds, in a request's context, where authentifie leaves the
// signed-in user for the error page of the same request.
type slotKey struct{}

// authentifie requires a live session; an expired one leads to the login
// page with a message.
func (s *Server) authentifie(h handler) handler { return s.session(h, true) }

// facultatif serves h with the user of a live session, if any, and
// anonymously otherwise: the public pages keep the header of a signed-in
// user. A database away serves the page anonymously.
func (s *Server) facultatif(h handler) handler { return s.session(h, false) }

func (s *Server) session(h handler, requise bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := r.Cookie(cookieSession)
		if err != nil || c.Value == "" || len(c.Value) > 100 {
			if !requise {
				return h(w, r)
			}
			http.Redirect(w, r, "/connexion", http.StatusSeeOther)
			return nil
		}
		ctx := r.Context()
		if d, ok := s.Store.(interface {
			Disponible(context.Context, time.Duration) error
		}); ok && s.AttenteBase > 0 {
			if err := d.Disponible(ctx, s.AttenteBase); err != nil {
				if !requise {
					return h(w, r)
				}
				return err
			}
		}
		sess, user, err := s.Store.FindSession(ctx, empreinte(c.Value))
		if segur.IsCode(err, segur.ENOTFOUND) {
			s.effacerCookie(w, r)
			if !requise {
				return h(w, r)
			}
			http.Redirect(w, r, "/connexion?expiree=1", http.StatusSeeOther)
			return nil
		}
		if err != nil {
			if !requise {
				return h(w, r)
			}
			return err
		}
		if now := s.Now(); now.Sub(sess.VuLe) > time.Minute {
			if err := s.Store.TouchSession(ctx, sess.Empreinte, now); err != nil {
				return err
			}
		}
		a := s.adresseClient(r)
		ctx = context.WithValue(ctx, ctxKey{}, connecte{sess, user, a})
		ctx = segur.WithActeur(ctx, segur.Acteur{Login: user.Login, Adresse: a})
		if slot, ok := ctx.Value(slotKey{}).(**segur.Utilisateur); ok {
			*slot = user
		}
		return h(w, r.WithContext(ctx))
	}
}

func (s *Server) effacerCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieSession, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

// secure reports whether cookies must be Secure: the request came over TLS,
// or the portal is declared behind an HTTPS proxy.
func (s *Server) secure(r *http.Request) bool { return s.Secure || r.TLS != nil }

// adresse is the client's address of a request: behind a trusted proxy
// (Server.Proxies), the client it names. authentifie puts it on the
// context; before a session (the login), adresseClient reads it.
func adresse(r *http.Request) string {
	if c, ok := r.Context().Value(ctxKey{}).(connecte); ok && c.adresse != "" {
		return c.adresse
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// adresseClient is the client's address of r, behind the trusted proxies.
func (s *Server) adresseClient(r *http.Request) string { return s.Proxies.Client(r) }

func (s *Server) accueil(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(cookieSession); err == nil && c.Value != "" {
		http.Redirect(w, r, "/tableau", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/connexion", http.StatusSeeOther)
	return nil
}

// PageConnexion is the login page.
type PageConnexion struct {
	Base
	Login            string
	ErreurLogin      string
	ErreurMotDePasse string
	Expiree          bool
	// ProConnect shows the button of the agents' sign-in through
	// ProConnect; ProConnectIndisponible says why it cannot be used now,
	// ErreurProConnect why a sign-in through it failed.
	ProConnect             bool
	ProConnectIndisponible string
	ErreurProConnect       string
}

// pageConnexion is the login page, without messages yet.
func (s *Server) pageConnexion(r *http.Request) PageConnexion {
	p := PageConnexion{Base: Base{Titre: "Connexion"}, ProConnect: s.ProConnect != nil}
	if p.ProConnect {
		p.ProConnectIndisponible = s.etatProConnect(r.Context())
	}
	return p
}

func (s *Server) getConnexion(w http.ResponseWriter, r *http.Request) error {
	p := s.pageConnexion(r)
	p.Expiree = r.URL.Query().Get("expiree") == "1"
	if r.URL.Query().Get("deconnecte") == "1" {
		p.Flash = "Vous êtes déconnecté."
	}
	switch r.URL.Query().Get("motdepasse") {
	case "change":
		p.Flash = "Mot de passe changé : reconnectez-vous."
	case "choisi":
		p.Flash = "Nouveau mot de passe enregistré : connectez-vous avec lui. Vos autres sessions sont fermées."
	case "active":
		p.Flash = "Compte activé : connectez-vous avec votre adresse électronique et le mot de passe choisi."
	}
	s.render(w, http.StatusOK, "connexion.html", p)
	return nil
}

// postConnexion checks a login. The attempt is counted before its password
// is checked (segur.EssaiConnexion), so that attempts at once count too; a
// counter past its limit answers 429 with the wait. The check itself waits
// for a free argon2id computation (auth.MaxHachages), at most
// auth.AttenteHachage: past it, 429 too, and the attempt is withdrawn.
func (s *Server) postConnexion(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		return segur.Errorf(segur.EINVALID, "Formulaire illisible.")
	}
	ctx := r.Context()
	login := strings.ToLower(strings.TrimSpace(r.PostFormValue("login")))
	motDePasse := r.PostFormValue("motdepasse")
	p := s.pageConnexion(r)
	p.Login = login
	refuser := func(status int, champ, msg string) error {
		if champ == "login" {
			p.ErreurLogin = msg
		} else {
			p.ErreurMotDePasse = msg
		}
		p.Erreurs = []ErreurChamp{{Champ: champ, Message: msg}}
		s.render(w, status, "connexion.html", p)
		return nil
	}
	if login == "" || len(login) > segur.MaxLoginConnexion {
		return refuser(http.StatusUnprocessableEntity, "login", "Saisissez votre adresse électronique.")
	}
	if motDePasse == "" {
		return refuser(http.StatusUnprocessableEntity, "motdepasse", "Saisissez votre mot de passe.")
	}
	now := s.Now()
	client := s.adresseClient(r)
	essai := essaiConnexion(login, client)
	attente, err := s.Store.CreateEssaiConnexion(ctx, essai, now)
	if err != nil {
		return err
	}
	if attente > 0 {
		if s.Connexions != nil {
			s.Connexions.ConnexionFreinee(false)
		}
		w.Header().Set("Retry-After", strconv.Itoa(secondes(attente)))
		return refuser(http.StatusTooManyRequests, "motdepasse", "Trop d'essais de connexion : réessayez dans "+dureeTexte(attente)+".")
	}
	user, err := s.Store.FindUtilisateurByLogin(ctx, login)
	hash := auth.Leurre // unknown logins cost what known ones cost: no telling which exist
	switch {
	case err == nil && user.MotDePasse == "":
		// An account not yet activated has no password: none is right.
		user = nil
	case err == nil:
		hash = user.MotDePasse
	case !segur.IsCode(err, segur.ENOTFOUND):
		return err
	}
	ok, err := auth.CheckPasswordContext(ctx, hash, motDePasse)
	if err == auth.ErrOccupe {
		// Not checked: not a failure. The request may be over.
		if err := s.Store.DeleteEssaiConnexion(context.WithoutCancel(ctx), essai, false); err != nil {
			return err
		}
		if s.Connexions != nil {
			s.Connexions.ConnexionFreinee(true)
		}
		w.Header().Set("Retry-After", strconv.Itoa(secondesOccupe))
		return refuser(http.StatusTooManyRequests, "motdepasse", auth.ErrOccupe.Message)
	}
	if err != nil {
		return err
	}
	if !ok || user == nil {
		if s.Connexions != nil {
			s.Connexions.ConnexionEchouee()
		}
		return refuser(http.StatusUnprocessableEntity, "motdepasse", "Adresse électronique ou mot de passe incorrect.")
	}
	if err := s.Store.DeleteEssaiConnexion(ctx, essai, true); err != nil {
		return err
	}
	if !user.Actif() {
		// Only who knows the password learns that the account is
		// disabled: to anyone else it answers as a wrong password does,
		// at the same cost.
		return refuser(http.StatusForbidden, "motdepasse", segur.MsgCompteDesactive)
	}
	if s.AgentsProConnectSeulement && user.Agent() {
		// The password was right: no failure, but agents sign in through
		// ProConnect only.
		return refuser(http.StatusForbidden, "motdepasse", msgAgentsProConnect)
	}
	if _, err := s.ouvrirSession(w, r, user, client, segur.MethodeMotDePasse); err != nil {
		return err
	}
	http.Redirect(w, r, "/tableau", http.StatusSeeOther)
	return nil
}

// msgAgentsProConnect refuses an agent's password with
// Server.AgentsProConnectSeulement.
const msgAgentsProConnect = "Les agents de l'agence se connectent avec ProConnect : utilisez le bouton « S'identifier avec ProConnect »."

// ouvrirSession opens a session for user, signed in from the address
// client by methode (segur.MethodeMotDePasse…), and sets its cookie; it
// returns the session's token.
func (s *Server) ouvrirSession(w http.ResponseWriter, r *http.Request, user *segur.Utilisateur, client, methode string) (string, error) {
	token, err := jeton()
	if err != nil {
		return "", err
	}
	csrf, err := jeton()
	if err != nil {
		return "", err
	}
	sess := &segur.Session{Empreinte: empreinte(token), UtilisateurID: user.ID, ExpireLe: s.Now().Add(segur.SessionDuree), CSRF: csrf, Methode: methode}
	ctx := segur.WithActeur(r.Context(), segur.Acteur{Login: user.Login, Adresse: client})
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return "", err
	}
	http.SetCookie(w, &http.Cookie{Name: cookieSession, Value: token, Path: "/", Expires: sess.ExpireLe,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	return token, nil
}

// essaiConnexion is a login attempt from a client address, counted with
// the addresses of its group (proxies.Groupe: an IPv6 /64).
func essaiConnexion(login, adresse string) segur.EssaiConnexion {
	return segur.EssaiConnexion{Login: login, Adresse: proxies.Groupe(adresse)}
}

// secondesOccupe is the Retry-After of a refusal for lack of a free
// argon2id computation: « quelques secondes ».
const secondesOccupe = 5

// secondes is d in whole seconds, rounded up, at least 1: a Retry-After.
func secondes(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// dureeTexte says a duration in French: « 40 secondes », « 2 minutes »,
// « 12 heures » (rounded up; in hours only when whole).
func dureeTexte(d time.Duration) string {
	n := secondes(d)
	unite := "seconde"
	if n >= 60 {
		n, unite = (n+59)/60, "minute"
	}
	if unite == "minute" && n >= 60 && n%60 == 0 {
		n, unite = n/60, "heure"
	}
	if n > 1 {
		unite += "s"
	}
	return strconv.Itoa(n) + " " + unite
}

// postDeconnexion ends the session; one opened through ProConnect is
// then ended at the provider too, when it advertises its logout.
func (s *Server) postDeconnexion(w http.ResponseWriter, r *http.Request) error {
	idt := ""
	if s.ProConnect != nil {
		idt = s.idToken(r) // read before the session's cookie goes
	}
	if c, err := r.Cookie(cookieSession); err == nil && c.Value != "" && len(c.Value) <= 100 {
		if err := s.Store.DeleteSession(r.Context(), empreinte(c.Value)); err != nil {
			return err
		}
	}
	s.effacerCookie(w, r)
	if _, err := r.Cookie(cookieIDToken); err == nil {
		http.SetCookie(w, &http.Cookie{Name: cookieIDToken, Value: "", Path: cheminDeconnexion, MaxAge: -1,
			HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	}
	if idt != "" {
		if c, err := s.ProConnect.relyingParty(r.Context()); err == nil {
			// No post_logout_redirect_uri: the provider says where to go.
			if u, ok := c.Deconnexion(idt, ""); ok {
				http.Redirect(w, r, u, http.StatusSeeOther)
				return nil
			}
		}
	}
	http.Redirect(w, r, "/connexion?deconnecte=1", http.StatusSeeOther)
	return nil
}
