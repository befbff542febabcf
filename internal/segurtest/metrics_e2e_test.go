package segurtest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serveMetriques starts segur serve on data with --metrics-addr, and
// returns the portal's URL and that of its /metrics; the process is killed
// at the end of the test.
func serveMetriques(t *testing.T, bin, data string) (base, metriques string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", data, "--metrics-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	fin := make(chan struct{})
	var sortie lockedBuffer
	urls := make(chan [2]string, 1)
	go func() {
		defer close(fin)
		reM := regexp.MustCompile(`^Métriques sur (http://\S+/metrics)$`)
		reP := regexp.MustCompile(`Portail segur sur (http://\S+)/`)
		var u [2]string
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			fmt.Fprintln(&sortie, sc.Text())
			if m := reM.FindStringSubmatch(sc.Text()); m != nil {
				u[1] = m[1]
			}
			if m := reP.FindStringSubmatch(sc.Text()); m != nil {
				u[0] = m[1]
				urls <- u
			}
		}
		cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-fin
	})
	select {
	case u := <-urls:
		if u[1] == "" {
			t.Fatalf("segur serve --metrics-addr: no line « Métriques sur … » before the portal's\n%s", sortie.String())
		}
		return u[0], u[1]
	case <-fin:
		t.Fatalf("segur serve exited at its start\n%s", sortie.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("segur serve did not start within 30 s\n%s", sortie.String())
	}
	return "", ""
}

// gratter scrapes url and returns its samples by their line's name and
// labels as written ("name{a=\"b\"}").
func gratter(t *testing.T, url string, entetes ...string) (int, map[string]float64, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(delai(t), "GET", url, nil)
	for i := 0; i+1 < len(entetes); i += 2 {
		req.Header.Set(entetes[i], entetes[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for _, l := range strings.Split(string(b), "\n") {
		i := strings.LastIndexByte(l, ' ')
		if l == "" || strings.HasPrefix(l, "#") || i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(l[i+1:], 64); err == nil {
			out[l[:i]] = v
		}
	}
	return resp.StatusCode, out, string(b)
}

// TestMetriques drives a real segur serve: after a deposit, a few pages and
// API reads and failed logins, /metrics (on its own listener) has counted
// them, by route pattern, never by raw path; the portal's listener does
// not serve it. Without --metrics-addr, the portal serves it to local
// requests only.
func TestMetriques(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	token := enroler(t, bin, "--data", data)
	now := time.Now().In(Paris())
	run(t, bin, "admin", "window", "add", "--data", data, "--logiciel", "RI", "--from", now.Add(-time.Hour).Format("2006-01-02 15:04"),
		"--to", now.Add(time.Hour).Format("2006-01-02 15:04"))
	base, metriques := serveMetriques(t, bin, data)
	if code, _, _ := gratter(t, base+"/metrics"); code != http.StatusNotFound {
		t.Errorf("GET /metrics on the portal's listener with --metrics-addr: got %d, want 404", code)
	}

	ex, zip := fichierNumero(t, "00001", 1)
	code, body := deposer(t, base, token, nomDuJour(1), ex, zip)
	var d struct {
		ID     int64  `json:"id"`
		Statut string `json:"statut"`
	}
	json.Unmarshal(body, &d)
	if code != 201 || d.Statut != "traite" {
		t.Fatalf("deposit: got %d %s, want 201 traite", code, body)
	}
	for range 2 {
		if code := getJSON(t, base, token, fmt.Sprintf("/api/v1/depots/%d", d.ID), nil); code != 200 {
			t.Errorf("GET /api/v1/depots/%d: got %d, want 200", d.ID, code)
		}
	}
	if code := getJSON(t, base, token, "/api/v1/depots/999999", nil); code != 404 {
		t.Errorf("GET /api/v1/depots/999999: got %d, want 404", code)
	}
	v := nouveauVisiteur(base, "127.0.0.1")
	const essais = 12
	for range essais {
		v.doit(t, "personne@editeur.example", "pas le bon mot de passe", "")
	}
	if code := getJSON(t, base, "", "/depots/424242", nil); code != 200 && code != 303 && code != 401 {
		t.Logf("GET /depots/424242 without a session: %d", code)
	}

	code, m, texte := gratter(t, metriques)
	if code != 200 {
		t.Fatalf("GET %s: got %d, want 200", metriques, code)
	}
	for _, tt := range []struct {
		serie string
		want  float64
	}{
		{`segur_depots_total{statut="traite"}`, 1},
		{`segur_demandes_total{resultat="acceptee"}`, 1},
		{`segur_http_requests_total{route="POST /api/v1/depots",code="201"}`, 1},
		{`segur_http_requests_total{route="GET /api/v1/depots/{id}",code="200"}`, 2},
		{`segur_http_requests_total{route="GET /api/v1/depots/{id}",code="404"}`, 1},
		{`segur_http_request_duration_seconds_count{route="POST /api/v1/depots"}`, 1},
		{`segur_http_request_duration_seconds_bucket{route="POST /api/v1/depots",le="+Inf"}`, 1},
		{`segur_demandes{statut="deposee"}`, 1},
		{`segur_courriels_en_attente{etat="a_envoyer"}`, 0},
		{`segur_store_up`, 1},
	} {
		if got, ok := m[tt.serie]; !ok || got != tt.want {
			t.Errorf("%s: got %v (present: %v), want %v", tt.serie, got, ok, tt.want)
		}
	}
	echecs, freins := m[`segur_login_failures_total`], m[`segur_login_throttled_total{raison="essais"}`]
	if echecs < 1 || freins < 1 || echecs+freins+m[`segur_login_throttled_total{raison="occupe"}`] != essais {
		t.Errorf("logins: got %v failed, %v throttled; want both counted, %d in all", echecs, freins, essais)
	}
	if m[`segur_http_requests_total{route="POST /connexion",code="422"}`] != echecs {
		t.Errorf("POST /connexion 422: got %v, want the failures (%v)", m[`segur_http_requests_total{route="POST /connexion",code="422"}`], echecs)
	}
	for _, serie := range []string{`segur_db_connections_open{pool="read"}`, `segur_db_connections_max{pool="write"}`, `segur_data_free_bytes`, `segur_goroutines`, `segur_go_memory_bytes`} {
		if m[serie] <= 0 {
			t.Errorf("%s: got %v, want more than 0", serie, m[serie])
		}
	}
	// The route labels are patterns: no deposit's id, no unknown path.
	for serie := range m {
		if strings.Contains(serie, fmt.Sprintf("/%d", d.ID)) || strings.Contains(serie, "999999") || strings.Contains(serie, "424242") {
			t.Errorf("%s: want route patterns, not raw paths", serie)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("/metrics:\n%s", texte)
	}

	// Without --metrics-addr: on the portal's listener, local requests only.
	base = serve(t, bin, t.TempDir()).base
	if code, m, _ := gratter(t, base+"/metrics"); code != 200 || m[`segur_store_up`] != 1 {
		t.Errorf("GET /metrics from 127.0.0.1: got %d, want 200 with the metrics", code)
	}
	if code, _, texte := gratter(t, base+"/metrics", "X-Forwarded-For", "203.0.113.5"); code != http.StatusForbidden || strings.Contains(texte, "segur_") {
		t.Errorf("GET /metrics through a proxy not declared: got %d %q, want 403 without metrics", code, texte)
	}
}
