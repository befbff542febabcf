package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// paireTest writes a fresh self-signed ECDSA P-256 certificate for
// 127.0.0.1 and its key into dir as cert.pem and key.pem, and returns the
// files and the certificate's serial number.
func paireTest(tb testing.TB, dir string) (certFile, keyFile string, serie *big.Int) {
	tb.Helper()
	p := segurtest.NouvellePaireTLS(tb)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	p.Ecrire(tb, certFile, keyFile)
	return certFile, keyFile, p.Serie
}

// copier copies file src over dst.
func copier(tb testing.TB, src, dst string) {
	tb.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// serieServie returns the serial number of the certificate c presents.
func serieServie(tb testing.TB, c *certificats) *big.Int {
	tb.Helper()
	p, err := c.config().GetCertificate(nil)
	if err != nil {
		tb.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(p.Certificate[0])
	if err != nil {
		tb.Fatal(err)
	}
	return leaf.SerialNumber
}

// TestCertificatsSIGHUP: on SIGHUP, a new good pair is served from the next
// handshake; a bad one (unreadable, or a key that is not the
// certificate's) is logged in French and the previous pair stays.
func TestCertificatsSIGHUP(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, serieA := paireTest(t, dir)
	c, err := chargerCertificats(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if got := serieServie(t, c); got.Cmp(serieA) != 0 {
		t.Fatalf("at start: got serial %v, want %v", got, serieA)
	}
	fait := make(chan error)
	c.apres = func(err error) { fait <- err }
	hup := make(chan os.Signal)
	var journal bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.surveiller(ctx, slog.New(slog.NewTextHandler(&journal, nil)), hup)
	recharger := func() error {
		hup <- syscall.SIGHUP
		return <-fait
	}

	autre := t.TempDir()
	certB, keyB, serieB := paireTest(t, autre)
	copier(t, certB, certFile)
	copier(t, keyB, keyFile)
	if err := recharger(); err != nil {
		t.Fatalf("new pair: got %v, want nil", err)
	}
	if got := serieServie(t, c); got.Cmp(serieB) != 0 {
		t.Errorf("after SIGHUP: got serial %v, want the new pair's %v", got, serieB)
	}

	for _, tc := range []struct {
		name       string
		cert, key  []byte
		wantErreur string
	}{
		{"certificat vide", []byte{}, nil, "ne contient pas de certificat au format PEM"},
		{"clé vide", nil, []byte{}, "ne contient pas de clé privée au format PEM"},
		{"clé d'un autre certificat", nil, cleAutre(t), "n'est pas celle du certificat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			copier(t, certB, certFile)
			copier(t, keyB, keyFile)
			if tc.cert != nil {
				os.WriteFile(certFile, tc.cert, 0o600)
			}
			if tc.key != nil {
				os.WriteFile(keyFile, tc.key, 0o600)
			}
			journal.Reset()
			err := recharger()
			if err == nil || !strings.Contains(err.Error(), tc.wantErreur) {
				t.Errorf("got error %v, want one with %q", err, tc.wantErreur)
			}
			if got := serieServie(t, c); got.Cmp(serieB) != 0 {
				t.Errorf("after a bad pair: got serial %v, want the previous %v", got, serieB)
			}
			if !strings.Contains(journal.String(), "certificat TLS non rechargé : l'ancien reste servi") {
				t.Errorf("log: got %q, want the French error", journal.String())
			}
		})
	}
}

// cleAutre returns the key of another, fresh certificate, in PEM.
func cleAutre(tb testing.TB) []byte {
	tb.Helper()
	_, key, _ := paireTest(tb, tb.TempDir())
	b, err := os.ReadFile(key)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestServeTLSOptions: the TLS options go together (usage error, 64); a
// pair that cannot be used is a configuration refused (1), with a French
// message naming the file.
func TestServeTLSOptions(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := paireTest(t, dir)
	autreKey := filepath.Join(t.TempDir(), "autre.pem")
	if err := os.WriteFile(autreKey, cleAutre(t), 0o600); err != nil {
		t.Fatal(err)
	}
	absent := filepath.Join(dir, "absent.pem")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"certificat sans clé", []string{"--tls-cert", certFile}, exitUsage, "--tls-cert et --tls-key vont ensemble"},
		{"clé sans certificat", []string{"--tls-key", keyFile}, exitUsage, "--tls-cert et --tls-key vont ensemble"},
		{"redirection sans TLS", []string{"--http-redirect", ":80"}, exitUsage, "--http-redirect demande --tls-cert et --tls-key"},
		{"redirection sans port", []string{"--tls-cert", certFile, "--tls-key", keyFile, "--http-redirect", "localhost"}, exitUsage,
			"--http-redirect « localhost » : attendu hôte:port"},
		{"certificat absent", []string{"--tls-cert", absent, "--tls-key", keyFile}, 1, "--tls-cert : impossible de lire " + absent + " : fichier absent"},
		{"clé absente", []string{"--tls-cert", certFile, "--tls-key", absent}, 1, "--tls-key : impossible de lire " + absent + " : fichier absent"},
		{"clé d'un autre certificat", []string{"--tls-cert", certFile, "--tls-key", autreKey}, 1, "n'est pas celle du certificat " + certFile},
		{"clé à la place du certificat", []string{"--tls-cert", keyFile, "--tls-key", keyFile}, 1, "ne contient pas de certificat au format PEM"},
		{"aide", []string{"--help"}, exitOK, "--tls-cert FICHIER et --tls-key FICHIER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, tc.args...), nil, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Errorf("got exit %d, output\n%s\nwant %d and %q", code, out, tc.code, tc.want)
			}
		})
	}
}

// TestHSTS: the header is on every answer, errors included, when on, and
// absent otherwise.
func TestHSTS(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) {})
	for _, on := range []bool{true, false} {
		for _, path := range []string{"/ok", "/absent"} {
			rec := httptest.NewRecorder()
			hsts(mux, on).ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			want := ""
			if on {
				want = "max-age=31536000"
			}
			if got := rec.Header().Get("Strict-Transport-Security"); got != want {
				t.Errorf("on=%v %s (%d): got %q, want %q", on, path, rec.Code, got, want)
			}
		}
	}
}

// TestRedirigerHTTPS: every request but /healthz is a 308 to the same path
// and query over HTTPS, on the TLS port, or at the public address when it
// is https.
func TestRedirigerHTTPS(t *testing.T) {
	sante := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	for _, tc := range []struct {
		name, public, port, method, host, target string
		code                                     int
		location                                 string
	}{
		{"page", "", "8443", "GET", "portail.exemple.fr:8080", "/connexion?retour=%2Fdepots", 308, "https://portail.exemple.fr:8443/connexion?retour=%2Fdepots"},
		{"port 443", "", "443", "POST", "portail.exemple.fr", "/api/v1/depots", 308, "https://portail.exemple.fr/api/v1/depots"},
		{"IPv6", "", "8443", "GET", "[::1]:8080", "/", 308, "https://[::1]:8443/"},
		{"adresse publique", "https://segur.asp.fr", "8443", "GET", "10.0.0.5:8080", "/a?b=c", 308, "https://segur.asp.fr/a?b=c"},
		{"adresse publique http ignorée", "http://segur.asp.fr", "8443", "GET", "h:80", "/", 308, "https://h:8443/"},
		{"santé", "", "8443", "GET", "h:80", "/healthz", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.target, nil)
			r.Host = tc.host
			rec := httptest.NewRecorder()
			redirigerHTTPS(tc.public, tc.port, sante).ServeHTTP(rec, r)
			if rec.Code != tc.code || rec.Header().Get("Location") != tc.location {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Header().Get("Location"), tc.code, tc.location)
			}
		})
	}
}

// The application error of a refused pair is EINVALID, which serve
// reports as a configuration refused.
func TestCertificatsErreurInvalide(t *testing.T) {
	_, err := chargerCertificats(filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b"))
	if !segur.IsCode(err, segur.EINVALID) {
		t.Errorf("got %v, want an EINVALID error", err)
	}
}
