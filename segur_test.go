package segur

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/segur-numerique/segur/hop"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// exemple returns the document's worked example, kept in hop's testdata.
func exemple(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile("hop/testdata/JSON-1234567890-20211025-001.json")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// depotExemple is the deposit of the document's example.
func depotExemple() hop.Declaration {
	return hop.Declaration{NomFichier: "JSON-1234567890-20211025-001.json", Logiciel: hop.LogicielRI, Date: hop.Date{Annee: 2021, Mois: 10, Jour: 25}}
}

// controler runs the controls on data and fails on an internal error.
func controler(tb testing.TB, data string, depot hop.Declaration, opt hop.Options) *hop.Resultat {
	tb.Helper()
	res, err := hop.Controler([]byte(data), depot, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return res
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
