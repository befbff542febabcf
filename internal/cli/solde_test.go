package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segur-numerique/segur/hop"
)

const exempleSolde = "../../hop/testdata/JSON-1234567890-20220315-001"

// TestCheckSolde: segur check --type solde accepts the balance example,
// keeps its numeroASP and says which portal rules it skipped; a 0 € invoice
// is refused with its label.
func TestCheckSolde(t *testing.T) {
	code, out, errs := run(t, "check", "--type", "solde", "--date", "20220315", "--pieces", exempleSolde+".zip", exempleSolde+".json")
	if code != exitOK {
		t.Fatalf("got exit %d, want 0; stderr:\n%s", code, errs)
	}
	want, err := os.ReadFile("../../hop/testdata/golden/solde.retour-portail.json")
	if err != nil {
		t.Fatal(err)
	}
	// Offline, impId stays null.
	want = bytes.Replace(want, []byte(`"impId": "DEP-2022-0000002"`), []byte(`"impId": null`), 1)
	if out != string(want) {
		t.Errorf("got returned file:\n%s\nwant:\n%s", out, want)
	}
	for _, c := range []string{hop.CodeSoldeASPInconnu, hop.CodeSoldeASPAutre, hop.CodeSoldeAvanceNonPayee, hop.CodeSoldeDejaDepose, hop.CodeSoldeEditeur} {
		if !strings.Contains(errs, "  "+c+" : le portail seul") {
			t.Errorf("stderr does not list the skipped rule %s:\n%s", c, errs)
		}
	}
	if strings.Contains(errs, hop.CodeEditeurHistorique) {
		t.Errorf("stderr lists the advance's rule %s:\n%s", hop.CodeEditeurHistorique, errs)
	}

	b, _ := os.ReadFile(exempleSolde + ".json")
	path := filepath.Join(t.TempDir(), "JSON-1234567890-20220315-001.json")
	os.WriteFile(path, bytes.Replace(b, []byte("13750.00"), []byte("0.00"), 1), 0o644)
	code, out, errs = run(t, "check", "--type", "solde", "--date", "20220315", path)
	if code != exitRejets || !strings.Contains(errs, "numLigne 1, numeroEditeur 00001, numeroASP ASP-2021-0000001 : 2114 : facture.montantFactureHT : 0.00 ; attendu : un montant supérieur à 0") ||
		!strings.Contains(out, `"numeroASP": "ASP-2021-0000001"`) {
		t.Errorf("0 € invoice: got exit %d\n%s\n%s", code, out, errs)
	}
	// The balance file checked as an advance file: refused line by line.
	if code, _, _ := run(t, "check", "--date", "20220315", exempleSolde+".json"); code != exitRejets {
		t.Errorf("balance file as an advance: got exit %d, want 1", code)
	}
	if code, _, errs := run(t, "check", "--type", "reliquat", exempleSolde+".json"); code != exitUsage || !strings.Contains(errs, "attendu avance ou solde") {
		t.Errorf("unknown type: got exit %d %q", code, errs)
	}
}

func TestTemplateSchemaSolde(t *testing.T) {
	for _, tt := range []struct {
		cmd  string
		want []byte
	}{{"template", hop.ModeleSolde()}, {"schema", hop.SchemaSolde()}} {
		code, out, errs := run(t, tt.cmd, "--type", "solde")
		if code != exitOK || out != string(tt.want) {
			t.Errorf("segur %s --type solde: got exit %d %q", tt.cmd, code, errs)
		}
		path := filepath.Join(t.TempDir(), "f.json")
		if code, _, _ := run(t, tt.cmd, "--type", "solde", "-o", path); code != exitOK {
			t.Errorf("segur %s --type solde -o: got exit %d", tt.cmd, code)
		} else if b, _ := os.ReadFile(path); !bytes.Equal(b, tt.want) {
			t.Errorf("segur %s --type solde -o: wrong file", tt.cmd)
		}
	}
	if _, out, _ := run(t, "template"); out != string(hop.Modele()) {
		t.Error("segur template: no longer the advance model")
	}
}
