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

// Outil returns the path of a tool a test needs: the program the
// environment variable env names, else defaut, looked up on PATH. Without
// it tb is skipped, or fails when CI=true, with a message that says what
// the tool is for (pour) and the script that installs it.
func Outil(tb testing.TB, env, defaut, pour, script string) string {
	tb.Helper()
	exe := os.Getenv(env)
	if exe == "" {
		exe = defaut
	}
	path, err := exec.LookPath(exe)
	if err != nil {
		Indisponible(tb, fmt.Sprintf(`no %s %s (%s=%q: %v); install it with: eval "$(%s)"`, defaut, pour, env, os.Getenv(env), err, script))
	}
	return path
}

// Xmllint returns the path of libxml2's xmllint, which validates the SEPA
// files against their XSD: SEGUR_XMLLINT, else xmllint on PATH. Without it
// tb is skipped, or fails when CI=true. Install it with:
// eval "$(scripts/xmllint.sh)".
func Xmllint(tb testing.TB) string {
	tb.Helper()
	return Outil(tb, "SEGUR_XMLLINT", "xmllint", "to validate the SEPA files", "scripts/xmllint.sh")
}
