package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segur-numerique/segur/internal/api"
)

// TestSubmitCoupures drops the connection in the middle of the upload
// three times, then accepts the deposit: submit gets it through, and,
// once it has returned, no writer of the form is left blocked and no
// descriptor of the files it sent is left open.
func TestSubmitCoupures(t *testing.T) {
	const coupures = 3
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "JSON-1234567890-20261125-001.json")
	zipPath := filepath.Join(dir, "JSON-1234567890-20261125-001.zip")
	if err := os.WriteFile(jsonPath, []byte(`{"demandes":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// Larger than what the sockets' buffers hold: the writer of a dropped
	// upload is still writing the zip when the connection is gone.
	if err := os.WriteFile(zipPath, bytes.Repeat([]byte("pièces "), 16<<20/8), 0o600); err != nil {
		t.Fatal(err)
	}
	var essais atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if essais.Add(1) <= coupures {
			io.CopyN(io.Discard, r.Body, 64<<10)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
			return
		}
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(api.DepotJSON{ImpID: "IMP-1", Statut: "traite"})
	}))
	defer srv.Close()

	p := &portail{url: srv.URL, jeton: "jeton", client: &http.Client{}, stderr: io.Discard, attente: time.Millisecond}
	var d api.DepotJSON
	code, err := p.deposer(context.Background(), "avance", jsonPath, zipPath, "cle", &d)
	if code != exitOK || err != nil || d.ImpID != "IMP-1" {
		t.Fatalf("got %d, %v, %q; want %d, the deposit IMP-1", code, err, d.ImpID, exitOK)
	}
	if n := essais.Load(); n != coupures+1 {
		t.Errorf("got %d attempts, want %d", n, coupures+1)
	}
	if n := goroutinesDans("cli.ecrireCorps"); n != 0 {
		t.Errorf("got %d writers of the form left running, want 0", n)
	}
	for _, f := range []string{jsonPath, zipPath} {
		if n := descripteursVers(t, f); n != 0 {
			t.Errorf("%s: got %d descriptors left open, want 0", filepath.Base(f), n)
		}
	}
}

// goroutinesDans counts the goroutines whose stack holds fn.
func goroutinesDans(fn string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, fn+"(") {
			count++
		}
	}
	return count
}

// descripteursVers counts this process's file descriptors open on path.
func descripteursVers(tb testing.TB, path string) int {
	tb.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		tb.Skipf("no /proc/self/fd: %v", err)
	}
	count := 0
	for _, fd := range fds {
		if dest, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && dest == path {
			count++
		}
	}
	return count
}

// TestEmpreinteDepot: the same files under the same name are one deposit
// (its Idempotency-Key replays it); renamed after a rejection, another
// type, or another content, they are another.
func TestEmpreinteDepot(t *testing.T) {
	dir := t.TempDir()
	ecrire := func(nom, contenu string) string {
		p := filepath.Join(dir, nom)
		if err := os.WriteFile(p, []byte(contenu), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := ecrire("JSON-1234567890-20261203-001.json", `{"x": 1}`)
	z := ecrire("JSON-1234567890-20261203-001.zip", "PK")
	renomme := ecrire("JSON-1234567890-20261203-002.json", `{"x": 1}`)
	autre := filepath.Join(t.TempDir(), "JSON-1234567890-20261203-001.json")
	if err := os.WriteFile(autre, []byte(`{"x": 2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cle := func(typ string, files ...string) string {
		t.Helper()
		e, fautif, err := empreinteDepot(typ, files)
		if err != nil {
			t.Fatalf("%s: %v", fautif, err)
		}
		return e
	}
	base := cle("avance", a, z)
	if got := cle("avance", a, z); got != base {
		t.Errorf("the same deposit: got %s, want %s", got, base)
	}
	for name, got := range map[string]string{
		"renamed":         cle("avance", renomme, z),
		"another type":    cle("solde", a, z),
		"another content": cle("avance", autre, z),
		"without its zip": cle("avance", a),
	} {
		if got == base {
			t.Errorf("%s: got the same key, want another", name)
		}
	}
	if _, fautif, err := empreinteDepot("avance", []string{a, filepath.Join(dir, "absent.zip")}); err == nil || filepath.Base(fautif) != "absent.zip" {
		t.Errorf("missing file: got %q, %v", fautif, err)
	}
}

// submit's arguments: each JSON with the zip that follows it or, failing
// that, the one of the same name beside it; returned files left out.
func TestDepotsDe(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"A.json", "A.zip", "B.json", "B.zip", "C.json", "A.retour.json", "autre.zip"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	var stderr bytes.Buffer
	got, err := depotsDe([]string{p("A.json"), p("A.retour.json"), p("B.json"), p("autre.zip"), p("C.json")}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	want := []depot{{p("A.json"), p("A.zip")}, {p("B.json"), p("autre.zip")}, {p("C.json"), ""}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if !strings.Contains(stderr.String(), "A.retour.json : fichier retour du portail, pas un dépôt : laissé de côté.") {
		t.Errorf("stderr: %q", stderr.String())
	}
	for _, args := range [][]string{{p("A.zip")}, {p("A.json"), "notes.txt"}, {p("A.retour.json")}} {
		if _, err := depotsDe(args, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "attendu") {
			t.Errorf("%v: got %v, want a French refusal", args, err)
		}
	}
}

func TestMo(t *testing.T) {
	for n, want := range map[int64]string{0: "0 Ko", 1: "1 Ko", 17 << 10: "17 Ko", 1<<20 - 1: "1024 Ko", 1 << 20: "1,0 Mo", 200 << 20: "200,0 Mo"} {
		if got := mo(n); got != want {
			t.Errorf("mo(%d) = %q, want %q", n, got, want)
		}
	}
}
