package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/segur-numerique/segur"
)

// certificats is the TLS pair segur serve presents, read from its two
// files at start and again on each SIGHUP. Handshakes read the current pair
// through getCertificate; a reload swaps it atomically, so connections
// already open keep theirs and none is dropped.
type certificats struct {
	cert, key string // the files, --tls-cert and --tls-key
	courant   atomic.Pointer[tls.Certificate]
	// apres, when set, is called after each reload on SIGHUP, once
	// logged, with its outcome; the tests use it to wait for a reload.
	apres func(error)
}

// chargerCertificats reads the pair of files certFile and keyFile; an
// unreadable file or a key that is not the certificate's is an EINVALID
// error with a French message that names the file.
func chargerCertificats(certFile, keyFile string) (*certificats, error) {
	c := &certificats{cert: certFile, key: keyFile}
	p, err := lirePaire(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	c.courant.Store(p)
	return c, nil
}

// lirePaire reads and checks a certificate and its private key, in PEM.
func lirePaire(certFile, keyFile string) (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, segur.Errorf(segur.EINVALID, "--tls-cert : impossible de lire %s : %s", certFile, pourquoiFichier(err))
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, segur.Errorf(segur.EINVALID, "--tls-key : impossible de lire %s : %s", keyFile, pourquoiFichier(err))
	}
	// Check each file on its own first, for a message that names the
	// faulty one; tls.X509KeyPair then checks that they go together.
	var block *pem.Block
	for rest := certPEM; ; {
		block, rest = pem.Decode(rest)
		if block == nil || block.Type == "CERTIFICATE" {
			break
		}
	}
	if block == nil {
		return nil, segur.Errorf(segur.EINVALID, "--tls-cert : %s ne contient pas de certificat au format PEM (« BEGIN CERTIFICATE »)", certFile)
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return nil, segur.Errorf(segur.EINVALID, "--tls-cert : le certificat de %s est illisible (X.509 abîmé) ; attendu un certificat PEM tel que l'autorité l'a délivré", certFile)
	}
	if !strings.Contains(string(keyPEM), "PRIVATE KEY-----") {
		return nil, segur.Errorf(segur.EINVALID, "--tls-key : %s ne contient pas de clé privée au format PEM (« BEGIN … PRIVATE KEY »)", keyFile)
	}
	p, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, segur.Errorf(segur.EINVALID, "--tls-key : la clé privée de %s est illisible ou n'est pas celle du certificat %s ; attendu la clé du même certificat", keyFile, certFile)
	}
	return &p, nil
}

// pourquoiFichier says in French why a file cannot be read, for the
// common causes; the system's words otherwise.
func pourquoiFichier(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "fichier absent"
	case errors.Is(err, fs.ErrPermission):
		return "permission refusée"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// recharger reads the files again and, if the new pair is good, serves
// it from the next handshake on; otherwise the current pair stays.
func (c *certificats) recharger() error {
	p, err := lirePaire(c.cert, c.key)
	if err == nil {
		c.courant.Store(p)
	}
	return err
}

// getCertificate is tls.Config's GetCertificate: the current pair.
func (c *certificats) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.courant.Load(), nil
}

// config returns the server's TLS configuration: TLS 1.2 at least, Go's
// defaults otherwise (cipher suites, curves, HTTP/2 by ALPN).
func (c *certificats) config() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.getCertificate}
}

// surveiller reloads the pair on each value of hup (SIGHUP), until ctx
// ends, logging the outcome: a bad new pair is reported in French and the
// old one kept.
func (c *certificats) surveiller(ctx context.Context, log *slog.Logger, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			err := c.recharger()
			if err != nil {
				log.Error("certificat TLS non rechargé : l'ancien reste servi", "err", err.Error())
			} else {
				p := c.courant.Load()
				log.Info("certificat TLS rechargé", "cert", c.cert, "serie", p.Leaf.SerialNumber.String(),
					"expire", p.Leaf.NotAfter.UTC().Format(time.RFC3339))
			}
			if c.apres != nil {
				c.apres(err)
			}
		}
	}
}

// hsts adds Strict-Transport-Security to every answer of h when on: the
// portal is served over TLS, itself or behind a trusted HTTPS proxy
// (--https). Without includeSubDomains: the portal may live on a
// subdomain of the agency's domain whose other hosts (intranet tools,
// legacy sites) are not all served over HTTPS yet, and a browser would
// then refuse them for a year; the agency may add it at its proxy once
// every subdomain is.
func hsts(h http.Handler, on bool) http.Handler {
	if !on {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		h.ServeHTTP(w, r)
	})
}

// redirigerHTTPS answers every request with a 308 to the same path and
// query over HTTPS, except /healthz, answered by sante, so that a load
// balancer's plain-HTTP check still works. The target is public (--url)
// when it is an https:// address, for a portal behind a port mapping;
// otherwise the host the client asked for, on port tlsPort.
func redirigerHTTPS(public, tlsPort string, sante http.Handler) http.Handler {
	var base string
	if u, err := url.Parse(public); err == nil && u.Scheme == "https" && u.Host != "" {
		base = "https://" + u.Host
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			sante.ServeHTTP(w, r)
			return
		}
		cible := base
		if cible == "" {
			host := r.Host
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			if host == "" {
				http.Error(w, "en-tête Host manquant : utilisez https://", http.StatusBadRequest)
				return
			}
			if strings.Contains(host, ":") {
				host = "[" + host + "]" // IPv6
			}
			cible = "https://" + host
			if tlsPort != "443" {
				cible += ":" + tlsPort
			}
		}
		w.Header().Set("Location", cible+r.URL.RequestURI())
		w.WriteHeader(http.StatusPermanentRedirect)
	})
}

// optionsTLS checks the TLS options together: both files or neither, and
// --http-redirect only with them. The message is French, for a usage error.
func optionsTLS(cert, key, redirect string) error {
	switch {
	case (cert == "") != (key == ""):
		return fmt.Errorf("--tls-cert et --tls-key vont ensemble : donnez le certificat et sa clé privée, ou aucun des deux")
	case redirect != "" && cert == "":
		return fmt.Errorf("--http-redirect demande --tls-cert et --tls-key : la redirection mène au portail servi en HTTPS")
	}
	if redirect != "" {
		if _, _, err := net.SplitHostPort(redirect); err != nil {
			return fmt.Errorf("--http-redirect « %s » : attendu hôte:port, par exemple :80", redirect)
		}
	}
	return nil
}
