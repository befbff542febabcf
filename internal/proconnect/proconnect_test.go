package proconnect_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur/internal/proconnect"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// The tests run against a real OpenID Connect provider, the example
// provider of github.com/zitadel/oidc started by scripts/oidc.sh: no mock.
// A browser is played by an http.Client with a cookie jar that fills the
// provider's login form and stops at the redirect to the portal's callback.

// fournisseur is the provider started by scripts/oidc.sh.
type fournisseur struct {
	issuer, clientID, secret string
	redirects                []string
	motsDePasse              map[string]string // e-mail → password
	sujets                   map[string]string // e-mail → user ID (sub)
}

func lancer(tb testing.TB) fournisseur {
	tb.Helper()
	f := fournisseur{
		issuer:   os.Getenv("SEGUR_TEST_OIDC_ISSUER"),
		clientID: os.Getenv("SEGUR_TEST_OIDC_CLIENT_ID"),
		secret:   os.Getenv("SEGUR_TEST_OIDC_CLIENT_SECRET"),
	}
	if f.issuer == "" {
		segurtest.Indisponible(tb, `no OpenID Connect provider for the ProConnect tests (SEGUR_TEST_OIDC_ISSUER is empty): start one with eval "$(scripts/oidc.sh)"`)
	}
	f.redirects = strings.Split(os.Getenv("SEGUR_TEST_OIDC_REDIRECT_URIS"), ",")
	b, err := os.ReadFile(os.Getenv("SEGUR_TEST_OIDC_USERS"))
	if err != nil {
		tb.Fatalf("users of the provider (SEGUR_TEST_OIDC_USERS): %v", err)
	}
	var users map[string]struct{ ID, Email, Password string }
	if err := json.Unmarshal(b, &users); err != nil {
		tb.Fatalf("users of the provider: %v", err)
	}
	f.motsDePasse, f.sujets = map[string]string{}, map[string]string{}
	for _, u := range users {
		f.motsDePasse[u.Email], f.sujets[u.Email] = u.Password, u.ID
	}
	if f.clientID == "" || len(f.redirects) == 0 || f.redirects[0] == "" {
		tb.Fatal("SEGUR_TEST_OIDC_CLIENT_ID or SEGUR_TEST_OIDC_REDIRECT_URIS is empty: start the provider with scripts/oidc.sh")
	}
	return f
}

// client makes the relying party of the web client (confidential, with its
// secret), on the first registered callback.
func (f fournisseur) client(tb testing.TB) *proconnect.Client {
	tb.Helper()
	c, err := proconnect.Nouveau(context.Background(), proconnect.Config{
		Issuer:       f.issuer,
		ClientID:     f.clientID,
		ClientSecret: f.secret,
		RedirectURL:  f.redirects[0],
		Scopes:       []string{"openid", "email", "profile"},
	})
	if err != nil {
		tb.Fatalf("Nouveau: %v (%v)", err, cause(err))
	}
	return c
}

// cause returns the log-only cause of an *Echec.
func cause(err error) error {
	var e *proconnect.Echec
	if errors.As(err, &e) {
		return e.Cause
	}
	return nil
}

// connecter plays the browser of a person signing in as email: from the
// authorization URL to the provider's login form, then to the redirect to
// the portal's callback (redirect), not followed. It returns the callback's
// query.
func (f fournisseur) connecter(tb testing.TB, d proconnect.Debut, redirect, email string) url.Values {
	tb.Helper()
	return segurtest.IdentifierOIDC(tb, d.URL, redirect, email, f.motsDePasse[email]).Query()
}

func lire(tb testing.TB, resp *http.Response) string {
	tb.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		tb.Fatalf("reading %s: %v", resp.Request.URL, err)
	}
	return string(b)
}

func TestRetour(t *testing.T) {
	f := lancer(t)
	c := f.client(t)
	for _, tc := range []struct {
		email, prenom, nom string
	}{
		{"instructeur@asp.demo", "Camille", "Instructrice"},
		{"payeur@asp.demo", "Dominique", "Payeur"},
		// The provider knows this person; whether the portal does is the
		// portal's business.
		{"inconnu@exemple.fr", "Claude", "Inconnu"},
	} {
		t.Run(tc.email, func(t *testing.T) {
			d := c.Debut()
			q := f.connecter(t, d, f.redirects[0], tc.email)
			id, err := c.Retour(context.Background(), d, q)
			if err != nil {
				t.Fatalf("Retour: %v (%v)", err, cause(err))
			}
			want := proconnect.Identite{Email: tc.email, EmailVerifie: true, Sujet: f.sujets[tc.email], Prenom: tc.prenom, Nom: tc.nom, IDToken: id.IDToken}
			if id != want {
				t.Errorf("got %+v, want %+v", id, want)
			}
			if strings.Count(id.IDToken, ".") != 2 {
				t.Errorf("IDToken %q: want a JWS in compact form", id.IDToken)
			}
		})
	}
}

func TestDebut(t *testing.T) {
	f := lancer(t)
	c := f.client(t)
	a, b := c.Debut(), c.Debut()
	for _, v := range []string{a.State, a.Nonce, a.Verifier} {
		if len(v) < 43 {
			t.Errorf("random value %q: got %d characters, want 43 or more (256 bits)", v, len(v))
		}
	}
	if a.State == b.State || a.Nonce == b.Nonce || a.Verifier == b.Verifier || a.State == a.Nonce {
		t.Errorf("two starts share values: %+v, %+v", a, b)
	}
	u, err := url.Parse(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for k, want := range map[string]string{
		"state": a.State, "nonce": a.Nonce, "code_challenge_method": "S256",
		"response_type": "code", "client_id": f.clientID, "redirect_uri": f.redirects[0],
	} {
		if got := q.Get(k); got != want {
			t.Errorf("authorization URL %s: got %q, want %q", k, got, want)
		}
	}
	if ch := q.Get("code_challenge"); ch == "" || ch == a.Verifier {
		t.Errorf("code_challenge %q: want the S256 hash of the verifier", ch)
	}
}

// An altered state is refused before any exchange: the code, unused, still
// signs in with the right state.
func TestRetourEtatFaux(t *testing.T) {
	f := lancer(t)
	c := f.client(t)
	d := c.Debut()
	q := f.connecter(t, d, f.redirects[0], "instructeur@asp.demo")

	for name, kept := range map[string]proconnect.Debut{
		"altered": {State: d.State[:len(d.State)-1] + "x", Nonce: d.Nonce, Verifier: d.Verifier},
		"missing": {Nonce: d.Nonce, Verifier: d.Verifier},
	} {
		_, err := c.Retour(context.Background(), kept, q)
		if !errors.Is(err, proconnect.ErrEtat) {
			t.Errorf("%s state: got %v, want ErrEtat", name, err)
		}
	}
	if _, err := c.Retour(context.Background(), d, q); err != nil {
		t.Fatalf("Retour with the right state after the refusals: %v (%v); the refusals must not have spent the code", err, cause(err))
	}
}

func TestRetourNonceFaux(t *testing.T) {
	f := lancer(t)
	c := f.client(t)
	d := c.Debut()
	q := f.connecter(t, d, f.redirects[0], "instructeur@asp.demo")
	kept := d
	kept.Nonce = c.Debut().Nonce
	_, err := c.Retour(context.Background(), kept, q)
	if !errors.Is(err, proconnect.ErrNonce) {
		t.Fatalf("got %v (%v), want ErrNonce", err, cause(err))
	}
	if got, want := err.Error(), proconnect.ErrNonce.Error(); got != want {
		t.Errorf("message: got %q, want %q", got, want)
	}
}

// The portal's clock two hours ahead: the ID token (one hour) has expired.
func TestRetourJetonExpire(t *testing.T) {
	f := lancer(t)
	c := f.client(t)
	c.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	d := c.Debut()
	q := f.connecter(t, d, f.redirects[0], "instructeur@asp.demo")
	_, err := c.Retour(context.Background(), d, q)
	if !errors.Is(err, proconnect.ErrJetonExpire) {
		t.Fatalf("got %v (%v), want ErrJetonExpire", err, cause(err))
	}
}

func TestRetourCodeDeuxFois(t *testing.T) {
	f := lancer(t)
	c := f.client(t)
	d := c.Debut()
	q := f.connecter(t, d, f.redirects[0], "instructeur@asp.demo")
	if _, err := c.Retour(context.Background(), d, q); err != nil {
		t.Fatalf("first Retour: %v (%v)", err, cause(err))
	}
	_, err := c.Retour(context.Background(), d, q)
	if !errors.Is(err, proconnect.ErrCode) {
		t.Fatalf("second Retour with the same code: got %v (%v), want ErrCode", err, cause(err))
	}
}

// A provider that does not answer in time at the code exchange: the
// deadline has passed when Retour is called.
func TestRetourDelaiDepasse(t *testing.T) {
	f := lancer(t)
	c := f.client(t)
	d := c.Debut()
	q := f.connecter(t, d, f.redirects[0], "instructeur@asp.demo")
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := c.Retour(ctx, d, q)
	if !errors.Is(err, proconnect.ErrInjoignable) {
		t.Fatalf("got %v (%v), want ErrInjoignable", err, cause(err))
	}
}

// A callback with the provider's error (and the right state) is a refusal,
// whose message quotes nothing of the callback.
func TestRetourRefus(t *testing.T) {
	f := lancer(t)
	c := f.client(t)
	d := c.Debut()
	q := url.Values{"state": {d.State}, "error": {"access_denied"}, "error_description": {"<b>Cliquez ici</b>"}}
	_, err := c.Retour(context.Background(), d, q)
	if !errors.Is(err, proconnect.ErrRefus) {
		t.Fatalf("got %v, want ErrRefus", err)
	}
	if strings.Contains(err.Error(), "access_denied") || strings.Contains(err.Error(), "Cliquez") {
		t.Errorf("message %q quotes the callback", err.Error())
	}
	// With another state, the same callback is a forgery, whatever it says.
	q.Set("state", "autre")
	if _, err := c.Retour(context.Background(), d, q); !errors.Is(err, proconnect.ErrEtat) {
		t.Errorf("error callback with another state: got %v, want ErrEtat", err)
	}
}

// The native client of the provider is public (no secret, PKCE only) and
// accepts a callback on any port of a loopback host, as a portal started on
// a free port by a test would have (RFC 8252, section 7.3).
func TestRetourClientPublicPortQuelconque(t *testing.T) {
	f := lancer(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	redirect := fmt.Sprintf("http://%s/connexion/proconnect/retour", l.Addr())
	l.Close()
	c, err := proconnect.Nouveau(context.Background(), proconnect.Config{
		Issuer: f.issuer, ClientID: "native", RedirectURL: redirect,
	})
	if err != nil {
		t.Fatalf("Nouveau: %v (%v)", err, cause(err))
	}
	d := c.Debut()
	q := f.connecter(t, d, redirect, "payeur@asp.demo")
	id, err := c.Retour(context.Background(), d, q)
	if err != nil {
		t.Fatalf("Retour: %v (%v)", err, cause(err))
	}
	if id.Email != "payeur@asp.demo" || !id.EmailVerifie {
		t.Errorf("got email %q verified %v, want payeur@asp.demo verified", id.Email, id.EmailVerifie)
	}
}

// The web client's callbacks are a fixed list: the provider refuses any
// other, and does not redirect there.
func TestDebutRedirectionNonEnregistree(t *testing.T) {
	f := lancer(t)
	c, err := proconnect.Nouveau(context.Background(), proconnect.Config{
		Issuer: f.issuer, ClientID: f.clientID, ClientSecret: f.secret,
		RedirectURL: "http://127.0.0.1:1/connexion/proconnect/retour",
	})
	if err != nil {
		t.Fatalf("Nouveau: %v", err)
	}
	hc := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := hc.Get(c.Debut().URL)
	if err != nil {
		t.Fatal(err)
	}
	page := lire(t, resp)
	if loc := resp.Header.Get("Location"); resp.StatusCode < 400 || loc != "" {
		t.Errorf("got %s (Location %q), want an error page of the provider: %.200s", resp.Status, loc, page)
	}
}

func TestDeconnexion(t *testing.T) {
	f := lancer(t)
	c := f.client(t)
	d := c.Debut()
	q := f.connecter(t, d, f.redirects[0], "instructeur@asp.demo")
	id, err := c.Retour(context.Background(), d, q)
	if err != nil {
		t.Fatalf("Retour: %v (%v)", err, cause(err))
	}

	// With a post_logout_redirect_uri: the URL carries it. (The example
	// provider registers none for its clients, so it would refuse it.)
	s, ok := c.Deconnexion(id.IDToken, "http://127.0.0.1:18180/")
	if !ok {
		t.Fatal("Deconnexion: got false, want the provider's end_session_endpoint")
	}
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Scheme+"://"+u.Host+u.Path, f.issuer+"end_session"; got != want {
		t.Errorf("logout endpoint: got %s, want %s", got, want)
	}
	if got := u.Query().Get("id_token_hint"); got != id.IDToken {
		t.Errorf("id_token_hint: got %q, want the ID token", got)
	}
	if got := u.Query().Get("post_logout_redirect_uri"); got != "http://127.0.0.1:18180/" {
		t.Errorf("post_logout_redirect_uri: got %q", got)
	}

	// Without: the provider accepts the hint and ends on its own page.
	s, _ = c.Deconnexion(id.IDToken, "")
	hc := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := hc.Get(s)
	if err != nil {
		t.Fatal(err)
	}
	page := lire(t, resp)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.Contains(loc, "/logged-out") {
		t.Errorf("logout: got %s (Location %q), want 302 to the provider's /logged-out: %.200s", resp.Status, loc, page)
	}
}

// A closed port: a French error, at once (no wait for the timeout).
func TestNouveauInjoignable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := fmt.Sprintf("http://%s/", l.Addr())
	l.Close()
	debut := time.Now()
	_, err = proconnect.Nouveau(context.Background(), proconnect.Config{
		Issuer: issuer, ClientID: "web", RedirectURL: "http://127.0.0.1:18180/connexion/proconnect/retour",
		Timeout: 3 * time.Second,
	})
	t.Logf("refused after %v", time.Since(debut))
	if !errors.Is(err, proconnect.ErrInjoignable) {
		t.Fatalf("got %v, want ErrInjoignable", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "ne répond pas") || !strings.Contains(msg, issuer) {
		t.Errorf("message %q: want French, naming %s", msg, issuer)
	}
}

// The issuer must be exactly the one the provider names: here 127.0.0.1
// for localhost.
func TestNouveauAutreEmetteur(t *testing.T) {
	f := lancer(t)
	autre := strings.Replace(f.issuer, "localhost", "127.0.0.1", 1)
	_, err := proconnect.Nouveau(context.Background(), proconnect.Config{
		Issuer: autre, ClientID: f.clientID, ClientSecret: f.secret, RedirectURL: f.redirects[0],
	})
	if !errors.Is(err, proconnect.ErrConfig) {
		t.Fatalf("got %v, want ErrConfig", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "« "+f.issuer+" »") || !strings.Contains(msg, "« "+autre+" »") {
		t.Errorf("message %q: want both issuers named", msg)
	}
}

// Settings refused before any network call.
func TestNouveauConfig(t *testing.T) {
	ok := proconnect.Config{Issuer: "https://proconnect.example/api/v2", ClientID: "c", RedirectURL: "https://segur.example/connexion/proconnect/retour"}
	for name, tc := range map[string]struct {
		modifier func(*proconnect.Config)
		dit      string
	}{
		"no issuer":          {func(c *proconnect.Config) { c.Issuer = "" }, "n'est pas renseignée"},
		"issuer http":        {func(c *proconnect.Config) { c.Issuer = "http://proconnect.example/" }, "doit commencer par https://"},
		"issuer relative":    {func(c *proconnect.Config) { c.Issuer = "proconnect.example" }, "adresse https:// complète"},
		"issuer credentials": {func(c *proconnect.Config) { c.Issuer = "https://u:p@proconnect.example/" }, "ni identifiants"},
		"no client":          {func(c *proconnect.Config) { c.ClientID = "" }, "client_id"},
		"no redirect":        {func(c *proconnect.Config) { c.RedirectURL = "" }, "redirect_uri"},
		"redirect http":      {func(c *proconnect.Config) { c.RedirectURL = "http://segur.example/retour" }, "doit commencer par https://"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := ok
			tc.modifier(&cfg)
			_, err := proconnect.Nouveau(context.Background(), cfg)
			if !errors.Is(err, proconnect.ErrConfig) || !strings.Contains(err.Error(), tc.dit) {
				t.Errorf("got %v, want ErrConfig saying %q", err, tc.dit)
			}
		})
	}
}
