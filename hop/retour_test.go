package hop

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// retourSansCopie writes the returned file of res with every request
// re-read and re-indented, as if none were already in the returned file's
// form: the slow path that demandeCopiee must match byte for byte.
func retourSansCopie(tb testing.TB, res *Resultat, impID string, asp []string) []byte {
	tb.Helper()
	formes := make([]forme, len(res.doc.demandes))
	for i := range res.doc.demandes {
		formes[i] = res.doc.demandes[i].forme
		res.doc.demandes[i].forme = formeAutre
	}
	defer func() {
		for i := range res.doc.demandes {
			res.doc.demandes[i].forme = formes[i]
		}
	}()
	return retourDe(tb, res, impID, asp)
}

// copiees counts the requests of res the returned file copies (an empty
// one is re-read all the same).
func copiees(res *Resultat) int {
	n := 0
	for _, d := range res.doc.demandes {
		if d.forme != formeAutre && d.v.end-d.v.start > 2 {
			n++
		}
	}
	return n
}

// reindenter re-indents a JSON text with indent.
func reindenter(tb testing.TB, s, indent string) string {
	tb.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(s), "", indent); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

func TestRetourCopie(t *testing.T) {
	ex, solde := exemple(t), exempleSolde(t)
	remplacer := func(s, ancien, nouveau string) string {
		t.Helper()
		if !strings.Contains(s, ancien) {
			t.Fatalf("%q not in the file", ancien)
		}
		return strings.Replace(s, ancien, nouveau, 1)
	}
	// demandes applies f to the text of the requests only.
	demandes := func(s string, f func(string) string) string {
		i := strings.Index(s, `"lignesImport": [`) + len(`"lignesImport": [`)
		return s[:i] + f(s[i:])
	}
	compact := func(s string) string {
		var b bytes.Buffer
		if err := json.Compact(&b, []byte(s)); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	const (
		asp        = `"numeroASP": null,`
		code       = `"codeTraitement": null,`
		libelle    = `"libelleTraitement": null`
		traitement = ",\n      " + code + "\n      " + libelle // the end of the request
	)
	for _, tc := range []struct {
		name    string
		data    string
		solde   bool
		copiees int // requests copied
	}{
		{"example", ex, false, 1},
		{"balance example", solde, true, 1},
		{"example indented by json.Indent", reindenter(t, ex, "  "), false, 1},
		{"without numeroASP", remplacer(ex, asp+"\n      ", ""), false, 1},
		{"without codeTraitement", remplacer(ex, code+"\n      ", ""), false, 1},
		{"without the processing keys", remplacer(remplacer(ex, asp+"\n      ", ""), traitement, ""), false, 1},
		{"processing keys first", remplacer(remplacer(ex, traitement, ""), `"numLigne": 1,`,
			`"libelleTraitement": "x",`+"\n      "+`"codeTraitement": 0,`+"\n      "+`"numLigne": 1,`), false, 1},
		{"processing keys of other types", reindenter(t, remplacer(remplacer(remplacer(ex, asp, `"numeroASP": [1, {"a": true}],`),
			code, `"codeTraitement": {"b": []},`), libelle, `"libelleTraitement": -1.5e3`), "  "), false, 1},
		{"unknown keys nested", reindenter(t, remplacer(ex, `"numLigne": 1,`, `"numLigne": 1, "x": {"y": [[], {}, "z"]},`), "  "), false, 1},
		{"balance without numeroASP", remplacer(solde, `"numeroASP": "ASP-2021-0000001",`+"\n      ", ""), true, 1},
		{"empty request", remplacer(ex, `"lignesImport": [`, `"lignesImport": [{}, `), false, 1},
		{"request of one key", reindenter(t, remplacer(ex, `"lignesImport": [`, `"lignesImport": [{"a": 1}, `), "  "), false, 2},
		{"inline array", remplacer(ex, `"numLigne": 1,`, `"numLigne": 1, "x": [1],`), false, 0},
		// Laid out in the same lines: copied line by line.
		{"tabs", reindenter(t, ex, "\t"), false, 1},
		{"four spaces", reindenter(t, ex, "    "), false, 1},
		{"CRLF", strings.ReplaceAll(ex, "\n", "\r\n"), false, 1},
		{"no indentation", reindenter(t, ex, ""), false, 1},
		{"indentation at random", demandes(ex, func(s string) string {
			return strings.NewReplacer("\n      ", "\n\t ", "\n    ", "\n", "\n          ", "\n  \t  \t").Replace(s)
		}), false, 1},
		{"tabs, processing keys first", reindenter(t, remplacer(remplacer(ex, traitement, ""), `"numLigne": 1,`,
			`"libelleTraitement": [{"a": "\u00e9"}], "codeTraitement": {"b": [[]]}, "numLigne": 1,`), "\t"), false, 1},
		{"tabs, escapes", reindenter(t, demandes(ex, func(s string) string { return strings.ReplaceAll(s, "@", `\u0040`) }), "\t"), false, 1},
		// Not: re-read.
		{"compact", compact(ex), false, 0},
		{"CR alone", strings.ReplaceAll(ex, "\n", "\r"), false, 0},
		{"blank at the end of a line", remplacer(ex, `"C",`+"\n", `"C", `+"\n"), false, 0},
		// Strings with escapes: written unescaped, the rest copied.
		{"escapes in values", strings.ReplaceAll(ex, "HOPITAL", `H\u00d4PITAL`), false, 1},
		{"escape kept as written", remplacer(ex, "HOPITAL", `HOPI\"TAL`), false, 1},
		{"escape in a key", remplacer(ex, `"numLigne"`, `"num\u004cigne"`), false, 1},
		{"escapes in replaced values", reindenter(t, remplacer(remplacer(ex, code, `"codeTraitement": "\n",`), libelle,
			`"libelleTraitement": ["\t", {"\u00e9": "\/"}]`), "  "), false, 1},
		{"escape in the balance's numeroASP", remplacer(solde, `"ASP-2021-0000001"`, `"ASP\u002d2021-0000001"`), true, 1},
		{"escapes everywhere", demandes(ex, func(s string) string {
			return strings.ReplaceAll(strings.ReplaceAll(s, "-", `\u002d`), "@", `\u0040`)
		}), false, 1},
		{"as many escapes as copied", reindenter(t, remplacer(ex, `"numLigne": 1,`,
			`"x": [`+strings.Repeat(`"\n", `, maxEchappees-1)+`"\n"], "numLigne": 1,`), "  "), false, 1},
		{"too many escapes", reindenter(t, remplacer(ex, `"numLigne": 1,`,
			`"x": [`+strings.Repeat(`"\n", `, maxEchappees)+`"\n"], "numLigne": 1,`), "  "), false, 0},
		{"blank before a colon", remplacer(ex, `"typeAction": `, `"typeAction" : `), false, 0},
		{"two blanks after a colon", remplacer(ex, `"typeAction": `, `"typeAction":  `), false, 0},
		{"no blank after a colon", remplacer(ex, `"typeAction": `, `"typeAction":`), false, 0},
		{"blank before a comma", remplacer(ex, `"C",`, `"C" ,`), false, 0},
		{"comma on the next line", remplacer(ex, `"C",`+"\n      ", `"C"`+"\n      ,"), false, 0},
		{"blank line", remplacer(ex, `"C",`+"\n", `"C",`+"\n\n"), false, 0},
		{"blank in an empty array", remplacer(ex, `"numLigne": 1,`, `"numLigne": 1, "x": [ ],`), false, 0},
		{"line in an empty object", remplacer(ex, `"numLigne": 1,`, `"numLigne": 1, "x": {`+"\n      "+`},`), false, 0},
		{"trailing blank", remplacer(ex, `"C",`, `"C", `), false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			controler := func(data string) *Resultat {
				t.Helper()
				var res *Resultat
				var err error
				if tc.solde {
					res, err = ControlerSolde([]byte(data), depotSolde(), Options{})
				} else {
					res, err = Controler([]byte(data), depotExemple(), Options{})
				}
				if err != nil || res.Rejet != nil {
					t.Fatalf("got %v %+v, want the file through control 1", err, res.Rejet)
				}
				return res
			}
			res := controler(tc.data)
			if got := copiees(res); got != tc.copiees {
				t.Errorf("requests copied: got %d, want %d", got, tc.copiees)
			}
			// The same document laid out as json.Indent does.
			indente := controler(reindenter(t, tc.data, "  "))
			for _, asp := range [][]string{nil, {"ASP-2021-0000001", "ASP-\"2\""}} {
				got := retourDe(t, res, "IMP", asp)
				if want := retourSansCopie(t, res, "IMP", asp); !bytes.Equal(got, want) {
					t.Errorf("returned file differs from the re-read one:\ngot:\n%s\nwant:\n%s", got, want)
				}
				if want := retourDe(t, indente, "IMP", asp); !bytes.Equal(got, want) {
					t.Errorf("returned file differs from the one of the file indented:\ngot:\n%s\nwant:\n%s", got, want)
				}
			}
		})
	}
}

// FuzzRetourCopie checks, on any file that passes control 1, that copying
// the requests already in the returned file's form writes what re-reading
// them writes, byte for byte, and that the returned file does not depend on
// the file's layout: the same file indented by json.Indent gives the same.
func FuzzRetourCopie(f *testing.F) {
	f.Add([]byte(exemple(f)), false)
	f.Add([]byte(exempleSolde(f)), true)
	for _, p := range corpusFiles(f) {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b, false)
		}
	}
	for _, p := range corpusSoldeFiles(f) {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b, true)
		}
	}
	d, ds := depotExemple(), depotSolde()
	d.NomFichier, ds.NomFichier = "", ""
	f.Fuzz(func(t *testing.T, data []byte, solde bool) {
		var res *Resultat
		var err error
		if solde {
			res, err = ControlerSolde(data, ds, Options{})
		} else {
			res, err = Controler(data, d, Options{})
		}
		if err != nil {
			t.Fatal(err)
		}
		if res.Rejet != nil {
			return
		}
		asp := []string{"ASP-2021-0000001", "", "ASP-\u2028"}
		got := retourDe(t, res, "IMP", asp)
		if want := retourSansCopie(t, res, "IMP", asp); !bytes.Equal(got, want) {
			t.Fatalf("returned file differs from the re-read one:\ngot:\n%s\nwant:\n%s", got, want)
		}
		var indente bytes.Buffer
		if err := json.Indent(&indente, bytes.TrimPrefix(data, bom), "", "  "); err != nil {
			t.Fatalf("control 1 accepts a file json.Indent refuses: %v", err)
		}
		if solde {
			res, err = ControlerSolde(indente.Bytes(), ds, Options{})
		} else {
			res, err = Controler(indente.Bytes(), d, Options{})
		}
		if err != nil || res.Rejet != nil {
			t.Fatalf("the file indented is rejected: %v %+v", err, res.Rejet)
		}
		if want := retourDe(t, res, "IMP", asp); !bytes.Equal(got, want) {
			t.Fatalf("returned file differs from the one of the file indented:\ngot:\n%s\nwant:\n%s", got, want)
		}
	})
}
