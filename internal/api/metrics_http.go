package api

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// bornesLatence are the upper bounds, in seconds, of the latency
// histogram's buckets: pages and API reads within the first ones,
// deposits (a zip checked and stored) within the last ones.
var bornesLatence = [...]float64{0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// sansRoute is the route label of a request no pattern matched (a 404 or
// 405 of the mux, a malformed request).
const sansRoute = "aucune"

// httpStats counts the requests by route pattern and status code, and
// their latency by route.
type httpStats struct {
	mu      sync.Mutex
	routes  map[string]*statsRoute
	actives int64
}

type statsRoute struct {
	codes    map[int]int64
	buckets  [len(bornesLatence)]int64 // not cumulative: counted in the first bucket that holds
	count    int64
	secondes float64
}

func (h *httpStats) compter(route string, code int, d time.Duration) {
	s := d.Seconds()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.routes == nil {
		h.routes = map[string]*statsRoute{}
	}
	r := h.routes[route]
	if r == nil {
		r = &statsRoute{codes: map[int]int64{}}
		h.routes[route] = r
	}
	r.codes[code]++
	r.count++
	r.secondes += s
	for i, b := range bornesLatence {
		if s <= b {
			r.buckets[i]++
			break
		}
	}
}

func (h *httpStats) ecrire(p func(string, ...any), entete func(nom, typ, aide string)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	routes := make([]string, 0, len(h.routes))
	for r := range h.routes {
		routes = append(routes, r)
	}
	slices.Sort(routes)
	entete("segur_http_requests_in_flight", "gauge", "HTTP requests being served.")
	p("segur_http_requests_in_flight %d\n", h.actives)
	entete("segur_http_requests_total", "counter", "HTTP requests answered since start, by route pattern (never the raw path) and status code.")
	for _, rt := range routes {
		r := h.routes[rt]
		codes := make([]int, 0, len(r.codes))
		for c := range r.codes {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		for _, c := range codes {
			p("segur_http_requests_total{route=%s,code=\"%d\"} %d\n", etiquette(rt), c, r.codes[c])
		}
	}
	entete("segur_http_request_duration_seconds", "histogram", "Time to answer HTTP requests since start, by route pattern.")
	for _, rt := range routes {
		r := h.routes[rt]
		cumul := int64(0)
		for i, b := range bornesLatence {
			cumul += r.buckets[i]
			p("segur_http_request_duration_seconds_bucket{route=%s,le=\"%s\"} %d\n", etiquette(rt), strconv.FormatFloat(b, 'g', -1, 64), cumul)
		}
		p("segur_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", etiquette(rt), r.count)
		p("segur_http_request_duration_seconds_sum{route=%s} %g\n", etiquette(rt), r.secondes)
		p("segur_http_request_duration_seconds_count{route=%s} %d\n", etiquette(rt), r.count)
	}
}

// etiquette quotes a label's value as the text format wants: backslash,
// double quote and line feed escaped.
func etiquette(v string) string {
	b := make([]byte, 0, len(v)+2)
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}

// Middleware counts the requests h answers, by the pattern of the
// ServeMux route that served them (http.Request.Pattern, set on the
// request by the mux, the innermost one when muxes nest), never the raw
// path: the number of series stays that of the routes.
func (m *Metrics) Middleware(h http.Handler) http.Handler {
	if m == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		debut := time.Now()
		m.http.mu.Lock()
		m.http.actives++
		m.http.mu.Unlock()
		rw := &statut{ResponseWriter: w}
		defer func() {
			route := r.Pattern
			if route == "" {
				route = sansRoute
			}
			code := rw.code
			if code == 0 {
				// Nothing written: net/http answers 200, or the handler
				// panicked and the connection is cut.
				code = http.StatusOK
				if v := recover(); v != nil {
					code = http.StatusInternalServerError
					defer panic(v)
				}
			}
			m.http.mu.Lock()
			m.http.actives--
			m.http.mu.Unlock()
			m.http.compter(route, code, time.Since(debut))
		}()
		h.ServeHTTP(rw, r)
	})
}

// statut records the status code of an answer; Unwrap lets
// http.ResponseController reach the connection's writer (flush,
// deadlines). http.MaxBytesReader no longer reaches it: past its limit,
// the connection is not marked to close, and net/http drains what is left
// of the body, within its own bound, before reusing it.
type statut struct {
	http.ResponseWriter
	code int
}

func (s *statut) WriteHeader(code int) {
	if s.code == 0 && code >= 200 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statut) Write(p []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

func (s *statut) Flush() {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	http.NewResponseController(s.ResponseWriter).Flush()
}

// ReadFrom keeps the connection's own ReadFrom (sendfile) for the files
// served.
func (s *statut) ReadFrom(r io.Reader) (int64, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return io.Copy(s.ResponseWriter, r)
}

func (s *statut) Unwrap() http.ResponseWriter { return s.ResponseWriter }
