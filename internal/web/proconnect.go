package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/proconnect"
)

// ProConnect is the agents' sign-in through ProConnect (segur serve
// --oidc-issuer). Its relying party is made on first use, and made again
// on a later use while the provider does not answer: a provider down when
// the portal starts stops nobody from signing in with a password.
type ProConnect struct {
	Config proconnect.Config
	// Now is the clock against which ID tokens are checked; time.Now when
	// nil.
	Now func() time.Time
	// Cle signs the cookie that keeps a sign-in under way (state, nonce,
	// PKCE verifier) until the callback: every instance of the portal
	// behind one address must have the same. Empty: a random key drawn at
	// start (one instance).
	Cle []byte

	mu      sync.Mutex
	client  *proconnect.Client
	echec   error     // the last failed attempt to make client
	echecLe time.Time // when
}

// attenteProConnect is how long a failed discovery is remembered before
// the next use tries again: a provider away costs its timeout once in
// that time, not at every page.
const attenteProConnect = 15 * time.Second

// relyingParty returns the relying party, made now if need be.
func (p *ProConnect) relyingParty(ctx context.Context) (*proconnect.Client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.client != nil {
		return p.client, nil
	}
	if p.echec != nil && time.Since(p.echecLe) < attenteProConnect {
		return nil, p.echec
	}
	c, err := proconnect.Nouveau(ctx, p.Config)
	if err != nil {
		p.echec, p.echecLe = err, time.Now()
		return nil, err
	}
	if p.Now != nil {
		c.Now = p.Now
	}
	p.client, p.echec = c, nil
	return c, nil
}

// cookieProConnect keeps a sign-in under way, from /connexion/proconnect to
// its callback; cookieIDToken keeps the ID token of a session opened by
// ProConnect, for the provider's logout.
const (
	cookieProConnect  = "segur_proconnect"
	cheminProConnect  = "/connexion/proconnect"
	dureeProConnect   = 10 * time.Minute
	cookieIDToken     = "segur_proconnect_idt"
	cheminDeconnexion = "/deconnexion"
)

// enCours is what the cookie of a sign-in under way holds.
type enCours struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Expire   int64  `json:"e"` // Unix seconds
}

// signer signs parts with key, after a label that keeps the signatures of
// one cookie from serving for another.
func signer(key []byte, label string, parts ...string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label + "\x00"))
	m.Write([]byte(strings.Join(parts, "\x00")))
	return encode(m.Sum(nil))
}

// getProConnect starts a sign-in: the values to check on the callback go in
// a signed, short-lived cookie, and the browser to the provider.
func (s *Server) getProConnect(w http.ResponseWriter, r *http.Request) error {
	if s.ProConnect == nil {
		return segur.Errorf(segur.ENOTFOUND, "La connexion par ProConnect n'est pas configurée sur ce portail.")
	}
	c, err := s.ProConnect.relyingParty(r.Context())
	if err != nil {
		return s.echecProConnect(w, r, err)
	}
	d := c.Debut()
	b, err := json.Marshal(enCours{d.State, d.Nonce, d.Verifier, s.Now().Add(dureeProConnect).Unix()})
	if err != nil {
		return err
	}
	v := encode(b)
	http.SetCookie(w, &http.Cookie{Name: cookieProConnect, Value: v + "." + signer(s.ProConnect.Cle, "segur-proconnect", v),
		Path: cheminProConnect, MaxAge: int(dureeProConnect / time.Second), HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, d.URL, http.StatusSeeOther)
	return nil
}

// lireEnCours reads and deletes the cookie of the sign-in under way: its
// values, or none when absent, altered or expired (the callback is then
// refused on its state, before any call to the provider).
func (s *Server) lireEnCours(w http.ResponseWriter, r *http.Request) proconnect.Debut {
	c, err := r.Cookie(cookieProConnect)
	if err != nil {
		return proconnect.Debut{}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieProConnect, Value: "", Path: cheminProConnect, MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	v, signature, _ := strings.Cut(c.Value, ".")
	if !hmac.Equal([]byte(signature), []byte(signer(s.ProConnect.Cle, "segur-proconnect", v))) {
		return proconnect.Debut{}
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return proconnect.Debut{}
	}
	var e enCours
	if err := json.Unmarshal(b, &e); err != nil || s.Now().Unix() > e.Expire {
		return proconnect.Debut{}
	}
	return proconnect.Debut{State: e.State, Nonce: e.Nonce, Verifier: e.Verifier}
}

// getProConnectRetour completes a sign-in: the agent's account is the one
// whose login is the e-mail ProConnect gives. It must exist and be an
// agent's: signing in creates no account and grants no role.
func (s *Server) getProConnectRetour(w http.ResponseWriter, r *http.Request) error {
	if s.ProConnect == nil {
		return segur.Errorf(segur.ENOTFOUND, "La connexion par ProConnect n'est pas configurée sur ce portail.")
	}
	kept := s.lireEnCours(w, r)
	c, err := s.ProConnect.relyingParty(r.Context())
	if err != nil {
		return s.echecProConnect(w, r, err)
	}
	id, err := c.Retour(r.Context(), kept, r.URL.Query())
	if err != nil {
		return s.echecProConnect(w, r, err)
	}
	ctx := r.Context()
	login := strings.ToLower(strings.TrimSpace(id.Email))
	var user *segur.Utilisateur
	if len(login) <= segur.MaxLoginConnexion {
		user, err = s.Store.FindUtilisateurByLogin(ctx, login)
		if err != nil && !segur.IsCode(err, segur.ENOTFOUND) {
			return err
		}
	}
	if user == nil || !user.Agent() {
		if s.Connexions != nil {
			s.Connexions.ConnexionEchouee()
		}
		s.Log.Info("proconnect sign-in refused: no agent account", "email", login)
		p := s.pageConnexion(r)
		p.ErreurProConnect = "Aucun compte d'agent n'est ouvert pour l'adresse " + login +
			" : demandez à un administrateur de l'agence de le créer."
		s.render(w, http.StatusForbidden, "connexion.html", p)
		return nil
	}
	if !user.Actif() {
		s.Log.Info("proconnect sign-in refused: account disabled", "email", login)
		p := s.pageConnexion(r)
		p.ErreurProConnect = segur.MsgCompteDesactive
		s.render(w, http.StatusForbidden, "connexion.html", p)
		return nil
	}
	// As a password login that succeeds: the failures of this login from
	// this address are forgotten.
	client := s.adresseClient(r)
	essai := essaiConnexion(login, client)
	attente, err := s.Store.CreateEssaiConnexion(ctx, essai, s.Now())
	if err != nil {
		return err
	}
	if attente == 0 { // counted: withdrawn as a success
		if err := s.Store.DeleteEssaiConnexion(ctx, essai, true); err != nil {
			return err
		}
	}
	token, err := s.ouvrirSession(w, r, user, client, segur.MethodeProConnect)
	if err != nil {
		return err
	}
	// The ID token, for the provider's logout: signed with the session's
	// token, so that it serves no other session.
	http.SetCookie(w, &http.Cookie{Name: cookieIDToken, Value: id.IDToken + "~" + signer([]byte(token), "segur-proconnect-idt", id.IDToken),
		Path: cheminDeconnexion, MaxAge: int(segur.SessionDuree / time.Second), HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/tableau", http.StatusSeeOther)
	return nil
}

// idToken returns the ID token kept for the session of r, or "".
func (s *Server) idToken(r *http.Request) string {
	c, err := r.Cookie(cookieIDToken)
	if err != nil {
		return ""
	}
	sess, err := r.Cookie(cookieSession)
	if err != nil || sess.Value == "" {
		return ""
	}
	idt, signature, ok := strings.Cut(c.Value, "~")
	if !ok || !hmac.Equal([]byte(signature), []byte(signer([]byte(sess.Value), "segur-proconnect-idt", idt))) {
		return ""
	}
	return idt
}

// echecProConnect shows a failed sign-in on the sign-in page: the French
// message of its kind, never the provider's words (they go to the log).
func (s *Server) echecProConnect(w http.ResponseWriter, r *http.Request, err error) error {
	var e *proconnect.Echec
	if !errors.As(err, &e) {
		return err
	}
	status := http.StatusBadRequest
	switch e.Motif {
	case proconnect.ErrRefus:
		status = http.StatusForbidden
	case proconnect.ErrInjoignable, proconnect.ErrConfig:
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", strconv.Itoa(secondesIndisponible))
	}
	s.Log.Warn("proconnect sign-in failed", "motif", e.Motif.Error(), "err", e.Error(), "cause", e.Cause)
	p := s.pageConnexion(r)
	p.ErreurProConnect = e.Motif.Error()
	p.ProConnectIndisponible = ""
	s.render(w, status, "connexion.html", p)
	return nil
}

// etatProConnect is what the sign-in page says of ProConnect: "" when it
// can be used, else why not (in French).
func (s *Server) etatProConnect(ctx context.Context) string {
	if _, err := s.ProConnect.relyingParty(ctx); err != nil {
		var e *proconnect.Echec
		if errors.As(err, &e) {
			return e.Motif.Error()
		}
		return proconnect.ErrInjoignable.Error()
	}
	return ""
}

// origine is the scheme and host of u ("" if none): the provider's, which
// the logout form may lead to (Content-Security-Policy form-action).
func origine(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}
