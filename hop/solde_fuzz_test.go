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

// FuzzControlerSolde runs the balance controls on any bytes, with the
// checks of FuzzControler: no panic, control 1's syntax step agrees with
// encoding/json, labels fit, and the returned file of a file that passed
// control 1 carries the deposited values, numeroASP included (a balance
// line keeps its own).
func FuzzControlerSolde(f *testing.F) {
	f.Add([]byte(exempleSolde(f)))
	for _, p := range corpusSoldeFiles(f) {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	for _, s := range []string{`{}`, `{"impId":null,"lignesImport":[{"numeroASP":"ASP-2021-0000001","facture":{}}]}`} {
		f.Add([]byte(s))
	}
	d := depotSolde()
	d.NomFichier = ""
	p := avanceCorpus(f, "payee")
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ControlerSolde(data, d, Options{Toutes: true, PortailSolde: p})
		if err != nil {
			t.Fatal(err)
		}
		body := bytes.TrimPrefix(data, bom)
		syntaxe := res.Rejet != nil && slices.Contains(codesSyntaxe, res.Rejet.Code)
		if !json.Valid(body) && !syntaxe {
			t.Fatalf("json.Valid refuses the file but control 1 gives %v", res.Rejet)
		}
		for _, e := range allErrors(res) {
			if l := e.Libelle(); !utf8.ValidString(l) || utf8.RuneCountInString(l) > MaxLibelle {
				t.Fatalf("bad label %q", l)
			}
		}
		if res.Rejet != nil {
			return
		}
		for i, r := range res.Demandes {
			if r.Acceptee() {
				res.DonneesSolde(i)
			}
		}
		var out bytes.Buffer
		if err := res.EcrireRetour(&out, "IMP", nil); err != nil {
			t.Fatal(err)
		}
		want, got := decodeNumbers(t, body), decodeNumbers(t, out.Bytes())
		got["impId"] = nil
		lw, lg := want["lignesImport"].([]any), got["lignesImport"].([]any)
		for i := range lg {
			rw, rg := lw[i].(map[string]any), lg[i].(map[string]any)
			for _, k := range []string{"codeTraitement", "libelleTraitement"} {
				if v, ok := rw[k]; ok {
					rg[k] = v
				} else {
					delete(rg, k)
				}
			}
			if _, ok := rw["numeroASP"]; !ok {
				if rg["numeroASP"] != nil {
					t.Fatalf("line %d: a numeroASP added: %v", i+1, rg["numeroASP"])
				}
				delete(rg, "numeroASP")
			}
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("returned file differs from the deposited one:\n%s", out.Bytes())
		}
	})
}
