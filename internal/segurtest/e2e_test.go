package segurtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
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
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestBoutEnBout drives the real binary: serve, admin, deposits over HTTP.
func TestBoutEnBout(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	run(t, bin, "admin", "vendor", "add", "--data", data, "--siret", "88558855858745", "--name", "Le Beau Logiciel",
		"--email", "contact@lebeaulogiciel.fr", "--force")
	run(t, bin, "admin", "ans", "add", "--data", data, "--siret", "88558855858745", "--ans", "1234567890", "--logiciel", "RI", "--product", "RI")
	token := strings.TrimSpace(run(t, bin, "admin", "token", "add", "--data", data, "--siret", "88558855858745"))
	base, _ := serve(t, bin, data)
	// The admin works while the server runs.
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Now().In(paris)
	run(t, bin, "admin", "window", "add", "--data", data, "--logiciel", "RI", "--from", now.Add(-time.Hour).Format("2006-01-02 15:04"),
		"--to", now.Add(time.Hour).Format("2006-01-02 15:04"))

	ex, err := os.ReadFile("../../testdata/JSON-1234567890-20211025-001.json")
	if err != nil {
		t.Fatal(err)
	}
	zip, _ := os.ReadFile("../../testdata/JSON-1234567890-20211025-001.zip")
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
