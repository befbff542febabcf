package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// s3URL returns the S3 server's URL for the tests, or skips the test
// without one (fails it when CI=true).
func s3URL(t *testing.T) string {
	t.Helper()
	raw := os.Getenv("SEGUR_TEST_S3_URL")
	if raw == "" {
		const msg = `SEGUR_TEST_S3_URL is empty: no S3 server to test against; start one with: eval "$(scripts/versitygw.sh)"`
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return raw
}

// testS3 opens a bucket of the test's own, emptied and removed at its end,
// on the server of SEGUR_TEST_S3_URL. transport may be nil.
func testS3(t *testing.T, transport http.RoundTripper) *S3 {
	t.Helper()
	u, err := url.Parse(s3URL(t))
	if err != nil {
		t.Fatal("SEGUR_TEST_S3_URL is not a URL")
	}
	u.Path = "/" + testBucket(strings.TrimPrefix(u.Path, "/"), t.Name())
	s, err := newS3(t.Context(), u.String(), transport)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropBucket(t, s) })
	return s
}

// testBucket makes a bucket name from base, the test's name and a random
// part, so that tests and runs do not share a bucket.
func testBucket(base, name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if s := b.String(); s != "" && s[len(s)-1] != '-' {
			b.WriteByte('-')
		}
	}
	suffix := "-" + strings.ToLower(rand.Text()[:8])
	mid := strings.Trim(b.String(), "-")
	mid = mid[:max(0, min(len(mid), 63-len(base)-1-len(suffix)))]
	return strings.TrimRight(base+"-"+mid, "-") + suffix
}

// dropBucket removes every object, incomplete upload and the bucket.
func dropBucket(t *testing.T, s *S3) {
	ctx := context.Background()
	for _, key := range listKeys(t, s) {
		if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
			t.Errorf("remove %s: %v", key, err)
		}
	}
	for _, key := range incompleteUploads(t, s) {
		if err := s.client.RemoveIncompleteUpload(ctx, s.bucket, key); err != nil {
			t.Errorf("abort upload %s: %v", key, err)
		}
	}
	if err := s.client.RemoveBucket(ctx, s.bucket); err != nil {
		t.Errorf("remove bucket %s: %v", s.bucket, err)
	}
}

func listKeys(t *testing.T, s *S3) []string {
	t.Helper()
	var keys []string
	for o := range s.client.ListObjects(context.Background(), s.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("list %s: %v", s.bucket, o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

func incompleteUploads(t *testing.T, s *S3) []string {
	t.Helper()
	var keys []string
	for u := range s.client.ListIncompleteUploads(context.Background(), s.bucket, "", true) {
		if u.Err != nil {
			t.Fatalf("list uploads %s: %v", s.bucket, u.Err)
		}
		keys = append(keys, u.Key)
	}
	return keys
}

// checkOnly fails unless the bucket holds exactly the objects of sums, and
// no temporary object or incomplete upload.
func checkOnly(t *testing.T, s *S3, sums ...string) {
	t.Helper()
	var want []string
	for _, sum := range sums {
		want = append(want, s3Key(sum))
	}
	if got := listKeys(t, s); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("bucket holds %q, want %q", got, want)
	}
	if got := incompleteUploads(t, s); len(got) != 0 {
		t.Errorf("got incomplete uploads %q, want none", got)
	}
}

// pattern returns n pseudo-random bytes, the same for the same seed.
func pattern(seed byte, n int) []byte {
	p := make([]byte, n)
	mrand.NewChaCha8([32]byte{seed}).Read(p)
	return p
}

func sumOf(p []byte) string {
	s := sha256.Sum256(p)
	return hex.EncodeToString(s[:])
}

func isCode(err error, code segur.ErrorCode) bool {
	var se *segur.Error
	return errors.As(err, &se) && se.Code == code
}

func TestS3(t *testing.T) {
	s3URL(t)

	t.Run("round trip", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			size int
		}{
			{"empty", 0},
			{"small", 100},
			{"one small buffer", s3SmallBlob},
			{"small buffer and one byte", s3SmallBlob + 1},
			{"two parts", s3PartSize + 1<<20},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				s := testS3(t, nil)
				content := pattern(1, tc.size)
				want := segur.BlobRef{SHA256: sumOf(content), Taille: int64(tc.size)}
				ref, err := s.Put(ctx, bytes.NewReader(content), int64(tc.size))
				if err != nil || ref != want {
					t.Fatalf("Put: got %+v, %v, want %+v", ref, err, want)
				}
				// The same content twice is one object.
				if ref2, err := s.Put(ctx, bytes.NewReader(content), 10<<20); err != nil || ref2 != want {
					t.Errorf("second Put: got %+v, %v, want %+v", ref2, err, want)
				}
				checkOnly(t, s, want.SHA256)

				b, err := s.Open(ctx, ref.SHA256)
				if err != nil {
					t.Fatal(err)
				}
				defer b.Close()
				if b.Taille() != want.Taille {
					t.Errorf("Taille: got %d, want %d", b.Taille(), want.Taille)
				}
				got, err := io.ReadAll(b)
				if err != nil || !bytes.Equal(got, content) {
					t.Errorf("ReadAll: got %d bytes (sum %s), %v, want %d bytes (sum %s)", len(got), sumOf(got), err, len(content), want.SHA256)
				}
			})
		}
	})

	t.Run("ReadAt", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := testS3(t, nil)
		content := pattern(2, 3*s3ReadAhead+123)
		size := int64(len(content))
		ref, err := s.Put(ctx, bytes.NewReader(content), size)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Open(ctx, ref.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		for _, tc := range []struct {
			name    string
			off     int64
			n       int
			wantN   int
			wantEOF bool
		}{
			{"start", 0, 5, 5, false},
			{"middle", 1000, 4096, 4096, false},
			{"across a window", s3ReadAhead - 10, 20, 20, false},
			{"back before the window", 10, 100, 100, false},
			{"larger than a window", 100, s3ReadAhead + 7, s3ReadAhead + 7, false},
			{"the last bytes", size - 8, 8, 8, false},
			{"past the end", size - 8, 16, 8, true},
			{"at the end", size, 1, 0, true},
			{"far past the end", size + 1000, 1, 0, true},
		} {
			p := make([]byte, tc.n)
			n, err := b.ReadAt(p, tc.off)
			if n != tc.wantN || (err == io.EOF) != tc.wantEOF || (err != nil && err != io.EOF) {
				t.Errorf("%s: ReadAt(%d bytes, %d): got %d, %v, want %d (EOF %v)", tc.name, tc.n, tc.off, n, err, tc.wantN, tc.wantEOF)
				continue
			}
			if n > 0 && !bytes.Equal(p[:n], content[tc.off:tc.off+int64(n)]) {
				t.Errorf("%s: ReadAt(%d bytes, %d): wrong bytes", tc.name, tc.n, tc.off)
			}
		}

		// io.ReaderAt allows parallel calls.
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				off := int64(i) * (size / 8)
				p := make([]byte, 10000)
				if n, err := b.ReadAt(p, off); err != nil || !bytes.Equal(p[:n], content[off:off+int64(n)]) {
					t.Errorf("parallel ReadAt at %d: got %d, %v or wrong bytes", off, n, err)
				}
			})
		}
		wg.Wait()
	})

	t.Run("few requests", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		rt := &countGets{rt: http.DefaultTransport.(*http.Transport).Clone()}
		s := testS3(t, rt)
		content := pattern(3, 3*s3ReadAhead)
		ref, err := s.Put(ctx, bytes.NewReader(content), int64(len(content)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Open(ctx, ref.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		rt.n.Store(0)
		// As archive/zip and flate read: 4 KiB at a time.
		got, err := io.ReadAll(io.NewSectionReader(b, 0, b.Taille()))
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("got %d bytes, %v, want the content", len(got), err)
		}
		if n := rt.n.Load(); n != 3 {
			t.Errorf("got %d GETs for %d bytes read 4 KiB at a time, want 3 (one per %d bytes)", n, len(content), s3ReadAhead)
		}
	})

	t.Run("too large", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			size int
			max  int64
		}{
			{"small", 11, 10},
			{"over the small buffer", s3SmallBlob + 1, s3SmallBlob},
			{"streamed", 3 * s3PartSize, s3PartSize + 100},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				s := testS3(t, nil)
				_, err := s.Put(t.Context(), bytes.NewReader(pattern(4, tc.size)), tc.max)
				if !isCode(err, segur.ETOOLARGE) {
					t.Errorf("got %v, want ETOOLARGE", err)
				}
				checkOnly(t, s)
			})
		}
		t.Run("exactly max", func(t *testing.T) {
			t.Parallel()
			s := testS3(t, nil)
			content := pattern(4, s3SmallBlob+1)
			if _, err := s.Put(t.Context(), bytes.NewReader(content), int64(len(content))); err != nil {
				t.Errorf("got %v, want no error", err)
			}
			checkOnly(t, s, sumOf(content))
		})
	})

	t.Run("not found", func(t *testing.T) {
		t.Parallel()
		s := testS3(t, nil)
		missing := sumOf([]byte("absent"))
		for _, sum := range []string{missing, "", "../../etc/passwd", "sha256/" + missing[:57], strings.ToUpper(missing), missing + "0", "tmp/x"} {
			if _, err := s.Open(t.Context(), sum); !isCode(err, segur.ENOTFOUND) {
				t.Errorf("Open(%q): got %v, want ENOTFOUND", sum, err)
			}
		}
	})

	t.Run("cancelled context", func(t *testing.T) {
		t.Run("before", func(t *testing.T) {
			t.Parallel()
			s := testS3(t, nil)
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if _, err := s.Put(ctx, strings.NewReader("x"), 10); !errors.Is(err, context.Canceled) {
				t.Errorf("got %v, want context.Canceled", err)
			}
			if _, err := s.Open(ctx, sumOf([]byte("x"))); !errors.Is(err, context.Canceled) {
				t.Errorf("Open: got %v, want context.Canceled", err)
			}
			checkOnly(t, s)
		})
		t.Run("during the upload", func(t *testing.T) {
			t.Parallel()
			s := testS3(t, nil)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			// Cancelled once the first part is sent, in the second.
			r := &cancelAfter{r: bytes.NewReader(pattern(5, 3*s3PartSize)), n: s3PartSize + s3SmallBlob, cancel: cancel}
			if _, err := s.Put(ctx, r, 1<<30); !errors.Is(err, context.Canceled) {
				t.Errorf("got %v, want context.Canceled", err)
			}
			checkOnly(t, s)
		})
	})

	t.Run("archive", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := testS3(t, nil)
		f, err := os.Open(filepath.Join("..", "..", "hop", "testdata", "JSON-1234567890-20211025-001.zip"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		ref, err := s.Put(ctx, f, hop.MaxArchive)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Open(ctx, ref.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		a, err := hop.OpenArchive(b, b.Taille())
		if err != nil {
			t.Fatal(err)
		}
		if got := a.CheckPiece("HOP-RI-Va1-BDC-00001.pdf", "PDF"); got != hop.PieceOK {
			t.Errorf("CheckPiece: got %v, want PieceOK", got)
		}
		if got := a.CheckPiece("absente.pdf", "PDF"); got != hop.PieceAbsente {
			t.Errorf("CheckPiece of a missing file: got %v, want PieceAbsente", got)
		}
	})
}

// TestS3Memory runs alone (not parallel): it measures the process's heap
// while Put streams a content four times larger than its buffers.
func TestS3Memory(t *testing.T) {
	ctx := t.Context()
	s := testS3(t, nil)
	const size = 20 << 20
	h := sha256.New()
	src := io.TeeReader(io.LimitReader(mrand.NewChaCha8([32]byte{6}), size), h)

	// A GC at each 10 % of growth keeps the heap close to what is live,
	// which a sampler reads every millisecond during the Put.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var m runtime.MemStats
		top := before.HeapAlloc
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapAlloc)
			select {
			case <-done:
				peak <- top
				return
			case <-tick.C:
			}
		}
	}()
	ref, err := s.Put(ctx, src, size)
	close(done)
	grown := <-peak - before.HeapAlloc
	if err != nil {
		t.Fatal(err)
	}
	if want := hex.EncodeToString(h.Sum(nil)); ref.SHA256 != want || ref.Taille != size {
		t.Errorf("got %+v, want %s and %d bytes", ref, want, size)
	}
	t.Logf("Put of %d MiB: heap peak %.1f MiB over the start", size>>20, float64(grown)/(1<<20))
	if grown > size/2 {
		t.Errorf("Put of %d bytes grew the heap by %d bytes, want under %d (bounded buffers, not the whole content)", size, grown, size/2)
	}
	checkOnly(t, s, ref.SHA256)

	b, err := s.Open(ctx, ref.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	h2 := sha256.New()
	if n, err := io.Copy(h2, b); err != nil || n != size || hex.EncodeToString(h2.Sum(nil)) != ref.SHA256 {
		t.Errorf("read back %d bytes, %v, want %d bytes of sum %s", n, err, size, ref.SHA256)
	}
}

func TestParseS3URL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want s3Config // zero: an error
	}{
		{"s3://k:s%2Fecret@127.0.0.1:7070/segur-test?insecure=1", s3Config{endpoint: "127.0.0.1:7070", accessKey: "k", secretKey: "s/ecret", bucket: "segur-test"}},
		{"S3://k:secret@s3.example.fr/b.1-x", s3Config{endpoint: "s3.example.fr", accessKey: "k", secretKey: "secret", bucket: "b.1-x", secure: true}},
		{"s3://k:secret@s3.example.fr/abc?region=fr-par&insecure=0", s3Config{endpoint: "s3.example.fr", accessKey: "k", secretKey: "secret", bucket: "abc", secure: true, region: "fr-par"}},
		{"http://k:secret@h/abc", s3Config{}},
		{"s3://h/abc", s3Config{}},
		{"s3://k@h/abc", s3Config{}},
		{"s3://k:@h/abc", s3Config{}},
		{"s3://:secret@h/abc", s3Config{}},
		{"s3://k:secret@/abc", s3Config{}},
		{"s3://k:secret@h", s3Config{}},
		{"s3://k:secret@h/", s3Config{}},
		{"s3://k:secret@h/abc/prefix", s3Config{}},
		{"s3://k:secret@h/ABC", s3Config{}},
		{"s3://k:secret@h/ab", s3Config{}},
		{"s3://k:secret@h/abc?insecure=yes", s3Config{}},
		{"s3://k:secret@h/abc?insecure=1&insecure=1", s3Config{}},
		{"s3://k:secret@h/abc?secure=1", s3Config{}},
		{"s3://k:secret@h/abc#x", s3Config{}},
		{"s3://k:secret@h:x/abc", s3Config{}},
		{"s3:k:secret@h/abc", s3Config{}},
	} {
		got, err := parseS3URL(tc.url)
		if tc.want == (s3Config{}) {
			if !isCode(err, segur.EINVALID) {
				t.Errorf("%s: got %+v, %v, want EINVALID", tc.url, got, err)
			} else if strings.Contains(err.Error(), "secret") {
				t.Errorf("%s: got %q, want an error without the secret key", tc.url, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %+v, %v, want %+v", tc.url, got, err, tc.want)
		}
	}
}

func TestS3Unreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2e9)
	defer cancel()
	_, err := NewS3(ctx, "s3://k:s3cr3t@127.0.0.1:1/segur-test?insecure=1")
	if err == nil {
		t.Fatal("got no error, want a connection error")
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("got %q, want an error without the secret key", err)
	}
}

func TestOpen(t *testing.T) {
	ctx := t.Context()
	t.Run("folder", func(t *testing.T) {
		data := t.TempDir()
		bs, err := Open(ctx, "", data)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := bs.(*Dir); !ok {
			t.Errorf("got %T, want *Dir", bs)
		}
		if _, err := os.Stat(filepath.Join(data, "blobs", "tmp")); err != nil {
			t.Errorf("got %v, want the folder blobs in the data folder", err)
		}
	})
	t.Run("s3", func(t *testing.T) {
		u, err := url.Parse(s3URL(t))
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + testBucket(strings.TrimPrefix(u.Path, "/"), t.Name())
		bs, err := Open(ctx, u.String(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		s, ok := bs.(*S3)
		if !ok {
			t.Fatalf("got %T, want *S3", bs)
		}
		dropBucket(t, s)
	})
	t.Run("unknown", func(t *testing.T) {
		for _, spec := range []string{"/var/lib/segur/blobs", "file:///var/lib/segur", "https://k:s3cr3t@s3.example.fr/b", "k:s3cr3t@h"} {
			bs, err := Open(ctx, spec, t.TempDir())
			if bs != nil || !isCode(err, segur.EINVALID) {
				t.Errorf("Open(%q): got %v, %v, want EINVALID", spec, bs, err)
			} else if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("Open(%q): got %q, want an error without the password", spec, err)
			}
		}
	})
	t.Run("bad s3 address", func(t *testing.T) {
		if _, err := Open(ctx, "s3://k:s3cr3t@h/AB", t.TempDir()); !isCode(err, segur.EINVALID) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("got %v, want EINVALID without the secret key", err)
		}
	})
}

// countGets counts the GET requests of object contents.
type countGets struct {
	rt http.RoundTripper
	n  atomic.Int64
}

func (c *countGets) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/sha256/") {
		c.n.Add(1)
	}
	return c.rt.RoundTrip(r)
}

// cancelAfter reads r and calls cancel once n bytes came through.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n -= n; c.n <= 0 {
		c.cancel()
	}
	return n, err
}
