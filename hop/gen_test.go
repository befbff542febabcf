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

// genererFichier returns a JSON-HOP file of n requests built from the
// document's worked example: its request repeated n times with numLigne 1..n,
// numeroEditeur 00001..n on five digits, and attachment names that follow
// the request's numeroEditeur. The text is the example's own (indentation,
// number literals), so the file is valid whenever n is between 1 and 200;
// 200 requests weigh about 430 KB.
func genererFichier(tb testing.TB, n int) []byte {
	tb.Helper()
	if n < 1 || n > 99999 {
		tb.Fatalf("genererFichier: %d requests, want 1 to 99999", n)
	}
	ex := lireExempleHOP(tb)
	const ouverture = "\"lignesImport\": [\n"
	i := bytes.Index(ex, []byte(ouverture))
	j := bytes.LastIndexByte(ex, ']')
	if i < 0 || j < i {
		tb.Fatal("genererFichier: no lignesImport array in the example")
	}
	entete, fin := ex[:i+len(ouverture)], ex[j:]
	demande := bytes.TrimRight(ex[i+len(ouverture):j], " \n")

	remplacer := func(d []byte, ancien, nouveau string, fois int) []byte {
		if got := bytes.Count(d, []byte(ancien)); got != fois {
			tb.Fatalf("genererFichier: %q %d times in the example's request, want %d", ancien, got, fois)
		}
		return bytes.ReplaceAll(d, []byte(ancien), []byte(nouveau))
	}
	var out bytes.Buffer
	out.Grow(len(entete) + n*(len(demande)+2) + len(fin))
	out.Write(entete)
	for k := 1; k <= n; k++ {
		if k > 1 {
			out.WriteString(",\n")
		}
		d := remplacer(demande, `"numLigne": 1,`, fmt.Sprintf(`"numLigne": %d,`, k), 1)
		d = remplacer(d, `"numeroEditeur": "00001"`, fmt.Sprintf(`"numeroEditeur": "%05d"`, k), 1)
		d = remplacer(d, `-00001.pdf"`, fmt.Sprintf(`-%05d.pdf"`, k), 2)
		out.Write(d)
	}
	out.WriteString("\n  ")
	out.Write(fin)
	return out.Bytes()
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
	})
}
