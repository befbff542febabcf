package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSign checks the signer against the worked examples of the S3
// documentation ("Signature Calculations for the Authorization Header:
// Transferring Payload in a Single Chunk"), all with its example keys.
func TestSign(t *testing.T) {
	s := signer{
		accessKey: "AKIAIOSFODNN7EXAMPLE",
		secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		region:    "us-east-1",
	}
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	const base = "https://examplebucket.s3.amazonaws.com"
	for _, tc := range []struct {
		name          string
		method, url   string
		header        map[string]string
		body          string
		signedHeaders string
		signature     string
	}{
		{
			name: "GET Object", method: "GET", url: base + "/test.txt",
			header:        map[string]string{"Range": "bytes=0-9"},
			signedHeaders: "host;range;x-amz-content-sha256;x-amz-date",
			signature:     "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
		},
		{
			name: "PUT Object", method: "PUT", url: base + "/test$file.text",
			header: map[string]string{
				"Date":                "Fri, 24 May 2013 00:00:00 GMT",
				"X-Amz-Storage-Class": "REDUCED_REDUNDANCY",
			},
			body:          "Welcome to Amazon S3.",
			signedHeaders: "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
			signature:     "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
		},
		{
			name: "GET Bucket Lifecycle", method: "GET", url: base + "/?lifecycle",
			signedHeaders: "host;x-amz-content-sha256;x-amz-date",
			signature:     "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
		},
		{
			name: "GET Bucket (List Objects)", method: "GET", url: base + "/?prefix=J&max-keys=2",
			signedHeaders: "host;x-amz-content-sha256;x-amz-date",
			signature:     "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			sum := sha256.Sum256([]byte(tc.body))
			s.sign(r, hex.EncodeToString(sum[:]), at)
			want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request," +
				"SignedHeaders=" + tc.signedHeaders + ",Signature=" + tc.signature
			if got := r.Header.Get("Authorization"); got != want {
				t.Errorf("got Authorization\n%s\nwant\n%s", got, want)
			}
		})
	}

	// The intermediate values the documentation gives for GET Object.
	t.Run("GET Object, canonical request", func(t *testing.T) {
		r, _ := http.NewRequest("GET", base+"/test.txt", nil)
		r.Header.Set("Range", "bytes=0-9")
		r.Header.Set("X-Amz-Date", "20130524T000000Z")
		r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
		got, _ := canonicalRequest(r, emptySHA256)
		want := "GET\n/test.txt\n\n" +
			"host:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n" +
			"x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n" +
			"x-amz-date:20130524T000000Z\n\n" +
			"host;range;x-amz-content-sha256;x-amz-date\n" +
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		if got != want {
			t.Errorf("got canonical request\n%s\nwant\n%s", got, want)
		}
		if sum := sha256.Sum256([]byte(got)); hex.EncodeToString(sum[:]) != "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972" {
			t.Errorf("got canonical request hash %x, want 7344ae5b…", sum)
		}
	})
}

func TestURIEncode(t *testing.T) {
	for _, tc := range []struct {
		in          string
		encodeSlash bool
		want        string
	}{
		{"/bucket/sha256/ab/cd/abcd", false, "/bucket/sha256/ab/cd/abcd"},
		{"/test$file.text", false, "/test%24file.text"},
		{"a b+c/d~e_f-g.h", true, "a%20b%2Bc%2Fd~e_f-g.h"},
		{"é", false, "%C3%A9"},
		{"", true, ""},
	} {
		if got := uriEncode(tc.in, tc.encodeSlash); got != tc.want {
			t.Errorf("uriEncode(%q, %v): got %q, want %q", tc.in, tc.encodeSlash, got, tc.want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"", ""},
		{"uploads", "uploads="},
		{"prefix=J&max-keys=2", "max-keys=2&prefix=J"},
		{"b=2&a=1&a-b=0&a=0", "a=0&a=1&a-b=0&b=2"},
		{"uploadId=a%2Bb%2F%3D&partNumber=10", "partNumber=10&uploadId=a%2Bb%2F%3D"},
		{"prefix=a+b", "prefix=a%20b"},
	} {
		if got := canonicalQuery(tc.raw); got != tc.want {
			t.Errorf("canonicalQuery(%q): got %q, want %q", tc.raw, got, tc.want)
		}
	}
	// What the client sends is already canonical.
	q := url.Values{"partNumber": {"3"}, "uploadId": {"x/y+z"}}
	if raw := encodeQuery(q); canonicalQuery(raw) != raw {
		t.Errorf("encodeQuery: got %q, which canonicalises to %q", raw, canonicalQuery(raw))
	}
}
