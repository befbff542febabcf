package api

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/proxies"
)

// Metrics counts what /metrics reports in the Prometheus text format
// (version 0.0.4), written by hand: deposits, HTTP requests by route
// pattern, logins refused; and reads at scrape time the requests by
// status, the mail outbox, the database's pools, the data folder's free
// space and the process's goroutines and memory. HELP texts are in
// English, as Prometheus's conventions have them. Its zero value counts;
// its methods are safe for concurrent use, and on a nil *Metrics they do
// nothing.
type Metrics struct {
	// Store is read at scrape time; nil: no gauges of the database.
	Store MetricsStore
	// Dossier is the data folder whose free space is reported; "" for
	// none.
	Dossier string
	// Now is the clock of the outbox's age and of the cache; time.Now if
	// nil.
	Now func() time.Time
	// Local, when set, restricts /metrics to clients of a loopback address
	// (their address read behind Proxies), without forwarding headers from
	// an untrusted proxy: the main listener's rule when no separate
	// listener serves /metrics.
	Local   bool
	Proxies proxies.Liste
	// Antivirus: segur serve scans the stored files (--clamav); its
	// backlog is reported.
	Antivirus bool

	depotsTraites, depotsRejetes, demandesAcceptees, demandesRejetees atomic.Int64
	connexionsEchouees, connexionsFreinees, connexionsOccupees        atomic.Int64

	http httpStats

	mu    sync.Mutex // guards the cache of the database's gauges
	lu    time.Time
	cache *lectureStore
}

// MetricsStore is what /metrics reads of the database at scrape time.
type MetricsStore interface {
	CountStatuts(ctx context.Context, filter segur.DemandeFilter) (map[segur.StatutDemande]int, error)
	CountCourrielsEnAttente(ctx context.Context) (map[segur.EtatCourriel]int, time.Time, error)
	// CountDepotsAAnalyser is the antivirus's backlog: the deposits whose
	// zip waits for its verdict, and when the oldest was received.
	CountDepotsAAnalyser(ctx context.Context) (int, time.Time, error)
	Pools() map[string]sql.DBStats
}

// cacheStore is how long the database's counts are kept: several
// Prometheus servers scraping every few seconds cost one query.
const cacheStore = 5 * time.Second

// lectureStore is what a scrape read of the database.
type lectureStore struct {
	statuts   map[segur.StatutDemande]int
	courriels map[segur.EtatCourriel]int
	ancien    time.Time
	// The antivirus's backlog, read with Antivirus only.
	aAnalyser     int
	ancienAnalyse time.Time
}

func (m *Metrics) depot(d *segur.Depot) {
	if m == nil {
		return
	}
	if d.Statut == segur.DepotRejete {
		m.depotsRejetes.Add(1)
		return
	}
	m.depotsTraites.Add(1)
	for _, l := range d.Lignes {
		if l.NumeroASP != "" {
			m.demandesAcceptees.Add(1)
		} else {
			m.demandesRejetees.Add(1)
		}
	}
}

// ConnexionEchouee counts a login refused for a wrong login or password.
func (m *Metrics) ConnexionEchouee() {
	if m != nil {
		m.connexionsEchouees.Add(1)
	}
}

// ConnexionFreinee counts a login attempt refused (429) by the throttle:
// too many attempts for the login from the address; occupe says it was
// refused because every password check was busy instead.
func (m *Metrics) ConnexionFreinee(occupe bool) {
	switch {
	case m == nil:
	case occupe:
		m.connexionsOccupees.Add(1)
	default:
		m.connexionsFreinees.Add(1)
	}
}

func (m *Metrics) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// lire returns the database's counts, read at most every cacheStore.
func (m *Metrics) lire(ctx context.Context) (*lectureStore, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.cache != nil && now.Sub(m.lu) < cacheStore && !now.Before(m.lu) {
		return m.cache, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	l := &lectureStore{}
	var err error
	if l.statuts, err = m.Store.CountStatuts(ctx, segur.DemandeFilter{}); err != nil {
		return nil, err
	}
	if l.courriels, l.ancien, err = m.Store.CountCourrielsEnAttente(ctx); err != nil {
		return nil, err
	}
	if m.Antivirus {
		if l.aAnalyser, l.ancienAnalyse, err = m.Store.CountDepotsAAnalyser(ctx); err != nil {
			return nil, err
		}
	}
	m.cache, m.lu = l, now
	return l, nil
}

// WriteTo writes the metrics in the Prometheus text format, reading the
// database's gauges (or their cache) without a deadline of the caller.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	return m.ecrire(context.Background(), w)
}

type compteur struct {
	n  int64
	bw *bufio.Writer
}

func (c *compteur) Write(p []byte) (int, error) {
	n, err := c.bw.Write(p)
	c.n += int64(n)
	return n, err
}

// ecrire writes every metric; the database's gauges are read with ctx.
func (m *Metrics) ecrire(ctx context.Context, w io.Writer) (int64, error) {
	c := &compteur{bw: bufio.NewWriter(w)}
	p := func(format string, args ...any) { fmt.Fprintf(c, format, args...) }
	entete := func(nom, typ, aide string) { p("# HELP %s %s\n# TYPE %s %s\n", nom, aide, nom, typ) }

	entete("segur_depots_total", "counter", "Deposits received since start, by outcome.")
	p("segur_depots_total{statut=\"traite\"} %d\n", m.depotsTraites.Load())
	p("segur_depots_total{statut=\"rejete\"} %d\n", m.depotsRejetes.Load())
	entete("segur_demandes_total", "counter", "Requests of processed deposits since start, by outcome.")
	p("segur_demandes_total{resultat=\"acceptee\"} %d\n", m.demandesAcceptees.Load())
	p("segur_demandes_total{resultat=\"rejetee\"} %d\n", m.demandesRejetees.Load())

	entete("segur_login_failures_total", "counter", "Logins refused for a wrong login or password since start.")
	p("segur_login_failures_total %d\n", m.connexionsEchouees.Load())
	entete("segur_login_throttled_total", "counter", "Login attempts refused with 429 since start, by reason: too many attempts (throttle) or every password check busy.")
	p("segur_login_throttled_total{raison=\"essais\"} %d\n", m.connexionsFreinees.Load())
	p("segur_login_throttled_total{raison=\"occupe\"} %d\n", m.connexionsOccupees.Load())

	m.http.ecrire(p, entete)

	if m.Store != nil {
		l, err := m.lire(ctx)
		entete("segur_store_up", "gauge", "Whether the last read of the database for these metrics succeeded (1) or not (0).")
		if err != nil {
			p("segur_store_up 0\n")
		} else {
			p("segur_store_up 1\n")
			entete("segur_demandes", "gauge", "Requests (demandes) in the database, by status.")
			for _, s := range segur.Statuts(func(segur.InfoStatut) bool { return true }) {
				p("segur_demandes{statut=%q} %d\n", string(s), l.statuts[s])
			}
			entete("segur_courriels_en_attente", "gauge", "Mails of the outbox not sent yet, by state: to send (never tried) or in failure (tried again later).")
			for _, e := range []segur.EtatCourriel{segur.CourrielAEnvoyer, segur.CourrielEnEchec} {
				p("segur_courriels_en_attente{etat=%q} %d\n", string(e), l.courriels[e])
			}
			age := 0.0
			if !l.ancien.IsZero() {
				age = max(m.now().Sub(l.ancien).Seconds(), 0)
			}
			entete("segur_courriels_plus_ancien_age_seconds", "gauge", "Age of the oldest mail of the outbox not sent yet; 0 when none waits.")
			p("segur_courriels_plus_ancien_age_seconds %g\n", age)
			if m.Antivirus {
				entete("segur_antivirus_depots_en_attente", "gauge", "Deposits whose zip waits for the antivirus's verdict (segur serve --clamav).")
				p("segur_antivirus_depots_en_attente %d\n", l.aAnalyser)
				age := 0.0
				if !l.ancienAnalyse.IsZero() {
					age = max(m.now().Sub(l.ancienAnalyse).Seconds(), 0)
				}
				entete("segur_antivirus_plus_ancien_age_seconds", "gauge", "Age of the oldest deposit waiting for the antivirus's verdict; 0 when none waits.")
				p("segur_antivirus_plus_ancien_age_seconds %g\n", age)
			}
		}
		pools := m.Store.Pools()
		noms := make([]string, 0, len(pools))
		for n := range pools {
			noms = append(noms, n)
		}
		slices.Sort(noms)
		jauge := func(nom, typ, aide string, v func(sql.DBStats) string) {
			entete(nom, typ, aide)
			for _, n := range noms {
				p("%s{pool=%q} %s\n", nom, n, v(pools[n]))
			}
		}
		jauge("segur_db_connections_max", "gauge", "Maximum open connections of the database pool; 0: unlimited.",
			func(s sql.DBStats) string { return fmt.Sprint(s.MaxOpenConnections) })
		jauge("segur_db_connections_open", "gauge", "Open connections of the database pool, in use or idle.",
			func(s sql.DBStats) string { return fmt.Sprint(s.OpenConnections) })
		jauge("segur_db_connections_in_use", "gauge", "Connections of the database pool in use.",
			func(s sql.DBStats) string { return fmt.Sprint(s.InUse) })
		jauge("segur_db_connections_idle", "gauge", "Idle connections of the database pool.",
			func(s sql.DBStats) string { return fmt.Sprint(s.Idle) })
		jauge("segur_db_wait_total", "counter", "Times a connection of the database pool was waited for since start.",
			func(s sql.DBStats) string { return fmt.Sprint(s.WaitCount) })
		jauge("segur_db_wait_seconds_total", "counter", "Time spent waiting for a connection of the database pool since start.",
			func(s sql.DBStats) string { return fmt.Sprintf("%g", s.WaitDuration.Seconds()) })
	}

	if m.Dossier != "" {
		if libre, total, err := espaceLibre(m.Dossier); err == nil {
			entete("segur_data_free_bytes", "gauge", "Free space available to the portal on the file system of the data folder (--data).")
			p("segur_data_free_bytes %d\n", libre)
			entete("segur_data_size_bytes", "gauge", "Size of the file system of the data folder (--data).")
			p("segur_data_size_bytes %d\n", total)
		}
	}

	echantillons := []metrics.Sample{{Name: "/sched/goroutines:goroutines"}, {Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(echantillons)
	valeur := func(s metrics.Sample) uint64 {
		if s.Value.Kind() == metrics.KindUint64 {
			return s.Value.Uint64()
		}
		return 0
	}
	entete("segur_goroutines", "gauge", "Goroutines of the process.")
	p("segur_goroutines %d\n", valeur(echantillons[0]))
	entete("segur_go_memory_bytes", "gauge", "Memory mapped by the Go runtime and not released to the system (runtime/metrics), close to the resident memory of the process.")
	p("segur_go_memory_bytes %d\n", valeur(echantillons[1])-min(valeur(echantillons[2]), valeur(echantillons[1])))

	if err := c.bw.Flush(); err != nil {
		return c.n, err
	}
	return c.n, nil
}

// ServeHTTP serves /metrics.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m.Local && !m.local(r) {
		http.Error(w, "/metrics n'est servi qu'aux requêtes locales (127.0.0.1, ::1) ; voir segur serve --metrics-addr.", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m.ecrire(r.Context(), w)
}

// local reports whether r comes from this machine: a loopback client
// address, read behind the trusted proxies, and no forwarding header left
// by a proxy that is not trusted (a reverse proxy on this machine would
// otherwise pass the public's requests as local ones).
func (m *Metrics) local(r *http.Request) bool {
	client := m.Proxies.Client(r)
	a, err := netip.ParseAddr(client)
	if err != nil || !a.Unmap().IsLoopback() {
		return false
	}
	if client == proxies.Liste(nil).Client(r) { // the connection's peer, no proxy read
		for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"} {
			if r.Header.Get(h) != "" {
				return false
			}
		}
	}
	return true
}
