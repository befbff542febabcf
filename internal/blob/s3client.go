package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bounds of the S3 client.
const (
	// s3MaxErrorBody is what the client reads of an error response.
	s3MaxErrorBody = 64 << 10
	// s3MaxResult is what it reads of a successful response's XML (a
	// copy's result, which S3 may precede with whitespace while it copies).
	s3MaxResult = 1 << 20
	// s3Attempts is how many times a request is sent when the server
	// answers 500, 502, 503 or 504, or the connection fails (never twice
	// for a POST the server may have carried out).
	s3Attempts = 3
	// s3RetryDelay is the wait before the second attempt, doubled before
	// each next one.
	s3RetryDelay = 200 * time.Millisecond
)

// s3Client sends signed requests to one bucket, addressed by path
// (endpoint/bucket/key). Every request body is in memory, hashed for the
// signature: S3 checks it, and a request can be sent again.
type s3Client struct {
	http   *http.Client
	scheme string // http or https
	host   string // host:port
	bucket string
	signer signer
	now    func() time.Time
}

// newS3Client returns a client of cfg's bucket through transport, nil for
// one of its own.
func newS3Client(cfg s3Config, transport http.RoundTripper) *s3Client {
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// One server, many parallel reads and uploads: keep more than
		// the default 2 idle connections to it.
		t.MaxIdleConnsPerHost = 16
		t.IdleConnTimeout = time.Minute
		// A server that holds a request without answering: the caller's
		// context may be long (a whole upload), this bounds one step.
		t.ResponseHeaderTimeout = time.Minute
		// The objects are stored as given: no transparent gunzip.
		t.DisableCompression = true
		transport = t
	}
	region := cfg.region
	if region == "" {
		region = "us-east-1"
	}
	scheme := "https"
	if !cfg.secure {
		scheme = "http"
	}
	return &s3Client{
		http: &http.Client{
			Transport: transport,
			// A signed request is not replayed elsewhere: a redirection
			// (a bucket in another region) is an error to show.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		scheme: scheme,
		host:   cfg.endpoint,
		bucket: cfg.bucket,
		signer: signer{accessKey: cfg.accessKey, secretKey: cfg.secretKey, region: region},
		now:    time.Now,
	}
}

// s3Op is one request: on the bucket when key is "".
type s3Op struct {
	method string
	key    string
	query  url.Values
	header http.Header
	body   []byte
	// bodySHA256 is the hex SHA-256 of body when the caller has it
	// already, else "".
	bodySHA256 string
}

// s3Error is an error answer of the server: the Code of its XML body
// (NoSuchKey, NoSuchBucket, PreconditionFailed…), or one made from the
// status when it has none (a HEAD, a proxy's page). Region is the bucket's
// when the server names it (a request signed for another region).
type s3Error struct {
	Status    int    `xml:"-"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
	RequestID string `xml:"RequestId"`
	Region    string `xml:"Region"`
}

func (e *s3Error) Error() string {
	// The server's words, bounded: a faulty one may send 64 KiB of them.
	s := fmt.Sprintf("%s (HTTP %d)", clip(e.Code, 64), e.Status)
	if e.Message != "" {
		s += ": " + clip(e.Message, 200)
	}
	if e.Region != "" {
		s += " (bucket region " + clip(e.Region, 64) + ")"
	}
	if e.RequestID != "" {
		s += " [request " + clip(e.RequestID, 64) + "]"
	}
	return s
}

// clip returns s cut to n bytes at most, on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// errorCode returns the S3 code of err, "" when it is not an answer of the
// server.
func errorCode(err error) string {
	var e *s3Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// do sends op, signed, with ctx, and returns the response of a 2xx status,
// whose body the caller closes; any other status is an *s3Error, the
// response read (bounded) and closed.
func (c *s3Client) do(ctx context.Context, op s3Op) (*http.Response, error) {
	payload := op.bodySHA256
	if payload == "" {
		sum := sha256.Sum256(op.body)
		payload = hex.EncodeToString(sum[:])
	}
	path := "/" + c.bucket
	if op.key != "" {
		path += "/" + op.key
	}
	u := &url.URL{Scheme: c.scheme, Host: c.host, Path: path, RawPath: uriEncode(path, false), RawQuery: encodeQuery(op.query)}
	delay := s3RetryDelay
	for attempt := 1; ; attempt++ {
		// bytes.Reader: the request knows its length and can be sent
		// again by the transport itself.
		req, err := http.NewRequestWithContext(ctx, op.method, u.String(), bytes.NewReader(op.body))
		if err != nil {
			return nil, err
		}
		for name, values := range op.header {
			req.Header[name] = values
		}
		c.signer.sign(req, payload, c.now())
		resp, err := c.http.Do(req)
		if err == nil && resp.StatusCode/100 == 2 {
			return resp, nil
		}
		if err == nil {
			err = responseError(resp, op)
		}
		if attempt == s3Attempts || ctx.Err() != nil || !retryable(op.method, err) {
			return nil, marquerIndisponible(ctx, err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
		delay *= 2
	}
}

// retryable reports whether a request that failed with err may be sent
// again: the server said it failed for now, or the connection failed
// before an answer and the request can be repeated (not a POST, which
// creates an upload or completes one).
func retryable(method string, err error) bool {
	var e *s3Error
	if errors.As(err, &e) {
		switch e.Status {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	// A connection refused, reset or closed under the request; not a
	// certificate refused or a timeout waiting for an answer.
	var op *net.OpError
	return method != http.MethodPost && (errors.As(err, &op) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF))
}

// responseError reads the error of a response that is not a success, at
// most s3MaxErrorBody bytes of it, and closes it.
func responseError(resp *http.Response, op s3Op) error {
	defer resp.Body.Close()
	e := &s3Error{Status: resp.StatusCode}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, s3MaxErrorBody))
	if len(body) == 0 || xml.Unmarshal(body, e) != nil || e.Code == "" {
		*e = s3Error{Status: resp.StatusCode, Code: statusCode(resp.StatusCode, op.key)}
	}
	if e.Region == "" {
		e.Region = resp.Header.Get("X-Amz-Bucket-Region")
	}
	return e
}

// statusCode returns the S3 code of an error status without a body (a
// HEAD) or with another body than S3's: NoSuchKey and NoSuchBucket as S3
// says them.
func statusCode(status int, key string) string {
	switch status {
	case http.StatusNotFound:
		if key == "" {
			return "NoSuchBucket"
		}
		return "NoSuchKey"
	case http.StatusPreconditionFailed:
		return "PreconditionFailed"
	case http.StatusForbidden:
		return "AccessDenied"
	case http.StatusMovedPermanently:
		return "PermanentRedirect"
	}
	if text := http.StatusText(status); text != "" {
		return strings.ReplaceAll(text, " ", "")
	}
	return "HTTP" + strconv.Itoa(status)
}

// decodeResult decodes the XML body of a successful response into v and
// closes it. S3 answers some requests (completing an upload, copying) with
// 200 then, when they fail, an <Error> body: an *s3Error.
func decodeResult(resp *http.Response, v any) error {
	defer drain(resp)
	d := xml.NewDecoder(io.LimitReader(resp.Body, s3MaxResult))
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("reading the answer: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if start.Name.Local == "Error" {
			e := &s3Error{Status: resp.StatusCode}
			if err := d.DecodeElement(e, &start); err != nil {
				return fmt.Errorf("reading the answer: %w", err)
			}
			return e
		}
		if err := d.DecodeElement(v, &start); err != nil {
			return fmt.Errorf("reading the answer: %w", err)
		}
		return nil
	}
}

// drain reads what is left of a response body, up to s3MaxErrorBody so
// that its connection can be reused, and closes it.
func drain(resp *http.Response) {
	io.CopyN(io.Discard, resp.Body, s3MaxErrorBody)
	resp.Body.Close()
}

// encodeQuery returns q as S3 canonicalises a query: names and values
// URI-encoded, sorted.
func encodeQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, name := range names {
		values := slices.Clone(q[name])
		slices.Sort(values)
		for _, v := range values {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(uriEncode(name, true) + "=" + uriEncode(v, true))
		}
	}
	return b.String()
}

// headBucket reports whether the bucket exists, and the region the server
// says it is in ("" when it does not say).
func (c *s3Client) headBucket(ctx context.Context) (bool, string, error) {
	resp, err := c.do(ctx, s3Op{method: http.MethodHead})
	if err != nil {
		var e *s3Error
		if errors.As(err, &e) && e.Code == "NoSuchBucket" {
			return false, "", nil
		} else if errors.As(err, &e) {
			return false, e.Region, err
		}
		return false, "", err
	}
	drain(resp)
	return true, resp.Header.Get("X-Amz-Bucket-Region"), nil
}

// createBucket creates the bucket, in region unless it is "" (the
// server's default).
func (c *s3Client) createBucket(ctx context.Context, region string) error {
	op := s3Op{method: http.MethodPut}
	if region != "" && region != "us-east-1" {
		body, err := xml.Marshal(struct {
			XMLName            xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CreateBucketConfiguration"`
			LocationConstraint string
		}{LocationConstraint: region})
		if err != nil {
			return err
		}
		op.body = body
	}
	resp, err := c.do(ctx, op)
	if err != nil {
		return err
	}
	drain(resp)
	return nil
}

// objectInfo is what a HEAD says of an object.
type objectInfo struct {
	size int64
	etag string
}

func (c *s3Client) headObject(ctx context.Context, key string) (objectInfo, error) {
	resp, err := c.do(ctx, s3Op{method: http.MethodHead, key: key})
	if err != nil {
		return objectInfo{}, err
	}
	drain(resp)
	if resp.ContentLength < 0 {
		return objectInfo{}, errors.New("HEAD without Content-Length")
	}
	return objectInfo{size: resp.ContentLength, etag: resp.Header.Get("ETag")}, nil
}

// putObject writes body at key; sum is its hex SHA-256.
func (c *s3Client) putObject(ctx context.Context, key string, body []byte, sum string) error {
	resp, err := c.do(ctx, s3Op{
		method:     http.MethodPut,
		key:        key,
		header:     http.Header{"Content-Type": {"application/octet-stream"}},
		body:       body,
		bodySHA256: sum,
	})
	if err != nil {
		return err
	}
	drain(resp)
	return nil
}

// getRange fills p with the bytes of key from off by one ranged GET, from
// the object of ETag etag unless it is "" (else PreconditionFailed).
func (c *s3Client) getRange(ctx context.Context, key string, p []byte, off int64, etag string) error {
	h := http.Header{"Range": {fmt.Sprintf("bytes=%d-%d", off, off+int64(len(p))-1)}}
	if etag != "" {
		h.Set("If-Match", etag)
	}
	resp, err := c.do(ctx, s3Op{method: http.MethodGet, key: key, header: h})
	if err != nil {
		return err
	}
	defer drain(resp)
	// 200 is the whole object, from its start: right only for off 0.
	if resp.StatusCode != http.StatusPartialContent && (resp.StatusCode != http.StatusOK || off != 0) {
		return fmt.Errorf("got HTTP %d to a GET of bytes %d-%d, want 206", resp.StatusCode, off, off+int64(len(p))-1)
	}
	if _, err := io.ReadFull(resp.Body, p); err != nil {
		return err
	}
	return nil
}

// listPage is one page of a ListObjectsV2 answer.
type listPage struct {
	Contents []struct {
		Key          string    `xml:"Key"`
		LastModified time.Time `xml:"LastModified"`
		Size         int64     `xml:"Size"`
	} `xml:"Contents"`
	IsTruncated           bool   `xml:"IsTruncated"`
	NextContinuationToken string `xml:"NextContinuationToken"`
}

// listObjects returns the page of the bucket's objects under prefix that
// token continues ("" for the first), at most 1 000 objects.
func (c *s3Client) listObjects(ctx context.Context, prefix, token string) (listPage, error) {
	q := url.Values{"list-type": {"2"}, "prefix": {prefix}}
	if token != "" {
		q.Set("continuation-token", token)
	}
	resp, err := c.do(ctx, s3Op{method: http.MethodGet, query: q})
	if err != nil {
		return listPage{}, err
	}
	var p listPage
	err = decodeResult(resp, &p)
	return p, err
}

func (c *s3Client) deleteObject(ctx context.Context, key string) error {
	resp, err := c.do(ctx, s3Op{method: http.MethodDelete, key: key})
	if err != nil {
		return err
	}
	drain(resp)
	return nil
}

// copyObject copies src to key on the server, both in the bucket, src at
// most 5 GiB.
func (c *s3Client) copyObject(ctx context.Context, src, key string) error {
	resp, err := c.do(ctx, s3Op{
		method: http.MethodPut,
		key:    key,
		header: http.Header{"X-Amz-Copy-Source": {uriEncode("/"+c.bucket+"/"+src, false)}},
	})
	if err != nil {
		return err
	}
	var result struct {
		ETag string
	}
	return decodeResult(resp, &result)
}

// createUpload starts a multipart upload to key and returns its ID.
func (c *s3Client) createUpload(ctx context.Context, key string) (string, error) {
	resp, err := c.do(ctx, s3Op{
		method: http.MethodPost,
		key:    key,
		query:  url.Values{"uploads": {""}},
		header: http.Header{"Content-Type": {"application/octet-stream"}},
	})
	if err != nil {
		return "", err
	}
	var result struct {
		UploadID string `xml:"UploadId"`
	}
	if err := decodeResult(resp, &result); err != nil {
		return "", err
	}
	if result.UploadID == "" {
		return "", errors.New("no UploadId in the answer")
	}
	return result.UploadID, nil
}

// s3Part is an uploaded part of a multipart upload.
type s3Part struct {
	PartNumber int
	ETag       string
}

func partQuery(id string, number int) url.Values {
	return url.Values{"uploadId": {id}, "partNumber": {strconv.Itoa(number)}}
}

// uploadPart sends part number of upload id to key; sum is the part's hex
// SHA-256.
func (c *s3Client) uploadPart(ctx context.Context, key, id string, number int, part []byte, sum string) (s3Part, error) {
	resp, err := c.do(ctx, s3Op{method: http.MethodPut, key: key, query: partQuery(id, number), body: part, bodySHA256: sum})
	if err != nil {
		return s3Part{}, err
	}
	drain(resp)
	etag := resp.Header.Get("ETag")
	if etag == "" {
		return s3Part{}, fmt.Errorf("no ETag for part %d", number)
	}
	return s3Part{PartNumber: number, ETag: etag}, nil
}

// uploadPartCopy copies bytes first to last of src, in the bucket, as part
// number of upload id to key.
func (c *s3Client) uploadPartCopy(ctx context.Context, key, id string, number int, src string, first, last int64) (s3Part, error) {
	resp, err := c.do(ctx, s3Op{
		method: http.MethodPut,
		key:    key,
		query:  partQuery(id, number),
		header: http.Header{
			"X-Amz-Copy-Source":       {uriEncode("/"+c.bucket+"/"+src, false)},
			"X-Amz-Copy-Source-Range": {fmt.Sprintf("bytes=%d-%d", first, last)},
		},
	})
	if err != nil {
		return s3Part{}, err
	}
	var result struct {
		ETag string
	}
	if err := decodeResult(resp, &result); err != nil {
		return s3Part{}, err
	}
	if result.ETag == "" {
		return s3Part{}, fmt.Errorf("no ETag for part %d", number)
	}
	return s3Part{PartNumber: number, ETag: result.ETag}, nil
}

// completeUpload makes the object of upload id from its parts.
func (c *s3Client) completeUpload(ctx context.Context, key, id string, parts []s3Part) error {
	body, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUpload"`
		Part    []s3Part
	}{Part: parts})
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, s3Op{method: http.MethodPost, key: key, query: url.Values{"uploadId": {id}}, body: body})
	if err != nil {
		return err
	}
	var result struct {
		Key string
	}
	return decodeResult(resp, &result)
}

// abortUpload abandons upload id and frees its parts.
func (c *s3Client) abortUpload(ctx context.Context, key, id string) error {
	resp, err := c.do(ctx, s3Op{method: http.MethodDelete, key: key, query: url.Values{"uploadId": {id}}})
	if err != nil {
		return err
	}
	drain(resp)
	return nil
}
