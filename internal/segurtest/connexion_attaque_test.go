package segurtest

import (
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Logins under hostile load (issue 14): a real segur serve --demo, its
// login form attacked over loopback, from 127.0.0.1 and 127.0.0.2.

// The demo's administrator (segur serve --demo) and its password.
const (
	adminDemo      = "admin@asp.demo"
	motDePasseDemo = "demo-segur-2026"
)

// Limits these tests rely on: segur.MaxEchecsPaire, and the memory a
// login flood may take (64 MiB per argon2id check, bounded in number).
const (
	maxEchecsPaire = 5
	maxMemoire     = 400 << 20
)

// visiteur is a client of the login form from a loopback address, that
// follows no redirect (a successful login answers 303).
type visiteur struct {
	c    *http.Client
	base string
}

func nouveauVisiteur(base, local string) visiteur {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	return visiteur{base: base, c: &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 64},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       attenteMax,
	}}
}

// reponse is an answer of the login form.
type reponse struct {
	status     int
	corps      string
	retryAfter string
}

// Kinds of answers, from their status and message.
func (r reponse) incorrect() bool {
	return r.status == http.StatusUnprocessableEntity && strings.Contains(r.corps, "Adresse électronique ou mot de passe incorrect.")
}
func (r reponse) connecte() bool { return r.status == http.StatusSeeOther }
func (r reponse) freine() bool {
	return r.status == http.StatusTooManyRequests && strings.Contains(r.corps, "Trop d'essais de connexion : réessayez dans")
}
func (r reponse) occupe() bool {
	return r.status == http.StatusTooManyRequests && strings.Contains(r.corps, "Trop de connexions en cours : réessayez dans quelques secondes.")
}

func (r reponse) String() string {
	switch {
	case r.incorrect():
		return "incorrect"
	case r.connecte():
		return "connecté"
	case r.freine():
		return "freiné"
	case r.occupe():
		return "occupé"
	}
	return fmt.Sprintf("statut %d", r.status)
}

// connecter posts the login form; xff, if not empty, is sent as
// X-Forwarded-For.
func (v visiteur) connecter(ctx context.Context, login, motDePasse, xff string) (reponse, error) {
	form := url.Values{"login": {login}, "motdepasse": {motDePasse}}
	req, err := http.NewRequestWithContext(ctx, "POST", v.base+"/connexion", strings.NewReader(form.Encode()))
	if err != nil {
		return reponse{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := v.c.Do(req)
	if err != nil {
		return reponse{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reponse{}, err
	}
	return reponse{status: resp.StatusCode, corps: html.UnescapeString(string(b)), retryAfter: resp.Header.Get("Retry-After")}, nil
}

// doit is connecter for the test goroutine: it fails t on a network error.
func (v visiteur) doit(t *testing.T, login, motDePasse, xff string) reponse {
	t.Helper()
	r, err := v.connecter(delai(t), login, motDePasse, xff)
	if err != nil {
		t.Fatalf("POST /connexion %s: %v", login, err)
	}
	return r
}

// enMeme sends n logins at once (essai(i) gives the login and password of
// the i-th) and returns the answers, in order, or the first network error.
func (v visiteur) enMeme(ctx context.Context, n int, essai func(i int) (string, string)) ([]reponse, error) {
	reps, errs := make([]reponse, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			login, mdp := essai(i)
			reps[i], errs[i] = v.connecter(ctx, login, mdp, "")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("attempt %d: %w", i, err)
		}
	}
	return reps, nil
}

// compter counts the answers by kind.
func compter(reps []reponse) map[string]int {
	m := map[string]int{}
	for _, r := range reps {
		m[r.String()]++
	}
	return m
}

// memoireMax is the peak resident memory of process pid (VmHWM), in bytes.
func memoireMax(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// TestConnexionsEnMasse: 64 logins at once for unknown accounts keep the
// server's memory bounded (each argon2id check holds 64 MiB, a few at a
// time) and /healthz answering; those not checked are told to retry
// (429, Retry-After).
func TestConnexionsEnMasse(t *testing.T) {
	bin := binary(t)
	s := serve(t, bin, t.TempDir(), "--demo")
	v := nouveauVisiteur(s.base, "127.0.0.1")
	const n = 64
	var reps []reponse
	var err error
	ctx := delai(t)
	fini := make(chan struct{})
	go func() {
		defer close(fini)
		reps, err = v.enMeme(ctx, n, func(i int) (string, string) {
			return fmt.Sprintf("inconnu-%d@attaque.example", i), "mot de passe au hasard"
		})
	}()
	// /healthz answers during the flood.
	sante, lente := 0, time.Duration(0)
	for range 5 {
		debut := time.Now()
		resp, err := v.c.Get(s.base + "/healthz")
		lente = max(lente, time.Since(debut)) // a figure for the log, not asserted
		if err != nil {
			t.Fatalf("GET /healthz during the flood: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			sante++
		}
	}
	<-fini
	if err != nil {
		t.Fatal(err)
	}
	if sante != 5 {
		t.Errorf("/healthz during the flood: got %d answers 200 of 5", sante)
	}
	kinds := compter(reps)
	if kinds["incorrect"] == 0 || kinds["incorrect"]+kinds["occupé"]+kinds["freiné"] != n {
		t.Errorf("got answers %v, want only incorrect, occupé or freiné, some incorrect", kinds)
	}
	for _, r := range reps {
		if r.status == http.StatusTooManyRequests {
			if sec, err := strconv.Atoi(r.retryAfter); err != nil || sec < 1 {
				t.Errorf("429 with Retry-After %q, want a number of seconds", r.retryAfter)
				break
			}
		}
	}
	hwm := memoireMax(t, s.cmd.Process.Pid)
	t.Logf("64 logins at once: %v; peak resident memory (VmHWM) %d MiB; slowest /healthz meanwhile %v", kinds, hwm>>20, lente)
	if hwm >= maxMemoire {
		t.Errorf("peak resident memory: got %d MiB, want under %d MiB", hwm>>20, maxMemoire>>20)
	}
	resp, err := v.c.Get(s.base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz after the flood: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestConnexionsRivales: 30 attempts at once on one login, 29 wrong
// passwords and the right one: at most segur.MaxEchecsPaire are checked,
// the others are slowed down; the administrator unlocks the login
// (segur admin user unlock), and its owner logs in. On SQLite and on
// PostgreSQL, whose transactions count the attempts differently.
func TestConnexionsRivales(t *testing.T) {
	bin := binary(t)
	t.Run("SQLite", func(t *testing.T) {
		data := t.TempDir()
		rivales(t, bin, data, []string{"--data", data})
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		dsn := FreshSchema(t, PostgresDSN(t))
		run(t, bin, "migrate", "--db", dsn)
		rivales(t, bin, t.TempDir(), []string{"--db", dsn})
	})
}

// rivales is TestConnexionsRivales on the database db names (--data DIR
// or --db URL).
func rivales(t *testing.T, bin, data string, db []string) {
	args := []string{"--demo"}
	if db[0] == "--db" {
		args = append(args, db...)
	}
	s := serve(t, bin, data, args...)
	v := nouveauVisiteur(s.base, "127.0.0.1")
	const n = 30
	reps, err := v.enMeme(delai(t), n, func(i int) (string, string) {
		if i == n/2 {
			return adminDemo, motDePasseDemo
		}
		return adminDemo, fmt.Sprintf("mauvais mot de passe %d", i)
	})
	if err != nil {
		t.Fatal(err)
	}
	kinds := compter(reps)
	t.Logf("30 attempts at once on one login: %v", kinds)
	if verifies := kinds["incorrect"] + kinds["connecté"]; verifies == 0 || verifies > maxEchecsPaire {
		t.Errorf("got %d passwords checked (%v), want 1 to %d", verifies, kinds, maxEchecsPaire)
	}
	if kinds["freiné"] == 0 || kinds["incorrect"]+kinds["connecté"]+kinds["freiné"]+kinds["occupé"] != n {
		t.Errorf("got answers %v, want the others slowed down", kinds)
	}
	// Five failures more, whatever the attack left, slow down the pair;
	// segur admin user unlock lifts it.
	for i := range maxEchecsPaire {
		v.doit(t, adminDemo, fmt.Sprintf("encore faux %d", i), "")
	}
	if r := v.doit(t, adminDemo, motDePasseDemo, ""); !r.freine() {
		t.Fatalf("right password after %d failures: got %v, want freiné", maxEchecsPaire, r)
	}
	code, _, errs := runCode(t, bin, "admin", "user", "unlock", db[0], db[1], "--login", strings.ToUpper(adminDemo))
	if code != 0 || !strings.Contains(errs, "débloquées") {
		t.Fatalf("segur admin user unlock: exit %d\n%s", code, errs)
	}
	if r := v.doit(t, adminDemo, motDePasseDemo, ""); !r.connecte() {
		t.Errorf("right password after segur admin user unlock: got %v, want connecté", r)
	}
}

// TestConnexionsAutreAdresse: a flood of failures from 127.0.0.1, on
// unknown logins and on the administrator's, slows down 127.0.0.1 only:
// the administrator logs in from 127.0.0.2.
func TestConnexionsAutreAdresse(t *testing.T) {
	bin := binary(t)
	s := serve(t, bin, t.TempDir(), "--demo")
	attaquant, admin := nouveauVisiteur(s.base, "127.0.0.1"), nouveauVisiteur(s.base, "127.0.0.2")
	for i := range maxEchecsPaire {
		if r := attaquant.doit(t, adminDemo, fmt.Sprintf("faux %d", i), ""); !r.incorrect() {
			t.Fatalf("wrong password %d: got %v, want incorrect", i+1, r)
		}
	}
	// Unknown logins, 4 at a time, until the address is slowed down.
	freine, essais := false, maxEchecsPaire
	for !freine && essais < 200 {
		reps, err := attaquant.enMeme(delai(t), 4, func(i int) (string, string) {
			return fmt.Sprintf("inconnu-%d@attaque.example", essais+i), "mot de passe au hasard"
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reps {
			freine = freine || r.freine()
		}
		essais += len(reps)
	}
	if !freine {
		t.Fatalf("after %d failures from 127.0.0.1: got the address never slowed down", essais)
	}
	t.Logf("127.0.0.1 slowed down after %d attempts", essais)
	if r := attaquant.doit(t, "autre@attaque.example", "mot de passe au hasard", ""); !r.freine() {
		t.Errorf("another login from 127.0.0.1: got %v, want freiné", r)
	}
	if r := attaquant.doit(t, adminDemo, motDePasseDemo, ""); !r.freine() {
		t.Errorf("the administrator from 127.0.0.1: got %v, want freiné", r)
	}
	if r := admin.doit(t, adminDemo, motDePasseDemo, ""); !r.connecte() {
		t.Errorf("the administrator from 127.0.0.2: got %v, want connecté", r)
	}
	if r := admin.doit(t, "instructeur@asp.demo", motDePasseDemo, ""); !r.connecte() {
		t.Errorf("another user from 127.0.0.2: got %v, want connecté", r)
	}
}

// TestConnexionsProxies: behind a trusted proxy (--proxies 127.0.0.1/32),
// the client is the one X-Forwarded-For names: an attacker's failures do
// not slow down another client of the same proxy. From a peer that is not
// a trusted proxy, X-Forwarded-For is ignored: changing it does not escape
// the throttling.
func TestConnexionsProxies(t *testing.T) {
	bin := binary(t)
	s := serve(t, bin, t.TempDir(), "--demo", "--proxies", "127.0.0.1/32")
	proxy, direct := nouveauVisiteur(s.base, "127.0.0.1"), nouveauVisiteur(s.base, "127.0.0.2")
	const attaquant, client = "198.51.100.7", "203.0.113.5"
	for i := range maxEchecsPaire {
		if r := proxy.doit(t, adminDemo, fmt.Sprintf("faux %d", i), "10.1.1.1, "+attaquant); !r.incorrect() {
			t.Fatalf("wrong password %d through the proxy: got %v, want incorrect", i+1, r)
		}
	}
	if r := proxy.doit(t, adminDemo, motDePasseDemo, "10.2.2.2, "+attaquant); !r.freine() {
		t.Errorf("the attacker through the proxy, any left part: got %v, want freiné", r)
	}
	if r := proxy.doit(t, adminDemo, motDePasseDemo, client); !r.connecte() {
		t.Errorf("another client through the proxy: got %v, want connecté", r)
	}
	// 127.0.0.2 is no trusted proxy: its X-Forwarded-For changes nothing.
	for i := range maxEchecsPaire {
		if r := direct.doit(t, adminDemo, fmt.Sprintf("faux %d", i), fmt.Sprintf("192.0.2.%d", i+1)); !r.incorrect() {
			t.Fatalf("wrong password %d from 127.0.0.2: got %v, want incorrect", i+1, r)
		}
	}
	if r := direct.doit(t, adminDemo, motDePasseDemo, "192.0.2.99"); !r.freine() {
		t.Errorf("127.0.0.2 with yet another X-Forwarded-For: got %v, want freiné", r)
	}
}
