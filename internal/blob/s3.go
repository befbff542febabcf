package blob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/segur-numerique/segur"
)

// Sizes that bound the memory of the S3 store.
const (
	// s3SmallBlob is the buffer Put reads a content into first: most
	// deposits (JSON, PDF) fit, and cost no more memory than this.
	s3SmallBlob = 1 << 20
	// s3PartSize is the buffer a content larger than s3SmallBlob goes on
	// into: one that fits is written with one PUT, a larger one is
	// uploaded in parts of this size (S3's smallest but for the last),
	// one part in memory at a time. 10,000 parts make 48.8 GiB at most.
	s3PartSize = 5 << 20
	// s3MaxParts is S3's limit on the parts of an upload.
	s3MaxParts = 10000
	// s3ReadAhead is the range a Blob fetches at least per GET, so that
	// the small reads of archive/zip and flate (4 KiB) are not one request
	// each: one window of this size per open Blob.
	s3ReadAhead = 1 << 20
	// s3MaxCopy is the largest object S3 copies in one request; a larger
	// one is copied in parts of this size.
	s3MaxCopy = 5 << 30
	// s3CleanupTimeout bounds the removal of a temporary object or an
	// abandoned upload, done even when the caller's context has ended.
	s3CleanupTimeout = time.Minute
)

// S3 is a blob store in an S3 bucket: key sha256/ab/cd/abcd…, with the
// same content-addressed names as Dir, through a client of its own
// (s3client.go, signed by sigv4.go).
//
// A content of up to s3PartSize (5 MiB) is read into memory and written
// with one PUT at its key: the object appears entire or not at all. A
// larger one is uploaded in parts under tmp/<random> while its SHA-256 is
// computed, then copied by the server to its key, and the temporary object
// deleted. A failed or cancelled Put aborts its upload and deletes its
// temporary object; only a crash (or a server unreachable for the
// cleanup) leaves a tmp/ object or an incomplete upload behind: give the
// bucket a lifecycle rule expiring tmp/ after a day and aborting incomplete
// multipart uploads after a day.
type S3 struct {
	client *s3Client
	// maxCopy is s3MaxCopy, smaller in tests of the copy in parts.
	maxCopy int64
}

var _ segur.Blobs = (*S3)(nil)

// s3Config is what an s3:// URL says.
type s3Config struct {
	endpoint  string // host:port
	accessKey string
	secretKey string
	bucket    string
	secure    bool
	region    string
}

// NewS3 opens the bucket named by rawURL and creates it when missing:
//
//	s3://ACCESS_KEY:SECRET_KEY@host:port/bucket[?insecure=1][&region=…]
//
// The keys are URL-encoded (%2F for "/"). TLS is used unless insecure=1;
// the bucket is addressed by path (host/bucket), which every S3-compatible
// server accepts. Requests are signed for region, us-east-1 when it is not
// given, unless the server names the bucket's own region.
func NewS3(ctx context.Context, rawURL string) (*S3, error) {
	return newS3(ctx, rawURL, nil)
}

// newS3 is NewS3 with an HTTP transport, nil for the client's own: tests
// count and alter requests with it.
func newS3(ctx context.Context, rawURL string, transport http.RoundTripper) (*S3, error) {
	cfg, err := parseS3URL(rawURL)
	if err != nil {
		return nil, err
	}
	s := &S3{client: newS3Client(cfg, transport), maxCopy: s3MaxCopy}
	if err := s.ensureBucket(ctx, cfg.region); err != nil {
		return nil, err
	}
	return s, nil
}

// parseS3URL reads an s3:// URL. Its errors never quote the secret key.
func parseS3URL(rawURL string) (s3Config, error) {
	invalid := func(format string, args ...any) (s3Config, error) {
		return s3Config{}, segur.Errorf(segur.EINVALID, "adresse S3 invalide : "+format+" (attendu : s3://CLE:SECRET@hote:port/compartiment?insecure=1)", args...)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error quotes the whole URL, secret included: not err.
		return invalid("illisible")
	}
	if !strings.EqualFold(u.Scheme, "s3") {
		return invalid("le schéma doit être s3://")
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return invalid("hôte manquant")
	}
	secret, ok := u.User.Password()
	if u.User == nil || u.User.Username() == "" || !ok || secret == "" {
		return invalid("clé d'accès ou clé secrète manquante")
	}
	bucket := strings.TrimPrefix(u.Path, "/")
	if bucket == "" || strings.Contains(bucket, "/") {
		return invalid("un seul nom de compartiment est attendu après l'hôte")
	}
	if !validBucketName(bucket) {
		return invalid("nom de compartiment %q incorrect (3 à 63 caractères : minuscules, chiffres, points, tirets)", bucket)
	}
	if u.Fragment != "" {
		return invalid("fragment # inattendu")
	}
	cfg := s3Config{
		endpoint:  u.Host,
		accessKey: u.User.Username(),
		secretKey: secret,
		bucket:    bucket,
		secure:    true,
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return invalid("paramètres illisibles")
	}
	for name, values := range q {
		if len(values) != 1 {
			return invalid("paramètre %q répété", name)
		}
		switch v := values[0]; name {
		case "insecure":
			switch v {
			case "1", "true":
				cfg.secure = false
			case "0", "false":
				cfg.secure = true
			default:
				return invalid("insecure=%q : 1 ou 0 attendu", v)
			}
		case "region":
			cfg.region = v
		default:
			return invalid("paramètre %q inconnu (insecure, region)", name)
		}
	}
	return cfg, nil
}

// validBucketName reports whether name is a bucket name every S3 server
// accepts: 3 to 63 lower-case letters, digits, dots and hyphens, a letter
// or digit at each end, no dot next to a dot or hyphen, not an IPv4
// address.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return false
	}
	dots, digitsAndDots := 0, true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '.':
			dots++
			if name[i-1] == '.' || name[i-1] == '-' || name[i+1] == '-' {
				return false
			}
		case c == '-':
			digitsAndDots = false
		case alnum(c):
			if c > '9' {
				digitsAndDots = false
			}
		default:
			return false
		}
	}
	return !(digitsAndDots && dots == 3)
}

// ensureBucket creates the bucket when missing. Without a region in the
// URL, it adopts the one the server names for the bucket, if any.
func (s *S3) ensureBucket(ctx context.Context, region string) error {
	ok, named, err := s.client.headBucket(ctx)
	if region == "" && named != "" && named != s.client.signer.region {
		s.client.signer.region = named
		if err != nil {
			// Refused for the region it was signed for: again, signed
			// for the bucket's.
			ok, _, err = s.client.headBucket(ctx)
		}
	}
	if err != nil {
		return s.refus(fmt.Errorf("blob: s3: bucket %s: %w", s.client.bucket, err))
	}
	if ok {
		return nil
	}
	err = s.client.createBucket(ctx, region)
	// Another process may have created it since the HEAD.
	if err != nil && errorCode(err) != "BucketAlreadyOwnedByYou" {
		return s.refus(fmt.Errorf("blob: s3: create bucket %s: %w", s.client.bucket, err))
	}
	return nil
}

// refus says in French, as an EINVALID error (a configuration to correct,
// which no restart cures), why the server refused the --blobs address at
// the start: its keys, HTTPS to a server that speaks HTTP, its
// certificate. Other errors are returned as they are: a server that does
// not answer is EUNAVAILABLE.
func (s *S3) refus(err error) error {
	var e *s3Error
	var entete tls.RecordHeaderError
	var verif *tls.CertificateVerificationError
	var autorite x509.UnknownAuthorityError
	var nom x509.HostnameError
	var invalide x509.CertificateInvalidError
	host := s.client.host
	switch {
	case errors.As(err, &e) && e.Status == http.StatusForbidden:
		return &refusS3{se: segur.Errorf(segur.EINVALID, "le stockage S3 %s refuse les clés de l'adresse --blobs (%s, HTTP 403) : vérifiez la clé d'accès et la clé secrète (encodées dans l'adresse : %%2F pour /, %%40 pour @), et leurs droits sur le compartiment %s", host, clip(e.Code, 64), s.client.bucket), err: err}
	case errors.Is(err, http.ErrSchemeMismatch), errors.As(err, &entete):
		return &refusS3{se: segur.Errorf(segur.EINVALID, "le stockage S3 %s répond en HTTP, pas en HTTPS : pour un serveur d'essai seulement, ajoutez ?insecure=1 à l'adresse --blobs", host), err: err}
	case errors.As(err, &verif), errors.As(err, &autorite), errors.As(err, &nom), errors.As(err, &invalide):
		return &refusS3{se: segur.Errorf(segur.EINVALID, "le certificat du stockage S3 %s est refusé (autorité inconnue de cette machine, autre nom ou expiré) : vérifiez l'hôte de l'adresse --blobs", host), err: err}
	}
	return err
}

// refusS3 is a refused configuration of the S3 store: its French message
// for the operator, and the server's own error for the log.
type refusS3 struct {
	se  *segur.Error
	err error
}

func (e *refusS3) Error() string   { return e.err.Error() }
func (e *refusS3) Unwrap() []error { return []error{e.se, e.err} }

// s3Key is the object key of a content, from a sum validSum accepted.
func s3Key(sum string) string {
	return "sha256/" + sum[0:2] + "/" + sum[2:4] + "/" + sum
}

// errTooLarge is what hashReader returns past its limit, so that the upload
// reading it stops and aborts.
var errTooLarge = errors.New("blob: content over its limit")

// hashReader hashes and counts what it reads, and fails with errTooLarge
// once more than max bytes came through (never reading more than max+1).
type hashReader struct {
	r   io.Reader
	h   hash.Hash
	n   int64
	max int64
}

func (l *hashReader) Read(p []byte) (int, error) {
	if l.n > l.max {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.max-l.n {
		p = p[:l.max-l.n+1]
	}
	n, err := l.r.Read(p)
	l.h.Write(p[:n])
	l.n += int64(n)
	if l.n > l.max {
		return n, errTooLarge
	}
	return n, err
}

// Put stores r in the bucket and returns its digest and size once the
// object is stored (S3's PUT semantics). r is read through bounded buffers,
// never whole: s3SmallBlob, then s3PartSize.
func (s *S3) Put(ctx context.Context, r io.Reader, max int64) (segur.BlobRef, error) {
	tooLarge := segur.Errorf(segur.ETOOLARGE, "fichier de plus de %d octets", max)
	if max < 0 {
		return segur.BlobRef{}, tooLarge
	}
	failed := func(err error) (segur.BlobRef, error) {
		if errors.Is(err, errTooLarge) {
			return segur.BlobRef{}, tooLarge
		}
		return segur.BlobRef{}, fmt.Errorf("blob: %w", err)
	}
	src := &hashReader{r: ctxReader{ctx, r}, h: sha256.New(), max: max}
	head := make([]byte, bufferSize(max, s3SmallBlob))
	n, end, err := fill(src, head)
	if err != nil {
		return failed(err)
	}
	if end {
		return s.putWhole(ctx, head[:n], src.h)
	}
	buf := make([]byte, bufferSize(max, s3PartSize))
	copy(buf, head)
	m, end, err := fill(src, buf[n:])
	if err != nil {
		return failed(err)
	}
	if end {
		return s.putWhole(ctx, buf[:n+m], src.h)
	}
	return s.putParts(ctx, src, buf, tooLarge)
}

// bufferSize is the size of a buffer of at most size bytes for a content
// of at most max: max+1 when smaller, so that filling it means too large.
func bufferSize(max int64, size int) int {
	if max < int64(size) {
		return int(max) + 1
	}
	return size
}

// fill reads src into p until p is full or src ends (end true). It fails
// with errTooLarge once src went past its limit.
func fill(src *hashReader, p []byte) (n int, end bool, err error) {
	n, err = io.ReadFull(src, p)
	switch {
	case src.n > src.max:
		// ReadFull drops the error of the read that fills p.
		return n, false, errTooLarge
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return n, true, nil
	}
	return n, false, err
}

// putWhole writes a content read whole, of SHA-256 h, with one PUT at its
// key: the object appears entire or not at all.
func (s *S3) putWhole(ctx context.Context, content []byte, h hash.Hash) (segur.BlobRef, error) {
	ref := segur.BlobRef{SHA256: hex.EncodeToString(h.Sum(nil)), Taille: int64(len(content))}
	key := s3Key(ref.SHA256)
	ok, err := s.has(ctx, key, ref.Taille)
	if err != nil {
		return segur.BlobRef{}, err
	}
	if ok {
		return ref, nil
	}
	// The content's SHA-256 is the payload's: S3 checks it.
	if err := s.client.putObject(ctx, key, content, ref.SHA256); err != nil {
		return segur.BlobRef{}, fmt.Errorf("blob: s3: put %s: %w", key, err)
	}
	return ref, nil
}

// putParts uploads what src reads, whose first part fills buf, in parts of
// len(buf) under a temporary key while src hashes it, then copies it to its
// key. Whatever happens, it aborts the upload or deletes the temporary
// object before returning, even when ctx has ended.
func (s *S3) putParts(ctx context.Context, src *hashReader, buf []byte, tooLarge error) (segur.BlobRef, error) {
	tmp := "tmp/" + rand.Text()
	id, err := s.client.createUpload(ctx, tmp)
	if err != nil {
		return segur.BlobRef{}, fmt.Errorf("blob: s3: upload %s: %w", tmp, err)
	}
	// completing: the object tmp may exist; completed: the upload is
	// no more.
	completing, completed := false, false
	defer func() {
		ctx, cancel := cleanupContext(ctx)
		defer cancel()
		if !completed {
			s.client.abortUpload(ctx, tmp, id)
		}
		if completing {
			s.client.deleteObject(ctx, tmp)
		}
	}()

	var parts []s3Part
	for part := buf; ; {
		if len(parts) == s3MaxParts {
			return segur.BlobRef{}, fmt.Errorf("blob: s3: upload %s: more than %d parts of %d bytes", tmp, s3MaxParts, len(buf))
		}
		// The part's own hash signs it: S3 checks the bytes it got.
		sum := sha256.Sum256(part)
		p, err := s.client.uploadPart(ctx, tmp, id, len(parts)+1, part, hex.EncodeToString(sum[:]))
		if err != nil {
			return segur.BlobRef{}, fmt.Errorf("blob: s3: upload %s, part %d: %w", tmp, len(parts)+1, err)
		}
		parts = append(parts, p)
		if len(part) < len(buf) {
			break
		}
		n, _, err := fill(src, buf)
		if errors.Is(err, errTooLarge) {
			return segur.BlobRef{}, tooLarge
		}
		if err != nil {
			return segur.BlobRef{}, fmt.Errorf("blob: %w", err)
		}
		if n == 0 {
			// The content ended with the last part sent.
			break
		}
		part = buf[:n]
	}

	ref := segur.BlobRef{SHA256: hex.EncodeToString(src.h.Sum(nil)), Taille: src.n}
	completing = true
	if err := s.client.completeUpload(ctx, tmp, id, parts); err != nil {
		return segur.BlobRef{}, fmt.Errorf("blob: s3: upload %s: %w", tmp, err)
	}
	completed = true
	key := s3Key(ref.SHA256)
	ok, err := s.has(ctx, key, ref.Taille)
	if err != nil {
		return segur.BlobRef{}, err
	}
	if !ok {
		if err := s.serverCopy(ctx, tmp, key, ref.Taille); err != nil {
			return segur.BlobRef{}, fmt.Errorf("blob: s3: copy %s to %s: %w", tmp, key, err)
		}
	}
	// The temporary object is deleted on the way out: one left by a
	// failed deletion is garbage for the lifecycle rule, not a failed Put.
	return ref, nil
}

// serverCopy copies the object src to key on the server: with one request
// up to s.maxCopy bytes, else by a multipart upload of parts of s.maxCopy
// bytes copied from src, aborted on failure.
func (s *S3) serverCopy(ctx context.Context, src, key string, size int64) error {
	if size <= s.maxCopy {
		return s.client.copyObject(ctx, src, key)
	}
	id, err := s.client.createUpload(ctx, key)
	if err != nil {
		return err
	}
	completed := false
	defer func() {
		if !completed {
			ctx, cancel := cleanupContext(ctx)
			defer cancel()
			s.client.abortUpload(ctx, key, id)
		}
	}()
	var parts []s3Part
	for off := int64(0); off < size; off += s.maxCopy {
		p, err := s.client.uploadPartCopy(ctx, key, id, len(parts)+1, src, off, min(off+s.maxCopy, size)-1)
		if err != nil {
			return err
		}
		parts = append(parts, p)
	}
	if err := s.client.completeUpload(ctx, key, id, parts); err != nil {
		return err
	}
	completed = true
	return nil
}

// has reports whether key holds an object of size bytes. One of another
// size (a copy cut short by a faulty server) is written over.
func (s *S3) has(ctx context.Context, key string, size int64) (bool, error) {
	info, err := s.client.headObject(ctx, key)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("blob: s3: stat %s: %w", key, err)
	}
	return info.size == size, nil
}

// cleanupContext is ctx without its end, bounded by s3CleanupTimeout: for
// removing what a failed or cancelled Put left.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s3CleanupTimeout)
}

func isNotFound(err error) bool {
	return errorCode(err) == "NoSuchKey"
}

// Open opens a stored file. Its reads are ranged GETs made with ctx, at
// least s3ReadAhead bytes each.
func (s *S3) Open(ctx context.Context, sum string) (segur.Blob, error) {
	if !validSum(sum) {
		return nil, segur.Errorf(segur.ENOTFOUND, "fichier %q introuvable", sum)
	}
	key := s3Key(sum)
	info, err := s.client.headObject(ctx, key)
	if isNotFound(err) {
		return nil, segur.Errorf(segur.ENOTFOUND, "fichier %s introuvable", sum)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: s3: stat %s: %w", key, err)
	}
	return &s3Blob{ctx: ctx, client: s.client, key: key, size: info.size, etag: info.etag}, nil
}

// s3Blob reads an object by ranged GETs through a window of s3ReadAhead
// bytes, so that successive small reads cost one request per window. It is
// safe for concurrent use (reads are serialised).
type s3Blob struct {
	ctx    context.Context
	client *s3Client
	key    string
	size   int64
	etag   string

	mu     sync.Mutex
	off    int64  // of Read
	win    []byte // the last range fetched
	winOff int64
	closed bool
}

func (b *s3Blob) Taille() int64 { return b.size }

func (b *s3Blob) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.readAt(p, b.off)
	b.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (b *s3Blob) ReadAt(p []byte, off int64) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.readAt(p, off)
}

func (b *s3Blob) readAt(p []byte, off int64) (int, error) {
	if b.closed {
		return 0, fs.ErrClosed
	}
	if off < 0 {
		return 0, errors.New("blob: negative offset")
	}
	n := 0
	for n < len(p) && off < b.size {
		if off >= b.winOff && off < b.winOff+int64(len(b.win)) {
			c := copy(p[n:], b.win[off-b.winOff:])
			n += c
			off += int64(c)
			continue
		}
		want := min(int64(len(p)-n), b.size-off)
		if want >= s3ReadAhead {
			// As large as a window: straight into p.
			if err := b.get(p[n:n+int(want)], off); err != nil {
				return n, err
			}
			n += int(want)
			off += want
			continue
		}
		size := int(min(s3ReadAhead, b.size-off))
		if cap(b.win) < size {
			b.win = make([]byte, s3ReadAhead)
		}
		b.win = b.win[:size]
		if err := b.get(b.win, off); err != nil {
			b.win = b.win[:0]
			return n, err
		}
		b.winOff = off
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// get fills p with the object's bytes from off, by one ranged GET of the
// object Open saw (its ETag): one written over since is an error
// (PreconditionFailed), not a mix of two contents.
func (b *s3Blob) get(p []byte, off int64) error {
	if err := b.client.getRange(b.ctx, b.key, p, off, b.etag); err != nil {
		return fmt.Errorf("blob: s3: get %s: %w", b.key, err)
	}
	return nil
}

func (b *s3Blob) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.win = nil
	return nil
}
