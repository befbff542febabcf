package web

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/proconnect"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// The agents' sign-in through ProConnect runs against a real OpenID Connect
// provider, the example provider of zitadel/oidc started by scripts/oidc.sh,
// with its public client "native" (PKCE, any loopback port): the test
// server's random port is a registered callback.

// portailProConnect serves the pages with ProConnect, and an agent's
// account instructeur@asp.demo (password "mot de passe de test").
func portailProConnect(t *testing.T, configurer func(*Server)) (*portail, *ProConnect, map[string]string) {
	t.Helper()
	issuer := os.Getenv("SEGUR_TEST_OIDC_ISSUER")
	if issuer == "" {
		segurtest.Indisponible(t, `no OpenID Connect provider for the ProConnect sign-in (SEGUR_TEST_OIDC_ISSUER is empty): start one with eval "$(scripts/oidc.sh)"`)
	}
	b, err := os.ReadFile(os.Getenv("SEGUR_TEST_OIDC_USERS"))
	if err != nil {
		t.Fatalf("users of the provider (SEGUR_TEST_OIDC_USERS): %v", err)
	}
	var users map[string]struct{ Email, Password string }
	if err := json.Unmarshal(b, &users); err != nil {
		t.Fatal(err)
	}
	motsDePasse := map[string]string{}
	for _, u := range users {
		motsDePasse[u.Email] = u.Password
	}
	pc := &ProConnect{Config: proconnect.Config{Issuer: issuer, ClientID: "native", Scopes: []string{"openid", "email", "profile"}}}
	p := newPortailAvec(t, "", func(s *Server) {
		s.ProConnect = pc
		if configurer != nil {
			configurer(s)
		}
	})
	// Made on first use: the callback is known once the server listens.
	pc.Config.RedirectURL = p.srv.URL + "/connexion/proconnect/retour"
	h, _ := auth.HashPassword("mot de passe de test")
	if err := p.db.CreateUtilisateur(context.Background(), &segur.Utilisateur{Login: "instructeur@asp.demo", Nom: "Camille Instructrice",
		Roles: []segur.Role{segur.RoleInstructeur}, MotDePasse: h}); err != nil {
		t.Fatal(err)
	}
	return p, pc, motsDePasse
}

// debutProConnect starts a sign-in: the provider's URL and the cookie that
// keeps the sign-in under way.
func debutProConnect(t *testing.T, p *portail) (string, *http.Cookie) {
	t.Helper()
	resp, err := sansSuivre(client(t)).Get(p.srv.URL + "/connexion/proconnect")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var kept *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == cookieProConnect {
			kept = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || kept == nil {
		t.Fatalf("GET /connexion/proconnect: got %s and cookie %v, want 303 and the cookie", resp.Status, kept)
	}
	if !kept.HttpOnly || kept.SameSite != http.SameSiteLaxMode || kept.Path != "/connexion/proconnect" || kept.MaxAge != 600 {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/connexion/proconnect, Max-Age=600", kept)
	}
	return resp.Header.Get("Location"), kept
}

// identifier plays the person at the provider: its login form filled as
// email, up to the redirect to the portal's callback, returned.
func identifier(t *testing.T, p *portail, autorisation, email, motDePasse string) string {
	t.Helper()
	return segurtest.IdentifierOIDC(t, autorisation, p.srv.URL+"/connexion/proconnect/retour", email, motDePasse).String()
}

// rappeler sends the callback from the browser c, with the cookie kept (nil:
// none).
func rappeler(t *testing.T, c *http.Client, callback string, kept *http.Cookie) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, callback, nil)
	if kept != nil {
		req.AddCookie(&http.Cookie{Name: kept.Name, Value: kept.Value})
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, html.UnescapeString(string(b))
}

// sansSession checks that the browser c has no session.
func sansSession(t *testing.T, p *portail, c *http.Client) {
	t.Helper()
	resp, err := c.Get(p.srv.URL + "/tableau")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/connexion") {
		t.Errorf("/tableau after a refused sign-in: got %s (Location %q), want 303 to /connexion", resp.Status, loc)
	}
}

func TestProConnect(t *testing.T) {
	t.Run("agent", func(t *testing.T) {
		p, pc, mdp := portailProConnect(t, nil)
		L := lecteur{t}
		code, body := L.lire(http.Get(p.srv.URL + "/connexion"))
		if code != 200 || !strings.Contains(body, `<a class="fr-btn" href="/connexion/proconnect">S'identifier avec ProConnect</a>`) || !strings.Contains(body, "Agents de l'État") {
			t.Errorf("sign-in page: got %d, want the ProConnect button", code)
		}
		auth, kept := debutProConnect(t, p)
		if !strings.HasPrefix(auth, pc.Config.Issuer) {
			t.Fatalf("got Location %q, want the provider %s", auth, pc.Config.Issuer)
		}
		c := sansSuivre(client(t))
		resp, body := rappeler(t, c, identifier(t, p, auth, "instructeur@asp.demo", mdp["instructeur@asp.demo"]), kept)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/tableau" {
			t.Fatalf("callback: got %s (Location %q), want 303 to /tableau: %.500s", resp.Status, resp.Header.Get("Location"), body)
		}
		resp, err := c.Get(p.srv.URL + "/agence/demandes")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("/agence/demandes: got %s, want 200", resp.Status)
		}
		evs, err := p.db.FindEvenements(context.Background(), "utilisateur:instructeur@asp.demo")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(evs); n == 0 || evs[n-1].Action != "session.ouvrir" || !strings.Contains(evs[n-1].Details, `"methode":"proconnect"`) {
			t.Errorf("audit: got %+v, want session.ouvrir with the method proconnect", evs)
		}
		// Logout: the portal's session ends, then the provider's.
		resp, err = c.PostForm(p.srv.URL+"/deconnexion", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || loc == nil || !strings.HasPrefix(loc.String(), pc.Config.Issuer) || loc.Query().Get("id_token_hint") == "" {
			t.Errorf("logout: got %s (Location %v), want 303 to the provider's end session with the ID token", resp.Status, loc)
		}
		sansSession(t, p, c)
	})

	t.Run("refus", func(t *testing.T) {
		p, _, mdp := portailProConnect(t, nil)
		// A vendor's account at that address is no agent's.
		if err := p.db.CreateUtilisateur(context.Background(), &segur.Utilisateur{Login: "payeur@asp.demo", Nom: "Dominique",
			Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: 1, MotDePasse: "x"}); err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"inconnu@exemple.fr", "payeur@asp.demo"} {
			auth, kept := debutProConnect(t, p)
			c := sansSuivre(client(t))
			resp, body := rappeler(t, c, identifier(t, p, auth, email, mdp[email]), kept)
			want := "Aucun compte d'agent n'est ouvert pour l'adresse " + email + " : demandez à un administrateur de l'agence de le créer."
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, want) {
				t.Errorf("%s: got %s, want 403 and « %s »: %.300s", email, resp.Status, want, body)
			}
			sansSession(t, p, c)
		}
	})

	t.Run("state", func(t *testing.T) {
		p, _, mdp := portailProConnect(t, nil)
		auth, kept := debutProConnect(t, p)
		callback := identifier(t, p, auth, "instructeur@asp.demo", mdp["instructeur@asp.demo"])
		u, _ := url.Parse(callback)
		q := u.Query()
		q.Set("state", q.Get("state")+"x")
		autreState := *u
		autreState.RawQuery = q.Encode()
		altere := *kept
		altere.Value = strings.Replace(altere.Value, ".", "A.", 1)
		for _, tc := range []struct {
			nom      string
			callback string
			kept     *http.Cookie
		}{
			{"cookie altered", callback, &altere},
			{"no cookie", callback, nil},
			{"state changed", autreState.String(), kept},
		} {
			c := sansSuivre(client(t))
			resp, body := rappeler(t, c, tc.callback, tc.kept)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, proconnect.ErrEtat.Error()) {
				t.Errorf("%s: got %s, want 400 and « %s »: %.300s", tc.nom, resp.Status, proconnect.ErrEtat, body)
			}
			sansSession(t, p, c)
		}
		// Refused before the exchange: the code still serves, once.
		c := sansSuivre(client(t))
		if resp, body := rappeler(t, c, callback, kept); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the callback after the refusals: got %s, want 303 (its code unused): %.300s", resp.Status, body)
		}
	})

	t.Run("expired ID token", func(t *testing.T) {
		p, pc, mdp := portailProConnect(t, nil)
		pc.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		auth, kept := debutProConnect(t, p)
		c := sansSuivre(client(t))
		resp, body := rappeler(t, c, identifier(t, p, auth, "instructeur@asp.demo", mdp["instructeur@asp.demo"]), kept)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, proconnect.ErrJetonExpire.Error()) {
			t.Errorf("got %s, want 400 and « %s »: %.300s", resp.Status, proconnect.ErrJetonExpire, body)
		}
		sansSession(t, p, c)
	})

	t.Run("agents through ProConnect only", func(t *testing.T) {
		p, _, _ := portailProConnect(t, func(s *Server) { s.AgentsProConnectSeulement = true })
		L := lecteur{t}
		code, body := L.lire(client(t).PostForm(p.srv.URL+"/connexion", url.Values{"login": {"instructeur@asp.demo"}, "motdepasse": {"mot de passe de test"}}))
		if code != http.StatusForbidden || !strings.Contains(body, msgAgentsProConnect) {
			t.Errorf("agent's password: got %d, want 403 and « %s »", code, msgAgentsProConnect)
		}
		code, body = L.lire(client(t).PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {"mot de passe de test"}}))
		if code != http.StatusOK || !strings.Contains(body, "Le Beau Logiciel") {
			t.Errorf("vendor's password: got %d, want the dashboard", code)
		}
	})

	t.Run("provider away", func(t *testing.T) {
		p, pc, _ := portailProConnect(t, nil)
		pc.Config.Issuer = "http://127.0.0.1:1/"
		L := lecteur{t}
		code, body := L.lire(http.Get(p.srv.URL + "/connexion"))
		if code != http.StatusOK || !strings.Contains(body, proconnect.ErrInjoignable.Error()) {
			t.Errorf("sign-in page: got %d, want 200 and « %s »", code, proconnect.ErrInjoignable)
		}
		code, body = L.lire(client(t).PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {"mot de passe de test"}}))
		if code != http.StatusOK || !strings.Contains(body, "Le Beau Logiciel") {
			t.Errorf("vendor's password: got %d, want the dashboard", code)
		}
	})
}
