package hop

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// fichierExempleHOP is the document's worked example, a copy of
// shared/spec/examples kept in testdata.
const fichierExempleHOP = "JSON-1234567890-20211025-001.json"

// lireExemple returns the bytes of the document's worked example.
func lireExempleHOP(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", fichierExempleHOP))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// genererFichier returns the JSON-HOP file of n requests that EcrireHOP
// writes of FichierExemple, numbered 00001..n on five digits: the
// example's text (indentation, number literals) with its request repeated,
// valid whenever n is between 1 and 200; 200 requests weigh about 430 KB.
func genererFichier(tb testing.TB, n int) []byte {
	tb.Helper()
	if n < 1 || n > 99999 {
		tb.Fatalf("genererFichier: %d requests, want 1 to 99999", n)
	}
	numeros := make([]string, n)
	for k := range numeros {
		numeros[k] = fmt.Sprintf("%05d", k+1)
	}
	var buf bytes.Buffer
	if err := EcrireHOP(&buf, FichierExemple(numeros...)); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestGenererFichier(t *testing.T) {
	t.Run("one request is the example", func(t *testing.T) {
		got, want := genererFichier(t, 1), lireExempleHOP(t)
		if !bytes.Equal(got, want) {
			t.Errorf("got\n%s\nwant the example\n%s", got, want)
		}
	})
	t.Run("200 requests", func(t *testing.T) {
		b := genererFichier(t, 200)
		for _, s := range []string{`"numLigne": 200,`, `"numeroEditeur": "00200"`, `"HOP-RI-Va1-HT-00200.pdf"`} {
			if got := bytes.Count(b, []byte(s)); got != 1 {
				t.Errorf("%s: got %d times, want 1", s, got)
			}
		}
		if got := bytes.Count(b, []byte(`"numLigne": `)); got != 200 {
			t.Errorf("numLigne: got %d, want 200", got)
		}
		if len(b) < 400_000 || len(b) > 460_000 {
			t.Errorf("size: got %d bytes, want about 430 KB", len(b))
		}
		// The example's request, repeated: each one is the first with its
		// number changed.
		ex := lireExempleHOP(t)
		const ouverture = "\"lignesImport\": [\n"
		i, j := bytes.Index(ex, []byte(ouverture))+len(ouverture), bytes.LastIndexByte(ex, ']')
		demande := bytes.TrimRight(ex[i:j], " \n")
		for _, k := range []int{2, 117, 200} {
			ed := fmt.Sprintf("%05d", k)
			want := bytes.Replace(demande, []byte(`"numLigne": 1,`), fmt.Appendf(nil, `"numLigne": %d,`, k), 1)
			want = bytes.ReplaceAll(want, []byte("00001"), []byte(ed))
			if !bytes.Contains(b, want) {
				t.Errorf("request %d: not the example's with numeroEditeur %s", k, ed)
			}
		}
		if res, err := Controler(b, depotExemple(), Options{}); err != nil || res.Acceptees() != 200 {
			t.Errorf("got %v, %v; want 200 requests accepted (the attachments unchecked)", err, res)
		}
	})
}
