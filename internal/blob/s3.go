package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
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

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/segur-numerique/segur"
)

// Sizes that bound the memory of the S3 store.
const (
	// s3SmallBlob is the largest content Put reads into memory and writes
	// with one PUT at its content key; a larger one streams as a multipart
	// upload under a temporary key. Most deposits (JSON, PDF) are smaller.
	s3SmallBlob = 1 << 20
	// s3PartSize is the part of a multipart upload minio-go buffers: with
	// s3SmallBlob, the memory of one Put. 10,000 parts make 48.8 GiB at most.
	s3PartSize = 5 << 20
	// s3ReadAhead is the range a Blob fetches at least per GET, so that
	// the small reads of archive/zip and flate (4 KiB) are not one request
	// each: one window of this size per open Blob.
	s3ReadAhead = 1 << 20
	// s3MaxCopy is the largest object CopyObject copies in one request
	// (S3's limit); a larger one is copied in parts by ComposeObject.
	s3MaxCopy = 5 << 30
	// s3CleanupTimeout bounds the removal of a temporary object, done even
	// when the caller's context has ended.
	s3CleanupTimeout = time.Minute
)

// S3 is a blob store in an S3 bucket: key sha256/ab/cd/abcd…, with the
// same content-addressed names as Dir. A content under 1 MiB is read into
// memory and written with one PUT at its key; a larger one is uploaded
// under tmp/<random> while its SHA-256 is computed, then copied by the
// server to its key, and the temporary object deleted. A crash between
// the two leaves a tmp/ object (or an incomplete multipart upload): give the
// bucket a lifecycle rule expiring tmp/ after a day and aborting incomplete
// uploads.
type S3 struct {
	client *minio.Client
	bucket string
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
// server accepts. region is needed only by servers that check it.
func NewS3(ctx context.Context, rawURL string) (*S3, error) {
	return newS3(ctx, rawURL, nil)
}

// newS3 is NewS3 with an HTTP transport, nil for minio-go's: tests count
// requests with it.
func newS3(ctx context.Context, rawURL string, transport http.RoundTripper) (*S3, error) {
	cfg, err := parseS3URL(rawURL)
	if err != nil {
		return nil, err
	}
	client, err := minio.New(cfg.endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.accessKey, cfg.secretKey, ""),
		Secure:       cfg.secure,
		Region:       cfg.region,
		BucketLookup: minio.BucketLookupPath,
		Transport:    transport,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: s3: %w", err)
	}
	s := &S3{client: client, bucket: cfg.bucket}
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
	if s3utils.CheckValidBucketNameStrict(bucket) != nil {
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

// ensureBucket creates the bucket when missing.
func (s *S3) ensureBucket(ctx context.Context, region string) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob: s3: bucket %s: %w", s.bucket, err)
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region})
	// Another process may have created it since BucketExists.
	if err != nil && minio.ToErrorResponse(err).Code != minio.BucketAlreadyOwnedByYou {
		return fmt.Errorf("blob: s3: create bucket %s: %w", s.bucket, err)
	}
	return nil
}

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
// never whole: s3SmallBlob, then parts of s3PartSize.
func (s *S3) Put(ctx context.Context, r io.Reader, max int64) (segur.BlobRef, error) {
	tooLarge := segur.Errorf(segur.ETOOLARGE, "fichier de plus de %d octets", max)
	if max < 0 {
		return segur.BlobRef{}, tooLarge
	}
	src := &hashReader{r: ctxReader{ctx, r}, h: sha256.New(), max: max}
	headSize := int64(s3SmallBlob)
	if max < headSize {
		headSize = max + 1
	}
	head := make([]byte, headSize)
	n, err := io.ReadFull(src, head)
	switch {
	case errors.Is(err, errTooLarge) || src.n > max:
		return segur.BlobRef{}, tooLarge
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return s.putSmall(ctx, head[:n], src.h)
	case err != nil:
		return segur.BlobRef{}, fmt.Errorf("blob: %w", err)
	}
	return s.putStream(ctx, io.MultiReader(bytes.NewReader(head), src), src, tooLarge)
}

// putSmall writes a content read whole with one PUT at its key: the object
// appears entire or not at all.
func (s *S3) putSmall(ctx context.Context, content []byte, h hash.Hash) (segur.BlobRef, error) {
	ref := segur.BlobRef{SHA256: hex.EncodeToString(h.Sum(nil)), Taille: int64(len(content))}
	key := s3Key(ref.SHA256)
	if ok, err := s.has(ctx, key, ref.Taille); err != nil || ok {
		return ref, err
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(content), ref.Taille,
		minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return segur.BlobRef{}, fmt.Errorf("blob: s3: put %s: %w", key, err)
	}
	return ref, nil
}

// putStream uploads body, of unknown size, under a temporary key while src
// (read by body) hashes it, then copies it to its key.
func (s *S3) putStream(ctx context.Context, body io.Reader, src *hashReader, tooLarge error) (ref segur.BlobRef, err error) {
	tmp := "tmp/" + rand.Text()
	// On any failure, including a cancelled ctx, remove the temporary
	// object; minio-go has already aborted a failed multipart upload.
	defer func() {
		if err != nil {
			s.remove(ctx, tmp)
		}
	}()
	_, err = s.client.PutObject(ctx, s.bucket, tmp, body, -1, minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		PartSize:    s3PartSize,
	})
	if src.n > src.max {
		return segur.BlobRef{}, tooLarge
	}
	if err != nil {
		return segur.BlobRef{}, fmt.Errorf("blob: s3: put %s: %w", tmp, err)
	}
	ref = segur.BlobRef{SHA256: hex.EncodeToString(src.h.Sum(nil)), Taille: src.n}
	key := s3Key(ref.SHA256)
	ok, err := s.has(ctx, key, ref.Taille)
	if err != nil {
		return segur.BlobRef{}, err
	}
	if !ok {
		dst := minio.CopyDestOptions{Bucket: s.bucket, Object: key}
		from := minio.CopySrcOptions{Bucket: s.bucket, Object: tmp}
		if ref.Taille <= s3MaxCopy {
			_, err = s.client.CopyObject(ctx, dst, from)
		} else {
			_, err = s.client.ComposeObject(ctx, dst, from)
		}
		if err != nil {
			return segur.BlobRef{}, fmt.Errorf("blob: s3: copy %s to %s: %w", tmp, key, err)
		}
	}
	// The content is stored: a temporary object left over by a failed
	// removal is garbage for the lifecycle rule, not a failed Put.
	s.remove(ctx, tmp)
	return ref, nil
}

// has reports whether key holds an object of size bytes. One of another
// size (a copy cut short by a faulty server) is written over.
func (s *S3) has(ctx context.Context, key string, size int64) (bool, error) {
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("blob: s3: stat %s: %w", key, err)
	}
	return info.Size == size, nil
}

// remove deletes key, even when ctx has ended, with a bound on the wait.
func (s *S3) remove(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s3CleanupTimeout)
	defer cancel()
	s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
}

func isNotFound(err error) bool {
	return err != nil && minio.ToErrorResponse(err).Code == minio.NoSuchKey
}

// Open opens a stored file. Its reads are ranged GETs made with ctx, at
// least s3ReadAhead bytes each.
func (s *S3) Open(ctx context.Context, sum string) (segur.Blob, error) {
	if !validSum(sum) {
		return nil, segur.Errorf(segur.ENOTFOUND, "fichier %q introuvable", sum)
	}
	key := s3Key(sum)
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if isNotFound(err) {
		return nil, segur.Errorf(segur.ENOTFOUND, "fichier %s introuvable", sum)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: s3: stat %s: %w", key, err)
	}
	return &s3Blob{ctx: ctx, core: minio.Core{Client: s.client}, bucket: s.bucket, key: key, size: info.Size, etag: info.ETag}, nil
}

// s3Blob reads an object by ranged GETs through a window of s3ReadAhead
// bytes, so that successive small reads cost one request per window. It is
// safe for concurrent use (reads are serialised).
type s3Blob struct {
	ctx    context.Context
	core   minio.Core
	bucket string
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

// get fills p with the object's bytes from off, by one ranged GET.
func (b *s3Blob) get(p []byte, off int64) error {
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(off, off+int64(len(p))-1); err != nil {
		return fmt.Errorf("blob: s3: %w", err)
	}
	// The same object as the one Open saw, or an error.
	if b.etag != "" {
		if err := opts.SetMatchETag(b.etag); err != nil {
			return fmt.Errorf("blob: s3: %w", err)
		}
	}
	body, _, _, err := b.core.GetObject(b.ctx, b.bucket, b.key, opts)
	if err != nil {
		return fmt.Errorf("blob: s3: get %s: %w", b.key, err)
	}
	defer body.Close()
	if _, err := io.ReadFull(body, p); err != nil {
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
