package segurtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/segur-numerique/segur/internal/blob"

	"github.com/segur-numerique/segur/internal/sqlstore"
)

// Several segur serve on one PostgreSQL (and one S3 store): an
// Idempotency-Key reused through another server, and a database whose
// connection budget is smaller than the servers' pools.

// depotRecu is what these tests read of a deposit's answer, or of a
// problem+json.
type depotRecu struct {
	ID       int64  `json:"id"`
	ImpID    string `json:"impId"`
	Statut   string `json:"statut"`
	Demandes []struct {
		NumeroASP *string `json:"numeroASP"`
	} `json:"demandes"`
	Detail string `json:"detail"`
}

// asp returns the ASP number of the deposit's only request, "" without one.
func (d depotRecu) asp() string {
	if len(d.Demandes) != 1 || d.Demandes[0].NumeroASP == nil {
		return ""
	}
	return *d.Demandes[0].NumeroASP
}

// numeroSuivant returns the number after s, PREFIX-NNNNNNN (a deposit's
// impId, an ASP number).
func numeroSuivant(s string) string {
	i := strings.LastIndex(s, "-")
	if i < 0 {
		return "(" + s + ": no number)"
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil {
		return "(" + s + ": no number)"
	}
	return fmt.Sprintf("%s-%0*d", s[:i], len(s)-i-1, n+1)
}

// listeDepots returns the vendor's deposits as the API lists them, one
// line "id statut nomFichier" each, through base.
func listeDepots(t *testing.T, base, token string) []string {
	t.Helper()
	var list struct {
		Depots []depotVu `json:"depots"`
		Total  int       `json:"total"`
	}
	if code := getJSON(t, base, token, "/api/v1/depots?parPage=500", &list); code != 200 {
		t.Fatalf("GET /api/v1/depots through %s: got %d, want 200", base, code)
	}
	if list.Total != len(list.Depots) {
		t.Fatalf("GET /api/v1/depots: total %d, %d listed", list.Total, len(list.Depots))
	}
	var out []string
	for _, d := range list.Depots {
		out = append(out, fmt.Sprintf("%d %s %s", d.ID, d.Statut, d.NomFichier))
	}
	slices.Sort(out)
	return out
}

// objetsS3 lists the stored objects of the bucket rawURL names (an S3URL),
// with their sizes, in order, through the store's own listing.
func objetsS3(t *testing.T, rawURL string) []string {
	t.Helper()
	st, err := blob.NewS3(delai(t), rawURL)
	if err != nil {
		t.Fatalf("S3: %v", err)
	}
	var out []string
	err = st.Walk(delai(t), func(o blob.Stocke) error {
		out = append(out, fmt.Sprintf("%s %d", o.SHA256, o.Taille))
		return nil
	})
	if err != nil {
		t.Fatalf("S3 list: %v", err)
	}
	return out
}

// TestCleReutiliseeDeuxServeurs: an Idempotency-Key used on one server and
// sent again with other files on another server of the same PostgreSQL and
// S3 store is refused (422, in French, naming the first deposit) and
// records nothing: the vendor's deposits, the bucket's objects and the
// next numbers are as before. The key with the first files again, on the
// second server, is a replay of the first deposit.
func TestCleReutiliseeDeuxServeurs(t *testing.T) {
	dsn := FreshSchema(t, PostgresDSN(t))
	s3 := S3URL(t)
	bin := binary(t)
	run(t, bin, "migrate", "--db", dsn)
	un, token := portailOuvert(t, bin, t.TempDir(), []string{"--db", dsn}, "--blobs", s3)
	deux := serve(t, bin, t.TempDir(), "--db", dsn, "--blobs", s3)
	ctx := delai(t)
	jour := jourDuServeur(t, un.base)
	poster := func(base string, e envoi) (int, depotRecu, http.Header) {
		t.Helper()
		code, body, h := e.poster(ctx, base, token)
		if code == 0 {
			t.Fatalf("no answer from %s", base)
		}
		var d depotRecu
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatalf("answer of %s: %v\n%s", base, err, body)
		}
		return code, d, h
	}
	exA, zipA := fichierNumero(t, "K0001", 1)
	exB, zipB := fichierNumero(t, "K0002", 2)
	exC, zipC := fichierNumero(t, "K0003", 3)
	a := envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(1)(jour), json: exA, zip: zipA, cle: "cle-K"}
	b := envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(2)(jour), json: exB, zip: zipB, cle: "cle-K"}
	c := envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(3)(jour), json: exC, zip: zipC, cle: "cle-K2"}

	code, first, _ := poster(un.base, a)
	if code != 201 || first.Statut != "traite" || first.asp() == "" || first.ImpID == "" {
		t.Fatalf("A with K on server 1: got %d %+v, want 201 accepted with an impId and an ASP number", code, first)
	}
	depots, objets := listeDepots(t, un.base, token), objetsS3(t, s3)
	if len(depots) != 1 || len(objets) == 0 {
		t.Fatalf("after A: %d deposits, %d objects in the bucket; want 1 deposit and its files", len(depots), len(objets))
	}
	// rienDeNouveau fails t unless the deposits, through both servers,
	// and the bucket's objects are as after A.
	rienDeNouveau := func(apres string) {
		t.Helper()
		for _, base := range []string{un.base, deux.base} {
			if got := listeDepots(t, base, token); !slices.Equal(got, depots) {
				t.Errorf("after %s, deposits through %s:\n%s\nwant:\n%s", apres, base, strings.Join(got, "\n"), strings.Join(depots, "\n"))
			}
		}
		if got := objetsS3(t, s3); !slices.Equal(got, objets) {
			t.Errorf("after %s, objects in the bucket:\n%s\nwant:\n%s", apres, strings.Join(got, "\n"), strings.Join(objets, "\n"))
		}
	}

	code, p, h := poster(deux.base, b)
	if code != 422 || h.Get("Content-Type") != "application/problem+json" || !strings.Contains(p.Detail, first.ImpID) ||
		!strings.Contains(p.Detail, "clé d'idempotence") || !strings.Contains(p.Detail, "rien n'est enregistré") {
		t.Errorf("B with K on server 2: got %d %s %+v, want 422 problem+json in French naming %s", code, h.Get("Content-Type"), p, first.ImpID)
	}
	rienDeNouveau("B with K on server 2")

	code, again, h := poster(deux.base, a)
	if code != 201 || h.Get("Idempotent-Replayed") != "true" || again.ID != first.ID || again.ImpID != first.ImpID || again.asp() != first.asp() {
		t.Errorf("A with K on server 2: got %d %+v (Idempotent-Replayed %q), want deposit %d %s replayed",
			code, again, h.Get("Idempotent-Replayed"), first.ID, first.ImpID)
	}
	rienDeNouveau("A with K again on server 2")

	// The next deposit takes the next numbers: the 422 and the replay
	// spent none.
	code, next, _ := poster(deux.base, c)
	if code != 201 || next.Statut != "traite" || next.asp() == "" {
		t.Fatalf("C with K2 on server 2: got %d %+v, want 201 accepted", code, next)
	}
	if next.ImpID != numeroSuivant(first.ImpID) || next.asp() != numeroSuivant(first.asp()) {
		t.Errorf("C: got %s %s, want %s %s (no number spent by the 422 or the replay)",
			next.ImpID, next.asp(), numeroSuivant(first.ImpID), numeroSuivant(first.asp()))
	}
	if got := listeDepots(t, un.base, token); len(got) != 2 {
		t.Errorf("after C: deposits\n%s\nwant 2", strings.Join(got, "\n"))
	}
	got := objetsS3(t, s3)
	if len(got) <= len(objets) {
		t.Errorf("after C: %d objects in the bucket, want more than the %d after A", len(got), len(objets))
	}
	t.Logf("A: deposit %d %s %s, %d objects; 422: %q; C: %s %s, %d objects", first.ID, first.ImpID, first.asp(), len(objets), p.Detail,
		next.ImpID, next.asp(), len(got))
}

// postgresAdmin opens a connection to the test PostgreSQL as a role that
// may create roles: SEGUR_TEST_POSTGRES_ADMIN_DSN, else the superuser
// postgres over the Unix socket of the cluster scripts/postgres.sh starts
// (in /tmp, on the port of dsn, trusted). Without one, tb is skipped, or
// fails when CI=true.
func postgresAdmin(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	admin := os.Getenv("SEGUR_TEST_POSTGRES_ADMIN_DSN")
	if admin == "" {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("SEGUR_TEST_POSTGRES_DSN: %v", err)
		}
		admin = (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: u.Path,
			RawQuery: url.Values{"host": {"/tmp"}, "port": {u.Port()}, "sslmode": {"disable"}}.Encode()}).String()
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		tb.Fatalf("admin connection: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	var peut bool
	if err := db.QueryRowContext(context.Background(), "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user").Scan(&peut); err != nil || !peut {
		Indisponible(tb, fmt.Sprintf("no PostgreSQL role that may create roles (%v, may: %v): set SEGUR_TEST_POSTGRES_ADMIN_DSN, "+
			`or start the cluster with: eval "$(scripts/postgres.sh)" (its superuser postgres answers on /tmp)`, err, peut))
	}
	return db
}

// roleLimite creates a login role of its own for tb, with a schema it
// owns, both dropped at tb's end, and returns the role's name and a DSN
// of dsn's server and database as that role, with that schema as its
// search_path. The role has no connection limit until tb sets one
// (ALTER ROLE … CONNECTION LIMIT): the test's PostgreSQL is shared, and
// only this role's budget is made small.
func roleLimite(tb testing.TB, admin *sql.DB, dsn string) (role, roleDSN string) {
	tb.Helper()
	ctx := context.Background()
	suffixe := strings.ToLower(rand.Text())[:16]
	role, schema, motDePasse := "segur_budget_"+suffixe, "test_"+suffixe, rand.Text()
	if _, err := admin.ExecContext(ctx, "CREATE ROLE "+role+" LOGIN PASSWORD '"+motDePasse+"'"); err != nil {
		tb.Fatalf("create role: %v", err)
	}
	tb.Cleanup(func() {
		// The servers are stopped by now (cleanups run last first); their
		// backends may still be ending.
		admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role)
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
		if _, err := admin.ExecContext(ctx, "DROP ROLE "+role); err != nil {
			tb.Errorf("drop role: %v", err)
		}
	})
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema+" AUTHORIZATION "+role); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("SEGUR_TEST_POSTGRES_DSN: %v", err)
	}
	u.User = url.UserPassword(role, motDePasse)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return role, u.String()
}

// serveJournal is serve that also keeps the server's log (its standard
// error), for a test that counts what the server logged.
func serveJournal(t *testing.T, bin, data string, args ...string) (*serveur, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &serveur{cmd: cmd, fin: make(chan struct{})}
	urlc := make(chan string, 1)
	journal := &lockedBuffer{}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		re := regexp.MustCompile(`Portail segur sur (http://\S+)/`)
		for sc.Scan() {
			fmt.Fprintln(journal, sc.Text())
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urlc <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr) // a line too long: keep the pipe flowing
		s.err = cmd.Wait()
		close(s.fin)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.fin
	})
	select {
	case s.base = <-urlc:
		return s, journal
	case <-s.fin:
		t.Fatalf("segur serve exited at its start: %v\n%s", s.err, journal.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("segur serve did not start within 30 s\n%s", journal.String())
	}
	return nil, nil
}

// reponseCharge is one answer of a server under load.
type reponseCharge struct {
	serveur    int
	code       int
	retryAfter string
	corps      string
}

// TestBudgetConnexions runs five segur serve on one PostgreSQL and one S3
// store, each with a pool of 4 connections (--db-max-conns) and a wait of
// 200 ms (--db-attente), as a role of their own whose connections
// PostgreSQL bounds (ALTER ROLE … CONNECTION LIMIT): 10, half what the
// pools may open (Court), then 20, what they may open (Suffisant). Under
// 5 × 8 clients depositing at once, every answer is 201 or 503 with
// Retry-After, never 500; /readyz of each server answers all along (200,
// or 503 with Retry-After). Each deposit answered 503 and sent again with
// its Idempotency-Key is then recorded once: a 503 recorded nothing. With
// the budget the pools fit in, PostgreSQL never refuses a connection
// (53300): each server keeps within its --db-max-conns.
func TestBudgetConnexions(t *testing.T) {
	t.Run("Court", func(t *testing.T) { budgetConnexions(t, 10) })
	t.Run("Suffisant", func(t *testing.T) { budgetConnexions(t, 20) })
}

func budgetConnexions(t *testing.T, limiteRole int) {
	const (
		serveurs    = 5
		clientsPar  = 8
		depotsPar   = 3 // per client
		n           = serveurs * clientsPar * depotsPar
		maxConns    = 4
		attenteBase = "200ms"
	)
	dsn := PostgresDSN(t)
	s3 := S3URL(t)
	admin := postgresAdmin(t, dsn)
	role, roleDSN := roleLimite(t, admin, dsn)
	ctx := t.Context() // the set-up; the load (charge) and the retries (reprise) have their own bounds

	// 53300, "too many connections for role", is the database out of
	// reach for the portal (503), not an internal error.
	if _, err := admin.ExecContext(ctx, "ALTER ROLE "+role+" CONNECTION LIMIT 1"); err != nil {
		t.Fatal(err)
	}
	c1, err := pgx.Connect(ctx, roleDSN)
	if err != nil {
		t.Fatalf("first connection as %s: %v", role, err)
	}
	_, err = pgx.Connect(ctx, roleDSN)
	c1.Close(ctx)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "53300" {
		t.Fatalf("second connection with CONNECTION LIMIT 1: got %v, want SQLSTATE 53300", err)
	}
	if !sqlstore.Injoignable(err) {
		t.Errorf("sqlstore.Injoignable(%v) = false, want true: 53300 (%s) must be answered 503", err, pe.Message)
	}
	if _, err := admin.ExecContext(ctx, "ALTER ROLE "+role+" CONNECTION LIMIT -1"); err != nil {
		t.Fatal(err)
	}

	bin := binary(t)
	run(t, bin, "migrate", "--db", roleDSN)
	args := []string{"--blobs", s3, "--db-max-conns", strconv.Itoa(maxConns), "--db-attente", attenteBase}
	token := enroler(t, bin, "--db", roleDSN)
	now := time.Now().In(Paris())
	run(t, bin, "admin", "window", "add", "--db", roleDSN, "--logiciel", "RI", "--from", now.Add(-time.Hour).Format("2006-01-02 15:04"),
		"--to", now.Add(2*time.Hour).Format("2006-01-02 15:04"))
	var bases []string
	var journaux []*lockedBuffer
	for range serveurs {
		s, j := serveJournal(t, bin, t.TempDir(), append([]string{"--db", roleDSN}, args...)...)
		bases, journaux = append(bases, s.base), append(journaux, j)
	}
	// The budget, once the servers run: each holds the connection of its
	// start.
	if _, err := admin.ExecContext(ctx, fmt.Sprintf("ALTER ROLE %s CONNECTION LIMIT %d", role, limiteRole)); err != nil {
		t.Fatal(err)
	}

	charge := delai(t)
	jour := jourDuServeur(t, bases[0])
	fichiers := fichiersNumeros(t, "C", n)
	envois := make([]envoi, n)
	for i := range envois {
		envois[i] = envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(i + 1)(jour),
			json: fichiers[i].json, zip: fichiers[i].zip, cle: fmt.Sprintf("charge-%03d", i)}
	}

	// /readyz of each server, all along the load.
	fini := make(chan struct{})
	var mu sync.Mutex
	pretes := map[string]int{} // "server status" → answers
	var sondes sync.WaitGroup
	for s, base := range bases {
		sondes.Go(func() {
			for {
				code, ra := lireReadyz(charge, base)
				mu.Lock()
				pretes[fmt.Sprintf("%d %d%s", s+1, code, ra)]++
				mu.Unlock()
				select {
				case <-fini:
					return
				case <-charge.Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		})
	}

	reponses := make([]reponseCharge, n)
	var wg sync.WaitGroup
	for s, base := range bases {
		for c := range clientsPar {
			wg.Go(func() {
				for k := range depotsPar {
					i := (s*clientsPar+c)*depotsPar + k
					code, body, h := envois[i].poster(charge, base, token)
					reponses[i] = reponseCharge{serveur: s + 1, code: code, retryAfter: h.Get("Retry-After"), corps: string(body)}
				}
			})
		}
	}
	wg.Wait()
	close(fini)
	sondes.Wait()

	codes := map[int]int{}
	var refus []int // the deposits answered 503
	for i, r := range reponses {
		codes[r.code]++
		switch {
		case r.code == 201:
		case r.code == 503 && r.retryAfter != "":
			refus = append(refus, i)
		default:
			t.Errorf("deposit %d on server %d: got %d (Retry-After %q) %s, want 201, or 503 with Retry-After", i, r.serveur, r.code, r.retryAfter, r.corps)
		}
	}
	t.Logf("%d deposits on %d servers (pool %d, wait %s, role limit %d): statuses %v", n, serveurs, maxConns, attenteBase, limiteRole, codes)
	parServeur := map[int]int{}
	for _, i := range refus {
		parServeur[reponses[i].serveur]++
	}
	t.Logf("503 per server: %v", parServeur)
	var lignes []string
	for k, v := range pretes {
		lignes = append(lignes, fmt.Sprintf("server %s: %d", k, v))
		if f := strings.Fields(k); f[1] != "200" && f[1] != "503+Retry-After" {
			t.Errorf("/readyz of server %s answered %s %d times during the load, want 200, or 503 with Retry-After", f[0], f[1], v)
		}
	}
	slices.Sort(lignes)
	t.Logf("/readyz during the load: %s", strings.Join(lignes, "; "))
	for s := range serveurs {
		n := 0
		for k, v := range pretes {
			if strings.HasPrefix(k, strconv.Itoa(s+1)+" ") {
				n += v
			}
		}
		if n == 0 {
			t.Errorf("/readyz of server %d never asked during the load", s+1)
		}
	}

	// What the servers logged: the causes of their 503s, and no internal
	// error.
	const cause53300 = "53300 (connection limit of the role)"
	causes := map[string]int{}
	for s, j := range journaux {
		for ligne := range strings.Lines(j.String()) {
			var l struct {
				Msg string `json:"msg"`
				Err string `json:"err"`
			}
			if json.Unmarshal([]byte(ligne), &l) != nil {
				continue
			}
			switch {
			case l.Msg == "internal error":
				t.Errorf("server %d logged an internal error: %s", s+1, strings.TrimSpace(ligne))
			case l.Msg == "unavailable" && strings.Contains(l.Err, "too many connections"):
				causes[cause53300]++
			case l.Msg == "unavailable" && strings.Contains(l.Err, "no connection of the pool"):
				causes["pool full past --db-attente"]++
			case l.Msg == "unavailable":
				causes[l.Err]++
			}
		}
	}
	t.Logf("503 causes in the servers' logs: %v", causes)
	if k := causes[cause53300]; limiteRole >= serveurs*maxConns && k != 0 {
		t.Errorf("%d connections refused by PostgreSQL (53300) with a budget of %d for %d servers × --db-max-conns %d, want none",
			k, limiteRole, serveurs, maxConns)
	}

	// After the load: each /readyz answers, and the deposits refused are
	// sent again, with their keys, to the servers in turn until accepted.
	reprise := delai(t)
	apres := map[int]int{}
	for s, base := range bases {
		code, ra := lireReadyz(reprise, base)
		apres[code]++
		if code != 200 && code != 503 || code == 503 && ra == "" {
			t.Errorf("/readyz of server %d after the load: got %d%s, want 200, or 503 with Retry-After", s+1, code, ra)
		}
	}
	t.Logf("/readyz after the load: %v", apres)
	essais, rejoues := 0, 0
	for _, i := range refus {
		ok := false
		for k := range 2 * serveurs {
			base := bases[(i+k)%serveurs]
			essais++
			code, body, h := envois[i].poster(reprise, base, token)
			if code == 503 && h.Get("Retry-After") != "" {
				continue
			}
			if code != 201 {
				t.Errorf("deposit %d sent again to %s: got %d %s, want 201, or 503 with Retry-After", i, base, code, body)
			}
			if h.Get("Idempotent-Replayed") == "true" {
				rejoues++ // the 503 had recorded it
			}
			ok = true
			break
		}
		if !ok {
			t.Errorf("deposit %d: still 503 after %d tries on the %d servers", i, 2*serveurs, serveurs)
		}
	}
	t.Logf("%d deposits answered 503 sent again: %d tries, %d of them replays", len(refus), essais, rejoues)
	if rejoues != 0 {
		t.Errorf("%d deposits answered 503 were recorded (replayed when sent again), want none", rejoues)
	}

	// Each deposit recorded once, each ASP number given once.
	var depots []string
	for k := 0; ; k++ {
		var list struct {
			Depots []depotVu `json:"depots"`
			Total  int       `json:"total"`
		}
		code := getJSON(t, bases[k%serveurs], token, "/api/v1/depots?parPage=500", &list)
		if code == 503 && k < 2*serveurs {
			continue
		}
		if code != 200 {
			t.Fatalf("GET /api/v1/depots: got %d", code)
		}
		asp := map[string]bool{}
		for _, d := range list.Depots {
			depots = append(depots, d.NomFichier)
			for _, l := range d.Demandes {
				if l.NumeroASP != nil && asp[*l.NumeroASP] {
					t.Errorf("ASP number %s given twice", *l.NumeroASP)
				} else if l.NumeroASP != nil {
					asp[*l.NumeroASP] = true
				}
			}
		}
		if list.Total != n || len(list.Depots) != n {
			t.Errorf("got %d deposits recorded (%d listed), want %d", list.Total, len(list.Depots), n)
		}
		break
	}
	slices.Sort(depots)
	if len(slices.Compact(depots)) != len(depots) {
		t.Errorf("a file name recorded twice among %d deposits", len(depots))
	}
}

// lireReadyz asks base's /readyz: its status (0 without an answer) and
// "+Retry-After" when a 503 has that header.
func lireReadyz(ctx context.Context, base string) (int, string) {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/readyz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == 503 && resp.Header.Get("Retry-After") != "" {
		return 503, "+Retry-After"
	}
	return resp.StatusCode, ""
}
