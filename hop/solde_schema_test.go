package hop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// schemaSoldeExprime lists the codes of the balance corpus whose fault the
// balance's JSON Schema can express (docs/solde.md lists the others).
var schemaSoldeExprime = map[string]bool{
	CodeManquante: true, CodeInconnue: true, CodeCasse: true, CodeType: true, CodeVide: true, CodeTropLong: true,
	CodeNonNull: true, CodeTableauVide: true, CodeTypeAction: true, CodeNumeroEditeur: true, CodeFormatFichier: true,
	CodeExtension: true, CodeCodeTypeFichier: true,
	CodeSoldeNumeroASP: true, CodeSoldeDateFormat: true, CodeSoldeDateInexistante: true, CodeSoldeFactureNulle: true,
	CodeSoldeMontantMax: true, CodeSoldeNomPiece: true, CodeSoldeTypeFichier: true, CodeSoldeSansFacture: true,
	CodeSoldeFactures: true, CodeSoldeSansPV: true,
}

func TestSchemaSolde(t *testing.T) {
	var s map[string]any
	if err := json.Unmarshal(SchemaSolde(), &s); err != nil {
		t.Fatal(err)
	}
	if got, want := s["$schema"], "https://json-schema.org/draft/2020-12/schema"; got != want {
		t.Errorf("$schema: got %v, want %v", got, want)
	}
	if bytes.Contains(SchemaSolde(), []byte(`"multipleOf"`)) {
		t.Error("the schema uses multipleOf, which floating-point validators get wrong")
	}
	if !bytes.HasSuffix(SchemaSolde(), []byte("}\n")) {
		t.Error("the schema does not end with a newline")
	}
	sch := compilerSchemaDe(t, SchemaSolde())

	t.Run("the example and a full file are valid", func(t *testing.T) {
		if err := sch.Validate(decoderPourSchema(t, []byte(exempleSolde(t)))); err != nil {
			t.Errorf("the balance example: got %v, want valid", err)
		}
		f := FichierSolde{NumeroAns: "1234567890", SIRET: "88558855858745"}
		for i := range MaxDemandes {
			ed := fmt.Sprintf("%05d", i+1)
			f.Soldes = append(f.Soldes, DonneesSolde{NumeroASP: fmt.Sprintf("ASP-2026-%07d", i+1), NumeroEditeur: ed,
				NumeroFacture: "F" + ed, DateFacture: Date{2026, 5, 4}, MontantFactureHTCents: int64(i+1) * 100_07,
				DateMiseEnService: Date{2026, 4, 30}, Pieces: []Piece{
					{NomPiece(LogicielPFI, TypeFacture, ed, "JPG"), "JPG", TypeFacture},
					{NomPiece(LogicielPFI, TypePVVSR, ed, "PNG"), "PNG", TypePVVSR},
					{"HOP-PFI-Va1-VSR-" + ed + "-SITE_NORD.pdf", "PDF", TypePVVSR}}})
		}
		var buf bytes.Buffer
		if err := EcrireSolde(&buf, f); err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(decoderPourSchema(t, buf.Bytes())); err != nil {
			t.Errorf("200 balance lines: got %v, want valid", err)
		}
		res := controlerSolde(t, buf.String(), Declaration{Logiciel: LogicielPFI, Date: Date{2026, 5, 4}}, Options{})
		if res.Rejet != nil || res.Acceptees() != MaxDemandes {
			t.Errorf("200 balance lines: got %v, %d accepted; want all accepted", res.Rejet, res.Acceptees())
		}
	})

	t.Run("the empty model is refused for its blanks only", func(t *testing.T) {
		err := sch.Validate(decoderPourSchema(t, ModeleSolde()))
		if err == nil {
			t.Fatal("the empty model: got valid, want rejected")
		}
		var ou []string
		for _, e := range erreursSchema(t, err) {
			ou = append(ou, e.ou)
		}
		const l = "/lignesImport/0"
		for _, want := range []string{"/SIRET", "/numeroAns", l + "/numeroASP", l + "/numeroEditeur", l + "/facture/numeroFacture",
			l + "/facture/dateFacture", l + "/facture/montantFactureHT", l + "/dateMiseEnService", l + "/piecesJustificatives"} {
			if !slices.Contains(ou, want) {
				t.Errorf("no error at %s; got %v", want, ou)
			}
		}
	})

	t.Run("the model has the example's keys in its order", func(t *testing.T) {
		got, want := clesJSON(t, ModeleSolde()), clesJSON(t, []byte(exempleSolde(t)))
		for _, c := range slices.Sorted(maps.Keys(want)) {
			if !slices.Equal(got[c], want[c]) {
				t.Errorf("object %q: got keys %v, want %v", c, got[c], want[c])
			}
		}
		var compact, indente bytes.Buffer
		if err := json.Compact(&compact, ModeleSolde()); err != nil {
			t.Fatal(err)
		}
		json.Indent(&indente, compact.Bytes(), "", "  ")
		indente.WriteByte('\n')
		if !bytes.Equal(ModeleSolde(), indente.Bytes()) {
			t.Error("the model is not indented with two spaces, with a final newline")
		}
	})

	t.Run("objects: exact keys, in order, titled in French", func(t *testing.T) {
		defs, _ := s["$defs"].(map[string]any)
		want := clesJSON(t, []byte(exempleSolde(t)))
		vus := map[string]bool{}
		var parcourir func(chemin string, n map[string]any)
		parcourir = func(chemin string, n map[string]any) {
			if ref, ok := n["$ref"].(string); ok {
				parcourir(chemin, defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any))
			}
			if items, ok := n["items"].(map[string]any); ok {
				parcourir(chemin+"[]", items)
			}
			props, ok := n["properties"].(map[string]any)
			if !ok {
				return
			}
			vus[chemin] = true
			var requis []string
			for _, r := range n["required"].([]any) {
				requis = append(requis, r.(string))
			}
			if !slices.Equal(requis, want[chemin]) || n["additionalProperties"] != false || len(props) != len(requis) {
				t.Errorf("object %q: got required %v, additionalProperties %v; want %v and false", chemin, requis, n["additionalProperties"], want[chemin])
			}
			for k, p := range props {
				p := p.(map[string]any)
				if p["title"] == nil || p["description"] == nil {
					t.Errorf("property %s.%s: no title or description", chemin, k)
				}
				parcourir(chemin+"."+k, p)
			}
		}
		parcourir("", s)
		for c := range want {
			if !vus[c] {
				t.Errorf("object %q of the example: no schema found", c)
			}
		}
	})
}

// TestSchemaSoldeCorpus runs the balance corpus through the balance's JSON
// Schema: every fault the schema can express is rejected by it, and it is
// never stricter than the portal (the accepted example passes, above).
func TestSchemaSoldeCorpus(t *testing.T) {
	sch := compilerSchemaDe(t, SchemaSolde())
	seen := map[string]bool{}
	for _, path := range corpusSoldeFiles(t) {
		code := filepath.Base(path)[:4]
		if !schemaSoldeExprime[code] {
			continue
		}
		seen[code] = true
		t.Run(filepath.Base(path), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			v, ok := decodeCorpus(t, code, b)
			if !ok {
				return // not JSON: refused before validation
			}
			if err := sch.Validate(v); err == nil {
				t.Errorf("the balance schema accepts a file rejected with %s", code)
			}
		})
	}
	for code := range schemaSoldeExprime {
		if !seen[code] {
			t.Errorf("no balance corpus file for %s", code)
		}
	}
}
