package segurtest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Soffice returns LibreOffice's soffice, to open or write XLSX books in a
// real spreadsheet: SEGUR_SOFFICE, else soffice on PATH. Without it tb is
// skipped, or fails when CI=true. Install it with:
// eval "$(scripts/libreoffice.sh)".
func Soffice(tb testing.TB) string {
	tb.Helper()
	exe := os.Getenv("SEGUR_SOFFICE")
	if exe == "" {
		exe = "soffice"
	}
	path, err := exec.LookPath(exe)
	if err != nil {
		Indisponible(tb, fmt.Sprintf(`no LibreOffice for the XLSX books (SEGUR_SOFFICE=%q: %v); install it with: eval "$(scripts/libreoffice.sh)"`, os.Getenv("SEGUR_SOFFICE"), err))
	}
	return path
}
