package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// s3URL returns the S3 server's URL for the tests, or skips the test
// without one (fails it when CI=true).
func s3URL(tb testing.TB) string {
	tb.Helper()
	raw := os.Getenv("SEGUR_TEST_S3_URL")
	if raw == "" {
		segurtest.Indisponible(tb, `SEGUR_TEST_S3_URL is empty: no S3 server to test against; start one with: eval "$(scripts/versitygw.sh)"`)
	}
	return raw
}

// testS3 opens a bucket of the test's own, emptied and removed at its end,
// on the server of SEGUR_TEST_S3_URL. transport may be nil.
func testS3(tb testing.TB, transport http.RoundTripper) *S3 {
	tb.Helper()
	u, err := url.Parse(s3URL(tb))
	if err != nil {
		tb.Fatal("SEGUR_TEST_S3_URL is not a URL")
	}
	u.Path = "/" + testBucket(strings.TrimPrefix(u.Path, "/"), tb.Name())
	s, err := newS3(tb.Context(), u.String(), transport)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { dropBucket(tb, s) })
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

// direct returns the client of s with a transport of its own, not the
// test's, which may count or alter requests.
func direct(s *S3) *s3Client {
	c := *s.client
	c.http = &http.Client{}
	return &c
}

// dropBucket removes every object, incomplete upload and the bucket.
func dropBucket(tb testing.TB, s *S3) {
	tb.Helper()
	c := direct(s)
	ctx := context.Background()
	for _, key := range listKeys(tb, s) {
		if err := c.deleteObject(ctx, key); err != nil {
			tb.Errorf("remove %s: %v", key, err)
		}
	}
	for _, u := range incompleteUploads(tb, s) {
		if err := c.abortUpload(ctx, u.key, u.id); err != nil {
			tb.Errorf("abort upload %s: %v", u.key, err)
		}
	}
	resp, err := c.do(ctx, s3Op{method: http.MethodDelete})
	if err != nil {
		tb.Errorf("remove bucket %s: %v", c.bucket, err)
		return
	}
	drain(resp)
}

// s3List sends a listing request of the bucket and decodes its answer
// into v.
func s3List(tb testing.TB, s *S3, query url.Values, v any) {
	tb.Helper()
	resp, err := direct(s).do(context.Background(), s3Op{method: http.MethodGet, query: query})
	if err == nil {
		err = decodeResult(resp, v)
	}
	if err != nil {
		tb.Fatalf("list %s: %v", s.client.bucket, err)
	}
}

// listKeys returns the keys of the bucket's objects (ListObjectsV2).
func listKeys(tb testing.TB, s *S3) []string {
	tb.Helper()
	var keys []string
	q := url.Values{"list-type": {"2"}}
	for {
		var page struct {
			Contents              []struct{ Key string }
			IsTruncated           bool
			NextContinuationToken string
		}
		s3List(tb, s, q, &page)
		for _, o := range page.Contents {
			keys = append(keys, o.Key)
		}
		if !page.IsTruncated || page.NextContinuationToken == "" {
			return keys
		}
		q.Set("continuation-token", page.NextContinuationToken)
	}
}

type upload struct{ key, id string }

// incompleteUploads returns the bucket's multipart uploads in progress
// (ListMultipartUploads).
func incompleteUploads(tb testing.TB, s *S3) []upload {
	tb.Helper()
	var uploads []upload
	q := url.Values{"uploads": {""}}
	for {
		var page struct {
			Upload []struct {
				Key      string
				UploadID string `xml:"UploadId"`
			}
			IsTruncated        bool
			NextKeyMarker      string
			NextUploadIDMarker string `xml:"NextUploadIdMarker"`
		}
		s3List(tb, s, q, &page)
		for _, u := range page.Upload {
			uploads = append(uploads, upload{u.Key, u.UploadID})
		}
		if !page.IsTruncated || page.NextKeyMarker == "" {
			return uploads
		}
		q.Set("key-marker", page.NextKeyMarker)
		q.Set("upload-id-marker", page.NextUploadIDMarker)
	}
}

// checkOnly fails unless the bucket holds exactly the objects of sums, and
// no temporary object or incomplete upload.
func checkOnly(t testing.TB, s *S3, sums ...string) {
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
			{"one part and less", s3PartSize - 1},
			{"one part exactly", s3PartSize},
			{"two parts", s3PartSize + 1<<20},
			{"two parts exactly", 2 * s3PartSize},
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
			{"over one part", s3PartSize + 1, s3PartSize},
			{"streamed", 3 * s3PartSize, s3PartSize + 100},
			{"after two parts", 3 * s3PartSize, 2*s3PartSize + 1},
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
		for _, size := range []int{s3SmallBlob + 1, 2*s3PartSize + 1} {
			t.Run(fmt.Sprintf("exactly max, %d bytes", size), func(t *testing.T) {
				t.Parallel()
				s := testS3(t, nil)
				content := pattern(4, size)
				if _, err := s.Put(t.Context(), bytes.NewReader(content), int64(len(content))); err != nil {
					t.Errorf("got %v, want no error", err)
				}
				checkOnly(t, s, sumOf(content))
			})
		}
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

	t.Run("requests", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		var mu sync.Mutex
		var steps []string
		s := testS3(t, newHook(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			steps = append(steps, step(r))
			mu.Unlock()
			return nil, nil
		}))
		for _, tc := range []struct {
			name string
			size int
			want []string
		}{
			{"small", 100, []string{"HEAD content", "PUT content"}},
			{"one part and less", s3PartSize - 1, []string{"HEAD content", "PUT content"}},
			{"three parts", 2*s3PartSize + 1, []string{
				"create upload tmp", "put part 1 tmp", "put part 2 tmp", "put part 3 tmp", "complete upload tmp",
				"HEAD content", "copy to content", "DELETE tmp",
			}},
			{"three parts again", 2*s3PartSize + 1, []string{
				"create upload tmp", "put part 1 tmp", "put part 2 tmp", "put part 3 tmp", "complete upload tmp",
				"HEAD content", "DELETE tmp",
			}},
		} {
			mu.Lock()
			steps = nil
			mu.Unlock()
			if _, err := s.Put(ctx, bytes.NewReader(pattern(9, tc.size)), 1<<30); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			mu.Lock()
			if got := strings.Join(steps, ", "); got != strings.Join(tc.want, ", ") {
				t.Errorf("%s: got requests\n%s\nwant\n%s", tc.name, got, strings.Join(tc.want, ", "))
			}
			mu.Unlock()
		}
	})

	t.Run("concurrent puts", func(t *testing.T) {
		for _, size := range []int{100, s3PartSize + s3SmallBlob} {
			t.Run(fmt.Sprintf("%d bytes", size), func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				s := testS3(t, nil)
				content := pattern(7, size)
				want := segur.BlobRef{SHA256: sumOf(content), Taille: int64(size)}
				var wg sync.WaitGroup
				for i := range 4 {
					wg.Go(func() {
						if ref, err := s.Put(ctx, bytes.NewReader(content), int64(size)); err != nil || ref != want {
							t.Errorf("Put %d: got %+v, %v, want %+v", i, ref, err, want)
						}
					})
				}
				wg.Wait()
				checkOnly(t, s, want.SHA256)
				b, err := s.Open(ctx, want.SHA256)
				if err != nil {
					t.Fatal(err)
				}
				defer b.Close()
				if got, err := io.ReadAll(b); err != nil || sumOf(got) != want.SHA256 {
					t.Errorf("read back %d bytes of sum %s, %v, want sum %s", len(got), sumOf(got), err, want.SHA256)
				}
			})
		}
	})

	// Every request of a Put fails in turn, cancelled by the caller or
	// refused by the server: the Put fails and leaves nothing behind.
	t.Run("a step fails", func(t *testing.T) {
		for _, tc := range []struct {
			size    int
			maxCopy int64 // 0: s3MaxCopy
			steps   []string
		}{
			{100, 0, []string{"HEAD content", "PUT content"}},
			{2*s3PartSize + 1, 0, []string{
				"create upload tmp", "put part 1 tmp", "put part 2 tmp", "put part 3 tmp",
				"complete upload tmp", "HEAD content", "copy to content",
			}},
			// The copy in parts of an object over maxCopy.
			{2*s3PartSize + 1, s3PartSize, []string{"create upload content", "copy part 2 to content", "complete upload content"}},
		} {
			for _, st := range tc.steps {
				for _, cancelled := range []bool{true, false} {
					name := fmt.Sprintf("%d bytes, %s, refused", tc.size, st)
					if tc.maxCopy != 0 {
						name = fmt.Sprintf("%d bytes copied in parts, %s, refused", tc.size, st)
					}
					if cancelled {
						name = strings.TrimSuffix(name, "refused") + "cancelled"
					}
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						ctx, cancel := context.WithCancel(t.Context())
						defer cancel()
						var fired atomic.Bool
						s := testS3(t, newHook(func(r *http.Request) (*http.Response, error) {
							if step(r) != st || !fired.CompareAndSwap(false, true) {
								return nil, nil
							}
							if cancelled {
								cancel()
								return nil, nil
							}
							return s3Answer(r, http.StatusForbidden, "AccessDenied"), nil
						}))
						if tc.maxCopy != 0 {
							s.maxCopy = tc.maxCopy
						}
						_, err := s.Put(ctx, bytes.NewReader(pattern(10, tc.size)), 1<<30)
						if !fired.Load() {
							t.Fatalf("no request %q", st)
						}
						if cancelled && !errors.Is(err, context.Canceled) {
							t.Errorf("got %v, want context.Canceled", err)
						}
						if !cancelled && errorCode(err) != "AccessDenied" {
							t.Errorf("got %v, want AccessDenied", err)
						}
						checkOnly(t, s)
					})
				}
			}
		}

		// The temporary object is deleted even when the caller gives up.
		t.Run("deleting the temporary object, cancelled", func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			s := testS3(t, newHook(func(r *http.Request) (*http.Response, error) {
				if step(r) == "DELETE tmp" {
					cancel()
				}
				return nil, nil
			}))
			content := pattern(11, s3PartSize+1)
			if _, err := s.Put(ctx, bytes.NewReader(content), 1<<30); err != nil {
				t.Errorf("got %v, want no error", err)
			}
			checkOnly(t, s, sumOf(content))
		})
		// A temporary object the server refuses to delete is left for the
		// lifecycle rule: the content is stored all the same.
		t.Run("deleting the temporary object, refused", func(t *testing.T) {
			t.Parallel()
			s := testS3(t, newHook(func(r *http.Request) (*http.Response, error) {
				if step(r) == "DELETE tmp" {
					return s3Answer(r, http.StatusForbidden, "AccessDenied"), nil
				}
				return nil, nil
			}))
			content := pattern(11, s3PartSize+1)
			if _, err := s.Put(t.Context(), bytes.NewReader(content), 1<<30); err != nil {
				t.Errorf("got %v, want no error", err)
			}
			keys := listKeys(t, s)
			if len(keys) != 2 || keys[0] != s3Key(sumOf(content)) || !strings.HasPrefix(keys[1], "tmp/") {
				t.Errorf("bucket holds %q, want the content and one tmp/ object", keys)
			}
		})
	})

	t.Run("copy in parts", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		var mu sync.Mutex
		var steps []string
		s := testS3(t, newHook(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			steps = append(steps, step(r))
			mu.Unlock()
			return nil, nil
		}))
		s.maxCopy = s3PartSize
		content := pattern(12, 2*s3PartSize+1000)
		ref, err := s.Put(ctx, bytes.NewReader(content), 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		checkOnly(t, s, sumOf(content))
		mu.Lock()
		got := strings.Join(steps[slices.Index(steps, "HEAD content")+1:], ", ")
		mu.Unlock()
		if want := "create upload content, copy part 1 to content, copy part 2 to content, copy part 3 to content, complete upload content, DELETE tmp"; got != want {
			t.Errorf("got requests after the HEAD\n%s\nwant\n%s", got, want)
		}
		b, err := s.Open(ctx, ref.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if got, err := io.ReadAll(b); err != nil || !bytes.Equal(got, content) {
			t.Errorf("read back %d bytes, %v, want the content", len(got), err)
		}
	})

	// A server that fails for now (503) or a connection cut: the request
	// is sent again.
	t.Run("retries", func(t *testing.T) {
		t.Parallel()
		var mu sync.Mutex
		seen := map[string]int{}
		s := testS3(t, newHook(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			defer mu.Unlock()
			st := step(r)
			seen[st]++
			if seen[st] > 1 {
				return nil, nil
			}
			switch st {
			case "put part 1 tmp":
				return s3Answer(r, http.StatusServiceUnavailable, "SlowDown"), nil
			case "PUT content", "GET content":
				return nil, &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset (injected)")}
			}
			return nil, nil
		}))
		small, large := pattern(13, 100), pattern(13, s3PartSize+1)
		for _, content := range [][]byte{small, large} {
			if _, err := s.Put(t.Context(), bytes.NewReader(content), 1<<30); err != nil {
				t.Errorf("Put of %d bytes: got %v, want no error", len(content), err)
			}
		}
		b, err := s.Open(t.Context(), sumOf(small))
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if got, err := io.ReadAll(b); err != nil || !bytes.Equal(got, small) {
			t.Errorf("read back %q, %v, want the content", got, err)
		}
		checkOnly(t, s, sumOf(small), sumOf(large))
		mu.Lock()
		defer mu.Unlock()
		for _, st := range []string{"put part 1 tmp", "PUT content", "GET content"} {
			if seen[st] != 2 {
				t.Errorf("%s: got %d requests, want 2", st, seen[st])
			}
		}
	})

	// Reads are of the object Open saw: one written over since is an
	// error, not a mix of two contents.
	t.Run("written over", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := testS3(t, nil)
		content := pattern(14, 2*s3ReadAhead)
		ref, err := s.Put(ctx, bytes.NewReader(content), 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Open(ctx, ref.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if _, err := b.ReadAt(make([]byte, 10), 0); err != nil {
			t.Fatal(err)
		}
		other := pattern(15, len(content))
		if err := s.client.putObject(ctx, s3Key(ref.SHA256), other, sumOf(other)); err != nil {
			t.Fatal(err)
		}
		if _, err := b.ReadAt(make([]byte, 10), s3ReadAhead+10); errorCode(err) != "PreconditionFailed" {
			t.Errorf("got %v, want PreconditionFailed", err)
		}
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

// TestS3Memory runs alone (not parallel): it counts what the process
// allocates while Put streams a content forty times larger than its
// buffers, and while a Blob reads it back.
func TestS3Memory(t *testing.T) {
	ctx := t.Context()
	s := testS3(t, nil)
	const size = 200 << 20
	h := sha256.New()
	src := io.TeeReader(io.LimitReader(mrand.NewChaCha8([32]byte{6}), size), h)

	var before, after, collected runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ref, err := s.Put(ctx, src, size)
	runtime.ReadMemStats(&after)
	runtime.GC()
	runtime.ReadMemStats(&collected)
	if err != nil {
		t.Fatal(err)
	}
	if want := hex.EncodeToString(h.Sum(nil)); ref.SHA256 != want || ref.Taille != size {
		t.Errorf("got %+v, want %s and %d bytes", ref, want, size)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	kept := int64(collected.HeapInuse) - int64(before.HeapInuse)
	t.Logf("Put of %d MiB: %.1f MiB allocated, %.1f MiB in use after", size>>20, float64(allocated)/(1<<20), float64(kept)/(1<<20))
	// Two buffers (s3SmallBlob, s3PartSize) and the requests' small change.
	if allocated > 16<<20 {
		t.Errorf("Put of %d bytes allocated %d bytes, want under %d (bounded buffers, not the whole content)", size, allocated, 16<<20)
	}
	if kept > 4<<20 {
		t.Errorf("Put of %d bytes left %d bytes more in use on the heap, want under %d", size, kept, 4<<20)
	}
	checkOnly(t, s, ref.SHA256)

	b, err := s.Open(ctx, ref.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	h2 := sha256.New()
	runtime.GC()
	runtime.ReadMemStats(&before)
	n, err := io.Copy(h2, b)
	runtime.ReadMemStats(&after)
	if err != nil || n != size || hex.EncodeToString(h2.Sum(nil)) != ref.SHA256 {
		t.Errorf("read back %d bytes, %v, want %d bytes of sum %s", n, err, size, ref.SHA256)
	}
	allocated = after.TotalAlloc - before.TotalAlloc
	t.Logf("reading %d MiB back: %.1f MiB allocated", size>>20, float64(allocated)/(1<<20))
	// One window of s3ReadAhead and the small change of 200 requests.
	if allocated > 16<<20 {
		t.Errorf("reading %d bytes allocated %d bytes, want under %d", size, allocated, 16<<20)
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
		{"s3://k:secret@h/" + strings.Repeat("a", 63), s3Config{endpoint: "h", accessKey: "k", secretKey: "secret", bucket: strings.Repeat("a", 63), secure: true}},
		{"s3://k:secret@h/1.2.3.4a", s3Config{endpoint: "h", accessKey: "k", secretKey: "secret", bucket: "1.2.3.4a", secure: true}},
		{"s3://k:secret@h/" + strings.Repeat("a", 64), s3Config{}},
		{"s3://k:secret@h/192.168.1.1", s3Config{}},
		{"s3://k:secret@h/a..b", s3Config{}},
		{"s3://k:secret@h/a.-b", s3Config{}},
		{"s3://k:secret@h/a-.b", s3Config{}},
		{"s3://k:secret@h/-ab", s3Config{}},
		{"s3://k:secret@h/ab.", s3Config{}},
		{"s3://k:secret@h/a_b", s3Config{}},
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

// TestS3Refus: a configuration the server refuses at the start (wrong
// keys, HTTPS to a server that speaks HTTP) is an EINVALID error with a
// French message that says what to correct, without the secret key;
// segur serve exits 1 on it (no restart cures it).
func TestS3Refus(t *testing.T) {
	u, err := url.Parse(s3URL(t))
	if err != nil {
		t.Fatal("SEGUR_TEST_S3_URL is not a URL")
	}
	u.Path = "/" + testBucket(strings.TrimPrefix(u.Path, "/"), t.Name())
	faux := *u
	faux.User = url.UserPassword(u.User.Username(), "pas-le-bon-secret")
	sansInsecure := *u
	sansInsecure.RawQuery = ""
	for _, c := range []struct {
		nom, url, want string
	}{
		{"wrong secret", faux.String(), "refuse les clés de l'adresse --blobs"},
		{"HTTPS to HTTP", sansInsecure.String(), "répond en HTTP, pas en HTTPS : pour un serveur d'essai seulement, ajoutez ?insecure=1"},
	} {
		_, err := NewS3(t.Context(), c.url)
		var se *segur.Error
		if !errors.As(err, &se) || se.Code != segur.EINVALID || !strings.Contains(se.Message, c.want) {
			t.Errorf("%s: got %v (%#v), want EINVALID with %q", c.nom, err, se, c.want)
			continue
		}
		if strings.Contains(se.Message, "pas-le-bon-secret") || strings.Contains(err.Error(), "pas-le-bon-secret") {
			t.Errorf("%s: the secret is in %q", c.nom, err)
		}
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

// hook is a transport through which a test sees every request, and may
// answer one in the server's place: fn returns a response or an error to
// give instead of sending it, or neither.
type hook struct {
	rt http.RoundTripper
	fn func(*http.Request) (*http.Response, error)
}

func newHook(fn func(*http.Request) (*http.Response, error)) *hook {
	return &hook{rt: http.DefaultTransport.(*http.Transport).Clone(), fn: fn}
}

func (h *hook) RoundTrip(r *http.Request) (*http.Response, error) {
	if resp, err := h.fn(r); resp != nil || err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return resp, err
	}
	return h.rt.RoundTrip(r)
}

// step names a request of the client as the tests speak of it: what it
// does, to a temporary object (tmp), a content (content) or the bucket.
func step(r *http.Request) string {
	_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	var what string
	switch {
	case strings.HasPrefix(key, "tmp/"):
		what = "tmp"
	case strings.HasPrefix(key, "sha256/"):
		what = "content"
	}
	q := r.URL.Query()
	copied := r.Header.Get("X-Amz-Copy-Source") != ""
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		return "create upload " + what
	case r.Method == http.MethodPost && q.Has("uploadId"):
		return "complete upload " + what
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		return "abort upload " + what
	case r.Method == http.MethodPut && q.Has("partNumber") && copied:
		return "copy part " + q.Get("partNumber") + " to " + what
	case r.Method == http.MethodPut && q.Has("partNumber"):
		return "put part " + q.Get("partNumber") + " " + what
	case r.Method == http.MethodPut && copied:
		return "copy to " + what
	}
	return r.Method + " " + what
}

// s3Answer is an error answer of S3 with code.
func s3Answer(r *http.Request, status int, code string) *http.Response {
	body := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>injected by the test</Message></Error>`
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/xml"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}
}

// countingBody is an endless body after its prefix, that counts what is
// read of it and whether it was closed.
type countingBody struct {
	prefix string
	n      int64
	closed bool
}

func (c *countingBody) Read(p []byte) (int, error) {
	for i := range p {
		if c.n+int64(i) < int64(len(c.prefix)) {
			p[i] = c.prefix[c.n+int64(i)]
		} else {
			p[i] = 'x'
		}
	}
	c.n += int64(len(p))
	return len(p), nil
}

func (c *countingBody) Close() error {
	c.closed = true
	return nil
}

func TestResponseError(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		body       string
		key        string
		region     string
		wantCode   string
		wantRegion string
	}{
		{"S3's error", 404, `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>`, "k", "", "NoSuchKey", ""},
		{"wrong region", 400, `<Error><Code>AuthorizationHeaderMalformed</Code><Region>eu-west-3</Region></Error>`, "", "", "AuthorizationHeaderMalformed", "eu-west-3"},
		{"HEAD of an object", 404, "", "k", "", "NoSuchKey", ""},
		{"HEAD of the bucket", 404, "", "", "", "NoSuchBucket", ""},
		{"HEAD of a bucket elsewhere", 301, "", "", "eu-west-3", "PermanentRedirect", "eu-west-3"},
		{"If-Match", 412, "", "k", "", "PreconditionFailed", ""},
		{"forbidden", 403, "", "k", "", "AccessDenied", ""},
		{"a proxy's page", 502, "<html><body>Bad Gateway</body></html>", "k", "", "BadGateway", ""},
		{"not XML", 500, "oops", "k", "", "InternalServerError", ""},
		{"unknown status", 599, "", "k", "", "HTTP599", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tc.status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(tc.body))}
			if tc.region != "" {
				resp.Header.Set("X-Amz-Bucket-Region", tc.region)
			}
			err := responseError(resp, s3Op{key: tc.key})
			var e *s3Error
			if !errors.As(err, &e) || e.Code != tc.wantCode || e.Status != tc.status || e.Region != tc.wantRegion {
				t.Errorf("got %#v, want code %s, status %d, region %q", err, tc.wantCode, tc.status, tc.wantRegion)
			}
		})
	}

	t.Run("endless body", func(t *testing.T) {
		body := &countingBody{prefix: "<Error><Code>SlowDown</Code><Message>"}
		resp := &http.Response{StatusCode: 503, Header: http.Header{}, Body: body}
		err := responseError(resp, s3Op{key: "k"})
		if body.n > s3MaxErrorBody || !body.closed {
			t.Errorf("read %d bytes, closed %v; want at most %d, closed", body.n, body.closed, s3MaxErrorBody)
		}
		// Cut short, the XML does not decode: the status says it.
		if errorCode(err) != "ServiceUnavailable" || len(err.Error()) > 300 {
			t.Errorf("got %q, want ServiceUnavailable, short", err)
		}
	})
	t.Run("long words", func(t *testing.T) {
		long := strings.Repeat("é", 10000)
		resp := &http.Response{StatusCode: 400, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(
			"<Error><Code>InvalidArgument</Code><Message>" + long + "</Message><RequestId>" + long + "</RequestId></Error>"))}
		err := responseError(resp, s3Op{})
		if errorCode(err) != "InvalidArgument" || len(err.Error()) > 400 || !utf8.ValidString(err.Error()) {
			t.Errorf("got %q, want InvalidArgument, short and valid UTF-8", err)
		}
	})
	t.Run("drain", func(t *testing.T) {
		body := &countingBody{}
		drain(&http.Response{Body: body})
		if body.n > s3MaxErrorBody || !body.closed {
			t.Errorf("read %d bytes, closed %v; want at most %d, closed", body.n, body.closed, s3MaxErrorBody)
		}
	})
}

func TestDecodeResult(t *testing.T) {
	type result struct {
		ETag string
	}
	for _, tc := range []struct {
		name     string
		body     string
		wantETag string
		wantCode string
	}{
		{"result", `<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><ETag>"abc"</ETag></CopyObjectResult>`, `"abc"`, ""},
		{"result after whitespace", "\n   \n<?xml version=\"1.0\"?>\n<CopyObjectResult><ETag>\"abc\"</ETag></CopyObjectResult>", `"abc"`, ""},
		{"200 then an error", `<?xml version="1.0" encoding="UTF-8"?>

<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`, "", "InternalError"},
		{"empty", "", "", ""},
		{"not XML", "{}", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r result
			err := decodeResult(&http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(tc.body))}, &r)
			switch {
			case tc.wantETag != "":
				if err != nil || r.ETag != tc.wantETag {
					t.Errorf("got %+v, %v, want ETag %s", r, err, tc.wantETag)
				}
			case tc.wantCode != "":
				if errorCode(err) != tc.wantCode {
					t.Errorf("got %v, want %s", err, tc.wantCode)
				}
			default:
				if err == nil || errorCode(err) != "" {
					t.Errorf("got %v, want an error reading the answer", err)
				}
			}
		})
	}
	t.Run("endless whitespace", func(t *testing.T) {
		body := &countingBody{prefix: strings.Repeat(" ", 2*s3MaxResult)}
		var r result
		if err := decodeResult(&http.Response{StatusCode: 200, Body: body}, &r); err == nil {
			t.Error("got no error, want one")
		}
		if body.n > s3MaxResult+s3MaxErrorBody || !body.closed {
			t.Errorf("read %d bytes, closed %v; want at most %d, closed", body.n, body.closed, s3MaxResult+s3MaxErrorBody)
		}
	})
}

func TestRetryable(t *testing.T) {
	reset := &url.Error{Op: "Put", URL: "http://h/b/k", Err: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset")}}
	for _, tc := range []struct {
		name   string
		method string
		err    error
		want   bool
	}{
		{"SlowDown", http.MethodPut, &s3Error{Status: 503, Code: "SlowDown"}, true},
		{"InternalError of a POST", http.MethodPost, &s3Error{Status: 500, Code: "InternalError"}, true},
		{"NoSuchKey", http.MethodGet, &s3Error{Status: 404, Code: "NoSuchKey"}, false},
		{"AccessDenied", http.MethodPut, &s3Error{Status: 403, Code: "AccessDenied"}, false},
		{"connection reset", http.MethodPut, reset, true},
		{"connection reset of a POST", http.MethodPost, reset, false},
		{"cut answer", http.MethodGet, &url.Error{Op: "Get", URL: "http://h/b/k", Err: io.ErrUnexpectedEOF}, true},
		{"certificate", http.MethodGet, &url.Error{Op: "Get", URL: "https://h/b/k", Err: errors.New("x509: certificate signed by unknown authority")}, false},
		{"cancelled", http.MethodGet, &url.Error{Op: "Get", URL: "http://h/b/k", Err: context.Canceled}, false},
	} {
		if got := retryable(tc.method, tc.err); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestS3Region checks, against a fake server, that without a region in the
// URL the store signs for the one the server names for the bucket.
func TestS3Region(t *testing.T) {
	var mu sync.Mutex
	var scopes []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, scope, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=k/")
		scope, _, _ = strings.Cut(scope, ",")
		mu.Lock()
		scopes = append(scopes, r.Method+" "+strings.SplitN(scope, "/", 3)[1])
		mu.Unlock()
		w.Header().Set("X-Amz-Bucket-Region", "eu-west-3")
		if !strings.Contains(scope, "/eu-west-3/") {
			w.WriteHeader(http.StatusMovedPermanently)
		}
	}))
	defer srv.Close()
	u := "s3://k:s3cr3t@" + strings.TrimPrefix(srv.URL, "http://") + "/abc?insecure=1"
	s, err := newS3(t.Context(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.client.signer.region != "eu-west-3" {
		t.Errorf("got region %q, want eu-west-3", s.client.signer.region)
	}
	if got := strings.Join(scopes, ", "); got != "HEAD us-east-1, HEAD eu-west-3" {
		t.Errorf("got requests %s, want HEAD us-east-1, HEAD eu-west-3", got)
	}

	// A region given is kept: the error says which the bucket is in.
	scopes = nil
	_, err = newS3(t.Context(), u+"&region=fr-par", nil)
	if err == nil || !strings.Contains(err.Error(), "eu-west-3") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("got %v, want an error naming eu-west-3, without the secret key", err)
	}
}

// BenchmarkS3PutOpen stores a new content of 10 MB then reads it back.
func BenchmarkS3PutOpen(b *testing.B) {
	benchPutOpen(b, testS3(b, nil))
}

func benchPutOpen(b *testing.B, s segur.Blobs) {
	ctx := b.Context()
	const size = 10_000_000
	content := pattern(16, size)
	b.SetBytes(size)
	b.ReportAllocs()
	var i uint64
	for b.Loop() {
		i++
		binary.BigEndian.PutUint64(content, i)
		ref, err := s.Put(ctx, bytes.NewReader(content), size)
		if err != nil {
			b.Fatal(err)
		}
		blob, err := s.Open(ctx, ref.SHA256)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, blob); err != nil || n != size {
			b.Fatalf("read back %d bytes, %v", n, err)
		}
		blob.Close()
	}
}
