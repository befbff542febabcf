package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
)

// cookieSession names the session cookie; it holds a random token whose
// SHA-256 only is stored.
const cookieSession = "segur_session"

// rediriger leads to cible after a change, with msg shown there
// (?message=, read by flash).
func (s *Server) rediriger(w http.ResponseWriter, r *http.Request, cible, msg string) {
	http.Redirect(w, r, cible+"?message="+url.QueryEscape(msg), http.StatusSeeOther)
}

// flash is the message a redirect left for this page, at most 500 bytes
// ("" if none).
func flash(r *http.Request) string {
	if m := r.URL.Query().Get("message"); len(m) <= 500 {
		return m
	}
	return ""
}

func encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func empreinte(token string) []byte {
	d := sha256.Sum256([]byte(token))
	return d[:]
}

type ctxKey struct{}

type connecte struct {
	session *segur.Session
	user    *segur.Utilisateur
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

// authentifie requires a live session; an expired one leads to the login
// page with a message.
func (s *Server) authentifie(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := r.Cookie(cookieSession)
		if err != nil || c.Value == "" || len(c.Value) > 100 {
			http.Redirect(w, r, "/connexion", http.StatusSeeOther)
			return nil
		}
		ctx := r.Context()
		sess, user, err := s.Store.FindSession(ctx, empreinte(c.Value))
		if segur.IsCode(err, segur.ENOTFOUND) {
			s.effacerCookie(w, r)
			http.Redirect(w, r, "/connexion?expiree=1", http.StatusSeeOther)
			return nil
		}
		if err != nil {
			return err
		}
		if now := s.Now(); now.Sub(sess.VuLe) > time.Minute {
			if err := s.Store.TouchSession(ctx, sess.Empreinte, now); err != nil {
				return err
			}
		}
		ctx = context.WithValue(ctx, ctxKey{}, connecte{sess, user})
		ctx = segur.WithActeur(ctx, segur.Acteur{Login: user.Login, Adresse: adresse(r)})
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

// adresse is the client's address, without its port.
func adresse(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

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
}

func (s *Server) getConnexion(w http.ResponseWriter, r *http.Request) error {
	p := PageConnexion{Base: Base{Titre: "Connexion"}, Expiree: r.URL.Query().Get("expiree") == "1"}
	if r.URL.Query().Get("deconnecte") == "1" {
		p.Flash = "Vous êtes déconnecté."
	}
	if r.URL.Query().Get("motdepasse") == "change" {
		p.Flash = "Mot de passe changé : reconnectez-vous."
	}
	s.render(w, http.StatusOK, "connexion.html", p)
	return nil
}

// postConnexion checks a login, with throttling per login and per address.
func (s *Server) postConnexion(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		return segur.Errorf(segur.EINVALID, "Formulaire illisible.")
	}
	ctx := r.Context()
	login := strings.ToLower(strings.TrimSpace(r.PostFormValue("login")))
	motDePasse := r.PostFormValue("motdepasse")
	p := PageConnexion{Base: Base{Titre: "Connexion"}, Login: login}
	refuser := func(champ, msg string) error {
		if champ == "login" {
			p.ErreurLogin = msg
		} else {
			p.ErreurMotDePasse = msg
		}
		p.Erreurs = []ErreurChamp{{Champ: champ, Message: msg}}
		s.render(w, http.StatusUnprocessableEntity, "connexion.html", p)
		return nil
	}
	if login == "" || len(login) > 254 {
		return refuser("login", "Saisissez votre adresse e-mail.")
	}
	if motDePasse == "" {
		return refuser("motdepasse", "Saisissez votre mot de passe.")
	}
	now := s.Now()
	cleLogin, cleAdresse := "login:"+login, "adresse:"+adresse(r)
	depuis := now.Add(-segur.FenetreEchecs)
	n1, err := s.Store.CountEchecsConnexion(ctx, cleLogin, depuis)
	if err != nil {
		return err
	}
	n2, err := s.Store.CountEchecsConnexion(ctx, cleAdresse, depuis)
	if err != nil {
		return err
	}
	if n1 >= segur.MaxEchecsLogin || n2 >= segur.MaxEchecsAdresse {
		return refuser("motdepasse", "Trop d'essais de connexion : réessayez dans 15 minutes.")
	}
	user, err := s.Store.FindUtilisateurByLogin(ctx, login)
	ok := false
	if err == nil {
		ok, err = auth.CheckPassword(user.MotDePasse, motDePasse)
	} else if segur.IsCode(err, segur.ENOTFOUND) {
		// Spend the same time as a real check: no telling which logins exist.
		auth.CheckPassword(leurre(), motDePasse)
		err = nil
	}
	if err != nil {
		return err
	}
	if !ok {
		for _, cle := range []string{cleLogin, cleAdresse} {
			if err := s.Store.CreateEchecConnexion(ctx, cle, now); err != nil {
				return err
			}
		}
		return refuser("motdepasse", "Adresse e-mail ou mot de passe incorrect.")
	}
	if err := s.Store.DeleteEchecsConnexion(ctx, cleLogin); err != nil {
		return err
	}
	token, err := jeton()
	if err != nil {
		return err
	}
	csrf, err := jeton()
	if err != nil {
		return err
	}
	sess := &segur.Session{Empreinte: empreinte(token), UtilisateurID: user.ID, ExpireLe: now.Add(segur.SessionDuree), CSRF: csrf}
	ctx = segur.WithActeur(ctx, segur.Acteur{Login: user.Login, Adresse: adresse(r)})
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: cookieSession, Value: token, Path: "/", Expires: sess.ExpireLe,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/tableau", http.StatusSeeOther)
	return nil
}

// leurre is an argon2id hash of no password, checked for unknown logins so
// that they cost what a known login costs. It is computed on first use: a
// hash at package initialisation would cost every subcommand (segur check
// included) 64 MiB and a fifth of a second.
var leurre = sync.OnceValue(func() string {
	h, _ := auth.HashPassword("leurre-segur-sans-compte")
	return h
})

func (s *Server) postDeconnexion(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(cookieSession); err == nil && c.Value != "" && len(c.Value) <= 100 {
		if err := s.Store.DeleteSession(r.Context(), empreinte(c.Value)); err != nil {
			return err
		}
	}
	s.effacerCookie(w, r)
	http.Redirect(w, r, "/connexion?deconnecte=1", http.StatusSeeOther)
	return nil
}
