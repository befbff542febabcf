package cli

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

const healthHelp = `Usage : segur health [--url http://127.0.0.1:8080/healthz] [--delai 5s]

Demande à un portail segur s'il répond : GET sur --url, par défaut /healthz
du portail que décrivent les variables de segur serve sur cette machine
(SEGUR_ADDR, et en HTTPS SEGUR_HTTP_REDIRECT ou SEGUR_TLS_CERT). C'est la
sonde de santé de l'image de conteneur (HEALTHCHECK), où il n'y a ni curl
ni shell. Pour savoir si la base et le stockage des fichiers répondent
aussi : --url http://127.0.0.1:8080/readyz.

En HTTPS sans --http-redirect, la sonde interroge l'adresse locale sans
vérifier le certificat (émis pour le nom public, pas pour 127.0.0.1) : elle
dit si le portail répond, pas si son certificat est valable.

Code de sortie : 0 le portail a répondu 200 ; 1 il a répondu autre chose ou
pas du tout dans le délai ; 64 usage incorrect.
`

func runHealth(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "health", healthHelp)
	target := fs.String("url", "", "adresse interrogée (par défaut : /healthz du portail décrit par SEGUR_ADDR)")
	delai := fs.Duration("delai", 5*time.Second, "temps laissé au portail pour répondre")
	files, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(files) != 0 {
		fmt.Fprintln(e.stderr, "segur health : aucun argument attendu (l'adresse se donne par --url).")
		return exitUsage
	}
	if *delai <= 0 {
		fmt.Fprintln(e.stderr, "segur health : --delai attend une durée positive, par exemple 5s.")
		return exitUsage
	}
	u, insecure := *target, false
	if u == "" {
		u, insecure = healthURL(envOr("SEGUR_ADDR", "127.0.0.1:8080"), os.Getenv("SEGUR_HTTP_REDIRECT"), os.Getenv("SEGUR_TLS_CERT") != "")
	}
	if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		fmt.Fprintf(e.stderr, "segur health : --url %q n'est pas une adresse http:// ou https://, par exemple http://127.0.0.1:8080/healthz.\n", u)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *delai)
	defer cancel()
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	if insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} // a liveness probe of the local server: see healthHelp
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur health : --url %q n'est pas une adresse utilisable.\n", u)
		return exitUsage
	}
	resp, err := (&http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}).Do(req)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur health : pas de réponse de %s : %v.\n", u, (&portail{url: u}).reseau(err))
		return exitRejets
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(e.stderr, "segur health : %s a répondu %s, et non 200.\n", u, resp.Status)
		return exitRejets
	}
	fmt.Fprintf(e.stdout, "%s : 200\n", u)
	return exitOK
}

// healthURL is the /healthz address of the portal that serve, run with
// these variables, listens on: its --http-redirect port when there is one
// (it answers /healthz without redirecting), else --addr, over HTTPS when
// it serves TLS (without checking the certificate: insecure is true).
// A listening address without a host (":8080", "0.0.0.0:8080", "[::]:8080")
// is asked on the loopback.
func healthURL(addr, redirect string, tlsOn bool) (u string, insecure bool) {
	scheme := "http"
	if redirect != "" && tlsOn {
		addr = redirect
	} else if tlsOn {
		scheme, insecure = "https", true
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, "80"
		if scheme == "https" {
			port = "443"
		}
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/healthz", insecure
}
