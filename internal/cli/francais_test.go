package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur/internal/api"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// anglais are fragments of the Go library's and the drivers' English
// messages: none may reach a user.
var anglais = []string{"flag provided", "flag needs", "invalid value", "invalid boolean", "bad flag syntax", "Usage of",
	"dial tcp", "connection refused", "parse \"", "no such host", "x509:", "tls:", "deadline exceeded", "Client.Timeout",
	"invalid character", "failed to connect", "SQLSTATE", "unable to open", "context canceled"}

// sansAnglais fails t if s holds one of the English fragments.
func sansAnglais(tb testing.TB, s string) {
	tb.Helper()
	for _, a := range anglais {
		if strings.Contains(s, a) {
			tb.Errorf("got %q, want no %q in it", s, a)
		}
	}
	// The options' placeholders, in the lists of options.
	for _, m := range optionAvecValeur.FindAllStringSubmatch(s, -1) {
		if m[1] != "VALEUR" && m[1] != "NOMBRE" && m[1] != "DURÉE" {
			tb.Errorf("option %s: placeholder %q, want VALEUR, NOMBRE or DURÉE", m[0], m[1])
		}
	}
}

// optionAvecValeur is a line of a list of options with its placeholder.
var optionAvecValeur = regexp.MustCompile(`(?m)^  --?[a-z0-9-]+ (\S+)$`)

// portLibre returns a port of 127.0.0.1 nothing listens on.
func portLibre(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestFlagErrorsInFrench(t *testing.T) {
	for _, tt := range []struct {
		name string
		cmd  string // as its help is asked
		args []string
		want string
	}{
		{"option inconnue", "check", []string{"check", "--nope", exemple + ".json"}, "segur check : option --nope inconnue ; options : --all, --ans, "},
		{"option courte inconnue", "submit", []string{"submit", "-o", "x.json"}, "segur submit : option -o inconnue ; options : --ledger"},
		{"option proche", "admin mail list", []string{"admin", "mail", "list", "-l", "5"}, "segur admin mail list : option -l inconnue (vouliez-vous dire --limit ?) ; options : --data, --db, --etat, --limit"},
		{"valeur manquante", "template", []string{"template", "--type"}, "segur template : --type attend une valeur : type de demande : avance ou solde"},
		{"valeur manquante, option courte", "schema", []string{"schema", "-o"}, "segur schema : -o attend une valeur"},
		{"nombre attendu", "admin mail list", []string{"admin", "mail", "list", "--limit", "beaucoup"}, "segur admin mail list : --limit « beaucoup » : attendu un nombre entier"},
		{"nombre attendu, avec =", "admin mail list", []string{"admin", "mail", "list", "--limit=dix"}, "--limit « dix » : attendu un nombre entier"},
		{"booléen", "admin vendor add", []string{"admin", "vendor", "add", "--force=peut-être"}, "--force « peut-être » : attendu true ou false, ou l'option seule"},
		{"option mal écrite", "check", []string{"check", "---x"}, "« ---x » : option mal écrite"},
		{"option inconnue après le fichier", "check", []string{"check", exemple + ".json", "--nope"}, "option --nope inconnue"},
		{"serve", "serve", []string{"serve", "--addr"}, "segur serve : --addr attend une valeur"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := run(t, tt.args...)
			if code != exitUsage {
				t.Errorf("got exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(errs, tt.want) {
				t.Errorf("got stderr %q, want %q in it", errs, tt.want)
			}
			if help := "« segur " + tt.cmd + " --help » détaille les options."; !strings.Contains(errs, help) {
				t.Errorf("got stderr %q, want the way to the help, %q", errs, help)
			}
			if out != "" || strings.Contains(errs, "Options :") {
				t.Errorf("got stdout %q and stderr %q, want the message alone", out, errs)
			}
			sansAnglais(t, errs)
		})
	}
	// Every command says an unknown option in French.
	var cmds [][]string
	for _, c := range commands() {
		if c.name != "admin" {
			cmds = append(cmds, []string{c.name})
		}
	}
	for _, o := range adminObjets() {
		for _, a := range o.actions {
			cmds = append(cmds, append([]string{"admin", o.nom}, strings.Fields(a.nom)...))
		}
	}
	for _, c := range cmds {
		code, _, errs := run(t, append(c, "--inconnue")...)
		if code != exitUsage || !strings.Contains(errs, "option --inconnue inconnue") {
			t.Errorf("%s: got %d %q, want %d and « option --inconnue inconnue »", strings.Join(c, " "), code, errs, exitUsage)
		}
		sansAnglais(t, errs)
	}
}

// TestHelpEverywhere asks every command, object and action for its help.
func TestHelpEverywhere(t *testing.T) {
	type cas struct {
		args []string
		want string
	}
	var cases []cas
	for _, c := range commands() {
		cases = append(cases, cas{[]string{c.name}, "Usage : segur " + c.name})
	}
	for _, o := range adminObjets() {
		cases = append(cases, cas{[]string{"admin", o.nom}, "Usage : segur admin " + o.nom + " ACTION"})
		for _, a := range o.actions {
			cases = append(cases, cas{append([]string{"admin", o.nom}, strings.Fields(a.nom)...), "Usage : segur admin " + o.nom + " " + a.nom})
		}
	}
	for _, c := range cases {
		for _, h := range []string{"--help", "-h"} {
			args := append(append([]string{}, c.args...), h)
			code, out, errs := run(t, args...)
			if code != exitOK || !strings.Contains(errs, c.want) || out != "" {
				t.Errorf("%s: got exit %d, stdout %q, stderr %q; want 0 and %q", strings.Join(args, " "), code, out, errs, c.want)
			}
			sansAnglais(t, errs)
		}
	}
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"objet sans action", []string{"admin", "vendor"}, exitUsage, "Actions :\n  add     enrôler un fournisseur\n  list    lister les fournisseurs"},
		{"action inconnue", []string{"admin", "vendor", "remove"}, exitUsage, "segur admin vendor : action « remove » inconnue ; actions : add, list, suspend, resume, email, iban list, iban propose, iban approve, iban reject."},
		{"objet inconnu", []string{"admin", "fournisseur", "add"}, exitUsage, "segur admin : objet « fournisseur » inconnu ; objets : vendor, ans, user, token, agent-token, window, reference, blobs, mail, audit."},
		{"aide d'une action", []string{"admin", "token", "add", "--help"}, exitOK, "Exemple :\n  segur admin token add --siret 88558855858745"},
		{"aide de admin", []string{"admin", "help"}, exitOK, "  mail retry --id N"},
		{"options d'une action", []string{"admin", "mail", "list", "-h"}, exitOK, "Options :\n  --data VALEUR"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := run(t, tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Errorf("got exit %d, stderr %q; want %d and %q", code, errs, tt.code, tt.want)
			}
		})
	}
}

func TestParsePortalURL(t *testing.T) {
	for _, tt := range []struct{ in, want, err string }{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"https://portail.exemple.fr/", "https://portail.exemple.fr", ""},
		{" https://exemple.fr/segur/ ", "https://exemple.fr/segur", ""},
		{"http://[::1]:8080", "http://[::1]:8080", ""},
		{"127.0.0.1:8080", "", "adresse du portail « 127.0.0.1:8080 » : attendu http://hôte:port ou https://…, par exemple http://127.0.0.1:8080"},
		{"localhost:8080", "", "par exemple http://localhost:8080"},
		{"portail.exemple.fr", "", "par exemple http://portail.exemple.fr"},
		{"ftp://portail.exemple.fr", "", "attendu http://hôte:port ou https://…"},
		{"http://", "", "attendu http://hôte:port"},
		{"http://:8080", "", "attendu http://hôte:port"},
		{"http://127.0.0.1:99999", "", "attendu http://hôte:port"},
		{"http://h:8080/?x=1", "", "attendu http://hôte:port"},
		{"http://jean:secret@h", "", "attendu http://hôte:port"},
	} {
		got, err := parsePortalURL(tt.in)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("parsePortalURL(%q): got %q, %v; want %q", tt.in, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("parsePortalURL(%q): got %q, %v; want an error with %q", tt.in, got, err, tt.err)
		case err != nil:
			sansAnglais(t, err.Error())
		}
	}
}

// jetonTest writes a token file and returns its path.
func jetonTest(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jeton.txt")
	if err := os.WriteFile(path, []byte("sgr_jeton\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// depotTest writes a JSON-HOP file to deposit and returns its path.
func depotTest(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "JSON-1234567890-20261125-001.json")
	if err := os.WriteFile(path, []byte(`{"demandes":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPortalErrorsInFrench(t *testing.T) {
	jeton := jetonTest(t)
	reponse := func(status int, typ, corps string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			if typ != "" {
				w.Header().Set("Content-Type", typ)
			}
			w.WriteHeader(status)
			io.WriteString(w, corps)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	refuse := fmt.Sprintf("http://127.0.0.1:%d", portLibre(t))
	problem := "application/problem+json"
	for _, tt := range []struct {
		name string
		url  string
		code int
		want string
	}{
		{"sans schéma", "127.0.0.1:8080", exitUsage, "adresse du portail « 127.0.0.1:8080 » : attendu http://hôte:port ou https://…"},
		{"portail arrêté", refuse, exitInterne, "le portail ne répond pas à " + refuse + " : est-il lancé ?"},
		{"hôte inconnu", "http://portail.segur.invalid", exitInterne, "« portail.segur.invalid »"},
		{"certificat inconnu", tlsSrv.URL, exitInterne, "certificat du portail " + tlsSrv.URL + " refusé"},
		{"HTTPS sur un serveur HTTP", strings.Replace(reponse(200, "", ""), "http:", "https:", 1), exitInterne, "ne répond pas en HTTPS : essayez http://"},
		{"jeton refusé", reponse(401, problem, `{"title":"Authentification requise","status":401}`), exitPortail, "jeton refusé par le portail : vérifiez --token-file"},
		{"pas un portail", reponse(404, "text/plain", "404 page not found"), exitPortail, "pas de portail segur à http://127.0.0.1:"},
		{"page HTML", reponse(200, "text/html", "<html></html>"), exitPortail, "(JSON attendu) : est-ce bien l'adresse d'un portail segur ? vérifiez --url"},
		{"autre réponse", reponse(400, "text/plain", "Client sent an HTTP request to an HTTPS server."), exitPortail, "réponse inattendue de http://127.0.0.1:"},
		{"serveur en panne", reponse(502, "text/html", "<html>Bad Gateway</html>"), exitInterne, "répond 502 (erreur du serveur) : réessayez plus tard"},
		{"refus du portail", reponse(403, problem, `{"title":"Interdit","status":403,"detail":"aucune campagne ouverte"}`), exitPortail, "le portail refuse (403 Interdit) : aucune campagne ouverte"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := run(t, "status", "--url", tt.url, "--token-file", jeton)
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Errorf("status: got exit %d, stderr %q; want %d and %q", code, errs, tt.code, tt.want)
			}
			if out != "" && !strings.HasPrefix(out, "NUMÉRO ASP") {
				t.Errorf("status: got stdout %q", out)
			}
			sansAnglais(t, errs)
		})
	}
	// submit: a lasting failure is said at once, without new attempts.
	for _, tt := range []struct {
		name string
		url  string
		code int
		want string
	}{
		{"sans schéma", "localhost:8080", exitUsage, "adresse du portail « localhost:8080 » : attendu http://hôte:port ou https://…, par exemple http://localhost:8080"},
		{"jeton refusé", reponse(401, problem, `{"title":"Authentification requise","status":401}`), exitPortail, "jeton refusé par le portail : vérifiez --token-file"},
		{"certificat inconnu", tlsSrv.URL, exitInterne, "certificat du portail"},
		{"refus du portail", reponse(409, problem, `{"title":"Conflit","status":409,"detail":"fichier déjà déposé"}`), exitPortail, "dépôt refusé par le portail (409 Conflit) : fichier déjà déposé"},
	} {
		t.Run("submit "+tt.name, func(t *testing.T) {
			code, _, errs := run(t, "submit", "--url", tt.url, "--token-file", jeton, depotTest(t))
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Errorf("submit: got exit %d, stderr %q; want %d and %q", code, errs, tt.code, tt.want)
			}
			if strings.Contains(errs, "nouvel essai") {
				t.Errorf("submit: got %q, want no new attempt", errs)
			}
			sansAnglais(t, errs)
		})
	}
}

// TestPortalRetriesInFrench: a portal that is down is tried again, and
// said in French at each attempt and at the end.
func TestPortalRetriesInFrench(t *testing.T) {
	refuse := fmt.Sprintf("http://127.0.0.1:%d", portLibre(t))
	var journal strings.Builder
	p := &portail{url: refuse, jeton: "jeton", client: &http.Client{}, stderr: &journal, attente: time.Millisecond}
	var d api.DepotJSON
	code, err := p.deposer(context.Background(), "avance", depotTest(t), "", "cle", &d)
	want := "échec du réseau après 4 essais : le portail ne répond pas à " + refuse + " : est-il lancé ? vérifiez --url"
	if code != exitInterne || err == nil || err.Error() != want {
		t.Errorf("got %d, %v; want %d, %q", code, err, exitInterne, want)
	}
	if n := strings.Count(journal.String(), "nouvel essai"); n != 3 {
		t.Errorf("got %d new attempts in %q, want 3", n, journal.String())
	}
	sansAnglais(t, journal.String())
}

// TestPortalTimeoutInFrench: a portal that does not answer in time.
func TestPortalTimeoutInFrench(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	p := &portail{url: srv.URL, jeton: "jeton", client: &http.Client{Timeout: 50 * time.Millisecond}, stderr: io.Discard}
	_, code, err := p.get(context.Background(), "/api/v1/demandes")
	if want := "le portail " + srv.URL + " n'a pas répondu à temps"; code != exitInterne || err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %d, %v; want %d and %q", code, err, exitInterne, want)
	}
	if err != nil {
		sansAnglais(t, err.Error())
	}
}

// TestStatusLibelles: segur status says each status as the pages do.
func TestStatusLibelles(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer sgr_jeton" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"total": 2, "demandes": []api.DemandeJSON{
			{NumeroASP: "ASP-2026-0000001", NumeroEditeur: "00001", Statut: "deposee", MontantSegurHT: "13750.00", DateCommande: "2026-10-15"},
			{NumeroASP: "ASP-2026-0000002", NumeroEditeur: "00002", Statut: "solde_en_instruction", MontantSegurHT: "48000.00", DateCommande: "2026-10-15"},
		}})
	}))
	defer srv.Close()
	code, out, errs := run(t, "status", "--url", srv.URL+"/", "--token-file", jetonTest(t))
	if code != exitOK {
		t.Fatalf("got exit %d, want 0; stderr:\n%s", code, errs)
	}
	for _, want := range []string{"ASP-2026-0000001  00001          Déposée", "ASP-2026-0000002  00002          Solde en instruction"} {
		if !strings.Contains(out, want) {
			t.Errorf("got stdout:\n%s\nwant %q in it", out, want)
		}
	}
	if strings.Contains(out, "deposee") || strings.Contains(out, "solde_en_instruction") {
		t.Errorf("got stdout:\n%s\nwant the labels, not the codes", out)
	}
}

// TestDatabaseErrorsInFrench: a database that cannot be opened is the
// operator's configuration, said in French with what to check, exit 7.
func TestDatabaseErrorsInFrench(t *testing.T) {
	dir := t.TempDir()
	fichier := filepath.Join(dir, "fichier")
	if err := os.WriteFile(fichier, []byte("ceci n'est pas une base SQLite, mais un fichier de texte assez long pour en avoir l'air."), 0o600); err != nil {
		t.Fatal(err)
	}
	port := portLibre(t)
	pg := fmt.Sprintf("postgres://segur:secret-de-test@127.0.0.1:%d/segur", port)
	refusee := fmt.Sprintf("base PostgreSQL : injoignable à 127.0.0.1:%d (connexion refusée) : vérifiez l'hôte et le port", port)
	absent := filepath.Join(dir, "absent", "segur.db")
	type cas struct {
		name string
		args []string
		want string
	}
	cases := []cas{
		{"serve, PostgreSQL arrêté", []string{"serve", "--addr", "127.0.0.1:0", "--db", pg}, "segur serve : " + refusee},
		{"migrate, PostgreSQL arrêté", []string{"migrate", "--db", pg}, "segur migrate : " + refusee},
		{"admin, PostgreSQL arrêté", []string{"admin", "vendor", "list", "--db", pg}, "segur admin vendor list : " + refusee},
		{"hôte inconnu", []string{"migrate", "--db", "postgres://segur:secret-de-test@base.segur.invalid:5432/segur"}, "« base.segur.invalid »"},
		{"dossier SQLite absent", []string{"admin", "vendor", "list", "--db", "sqlite://" + absent},
			"base SQLite « " + absent + " » : le dossier « " + filepath.Dir(absent) + " » n'existe pas"},
		{"fichier SQLite qui est un dossier", []string{"admin", "vendor", "list", "--db", "sqlite://" + dir}, "c'est un dossier ; attendu le chemin d'un fichier"},
		{"fichier qui n'est pas une base", []string{"admin", "vendor", "list", "--db", "sqlite://" + fichier}, "ce fichier n'est pas une base SQLite"},
		{"--data sous un fichier", []string{"admin", "vendor", "list", "--data", filepath.Join(fichier, "donnees")},
			"dossier des données « " + filepath.Join(fichier, "donnees") + " » : un élément du chemin n'est pas un dossier : vérifiez --data"},
		{"serve, --data sous un fichier", []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(fichier, "donnees")}, "vérifiez --data"},
	}
	if os.Geteuid() != 0 {
		ferme := filepath.Join(dir, "ferme")
		if err := os.Mkdir(ferme, 0o500); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, cas{"dossier SQLite sans droit d'écriture", []string{"admin", "vendor", "list", "--data", ferme}, "vérifiez les droits sur le dossier « " + ferme + " »"})
	}
	if os.Getenv("SEGUR_TEST_POSTGRES_DSN") != "" {
		dsn := segurtest.PostgresDSN(t)
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimPrefix(u.Path, "/")
		mauvais := *u
		mauvais.User = url.UserPassword(u.User.Username(), "pas-le-bon")
		inconnue := *u
		inconnue.Path = "/" + base + "_inconnue"
		cases = append(cases,
			cas{"base inconnue", []string{"migrate", "--db", inconnue.String()}, "base PostgreSQL : la base « " + base + "_inconnue » n'existe pas sur " + u.Host},
			cas{"admin, base inconnue", []string{"admin", "vendor", "list", "--db", inconnue.String()}, "la base « " + base + "_inconnue » n'existe pas"})
		if code, _, _ := run(t, "migrate", "--db", mauvais.String()); code == exitOK {
			t.Log("the test PostgreSQL accepts any password over TCP (trust): the wrong password is not tested; start one with scripts/postgres.sh")
		} else {
			cases = append(cases, cas{"mauvais mot de passe", []string{"migrate", "--db", mauvais.String()},
				"base PostgreSQL : mot de passe refusé pour l'utilisateur « " + u.User.Username() + " » : vérifiez l'utilisateur et le mot de passe"})
		}
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var out, errb strings.Builder
			code := Main(ctx, tt.args, strings.NewReader(""), &out, &errb)
			errs := errb.String()
			if code != exitBase || !strings.Contains(errs, tt.want) || strings.Contains(errs, "erreur interne") {
				t.Errorf("got exit %d, stderr %q; want %d and %q", code, errs, exitBase, tt.want)
			}
			if strings.Contains(errs, "secret-de-test") || strings.Contains(errs, "pas-le-bon") {
				t.Errorf("got %q: the password is shown", errs)
			}
			sansAnglais(t, errs)
		})
	}
}
