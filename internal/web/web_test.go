package web

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/agence"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

type portail struct {
	srv *httptest.Server
	db  *sqlstore.DB
	now time.Time
}

func newPortail(t *testing.T) *portail {
	t.Helper()
	return newPortailDSFR(t, "")
}

// newPortailDSFR serves the pages with the DSFR files of dir.
func newPortailDSFR(t *testing.T, dir string) *portail {
	t.Helper()
	return newPortailAvec(t, dir, nil)
}

// newPortailAvec is newPortailDSFR with the server changed by configurer
// (nil: unchanged) before it serves.
func newPortailAvec(t *testing.T, dir string, configurer func(*Server)) *portail {
	t.Helper()
	ctx := context.Background()
	p := &portail{now: time.Now()}
	db, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "segur.db"), func() time.Time { return p.now })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := &segur.Fournisseur{SIRET: "88558855858745", Nom: "Le Beau Logiciel", Email: "contact@lebeaulogiciel.fr"}
	if err := db.CreateFournisseur(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateProduit(ctx, &segur.Produit{NumeroAns: "1234567890", FournisseurID: f.ID, Logiciel: hop.LogicielRI, Nom: "RI du Beau Logiciel"}); err != nil {
		t.Fatal(err)
	}
	h, _ := auth.HashPassword("mot de passe de test")
	if err := db.CreateUtilisateur(ctx, &segur.Utilisateur{Login: "jean@lebeaulogiciel.fr", Nom: "Jean Dupont", Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: f.ID, MotDePasse: h}); err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	blobs, err := blob.NewDir(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return p.now }
	s := &Server{Store: db, Blobs: blobs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: now, Paris: paris, DSFR: dir,
		Guichet: &segur.Guichet{Store: db, Blobs: blobs, Paris: paris}, URL: "https://portail.example"}
	s.Paiements = &agence.Paiements{Store: db, Blobs: blobs, Log: s.Log, Now: now, Paris: paris, Programme: segur.ProgrammeParDefaut,
		Payeur: agence.PayeurDemo, Lien: "https://portail.example/paiements"}
	s.Instruction = &agence.Instruction{Store: db, Blobs: blobs, Log: s.Log, Now: now, Paris: paris, Programme: segur.ProgrammeParDefaut,
		DelaiSignature: segur.DelaiSignature, Lien: func(asp string) string { return "https://portail.example/demandes/" + asp }}
	if _, err := db.CreateReference(segur.WithActeur(ctx, segur.Acteur{Login: "test"}), segur.ReferenceDemo()); err != nil {
		t.Fatal(err)
	}
	if configurer != nil {
		configurer(s)
	}
	mux := http.NewServeMux()
	if err := s.Routes(mux); err != nil {
		t.Fatal(err)
	}
	// The alerts' worker, as segur serve runs it: here before each agent's
	// request, so that the queue's filters read fresh codes.
	calcul := &agence.CalculAlertes{Store: db, Programme: segur.ProgrammeParDefaut}
	avecCalcul := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/agence/") {
			if _, err := calcul.Tout(r.Context()); err != nil {
				t.Errorf("alerts' worker: %v", err)
			}
		}
		mux.ServeHTTP(w, r)
	})
	p.srv, p.db = httptest.NewServer(avecCalcul), db
	t.Cleanup(p.srv.Close)
	return p
}

func client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// lecteur reads responses for a test: l.lire(client.Get(...)).
type lecteur struct{ t *testing.T }

func (l lecteur) lire(resp *http.Response, err error) (int, string) {
	l.t.Helper()
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, html.UnescapeString(string(b))
}

func TestConnexion(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	c := client(t)
	// Not logged in: the dashboard leads to the login page.
	code, body := L.lire(c.Get(p.srv.URL + "/tableau"))
	if code != 200 || !strings.Contains(body, "<h1>Connexion</h1>") {
		t.Fatalf("got %d, want the login page", code)
	}
	// A wrong password: the page says so, beside the field and at the top.
	code, body = L.lire(c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {"faux"}}))
	if code != http.StatusUnprocessableEntity || strings.Count(body, "Adresse électronique ou mot de passe incorrect.") != 2 {
		t.Errorf("wrong password: got %d, want 422 with the message twice", code)
	}
	// The right one: the dashboard.
	code, body = L.lire(c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"Jean@LeBeauLogiciel.fr"}, "motdepasse": {"mot de passe de test"}}))
	if code != 200 || !strings.Contains(body, "Le Beau Logiciel — SIRET 88558855858745") || !strings.Contains(body, "1234567890") {
		t.Fatalf("login: got %d\n%s", code, body)
	}
	// Log out: the session is gone.
	code, body = L.lire(c.PostForm(p.srv.URL+"/deconnexion", nil))
	if code != 200 || !strings.Contains(body, "Vous êtes déconnecté.") {
		t.Errorf("logout: got %d", code)
	}
	code, body = L.lire(c.Get(p.srv.URL + "/tableau"))
	if !strings.Contains(body, "<h1>Connexion</h1>") {
		t.Errorf("after logout: got %d, want the login page", code)
	}
}

func TestSessionExpiree(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	c := client(t)
	L.lire(c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {"mot de passe de test"}}))
	p.now = p.now.Add(segur.SessionInactivite + time.Minute)
	_, body := L.lire(c.Get(p.srv.URL + "/tableau"))
	if !strings.Contains(body, "Votre session a expiré") {
		t.Errorf("got %q, want the expired-session message", body)
	}
}

func TestLimiteConnexions(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	c := client(t)
	connexion := func(mdp string) (int, string) {
		return L.lire(c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {mdp}}))
	}
	for range segur.MaxEchecsPaire {
		if code, _ := connexion("faux"); code != http.StatusUnprocessableEntity {
			t.Fatalf("wrong password: got %d, want 422", code)
		}
	}
	// Even the right password waits a minute after the last failure.
	code, body := connexion("mot de passe de test")
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Trop d'essais de connexion : réessayez dans 1 minute.") {
		t.Errorf("got %d %q, want 429 and a wait of a minute", code, body)
	}
	p.now = p.now.Add(time.Minute)
	code, body = connexion("mot de passe de test")
	if code != 200 || !strings.Contains(body, "Tableau de bord") {
		t.Errorf("a minute after: got %d, want the dashboard", code)
	}
}

func TestSecurite(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	resp, err := http.Get(p.srv.URL + "/connexion")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("got CSP %q", csp)
	}
	// A form posted from another site is refused.
	req, _ := http.NewRequest("POST", p.srv.URL+"/connexion", strings.NewReader("login=a&motdepasse=b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	code, _ := L.lire(http.DefaultClient.Do(req))
	if code != http.StatusForbidden {
		t.Errorf("cross-site POST: got %d, want 403", code)
	}
	// The session cookie is HttpOnly and SameSite.
	c := client(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err = c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {"mot de passe de test"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sc := resp.Header.Get("Set-Cookie")
	if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Errorf("got Set-Cookie %q", sc)
	}
	// An unknown page: a French page, no internal text.
	code, body := L.lire(http.Get(p.srv.URL + "/nulle-part"))
	if code != 404 || !strings.Contains(body, "Page introuvable") {
		t.Errorf("got %d, want a French 404 page", code)
	}
}

// TestCookieSecure: behind TLS, or declared behind an HTTPS proxy, the
// session cookie is Secure.
func TestCookieSecure(t *testing.T) {
	p := newPortail(t)
	c := client(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	srv := httptest.NewTLSServer(p.srv.Config.Handler)
	defer srv.Close()
	c.Transport = srv.Client().Transport
	resp, err := c.PostForm(srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {"mot de passe de test"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if sc := resp.Header.Get("Set-Cookie"); !strings.Contains(sc, "Secure") {
		t.Errorf("over TLS: got Set-Cookie %q, want Secure", sc)
	}
}

// TestErreurIndisponible: the database or the file store away is a 503
// page with Retry-After, in French, not an internal error; a full store a
// 507; and an error the store says is the database's unreachability too.
func TestErreurIndisponible(t *testing.T) {
	injoignable := errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
	s := &Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Injoignable: func(err error) bool { return errors.Is(err, injoignable) }}
	if err := s.parse(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		err    error
		status int
		retry  bool
		texte  string
	}{
		{segur.Errorf(segur.EUNAVAILABLE, "le stockage des fichiers ne répond pas"), http.StatusServiceUnavailable, true, "le stockage des fichiers ne répond pas"},
		{fmt.Errorf("find: %w", injoignable), http.StatusServiceUnavailable, true, "La base de données ne répond pas"},
		{segur.Errorf(segur.ENOSPACE, "stockage plein"), http.StatusInsufficientStorage, false, "Stockage plein"},
		{errors.New("autre chose"), http.StatusInternalServerError, false, "Erreur interne"},
	} {
		w := httptest.NewRecorder()
		s.erreur(w, httptest.NewRequest("GET", "/tableau", nil), c.err, nil)
		if w.Code != c.status || (w.Header().Get("Retry-After") != "") != c.retry || !strings.Contains(w.Body.String(), c.texte) {
			t.Errorf("%v: got %d, Retry-After %q, want %d with %q", c.err, w.Code, w.Header().Get("Retry-After"), c.status, c.texte)
		}
	}
}

// storeSature is a store whose pool gives no connection.
type storeSature struct{ Store }

func (storeSature) Disponible(context.Context, time.Duration) error {
	return segur.Errorf(segur.EUNAVAILABLE, "la base de données ne répond pas : réessayez dans quelques instants")
}

// TestPagesIndisponibles: with a database whose pool stays full past
// --db-attente, a signed-in page is a 503 with Retry-After, in French.
func TestPagesIndisponibles(t *testing.T) {
	s := &Server{Store: storeSature{}, AttenteBase: time.Second, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	if err := s.parse(); err != nil {
		t.Fatal(err)
	}
	h := s.handle(s.authentifie(func(http.ResponseWriter, *http.Request) error {
		t.Error("the page ran without a connection")
		return nil
	}))
	req := httptest.NewRequest("GET", "/tableau", nil)
	req.AddCookie(&http.Cookie{Name: cookieSession, Value: "session"})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "la base de données ne répond pas") {
		t.Errorf("got %d (Retry-After %q)", w.Code, w.Header().Get("Retry-After"))
	}
}
