package courrier_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/courrier"
	"github.com/segur-numerique/segur/internal/segurtest"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// mailpit returns the test SMTP server's address and its API's URL, from
// SEGUR_TEST_SMTP and SEGUR_TEST_MAILPIT, or skips tb without them (fails
// it when CI=true: a CI run must test the sending). Start one with:
// eval "$(scripts/mailpit.sh)".
func mailpit(tb testing.TB) (smtpAddr, api string) {
	tb.Helper()
	smtpAddr, api = os.Getenv("SEGUR_TEST_SMTP"), os.Getenv("SEGUR_TEST_MAILPIT")
	if smtpAddr == "" || api == "" {
		segurtest.Indisponible(tb, `SEGUR_TEST_SMTP or SEGUR_TEST_MAILPIT is empty: no SMTP server to test against; start one with: eval "$(scripts/mailpit.sh)"`)
	}
	return smtpAddr, strings.TrimSuffix(api, "/")
}

// horloge is a clock the tests move by hand.
type horloge struct {
	mu sync.Mutex
	t  time.Time
}

func (h *horloge) Now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.t
}

func (h *horloge) Avancer(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.t = h.t.Add(d)
}

// banc is a postman on a fresh SQLite store and blob folder, with a clock
// of its own.
type banc struct {
	db      *sqlstore.DB
	blobs   *blob.Dir
	horloge *horloge
	postier *courrier.Postier
	logs    *bytes.Buffer
}

func nouveauBanc(t *testing.T, smtp courrier.SMTP) *banc {
	t.Helper()
	h := &horloge{t: time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	db, err := sqlstore.Open(t.Context(), "sqlite://"+filepath.Join(dir, "segur.db"), h.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	p := &courrier.Postier{Store: db, Blobs: blobs, SMTP: smtp, Now: h.Now,
		Log: slog.New(slog.NewTextHandler(&logs, nil))}
	return &banc{db: db, blobs: blobs, horloge: h, postier: p, logs: &logs}
}

// destinataire is an address of the test's own, to find its mails in
// mailpit among those of other tests.
func destinataire() string {
	return "t" + strings.ToLower(rand.Text()[:16]) + "@segur.test"
}

// enfiler queues a décision for a, with a PDF attached.
func (b *banc) enfiler(t *testing.T, a string, pdf []byte) *segur.Courriel {
	t.Helper()
	ref, err := b.blobs.Put(t.Context(), bytes.NewReader(pdf), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	d := &segur.Demande{NumeroASP: "ASP-2026-0000001", NumeroAns: "1234567890", DonneesDemande: hop.DonneesDemande{NumeroEditeur: "00001"}}
	c, ok := segur.CourrielDemarche(segur.Changement{De: segur.DemandeEnInstruction, Vers: segur.DemandeDecidee, Action: segur.ActionValider},
		d, "Le Beau Logiciel", []string{a}, "https://segur.asp.example/espace/demandes/ASP-2026-0000001")
	if !ok {
		t.Fatal("CourrielDemarche: got no mail")
	}
	c.PieceSHA256 = ref.SHA256
	if err := b.db.CreateCourriel(t.Context(), &c); err != nil {
		t.Fatalf("CreateCourriel: %v", err)
	}
	return &c
}

func (b *banc) tourner(t *testing.T, want int) {
	t.Helper()
	n, err := b.postier.Tourner(t.Context())
	if err != nil {
		t.Fatalf("Tourner: %v", err)
	}
	if n != want {
		t.Fatalf("Tourner: got %d mails sent, want %d; log:\n%s", n, want, b.logs)
	}
}

func (b *banc) courriel(t *testing.T, id segur.CourrielID) *segur.Courriel {
	t.Helper()
	c, err := b.db.FindCourriel(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Mailpit's API, the parts the tests read.
type (
	adresse struct{ Address string }
	piece   struct {
		PartID, FileName, ContentType string
		Size                          int
	}
	message struct {
		ID, MessageID, Subject, Text, Username string
		From                                   adresse
		To                                     []adresse
		Attachments                            []piece
	}
	recherche struct {
		Total    int
		Messages []struct{ ID string }
	}
)

func getAPI(t *testing.T, u string, v any) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got %s, %v: %s", u, resp.Status, err, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
	}
	return b
}

// recus returns the mails mailpit received for address a, and deletes
// them at the test's end.
func recus(t *testing.T, api, a string) []message {
	t.Helper()
	q := url.Values{"query": {"to:" + a}}.Encode()
	t.Cleanup(func() {
		req, _ := http.NewRequest(http.MethodDelete, api+"/api/v1/search?"+q, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	var r recherche
	getAPI(t, api+"/api/v1/search?"+q, &r)
	out := []message{}
	for _, m := range r.Messages {
		var msg message
		getAPI(t, api+"/api/v1/message/"+m.ID, &msg)
		out = append(out, msg)
	}
	return out
}

var decision = []byte("%PDF-1.4\n% décision de financement ASP-2026-0000001\n" + strings.Repeat("données ", 500) + "\n%%EOF\n")

func TestPostierMailpit(t *testing.T) {
	smtpAddr, api := mailpit(t)

	t.Run("delivered", func(t *testing.T) {
		t.Parallel()
		b := nouveauBanc(t, courrier.SMTP{Addr: smtpAddr, Utilisateur: "segur", MotDePasse: "secret-de-test"})
		a := destinataire()
		c := b.enfiler(t, a, decision)
		b.tourner(t, 1)

		got := b.courriel(t, c.ID)
		if got.Etat != segur.CourrielEnvoye || !got.EnvoyeLe.Equal(b.horloge.Now()) || got.Tentatives != 0 {
			t.Errorf("after the pass: got %+v, want envoye now, without failure", got)
		}
		ms := recus(t, api, a)
		if len(ms) != 1 {
			t.Fatalf("mailpit: got %d mails for %s, want 1", len(ms), a)
		}
		m := ms[0]
		if m.Subject != "[Ségur numérique] ASP-2026-0000001 : décision de financement" {
			t.Errorf("Subject: got %q", m.Subject)
		}
		if m.From.Address != "ne-pas-repondre@segur.localhost" || len(m.To) != 1 || m.To[0].Address != a {
			t.Errorf("From, To: got %+v, %+v; want ne-pas-repondre@segur.localhost, %s", m.From, m.To, a)
		}
		if want := fmt.Sprintf("segur.courriel.%d.%d@segur.localhost", c.ID, c.CreeLe.UnixMicro()); m.MessageID != want {
			t.Errorf("Message-ID: got %q, want %q", m.MessageID, want)
		}
		if m.Username != "segur" {
			t.Errorf("SMTP login: got %q, want segur", m.Username)
		}
		if text := strings.ReplaceAll(m.Text, "\r\n", "\n"); text != c.Corps {
			t.Errorf("body: got\n%s\nwant\n%s", text, c.Corps)
		}
		if len(m.Attachments) != 1 {
			t.Fatalf("attachments: got %+v, want one", m.Attachments)
		}
		p := m.Attachments[0]
		if p.FileName != "decision-ASP-2026-0000001.pdf" || p.ContentType != "application/pdf" {
			t.Errorf("attachment: got %s (%s), want decision-ASP-2026-0000001.pdf (application/pdf)", p.FileName, p.ContentType)
		}
		data := getAPI(t, api+"/api/v1/message/"+m.ID+"/part/"+p.PartID, nil)
		if sum := sha256.Sum256(data); !bytes.Equal(data, decision) || hex.EncodeToString(sum[:]) != c.PieceSHA256 {
			t.Errorf("attachment: got %d bytes, SHA-256 %x; want %d bytes, %s", len(data), sum, len(decision), c.PieceSHA256)
		}

		b.horloge.Avancer(24 * time.Hour)
		b.tourner(t, 0)
		if ms := recus(t, api, a); len(ms) != 1 {
			t.Errorf("a day later: got %d mails, want still 1", len(ms))
		}
	})

	t.Run("server down, then up", func(t *testing.T) {
		t.Parallel()
		b := nouveauBanc(t, courrier.SMTP{Addr: adresseFermee(t)})
		a := destinataire()
		c := b.enfiler(t, a, decision)
		debut := b.horloge.Now()

		b.tourner(t, 0)
		got := b.courriel(t, c.ID)
		if got.Etat != segur.CourrielEnEchec || got.Tentatives != 1 || !got.ProchainEssai.Equal(debut.Add(segur.Backoff(1))) ||
			!strings.Contains(got.DerniereErreur, "connexion au serveur SMTP") {
			t.Errorf("server down: got %+v, want en_echec, 1 attempt, due in %v, the connection error", got, segur.Backoff(1))
		}
		// Not due yet: nothing is tried.
		b.horloge.Avancer(segur.Backoff(1) - time.Second)
		b.tourner(t, 0)
		if got := b.courriel(t, c.ID); got.Tentatives != 1 {
			t.Errorf("before its next attempt: got %d attempts, want 1", got.Tentatives)
		}

		b.postier.SMTP.Addr = smtpAddr
		b.horloge.Avancer(time.Second)
		b.tourner(t, 1)
		got = b.courriel(t, c.ID)
		if got.Etat != segur.CourrielEnvoye || got.Tentatives != 1 || !got.EnvoyeLe.Equal(b.horloge.Now()) {
			t.Errorf("server up: got %+v, want envoye now, the failed attempt kept", got)
		}
		b.horloge.Avancer(2 * time.Hour)
		b.tourner(t, 0)
		if ms := recus(t, api, a); len(ms) != 1 {
			t.Errorf("mailpit: got %d mails for %s, want exactly 1", len(ms), a)
		}
	})

	t.Run("run until stopped", func(t *testing.T) {
		t.Parallel()
		b := nouveauBanc(t, courrier.SMTP{Addr: smtpAddr})
		envoyes := make(chan segur.CourrielID, 1)
		b.postier.Store = signale{b.db, envoyes}
		a := destinataire()
		c := b.enfiler(t, a, decision)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			b.postier.Run(ctx)
		}()
		// The first pass runs at once.
		select {
		case id := <-envoyes:
			if id != c.ID {
				t.Errorf("sent mail %d, want %d", id, c.ID)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("after 10 s: got %+v, want it sent; log:\n%s", b.courriel(t, c.ID), b.logs)
		}
		cancel()
		<-done
		if got := b.courriel(t, c.ID); got.Etat != segur.CourrielEnvoye {
			t.Errorf("after Run: got %+v, want envoye", got)
		}
		if ms := recus(t, api, a); len(ms) != 1 {
			t.Errorf("mailpit: got %d mails, want 1", len(ms))
		}
	})

	t.Run("woken", func(t *testing.T) {
		// An hour between passes: the mail queued after the first pass
		// goes when the postman is woken, not an hour later.
		t.Parallel()
		b := nouveauBanc(t, courrier.SMTP{Addr: smtpAddr})
		envoyes := make(chan segur.CourrielID, 1)
		b.postier.Store = signale{b.db, envoyes}
		reveil := make(chan struct{}, 1)
		b.postier.Intervalle, b.postier.Reveil = time.Hour, reveil
		a := destinataire()
		premier := b.enfiler(t, a, decision)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			b.postier.Run(ctx)
		}()
		defer func() {
			cancel()
			<-done
		}()
		attendre := func(want segur.CourrielID) {
			t.Helper()
			select {
			case id := <-envoyes:
				if id != want {
					t.Errorf("sent mail %d, want %d", id, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("after 10 s: mail %d not sent; log:\n%s", want, b.logs)
			}
		}
		attendre(premier.ID) // the first pass, at once
		second := b.enfiler(t, a, decision)
		reveil <- struct{}{}
		attendre(second.ID)
		if ms := recus(t, api, a); len(ms) != 2 {
			t.Errorf("mailpit: got %d mails, want 2", len(ms))
		}
	})
}

// signale is a store that tells of each mail recorded sent.
type signale struct {
	*sqlstore.DB
	envoyes chan<- segur.CourrielID
}

func (s signale) UpdateCourrielEnvoye(ctx context.Context, id segur.CourrielID, quand time.Time) error {
	err := s.DB.UpdateCourrielEnvoye(ctx, id, quand)
	s.envoyes <- id
	return err
}

// adresseFermee returns a loopback address nothing listens on.
func adresseFermee(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestPostierServeurMuet: a server that accepts the connection and never
// answers is cut by the timeout, and the failure recorded; the pass's
// other mail is not tried against it.
func TestPostierServeurMuet(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns sync.WaitGroup
	accepted := make(chan net.Conn, 4)
	conns.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // held open, silent
		}
	})
	b := nouveauBanc(t, courrier.SMTP{Addr: ln.Addr().String(), Timeout: 300 * time.Millisecond})
	c1, c2 := b.enfiler(t, destinataire(), decision), b.enfiler(t, destinataire(), decision)
	b.tourner(t, 0)
	for _, c := range []*segur.Courriel{c1, c2} {
		got := b.courriel(t, c.ID)
		if got.Etat != segur.CourrielEnEchec || got.Tentatives != 1 || got.DerniereErreur == "" {
			t.Errorf("mail %d: got %+v, want en_echec after 1 attempt, with its error", c.ID, got)
		}
	}
	ln.Close()
	conns.Wait()
	close(accepted)
	n := 0
	for c := range accepted {
		n++
		c.Close()
	}
	if n != 1 {
		t.Errorf("got %d connections, want 1: the second mail fails with the first's error", n)
	}
}
