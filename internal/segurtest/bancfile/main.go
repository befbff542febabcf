// Command bancfile measures how fast the agents' pages answer on a
// generated programme: for each database (SQLite; PostgreSQL when
// SEGUR_TEST_POSTGRES_DSN names one) and each size (2 000 and 100 000
// requests by default, generated in the same run by
// internal/segurtest/programme), it starts a real segur serve on that
// base, logs in as an instructor through the login form, warms up, then
// requests each URL of Pages R times in turn, one request at a time, and
// prints a Markdown table: a line per URL, a column per (database, size),
// with the 50th and 95th percentiles and the maximum in milliseconds, the
// HTTP status and the size of the answer. A status other than 200 is
// shown as it came.
//
//	make bench-file    # make build, then go run ./internal/segurtest/bancfile -bin bin/segur
//
// A page is measured for -duree-max at most (a minute): a page of
// seconds gets fewer repetitions than asked, and the table says how many.
// -court: 200 requests and 20 repetitions, for a test. -dossier DIR keeps
// the generated bases in DIR (and their PostgreSQL schemas) and reuses
// them in a later run with the same sizes and seed.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver, for the benchmark's schemas

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// Pages are the URLs measured, in the table's order. Their parts in braces
// are taken from the generated base (its echantillons.json): {finess}, an
// establishment of a request; {fragment}, a part of vendors' names;
// {alerte}, an alert's code; {asp}, a request with history and messages;
// {derniere}, the default tab's last page (read from its pagination). « as »
// begins every ASP number: a search too broad, refused after a count of
// the index.
var Pages = []string{
	"/agence/demandes",
	"/agence/demandes?onglet=a-traiter",
	"/agence/demandes?onglet=suivies",
	"/agence/demandes?onglet=attente",
	"/agence/demandes?onglet=traitees",
	"/agence/demandes?onglet=toutes",
	"/agence/demandes?statut=decidee",
	"/agence/demandes?q={finess}",
	"/agence/demandes?q={fragment}",
	"/agence/demandes?q=as",
	"/agence/demandes?alerte={alerte}",
	"/agence/demandes?page={derniere}",
	"/agence/demandes/{asp}",
	"/agence/depots",
	"/agence/pilotage",
}

// alerte is the alert code {alerte} stands for (segur.InfosAlertes): one
// the generator raises on about 2 % of the requests.
const alerte = "hors_referentiel"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the benchmark's settings.
type options struct {
	bin, programme, dossier string
	tailles                 []int
	repetitions             int
	dureeMax                time.Duration
	graine                  uint64
	bases                   []string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bancfile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("bin", "bin/segur", "le programme segur à mesurer (make build)")
	programme := fs.String("programme", "", "le générateur de programme déjà construit (par défaut : go run ./internal/segurtest/programme)")
	dossier := fs.String("dossier", "", "dossier où garder les bases générées, réutilisées d'une exécution à l'autre (par défaut : un dossier temporaire, supprimé)")
	tailles := fs.String("tailles", "2000,100000", "nombres de demandes des programmes, séparés par des virgules")
	reps := fs.Int("repetitions", 200, "requêtes par page mesurée")
	dureeMax := fs.Duration("duree-max", time.Minute, "durée au plus des mesures d'une page sur une base : au-delà, moins de répétitions (dites dans le tableau)")
	graine := fs.Uint64("graine", 1, "graine des programmes")
	bases := fs.String("bases", "sqlite,postgres", "bases mesurées : sqlite, postgres (sautée sans SEGUR_TEST_POSTGRES_DSN)")
	court := fs.Bool("court", false, "mode court : 200 demandes, 20 répétitions")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 64
	}
	o := options{bin: *bin, programme: *programme, dossier: *dossier, repetitions: *reps, dureeMax: *dureeMax, graine: *graine}
	for _, t := range strings.Split(*tailles, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil || n < 1 {
			fmt.Fprintf(stderr, "bancfile : -tailles « %s » : attendu des nombres de demandes séparés par des virgules (ex. 2000,100000)\n", *tailles)
			return 64
		}
		o.tailles = append(o.tailles, n)
	}
	if *court {
		o.tailles, o.repetitions = []int{200}, 20
	}
	for _, b := range strings.Split(*bases, ",") {
		switch b = strings.TrimSpace(b); b {
		case "sqlite":
		case "postgres":
			if os.Getenv("SEGUR_TEST_POSTGRES_DSN") == "" {
				fmt.Fprintln(stderr, "bancfile : PostgreSQL sauté : SEGUR_TEST_POSTGRES_DSN est vide (eval \"$(scripts/postgres.sh)\")")
				continue
			}
		default:
			fmt.Fprintf(stderr, "bancfile : -bases « %s » : attendu sqlite, postgres ou les deux\n", b)
			return 64
		}
		o.bases = append(o.bases, b)
	}
	if err := banc(ctx, o, stdout, stderr, strings.Join(append([]string{"bancfile"}, args...), " ")); err != nil {
		fmt.Fprintln(stderr, "bancfile :", err)
		return 1
	}
	return 0
}

// config is one column of the table: a database and a size.
type config struct {
	base   string
	taille int
}

func (c config) String() string {
	b := "SQLite"
	if c.base == "postgres" {
		b = "PostgreSQL"
	}
	return fmt.Sprintf("%s, %s demandes", b, milliers(c.taille))
}

// mesure is what the requests of one URL on one configuration found.
type mesure struct {
	url           string
	n             int
	p50, p95, max time.Duration
	statuts       map[int]int
	taille        int64 // of the last answer
	erreur        string
}

// echantillons are what the generator wrote beside the base.
type echantillons struct {
	Demandes    int            `json:"demandes"`
	FINESS      string         `json:"finess"`
	Fragment    string         `json:"fragment"`
	ASP         string         `json:"asp"`
	Instructeur string         `json:"instructeur"`
	MotDePasse  string         `json:"motDePasse"`
	Statuts     map[string]int `json:"statuts"`
}

func banc(ctx context.Context, o options, stdout, stderr io.Writer, commande string) error {
	if _, err := os.Stat(o.bin); err != nil {
		return fmt.Errorf("%s introuvable : lancez make build", o.bin)
	}
	garder := o.dossier != ""
	if !garder {
		d, err := os.MkdirTemp("", "segur-bancfile-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		o.dossier = d
	}
	var configs []config
	resultats := map[config]resultat{}
	var generations []string
	for _, b := range o.bases {
		for _, t := range o.tailles {
			c := config{b, t}
			r, gen, err := mesurer(ctx, o, c, garder, stderr)
			if err != nil {
				return fmt.Errorf("%s : %w", c, err)
			}
			configs = append(configs, c)
			resultats[c] = r
			generations = append(generations, fmt.Sprintf("%s : %s", c, gen))
		}
	}
	ecrireTableau(stdout, commande, configs, resultats, generations, o)
	return nil
}

// resultat is what one configuration measured: Pages, Exports and
// PagesPendantExports, in their order.
type resultat struct {
	pages   []mesure
	exports []mesureExport
	pendant []mesure
	// pilotage: the dashboard's computation (sqlstore's FindPilotage,
	// which the page caches a minute), times sorted.
	pilotage       []time.Duration
	erreurPilotage string
}

// mesurer generates (or reuses) the base of c, starts segur serve on it
// and measures every page, every export, then pages while exports run.
func mesurer(ctx context.Context, o options, c config, garder bool, stderr io.Writer) (resultat, string, error) {
	var r resultat
	dir := filepath.Join(o.dossier, fmt.Sprintf("%s-%d-%d", c.base, c.taille, o.graine))
	var dbURL string
	if c.base == "postgres" {
		schema := fmt.Sprintf("banc_%d_%d", c.taille, o.graine)
		if !garder {
			// Others may run the benchmark on the same server.
			schema += "_" + strings.ToLower(rand.Text()[:10])
		}
		u, fin, neuf, err := schemaPostgres(ctx, os.Getenv("SEGUR_TEST_POSTGRES_DSN"), schema, garder)
		if err != nil {
			return r, "", err
		}
		defer fin()
		dbURL = u
		if neuf {
			os.RemoveAll(dir) // its samples are those of a base gone
		}
	}
	gen := "base réutilisée (" + dir + ")"
	e, err := lireEchantillons(dir)
	if err != nil {
		os.RemoveAll(dir)
		fmt.Fprintf(stderr, "bancfile : %s : génération du programme…\n", c)
		debut := time.Now()
		if err := generer(ctx, o, c, dir, dbURL, stderr); err != nil {
			return r, "", err
		}
		gen = "programme généré en " + time.Since(debut).Round(time.Second).String()
		if e, err = lireEchantillons(dir); err != nil {
			return r, "", err
		}
	}
	srv, err := demarrer(ctx, o.bin, dir, dbURL)
	if err != nil {
		return r, "", err
	}
	defer srv.arreter()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if err := connecter(ctx, client, srv.base, e.Instructeur, e.MotDePasse); err != nil {
		return r, "", fmt.Errorf("%w\n%s", err, srv.journal())
	}
	derniere, err := dernierePage(ctx, client, srv.base+"/agence/demandes")
	if err != nil {
		return r, "", err
	}
	valeurs := strings.NewReplacer("{finess}", e.FINESS, "{fragment}", url.QueryEscape(e.Fragment), "{alerte}", alerte,
		"{asp}", e.ASP, "{derniere}", strconv.Itoa(derniere))
	gen += fmt.Sprintf(" ; {finess} %s, {fragment} %s, {alerte} %s, {asp} %s, {derniere} %d", e.FINESS, e.Fragment, alerte, e.ASP, derniere)
	for _, p := range Pages {
		u := valeurs.Replace(p)
		fmt.Fprintf(stderr, "bancfile : %s : %s\n", c, u)
		// Warm up: the first requests fill the server's and the
		// database's caches.
		for range 3 {
			if _, _, _, err := get(ctx, client, srv.base+u); err != nil {
				break
			}
		}
		r.pages = append(r.pages, mesurerPage(ctx, client, srv.base, u, o.repetitions, o.dureeMax))
	}
	fmt.Fprintf(stderr, "bancfile : %s : exports\n", c)
	r.exports = mesurerExports(ctx, client, srv.base, srv.cmd.Process.Pid, repetitionsExport)
	jar2, _ := cookiejar.New(nil)
	exporteur := &http.Client{Jar: jar2, Timeout: 5 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if err := connecter(ctx, exporteur, srv.base, e.Instructeur, e.MotDePasse); err != nil {
		return r, "", err
	}
	var pendant []string
	for _, p := range PagesPendantExports {
		pendant = append(pendant, valeurs.Replace(p))
	}
	fmt.Fprintf(stderr, "bancfile : %s : pages pendant les exports\n", c)
	r.pendant = mesurerPendantExports(ctx, client, exporteur, srv.base, pendant, o.repetitions, o.dureeMax)
	fmt.Fprintf(stderr, "bancfile : %s : calcul du tableau de bord\n", c)
	base := dbURL
	if base == "" {
		base = "sqlite://" + filepath.Join(dir, "segur.db")
	}
	r.pilotage, err = mesurerPilotage(ctx, base)
	if err != nil {
		r.erreurPilotage = err.Error()
	}
	return r, gen, nil
}

// repetitionsPilotage is how many times the dashboard is computed, after
// one to warm the caches up.
const repetitionsPilotage = 7

// mesurerPilotage computes the dashboard of the base at dbURL (migrated by
// segur serve), unfiltered, as the page does at its first request of the
// minute, repetitionsPilotage times, and returns the times sorted.
func mesurerPilotage(ctx context.Context, dbURL string) ([]time.Duration, error) {
	db, err := sqlstore.Open(ctx, dbURL, time.Now)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return nil, err
	}
	var ds []time.Duration
	for i := range repetitionsPilotage + 1 {
		now := time.Now()
		debut := time.Now()
		if _, err := db.FindPilotage(ctx, segur.PilotageFiltre{Maintenant: now, Semaine: segur.DebutSemaine(now, paris)}); err != nil {
			return nil, err
		}
		if i > 0 {
			ds = append(ds, time.Since(debut))
		}
	}
	slices.Sort(ds)
	return ds, nil
}

func lireEchantillons(dir string) (*echantillons, error) {
	b, err := os.ReadFile(filepath.Join(dir, "echantillons.json"))
	if err != nil {
		return nil, err
	}
	var e echantillons
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("%s : %v", filepath.Join(dir, "echantillons.json"), err)
	}
	return &e, nil
}

// generer runs the generator for c into dir (and dbURL for PostgreSQL).
func generer(ctx context.Context, o options, c config, dir, dbURL string, stderr io.Writer) error {
	args := []string{"-demandes", strconv.Itoa(c.taille), "-graine", strconv.FormatUint(o.graine, 10)}
	if dbURL != "" {
		args = append(args, "-base", dbURL, "-donnees", dir)
	} else {
		args = append(args, "-base", dir)
	}
	var cmd *exec.Cmd
	if o.programme != "" {
		cmd = exec.CommandContext(ctx, o.programme, args...)
	} else {
		cmd = exec.CommandContext(ctx, "go", append([]string{"run", "./internal/segurtest/programme"}, args...)...)
	}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("génération du programme : %v", err)
	}
	return nil
}

// schemaPostgres creates schema in the database of dsn (dropped by fin
// unless garder) and returns dsn with that schema as its search_path, and
// whether the schema is new. A kept schema is reused: its base was
// generated by an earlier run.
func schemaPostgres(ctx context.Context, dsn, schema string, garder bool) (string, func(), bool, error) {
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, false, err
	}
	var existe bool
	if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&existe); err != nil {
		admin.Close()
		return "", nil, false, fmt.Errorf("PostgreSQL : %v", err)
	}
	if !existe || !garder {
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			admin.Close()
			return "", nil, false, fmt.Errorf("PostgreSQL : %v", err)
		}
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			admin.Close()
			return "", nil, false, fmt.Errorf("PostgreSQL : %v", err)
		}
	}
	fin := func() {
		if !garder {
			admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		}
		admin.Close()
	}
	u, err := url.Parse(dsn)
	if err != nil {
		fin()
		return "", nil, false, fmt.Errorf("SEGUR_TEST_POSTGRES_DSN : attendu une adresse postgres://")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), fin, !existe || !garder, nil
}

// serveur is a segur serve started for the benchmark.
type serveur struct {
	cmd  *exec.Cmd
	base string
	log  *os.File
}

func demarrer(ctx context.Context, bin, dir, dbURL string) (*serveur, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	args := []string{"serve", "--addr", addr, "--data", dir}
	if dbURL != "" {
		args = append(args, "--db", dbURL)
	}
	log, err := os.CreateTemp("", "segur-bancfile-serve-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		os.Remove(log.Name())
		return nil, err
	}
	s := &serveur{cmd: cmd, base: "http://" + addr, log: log}
	c := &http.Client{Timeout: 5 * time.Second}
	for range 600 {
		if ctx.Err() != nil {
			s.arreter()
			return nil, ctx.Err()
		}
		resp, err := c.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	j := s.journal()
	s.arreter()
	return nil, fmt.Errorf("segur serve ne répond pas après 60 s :\n%s", j)
}

func (s *serveur) journal() string {
	b, _ := os.ReadFile(s.log.Name())
	return string(b)
}

func (s *serveur) arreter() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.log.Close()
	os.Remove(s.log.Name())
}

// connecter logs in through the login form, as a browser would: the form
// first (its cookies), then the POST, whose answer must be a redirection.
func connecter(ctx context.Context, c *http.Client, base, login, motDePasse string) error {
	if _, _, _, err := get(ctx, c, base+"/connexion"); err != nil {
		return err
	}
	f := url.Values{"login": {login}, "motdepasse": {motDePasse}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/connexion", strings.NewReader(f.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// The portal's cross-origin protection lets a same-origin form in.
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("connexion de %s : réponse %s, attendu 303", login, resp.Status)
	}
	// The queue must now answer, not the login page.
	st, _, _, err := get(ctx, c, base+"/agence/demandes")
	if err != nil {
		return err
	}
	if st != http.StatusOK {
		return fmt.Errorf("connexion de %s : /agence/demandes répond %d après la connexion, attendu 200", login, st)
	}
	return nil
}

// get requests u and reads its answer whole: its status, size and time.
func get(ctx context.Context, c *http.Client, u string) (int, int64, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	debut := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, n, time.Since(debut), err
}

// lienPage finds a page's number in a pagination: a link's ?page=N, or
// the DSFR's « Page 3 sur 201 ».
var lienPage = regexp.MustCompile(`[?&;]page=(\d+)|Page \d+ sur (\d+)`)

// dernierePage reads the last page the pagination of u names (1 without
// pagination).
func dernierePage(ctx context.Context, c *http.Client, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	derniere := 1
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		for _, m := range lienPage.FindAllStringSubmatch(sc.Text(), -1) {
			if n, err := strconv.Atoi(m[1] + m[2]); err == nil {
				derniere = max(derniere, n)
			}
		}
	}
	return derniere, sc.Err()
}

// mesurerPage requests u n times, one after the other, for dureeMax at
// most (past it, it stops, and says how many it made).
func mesurerPage(ctx context.Context, c *http.Client, base, u string, n int, dureeMax time.Duration) mesure {
	m := mesure{url: u, statuts: map[int]int{}}
	var durees []time.Duration
	debut := time.Now()
	for range n {
		st, taille, d, err := get(ctx, c, base+u)
		if err != nil {
			m.erreur = err.Error()
			break
		}
		m.statuts[st]++
		m.taille = taille
		durees = append(durees, d)
		if time.Since(debut) > dureeMax {
			break
		}
	}
	m.n = len(durees)
	if m.n > 0 {
		slices.Sort(durees)
		m.p50, m.p95, m.max = centile(durees, 50), centile(durees, 95), durees[len(durees)-1]
	}
	return m
}

// centile is the p-th percentile of sorted durations, by the nearest rank.
func centile(d []time.Duration, p float64) time.Duration {
	k := int(math.Ceil(p/100*float64(len(d)))) - 1
	return d[max(0, min(k, len(d)-1))]
}

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	if v < 10 {
		return strings.Replace(strconv.FormatFloat(v, 'f', 1, 64), ".", ",", 1)
	}
	return milliers(int(math.Round(v)))
}

// milliers writes n with a narrow no-break space between thousands.
func milliers(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(r)
	}
	return b.String()
}

func taille(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d\u00a0o", n)
	}
	return fmt.Sprintf("%s\u00a0ko", milliers(int((n+512)/1024)))
}

// cellule writes a measure: « p50 / p95 / max ms, status, size », the
// statuses with their counts when they differ, and the repetitions when
// fewer than asked.
func cellule(m mesure, voulu int) string {
	if m.n == 0 {
		return "erreur : " + m.erreur
	}
	var sts []string
	var codes []int
	for st := range m.statuts {
		codes = append(codes, st)
	}
	slices.Sort(codes)
	for _, st := range codes {
		if len(codes) == 1 {
			sts = append(sts, strconv.Itoa(st))
		} else {
			sts = append(sts, fmt.Sprintf("%d\u00a0×\u00a0%d", st, m.statuts[st]))
		}
	}
	s := fmt.Sprintf("%s / %s / %s\u00a0ms, %s, %s", ms(m.p50), ms(m.p95), ms(m.max), strings.Join(sts, " "), taille(m.taille))
	if m.n < voulu {
		s += fmt.Sprintf(" (%d\u00a0requêtes)", m.n)
	}
	if m.erreur != "" {
		s += " ; erreur : " + m.erreur
	}
	return s
}

func ecrireTableau(w io.Writer, commande string, configs []config, res map[config]resultat, generations []string, o options) {
	fmt.Fprintf(w, "Pages des agents : p50 / p95 / max en millisecondes, code HTTP, taille de la réponse ; %d requêtes par page, l'une après l'autre, après 3 de mise en route.\n\n", o.repetitions)
	fmt.Fprintf(w, "- Machine : %d processeurs (%s), %s/%s, %s\n", runtime.NumCPU(), processeur(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(w, "- Commande : `%s`\n", commande)
	fmt.Fprintf(w, "- Date : %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	for _, g := range generations {
		fmt.Fprintf(w, "- %s\n", g)
	}
	fmt.Fprintln(w)
	entete(w, "Page", configs)
	lignesTableau(w, Pages, configs, func(c config, i int) string { return cellule(res[c].pages[i], o.repetitions) })
	fmt.Fprintf(w, "\nExports : médiane / max en secondes sur %d, lignes par seconde (lignes), taille, code HTTP, mémoire résidente maximale du serveur ensuite.\n\n", repetitionsExport)
	entete(w, "Export", configs)
	lignesTableau(w, Exports, configs, func(c config, i int) string { return celluleExport(res[c].exports[i]) })
	fmt.Fprintf(w, "\nPages pendant les exports (un second client les enchaîne sans pause) : p50 / p95 / max.\n\n")
	entete(w, "Page", configs)
	lignesTableau(w, PagesPendantExports, configs, func(c config, i int) string { return cellule(res[c].pendant[i], o.repetitions) })
	fmt.Fprintf(w, "\nCalcul du tableau de bord, sans filtre (celui que `/agence/pilotage` garde une minute) : min / médiane / max sur %d, après un de mise en route.\n\n", repetitionsPilotage)
	entete(w, "Calcul", configs)
	lignesTableau(w, []string{"FindPilotage"}, configs, func(c config, _ int) string {
		r := res[c]
		if r.erreurPilotage != "" {
			return "erreur : " + r.erreurPilotage
		}
		if len(r.pilotage) == 0 {
			return "-"
		}
		return fmt.Sprintf("%s / %s / %s\u00a0ms", ms(r.pilotage[0]), ms(r.pilotage[len(r.pilotage)/2]), ms(r.pilotage[len(r.pilotage)-1]))
	})
}

// lignesTableau writes a table's rows: one per url, its cell for each
// configuration.
func lignesTableau(w io.Writer, urls []string, configs []config, cellule func(c config, i int) string) {
	for i, u := range urls {
		fmt.Fprintf(w, "| `%s` |", u)
		for _, c := range configs {
			fmt.Fprintf(w, " %s |", cellule(c, i))
		}
		fmt.Fprintln(w)
	}
}

// entete writes a table's header: premiere, then a column per
// configuration.
func entete(w io.Writer, premiere string, configs []config) {
	fmt.Fprintf(w, "| %s |", premiere)
	for _, c := range configs {
		fmt.Fprintf(w, " %s |", c)
	}
	fmt.Fprint(w, "\n|---|")
	for range configs {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
}

// processeur is the CPU's model name, from /proc/cpuinfo ("" elsewhere).
func processeur() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "modèle inconnu"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "modèle inconnu"
}
