package hop

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"testing"
	"unicode/utf8"
)

// codesSyntaxe are the codes of control 1 for bytes that json.Valid refuses:
// their encoding, their syntax, their depth. Compared whole, never found in
// their concatenation: "1010101110121014" holds 2101 too.
var codesSyntaxe = []string{CodeEncodage, CodeSubstitution, CodeSyntaxe, CodeProfondeur}

// FuzzControler runs controls 1 and 2 on any bytes. Besides never
// panicking, it checks the decoder against encoding/json: a file that
// json.Valid refuses is refused by control 1's syntax step; and the
// returned file of a file that passed control 1 carries the same values,
// number literals included, as the deposited file.
func FuzzControler(f *testing.F) {
	f.Add([]byte(exemple(f)))
	for _, p := range corpusFiles(f) {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	for _, s := range []string{`{}`, `[]`, `{"a":1,"a":2}`, `"\ud83d\ude00"`, `{"impId":null,"lignesImport":[{}]}`, "\uFEFF{}"} {
		f.Add([]byte(s))
	}
	d := depotExemple()
	d.NomFichier = ""
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Controler(data, d, Options{Toutes: true})
		if err != nil {
			t.Fatal(err)
		}
		body := bytes.TrimPrefix(data, bom)
		syntaxe := res.Rejet != nil && slices.Contains(codesSyntaxe, res.Rejet.Code)
		if !json.Valid(body) && !syntaxe {
			t.Fatalf("json.Valid refuses the file but control 1 gives %v", res.Rejet)
		}
		if json.Valid(body) && utf8.Valid(body) && res.Rejet != nil && res.Rejet.Code == CodeSyntaxe {
			t.Fatalf("json.Valid accepts the file but control 1 gives %s", res.Rejet.Libelle())
		}
		for _, e := range allErrors(res) {
			l := e.Libelle()
			if !utf8.ValidString(l) || utf8.RuneCountInString(l) > MaxLibelle {
				t.Fatalf("bad label %q", l)
			}
		}
		if res.Rejet != nil {
			return
		}
		var out bytes.Buffer
		if err := res.EcrireRetour(&out, "IMP", nil); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("returned file is not JSON:\n%s", out.Bytes())
		}
		want, got := decodeNumbers(t, body), decodeNumbers(t, out.Bytes())
		// Undo what the returned file changes on purpose.
		got["impId"] = nil
		lw, lg := want["lignesImport"].([]any), got["lignesImport"].([]any)
		for i := range lg {
			rw, rg := lw[i].(map[string]any), lg[i].(map[string]any)
			for _, k := range []string{"numeroASP", "codeTraitement", "libelleTraitement"} {
				if v, ok := rw[k]; ok {
					rg[k] = v
				} else {
					delete(rg, k)
				}
			}
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("returned file differs from the deposited one:\n%s", out.Bytes())
		}
	})
}

func allErrors(res *Resultat) []Erreur {
	var errs []Erreur
	if res.Rejet != nil {
		errs = append(errs, *res.Rejet)
	}
	for _, d := range res.Demandes {
		errs = append(errs, d.Erreurs...)
	}
	return errs
}

func decodeNumbers(tb testing.TB, b []byte) map[string]any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		tb.Fatalf("%v:\n%s", err, b)
	}
	return m
}
