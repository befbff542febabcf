// Package proconnect is the portal's relying party for ProConnect, the
// French State's OpenID Connect provider for its agents: the authorization
// code flow with PKCE (S256), state and nonce, the ID token verified against
// the issuer's keys, and the agent's identity (above all the e-mail, by
// which the portal finds the agent's account) from the ID token and the
// userinfo endpoint.
//
// A sign-in is two calls. [Client.Debut] draws the values to keep in the
// browser's session (state, nonce, PKCE verifier) and the URL to send the
// browser to; on the callback, [Client.Retour] checks the callback against
// the kept values, exchanges the code and verifies what comes back. Keep the
// values server-side or in a signed and encrypted cookie, never in the URL,
// and use them once. [Client.Deconnexion] builds the provider's logout URL.
//
// Every HTTP call has a timeout and a bounded response size. The errors are
// [*Echec] values whose message is French and may be shown to the person
// signing in; errors.Is tells their reason ([ErrEtat], [ErrRefus]…).
package proconnect

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config says which provider and which client: the values ProConnect gives
// when the portal is registered.
type Config struct {
	// Issuer is the provider's issuer URL, exactly as its discovery
	// document says it: https://, or http:// on a loopback host for tests.
	Issuer string
	// ClientID and ClientSecret identify the portal to the provider. An
	// empty secret makes a public client (PKCE only).
	ClientID     string
	ClientSecret string
	// RedirectURL is the portal's callback, registered at the provider.
	RedirectURL string
	// Scopes asked for; "openid" is added when missing. Default: openid and
	// email.
	Scopes []string
	// Timeout bounds each HTTP call to the provider. Default: 10 s.
	Timeout time.Duration
}

// The largest answer read from the provider: discovery, keys, tokens and
// userinfo are a few kilobytes.
const maxReponse = 1 << 20

// Client is a relying party of one provider, safe for concurrent use once
// made by [Nouveau].
type Client struct {
	// Now is the clock against which the ID token's expiry is checked;
	// time.Now when nil. Set it before the first Retour.
	Now func() time.Time

	issuer     string
	oauth      oauth2.Config
	provider   *oidc.Provider
	verifier   *oidc.IDTokenVerifier
	http       *http.Client
	endSession string
	avecIss    bool // the provider sends the RFC 9207 iss parameter
}

// Nouveau checks cfg and reads the provider's discovery document, within
// cfg.Timeout. Its errors are [*Echec] values, with a French message that
// says what is wrong (for the portal's administrator).
func Nouveau(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if err := verifierConfig(cfg); err != nil {
		return nil, err
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "email"}
	}
	if !slices.Contains(scopes, oidc.ScopeOpenID) {
		scopes = append([]string{oidc.ScopeOpenID}, scopes...)
	}

	hc := &http.Client{
		Timeout:   cfg.Timeout,
		Transport: &transport{base: http.DefaultTransport, max: maxReponse},
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	ctx = oidc.ClientContext(ctx, hc)
	provider, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		var mismatch *oidc.IssuerMismatchError
		switch {
		case errors.As(err, &mismatch):
			return nil, &Echec{Motif: ErrConfig, Cause: err, Message: fmt.Sprintf(
				"Le fournisseur d'identité se présente comme « %s », et non « %s » comme le dit la configuration du portail : corrigez l'adresse configurée.",
				court(mismatch.Discovered), cfg.Issuer)}
		case injoignable(err):
			return nil, &Echec{Motif: ErrInjoignable, Cause: err, Message: fmt.Sprintf(
				"Le fournisseur d'identité « %s » ne répond pas : vérifiez l'adresse configurée et que le portail peut le joindre.",
				cfg.Issuer)}
		default:
			return nil, &Echec{Motif: ErrConfig, Cause: err, Message: fmt.Sprintf(
				"L'adresse « %s » ne publie pas de configuration OpenID Connect valable (%s) : vérifiez l'adresse configurée.",
				cfg.Issuer, strings.TrimSuffix(cfg.Issuer, "/")+"/.well-known/openid-configuration")}
		}
	}

	var meta struct {
		JWKS               string   `json:"jwks_uri"`
		EndSession         string   `json:"end_session_endpoint"`
		AuthMethods        []string `json:"token_endpoint_auth_methods_supported"`
		IssParameter       bool     `json:"authorization_response_iss_parameter_supported"`
		ResponseTypes      []string `json:"response_types_supported"`
		CodeChallengeTypes []string `json:"code_challenge_methods_supported"`
	}
	if err := provider.Claims(&meta); err != nil {
		return nil, &Echec{Motif: ErrConfig, Cause: err, Message: fmt.Sprintf(
			"La configuration OpenID Connect publiée par « %s » est illisible.", cfg.Issuer)}
	}
	endpoint := provider.Endpoint()
	var manque []string
	if endpoint.AuthURL == "" {
		manque = append(manque, "authorization_endpoint")
	}
	if endpoint.TokenURL == "" {
		manque = append(manque, "token_endpoint")
	}
	if meta.JWKS == "" {
		manque = append(manque, "jwks_uri")
	}
	if len(manque) > 0 {
		return nil, &Echec{Motif: ErrConfig, Message: fmt.Sprintf(
			"La configuration OpenID Connect publiée par « %s » n'indique pas %s.", cfg.Issuer, strings.Join(manque, ", "))}
	}
	if len(meta.ResponseTypes) > 0 && !slices.Contains(meta.ResponseTypes, "code") {
		return nil, &Echec{Motif: ErrConfig, Message: fmt.Sprintf(
			"Le fournisseur d'identité « %s » n'offre pas le flux par code d'autorisation (response_type code).", cfg.Issuer)}
	}
	if len(meta.CodeChallengeTypes) > 0 && !slices.Contains(meta.CodeChallengeTypes, "S256") {
		return nil, &Echec{Motif: ErrConfig, Message: fmt.Sprintf(
			"Le fournisseur d'identité « %s » n'accepte pas PKCE en S256.", cfg.Issuer)}
	}

	// How the client authenticates at the token endpoint: fixed from the
	// discovery document, so that a failed exchange is never retried with
	// the other method (oauth2's auto-detection would do so).
	style := oauth2.AuthStyleInParams // a public client sends its client_id only
	if cfg.ClientSecret != "" {
		switch {
		// Without the list, client_secret_basic is the default (OpenID
		// Connect Discovery 1.0, section 3).
		case len(meta.AuthMethods) == 0 || slices.Contains(meta.AuthMethods, "client_secret_basic"):
			style = oauth2.AuthStyleInHeader
		case slices.Contains(meta.AuthMethods, "client_secret_post"):
			style = oauth2.AuthStyleInParams
		default:
			return nil, &Echec{Motif: ErrConfig, Message: fmt.Sprintf(
				"Le fournisseur d'identité « %s » n'accepte ni client_secret_basic ni client_secret_post pour authentifier le portail.", cfg.Issuer)}
		}
	}
	endpoint.AuthStyle = style

	c := &Client{
		issuer:   cfg.Issuer,
		provider: provider,
		http:     hc,
		oauth: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			RedirectURL:  cfg.RedirectURL,
			Endpoint:     endpoint,
			Scopes:       scopes,
		},
		endSession: meta.EndSession,
		avecIss:    meta.IssParameter,
	}
	c.verifier = provider.Verifier(&oidc.Config{
		ClientID: cfg.ClientID,
		// Read at each verification, so that c.Now may be set after Nouveau.
		Now: c.now,
	})
	return c, nil
}

// Valider checks cfg without the network, as [Nouveau] does first: the
// settings a program can refuse at start. Its error is an [*Echec] whose
// message says what is wrong.
func (cfg Config) Valider() error { return verifierConfig(cfg) }

// verifierConfig checks the settings that need no network.
func verifierConfig(cfg Config) error {
	conf := func(format string, args ...any) error {
		return &Echec{Motif: ErrConfig, Message: fmt.Sprintf(format, args...)}
	}
	if cfg.Issuer == "" {
		return conf("L'adresse du fournisseur d'identité (issuer) n'est pas renseignée.")
	}
	if err := urlAdmise(cfg.Issuer); err != "" {
		return conf("L'adresse du fournisseur d'identité « %s » ne convient pas : %s.", cfg.Issuer, err)
	}
	if cfg.ClientID == "" {
		return conf("L'identifiant du portail auprès du fournisseur d'identité (client_id) n'est pas renseigné.")
	}
	if cfg.RedirectURL == "" {
		return conf("L'adresse de retour du portail (redirect_uri) n'est pas renseignée.")
	}
	if err := urlAdmise(cfg.RedirectURL); err != "" {
		return conf("L'adresse de retour du portail « %s » ne convient pas : %s.", cfg.RedirectURL, err)
	}
	return nil
}

// urlAdmise returns what is wrong with s as an issuer or a callback, in
// French, or "": an absolute https URL without fragment or credentials, or
// an http one on a loopback host (tests, a portal on one's own machine).
func urlAdmise(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "ce n'est pas une adresse https:// complète"
	}
	if u.User != nil || u.Fragment != "" || strings.Contains(s, "#") {
		return "elle ne doit contenir ni identifiants ni fragment (#)"
	}
	if u.Scheme == "http" && !boucle(u.Hostname()) {
		return "elle doit commencer par https:// (http:// n'est admis que sur cette machine : localhost, 127.0.0.1, ::1)"
	}
	return ""
}

func boucle(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Debut is a sign-in under way: URL is where to send the browser; State,
// Nonce and Verifier are to keep in the browser's session until the
// callback, and to give back to [Client.Retour] once.
type Debut struct {
	URL      string
	State    string
	Nonce    string
	Verifier string // PKCE code verifier (the S256 challenge is in URL)
}

// Debut starts a sign-in: three fresh random values of 256 bits each, and
// the authorization URL that carries the state, the nonce and the PKCE
// challenge.
func (c *Client) Debut() Debut {
	d := Debut{State: aleatoire(), Nonce: aleatoire(), Verifier: oauth2.GenerateVerifier()}
	d.URL = c.oauth.AuthCodeURL(d.State, oidc.Nonce(d.Nonce), oauth2.S256ChallengeOption(d.Verifier))
	return d
}

// aleatoire returns 32 random bytes in base64url (43 characters).
func aleatoire() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Identite is the person the provider signed in.
type Identite struct {
	Email        string // as the provider gives it; compare case-insensitively
	EmailVerifie bool   // the email_verified claim (ProConnect may leave it out)
	Sujet        string // the sub claim: stable for this provider and client
	Prenom       string // given_name, when given
	Nom          string // usual_name (ProConnect), else family_name, when given
	IDToken      string // the raw ID token, for the logout's id_token_hint; do not show
}

// Retour completes a sign-in on the callback: query is the callback URL's
// query, kept the values of the [Client.Debut] kept in the session (use
// them once: drop them from the session before or after this call,
// whatever the outcome). It checks the state before anything else, then
// the provider's error if any, exchanges the code with the PKCE verifier,
// verifies the ID token (signature, issuer, audience, expiry by c.Now,
// nonce, at_hash) and reads the identity from the ID token and the
// userinfo endpoint.
func (c *Client) Retour(ctx context.Context, kept Debut, query url.Values) (Identite, error) {
	// The state: before anything else, so that a forged callback costs
	// nothing and reaches nothing.
	if kept.State == "" || len(query["state"]) != 1 || !egal(query.Get("state"), kept.State) {
		return Identite{}, echec(ErrEtat, errors.New("callback state differs from the kept one (or is missing)"))
	}
	// RFC 9207: when the provider names itself on the callback, it must be
	// this one (mix-up attacks).
	if iss, ok := query["iss"]; ok || c.avecIss {
		if len(iss) != 1 || iss[0] != c.issuer {
			return Identite{}, echec(ErrJetonInvalide, fmt.Errorf("callback iss %q, want %q", court(strings.Join(iss, ",")), c.issuer))
		}
	}
	if e := query.Get("error"); e != "" {
		return Identite{}, echec(ErrRefus, fmt.Errorf("provider error %q: %q", court(e), court(query.Get("error_description"))))
	}
	code := query.Get("code")
	if code == "" || len(query["code"]) != 1 {
		return Identite{}, echec(ErrCode, errors.New("callback without a code"))
	}
	if kept.Verifier == "" || kept.Nonce == "" {
		return Identite{}, echec(ErrEtat, errors.New("kept verifier or nonce missing"))
	}

	ctx = oidc.ClientContext(ctx, c.http)
	tok, err := c.oauth.Exchange(ctx, code, oauth2.VerifierOption(kept.Verifier))
	if err != nil {
		return Identite{}, erreurEchange(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identite{}, echec(ErrJetonInvalide, errors.New("token response without an id_token"))
	}
	idt, err := c.verifier.Verify(ctx, raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		switch {
		case errors.As(err, &expired):
			return Identite{}, echec(ErrJetonExpire, err)
		case injoignable(err):
			return Identite{}, echec(ErrInjoignable, err)
		}
		return Identite{}, echec(ErrJetonInvalide, err)
	}
	if !egal(idt.Nonce, kept.Nonce) {
		return Identite{}, echec(ErrNonce, errors.New("ID token nonce differs from the kept one"))
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return Identite{}, echec(ErrJetonInvalide, err)
		}
	}
	if idt.Subject == "" {
		return Identite{}, echec(ErrJetonInvalide, errors.New("ID token without sub"))
	}

	var r revendications
	if err := idt.Claims(&r); err != nil {
		return Identite{}, echec(ErrJetonInvalide, err)
	}
	id := Identite{Sujet: idt.Subject, IDToken: raw}
	r.remplir(&id)

	// ProConnect, like many providers, gives the identity on the userinfo
	// endpoint rather than in the ID token.
	if c.provider.UserInfoEndpoint() != "" {
		ui, err := c.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			if injoignable(err) {
				return Identite{}, echec(ErrInjoignable, err)
			}
			return Identite{}, echec(ErrJetonInvalide, fmt.Errorf("userinfo: %w", err))
		}
		// OpenID Connect Core 1.0, section 5.3.2: else the answer may be
		// another person's.
		if ui.Subject != idt.Subject {
			return Identite{}, echec(ErrJetonInvalide, fmt.Errorf("userinfo sub %q differs from the ID token's %q", court(ui.Subject), court(idt.Subject)))
		}
		var u revendications
		if err := ui.Claims(&u); err != nil {
			return Identite{}, echec(ErrJetonInvalide, fmt.Errorf("userinfo: %w", err))
		}
		u.remplir(&id)
	}
	id.Email = strings.TrimSpace(id.Email)
	if id.Email == "" {
		return Identite{}, echec(ErrSansCourriel, errors.New("no email claim in the ID token nor in userinfo"))
	}
	return id, nil
}

// revendications are the claims read, from the ID token or userinfo.
type revendications struct {
	Email         string `json:"email"`
	EmailVerified *bool  `json:"-"`
	GivenName     string `json:"given_name"`
	FamilyName    string `json:"family_name"`
	UsualName     string `json:"usual_name"`
}

// UnmarshalJSON reads email_verified as a boolean or as "true"/"false"
// (some providers send a string).
func (r *revendications) UnmarshalJSON(b []byte) error {
	type plain revendications
	var v struct {
		plain
		EmailVerified any `json:"email_verified"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = revendications(v.plain)
	switch x := v.EmailVerified.(type) {
	case bool:
		r.EmailVerified = &x
	case string:
		t := x == "true"
		r.EmailVerified = &t
	}
	return nil
}

// remplir sets on id what r has.
func (r revendications) remplir(id *Identite) {
	if r.Email != "" {
		id.Email = r.Email
	}
	if r.EmailVerified != nil {
		id.EmailVerifie = *r.EmailVerified
	}
	if r.GivenName != "" {
		id.Prenom = r.GivenName
	}
	if r.UsualName != "" {
		id.Nom = r.UsualName
	} else if r.FamilyName != "" {
		id.Nom = r.FamilyName
	}
}

// erreurEchange classifies a failed code exchange.
func erreurEchange(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		switch {
		case re.Response != nil && re.Response.StatusCode >= 500:
			return echec(ErrInjoignable, err)
		case re.ErrorCode == "invalid_grant":
			return echec(ErrCode, err)
		}
		return echec(ErrRefus, err)
	}
	if injoignable(err) {
		return echec(ErrInjoignable, err)
	}
	return echec(ErrJetonInvalide, err)
}

// Deconnexion returns the provider's logout URL (its end_session_endpoint)
// with the id_token_hint, the post_logout_redirect_uri when not empty (it
// must be registered at the provider) and a random state, and true; or "",
// false when the provider advertises no end_session_endpoint.
func (c *Client) Deconnexion(idToken, postLogoutURL string) (string, bool) {
	if c.endSession == "" {
		return "", false
	}
	u, err := url.Parse(c.endSession)
	if err != nil {
		return "", false
	}
	q := u.Query()
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	if postLogoutURL != "" {
		q.Set("post_logout_redirect_uri", postLogoutURL)
	}
	q.Set("state", aleatoire()) // ProConnect asks for one
	u.RawQuery = q.Encode()
	return u.String(), true
}

// egal compares two secrets in constant time (for equal lengths).
func egal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// court cuts what the provider or the callback says to a length fit for a
// log line.
func court(s string) string {
	const max = 200
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// transport bounds the size of every answer.
type transport struct {
	base http.RoundTripper
	max  int64
}

var errTropGros = errors.New("proconnect: response body too large")

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &corpsBorne{ReadCloser: resp.Body, reste: t.max}
	return resp, nil
}

// corpsBorne fails a read past reste bytes.
type corpsBorne struct {
	io.ReadCloser
	reste int64
}

func (b *corpsBorne) Read(p []byte) (int, error) {
	if int64(len(p)) > b.reste+1 {
		p = p[:b.reste+1]
	}
	n, err := b.ReadCloser.Read(p)
	b.reste -= int64(n)
	if b.reste < 0 {
		return 0, errTropGros
	}
	return n, err
}
