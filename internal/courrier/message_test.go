package courrier

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
)

var pdf = []byte("%PDF-1.4\n% décision de financement ASP-2026-0000001\n" + strings.Repeat("0123456789", 40) + "\n%%EOF\n")

func courrielTest() segur.Courriel {
	sum := sha256.Sum256(pdf)
	return segur.Courriel{ID: 42, A: []string{"contact@lebeaulogiciel.fr", "jean@lebeaulogiciel.fr"},
		Sujet: "[Ségur numérique] ASP-2026-0000001 : décision de financement",
		Corps: "Madame, Monsieur,\n\nL'Agence accorde le financement : « décision ».\n" + strings.Repeat("Une très longue ligne, ", 10) + "\n",
		Objet: "demande:ASP-2026-0000001", PieceNom: "decision-ASP-2026-0000001.pdf", PieceSHA256: hex.EncodeToString(sum[:]),
		Etat: segur.CourrielAEnvoyer, CreeLe: time.Date(2026, 3, 2, 13, 4, 5, 123456000, time.UTC)}
}

func expediteurTest(t *testing.T) *mail.Address {
	t.Helper()
	de, err := SMTP{Addr: "127.0.0.1:25"}.expediteur()
	if err != nil {
		t.Fatal(err)
	}
	return de
}

// checkLines checks msg is CRLF-terminated lines, none longer than 78
// characters (RFC 5322's advice; 998 is the limit).
func checkLines(t *testing.T, msg []byte) {
	t.Helper()
	if !bytes.HasSuffix(msg, []byte("\r\n")) {
		t.Error("message: want it to end in CRLF")
	}
	for i, l := range bytes.Split(bytes.TrimSuffix(msg, []byte("\r\n")), []byte("\r\n")) {
		if bytes.ContainsAny(l, "\r\n") {
			t.Errorf("line %d %q: got a bare CR or LF", i+1, l)
		}
		if len(l) > 998 || len(l) > 78 && !bytes.HasPrefix(l, []byte("Subject:")) && !bytes.HasPrefix(l, []byte("Content-")) {
			t.Errorf("line %d: got %d characters, want at most 78", i+1, len(l))
		}
	}
}

func TestComposer(t *testing.T) {
	c, de := courrielTest(), expediteurTest(t)
	msg, err := Composer(c, de, pdf)
	if err != nil {
		t.Fatalf("Composer: %v", err)
	}
	checkLines(t, msg)
	if again, _ := Composer(c, de, pdf); !bytes.Equal(again, msg) {
		t.Error("Composer twice: got different bytes, want the same message at every attempt")
	}

	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	dec := new(mime.WordDecoder)
	for _, tt := range []struct{ key, want string }{
		{"Date", "Mon, 02 Mar 2026 13:04:05 +0000"},
		{"From", "Ségur numérique <ne-pas-repondre@segur.localhost>"},
		{"To", "contact@lebeaulogiciel.fr, jean@lebeaulogiciel.fr"},
		{"Subject", c.Sujet},
		{"Message-Id", "<segur.courriel.42.1772456645123456@segur.localhost>"},
		{"Auto-Submitted", "auto-generated"},
		{"Mime-Version", "1.0"},
	} {
		got, err := dec.DecodeHeader(m.Header.Get(tt.key))
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q (%v), want %q", tt.key, got, err, tt.want)
		}
	}
	if raw := m.Header.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?q?") {
		t.Errorf("Subject: got %q, want it Q-encoded", raw)
	}
	if other := c; true {
		other.ID = 43
		if MessageID(other, de) == MessageID(c, de) {
			t.Error("MessageID: got the same for two mails")
		}
	}

	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type: got %q, %v; want multipart/mixed", mt, err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	texte, err := mr.NextRawPart()
	if err != nil {
		t.Fatal(err)
	}
	if ct, cte := texte.Header.Get("Content-Type"), texte.Header.Get("Content-Transfer-Encoding"); ct != "text/plain; charset=utf-8" || cte != "quoted-printable" {
		t.Errorf("text part: got %s, %s; want text/plain; charset=utf-8, quoted-printable", ct, cte)
	}
	corps, err := io.ReadAll(quotedprintable.NewReader(texte))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(c.Corps, "\n", "\r\n"); string(corps) != want {
		t.Errorf("body: got %q, want %q", corps, want)
	}
	piece, err := mr.NextRawPart()
	if err != nil {
		t.Fatal(err)
	}
	if got := piece.Header.Get("Content-Type"); got != `application/pdf; name=decision-ASP-2026-0000001.pdf` {
		t.Errorf("attachment Content-Type: got %q", got)
	}
	if _, p, err := mime.ParseMediaType(piece.Header.Get("Content-Disposition")); err != nil || p["filename"] != c.PieceNom {
		t.Errorf("attachment Content-Disposition: got %q, want filename %s", piece.Header.Get("Content-Disposition"), c.PieceNom)
	}
	enc, err := io.ReadAll(piece)
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.SplitSeq(strings.TrimSpace(string(enc)), "\r\n") {
		if len(l) > 76 {
			t.Errorf("base64 line of %d characters, want at most 76", len(l))
		}
	}
	got, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(enc)))
	if err != nil || !bytes.Equal(got, pdf) {
		t.Errorf("attachment: got %d bytes (%v), want the %d of the PDF", len(got), err, len(pdf))
	}
	if _, err := mr.NextRawPart(); err != io.EOF {
		t.Errorf("got a third part (%v), want two", err)
	}
}

func TestComposerSansPiece(t *testing.T) {
	c := courrielTest()
	c.PieceNom, c.PieceSHA256 = "", ""
	msg, err := Composer(c, expediteurTest(t), nil)
	if err != nil {
		t.Fatalf("Composer: %v", err)
	}
	checkLines(t, msg)
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if ct := m.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type: got %q, want text/plain; charset=utf-8", ct)
	}
	corps, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil || string(corps) != strings.ReplaceAll(c.Corps, "\n", "\r\n") {
		t.Errorf("body: got %q (%v)", corps, err)
	}
}

func TestComposerNomAccentue(t *testing.T) {
	c := courrielTest()
	c.PieceNom = "décision n°1.pdf"
	msg, err := Composer(c, expediteurTest(t), pdf)
	if err != nil {
		t.Fatalf("Composer: %v", err)
	}
	checkLines(t, msg)
	m, _ := mail.ReadMessage(bytes.NewReader(msg))
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	mr := multipart.NewReader(m.Body, params["boundary"])
	mr.NextRawPart()
	p, err := mr.NextRawPart()
	if err != nil {
		t.Fatal(err)
	}
	if _, d, err := mime.ParseMediaType(p.Header.Get("Content-Disposition")); err != nil || d["filename"] != c.PieceNom {
		t.Errorf("Content-Disposition: got %q (%v), want filename %q", p.Header.Get("Content-Disposition"), err, c.PieceNom)
	}
}

// TestComposerRefuse: whatever gets past Valider, no header takes a line
// break, and an attachment is the one its digest names.
func TestComposerRefuse(t *testing.T) {
	de := expediteurTest(t)
	for _, tt := range []struct {
		name  string
		edit  func(c *segur.Courriel)
		piece []byte
	}{
		{"subject with CRLF", func(c *segur.Courriel) { c.Sujet = "Décision\r\nBcc: pirate@example.com" }, pdf},
		{"ASCII subject with LF", func(c *segur.Courriel) { c.Sujet = "Decision\nBcc: pirate@example.com" }, pdf},
		{"recipient with CRLF", func(c *segur.Courriel) { c.A = []string{"a@b.fr\r\nBcc: pirate@example.com"} }, pdf},
		{"recipient list in one", func(c *segur.Courriel) { c.A = []string{"a@b.fr, pirate@example.com"} }, pdf},
		{"no recipient", func(c *segur.Courriel) { c.A = nil }, pdf},
		{"attachment name with CRLF", func(c *segur.Courriel) { c.PieceNom = "a.pdf\r\nX-Injecte: oui" }, pdf},
		{"attachment not its digest", func(c *segur.Courriel) {}, []byte("autre chose")},
		{"attachment missing", func(c *segur.Courriel) {}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := courrielTest()
			tt.edit(&c)
			msg, err := Composer(c, de, tt.piece)
			if err == nil {
				t.Errorf("got a message, want an error:\n%s", msg)
			}
		})
	}
	if _, err := Composer(courrielTest(), &mail.Address{Name: "X", Address: "x@y.fr\r\nBcc: z@w.fr"}, pdf); err == nil {
		t.Error("sender with CRLF: got a message, want an error")
	}
}

func TestSMTPValider(t *testing.T) {
	for _, tt := range []struct {
		s  SMTP
		ok bool
	}{
		{SMTP{Addr: "127.0.0.1:1025"}, true},
		{SMTP{Addr: "smtp.example.fr:587", De: "ASP <ne-pas-repondre@asp.example.fr>", Utilisateur: "u", MotDePasse: "p", TLS: TLSStartTLS}, true},
		{SMTP{Addr: "[::1]:25", De: "ne-pas-repondre@asp.example.fr", TLS: TLSImplicite}, true},
		{SMTP{Addr: "smtp.example.fr"}, false},
		{SMTP{Addr: ":25"}, false},
		{SMTP{Addr: "smtp.example.fr:0"}, false},
		{SMTP{Addr: "smtp.example.fr:smtp"}, false},
		{SMTP{Addr: "127.0.0.1:25", De: "pas une adresse"}, false},
		{SMTP{Addr: "127.0.0.1:25", De: "A <a@b.fr>, C <c@d.fr>"}, false},
		{SMTP{Addr: "127.0.0.1:25", TLS: "ssl"}, false},
		{SMTP{Addr: "127.0.0.1:25", Utilisateur: "u\r\nRCPT TO:<x@y.fr>"}, false},
	} {
		if err := tt.s.Valider(); (err == nil) != tt.ok {
			t.Errorf("Valider(%+v): got %v, want ok %v", tt.s, err, tt.ok)
		}
	}
}

func TestTLSEtAuthentification(t *testing.T) {
	for _, tt := range []struct {
		mode   ModeTLS
		offert bool
		host   string
		start  bool
		err    bool
	}{
		{TLSAuto, true, "smtp.example.fr", true, false},
		{TLSAuto, false, "smtp.example.fr", false, false},
		{TLSAuto, true, "127.0.0.1", false, false},
		{TLSAuto, true, "localhost", false, false},
		{TLSAuto, true, "::1", false, false},
		{TLSStartTLS, true, "127.0.0.1", true, false},
		{TLSStartTLS, false, "smtp.example.fr", false, true},
		{TLSImplicite, true, "smtp.example.fr", false, false},
	} {
		start, err := startTLS(tt.mode, tt.offert, tt.host)
		if start != tt.start || (err != nil) != tt.err {
			t.Errorf("startTLS(%q, %v, %s): got %v, %v; want %v, error %v", tt.mode, tt.offert, tt.host, start, err, tt.start, tt.err)
		}
	}
	for _, tt := range []struct {
		tls  bool
		host string
		want bool
	}{
		{true, "smtp.example.fr", true},
		{false, "smtp.example.fr", false},
		{false, "192.0.2.1", false},
		{false, "127.0.0.1", true},
		{false, "localhost", true},
	} {
		if got := authAutorisee(tt.tls, tt.host); got != tt.want {
			t.Errorf("authAutorisee(%v, %s): got %v, want %v", tt.tls, tt.host, got, tt.want)
		}
	}
}
