package hop

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaExprime lists the catalogue codes whose fault the JSON Schema can
// express: the rest need the number's text, the deposit, the zip, the
// vendor's history or a view across values (docs/schema.md).
var schemaExprime = map[string]bool{
	CodeSyntaxe: true, CodeRacine: true, CodeEnteteManquante: true, CodeEnteteInconnue: true, CodeEnteteCasse: true,
	CodeImpID: true, CodeNumeroAns: true, CodeSIRET: true, CodeLignesType: true, CodeLignesVide: true,
	CodeLignesTrop: true, CodeLigneNonObjet: true,
	CodeManquante: true, CodeInconnue: true, CodeCasse: true, CodeType: true, CodeVide: true, CodeBlancs: true,
	CodeTropLong: true, CodeCapitales: true, CodeEmail: true, CodeTelephone: true, CodeNonNull: true,
	CodeTableauVide: true, CodeTypeAction: true, CodeNumeroEditeur: true, CodeDateFormat: true,
	CodeDateInexistante: true, CodeRegimeTVA: true, CodeMontantPositif: true, CodeMontantMax: true,
	CodeMandataireUnique: true, CodeMandataireRequis: true, CodeMandataireNull: true, CodeClientUnique: true,
	CodeClientsPlusieurs: true, CodeFINESS: true, CodeNomPiece: true, CodeFormatFichier: true, CodeTypeFichier: true,
	CodeExtension: true, CodeCodeTypeFichier: true, CodeSansBonCommande: true, CodeBonsCommande: true,
	CodeSansPreuveHT: true, CodePreuveHTEnTTC: true,
}

// nonJSON lists the codes of the faults that make a file's bytes something
// else than JSON: its size, its encoding, its syntax and its depth. Only a
// corpus file of one of these codes may fail to decode as JSON; any other
// that does tests nothing of the schema, and fails the schema tests.
var nonJSON = map[string]bool{
	CodeFichierTropGros: true, CodeEncodage: true, CodeSubstitution: true, CodeSyntaxe: true, CodeProfondeur: true,
}

// decodeCorpus decodes a corpus file of code for the JSON Schema validator.
// It returns false, the file being refused before any validation, when the
// bytes are not JSON and code says so; it fails tb when they are not JSON
// and code concerns something else.
func decodeCorpus(tb testing.TB, code string, b []byte) (any, bool) {
	tb.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		if !nonJSON[code] {
			tb.Errorf("not JSON (%v), but rejected with %s, a code of something else than the bytes: the file tests nothing of the schema", err, code)
		}
		return nil, false
	}
	return v, true
}

// TestSchemaCorpus runs the rejection corpus through the JSON Schema with a
// real validator: every fault the schema can express is rejected by it.
func TestSchemaCorpus(t *testing.T) {
	sch := compilerSchema(t)
	seen := map[string]bool{}
	for _, path := range corpusFiles(t) {
		code := filepath.Base(path)[:4]
		if !schemaExprime[code] {
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
				t.Errorf("the schema accepts a file rejected with %s", code)
			}
		})
	}
	for code := range schemaExprime {
		if !seen[code] {
			t.Errorf("no corpus file for %s", code)
		}
	}
}
