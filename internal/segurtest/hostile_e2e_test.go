package segurtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The deposit path under hostile load and failing parts (issue 14): a
// real segur serve, attacked or deprived of its store, over loopback.

// portailOuvert enrols the document's vendor on the database flag names
// (--data DIR or --db URL), opens a window for RI advances around now,
// starts segur serve with args and returns its URL and an API token.
func portailOuvert(t *testing.T, bin, data string, db []string, args ...string) (*serveur, string) {
	t.Helper()
	token := enroler(t, bin, db[0], db[1])
	now := time.Now().In(Paris())
	run(t, bin, "admin", "window", "add", db[0], db[1], "--logiciel", "RI", "--from", now.Add(-time.Hour).Format("2006-01-02 15:04"),
		"--to", now.Add(2*time.Hour).Format("2006-01-02 15:04"))
	if db[0] == "--db" {
		args = append([]string{"--db", db[1]}, args...)
	}
	return serve(t, bin, data, args...), token
}

// envoi is a deposit to post, field by field.
type envoi struct {
	typeDemande, numeroAns string
	nom                    string
	json, zip              []byte
	cle                    string
	zipDabord              bool // the zip's part before the JSON's
}

// poster posts e and returns the status (0: no answer), body and headers.
func (e envoi) poster(ctx context.Context, base, token string) (int, []byte, http.Header) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("typeDemande", e.typeDemande)
	w.WriteField("numeroAns", e.numeroAns)
	zip := func() {
		if e.zip != nil {
			zw, _ := w.CreateFormFile("pieces", "pieces.zip")
			zw.Write(e.zip)
		}
	}
	if e.zipDabord {
		zip()
	}
	fw, _ := w.CreateFormFile("fichier", e.nom)
	fw.Write(e.json)
	if !e.zipDabord {
		zip()
	}
	w.Close()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/depots", &buf)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if e.cle != "" {
		req.Header.Set("Idempotency-Key", e.cle)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil
	}
	return resp.StatusCode, b, resp.Header
}

// fichiersDe lists the files under dir, with their sizes.
func fichiersDe(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, fmt.Sprintf("%s %d", rel, info.Size()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// attendreFichiers waits, at most 15 s, until the files under dir are
// want, and fails t with the difference otherwise: the server removes the
// files of an upload its client abandoned once it notices.
func attendreFichiers(t *testing.T, dir string, want []string, quoi string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	for {
		got := fichiersDe(t, dir)
		if strings.Join(got, "\n") == strings.Join(want, "\n") {
			return
		}
		select {
		case <-ctx.Done():
			t.Errorf("%s: files under %s:\n%s\nwant:\n%s", quoi, dir, strings.Join(got, "\n"), strings.Join(want, "\n"))
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestHostile runs the hostile tests on one build of the binary.
func TestHostile(t *testing.T) {
	bin := binary(t)
	t.Run("RefusSansTrace", func(t *testing.T) { refusSansTrace(t, bin) })
	t.Run("IdempotenceSQLite", func(t *testing.T) {
		data := t.TempDir()
		idempotence(t, bin, data, []string{"--data", data})
	})
	t.Run("IdempotencePostgreSQL", func(t *testing.T) {
		dsn := FreshSchema(t, PostgresDSN(t))
		run(t, bin, "migrate", "--db", dsn)
		idempotence(t, bin, t.TempDir(), []string{"--db", dsn})
	})
	t.Run("EnvoisBloques", func(t *testing.T) { envoisBloques(t, bin) })
	t.Run("MaxConnexions", func(t *testing.T) { maxConnexions(t, bin) })
	t.Run("Quotas", func(t *testing.T) { quotas(t, bin) })
}

// quotas: past a vendor's bytes per day, or deposits per hour, 429 with
// Retry-After and a French message; nothing recorded, no file left.
func quotas(t *testing.T, bin string) {
	data := t.TempDir()
	srv, token := portailOuvert(t, bin, data, []string{"--data", data}, "--quota-depots-heure", "2", "--quota-mo-jour", "1")
	ctx := delai(t)
	jour := jourDuServeur(t, srv.base)
	ex1, zip1 := fichierNumero(t, "Q0001", 1)
	ex2, _ := fichierNumero(t, "Q0002", 2)
	ex3, zip3 := fichierNumero(t, "Q0003", 3)
	ex4, zip4 := fichierNumero(t, "Q0004", 4)
	depot := func(ordinal int, json, zip []byte) envoi {
		return envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(ordinal)(jour), json: json, zip: zip}
	}
	if code, body, _ := depot(1, ex1, zip1).poster(ctx, srv.base, token); code != 201 {
		t.Fatalf("first deposit: got %d %s", code, body)
	}
	blobs := filepath.Join(data, "blobs")
	avant := fichiersDe(t, blobs)
	code, body, h := depot(2, ex2, bytes.Repeat([]byte("z"), 1_000_000)).poster(ctx, srv.base, token)
	if code != 429 || h.Get("Retry-After") == "" || !strings.Contains(string(body), "par jour") {
		t.Errorf("over the bytes per day: got %d %s (Retry-After %q), want 429", code, body, h.Get("Retry-After"))
	}
	attendreFichiers(t, blobs, avant, "over the bytes per day")
	if code, body, _ := depot(3, ex3, zip3).poster(ctx, srv.base, token); code != 201 {
		t.Fatalf("second deposit: got %d %s", code, body)
	}
	avant = fichiersDe(t, blobs)
	code, body, h = depot(4, ex4, zip4).poster(ctx, srv.base, token)
	if code != 429 || h.Get("Retry-After") == "" || !strings.Contains(string(body), "par heure") {
		t.Errorf("over the deposits per hour: got %d %s (Retry-After %q), want 429", code, body, h.Get("Retry-After"))
	}
	attendreFichiers(t, blobs, avant, "over the deposits per hour")
	var list struct {
		Total int `json:"total"`
	}
	getJSON(t, srv.base, token, "/api/v1/depots", &list)
	if list.Total != 2 {
		t.Errorf("got %d deposits, want 2", list.Total)
	}
}

// refusSansTrace: every refusal the portal can be led to leaves the blob
// folder as it was, and what a crash left in its tmp folder over an hour
// ago is removed at start.
func refusSansTrace(t *testing.T, bin string) {
	data := t.TempDir()
	blobs := filepath.Join(data, "blobs")
	// A crash's leftovers: one over an hour old, one recent.
	if err := os.MkdirAll(filepath.Join(blobs, "tmp"), 0o750); err != nil {
		t.Fatal(err)
	}
	vieux, recent := filepath.Join(blobs, "tmp", "depot-vieux"), filepath.Join(blobs, "tmp", "depot-recent")
	for _, p := range []string{vieux, recent} {
		if err := os.WriteFile(p, []byte("reste"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(vieux, time.Now().Add(-2*time.Hour), time.Now().Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	srv, token := portailOuvert(t, bin, data, []string{"--data", data})
	base := srv.base
	if _, err := os.Stat(vieux); !os.IsNotExist(err) {
		t.Errorf("a temporary file 2 h old is still there after start: %v", err)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("a recent temporary file is removed at start: %v", err)
	}
	os.Remove(recent)

	ctx := delai(t)
	jour := jourDuServeur(t, base)
	ex, zip := fichierNumero(t, "T0001", 1)
	ok := envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(1)(jour), json: ex, zip: zip, cle: "cle-1"}
	code, body, _ := ok.poster(ctx, base, token)
	if code != 201 || !strings.Contains(string(body), `"statut": "traite"`) {
		t.Fatalf("first deposit: got %d %s, want 201 traite", code, body)
	}
	avant := fichiersDe(t, blobs)
	if len(avant) != 3 { // the JSON, the zip, the returned file
		t.Fatalf("after one deposit, files under blobs:\n%s\nwant 3", strings.Join(avant, "\n"))
	}

	ex2, zip2 := fichierNumero(t, "T0002", 2)
	gros := append(bytes.Repeat([]byte(" "), 10<<20), ex2...)
	refus := []struct {
		name string
		e    envoi
		want int
	}{
		{"numeroAns", envoi{typeDemande: "avance", numeroAns: "9999999999", nom: nomDuJour(2)(jour), json: ex2, zip: zip2}, 400},
		{"typeDemande", envoi{typeDemande: "autre", numeroAns: "1234567890", nom: nomDuJour(2)(jour), json: ex2, zip: zip2}, 400},
		{"JSON over 10 MB", envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(2)(jour), json: gros, zip: zip2, zipDabord: true}, 413},
		{"same files", envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(1)(jour), json: ex, zip: zip}, 409},
		{"key reused", envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(2)(jour), json: ex2, zip: zip2, cle: "cle-1"}, 422},
		{"replay", ok, 201},
	}
	for _, r := range refus {
		code, body, _ := r.e.poster(ctx, base, token)
		if code != r.want {
			t.Errorf("%s: got %d %s, want %d", r.name, code, body, r.want)
		}
		attendreFichiers(t, blobs, avant, r.name)
	}

	// A client gone in the middle of its zip.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("typeDemande", "avance")
	w.WriteField("numeroAns", "1234567890")
	fw, _ := w.CreateFormFile("fichier", nomDuJour(3)(jour))
	fw.Write(ex2)
	zw, _ := w.CreateFormFile("pieces", "pieces.zip")
	zw.Write(bytes.Repeat([]byte("z"), 1<<20))
	fmt.Fprintf(conn, "POST /api/v1/depots HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		token, w.FormDataContentType(), buf.Len()+10<<20)
	conn.Write(buf.Bytes())
	conn.Close()
	attendreFichiers(t, blobs, avant, "client gone")

	// Nothing recorded by the refusals: one deposit.
	var list struct {
		Total int `json:"total"`
	}
	getJSON(t, base, token, "/api/v1/depots", &list)
	if list.Total != 1 {
		t.Errorf("got %d deposits, want 1", list.Total)
	}
}

// idempotence: an Idempotency-Key that comes back with the same files is a
// replay, with other files a 422 naming the first deposit; neither, nor a
// 409, consumes a reference or an ASP number.
func idempotence(t *testing.T, bin, data string, db []string) {
	srv, token := portailOuvert(t, bin, data, db)
	base := srv.base
	ctx := delai(t)
	jour := jourDuServeur(t, base)
	type depot struct {
		ID       int64  `json:"id"`
		ImpID    string `json:"impId"`
		Statut   string `json:"statut"`
		Demandes []struct {
			NumeroASP *string `json:"numeroASP"`
		} `json:"demandes"`
		Detail string `json:"detail"`
	}
	poster := func(e envoi) (int, depot, http.Header) {
		code, body, h := e.poster(ctx, base, token)
		var d depot
		json.Unmarshal(body, &d)
		if code == 0 {
			t.Fatal("no answer from the portal")
		}
		return code, d, h
	}
	ex1, zip1 := fichierNumero(t, "I0001", 1)
	ex3, zip3 := fichierNumero(t, "I0003", 3)
	ex4, zip4 := fichierNumero(t, "I0004", 4)
	un := envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(1)(jour), json: ex1, zip: zip1, cle: "K1"}
	code, first, _ := poster(un)
	if code != 201 || first.Statut != "traite" || len(first.Demandes) != 1 || first.Demandes[0].NumeroASP == nil {
		t.Fatalf("file 001 with K1: got %d %+v, want accepted", code, first)
	}
	code, again, h := poster(un)
	if code != 201 || h.Get("Idempotent-Replayed") != "true" || again.ID != first.ID {
		t.Errorf("file 001 with K1 again: got %d %+v, want deposit %d replayed", code, again, first.ID)
	}
	trois := envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(3)(jour), json: ex3, zip: zip3, cle: "K1"}
	code, p, h := poster(trois)
	if code != 422 || !strings.Contains(p.Detail, first.ImpID) || h.Get("Content-Type") != "application/problem+json" {
		t.Errorf("file 003 with K1: got %d %+v, want 422 problem+json naming %s", code, p, first.ImpID)
	}
	memes := un
	memes.cle = "K2"
	if code, p, _ := poster(memes); code != 409 {
		t.Errorf("file 001 with K2: got %d %+v, want 409", code, p)
	}
	quatre := envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(4)(jour), json: ex4, zip: zip4, cle: "K4"}
	code, second, _ := poster(quatre)
	if code != 201 || second.Statut != "traite" || len(second.Demandes) != 1 || second.Demandes[0].NumeroASP == nil {
		t.Fatalf("file 004 with K4: got %d %+v, want accepted", code, second)
	}
	// The next reference and ASP number: none was spent in between.
	suivant := func(s string) string {
		i := strings.LastIndex(s, "-")
		var n int
		fmt.Sscanf(s[i+1:], "%d", &n)
		return fmt.Sprintf("%s-%07d", s[:i], n+1)
	}
	if second.ImpID != suivant(first.ImpID) || *second.Demandes[0].NumeroASP != suivant(*first.Demandes[0].NumeroASP) {
		t.Errorf("second deposit: got %s %s, want %s %s (nothing spent by the replay, the 422 and the 409)",
			second.ImpID, *second.Demandes[0].NumeroASP, suivant(first.ImpID), suivant(*first.Demandes[0].NumeroASP))
	}
	var list struct {
		Total int `json:"total"`
	}
	getJSON(t, base, token, "/api/v1/depots", &list)
	if list.Total != 2 {
		t.Errorf("got %d deposits, want 2", list.Total)
	}
}

// bloquer opens an upload that sends its headers and 7 bytes of its body,
// then waits: it returns the connection, and a channel that gets the
// status the server answers (0 when it closes without answering).
func bloquer(t *testing.T, base, token string) (net.Conn, <-chan int) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /api/v1/depots HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 100000000\r\n\r\n--xyz\r\n", token)
	statut := make(chan int, 1)
	go func() {
		// Bounded: the test fails, not hangs, when the server holds on.
		conn.SetReadDeadline(time.Now().Add(attenteMax))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			statut <- 0
			return
		}
		resp.Body.Close()
		statut <- resp.StatusCode
	}()
	return conn, statut
}

// envoisBloques: 50 uploads that send 7 bytes and wait. 40 (the bound of
// uploads in progress) are held until the body's deadline (3 s here), then
// answered and closed; 10 are refused at once with 429. The portal
// answers /healthz meanwhile, and no temporary file stays.
func envoisBloques(t *testing.T, bin string) {
	data := t.TempDir()
	srv, token := portailOuvert(t, bin, data, []string{"--data", data},
		"--delai-corps", "3s", "--max-depots-simultanes", "40", "--max-depots-fournisseur", "40")
	const n = 50
	statuts := make([]<-chan int, n)
	for i := range n {
		_, statuts[i] = bloquer(t, srv.base, token)
	}
	resp, err := http.Get(srv.base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("healthz while attacked: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	compte := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range statuts {
		wg.Go(func() {
			s := <-c
			mu.Lock()
			compte[s]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if compte[429] != n-40 || compte[400]+compte[0] != 40 {
		t.Errorf("got statuses %v, want %d × 429 and 40 closed (400 or no answer)", compte, n-40)
	}
	attendreFichiers(t, filepath.Join(data, "blobs", "tmp"), nil, "after the stalled uploads")
	// The bound is given back: a deposit passes.
	ex, zip := fichierNumero(t, "B0001", 1)
	if code, body := deposer(t, srv.base, token, nomDuJour(1), ex, zip); code != 201 {
		t.Errorf("deposit after the attack: got %d %s", code, body)
	}
}

// maxConnexions: past --max-connexions, a connection is answered 503 and
// closed at once; once the others close, the portal answers again.
func maxConnexions(t *testing.T, bin string) {
	data := t.TempDir()
	srv, _ := portailOuvert(t, bin, data, []string{"--data", data}, "--max-connexions", "5")
	var conns []net.Conn
	for range 5 {
		c, err := net.Dial("tcp", strings.TrimPrefix(srv.base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// The sixth: answered 503 without a request.
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(attenteMax))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("sixth connection: got %v %v, want 503 with Retry-After", resp, err)
	}
	c.Close()
	for _, c := range conns {
		c.Close()
	}
	ctx := delai(t)
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.base+"/healthz", nil)
		req.Close = true
		resp, err := http.DefaultClient.Do(req)
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("healthz after the connections closed: %v %v", resp, err)
		}
		if err == nil {
			resp.Body.Close()
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// versitygw starts an S3 server of its own (versitygw over dir) on addr,
// for a test that stops and restarts it; stop kills it and waits.
func versitygw(t *testing.T, exe, dir, addr string) (stop func()) {
	t.Helper()
	cmd := exec.Command(exe, "--port", addr, "posix", dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY=segur", "ROOT_SECRET_KEY=secret-de-test-0123456789")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	fin := make(chan struct{})
	go func() { cmd.Wait(); close(fin) }()
	stop = func() {
		cmd.Process.Kill()
		<-fin
	}
	t.Cleanup(stop)
	ctx := delai(t)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return stop
		}
		select {
		case <-ctx.Done():
			t.Fatalf("versitygw does not answer on %s", addr)
		case <-fin:
			t.Fatalf("versitygw exited at its start")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestS3Absent stops the S3 store under a running portal: deposits and
// downloads get 503 with Retry-After, /readyz says not ready; once the
// store is back, both work again without a restart.
func TestS3Absent(t *testing.T) {
	exe, err := filepath.Abs("../../.tools/bin/versitygw")
	if _, serr := os.Stat(exe); err != nil || serr != nil {
		exe = Outil(t, "SEGUR_VERSITYGW", "versitygw", "to stop and restart an S3 store", "scripts/versitygw.sh")
	}
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	stop := versitygw(t, exe, dir, addr)
	bin := binary(t)
	data := t.TempDir()
	srv, token := portailOuvert(t, bin, data, []string{"--data", data},
		"--blobs", "s3://segur:secret-de-test-0123456789@"+addr+"/segur-panne?insecure=1")
	base := srv.base
	ctx := delai(t)
	jour := jourDuServeur(t, base)
	statut := func(path string) (int, http.Header) {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	ex, zip := fichierNumero(t, "P0001", 1)
	code, body, _ := envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(1)(jour), json: ex, zip: zip}.poster(ctx, base, token)
	var d struct {
		ID int64 `json:"id"`
	}
	if json.Unmarshal(body, &d); code != 201 {
		t.Fatalf("deposit with the store up: got %d %s", code, body)
	}
	if code, _ := statut("/readyz"); code != 200 {
		t.Errorf("readyz with the store up: got %d, want 200", code)
	}

	stop()
	ex2, zip2 := fichierNumero(t, "P0002", 2)
	deux := envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(2)(jour), json: ex2, zip: zip2}
	code, body, h := deux.poster(ctx, base, token)
	if code != 503 || h.Get("Retry-After") == "" || !strings.Contains(string(body), "stockage des fichiers") {
		t.Errorf("deposit with the store away: got %d %s (Retry-After %q), want 503 with Retry-After", code, body, h.Get("Retry-After"))
	}
	if code, h := statut(fmt.Sprintf("/api/v1/depots/%d/fichier-retour", d.ID)); code != 503 || h.Get("Retry-After") == "" {
		t.Errorf("download with the store away: got %d (Retry-After %q), want 503 with Retry-After", code, h.Get("Retry-After"))
	}
	if code, _ := statut("/readyz"); code != 503 {
		t.Errorf("readyz with the store away: got %d, want 503", code)
	}
	if code, _ := statut("/healthz"); code != 200 {
		t.Errorf("healthz with the store away: got %d, want 200 (the process lives)", code)
	}

	versitygw(t, exe, dir, addr)
	if code, _ := statut("/readyz"); code != 200 {
		t.Errorf("readyz with the store back: got %d, want 200", code)
	}
	if code, body, _ := deux.poster(ctx, base, token); code != 201 {
		t.Errorf("deposit with the store back: got %d %s, want 201", code, body)
	}
	if code, _ := statut(fmt.Sprintf("/api/v1/depots/%d/fichier-retour", d.ID)); code != 200 {
		t.Errorf("download with the store back: got %d, want 200", code)
	}
}

// TestBaseAbsente cuts PostgreSQL from a running portal (through a relay):
// deposits get 503 with Retry-After and /readyz says not ready; once the
// database is back, both work again without a restart.
func TestBaseAbsente(t *testing.T) {
	dsn := FreshSchema(t, PostgresDSN(t))
	bin := binary(t)
	run(t, bin, "migrate", "--db", dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	pg := u.Host
	r := NouveauRelais(t, "127.0.0.1:0", pg)
	addr := r.Addr()
	u.Host = addr
	srv, token := portailOuvert(t, bin, t.TempDir(), []string{"--db", u.String()})
	ctx := delai(t)
	jour := jourDuServeur(t, srv.base)
	statut := func(path string) int {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.base+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	depot := func(ordinal int) envoi {
		ex, zip := fichierNumero(t, fmt.Sprintf("D%04d", ordinal), ordinal)
		return envoi{typeDemande: "avance", numeroAns: "1234567890", nom: nomDuJour(ordinal)(jour), json: ex, zip: zip}
	}
	if code, body, _ := depot(1).poster(ctx, srv.base, token); code != 201 {
		t.Fatalf("deposit with the database up: got %d %s", code, body)
	}
	r.Couper()
	code, body, h := depot(2).poster(ctx, srv.base, token)
	if code != 503 || h.Get("Retry-After") == "" || !strings.Contains(string(body), "base de données") {
		t.Errorf("deposit with the database away: got %d %s (Retry-After %q), want 503 with Retry-After", code, body, h.Get("Retry-After"))
	}
	if code := statut("/readyz"); code != 503 {
		t.Errorf("readyz with the database away: got %d, want 503", code)
	}
	NouveauRelais(t, addr, pg)
	if code := statut("/readyz"); code != 200 {
		t.Errorf("readyz with the database back: got %d, want 200", code)
	}
	if code, body, _ := depot(2).poster(ctx, srv.base, token); code != 201 {
		t.Errorf("deposit with the database back: got %d %s, want 201", code, body)
	}
}
