package hop

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzArchive opens any bytes as an attachments' zip, then checks every file
// it holds: it must never panic, refuse with anything but an *ArchiveError
// (the reader never fails), or answer twice differently. The committed
// corpus is in testdata/fuzz/FuzzArchive.
func FuzzArchive(f *testing.F) {
	f.Add(archReadExample(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := OpenArchive(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			var ae *ArchiveError
			if !errors.As(err, &ae) {
				t.Fatalf("OpenArchive: got %v, want an *ArchiveError", err)
			}
			if a != nil {
				t.Fatalf("OpenArchive: got an archive with the error %v", err)
			}
			if ae.Fault < ArchiveIllisible || ae.Fault > ArchiveBombe {
				t.Fatalf("Fault: got %v, want a known fault", ae.Fault)
			}
			if !utf8.ValidString(ae.Entry) || !utf8.ValidString(ae.Error()) {
				t.Fatalf("Error: got %q, want valid UTF-8", ae.Error())
			}
			if n := utf8.RuneCountInString(ae.Entry); n > zipShownName {
				t.Fatalf("Entry: got %d characters, want at most %d", n, zipShownName)
			}
			return
		}
		names := a.Unnamed()
		for _, name := range names {
			got := a.CheckPiece(name, "PDF")
			if strings.Contains(name, "/") {
				if got != PieceAbsente {
					t.Fatalf("CheckPiece(%q) below the root: got %v, want %v", name, got, PieceAbsente)
				}
				continue
			}
			if got == PieceAbsente {
				t.Fatalf("CheckPiece(%q), a name of Unnamed: got %v", name, got)
			}
			if again := a.CheckPiece(name, "PDF"); again != got {
				t.Fatalf("CheckPiece(%q) twice: got %v then %v", name, got, again)
			}
			for _, format := range []string{"PNG", "JPG"} {
				other := a.CheckPiece(name, format)
				if (got == PieceOK || got == PieceFormatIncorrect) != (other == PieceOK || other == PieceFormatIncorrect) {
					t.Fatalf("CheckPiece(%q): got %v for PDF and %v for %s", name, got, other, format)
				}
			}
		}
		for _, name := range a.Unnamed() {
			if !strings.Contains(name, "/") {
				t.Fatalf("Unnamed after checking every file: got %q", name)
			}
		}
	})
}
