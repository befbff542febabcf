package cli

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/segur-numerique/segur/internal/segurtest"
)

// ecouteTenue is a listener bounded to one connection, whose accepted
// connections are held open (as slow clients would hold them) until the
// test ends.
func ecouteTenue(t *testing.T, conf *tls.Config) *ecouteLimitee {
	t.Helper()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := limiterEcoute(tcp, 1, conf).(*ecouteLimitee)
	go func() {
		var tenues []net.Conn
		defer func() {
			for _, c := range tenues {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tenues = append(tenues, c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln
}

// lire503 reads the refusal's answer on c: 503, Retry-After, French.
func lire503(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("refused connection: %v, want a 503 answer", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "5" ||
		string(body) != "Le portail reçoit trop de connexions : réessayez dans quelques secondes.\n" {
		t.Errorf("got %d, Retry-After %q, %q", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

func TestEcouteLimitee(t *testing.T) {
	ln := ecouteTenue(t, nil)
	first, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	lire503(t, second)
}

// On a TLS port, the refused client completes its handshake and reads the
// 503 over TLS, in HTTP/1.1 even when it offers HTTP/2.
func TestEcouteLimiteeTLS(t *testing.T) {
	p := segurtest.NouvellePaireTLS(t)
	pair, err := tls.X509KeyPair(p.Cert, p.Key)
	if err != nil {
		t.Fatal(err)
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}, NextProtos: []string{"h2", "http/1.1"}}
	ln := ecouteTenue(t, conf)
	first, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	roots := x509.NewCertPool()
	roots.AddCert(p.X509)
	second, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: roots, NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatalf("handshake of a refused connection: %v", err)
	}
	defer second.Close()
	if proto := second.ConnectionState().NegotiatedProtocol; proto == "h2" {
		t.Errorf("negotiated %q, want HTTP/1.1 for the refusal", proto)
	}
	lire503(t, second)
}

// In a flood, at most maxRefus refusals are answered at once: the clients
// past them (silent here, their handshakes never come) are closed
// unanswered, and nothing is left waiting for them.
func TestEcouteLimiteeFlood(t *testing.T) {
	p := segurtest.NouvellePaireTLS(t)
	pair, err := tls.X509KeyPair(p.Cert, p.Key)
	if err != nil {
		t.Fatal(err)
	}
	ln := ecouteTenue(t, &tls.Config{Certificates: []tls.Certificate{pair}})
	const plus = 10
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 1 + maxRefus + plus {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// The last ones read their end: closed without a byte.
	for _, c := range conns[1+maxRefus:] {
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("past the refusals' bound: read %d, %v; want EOF", n, err)
		}
	}
	if got := ln.fermees.Load(); got != plus {
		t.Errorf("closed unanswered: %d, want %d", got, plus)
	}
}
