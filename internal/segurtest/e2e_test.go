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
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

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

// serve starts segur serve on data and returns its base URL.
func serve(t *testing.T, bin, data string, args ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`Portail segur sur (http://\S+)/`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
	}()
	select {
	case u := <-urlc:
		return u, cmd
	case <-time.After(30 * time.Second):
		t.Fatal("segur serve did not start")
	}
	return "", nil
}

func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if ok := errorAs(err, &ee); ok {
			t.Fatalf("segur %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
		}
		t.Fatal(err)
	}
	return string(out)
}

func errorAs(err error, target **exec.ExitError) bool {
	ee, ok := err.(*exec.ExitError)
	if ok {
		*target = ee
	}
	return ok
}

func deposer(t *testing.T, base, token, nom string, json, zip []byte) (int, []byte) {
	t.Helper()
	code, b := deposerSansEchec(base, token, nom, json, zip)
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

// TestBoutEnBout drives the real binary: serve, admin, deposits over HTTP.
func TestBoutEnBout(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	token := enroler(t, bin, "--data", data)
	base, _ := serve(t, bin, data)
	// The admin works while the server runs.
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Now().In(paris)
	run(t, bin, "admin", "window", "add", "--data", data, "--logiciel", "RI", "--from", now.Add(-time.Hour).Format("2006-01-02 15:04"),
		"--to", now.Add(time.Hour).Format("2006-01-02 15:04"))

	ex, err := os.ReadFile("../../hop/testdata/JSON-1234567890-20211025-001.json")
	if err != nil {
		t.Fatal(err)
	}
	zip, _ := os.ReadFile("../../hop/testdata/JSON-1234567890-20211025-001.zip")
	nom := fmt.Sprintf("JSON-1234567890-%s-001.json", now.Format("20060102"))
	code, body := deposer(t, base, token, nom, ex, zip)
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
	if code, body := deposer(t, base, token, nom, ex, zip); code != 409 || !strings.Contains(string(body), fmt.Sprint(d.ID)) {
		t.Errorf("again: got %d %s, want 409 naming deposit %d", code, body, d.ID)
	}
	nom2 := fmt.Sprintf("JSON-1234567890-%s-002.json", now.Format("20060102"))
	if code, body := deposer(t, base, token, nom2, ex[:500], zip); code != 201 || !strings.Contains(string(body), `"statut": "rejete"`) || !strings.Contains(string(body), `"code": "1012"`) {
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
	if !strings.Contains(string(m), `segur_depots_total{statut="traite"} 1`) || !strings.Contains(string(m), `segur_depots_total{statut="rejete"} 1`) {
		t.Errorf("metrics:\n%s", m)
	}
	_ = context.Background
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
	Demandes   []struct {
		NumeroEditeur string  `json:"numeroEditeur"`
		NumeroASP     *string `json:"numeroASP"`
	} `json:"demandes"`
}

func getJSON(t *testing.T, base, token, path string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
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

// TestCrash kills the server (SIGKILL) while deposits are in flight: after a
// restart each deposit is wholly there or absent, every deposit answered 201
// is there with its ASP number, and no ASP number is ever given twice.
func TestCrash(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	token := enroler(t, bin, "--data", data)
	base, cmd := serve(t, bin, data)
	paris, _ := time.LoadLocation("Europe/Paris")
	jour := time.Now().In(paris).Format("20060102")

	const n = 200
	var mu sync.Mutex
	answered := map[string]string{} // numeroEditeur → ASP number, for deposits answered 201
	var wg sync.WaitGroup
	jobs := make(chan int)
	ok := make(chan struct{}, n)
	for range 8 { // 8 clients in parallel
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				ed := fmt.Sprintf("K%04d", i)
				ex, zip := fichierNumero(t, ed, i)
				code, body := deposerSansEchec(base, token, fmt.Sprintf("JSON-1234567890-%s-%03d.json", jour, i+1), ex, zip)
				if code != 201 {
					continue
				}
				var d depotVu
				json.Unmarshal(body, &d)
				if len(d.Demandes) == 1 && d.Demandes[0].NumeroASP != nil {
					mu.Lock()
					answered[ed] = *d.Demandes[0].NumeroASP
					mu.Unlock()
				}
				ok <- struct{}{}
			}
		}()
	}
	go func() {
		for i := range n {
			jobs <- i
		}
		close(jobs)
	}()
	for range 20 { // kill once deposits are flowing
		<-ok
	}
	cmd.Process.Kill() // SIGKILL: no shutdown at all
	cmd.Wait()
	wg.Wait()

	base, _ = serve(t, bin, data)
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
	code, body := deposerSansEchec(base, token, fmt.Sprintf("JSON-1234567890-%s-999.json", jour), ex, zip)
	var d depotVu
	json.Unmarshal(body, &d)
	if code != 201 || d.Demandes[0].NumeroASP == nil {
		t.Fatalf("after restart: got %d %s", code, body)
	}
	if _, dup := asp[*d.Demandes[0].NumeroASP]; dup {
		t.Errorf("ASP number %s given again after the restart", *d.Demandes[0].NumeroASP)
	}
}

// deposerSansEchec posts a deposit; a failed connection gives code 0.
func deposerSansEchec(base, token, nom string, json, zip []byte) (int, []byte) {
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
	req, _ := http.NewRequest("POST", base+"/api/v1/depots", &buf)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
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
	a, _ := serve(t, bin, t.TempDir(), "--db", dsn, "--blobs", s3)
	b, _ := serve(t, bin, t.TempDir(), "--db", dsn, "--blobs", s3)
	paris, _ := time.LoadLocation("Europe/Paris")
	jour := time.Now().In(paris).Format("20060102")

	// 32 deposits, half to each server; numbers and ordinals collide in pairs.
	const n = 32
	var wg sync.WaitGroup
	for i := range n {
		base := a
		if i%2 == 1 {
			base = b
		}
		ex, zip := fichierNumero(t, fmt.Sprintf("S%04d", i%24), i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, body := deposerSansEchec(base, token, fmt.Sprintf("JSON-1234567890-%s-%03d.json", jour, i%28+1), ex, zip); code != 201 {
				t.Errorf("deposit %d: got %d %s", i, code, body)
			}
		}()
	}
	wg.Wait()
	var list struct {
		Depots []depotVu `json:"depots"`
		Total  int       `json:"total"`
	}
	getJSON(t, b, token, "/api/v1/depots?parPage=500", &list)
	if list.Total != n {
		t.Fatalf("got %d deposits, want %d", list.Total, n)
	}
	asp, editeurs, ordinaux := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, d := range list.Depots {
		// Read each deposit through the other server than the list's, alternately.
		base := a
		if i%2 == 1 {
			base = b
		}
		var full depotVu
		getJSON(t, base, token, fmt.Sprintf("/api/v1/depots/%d", d.ID), &full)
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
	if len(editeurs) != 24 {
		t.Errorf("got %d numeroEditeur accepted, want 24 (each once)", len(editeurs))
	}
}

// TestArretPropre stops the server (SIGTERM) while deposits are in flight:
// each request answered is answered whole and recorded, the server exits 0.
func TestArretPropre(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	token := enroler(t, bin, "--data", data)
	base, cmd := serve(t, bin, data)
	paris, _ := time.LoadLocation("Europe/Paris")
	jour := time.Now().In(paris).Format("20060102")

	var mu sync.Mutex
	answered := map[string]bool{}
	var wg sync.WaitGroup
	jobs := make(chan int)
	ok := make(chan struct{}, 300)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				ed := fmt.Sprintf("G%04d", i)
				ex, zip := fichierNumero(t, ed, i)
				code, body := deposerSansEchec(base, token, fmt.Sprintf("JSON-1234567890-%s-%03d.json", jour, i+1), ex, zip)
				switch code {
				case 0: // refused: the server no longer accepts connections
				case 201:
					mu.Lock()
					answered[ed] = true
					mu.Unlock()
					ok <- struct{}{}
				default:
					t.Errorf("deposit %d: got %d %s during the shutdown", i, code, body)
				}
			}
		}()
	}
	go func() {
		for i := range 300 {
			jobs <- i
		}
		close(jobs)
	}()
	for range 20 {
		<-ok
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("segur serve after SIGINT: %v, want exit 0", err)
	}
	wg.Wait()

	base, _ = serve(t, bin, data)
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

// runCode runs the binary and returns its exit status and outputs.
func runCode(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
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
	data := t.TempDir()
	token := enroler(t, bin, "--data", data)
	base, _ := serve(t, bin, data)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "jeton.txt")
	os.WriteFile(tokenFile, []byte(token+"\n"), 0o600)
	paris, _ := time.LoadLocation("Europe/Paris")
	ex, _ := os.ReadFile("../../hop/testdata/JSON-1234567890-20211025-001.json")
	zip, _ := os.ReadFile("../../hop/testdata/JSON-1234567890-20211025-001.zip")
	jsonPath := filepath.Join(dir, fmt.Sprintf("JSON-1234567890-%s-001.json", time.Now().In(paris).Format("20060102")))
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
	if code != 0 || !strings.Contains(out, "ASP-") || !strings.Contains(out, "deposee") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	// A wrong token: refused by the portal, exit 4.
	os.WriteFile(tokenFile, []byte("sgr_faux"), 0o600)
	if code, _, errs := runCode(t, bin, "submit", "--url", base, "--token-file", tokenFile, jsonPath, zipPath); code != 4 {
		t.Errorf("wrong token: exit %d, want 4\n%s", code, errs)
	}
}

// TestBuildSubmit: the shipped order book → segur build → files that the
// portal accepts through segur submit → ASP numbers in the ledger; a second
// build of the same orders without their numbers takes fresh ones.
func TestBuildSubmit(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	token := enroler(t, bin, "--data", data)
	base, _ := serve(t, bin, data)
	out := t.TempDir()
	tokenFile := filepath.Join(out, "..", filepath.Base(out)+"-jeton.txt")
	os.WriteFile(tokenFile, []byte(token), 0o600)
	paris, _ := time.LoadLocation("Europe/Paris")
	jour := time.Now().In(paris).Format("20060102")

	code, _, errs := runCode(t, bin, "build", "--ans", "1234567890", "--siret", "88558855858745", "--from", "../../docs/exemple-carnet.csv",
		"--pieces-dir", "../../docs/pieces", "--out", out, "--url", base, "--token-file", tokenFile)
	if code != 0 {
		t.Fatalf("build: exit %d\n%s", code, errs)
	}
	jsonPath := filepath.Join(out, "JSON-1234567890-"+jour+"-001.json")
	code, stdout, errs := runCode(t, bin, "submit", "--url", base, "--token-file", tokenFile, "--ledger", filepath.Join(out, "carnet-numeros.json"),
		jsonPath, strings.TrimSuffix(jsonPath, ".json")+".zip")
	if code != 0 || strings.Count(stdout, "Demande acceptée") != 2 {
		t.Fatalf("submit: exit %d\n%s\n%s", code, stdout, errs)
	}
	ledger, _ := os.ReadFile(filepath.Join(out, "carnet-numeros.json"))
	if bytes.Count(ledger, []byte(`"etat": "accepte"`)) != 2 {
		t.Errorf("ledger:\n%s", ledger)
	}
	// The same orders without their numbers: fresh ones, never 00001 nor
	// 00002 again, in the next file of the day.
	book, _ := os.ReadFile("../../docs/exemple-carnet.csv")
	book = bytes.ReplaceAll(book, []byte(";00001;"), []byte(";;"))
	bookPath := filepath.Join(out, "carnet2.csv")
	os.WriteFile(bookPath, book, 0o644)
	code, _, errs = runCode(t, bin, "build", "--ans", "1234567890", "--siret", "88558855858745", "--from", bookPath,
		"--pieces-dir", "../../docs/pieces", "--out", out, "--url", base, "--token-file", tokenFile)
	if code != 0 {
		t.Fatalf("second build: exit %d\n%s", code, errs)
	}
	second, err := os.ReadFile(filepath.Join(out, "JSON-1234567890-"+jour+"-002.json"))
	if err != nil || bytes.Contains(second, []byte(`"numeroEditeur": "00001"`)) || bytes.Contains(second, []byte(`"numeroEditeur": "00002"`)) ||
		!bytes.Contains(second, []byte(`"numeroEditeur": "00003"`)) {
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
		"--pieces-dir", "../../docs/pieces", "--out", out, "--url", base, "--token-file", tokenFile)
	if code != 0 {
		t.Fatalf("XLSX build: exit %d\n%s", code, errs)
	}
	third := filepath.Join(out, "JSON-1234567890-"+jour+"-003.json")
	code, stdout, errs = runCode(t, bin, "submit", "--url", base, "--token-file", tokenFile, "--ledger", filepath.Join(out, "carnet-numeros.json"),
		third, strings.TrimSuffix(third, ".json")+".zip")
	if code != 0 || strings.Count(stdout, "Demande acceptée") != 2 {
		t.Errorf("XLSX submit: exit %d\n%s\n%s", code, stdout, errs)
	}
}
