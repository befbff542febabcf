package hop

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files and the rejection corpus")

const exempleBase = "testdata/JSON-1234567890-20211025-001"

// exemple returns the document's example file.
func exemple(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(exempleBase + ".json")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// depotExemple is the deposit of the document's example.
func depotExemple() Declaration {
	return Declaration{NomFichier: "JSON-1234567890-20211025-001.json", Logiciel: LogicielRI, Date: Date{2021, 10, 25}}
}

// openZip opens a zip file of testdata.
func openZip(tb testing.TB, path string) *Archive {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	a, err := OpenArchive(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// rep replaces the first occurrence of old in s, and fails when there is none.
func rep(tb testing.TB, s, old, new string) string {
	tb.Helper()
	if !strings.Contains(s, old) {
		tb.Fatalf("mutation: %q not found", old)
	}
	return strings.Replace(s, old, new, 1)
}

// golden compares got with a golden file, or rewrites it with -update.
func golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}
