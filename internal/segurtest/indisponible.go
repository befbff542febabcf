package segurtest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Indisponible skips tb because a service or a tool its test needs is
// missing (msg says which, and how to get it), or fails it when CI=true: a
// CI run must run every test, and a suite skipped there would pass
// unnoticed. .ci/run sets CI=true itself.
func Indisponible(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// Xmllint returns the path of libxml2's xmllint, which validates the SEPA
// files against their XSD: SEGUR_XMLLINT, else xmllint on PATH. Without it
// tb is skipped, or fails when CI=true. Install it with:
// eval "$(scripts/xmllint.sh)".
func Xmllint(tb testing.TB) string {
	tb.Helper()
	exe := os.Getenv("SEGUR_XMLLINT")
	if exe == "" {
		exe = "xmllint"
	}
	path, err := exec.LookPath(exe)
	if err != nil {
		Indisponible(tb, fmt.Sprintf(`no xmllint to validate the SEPA files (SEGUR_XMLLINT=%q: %v); install it with: eval "$(scripts/xmllint.sh)"`, os.Getenv("SEGUR_XMLLINT"), err))
	}
	return path
}
