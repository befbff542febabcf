package segurtest

import "testing"

// Soffice returns LibreOffice's soffice, to open or write XLSX books in a
// real spreadsheet: SEGUR_SOFFICE, else soffice on PATH. Without it tb is
// skipped, or fails when CI=true. Install it with:
// eval "$(scripts/libreoffice.sh)".
func Soffice(tb testing.TB) string {
	tb.Helper()
	return Outil(tb, "SEGUR_SOFFICE", "soffice", "for the XLSX books", "scripts/libreoffice.sh")
}
