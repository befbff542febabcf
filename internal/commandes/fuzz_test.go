package commandes

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// FuzzLire checks that no book, however broken, makes Lire panic or return
// both requests and errors. Seeds: the committed books and corpus
// (testdata/fuzz/FuzzLire), a valid XLSX and a few broken CSVs.
func FuzzLire(f *testing.F) {
	for _, name := range []string{"testdata/carnet-valide.csv", "../../docs/exemple-carnet.csv"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(xlsxDe(f, append([][]string{enteteFR}, lignesValides[:2]...)...))
	entete := strings.Join(enteteFR, ";")
	f.Add([]byte(entete + "\nR1;\"x\"y;\n"))
	f.Add([]byte(entete + "\n" + strings.Join(ligne("R1", "Date commande", "2021-02-29"), ";")))
	f.Add([]byte("\xef\xbb\xbf;;;\n\n,,,\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, e, err := Lire(bytes.NewReader(data), int64(len(data)))
		if (d != nil && e != nil) || (err != nil && (d != nil || e != nil)) {
			t.Fatalf("got %d requests, %d errors and %v together", len(d), len(e), err)
		}
		if err == nil && d == nil && e == nil {
			t.Fatal("got neither requests nor errors")
		}
	})
}
