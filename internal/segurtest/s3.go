package segurtest

import (
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
)

// S3URL returns the test S3 server's address from SEGUR_TEST_S3_URL with a
// bucket of the test's own, or skips tb without one (fails it when
// CI=true). Start one with: eval "$(scripts/versitygw.sh)".
func S3URL(tb testing.TB) string {
	tb.Helper()
	raw := os.Getenv("SEGUR_TEST_S3_URL")
	if raw == "" {
		Indisponible(tb, `SEGUR_TEST_S3_URL is empty: no S3 server to test against; start one with: eval "$(scripts/versitygw.sh)"`)
	}
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatalf("SEGUR_TEST_S3_URL: %v", err)
	}
	u.Path = "/t-" + strings.ToLower(rand.Text())[:20]
	return u.String()
}
