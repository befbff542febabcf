package clamav_test

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segur-numerique/segur/internal/clamav"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// The signatures of the test database of scripts/clamav.sh. clamd adds
// .UNOFFICIAL to the names of signatures that ClamAV did not sign.
const (
	sigEICAR = "Segur.Test.EICAR"
	sigTest  = "Segur.Test.Signature"
	// testString is what Segur.Test.Signature matches, anywhere.
	testString = "SEGUR-TEST-VIRUS-SIGNATURE"
)

// eicar returns the 68-byte EICAR test file, made of two halves so that
// this source file does not itself look like a test virus.
func eicar(tb testing.TB) []byte {
	tb.Helper()
	b := []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$` + "EICAR-STANDARD-ANTIVIRUS-" + `TEST-FILE!$H+H*`)
	// The hash that scripts/clamav.sh puts in segur-test.hdb.
	if sum := md5.Sum(b); len(b) != 68 || hex.EncodeToString(sum[:]) != "44d88612fea8a8f36de82e1278abb02f" {
		tb.Fatalf("EICAR test file: %d bytes, MD5 %x", len(b), sum)
	}
	return b
}

// clamdTCP returns a client of the clamd of scripts/clamav.sh, over TCP.
func clamdTCP(tb testing.TB) *clamav.Client {
	tb.Helper()
	addr := os.Getenv("SEGUR_TEST_CLAMAV")
	if addr == "" {
		segurtest.Indisponible(tb, `no clamd (SEGUR_TEST_CLAMAV is unset); start one with: eval "$(scripts/clamav.sh)"`)
	}
	return client(tb, addr)
}

// clamdUnix returns a client of the clamd of scripts/clamav.sh, over its
// unix socket.
func clamdUnix(tb testing.TB) *clamav.Client {
	tb.Helper()
	path := os.Getenv("SEGUR_TEST_CLAMAV_SOCKET")
	if path == "" {
		segurtest.Indisponible(tb, `no clamd socket (SEGUR_TEST_CLAMAV_SOCKET is unset); start one with: eval "$(scripts/clamav.sh)"`)
	}
	return client(tb, "unix://"+path)
}

func client(tb testing.TB, addr string) *clamav.Client {
	tb.Helper()
	c, err := clamav.Nouveau(addr)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func timeout(tb testing.TB, d time.Duration) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}

// infected fails tb unless res names the signature want.
func infected(tb testing.TB, res clamav.Resultat, err error, want string) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
	if !res.Infecte || strings.TrimSuffix(res.Signature, ".UNOFFICIAL") != want {
		tb.Fatalf("got %+v, want infected by %s", res, want)
	}
}

// randomBytes returns n bytes of a fixed pseudo-random sequence.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{'s', 'e', 'g', 'u', 'r'})
	r.Read(b)
	return b
}

func TestNouveau(t *testing.T) {
	for _, addr := range []string{"tcp://127.0.0.1:3310", "tcp://[::1]:3310", "tcp://clamav.interne:3310", "unix:///run/clamav/clamd.ctl"} {
		c, err := clamav.Nouveau(addr)
		if err != nil {
			t.Errorf("Nouveau(%q): %v", addr, err)
			continue
		}
		if c.String() != addr {
			t.Errorf("Nouveau(%q).String() = %q", addr, c.String())
		}
	}
	for _, addr := range []string{"", "127.0.0.1:3310", "clamav:3310", "tcp://", "tcp://127.0.0.1", "tcp://:3310",
		"tcp://127.0.0.1:0", "tcp://127.0.0.1:65536", "tcp://127.0.0.1:http", "tcp://127.0.0.1:3310/", "tcp://u@h:1",
		"unix://", "unix://clamd.sock", "unix:relatif", "http://127.0.0.1:3310"} {
		_, err := clamav.Nouveau(addr)
		if err == nil {
			t.Errorf("Nouveau(%q): no error", addr)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "« "+addr+" »") || !strings.Contains(msg, "attendu tcp://hôte:port") {
			t.Errorf("Nouveau(%q): message %q does not quote the address and say what is expected", addr, msg)
		}
	}
}

func TestClamd(t *testing.T) {
	c := clamdTCP(t)
	ctx := timeout(t, 2*time.Minute)

	t.Run("Ping", func(t *testing.T) {
		if err := c.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Version", func(t *testing.T) {
		v, err := c.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(v, "ClamAV 1.") {
			t.Errorf("got %q, want ClamAV 1.…", v)
		}
		t.Log(v)
	})
	t.Run("Sain", func(t *testing.T) {
		for _, b := range [][]byte{nil, []byte("%PDF-1.7\n%%EOF\n"), randomBytes(3 << 20)} {
			res, err := c.Analyser(ctx, bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if res.Infecte || res.String() != "sain" {
				t.Errorf("%d bytes: got %+v (%s), want clean", len(b), res, res)
			}
		}
	})
	t.Run("EICAR", func(t *testing.T) {
		res, err := c.Analyser(ctx, bytes.NewReader(eicar(t)))
		infected(t, res, err, sigEICAR)
		if got := res.String(); got != "infecté : "+res.Signature {
			t.Errorf("String() = %q", got)
		}
	})
	t.Run("SignatureAuMilieu", func(t *testing.T) {
		b := randomBytes(5 << 20)
		copy(b[len(b)/2+12345:], testString)
		res, err := c.Analyser(ctx, bytes.NewReader(b))
		infected(t, res, err, sigTest)
	})
	t.Run("SignatureDansUnZip", func(t *testing.T) {
		// Deflated: the signature is found only in what clamd extracts.
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.Create("pieces/devis.txt")
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, strings.Repeat("Devis du logiciel. ", 1000)+testString+strings.Repeat(" Fin.", 1000))
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(buf.Bytes(), []byte(testString)) {
			t.Fatal("the zip holds the test string in clear: not a test of extraction")
		}
		res, err := c.Analyser(ctx, &buf)
		infected(t, res, err, sigTest)
	})
	t.Run("SignatureDansUnPDF", func(t *testing.T) {
		// In a deflated stream: found only once clamd inflates it.
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		io.WriteString(zw, "BT /F1 12 Tf 72 712 Td ("+testString+") Tj ET")
		zw.Close()
		var pdf bytes.Buffer
		pdf.WriteString("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
			"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
			"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>\nendobj\n")
		fmt.Fprintf(&pdf, "4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", z.Len())
		pdf.Write(z.Bytes())
		pdf.WriteString("\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
		if bytes.Contains(pdf.Bytes(), []byte(testString)) {
			t.Fatal("the PDF holds the test string in clear: not a test of extraction")
		}
		res, err := c.Analyser(ctx, &pdf)
		infected(t, res, err, sigTest)
	})
	t.Run("TropGros", func(t *testing.T) {
		// Endless, up to 1 GiB: past any StreamMaxLength a test clamd has.
		r := io.LimitReader(&motif{}, 1<<30)
		_, err := c.Analyser(ctx, r)
		if !errors.Is(err, clamav.ErrTropGros) {
			t.Fatalf("got %v, want ErrTropGros", err)
		}
		var e *clamav.Error
		if !errors.As(err, &e) || e.Kind != clamav.ErrTropGros {
			t.Fatalf("got %#v, want an *Error of kind ErrTropGros", err)
		}
		t.Log(err)
	})
	t.Run("EnParallele", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Go(func() {
				b := randomBytes(256 << 10)
				if i%2 == 0 {
					copy(b[1000*i:], testString)
				}
				res, err := c.Analyser(ctx, bytes.NewReader(b))
				switch {
				case err != nil:
					errs <- err
				case res.Infecte != (i%2 == 0):
					errs <- errors.New("wrong verdict " + res.String())
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

func TestClamdSocket(t *testing.T) {
	c := clamdUnix(t)
	ctx := timeout(t, time.Minute)
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := c.Analyser(ctx, bytes.NewReader(eicar(t)))
	infected(t, res, err, sigEICAR)
	res, err = c.Analyser(ctx, strings.NewReader("rien à signaler"))
	if err != nil || res.Infecte {
		t.Fatalf("got %+v, %v, want clean", res, err)
	}
	_, err = c.Analyser(ctx, io.LimitReader(&motif{}, 1<<30))
	if !errors.Is(err, clamav.ErrTropGros) {
		t.Fatalf("got %v, want ErrTropGros", err)
	}
}

// motif is an endless reader of a repeated pattern, allocating nothing.
type motif struct{ n byte }

func (m *motif) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = m.n
		m.n = m.n*31 + 7
	}
	return len(p), nil
}

// fake starts a TCP server on 127.0.0.1 that runs handle on each
// connection, and returns its address for Nouveau.
func fake(tb testing.TB, handle func(net.Conn)) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	tb.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				handle(conn)
			})
		}
	})
	return "tcp://" + l.Addr().String()
}

// instream reads a zINSTREAM command and its chunks from conn, into buf,
// up to the zero-length chunk; it returns the bytes received.
func instream(conn net.Conn, buf []byte) (int64, error) {
	var cmd [10]byte
	if _, err := io.ReadFull(conn, cmd[:]); err != nil {
		return 0, err
	}
	if string(cmd[:]) != "zINSTREAM\x00" {
		return 0, errors.New("not INSTREAM")
	}
	var total int64
	var size [4]byte
	for {
		if _, err := io.ReadFull(conn, size[:]); err != nil {
			return total, err
		}
		n := int(binary.BigEndian.Uint32(size[:]))
		if n == 0 {
			return total, nil
		}
		for n > 0 {
			m, err := conn.Read(buf[:min(n, len(buf))])
			n -= m
			total += int64(m)
			if err != nil {
				return total, err
			}
		}
	}
}

func TestInjoignable(t *testing.T) {
	// A port just freed: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "tcp://" + l.Addr().String()
	l.Close()
	for _, addr := range []string{addr, "unix://" + t.TempDir() + "/clamd.sock"} {
		c := client(t, addr)
		ctx := timeout(t, 30*time.Second)
		start := time.Now()
		err := c.Ping(ctx)
		if !errors.Is(err, clamav.ErrInjoignable) {
			t.Fatalf("%s: got %v, want ErrInjoignable", addr, err)
		}
		_, err = c.Analyser(ctx, strings.NewReader("x"))
		if !errors.Is(err, clamav.ErrInjoignable) || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s: got %v, want ErrInjoignable, not a timeout", addr, err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: failed after %v, want at once", addr, d)
		}
		t.Log(err)
	}
}

func TestDelai(t *testing.T) {
	// A server that accepts and never answers: only the deadline ends the
	// exchange.
	silent := fake(t, func(conn net.Conn) { io.Copy(io.Discard, conn) })
	c := client(t, silent)
	for name, call := range map[string]func(context.Context) error{
		"Ping":     c.Ping,
		"Analyser": func(ctx context.Context) error { _, err := c.Analyser(ctx, strings.NewReader("x")); return err },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := timeout(t, 200*time.Millisecond)
			start := time.Now()
			err := call(ctx)
			if !errors.Is(err, clamav.ErrInjoignable) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got %v, want ErrInjoignable and DeadlineExceeded", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("returned after %v, want at the 200 ms deadline", d)
			}
			t.Log(err)
		})
	}
	t.Run("TimeoutDuClient", func(t *testing.T) {
		c := client(t, silent)
		c.Timeout = 100 * time.Millisecond
		err := c.Ping(context.Background())
		if !errors.Is(err, clamav.ErrInjoignable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want ErrInjoignable and DeadlineExceeded", err)
		}
	})
	t.Run("Annulation", func(t *testing.T) {
		// Cancelled by the server once it has the file, while the client
		// waits for the reply.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		buf := make([]byte, 64<<10)
		addr := fake(t, func(conn net.Conn) {
			instream(conn, buf)
			cancel()
			io.Copy(io.Discard, conn)
		})
		_, err := client(t, addr).Analyser(ctx, strings.NewReader("x"))
		if !errors.Is(err, clamav.ErrInjoignable) || !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want ErrInjoignable and Canceled", err)
		}
	})
}

func TestMemoireConstante(t *testing.T) {
	const size = 50 << 20
	buf := make([]byte, 64<<10)
	var got int64
	addr := fake(t, func(conn net.Conn) {
		n, err := instream(conn, buf)
		got = n
		if err == nil {
			io.WriteString(conn, "stream: OK\x00")
		}
	})
	c := client(t, addr)
	ctx := timeout(t, 2*time.Minute)
	// A first run, so that the lazy allocations of the runtime and of the
	// net package are not counted.
	if _, err := c.Analyser(ctx, io.LimitReader(&motif{}, 1<<20)); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := c.Analyser(ctx, io.LimitReader(&motif{}, size))
	runtime.ReadMemStats(&after)
	if err != nil || res.Infecte {
		t.Fatalf("got %+v, %v, want clean", res, err)
	}
	if got != size {
		t.Fatalf("the server received %d bytes, want %d", got, size)
	}
	// The client and the fake server together: a chunk's buffer, a reply's,
	// a connection; never the file.
	alloc := after.TotalAlloc - before.TotalAlloc
	if alloc > 1<<20 {
		t.Errorf("allocated %d bytes to scan %d, want at most 1 MiB", alloc, size)
	}
	t.Logf("%d bytes allocated (%d objects) to scan %d", alloc, after.Mallocs-before.Mallocs, size)
}

func TestLecteurEnErreur(t *testing.T) {
	addr := fake(t, func(conn net.Conn) { io.Copy(io.Discard, conn) })
	c := client(t, addr)
	boom := errors.New("disque illisible")
	_, err := c.Analyser(timeout(t, time.Minute), io.MultiReader(strings.NewReader("début"), &failing{boom}))
	var e *clamav.Error
	if !errors.Is(err, boom) || errors.As(err, &e) {
		t.Fatalf("got %v, want the reader's error, not an *Error", err)
	}
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }

// TestReponses runs the client against servers that answer INSTREAM with
// every kind of reply, clamd's and others: none may panic, hang or be
// read past 4 KiB.
func TestReponses(t *testing.T) {
	huge := bytes.Repeat([]byte("A"), 1<<20)
	for _, tc := range []struct {
		name  string
		reply []byte
		want  error  // kind of error, or nil
		sig   string // the signature, when infected
	}{
		{"ok", []byte("stream: OK\x00"), nil, ""},
		{"okSansNUL", []byte("stream: OK"), nil, ""},
		{"okFormeN", []byte("stream: OK\n"), nil, ""},
		{"trouve", []byte("stream: Win.Test.EICAR_HDB-1 FOUND\x00"), nil, "Win.Test.EICAR_HDB-1"},
		{"tropGros", []byte("INSTREAM size limit exceeded. ERROR\x00"), clamav.ErrTropGros, ""},
		{"erreur", []byte("Can't allocate memory ERROR\x00"), clamav.ErrAnalyse, ""},
		{"vide", nil, clamav.ErrInjoignable, ""},
		{"nulSeul", []byte("\x00"), clamav.ErrAnalyse, ""},
		{"pong", []byte("PONG\x00"), clamav.ErrAnalyse, ""},
		{"signatureVide", []byte("stream:  FOUND\x00"), clamav.ErrAnalyse, ""},
		{"signatureAvecEspace", []byte("stream: a b FOUND\x00"), clamav.ErrAnalyse, ""},
		{"controles", []byte("stream: \x1b[31mX FOUND\x00"), clamav.ErrAnalyse, ""},
		{"pasUTF8", []byte("stream: \xff\xfe FOUND\x00"), clamav.ErrAnalyse, ""},
		{"sansFin", huge, clamav.ErrAnalyse, ""},
		{"longueAvecNUL", append(append([]byte("stream: "), huge[:5000]...), " FOUND\x00"...), clamav.ErrAnalyse, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := make([]byte, 64<<10)
			addr := fake(t, func(conn net.Conn) {
				if _, err := instream(conn, buf); err != nil {
					return
				}
				// The write of a huge reply blocks, then fails, when the
				// client stops reading and closes.
				conn.Write(tc.reply)
			})
			res, err := client(t, addr).Analyser(timeout(t, 30*time.Second), strings.NewReader("contenu"))
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("got %v (%+v), want %v", err, res, tc.want)
			case res.Signature != tc.sig || res.Infecte != (tc.sig != ""):
				t.Fatalf("got %+v, want signature %q", res, tc.sig)
			}
			if err != nil {
				if msg := err.Error(); len(msg) > 1000 || strings.ContainsRune(msg, 0x1b) {
					t.Errorf("message of %d bytes, or with control characters: %q", len(msg), msg)
				}
				t.Log(err)
			}
		})
	}
}
