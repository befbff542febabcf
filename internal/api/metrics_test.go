package api

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/proxies"
)

// fauxStore is a MetricsStore with set answers, counting its reads.
type fauxStore struct {
	lectures      int
	err           error
	aAnalyser     int
	ancienAnalyse time.Time
}

func (f *fauxStore) CountStatuts(ctx context.Context, filter segur.DemandeFilter) (map[segur.StatutDemande]int, error) {
	f.lectures++
	return map[segur.StatutDemande]int{segur.DemandeDeposee: 3, segur.DemandeDecidee: 1}, f.err
}

func (f *fauxStore) CountDepotsAAnalyser(ctx context.Context) (int, time.Time, error) {
	return f.aAnalyser, f.ancienAnalyse, f.err
}

func (f *fauxStore) CountCourrielsEnAttente(ctx context.Context) (map[segur.EtatCourriel]int, time.Time, error) {
	return map[segur.EtatCourriel]int{segur.CourrielAEnvoyer: 2, segur.CourrielEnEchec: 1}, midi.Add(-90 * time.Second), nil
}

func (f *fauxStore) Pools() map[string]sql.DBStats {
	return map[string]sql.DBStats{"write": {MaxOpenConnections: 1, OpenConnections: 1, Idle: 1, WaitCount: 4, WaitDuration: 1500 * time.Millisecond},
		"read": {MaxOpenConnections: 8, OpenConnections: 3, InUse: 2, Idle: 1}}
}

var midi = time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC)

// echantillon is a sample line of the text format.
type echantillon struct {
	nom    string
	labels map[string]string
	valeur float64
}

var (
	reNom    = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	reLabel  = regexp.MustCompile(`^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)`)
	reHelp   = regexp.MustCompile(`^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$`)
	reType   = regexp.MustCompile(`^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$`)
	suffixes = []string{"_bucket", "_sum", "_count"}
)

// lireExposition parses the text format line by line, failing t on any
// line out of the grammar, a sample without its family's HELP and TYPE
// before it, a family described twice, or a sample line twice.
func lireExposition(t *testing.T, texte string) (types map[string]string, samples []echantillon) {
	t.Helper()
	types = map[string]string{}
	helps := map[string]bool{}
	vus := map[string]bool{}
	if !strings.HasSuffix(texte, "\n") {
		t.Errorf("exposition does not end with a line feed")
	}
	for i, ligne := range strings.Split(strings.TrimSuffix(texte, "\n"), "\n") {
		n := i + 1
		if m := reHelp.FindStringSubmatch(ligne); m != nil {
			if helps[m[1]] {
				t.Errorf("line %d: HELP of %s twice", n, m[1])
			}
			helps[m[1]] = true
			continue
		}
		if m := reType.FindStringSubmatch(ligne); m != nil {
			if _, ok := types[m[1]]; ok {
				t.Errorf("line %d: TYPE of %s twice", n, m[1])
			}
			if !helps[m[1]] {
				t.Errorf("line %d: TYPE of %s before its HELP", n, m[1])
			}
			types[m[1]] = m[2]
			continue
		}
		if strings.HasPrefix(ligne, "#") || ligne == "" {
			t.Errorf("line %d: got %q, want HELP, TYPE or a sample", n, ligne)
			continue
		}
		if vus[ligne[:strings.LastIndexByte(ligne, ' ')+1]] {
			t.Errorf("line %d: sample %q twice", n, ligne)
		}
		vus[ligne[:strings.LastIndexByte(ligne, ' ')+1]] = true
		s := echantillon{labels: map[string]string{}}
		reste := ligne
		if j := strings.IndexAny(reste, "{ "); j > 0 {
			s.nom, reste = reste[:j], reste[j:]
		}
		if !reNom.MatchString(s.nom) {
			t.Errorf("line %d: bad metric name in %q", n, ligne)
			continue
		}
		if strings.HasPrefix(reste, "{") {
			fin := strings.LastIndex(reste, "} ")
			if fin < 0 {
				t.Errorf("line %d: labels not closed in %q", n, ligne)
				continue
			}
			l := reste[1:fin]
			for l != "" {
				m := reLabel.FindStringSubmatch(l)
				if m == nil {
					t.Errorf("line %d: bad labels %q", n, reste[:fin+1])
					break
				}
				s.labels[m[1]] = strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\n`, "\n").Replace(m[2])
				l = l[len(m[0]):]
			}
			reste = reste[fin+1:]
		}
		v, err := strconv.ParseFloat(strings.TrimPrefix(reste, " "), 64)
		if err != nil || !strings.HasPrefix(reste, " ") || strings.Contains(reste[1:], " ") {
			t.Errorf("line %d: bad value in %q", n, ligne)
			continue
		}
		s.valeur = v
		famille := s.nom
		for _, suf := range suffixes {
			if b, ok := strings.CutSuffix(s.nom, suf); ok && types[b] == "histogram" {
				famille = b
			}
		}
		if types[famille] == "" {
			t.Errorf("line %d: sample of %s without a TYPE before it", n, s.nom)
		}
		if types[famille] == "counter" && !strings.HasSuffix(famille, "_total") {
			t.Errorf("counter %s: want a name ending in _total", famille)
		}
		samples = append(samples, s)
	}
	return types, samples
}

// valeur returns the value of the sample name with labels, failing t
// when there is none.
func valeur(t *testing.T, samples []echantillon, nom string, labels ...string) float64 {
	t.Helper()
	for _, s := range samples {
		if s.nom != nom || len(s.labels) != len(labels)/2 {
			continue
		}
		ok := true
		for i := 0; i < len(labels); i += 2 {
			ok = ok && s.labels[labels[i]] == labels[i+1]
		}
		if ok {
			return s.valeur
		}
	}
	t.Errorf("no sample %s%v", nom, labels)
	return -1
}

// verifierHistogrammes checks every histogram's series: buckets in
// increasing le, cumulative counts, +Inf last and equal to _count, a _sum.
func verifierHistogrammes(t *testing.T, types map[string]string, samples []echantillon) (series int) {
	t.Helper()
	for famille, typ := range types {
		if typ != "histogram" {
			continue
		}
		type serie struct {
			les     []float64
			counts  []float64
			count   float64
			sum     bool
			aCompte bool
		}
		parSerie := map[string]*serie{}
		for _, s := range samples {
			var cle []string
			for k, v := range s.labels {
				if k != "le" {
					cle = append(cle, k+"="+v)
				}
			}
			k := strings.Join(cle, ",")
			if parSerie[k] == nil && strings.HasPrefix(s.nom, famille+"_") {
				parSerie[k] = &serie{}
			}
			switch s.nom {
			case famille + "_bucket":
				le, err := strconv.ParseFloat(s.labels["le"], 64)
				if s.labels["le"] == "+Inf" {
					le, err = math.Inf(1), nil
				}
				if err != nil {
					t.Errorf("%s: bad le %q", famille, s.labels["le"])
				}
				parSerie[k].les = append(parSerie[k].les, le)
				parSerie[k].counts = append(parSerie[k].counts, s.valeur)
			case famille + "_sum":
				parSerie[k].sum = true
			case famille + "_count":
				parSerie[k].count, parSerie[k].aCompte = s.valeur, true
			}
		}
		for k, s := range parSerie {
			series++
			if len(s.les) < 2 || !s.sum || !s.aCompte {
				t.Errorf("%s{%s}: got %d buckets, sum %v, count %v; want buckets, a sum and a count", famille, k, len(s.les), s.sum, s.aCompte)
				continue
			}
			for i := 1; i < len(s.les); i++ {
				if s.les[i] <= s.les[i-1] {
					t.Errorf("%s{%s}: le %v after %v, want increasing bounds", famille, k, s.les[i], s.les[i-1])
				}
				if s.counts[i] < s.counts[i-1] {
					t.Errorf("%s{%s}: bucket le=%v holds %v, less than le=%v's %v: want cumulative counts", famille, k, s.les[i], s.counts[i], s.les[i-1], s.counts[i-1])
				}
			}
			if last := len(s.les) - 1; !math.IsInf(s.les[last], 1) || s.counts[last] != s.count {
				t.Errorf("%s{%s}: last bucket le=%v holds %v; want +Inf holding the count %v", famille, k, s.les[last], s.counts[last], s.count)
			}
		}
	}
	return series
}

// routes serves like segur serve: an outer mux for the API and a nested
// one for the pages (under "/", behind a middleware), and /metrics.
func routes(m *Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/depots", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux.HandleFunc("GET /api/v1/depots/{id}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, r.PathValue("id")) })
	pages := http.NewServeMux()
	pages.HandleFunc("GET /depots/{id}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "page") })
	pages.HandleFunc("POST /connexion", func(w http.ResponseWriter, r *http.Request) {
		m.ConnexionEchouee()
		w.WriteHeader(http.StatusUnprocessableEntity)
	})
	pages.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		pages.ServeHTTP(w, r)
	}))
	mux.Handle("GET /metrics", m)
	return m.Middleware(mux)
}

func TestMetricsExposition(t *testing.T) {
	store := &fauxStore{aAnalyser: 4, ancienAnalyse: midi.Add(-2 * time.Minute)}
	m := &Metrics{Store: store, Dossier: t.TempDir(), Now: func() time.Time { return midi }, Antivirus: true}
	h := routes(m)
	for _, req := range []struct {
		method, path string
		want         int
	}{
		{"POST", "/api/v1/depots", 201},
		{"GET", "/api/v1/depots/42", 200},
		{"GET", "/api/v1/depots/43", 200},
		{"GET", "/depots/7", 200},
		{"GET", "/depots/8", 200},
		{"POST", "/connexion", 422},
		{"GET", "/nulle/part", 404},
		{"DELETE", "/api/v1/depots/42", 404}, // the pages' "/" answers
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(req.method, req.path, nil))
		if w.Code != req.want {
			t.Errorf("%s %s: got %d, want %d", req.method, req.path, w.Code, req.want)
		}
	}
	// A request no mux matched.
	w := httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "illisible", 400) })).ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	m.depot(&segur.Depot{Statut: segur.DepotTraite, Lignes: []segur.LigneDepot{{NumeroASP: "RI-1"}, {}}})
	m.ConnexionFreinee(false)
	m.ConnexionFreinee(false)
	m.ConnexionFreinee(true)

	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: got %d %q, want 200 in the text format", w.Code, w.Header().Get("Content-Type"))
	}
	types, samples := lireExposition(t, w.Body.String())
	if t.Failed() {
		t.Logf("exposition:\n%s", w.Body.String())
	}
	for _, tt := range []struct {
		nom    string
		labels []string
		want   float64
	}{
		{"segur_http_requests_total", []string{"route", "POST /api/v1/depots", "code", "201"}, 1},
		{"segur_http_requests_total", []string{"route", "GET /api/v1/depots/{id}", "code", "200"}, 2},
		{"segur_http_requests_total", []string{"route", "GET /depots/{id}", "code", "200"}, 2},
		{"segur_http_requests_total", []string{"route", "POST /connexion", "code", "422"}, 1},
		{"segur_http_requests_total", []string{"route", "/", "code", "404"}, 2},
		{"segur_http_requests_total", []string{"route", sansRoute, "code", "400"}, 1},
		{"segur_http_request_duration_seconds_count", []string{"route", "GET /depots/{id}"}, 2},
		{"segur_http_request_duration_seconds_bucket", []string{"route", "GET /depots/{id}", "le", "+Inf"}, 2},
		{"segur_http_requests_in_flight", nil, 1}, // this scrape
		{"segur_depots_total", []string{"statut", "traite"}, 1},
		{"segur_demandes_total", []string{"resultat", "acceptee"}, 1},
		{"segur_demandes_total", []string{"resultat", "rejetee"}, 1},
		{"segur_login_failures_total", nil, 1},
		{"segur_login_throttled_total", []string{"raison", "essais"}, 2},
		{"segur_login_throttled_total", []string{"raison", "occupe"}, 1},
		{"segur_store_up", nil, 1},
		{"segur_demandes", []string{"statut", "deposee"}, 3},
		{"segur_demandes", []string{"statut", "decidee"}, 1},
		{"segur_demandes", []string{"statut", "soldee"}, 0},
		{"segur_courriels_en_attente", []string{"etat", "a_envoyer"}, 2},
		{"segur_courriels_en_attente", []string{"etat", "en_echec"}, 1},
		{"segur_courriels_plus_ancien_age_seconds", nil, 90},
		{"segur_antivirus_depots_en_attente", nil, 4},
		{"segur_antivirus_plus_ancien_age_seconds", nil, 120},
		{"segur_db_connections_max", []string{"pool", "write"}, 1},
		{"segur_db_connections_in_use", []string{"pool", "read"}, 2},
		{"segur_db_connections_open", []string{"pool", "read"}, 3},
		{"segur_db_connections_idle", []string{"pool", "write"}, 1},
		{"segur_db_wait_total", []string{"pool", "write"}, 4},
		{"segur_db_wait_seconds_total", []string{"pool", "write"}, 1.5},
	} {
		if got := valeur(t, samples, tt.nom, tt.labels...); got != tt.want {
			t.Errorf("%s%v: got %v, want %v", tt.nom, tt.labels, got, tt.want)
		}
	}
	for _, nom := range []string{"segur_data_free_bytes", "segur_data_size_bytes", "segur_goroutines", "segur_go_memory_bytes"} {
		if got := valeur(t, samples, nom); got <= 0 {
			t.Errorf("%s: got %v, want more than 0", nom, got)
		}
	}
	// Bounded cardinality: route labels are the patterns, never a path.
	for _, s := range samples {
		if r, ok := s.labels["route"]; ok && regexp.MustCompile(`/[0-9]+$|/nulle`).MatchString(r) {
			t.Errorf("%s: route label %q is a raw path, want a pattern", s.nom, r)
		}
	}
	if n := verifierHistogrammes(t, types, samples); n != 6 {
		t.Errorf("got %d histogram series, want one per route (6)", n)
	}
	if types["segur_http_request_duration_seconds"] != "histogram" || types["segur_demandes"] != "gauge" || types["segur_http_requests_total"] != "counter" {
		t.Errorf("types: got %v", types)
	}
}

func TestMetricsHistogramme(t *testing.T) {
	m := &Metrics{}
	for _, d := range []time.Duration{time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond, 2 * time.Second, time.Minute} {
		m.http.compter("GET /x", 200, d)
	}
	var b strings.Builder
	m.WriteTo(&b)
	types, samples := lireExposition(t, b.String())
	verifierHistogrammes(t, types, samples)
	for _, tt := range []struct {
		le   string
		want float64
	}{{"0.005", 1}, {"0.025", 3}, {"0.1", 3}, {"2.5", 4}, {"30", 4}, {"+Inf", 5}} {
		if got := valeur(t, samples, "segur_http_request_duration_seconds_bucket", "route", "GET /x", "le", tt.le); got != tt.want {
			t.Errorf("bucket le=%s: got %v, want %v", tt.le, got, tt.want)
		}
	}
	if got := valeur(t, samples, "segur_http_request_duration_seconds_sum", "route", "GET /x"); got < 62.04 || got > 62.05 {
		t.Errorf("sum: got %v, want 62.041", got)
	}
}

func TestMetricsStoreCache(t *testing.T) {
	now := midi
	store := &fauxStore{}
	m := &Metrics{Store: store, Now: func() time.Time { return now }}
	scrape := func() string {
		var b strings.Builder
		if _, err := m.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	scrape()
	now = now.Add(cacheStore - time.Second)
	scrape()
	if store.lectures != 1 {
		t.Errorf("two scrapes within %v: got %d reads, want 1", cacheStore, store.lectures)
	}
	now = now.Add(2 * time.Second)
	scrape()
	if store.lectures != 2 {
		t.Errorf("a scrape past %v: got %d reads, want 2", cacheStore, store.lectures)
	}
	// A database away: said, and its gauges left out, the rest written.
	store.err = errors.New("connection refused")
	now = now.Add(cacheStore)
	_, samples := lireExposition(t, scrape())
	if got := valeur(t, samples, "segur_store_up"); got != 0 {
		t.Errorf("segur_store_up: got %v, want 0", got)
	}
	for _, s := range samples {
		if s.nom == "segur_demandes" || s.nom == "segur_courriels_en_attente" {
			t.Errorf("database away: got %s%v, want no gauge of the database", s.nom, s.labels)
		}
	}
	valeur(t, samples, "segur_db_connections_open", "pool", "read")
}

func TestMetricsLocal(t *testing.T) {
	confiance, err := proxies.Parse("127.0.0.1,10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		remote  string
		proxies proxies.Liste
		en_tete map[string]string
		want    int
	}{
		{"loopback", "127.0.0.1:5000", nil, nil, 200},
		{"loopback IPv6", "[::1]:5000", nil, nil, 200},
		{"other address", "203.0.113.5:5000", nil, nil, 403},
		{"proxy not declared, on this machine", "127.0.0.1:5000", nil, map[string]string{"X-Forwarded-For": "203.0.113.5"}, 403},
		{"proxy not declared, Forwarded", "127.0.0.1:5000", nil, map[string]string{"Forwarded": "for=203.0.113.5"}, 403},
		{"proxy not declared, X-Real-IP", "[::1]:5000", nil, map[string]string{"X-Real-IP": "203.0.113.5"}, 403},
		{"trusted proxy, public client", "127.0.0.1:5000", confiance, map[string]string{"X-Forwarded-For": "203.0.113.5"}, 403},
		{"trusted proxy, client forging loopback", "10.0.0.2:5000", confiance, map[string]string{"X-Forwarded-For": "127.0.0.1, 203.0.113.5"}, 403},
		{"trusted proxy, no header", "10.0.0.2:5000", confiance, nil, 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := &Metrics{Local: true, Proxies: tt.proxies}
			r := httptest.NewRequest("GET", "/metrics", nil)
			r.RemoteAddr = tt.remote
			for k, v := range tt.en_tete {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			m.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Errorf("got %d, want %d", w.Code, tt.want)
			}
			if tt.want == 403 && (!strings.Contains(w.Body.String(), "--metrics-addr") || strings.Contains(w.Body.String(), "segur_")) {
				t.Errorf("refusal: got %q, want a French message naming --metrics-addr and no metric", w.Body.String())
			}
		})
	}
}

func TestEtiquette(t *testing.T) {
	for in, want := range map[string]string{`GET /x`: `"GET /x"`, `a"b`: `"a\"b"`, `a\b`: `"a\\b"`, "a\nb": `"a\nb"`} {
		if got := etiquette(in); got != want {
			t.Errorf("etiquette(%q): got %s, want %s", in, got, want)
		}
	}
}

var _ io.WriterTo = (*Metrics)(nil)
