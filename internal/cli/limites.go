package cli

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/blob"
)

// limites are serve's bounds on connections and request bodies, that keep
// the portal answering while it is attacked or overloaded.
type limites struct {
	maxConnexions        int           // open connections; past it, a connection is answered 503 and closed
	maxDepots            int           // uploads in progress on the server; past it, 429
	maxDepotsFournisseur int           // uploads in progress per vendor; past it, 429
	delaiCorps           time.Duration // a request body's grace period, and the longest wait for its next bytes
	debitMin             int           // a request body's minimum average rate after the grace period, in kB/s
	dbMaxConns           int           // PostgreSQL's pool
	dbAttente            time.Duration // the longest wait for a connection of the pool
	quotaDepotsHeure     int           // deposits per vendor per hour
	quotaMoJour          int64         // MB deposited per vendor per day
}

func addLimitesFlags(fs *flag.FlagSet) *limites {
	l := &limites{}
	fs.IntVar(&l.maxConnexions, "max-connexions", envInt("SEGUR_MAX_CONNEXIONS", 2000), "connexions ouvertes au plus ; au-delà, réponse 503 et fermeture")
	fs.IntVar(&l.maxDepots, "max-depots-simultanes", envInt("SEGUR_MAX_DEPOTS_SIMULTANES", 100), "dépôts en cours d'envoi au plus sur ce serveur ; au-delà, 429 (0 : sans limite)")
	fs.IntVar(&l.maxDepotsFournisseur, "max-depots-fournisseur", envInt("SEGUR_MAX_DEPOTS_FOURNISSEUR", 16), "dépôts en cours d'envoi au plus par fournisseur ; au-delà, 429 (0 : sans limite)")
	fs.DurationVar(&l.delaiCorps, "delai-corps", envDuration("SEGUR_DELAI_CORPS", 30*time.Second), "délai de grâce d'un envoi, et attente la plus longue de ses octets suivants")
	fs.IntVar(&l.debitMin, "debit-min", envInt("SEGUR_DEBIT_MIN", 16), "débit moyen minimal d'un envoi après le délai de grâce, en ko/s")
	fs.IntVar(&l.dbMaxConns, "db-max-conns", envInt("SEGUR_DB_MAX_CONNS", 20), "connexions à PostgreSQL au plus pour ce serveur (serveurs × N < max_connections − réservées)")
	fs.DurationVar(&l.dbAttente, "db-attente", envDuration("SEGUR_DB_ATTENTE", 5*time.Second), "attente la plus longue d'une connexion à la base ; au-delà, 503 avec Retry-After")
	fs.IntVar(&l.quotaDepotsHeure, "quota-depots-heure", envInt("SEGUR_QUOTA_DEPOTS_HEURE", 200), "dépôts au plus par fournisseur et par heure ; au-delà, 429 (0 : sans quota)")
	fs.Int64Var(&l.quotaMoJour, "quota-mo-jour", int64(envInt("SEGUR_QUOTA_MO_JOUR", 20000)), "Mo au plus déposés par fournisseur en 24 heures ; au-delà, 429 (0 : sans quota)")
	return l
}

// quotas are the vendors' quotas the flags give.
func (l *limites) quotas() segur.Quotas {
	return segur.Quotas{DepotsParHeure: l.quotaDepotsHeure, OctetsParJour: l.quotaMoJour * 1_000_000}
}

// valider checks the bounds, in French.
func (l *limites) valider() error {
	switch {
	case l.maxConnexions < 1:
		return fmt.Errorf("--max-connexions %d : attendu un entier positif", l.maxConnexions)
	case l.maxDepots < 0 || l.maxDepotsFournisseur < 0:
		return fmt.Errorf("--max-depots-simultanes, --max-depots-fournisseur : attendu un entier positif ou 0 (sans limite)")
	case l.delaiCorps < time.Second:
		return fmt.Errorf("--delai-corps %s : attendu une durée d'au moins 1 s, par exemple 30s", l.delaiCorps)
	case l.debitMin < 1:
		return fmt.Errorf("--debit-min %d : attendu un débit en ko/s, au moins 1", l.debitMin)
	case l.quotaDepotsHeure < 0 || l.quotaMoJour < 0:
		return fmt.Errorf("--quota-depots-heure, --quota-mo-jour : attendu un entier positif ou 0 (sans quota)")
	case l.dbAttente < 10*time.Millisecond:
		return fmt.Errorf("--db-attente %s : attendu une durée d'au moins 10ms, par exemple 5s", l.dbAttente)
	case l.dbMaxConns < 1:
		return fmt.Errorf("--db-max-conns %d : attendu un entier positif", l.dbMaxConns)
	}
	return nil
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return d
	}
	return def
}

// ecouteLimitee accepts at most n open connections: past it, a connection
// is answered 503 at once and closed, which frees its descriptor instead
// of leaving it in the kernel's queue. On a TLS port the 503 is sent after
// the handshake, over TLS (written in clear, a browser would only report a
// failed handshake). At most maxRefus refusals are answered at once; past
// that, in a flood, a connection is closed unanswered: answering costs a
// goroutine and, with TLS, a handshake.
type ecouteLimitee struct {
	net.Listener
	places  chan struct{}
	refus   chan struct{}
	tls     *tls.Config  // nil on a plain HTTP port
	fermees atomic.Int64 // connections closed unanswered
}

const maxRefus = 64

// limiterEcoute bounds ln to n open connections; conf is the TLS
// configuration of the port, nil for plain HTTP.
func limiterEcoute(ln net.Listener, n int, conf *tls.Config) net.Listener {
	l := &ecouteLimitee{Listener: ln, places: make(chan struct{}, n), refus: make(chan struct{}, maxRefus)}
	if conf != nil {
		// HTTP/1.1 only: the refusal is one HTTP/1.1 answer, not HTTP/2's frames.
		l.tls = conf.Clone()
		l.tls.NextProtos = []string{"http/1.1"}
	}
	return l
}

func (l *ecouteLimitee) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.places <- struct{}{}:
			return &connLimitee{Conn: c, rendre: func() { <-l.places }}, nil
		default:
		}
		select {
		case l.refus <- struct{}{}:
			go func() {
				defer func() { <-l.refus }()
				refuserConnexion(c, l.tls)
			}()
		default:
			l.fermees.Add(1)
			c.Close()
		}
	}
}

// refuserConnexion answers 503, within a second (two with TLS, for the
// handshake), and closes c.
func refuserConnexion(c net.Conn, conf *tls.Config) {
	defer c.Close()
	if conf != nil {
		c.SetDeadline(time.Now().Add(2 * time.Second))
		tc := tls.Server(c, conf)
		if tc.Handshake() != nil {
			return
		}
		c = tc
	} else {
		c.SetDeadline(time.Now().Add(time.Second))
	}
	const msg = "Le portail reçoit trop de connexions : réessayez dans quelques secondes.\n"
	fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(msg), msg)
}

type connLimitee struct {
	net.Conn
	once   sync.Once
	rendre func()
}

func (c *connLimitee) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.rendre)
	return err
}

// debitMinimum bounds the time a request body takes: after the grace
// period g, it must have come at an average of at least rate bytes/s since
// the request began, and no wait for its next bytes may exceed g. The
// connection's read deadline moves as bytes arrive, so that a 200 MB
// upload on a slow line passes while a client that sends a few bytes and
// waits is cut after g.
func debitMinimum(h http.Handler, g time.Duration, rate int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		b := &corpsLent{ReadCloser: r.Body, rc: rc, debut: time.Now(), g: g, rate: float64(rate)}
		if rc.SetReadDeadline(b.debut.Add(g)) == nil {
			r.Body = b
		}
		h.ServeHTTP(w, r)
	})
}

type corpsLent struct {
	io.ReadCloser
	rc    *http.ResponseController
	debut time.Time
	g     time.Duration
	rate  float64
	n     int64
}

func (b *corpsLent) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		// The body is read: the server's watch for the client closing
		// the connection, which begins now, must not time out while the
		// deposit is processed.
		b.rc.SetReadDeadline(time.Time{})
		return n, err
	}
	if n > 0 {
		b.n += int64(n)
		now := time.Now()
		// The earlier of: the time the bytes so far buy at the minimum
		// rate, and the longest wait for the next ones.
		d := b.debut.Add(b.g + time.Duration(float64(b.n)/b.rate*float64(time.Second)))
		if idle := now.Add(b.g); idle.Before(d) {
			d = idle
		}
		b.rc.SetReadDeadline(d)
	}
	return n, err
}

// nettoyerTmp removes, at start then every 10 minutes until ctx ends, the
// temporary files older than an hour that a crash left in dir.
func nettoyerTmp(ctx context.Context, log *slog.Logger, dir string) {
	nettoyer := func() {
		n, err := blob.CleanTmp(dir, time.Now(), time.Hour)
		if err != nil {
			log.Warn("temporary files", "dir", dir, "err", err)
		} else if n > 0 {
			log.Info("temporary files removed", "dir", dir, "n", n)
		}
	}
	nettoyer()
	go func() {
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				nettoyer()
			}
		}
	}()
}

// pret answers GET /readyz: 200 when the database and the file store
// answer within 5 s, else 503 with Retry-After, so that a load balancer
// stops sending traffic to a server that cannot serve it; /healthz says
// only that the process and its database live.
func pret(db interface{ Ping(context.Context) error }, store segur.Blobs) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		var pannes []string
		if err := db.Ping(ctx); err != nil {
			pannes = append(pannes, "base de données indisponible")
		}
		if c, ok := store.(interface{ Check(context.Context) error }); ok {
			if err := c.Check(ctx); err != nil {
				pannes = append(pannes, "stockage des fichiers indisponible")
			}
		}
		if len(pannes) > 0 {
			w.Header().Set("Retry-After", "10")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, strings.Join(pannes, " ; "))
			return
		}
		fmt.Fprintln(w, "prêt")
	}
}
