package segurtest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/segur-numerique/segur/hop"
)

// attenteMax bounds every wait of these tests (for deposits, for a
// server, for a command): a deposit that fails or a process that hangs
// fails the test within it, with its own error, instead of hanging it
// until go test's timeout.
const attenteMax = 2 * time.Minute

// delai returns a context that ends attenteMax from now, or with the test.
func delai(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), attenteMax)
	t.Cleanup(cancel)
	return ctx
}

// binary builds segur once for the tests of this package.
func binary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "segur")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/segur")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// A serveur is a segur serve process.
type serveur struct {
	base string // its URL, http://127.0.0.1:port
	cmd  *exec.Cmd
	fin  chan struct{} // closed once the process has exited
	err  error         // cmd.Wait's error, once fin is closed
}

// serve starts segur serve on data; the process is killed at the end of
// the test if still running.
func serve(t *testing.T, bin, data string, args ...string) *serveur {
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
	var sortie lockedBuffer // its output, for a start that fails
	go func() {
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`Portail segur sur (http://\S+)/`)
		for sc.Scan() {
			fmt.Fprintln(&sortie, sc.Text())
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urlc <- m[1]:
				default:
				}
			}
		}
		// Wait after the last read: it closes the pipe.
		s.err = cmd.Wait()
		close(s.fin)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.fin
	})
	select {
	case s.base = <-urlc:
		return s
	case <-s.fin:
		t.Fatalf("segur serve exited at its start: %v\n%s", s.err, sortie.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("segur serve did not start within 30 s\n%s", sortie.String())
	}
	return nil
}

// arreter sends sig to the server (os.Kill: SIGKILL) and returns its exit
// error once it has exited; it fails t when the server still runs after
// attenteMax.
func (s *serveur) arreter(t *testing.T, sig os.Signal) error {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-s.fin:
		return s.err
	case <-delai(t).Done():
		t.Fatalf("segur serve still running %s after %v", attenteMax, sig)
		return nil
	}
}

// run runs the binary, at most attenteMax, and returns its standard output;
// it fails t unless the command exits 0.
func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	code, out, errs := runCode(t, bin, args...)
	if code != 0 {
		t.Fatalf("segur %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

// jourServeur returns the server's day, AAAAMMJJ in Europe/Paris, read from
// the Date header of its answer to GET /healthz. The portal dates a deposit
// by its own clock, which a test cannot set on the real binary without a
// flag for tests only: the test takes the day from the server itself, as
// a vendor's software would.
func jourServeur(ctx context.Context, base string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/healthz", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return jourDe(resp.Header)
}

// jourDe reads the Date header of an answer of the portal as a day,
// AAAAMMJJ in Europe/Paris.
func jourDe(h http.Header) (string, error) {
	d, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return "", fmt.Errorf("header Date %q: %w", h.Get("Date"), err)
	}
	return d.In(Paris()).Format("20060102"), nil
}

// jourDuServeur is jourServeur for the test goroutine: it fails t on error.
func jourDuServeur(t *testing.T, base string) string {
	t.Helper()
	jour, err := jourServeur(delai(t), base)
	if err != nil {
		t.Fatalf("the server's day: %v", err)
	}
	return jour
}

// dateRejetee tells whether a deposit's answer is a file rejected for the
// date of its name (code 1004, not the day the portal received it).
func dateRejetee(body []byte) bool {
	var d struct {
		Statut string `json:"statut"`
		Motif  *struct {
			Code string `json:"code"`
		} `json:"motif"`
	}
	return json.Unmarshal(body, &d) == nil && d.Statut == "rejete" && d.Motif != nil && d.Motif.Code == hop.CodeNomFichierDate
}

// deposerDuJour posts a deposit through the API under the name nom(jour),
// jour being the server's day (jourServeur) just before: the HTTP status
// (0 when the server does not answer: the other tests take that for a
// stopped server) and the body. When midnight passes between naming the
// file and its receipt, the portal rejects the name's date (1004) and the
// Date of its answer is the next day: the deposit is made once more,
// named for that day (midnight cannot pass twice in a test). A rejection
// with 1004 on the day of the name is not retried: that is a fault.
func deposerDuJour(ctx context.Context, base, token string, nom func(jour string) string, json, zip []byte) (int, []byte) {
	jour, err := jourServeur(ctx, base)
	if err != nil {
		return 0, nil
	}
	code, body, h := poster(ctx, base, token, nom(jour), json, zip)
	if code == http.StatusCreated && dateRejetee(body) {
		if j, err := jourDe(h); err == nil && j != jour {
			code, body, _ = poster(ctx, base, token, nom(j), json, zip)
		}
	}
	return code, body
}

// unJour runs essai, which asks the server its day, names its files for it
// and deposits them through the binary; essai reports whether the portal
// rejected the files' date (1004) while the server's day has changed
// since it named them: midnight passed in between, and essai runs once
// more, for the new day, on a fresh portal.
func unJour(t *testing.T, essai func() (minuitPasse bool)) {
	t.Helper()
	if essai() {
		t.Log("midnight passed between naming the files and depositing them: once more for the new day")
		if essai() {
			t.Fatal("the portal rejected the files' date twice: midnight cannot pass twice")
		}
	}
}

// deposer posts a deposit for the server's day, named by nom, and fails
// t when the server does not answer.
func deposer(t *testing.T, base, token string, nom func(jour string) string, json, zip []byte) (int, []byte) {
	t.Helper()
	code, b := deposerDuJour(delai(t), base, token, nom, json, zip)
	if code == 0 {
		t.Fatal("deposit: no answer from the portal")
	}
	return code, b
}

// enroler enrols the document's vendor with segur admin on the database
// the flag names (--data DIR or --db URL), with its ANS number 1234567890,
// and returns a new API token.
func enroler(t *testing.T, bin, flag, base string) string {
	t.Helper()
	run(t, bin, "admin", "vendor", "add", flag, base, "--siret", "88558855858745", "--name", "Le Beau Logiciel",
		"--email", "contact@lebeaulogiciel.fr", "--force")
	run(t, bin, "admin", "ans", "add", flag, base, "--siret", "88558855858745", "--ans", "1234567890", "--logiciel", "RI", "--product", "RI")
	return strings.TrimSpace(run(t, bin, "admin", "token", "add", flag, base, "--siret", "88558855858745"))
}

// nomDuJour names the ordinal-th file of the day for ANS number 1234567890.
func nomDuJour(ordinal int) func(jour string) string {
	return func(jour string) string { return fmt.Sprintf("JSON-1234567890-%s-%03d.json", jour, ordinal) }
}

// TestBoutEnBout drives the real binary: serve, admin, deposits over HTTP.
func TestBoutEnBout(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	token := enroler(t, bin, "--data", data)
	base := serve(t, bin, data).base
	// The admin works while the server runs.
	now := time.Now().In(Paris())
	run(t, bin, "admin", "window", "add", "--data", data, "--logiciel", "RI", "--from", now.Add(-time.Hour).Format("2006-01-02 15:04"),
		"--to", now.Add(time.Hour).Format("2006-01-02 15:04"))

	ex, err := os.ReadFile("../../hop/testdata/JSON-1234567890-20211025-001.json")
	if err != nil {
		t.Fatal(err)
	}
	zip, _ := os.ReadFile("../../hop/testdata/JSON-1234567890-20211025-001.zip")
	code, body := deposer(t, base, token, nomDuJour(1), ex, zip)
	var d struct {
		ID       int64  `json:"id"`
		Statut   string `json:"statut"`
		Demandes []struct {
			NumeroASP *string `json:"numeroASP"`
		} `json:"demandes"`
	}
	json.Unmarshal(body, &d)
	if code != 201 || d.Statut != "traite" || len(d.Demandes) != 1 || d.Demandes[0].NumeroASP == nil {
		t.Fatalf("got %d %s, want the example accepted with an ASP number", code, body)
	}
	if code, body := deposer(t, base, token, nomDuJour(1), ex, zip); code != 409 || !strings.Contains(string(body), fmt.Sprint(d.ID)) {
		t.Errorf("again: got %d %s, want 409 naming deposit %d", code, body, d.ID)
	}
	if code, body := deposer(t, base, token, nomDuJour(2), ex[:500], zip); code != 201 || !strings.Contains(string(body), `"statut": "rejete"`) || !strings.Contains(string(body), `"code": "1012"`) {
		t.Errorf("broken: got %d %s, want a rejected deposit with 1012", code, body)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("healthz: %v %v", resp, err)
	}
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	// As many rejected as recorded: one, or two when midnight passed
	// during a deposit (deposerDuJour).
	var list struct {
		Depots []depotVu `json:"depots"`
	}
	getJSON(t, base, token, "/api/v1/depots?parPage=500", &list)
	rejetes := 0
	for _, d := range list.Depots {
		if d.Statut == "rejete" {
			rejetes++
		}
	}
	if !strings.Contains(string(m), `segur_depots_total{statut="traite"} 1`) || rejetes == 0 ||
		!strings.Contains(string(m), fmt.Sprintf(`segur_depots_total{statut="rejete"} %d`, rejetes)) {
		t.Errorf("metrics, want 1 deposit traite and %d rejete:\n%s", rejetes, m)
	}
}

// fichierNumero is the example with numeroEditeur ed and a distinct
// mandataire name (so no two files are equal), with its zip.
func fichierNumero(t *testing.T, ed string, i int) ([]byte, []byte) {
	t.Helper()
	ex, err := os.ReadFile("../../hop/testdata/JSON-1234567890-20211025-001.json")
	if err != nil {
		t.Fatal(err)
	}
	ex = bytes.Replace(ex, []byte(`"numeroEditeur": "00001"`), []byte(`"numeroEditeur": "`+ed+`"`), 1)
	ex = bytes.ReplaceAll(ex, []byte("-00001.pdf"), []byte("-"+ed+".pdf"))
	ex = bytes.Replace(ex, []byte(`"DUPONT"`), []byte(fmt.Sprintf(`"DUPONT %d"`, i)), 1)
	pdf, _ := os.ReadFile("../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range []string{"HOP-RI-Va1-BDC-" + ed + ".pdf", "HOP-RI-Va1-HT-" + ed + ".pdf"} {
		w, _ := zw.Create(n)
		w.Write(pdf)
	}
	zw.Close()
	return ex, buf.Bytes()
}

type depotVu struct {
	NomFichier string  `json:"nomFichier"`
	ID         int64   `json:"id"`
	Statut     string  `json:"statut"`
	Fichier    *string `json:"fichierRetour"`
	Motif      *struct {
		Code string `json:"code"`
	} `json:"motif"`
	Demandes []struct {
		NumeroEditeur string  `json:"numeroEditeur"`
		NumeroASP     *string `json:"numeroASP"`
	} `json:"demandes"`
}

func getJSON(t *testing.T, base, token, path string, v any) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(delai(t), "GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		json.Unmarshal(b, v)
	}
	return resp.StatusCode
}

// unFichier is a deposit's JSON and zip, made before the clients start.
type unFichier struct{ json, zip []byte }

// fichiersNumeros makes n files by fichierNumero, numeroEditeur
// prefix+%04d, in the test goroutine (fichierNumero fails t).
func fichiersNumeros(t *testing.T, prefix string, n int) []unFichier {
	t.Helper()
	out := make([]unFichier, n)
	for i := range out {
		out[i].json, out[i].zip = fichierNumero(t, fmt.Sprintf("%s%04d", prefix, i), i)
	}
	return out
}

// clients runs 8 clients in parallel that call deposit for 0..n-1, until
// done or ctx ends: deposit returns an error for a deposit that failed and
// true for one answered 201 (sent on ok). The errors come back on the
// channel returned, closed when the clients have returned; only the test
// goroutine fails the test.
func clients(ctx context.Context, n int, ok chan<- struct{}, deposit func(ctx context.Context, i int) (bool, error)) <-chan error {
	jobs := make(chan int)
	errs := make(chan error, n)
	go func() {
		defer close(jobs)
		for i := range n {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range jobs {
				answered, err := deposit(ctx, i)
				if err != nil {
					errs <- err
				}
				if answered {
					ok <- struct{}{}
				}
			}
		})
	}
	go func() {
		wg.Wait()
		close(errs)
	}()
	return errs
}

// attendreDepots waits for n deposits answered 201 on ok; it fails t with
// a deposit's own error as soon as one fails, or after attenteMax.
func attendreDepots(t *testing.T, n int, ok <-chan struct{}, errs <-chan error) {
	t.Helper()
	ctx := delai(t)
	for k := 0; k < n; {
		select {
		case <-ok:
			k++
		case err, open := <-errs:
			if open {
				t.Fatalf("before %d deposits answered (%d so far): %v", n, k, err)
			}
			// The clients have returned: all they answered is on ok.
			for ; k < n; k++ {
				select {
				case <-ok:
				default:
					t.Fatalf("the clients stopped after %d deposits answered, want %d", k, n)
				}
			}
			return
		case <-ctx.Done():
			t.Fatalf("%d deposits answered in %s, want %d", k, attenteMax, n)
		}
	}
}

// finClients waits for the clients to return, at most attenteMax, and
// fails t with each error they sent back.
func finClients(t *testing.T, errs <-chan error) {
	t.Helper()
	ctx := delai(t)
	for {
		select {
		case err, open := <-errs:
			if !open {
				return
			}
			t.Error(err)
		case <-ctx.Done():
			t.Fatalf("clients still running %s after the stop", attenteMax)
		}
	}
}

// TestCrash kills the server (SIGKILL) while deposits are in flight: after a
// restart each deposit is wholly there or absent, every deposit answered 201
// is there with its ASP number, and no ASP number is ever given twice.
func TestCrash(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	token := enroler(t, bin, "--data", data)
	srv := serve(t, bin, data)
	base := srv.base

	const n = 200
	fichiers := fichiersNumeros(t, "K", n)
	var mu sync.Mutex
	answered := map[string]string{} // numeroEditeur → ASP number, for deposits answered 201
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ok := make(chan struct{}, n)
	errs := clients(ctx, n, ok, func(ctx context.Context, i int) (bool, error) {
		ed := fmt.Sprintf("K%04d", i)
		code, body := deposerDuJour(ctx, base, token, nomDuJour(i+1), fichiers[i].json, fichiers[i].zip)
		if code == 0 { // killed: no answer
			return false, nil
		}
		var d depotVu
		json.Unmarshal(body, &d)
		if code != 201 || d.Statut != "traite" || len(d.Demandes) != 1 || d.Demandes[0].NumeroASP == nil {
			return false, fmt.Errorf("deposit %d: got %d %s, want accepted with an ASP number", i, code, body)
		}
		mu.Lock()
		answered[ed] = *d.Demandes[0].NumeroASP
		mu.Unlock()
		return true, nil
	})
	attendreDepots(t, 20, ok, errs) // kill once deposits are flowing
	srv.arreter(t, os.Kill)         // SIGKILL: no shutdown at all
	finClients(t, errs)

	base = serve(t, bin, data).base
	var list struct {
		Depots []depotVu `json:"depots"`
		Total  int       `json:"total"`
	}
	getJSON(t, base, token, "/api/v1/depots?parPage=500", &list)
	t.Logf("%d deposits answered 201 before the kill, %d recorded", len(answered), list.Total)
	asp := map[string]string{}
	for _, d := range list.Depots {
		var full depotVu
		getJSON(t, base, token, fmt.Sprintf("/api/v1/depots/%d", d.ID), &full)
		if full.Statut == "rejete" && full.Motif != nil && full.Motif.Code == hop.CodeNomFichierDate {
			continue // midnight passed during its deposit, made again (deposerDuJour)
		}
		if full.Statut != "traite" || len(full.Demandes) != 1 || full.Demandes[0].NumeroASP == nil || full.Fichier == nil {
			t.Errorf("deposit %d half there: %+v", d.ID, full)
			continue
		}
		if code := getJSON(t, base, token, *full.Fichier, nil); code != 200 {
			t.Errorf("deposit %d: returned file gives %d", d.ID, code)
		}
		a := *full.Demandes[0].NumeroASP
		if other, dup := asp[a]; dup {
			t.Errorf("ASP number %s given to %s and %s", a, other, full.Demandes[0].NumeroEditeur)
		}
		asp[a] = full.Demandes[0].NumeroEditeur
	}
	for ed, a := range answered {
		if asp[a] != ed {
			t.Errorf("deposit of %s answered 201 with %s is not recorded so", ed, a)
		}
	}
	// After the restart, new ASP numbers never repeat an old one.
	ex, zip := fichierNumero(t, "Z0001", 999)
	code, body := deposer(t, base, token, nomDuJour(999), ex, zip)
	var d depotVu
	json.Unmarshal(body, &d)
	if code != 201 || len(d.Demandes) != 1 || d.Demandes[0].NumeroASP == nil {
		t.Fatalf("after restart: got %d %s", code, body)
	}
	if _, dup := asp[*d.Demandes[0].NumeroASP]; dup {
		t.Errorf("ASP number %s given again after the restart", *d.Demandes[0].NumeroASP)
	}
	// The data the kill left: files, numbers, sequences, triggers.
	verifier(t, bin, "--data", data)
	// Its backup, taken while the server runs, restores into a new folder
	// that verify passes too.
	dest, restauree := filepath.Join(t.TempDir(), "sauvegarde"), filepath.Join(t.TempDir(), "restauree")
	for _, args := range [][]string{{"admin", "backup", "--data", data, "--to", dest}, {"admin", "restore", "--from", dest, "--data", restauree}} {
		if code, out, errs := runCode(t, bin, args...); code != 0 {
			t.Errorf("segur %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
	}
	verifier(t, bin, "--data", restauree)
}

// poster posts a deposit: the HTTP status (0 when the server does not
// answer), the body and the headers of the answer.
func poster(ctx context.Context, base, token, nom string, json, zip []byte) (int, []byte, http.Header) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("typeDemande", "avance")
	w.WriteField("numeroAns", "1234567890")
	fw, _ := w.CreateFormFile("fichier", nom)
	fw.Write(json)
	if zip != nil {
		zw, _ := w.CreateFormFile("pieces", "pieces.zip")
		zw.Write(zip)
	}
	w.Close()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/depots", &buf)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil // cut in the middle of the answer
	}
	return resp.StatusCode, b, resp.Header
}

// TestDeuxServeurs runs two segur serve on one PostgreSQL and one S3 store
// and sends deposits to both at once: no ASP number, numeroEditeur or
// ordinal given twice, and a returned file deposited through one server is
// downloaded through the other.
func TestDeuxServeurs(t *testing.T) {
	dsn := FreshSchema(t, PostgresDSN(t))
	s3 := S3URL(t)
	bin := binary(t)
	run(t, bin, "migrate", "--db", dsn)
	token := enroler(t, bin, "--db", dsn)
	a := serve(t, bin, t.TempDir(), "--db", dsn, "--blobs", s3).base
	b := serve(t, bin, t.TempDir(), "--db", dsn, "--blobs", s3).base

	// 32 deposits, half to each server; numbers and ordinals collide in pairs.
	const n = 32
	errs := make(chan error, n)
	var wg sync.WaitGroup
	ctx := delai(t)
	for i := range n {
		base := a
		if i%2 == 1 {
			base = b
		}
		ex, zip := fichierNumero(t, fmt.Sprintf("S%04d", i%24), i)
		wg.Go(func() {
			if code, body := deposerDuJour(ctx, base, token, nomDuJour(i%28+1), ex, zip); code != 201 {
				errs <- fmt.Errorf("deposit %d: got %d %s", i, code, body)
			}
		})
	}
	go func() {
		wg.Wait()
		close(errs)
	}()
	finClients(t, errs)
	var list struct {
		Depots []depotVu `json:"depots"`
		Total  int       `json:"total"`
	}
	getJSON(t, b, token, "/api/v1/depots?parPage=500", &list)
	minuit := 0 // deposits rejected because midnight passed during them, made again
	asp, editeurs, ordinaux := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, d := range list.Depots {
		// Read each deposit through the other server than the list's, alternately.
		base := a
		if i%2 == 1 {
			base = b
		}
		var full depotVu
		getJSON(t, base, token, fmt.Sprintf("/api/v1/depots/%d", d.ID), &full)
		if full.Statut == "rejete" && full.Motif != nil && full.Motif.Code == hop.CodeNomFichierDate {
			minuit++
		}
		if full.Statut != "traite" {
			continue
		}
		if ordinaux[full.NomFichier] {
			t.Errorf("ordinal of %s used twice", full.NomFichier)
		}
		ordinaux[full.NomFichier] = true
		if code := getJSON(t, base, token, *full.Fichier, nil); code != 200 {
			t.Errorf("returned file of deposit %d through %s: %d", d.ID, base, code)
		}
		for _, l := range full.Demandes {
			if l.NumeroASP == nil {
				continue
			}
			if asp[*l.NumeroASP] || editeurs[l.NumeroEditeur] {
				t.Errorf("ASP number %s or numeroEditeur %s given twice", *l.NumeroASP, l.NumeroEditeur)
			}
			asp[*l.NumeroASP], editeurs[l.NumeroEditeur] = true, true
		}
	}
	if list.Total-minuit != n {
		t.Errorf("got %d deposits (%d of them made again after midnight), want %d", list.Total, minuit, n)
	}
	if len(editeurs) != 24 {
		t.Errorf("got %d numeroEditeur accepted, want 24 (each once)", len(editeurs))
	}
}

// TestArretPropre stops the server while deposits are in flight, with
// each signal cmd/segur stops on (signal.NotifyContext with os.Interrupt
// and SIGTERM): SIGTERM, which systemd and Kubernetes send, and SIGINT
// (Ctrl-C). Each request answered is answered whole and recorded, the
// server exits 0.
func TestArretPropre(t *testing.T) {
	bin := binary(t)
	for _, c := range []struct {
		nom string
		sig os.Signal
	}{{"SIGTERM", syscall.SIGTERM}, {"SIGINT", os.Interrupt}} {
		t.Run(c.nom, func(t *testing.T) { arretPropre(t, bin, c.sig) })
	}
}

func arretPropre(t *testing.T, bin string, sig os.Signal) {
	data := t.TempDir()
	token := enroler(t, bin, "--data", data)
	srv := serve(t, bin, data)
	base := srv.base

	const n = 300
	fichiers := fichiersNumeros(t, "G", n)
	var mu sync.Mutex
	answered := map[string]bool{}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ok := make(chan struct{}, n)
	errs := clients(ctx, n, ok, func(ctx context.Context, i int) (bool, error) {
		ed := fmt.Sprintf("G%04d", i)
		code, body := deposerDuJour(ctx, base, token, nomDuJour(i+1), fichiers[i].json, fichiers[i].zip)
		switch code {
		case 0: // refused: the server no longer accepts connections
			return false, nil
		case 201:
			mu.Lock()
			answered[ed] = true
			mu.Unlock()
			return true, nil
		}
		return false, fmt.Errorf("deposit %d: got %d %s during the shutdown", i, code, body)
	})
	attendreDepots(t, 20, ok, errs)
	if err := srv.arreter(t, sig); err != nil {
		t.Errorf("segur serve after %v: %v, want exit 0", sig, err)
	}
	finClients(t, errs)

	base = serve(t, bin, data).base
	var list struct {
		Depots []depotVu `json:"depots"`
		Total  int       `json:"total"`
	}
	getJSON(t, base, token, "/api/v1/depots?parPage=500", &list)
	if list.Total < len(answered) {
		t.Errorf("got %d deposits recorded, want at least the %d answered", list.Total, len(answered))
	}
	t.Logf("%d deposits answered before the stop, %d recorded", len(answered), list.Total)
}

// TestDemoNavigateur: the real binary with --demo, as make run starts it,
// shows the portal's pages to the demo vendor in Chromium.
func TestDemoNavigateur(t *testing.T) {
	n := demoNavigateur(t)
	n.connexion("fournisseur@lebeaulogiciel.fr")
	n.do("tableau de bord", chromedp.WaitVisible(chromedp.CSS("caption")))
	main := n.texte("main")
	if !strings.Contains(main, "Le Beau Logiciel") || !strings.Contains(main, "1234567890") || !strings.Contains(strings.ToLower(main), "ouverte") ||
		!strings.Contains(main, "2 demandes acceptées") {
		t.Errorf("demo dashboard: %q", main)
	}
	n.capture("tableau-demo")
}

// runCode runs the binary, at most attenteMax, and returns its exit status
// and outputs.
func runCode(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	ctx := delai(t)
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("segur %s: still running after %s\n%s", strings.Join(args, " "), attenteMax, errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// TestSubmit deposits through segur submit, through a proxy that drops the
// first answer after the portal recorded the deposit: the retry gets that
// deposit back, never a second one; the ledger, the returned file and
// segur status agree.
func TestSubmit(t *testing.T) {
	bin := binary(t)
	unJour(t, func() bool { return submit(t, bin) })
}

// submit is TestSubmit on a fresh portal; it reports whether midnight
// passed between naming the file and depositing it (see unJour).
func submit(t *testing.T, bin string) (minuitPasse bool) {
	data := t.TempDir()
	token := enroler(t, bin, "--data", data)
	base := serve(t, bin, data).base
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "jeton.txt")
	os.WriteFile(tokenFile, []byte(token+"\n"), 0o600)
	ex, _ := os.ReadFile("../../hop/testdata/JSON-1234567890-20211025-001.json")
	zip, _ := os.ReadFile("../../hop/testdata/JSON-1234567890-20211025-001.zip")
	jour := jourDuServeur(t, base)
	jsonPath := filepath.Join(dir, nomDuJour(1)(jour))
	zipPath := strings.TrimSuffix(jsonPath, ".json") + ".zip"
	os.WriteFile(jsonPath, ex, 0o644)
	os.WriteFile(zipPath, zip, 0o644)

	target, _ := url.Parse(base)
	rp := httputil.NewSingleHostReverseProxy(target)
	var posts atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && posts.Add(1) == 1 {
			rp.ServeHTTP(httptest.NewRecorder(), r) // recorded by the portal…
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close() // …but the answer never arrives
			}
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()

	code, out, errs := runCode(t, bin, "submit", "--url", proxy.URL, "--token-file", tokenFile, jsonPath, zipPath)
	if code == 2 && strings.Contains(errs, hop.CodeNomFichierDate) && jourDuServeur(t, base) != jour {
		return true
	}
	if code != 0 || !strings.Contains(out, "Demande acceptée") || !strings.Contains(out, "ASP-") || !strings.Contains(errs, "nouvel essai") {
		t.Fatalf("submit: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if posts.Load() != 2 {
		t.Errorf("got %d POSTs, want 2 (one dropped, one retry)", posts.Load())
	}
	var list struct {
		Total int `json:"total"`
	}
	getJSON(t, base, token, "/api/v1/depots", &list)
	if list.Total != 1 {
		t.Errorf("got %d deposits, want 1", list.Total)
	}
	retour, err := os.ReadFile(strings.TrimSuffix(jsonPath, ".json") + ".retour.json")
	if err != nil || !bytes.Contains(retour, []byte(`"numeroASP": "ASP-`)) {
		t.Errorf("returned file: %v\n%s", err, retour)
	}
	ledger, err := os.ReadFile(filepath.Join(dir, "carnet-numeros.json"))
	if err != nil || !bytes.Contains(ledger, []byte(`"etat": "accepte"`)) || !bytes.Contains(ledger, []byte(`"numeroASP": "ASP-`)) {
		t.Errorf("ledger: %v\n%s", err, ledger)
	}
	// Sent again by mistake: the same deposit, still one.
	code, _, _ = runCode(t, bin, "submit", "--url", base, "--token-file", tokenFile, jsonPath, zipPath)
	getJSON(t, base, token, "/api/v1/depots", &list)
	if code != 0 || list.Total != 1 {
		t.Errorf("sent again: exit %d, %d deposits, want 0 and 1", code, list.Total)
	}
	code, out, _ = runCode(t, bin, "status", "--url", base, "--token-file", tokenFile)
	if code != 0 || !strings.Contains(out, "ASP-") || !strings.Contains(out, "Déposée") || !strings.Contains(out, "13\u202f750,00\u202f€") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	// A wrong token: refused by the portal, exit 4.
	os.WriteFile(tokenFile, []byte("sgr_faux"), 0o600)
	if code, _, errs := runCode(t, bin, "submit", "--url", base, "--token-file", tokenFile, jsonPath, zipPath); code != 4 {
		t.Errorf("wrong token: exit %d, want 4\n%s", code, errs)
	}
	return false
}

// TestBuildSubmit: the shipped order book → segur build → files that the
// portal accepts through segur submit → ASP numbers in the ledger; a second
// build of the same orders without their numbers takes fresh ones.
func TestBuildSubmit(t *testing.T) {
	bin := binary(t)
	unJour(t, func() bool { return buildSubmit(t, bin) })
}

// buildSubmit is TestBuildSubmit on a fresh portal; it reports whether
// midnight passed between naming the files and depositing them (see
// unJour). segur build names its files for the server's day (--date).
func buildSubmit(t *testing.T, bin string) (minuitPasse bool) {
	data := t.TempDir()
	token := enroler(t, bin, "--data", data)
	base := serve(t, bin, data).base
	out := t.TempDir()
	tokenFile := filepath.Join(out, "..", filepath.Base(out)+"-jeton.txt")
	os.WriteFile(tokenFile, []byte(token), 0o600)
	jour := jourDuServeur(t, base)
	// dateRejetee: segur submit rejected the file for its date, on
	// another day than the one it was named for.
	dateRejetee := func(code int, errs string) bool {
		return code == 2 && strings.Contains(errs, hop.CodeNomFichierDate) && jourDuServeur(t, base) != jour
	}

	code, _, errs := runCode(t, bin, "build", "--ans", "1234567890", "--siret", "88558855858745", "--from", "../../docs/exemple-carnet.csv",
		"--pieces-dir", "../../docs/pieces", "--out", out, "--url", base, "--token-file", tokenFile, "--date", jour)
	if code != 0 {
		t.Fatalf("build: exit %d\n%s", code, errs)
	}
	jsonPath := filepath.Join(out, "JSON-1234567890-"+jour+"-001.json")
	code, stdout, errs := runCode(t, bin, "submit", "--url", base, "--token-file", tokenFile, "--ledger", filepath.Join(out, "carnet-numeros.json"),
		jsonPath, strings.TrimSuffix(jsonPath, ".json")+".zip")
	if dateRejetee(code, errs) {
		return true
	}
	if code != 0 || strings.Count(stdout, "Demande acceptée") != 2 {
		t.Fatalf("submit: exit %d\n%s\n%s", code, stdout, errs)
	}
	ledger, _ := os.ReadFile(filepath.Join(out, "carnet-numeros.json"))
	if bytes.Count(ledger, []byte(`"etat": "accepte"`)) != 2 {
		t.Errorf("ledger:\n%s", ledger)
	}
	// The same orders without their numbers: fresh ones, never E0001
	// (the book's own) nor 00001 (given to its other order) again, in the
	// next file of the day.
	book, _ := os.ReadFile("../../docs/exemple-carnet.csv")
	book = bytes.ReplaceAll(book, []byte(";E0001;"), []byte(";;"))
	bookPath := filepath.Join(out, "carnet2.csv")
	os.WriteFile(bookPath, book, 0o644)
	code, _, errs = runCode(t, bin, "build", "--ans", "1234567890", "--siret", "88558855858745", "--from", bookPath,
		"--pieces-dir", "../../docs/pieces", "--out", out, "--url", base, "--token-file", tokenFile, "--date", jour)
	if code != 0 {
		t.Fatalf("second build: exit %d\n%s", code, errs)
	}
	second, err := os.ReadFile(filepath.Join(out, "JSON-1234567890-"+jour+"-002.json"))
	if err != nil || bytes.Contains(second, []byte(`"numeroEditeur": "E0001"`)) || bytes.Contains(second, []byte(`"numeroEditeur": "00001"`)) ||
		!bytes.Contains(second, []byte(`"numeroEditeur": "00002"`)) || !bytes.Contains(second, []byte(`"numeroEditeur": "00003"`)) {
		t.Errorf("second build: %v\n%s", err, second)
	}

	// The same book as a spreadsheet (XLSX), deposited: accepted too.
	x := excelize.NewFile()
	for i, line := range strings.Split(strings.TrimSpace(strings.TrimPrefix(string(book), "\uFEFF")), "\n") {
		for j, v := range strings.Split(strings.TrimRight(line, "\r"), ";") {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			x.SetCellStr("Sheet1", cell, v)
		}
	}
	xlsx := filepath.Join(out, "carnet3.xlsx")
	if err := x.SaveAs(xlsx); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runCode(t, bin, "build", "--ans", "1234567890", "--siret", "88558855858745", "--from", xlsx,
		"--pieces-dir", "../../docs/pieces", "--out", out, "--url", base, "--token-file", tokenFile, "--date", jour)
	if code != 0 {
		t.Fatalf("XLSX build: exit %d\n%s", code, errs)
	}
	third := filepath.Join(out, "JSON-1234567890-"+jour+"-003.json")
	code, stdout, errs = runCode(t, bin, "submit", "--url", base, "--token-file", tokenFile, "--ledger", filepath.Join(out, "carnet-numeros.json"),
		third, strings.TrimSuffix(third, ".json")+".zip")
	if dateRejetee(code, errs) {
		return true
	}
	if code != 0 || strings.Count(stdout, "Demande acceptée") != 2 {
		t.Errorf("XLSX submit: exit %d\n%s\n%s", code, stdout, errs)
	}
	return false
}
