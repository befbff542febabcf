package blob

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// emptySHA256 is the hex SHA-256 of no bytes: the payload hash of a request
// without a body.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// signer signs S3 requests with AWS Signature Version 4 (AWS4-HMAC-SHA256),
// as "Authenticating Requests: Using the Authorization Header" of the S3
// documentation describes it: a canonical request, a string to sign over
// its hash, and an HMAC-SHA256 chain from the secret key over the date, the
// region, the service and "aws4_request".
type signer struct {
	accessKey string
	secretKey string
	region    string
}

// sign sets the X-Amz-Date, X-Amz-Content-Sha256 and Authorization headers
// of r, signing its method, path, query, host and every header it holds.
// payloadHash is the hex SHA-256 of the body r sends. Headers set on r after
// sign are sent unsigned (the transport's Accept-Encoding, User-Agent).
func (s signer) sign(r *http.Request, payloadHash string, t time.Time) {
	t = t.UTC()
	amzDate := t.Format("20060102T150405Z")
	r.Header.Set("X-Amz-Date", amzDate)
	r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	r.Header.Del("Authorization")

	canonical, signedHeaders := canonicalRequest(r, payloadHash)
	scope := t.Format("20060102") + "/" + s.region + "/s3/aws4_request"
	sum := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])

	key := hmacSHA256([]byte("AWS4"+s.secretKey), t.Format("20060102"))
	key = hmacSHA256(key, s.region)
	key = hmacSHA256(key, "s3")
	key = hmacSHA256(key, "aws4_request")
	signature := hex.EncodeToString(hmacSHA256(key, toSign))

	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+s.accessKey+"/"+scope+
		",SignedHeaders="+signedHeaders+",Signature="+signature)
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// canonicalRequest returns the canonical request of r and the list of the
// headers it signs: host and every header of r but Authorization.
func canonicalRequest(r *http.Request, payloadHash string) (canonical, signedHeaders string) {
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	values := map[string][]string{"host": {host}}
	names := []string{"host"}
	for name, vs := range r.Header {
		name = strings.ToLower(name)
		if name == "authorization" || name == "host" {
			continue
		}
		if _, ok := values[name]; !ok {
			names = append(names, name)
		}
		values[name] = append(values[name], vs...)
	}
	slices.Sort(names)

	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(uriEncode(r.URL.Path, false))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range values[name] {
			if i > 0 {
				b.WriteByte(',')
			}
			// Trimmed, inner runs of spaces made one.
			b.WriteString(strings.Join(strings.Fields(v), " "))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	signedHeaders = strings.Join(names, ";")
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String(), signedHeaders
}

// canonicalQuery returns the parameters of rawQuery URI-encoded and sorted
// by name then value, a parameter without "=" given an empty value.
func canonicalQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	type param struct{ name, value string }
	var params []param
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		// A parameter that does not decode is signed as sent: the server
		// will refuse the signature, not this client crash.
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if v, err := url.QueryUnescape(value); err == nil {
			value = v
		}
		params = append(params, param{uriEncode(name, true), uriEncode(value, true)})
	}
	slices.SortFunc(params, func(a, b param) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name + "=" + p.value)
	}
	return b.String()
}

// uriEncode encodes s as S3 canonicalises it: every byte but the unreserved
// characters of RFC 3986 (A-Z a-z 0-9 - . _ ~) as %XX in upper case; "/"
// too when encodeSlash (a query parameter), not in a path.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/' && !encodeSlash {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
