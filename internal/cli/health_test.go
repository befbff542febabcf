package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthURL(t *testing.T) {
	cases := []struct {
		addr, redirect string
		tls            bool
		want           string
		insecure       bool
	}{
		{"127.0.0.1:8080", "", false, "http://127.0.0.1:8080/healthz", false},
		{":8080", "", false, "http://127.0.0.1:8080/healthz", false},
		{"0.0.0.0:8080", "", false, "http://127.0.0.1:8080/healthz", false},
		{"[::]:8080", "", false, "http://[::1]:8080/healthz", false},
		{"10.0.0.5:80", "", false, "http://10.0.0.5:80/healthz", false},
		{":8443", ":8080", true, "http://127.0.0.1:8080/healthz", false},
		{":8443", "", true, "https://127.0.0.1:8443/healthz", true},
		{":8443", ":8080", false, "http://127.0.0.1:8443/healthz", false}, // no TLS: no redirect port either
	}
	for _, c := range cases {
		got, insecure := healthURL(c.addr, c.redirect, c.tls)
		if got != c.want || insecure != c.insecure {
			t.Errorf("healthURL(%q, %q, %v) = %q, %v; want %q, %v", c.addr, c.redirect, c.tls, got, insecure, c.want, c.insecure)
		}
	}
}

func TestHealth(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()

	code, out, errs := runIn(t, "", "health", "--url", srv.URL+"/healthz")
	if code != 0 || out != srv.URL+"/healthz : 200\n" || errs != "" {
		t.Errorf("healthy: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// The default address is serve's, from the same variables.
	t.Setenv("SEGUR_ADDR", strings.TrimPrefix(srv.URL, "http://"))
	if code, _, errs := runIn(t, "", "health"); code != 0 {
		t.Errorf("SEGUR_ADDR: exit %d, stderr %q", code, errs)
	}

	status = http.StatusServiceUnavailable
	code, _, errs = runIn(t, "", "health", "--url", srv.URL+"/healthz")
	if code != exitRejets || !strings.Contains(errs, "a répondu 503 Service Unavailable, et non 200") {
		t.Errorf("503: exit %d, stderr %q", code, errs)
	}
	// A redirect is not health: the probe must reach the portal itself.
	code, _, errs = runIn(t, "", "health", "--url", srv.URL+"/ailleurs")
	if code != exitRejets || !strings.Contains(errs, "404") {
		t.Errorf("404: exit %d, stderr %q", code, errs)
	}

	closed := fmt.Sprintf("http://127.0.0.1:%d/healthz", portLibre(t))
	code, _, errs = runIn(t, "", "health", "--url", closed)
	if code != exitRejets || !strings.Contains(errs, "pas de réponse de "+closed) || !strings.Contains(errs, "est-il lancé") {
		t.Errorf("nothing listening: exit %d, stderr %q", code, errs)
	}
	sansAnglais(t, errs)

	for _, args := range [][]string{{"health", "--url", "ftp://x/"}, {"health", "x"}, {"health", "--delai", "0s"}} {
		code, _, errs := runIn(t, "", args...)
		if code != exitUsage || !strings.HasPrefix(errs, "segur health : ") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
		sansAnglais(t, errs)
	}
}
