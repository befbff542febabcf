package segurtest

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serveurTLS is a segur serve process over TLS: its HTTPS address, its
// redirect listener's, and its output's lines as they come.
type serveurTLS struct {
	*serveur
	redirection string // http://127.0.0.1:port
	lignes      chan string
}

// serveTLS starts segur serve with args (its TLS options); the process is
// killed at the end of the test if still running.
func serveTLS(t *testing.T, bin, data string, args ...string) *serveurTLS {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &serveurTLS{serveur: &serveur{cmd: cmd, fin: make(chan struct{})}, lignes: make(chan string, 1000)}
	var sortie lockedBuffer
	pret := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		portail := regexp.MustCompile(`Portail segur sur (https://\S+)/`)
		redir := regexp.MustCompile(`Redirection vers HTTPS sur (http://\S+)/`)
		for sc.Scan() {
			l := sc.Text()
			sortie.Write([]byte(l + "\n"))
			if m := portail.FindStringSubmatch(l); m != nil {
				s.base = m[1]
			}
			if m := redir.FindStringSubmatch(l); m != nil {
				s.redirection = m[1]
				close(pret) // printed after the portal's line
			}
			select {
			case s.lignes <- l:
			default:
			}
		}
		io.Copy(io.Discard, stderr)
		s.err = cmd.Wait()
		close(s.fin)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.fin
	})
	select {
	case <-pret:
		return s
	case <-s.fin:
		t.Fatalf("segur serve exited at its start: %v\n%s", s.err, sortie.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("segur serve did not start within 30 s\n%s", sortie.String())
	}
	return nil
}

// attendreLigne waits for a line of the server's output with want.
func (s *serveurTLS) attendreLigne(t *testing.T, want string) string {
	t.Helper()
	ctx := delai(t)
	for {
		select {
		case l := <-s.lignes:
			if strings.Contains(l, want) {
				return l
			}
		case <-s.fin:
			t.Fatalf("segur serve exited waiting for %q: %v", want, s.err)
		case <-ctx.Done():
			t.Fatalf("no line with %q within %v", want, attenteMax)
		}
	}
}

// serieTLS opens a new TLS connection to addr (host:port) trusting roots
// and returns the serial number of the certificate the server presents.
func serieTLS(t *testing.T, addr string, roots *x509.CertPool) *big.Int {
	t.Helper()
	d := tls.Dialer{Config: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}}
	c, err := d.DialContext(delai(t), "tcp", addr)
	if err != nil {
		t.Fatalf("TLS connection to %s: %v", addr, err)
	}
	defer c.Close()
	return c.(*tls.Conn).ConnectionState().PeerCertificates[0].SerialNumber
}

// TestTLS runs segur serve over HTTPS with a throwaway certificate: pages
// and API answer with HSTS to a client that trusts it; the plain-HTTP
// listener redirects (308) to the same path and query, but answers
// /healthz; after the files are replaced and SIGHUP sent, a new connection
// sees the new certificate while an open one keeps working; a bad new pair
// is refused and the current one stays; at start, a bad pair is exit
// status 1. Behind an HTTPS proxy (--https), the answers carry HSTS too.
func TestTLS(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	a, b := NouvellePaireTLS(t), NouvellePaireTLS(t)
	a.Ecrire(t, certFile, keyFile)
	s := serveTLS(t, bin, t.TempDir(), "--tls-cert", certFile, "--tls-key", keyFile, "--http-redirect", "127.0.0.1:0")
	if !strings.HasPrefix(s.base, "https://127.0.0.1:") {
		t.Fatalf("portal's address: got %q, want https://127.0.0.1:port", s.base)
	}
	addr := strings.TrimPrefix(s.base, "https://")

	roots := x509.NewCertPool()
	roots.AddCert(a.X509)
	roots.AddCert(b.X509)
	client := &http.Client{Timeout: attenteMax, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	// get fetches path over HTTPS and reports whether the request reused an
	// open connection.
	get := func(path string) (*http.Response, string, bool) {
		t.Helper()
		reused := false
		ctx := httptrace.WithClientTrace(delai(t), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }})
		req, err := http.NewRequestWithContext(ctx, "GET", s.base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(body), reused
	}
	for _, tc := range []struct{ path, want string }{
		{"/connexion", `lang="fr"`},
		{"/api/v1/openapi.json", `"openapi"`},
		{"/healthz", "ok"},
	} {
		resp, body, _ := get(tc.path)
		if resp.StatusCode != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: got %d %.200q, want 200 with %q", tc.path, resp.StatusCode, body, tc.want)
		}
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("GET %s: got Strict-Transport-Security %q, want max-age=31536000", tc.path, got)
		}
		if got := resp.TLS.PeerCertificates[0].SerialNumber; got.Cmp(a.Serie) != 0 {
			t.Errorf("GET %s: got certificate %v, want %v", tc.path, got, a.Serie)
		}
		if resp.TLS.Version < tls.VersionTLS12 {
			t.Errorf("GET %s: got TLS version %x, want 1.2 at least", tc.path, resp.TLS.Version)
		}
	}
	// A client that offers only TLS 1.1 is refused.
	d := tls.Dialer{Config: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}}
	if c, err := d.DialContext(delai(t), "tcp", addr); err == nil {
		c.Close()
		t.Errorf("TLS 1.1: got a connection, want a refusal")
	}

	t.Run("redirection", func(t *testing.T) {
		plain := &http.Client{Timeout: attenteMax, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for _, tc := range []struct{ method, path string }{
			{"GET", "/connexion?retour=%2Fdepots&x=1"},
			{"POST", "/api/v1/depots"},
			{"GET", "/"},
		} {
			req, err := http.NewRequestWithContext(delai(t), tc.method, s.redirection+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := plain.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if want := s.base + tc.path; resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != want {
				t.Errorf("%s %s: got %d %q, want 308 %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Location"), want)
			}
		}
		resp, err := plain.Get(s.redirection + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "ok" {
			t.Errorf("GET /healthz in plain HTTP: got %d %q, want 200 ok", resp.StatusCode, body)
		}
	})

	t.Run("SIGHUP", func(t *testing.T) {
		b.Ecrire(t, certFile, keyFile)
		if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		if l := s.attendreLigne(t, "certificat TLS"); !strings.Contains(l, "certificat TLS rechargé") || !strings.Contains(l, b.Serie.String()) {
			t.Fatalf("after SIGHUP: got log %s, want the reload of %v", l, b.Serie)
		}
		if got := serieTLS(t, addr, roots); got.Cmp(b.Serie) != 0 {
			t.Errorf("new connection after SIGHUP: got certificate %v, want the new one %v", got, b.Serie)
		}
		// The connection opened before the reload still serves, with its
		// certificate.
		resp, _, reused := get("/healthz")
		if !reused || resp.StatusCode != 200 || resp.TLS.PeerCertificates[0].SerialNumber.Cmp(a.Serie) != 0 {
			t.Errorf("open connection after SIGHUP: got reused %v, %d, certificate %v; want reused, 200, %v",
				reused, resp.StatusCode, resp.TLS.PeerCertificates[0].SerialNumber, a.Serie)
		}

		// A key that is not the certificate's: refused, logged, the
		// current pair stays.
		if err := os.WriteFile(keyFile, NouvellePaireTLS(t).Key, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		if l := s.attendreLigne(t, "certificat TLS"); !strings.Contains(l, "certificat TLS non rechargé : l'ancien reste servi") {
			t.Errorf("after a bad pair: got log %s, want the French error", l)
		}
		if got := serieTLS(t, addr, roots); got.Cmp(b.Serie) != 0 {
			t.Errorf("after a bad pair: got certificate %v, want the current one %v", got, b.Serie)
		}
	})

	t.Run("derrière un proxy HTTPS", func(t *testing.T) {
		// With --https, HSTS on every answer too; without, none.
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--https"}, "max-age=31536000"},
			{nil, ""},
		} {
			p := serve(t, bin, t.TempDir(), tc.args...)
			for _, path := range []string{"/healthz", "/connexion", "/absente"} {
				resp, err := (&http.Client{Timeout: attenteMax}).Get(p.base + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if got := resp.Header.Get("Strict-Transport-Security"); got != tc.want {
					t.Errorf("%v GET %s (%d): got Strict-Transport-Security %q, want %q", tc.args, path, resp.StatusCode, got, tc.want)
				}
			}
			if err := p.arreter(t, syscall.SIGTERM); err != nil {
				t.Errorf("segur serve %v after SIGTERM: got %v, want exit 0", tc.args, err)
			}
		}
	})

	t.Run("paire refusée au démarrage", func(t *testing.T) {
		// A key that is not the certificate's: exit status 1 (configuration
		// refused) and a French message.
		dir := t.TempDir()
		certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		a.Ecrire(t, certFile, keyFile)
		if err := os.WriteFile(keyFile, b.Key, 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, errs := runCode(t, bin, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--tls-cert", certFile, "--tls-key", keyFile)
		if want := "n'est pas celle du certificat " + certFile; code != 1 || !strings.Contains(errs, want) {
			t.Errorf("got exit %d, stderr\n%s\nwant 1 and %q", code, errs, want)
		}
	})

	client.CloseIdleConnections()
	if err := s.arreter(t, syscall.SIGTERM); err != nil {
		t.Errorf("segur serve after SIGTERM: got %v, want exit 0", err)
	}
}
