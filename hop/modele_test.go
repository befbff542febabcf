package hop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// clesJSON returns, for each object of a JSON text, its keys in order,
// indexed by the object's path: "" for the top level, ".lignesImport[]" for a
// request (the elements of an array share one path), and so on. The keys of
// the first object met at a path are kept, and every later object at that
// path must have the same.
func clesJSON(tb testing.TB, b []byte) map[string][]string {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	cles := map[string][]string{}
	var valeur func(chemin string)
	valeur = func(chemin string) {
		tok, err := dec.Token()
		if err != nil {
			tb.Fatal(err)
		}
		switch tok {
		case json.Delim('{'):
			var ks []string
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					tb.Fatal(err)
				}
				ks = append(ks, k.(string))
				valeur(chemin + "." + k.(string))
			}
			if _, err := dec.Token(); err != nil {
				tb.Fatal(err)
			}
			if avant, ok := cles[chemin]; ok && !slices.Equal(avant, ks) {
				tb.Fatalf("%s: keys %v, then %v", chemin, avant, ks)
			}
			cles[chemin] = ks
		case json.Delim('['):
			for dec.More() {
				valeur(chemin + "[]")
			}
			if _, err := dec.Token(); err != nil {
				tb.Fatal(err)
			}
		}
	}
	valeur("")
	return cles
}

func TestModele(t *testing.T) {
	m := Modele()
	if !json.Valid(m) {
		t.Fatalf("Modele() is not valid JSON:\n%s", m)
	}

	t.Run("keys in the example's order", func(t *testing.T) {
		got, want := clesJSON(t, m), clesJSON(t, lireExempleHOP(t))
		for _, c := range slices.Sorted(maps.Keys(want)) {
			if !slices.Equal(got[c], want[c]) {
				t.Errorf("object %q: got keys %v, want %v", c, got[c], want[c])
			}
		}
		if len(got) != len(want) {
			t.Errorf("got %d objects' paths, want %d", len(got), len(want))
		}
	})

	t.Run("two-space indentation and final newline", func(t *testing.T) {
		var compact, want bytes.Buffer
		if err := json.Compact(&compact, m); err != nil {
			t.Fatal(err)
		}
		if err := json.Indent(&want, compact.Bytes(), "", "  "); err != nil {
			t.Fatal(err)
		}
		want.WriteByte('\n')
		if !bytes.Equal(m, want.Bytes()) {
			t.Errorf("got\n%s\nwant\n%s", m, want.Bytes())
		}
	})

	t.Run("values", func(t *testing.T) {
		var v any
		dec := json.NewDecoder(bytes.NewReader(m))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		nuls := map[string]bool{"impId": true, "numeroASP": true, "operateurMessagerie": true, "codeTraitement": true, "libelleTraitement": true}
		var verifier func(cle string, v any)
		verifier = func(cle string, v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, e := range v {
					verifier(k, e)
				}
			case []any:
				if len(v) != 1 {
					t.Errorf("%s: got %d elements, want 1", cle, len(v))
				}
				for _, e := range v {
					verifier(cle, e)
				}
			case nil:
				if !nuls[cle] {
					t.Errorf("%s: got null, want a value", cle)
				}
			case bool:
				if v {
					t.Errorf("%s: got true, want false", cle)
				}
			case json.Number:
				want := map[string]string{"numLigne": "1", "montantSegurHT": "0.00"}[cle]
				if string(v) != want {
					t.Errorf("%s: got %s, want %s", cle, v, want)
				}
			case string:
				want := map[string]string{"typeAction": "C"}[cle]
				if v != want {
					t.Errorf("%s: got %q, want %q", cle, v, want)
				}
			}
			if nuls[cle] && v != nil {
				t.Errorf("%s: got %v, want null", cle, v)
			}
		}
		verifier("", v)
	})

	t.Run("a copy", func(t *testing.T) {
		m[0] = 'x'
		if Modele()[0] != '{' {
			t.Error("changing the returned bytes changed the model")
		}
		s := Schema()
		s[0] = 'x'
		if Schema()[0] != '{' {
			t.Error("changing the returned bytes changed the schema")
		}
	})
}

// compilerSchema compiles Schema() under its own $id, with a loader that
// refuses everything: the schema must stand alone.
func compilerSchema(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	return compilerSchemaDe(tb, Schema())
}

// compilerSchemaDe compiles the schema b (Schema or SchemaSolde) as
// compilerSchema does.
func compilerSchemaDe(tb testing.TB, b []byte) *jsonschema.Schema {
	tb.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	id, _ := doc.(map[string]any)["$id"].(string)
	if id == "" {
		tb.Fatal("the schema has no $id")
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(refusLoader{})
	if err := c.AddResource(id, doc); err != nil {
		tb.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		tb.Fatal(err)
	}
	return sch
}

// refusLoader fails every load: a schema that refers outside itself, other
// than to the draft's meta-schema the library embeds, is an error.
type refusLoader struct{}

func (refusLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("the schema refers to %s", url)
}

// decoderPourSchema decodes JSON as the validator wants it (numbers as json.Number).
func decoderPourSchema(tb testing.TB, b []byte) any {
	tb.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// erreurSchema is one error of a validation: where, and which keyword.
type erreurSchema struct {
	ou, motCle string
}

func (e erreurSchema) String() string { return e.ou + " " + e.motCle }

// erreursSchema flattens a validation error into every error of its tree,
// sorted, but for the nodes that only group others ("validation failed",
// "allOf failed", a $ref's or the schema's own failure). The keyword is the
// error kind's name: "minLength", "not".
func erreursSchema(tb testing.TB, err error) []erreurSchema {
	tb.Helper()
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		tb.Fatalf("got %v, want a *jsonschema.ValidationError", err)
	}
	var out []erreurSchema
	var parcourir func(e *jsonschema.ValidationError)
	parcourir = func(e *jsonschema.ValidationError) {
		_, nom, _ := strings.Cut(fmt.Sprintf("%T", e.ErrorKind), ".")
		if nom != "" {
			nom = strings.ToLower(nom[:1]) + nom[1:]
		}
		switch nom {
		case "group", "allOf", "reference", "schema":
		default:
			ou := ""
			for _, s := range e.InstanceLocation {
				ou += "/" + s
			}
			out = append(out, erreurSchema{ou, nom})
		}
		for _, c := range e.Causes {
			parcourir(c)
		}
	}
	parcourir(ve)
	slices.SortFunc(out, func(a, b erreurSchema) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out)
}

func TestSchemaCompile(t *testing.T) {
	var s map[string]any
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	if got, want := s["$schema"], "https://json-schema.org/draft/2020-12/schema"; got != want {
		t.Errorf("$schema: got %v, want %v", got, want)
	}
	compilerSchema(t)
	// multipleOf 0.01 would be exact here (big.Rat) but wrong in validators
	// that divide floats (ajv, python-jsonschema reject 0.07): 11 % of the
	// valid amounts.
	if bytes.Contains(Schema(), []byte(`"multipleOf"`)) {
		t.Error("the schema uses multipleOf, which floating-point validators get wrong")
	}
	if !bytes.HasSuffix(Schema(), []byte("}\n")) {
		t.Error("the schema does not end with a newline")
	}
}

// TestSchemaObjets walks the schema along the example's objects: each has
// its exact keys required in the example's order, no other key allowed, and
// a French title and description on each property.
func TestSchemaObjets(t *testing.T) {
	var racine map[string]any
	if err := json.Unmarshal(Schema(), &racine); err != nil {
		t.Fatal(err)
	}
	defs, _ := racine["$defs"].(map[string]any)
	want := clesJSON(t, lireExempleHOP(t))
	vus := map[string]bool{}
	var parcourir func(chemin string, s map[string]any)
	parcourir = func(chemin string, s map[string]any) {
		if ref, ok := s["$ref"].(string); ok {
			def, ok := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
			if !ok {
				t.Fatalf("%s: $ref %q not found", chemin, ref)
			}
			parcourir(chemin, def)
		}
		if items, ok := s["items"].(map[string]any); ok {
			parcourir(chemin+"[]", items)
		}
		props, ok := s["properties"].(map[string]any)
		if !ok {
			return
		}
		vus[chemin] = true
		var requis []string
		for _, r := range s["required"].([]any) {
			requis = append(requis, r.(string))
		}
		if !slices.Equal(requis, want[chemin]) {
			t.Errorf("object %q: got required %v, want %v", chemin, requis, want[chemin])
		}
		if got := s["additionalProperties"]; got != false {
			t.Errorf("object %q: got additionalProperties %v, want false", chemin, got)
		}
		if len(props) != len(want[chemin]) {
			t.Errorf("object %q: got %d properties, want %d", chemin, len(props), len(want[chemin]))
		}
		for k, p := range props {
			p := p.(map[string]any)
			for _, mot := range []string{"title", "description"} {
				if v, _ := p[mot].(string); v == "" {
					t.Errorf("property %s.%s: no %s", chemin, k, mot)
				}
			}
			parcourir(chemin+"."+k, p)
		}
	}
	parcourir("", racine)
	for c := range want {
		if !vus[c] {
			t.Errorf("object %q of the example: no schema found", c)
		}
	}
}

func TestSchemaExemple(t *testing.T) {
	sch := compilerSchema(t)
	if err := sch.Validate(decoderPourSchema(t, lireExempleHOP(t))); err != nil {
		t.Errorf("the document's example: got %v, want valid", err)
	}
	if err := sch.Validate(decoderPourSchema(t, genererFichier(t, 200))); err != nil {
		t.Errorf("200 requests: got %v, want valid", err)
	}
}

// TestSchemaModele checks that the empty model breaks exactly the rules its
// blanks break: each empty string, the zero amount, and what the booleans'
// false brings (at least two clients, no mandataire, one BON_COMMANDE).
func TestSchemaModele(t *testing.T) {
	err := compilerSchema(t).Validate(decoderPourSchema(t, Modele()))
	if err == nil {
		t.Fatal("the empty model: got valid, want rejected")
	}
	const d = "/lignesImport/0"
	want := []erreurSchema{
		{"/SIRET", "minLength"}, {"/SIRET", "pattern"},
		{"/numeroAns", "minLength"}, {"/numeroAns", "pattern"},
		{d + "/beneficiaires/emailMandataire", "const"},
		{d + "/beneficiaires/etablissementsClients", "minItems"},
		{d + "/beneficiaires/etablissementsClients/0/FINESSPMSI", "minLength"},
		{d + "/beneficiaires/etablissementsClients/0/FINESSPMSI", "pattern"},
		{d + "/beneficiaires/etablissementsClients/0/emailClient", "minLength"},
		{d + "/beneficiaires/etablissementsClients/0/emailClient", "pattern"},
		{d + "/beneficiaires/etablissementsClients/0/nomClient", "minLength"},
		{d + "/beneficiaires/etablissementsClients/0/nomClient", "pattern"},
		{d + "/beneficiaires/etablissementsClients/0/telephoneClient", "minLength"},
		{d + "/beneficiaires/etablissementsClients/0/telephoneClient", "pattern"},
		{d + "/beneficiaires/nomMandataire", "const"},
		{d + "/beneficiaires/telephoneMandataire", "const"},
		{d + "/commande/dateCommande", "minLength"},
		{d + "/commande/dateCommande", "pattern"},
		{d + "/commande/montantSegurHT", "exclusiveMinimum"},
		{d + "/commande/regimeTVA", "enum"},
		{d + "/numeroEditeur", "minLength"},
		{d + "/numeroEditeur", "pattern"},
		{d + "/piecesJustificatives", "minContains"},
		{d + "/piecesJustificatives/0/formatFichier", "enum"},
		{d + "/piecesJustificatives/0/nomFichier", "minLength"},
		{d + "/piecesJustificatives/0/nomFichier", "pattern"},
		{d + "/piecesJustificatives/0/typeFichier", "const"},
		{d + "/piecesJustificatives/0/typeFichier", "enum"},
	}
	slices.SortFunc(want, func(a, b erreurSchema) int { return strings.Compare(a.String(), b.String()) })
	if got := erreursSchema(t, err); !slices.Equal(got, want) {
		t.Errorf("got errors\n%v\nwant\n%v\nfull error: %v", got, want, err)
	}
}

// exempleMute is the document's example decoded for the validator, ready to
// be changed, with accessors to its first request's objects.
type exempleMute struct{ racine map[string]any }

func nouvelExempleMute(tb testing.TB) exempleMute {
	tb.Helper()
	return exempleMute{decoderPourSchema(tb, lireExempleHOP(tb)).(map[string]any)}
}

func (e exempleMute) lignes() []any              { return e.racine["lignesImport"].([]any) }
func (e exempleMute) demande() map[string]any    { return e.lignes()[0].(map[string]any) }
func (e exempleMute) commande() map[string]any   { return e.demande()["commande"].(map[string]any) }
func (e exempleMute) benef() map[string]any      { return e.demande()["beneficiaires"].(map[string]any) }
func (e exempleMute) clients() []any             { return e.benef()["etablissementsClients"].([]any) }
func (e exempleMute) client() map[string]any     { return e.clients()[0].(map[string]any) }
func (e exempleMute) pieces() []any              { return e.demande()["piecesJustificatives"].([]any) }
func (e exempleMute) piece(i int) map[string]any { return e.pieces()[i].(map[string]any) }
func (e exempleMute) scenario(b string) map[string]any {
	return e.demande()["scenarioInstallation"].(map[string]any)[b].(map[string]any)
}

// unClient makes the example's request a single-client one, without a
// mandataire: a valid starting point for the rules on isClientUnique.
func (e exempleMute) unClient() {
	b := e.benef()
	b["isMandataire"], b["isClientUnique"] = false, true
	b["nomMandataire"], b["emailMandataire"], b["telephoneMandataire"] = nil, nil, nil
	b["etablissementsClients"] = e.clients()[:1]
}

func (e exempleMute) ajouterPiece(nom, format, typ string) {
	e.demande()["piecesJustificatives"] = append(e.pieces(), map[string]any{"nomFichier": nom, "formatFichier": format, "typeFichier": typ})
}

// TestSchemaRejette breaks, in a copy of the example, one rule that the
// schema expresses, and checks that the schema rejects it at that place.
func TestSchemaRejette(t *testing.T) {
	const d = "/lignesImport/0"
	const b = d + "/beneficiaires"
	const c = b + "/etablissementsClients/0"
	tests := []struct {
		name   string
		casser func(e exempleMute)
		ou     string // an error must be here
		motCle string // with this keyword
	}{
		{"impId not null", func(e exempleMute) { e.racine["impId"] = "REF-1" }, "/impId", "const"},
		{"numeroAns of 8 characters", func(e exempleMute) { e.racine["numeroAns"] = "99999999" }, "/numeroAns", "minLength"},
		{"numeroAns with a dash", func(e exempleMute) { e.racine["numeroAns"] = "12345-7890" }, "/numeroAns", "pattern"},
		{"SIRET of 13 digits", func(e exempleMute) { e.racine["SIRET"] = "8855885585874" }, "/SIRET", "minLength"},
		{"SIRET with blanks", func(e exempleMute) { e.racine["SIRET"] = "885 588 558 58" }, "/SIRET", "pattern"},
		{"SIRET as a number", func(e exempleMute) { e.racine["SIRET"] = json.Number("88558855858745") }, "/SIRET", "type"},
		{"unknown header key", func(e exempleMute) { e.racine["version"] = "1" }, "", "additionalProperties"},
		{"key with the wrong case", func(e exempleMute) { e.racine["Siret"] = e.racine["SIRET"]; delete(e.racine, "SIRET") }, "", "required"},
		{"no lignesImport", func(e exempleMute) { delete(e.racine, "lignesImport") }, "", "required"},
		{"no request", func(e exempleMute) { e.racine["lignesImport"] = []any{} }, "/lignesImport", "minItems"},
		{"201 requests", func(e exempleMute) {
			l := make([]any, 201)
			for i := range l {
				l[i] = e.lignes()[0]
			}
			e.racine["lignesImport"] = l
		}, "/lignesImport", "maxItems"},
		{"a request that is not an object", func(e exempleMute) { e.racine["lignesImport"] = []any{"x"} }, d, "type"},
		{"numLigne 0", func(e exempleMute) { e.demande()["numLigne"] = json.Number("0") }, d + "/numLigne", "minimum"},
		{"numLigne 201", func(e exempleMute) { e.demande()["numLigne"] = json.Number("201") }, d + "/numLigne", "maximum"},
		{"numLigne with a fraction", func(e exempleMute) { e.demande()["numLigne"] = json.Number("1.5") }, d + "/numLigne", "type"},
		{"numLigne as a string", func(e exempleMute) { e.demande()["numLigne"] = "1" }, d + "/numLigne", "type"},
		{"typeAction M", func(e exempleMute) { e.demande()["typeAction"] = "M" }, d + "/typeAction", "enum"},
		{"numeroASP given", func(e exempleMute) { e.demande()["numeroASP"] = "ASP0001" }, d + "/numeroASP", "const"},
		{"numeroASP as the string null", func(e exempleMute) { e.demande()["numeroASP"] = "null" }, d + "/numeroASP", "const"},
		{"numeroEditeur of 4 characters", func(e exempleMute) { e.demande()["numeroEditeur"] = "0001" }, d + "/numeroEditeur", "minLength"},
		{"numeroEditeur with an accent", func(e exempleMute) { e.demande()["numeroEditeur"] = "0000é" }, d + "/numeroEditeur", "pattern"},
		{"request without commande", func(e exempleMute) { delete(e.demande(), "commande") }, d, "required"},
		{"unknown request key", func(e exempleMute) { e.demande()["commentaire"] = "x" }, d, "additionalProperties"},
		{"dateCommande in ISO form", func(e exempleMute) { e.commande()["dateCommande"] = "2021-10-15" }, d + "/commande/dateCommande", "pattern"},
		{"dateCommande 31/04", func(e exempleMute) { e.commande()["dateCommande"] = "31/04/2021" }, d + "/commande/dateCommande", "pattern"},
		{"dateCommande 29/02 of a common year", func(e exempleMute) { e.commande()["dateCommande"] = "29/02/2021" }, d + "/commande/dateCommande", "pattern"},
		{"dateCommande without leading zero", func(e exempleMute) { e.commande()["dateCommande"] = "5/10/2021" }, d + "/commande/dateCommande", "minLength"},
		{"regimeTVA in lower case", func(e exempleMute) { e.commande()["regimeTVA"] = "ht" }, d + "/commande/regimeTVA", "enum"},
		{"montantSegurHT as a string", func(e exempleMute) { e.commande()["montantSegurHT"] = "13750.00" }, d + "/commande/montantSegurHT", "type"},
		{"montantSegurHT zero", func(e exempleMute) { e.commande()["montantSegurHT"] = json.Number("0.00") }, d + "/commande/montantSegurHT", "exclusiveMinimum"},
		{"montantSegurHT negative", func(e exempleMute) { e.commande()["montantSegurHT"] = json.Number("-10.00") }, d + "/commande/montantSegurHT", "exclusiveMinimum"},
		{"montantSegurHT one billion", func(e exempleMute) { e.commande()["montantSegurHT"] = json.Number("1000000000.00") }, d + "/commande/montantSegurHT", "maximum"},
		{"unknown commande key", func(e exempleMute) { e.commande()["devise"] = "EUR" }, d + "/commande", "additionalProperties"},
		{"isMandataire as a string", func(e exempleMute) { e.benef()["isMandataire"] = "true" }, b + "/isMandataire", "type"},
		{"mandataire for a single client", func(e exempleMute) { e.unClient(); e.benef()["isMandataire"] = true }, b + "/isClientUnique", "const"},
		{"single client, three establishments", func(e exempleMute) {
			tous := e.clients()
			e.unClient()
			e.benef()["etablissementsClients"] = tous
		}, b + "/etablissementsClients", "maxItems"},
		{"several clients, one establishment", func(e exempleMute) { e.benef()["etablissementsClients"] = e.clients()[:1] }, b + "/etablissementsClients", "minItems"},
		{"no establishment", func(e exempleMute) { e.benef()["etablissementsClients"] = []any{} }, b + "/etablissementsClients", "minItems"},
		{"mandataire without a name", func(e exempleMute) { e.benef()["nomMandataire"] = nil }, b + "/nomMandataire", "type"},
		{"mandataire's name in lower case", func(e exempleMute) { e.benef()["nomMandataire"] = "Dupont" }, b + "/nomMandataire", "pattern"},
		{"mandataire's name of 50 characters", func(e exempleMute) { e.benef()["nomMandataire"] = strings.Repeat("D", 50) }, b + "/nomMandataire", "maxLength"},
		{"mandataire's name with a trailing blank", func(e exempleMute) { e.benef()["nomMandataire"] = "DUPONT " }, b + "/nomMandataire", "pattern"},
		{"no mandataire but a name", func(e exempleMute) { e.benef()["isMandataire"] = false }, b + "/nomMandataire", "const"},
		{"mandataire's e-mail without @", func(e exempleMute) { e.benef()["emailMandataire"] = "direction.hopital.fr" }, b + "/emailMandataire", "pattern"},
		{"mandataire's e-mail with a display name", func(e exempleMute) { e.benef()["emailMandataire"] = "Dupont <d@hopital.fr>" }, b + "/emailMandataire", "pattern"},
		{"mandataire's e-mail of 150 characters", func(e exempleMute) {
			e.benef()["emailMandataire"] = strings.Repeat("d", 140) + "@hopital.fr"
		}, b + "/emailMandataire", "maxLength"},
		{"mandataire's telephone of 7 digits", func(e exempleMute) { e.benef()["telephoneMandataire"] = "01 23 45 6" }, b + "/telephoneMandataire", "pattern"},
		{"mandataire's telephone of 16 digits", func(e exempleMute) { e.benef()["telephoneMandataire"] = "+33 1 23 45 67 89 12 34 5" }, b + "/telephoneMandataire", "pattern"},
		{"mandataire's telephone with a letter", func(e exempleMute) { e.benef()["telephoneMandataire"] = "01 23 45 67 8O" }, b + "/telephoneMandataire", "pattern"},
		{"mandataire's telephone with + inside", func(e exempleMute) { e.benef()["telephoneMandataire"] = "01+23 45 67 89" }, b + "/telephoneMandataire", "pattern"},
		{"client's name with a leading blank", func(e exempleMute) { e.client()["nomClient"] = " HOPITAL SAINT-MARTIN" }, c + "/nomClient", "pattern"},
		{"client's name with a trailing no-break space", func(e exempleMute) { e.client()["nomClient"] = "HOPITAL SAINT-MARTIN\u00a0" }, c + "/nomClient", "pattern"},
		{"client's name with an accented lower case", func(e exempleMute) { e.client()["nomClient"] = "HÔPITAL SAINT-MARTiN" }, c + "/nomClient", "pattern"},
		{"client's name with œ", func(e exempleMute) { e.client()["nomClient"] = "HOPITAL DU SACRE-CœUR" }, c + "/nomClient", "pattern"},
		{"client's e-mail empty", func(e exempleMute) { e.client()["emailClient"] = "" }, c + "/emailClient", "minLength"},
		{"client's telephone null", func(e exempleMute) { e.client()["telephoneClient"] = nil }, c + "/telephoneClient", "type"},
		{"FINESSPMSI of 8 digits", func(e exempleMute) { e.client()["FINESSPMSI"] = "99999999" }, c + "/FINESSPMSI", "minLength"},
		{"FINESSPMSI 2C", func(e exempleMute) { e.client()["FINESSPMSI"] = "2C0000017" }, c + "/FINESSPMSI", "pattern"},
		{"FINESSPMSI 2a", func(e exempleMute) { e.client()["FINESSPMSI"] = "2a0000017" }, c + "/FINESSPMSI", "pattern"},
		{"client without FINESSPMSI", func(e exempleMute) { delete(e.client(), "FINESSPMSI") }, c, "required"},
		{"unknown client key", func(e exempleMute) { e.client()["adresse"] = "1 RUE" }, c, "additionalProperties"},
		{"no attachment", func(e exempleMute) { e.demande()["piecesJustificatives"] = []any{} }, d + "/piecesJustificatives", "minItems"},
		{"no BON_COMMANDE", func(e exempleMute) { e.demande()["piecesJustificatives"] = e.pieces()[1:] }, d + "/piecesJustificatives", "minContains"},
		{"two BON_COMMANDE", func(e exempleMute) {
			e.ajouterPiece("HOP-RI-Va1-BDC-00001-COPIE.pdf", "PDF", "BON_COMMANDE")
		}, d + "/piecesJustificatives", "maxContains"},
		{"HT without PREUVE_HT", func(e exempleMute) { e.demande()["piecesJustificatives"] = e.pieces()[:1] }, d + "/piecesJustificatives", "contains"},
		{"TTC with a PREUVE_HT", func(e exempleMute) { e.commande()["regimeTVA"] = "TTC" }, d + "/piecesJustificatives/1/typeFichier", "not"},
		{"nomFichier off the nomenclature", func(e exempleMute) { e.piece(0)["nomFichier"] = "bon-de-commande.pdf" }, d + "/piecesJustificatives/0/nomFichier", "pattern"},
		{"nomFichier with Val for Va1", func(e exempleMute) { e.piece(0)["nomFichier"] = "HOP-RI-Val-BDC-00001.pdf" }, d + "/piecesJustificatives/0/nomFichier", "pattern"},
		{"nomFichier of 50 characters", func(e exempleMute) {
			e.piece(1)["nomFichier"] = "HOP-RI-Va1-HT-00001-" + strings.Repeat("X", 26) + ".pdf"
		}, d + "/piecesJustificatives/1/nomFichier", "maxLength"},
		{"BON_COMMANDE named HT", func(e exempleMute) { e.piece(0)["nomFichier"] = "HOP-RI-Va1-HT-00001-BDC.pdf" }, d + "/piecesJustificatives/0/nomFichier", "pattern"},
		{"PREUVE_HT named BDC", func(e exempleMute) { e.piece(1)["nomFichier"] = "HOP-RI-Va1-BDC-00001-HT.pdf" }, d + "/piecesJustificatives/1/nomFichier", "pattern"},
		{"PNG named .pdf", func(e exempleMute) { e.piece(0)["formatFichier"] = "PNG" }, d + "/piecesJustificatives/0/nomFichier", "pattern"},
		{"formatFichier in lower case", func(e exempleMute) { e.piece(0)["formatFichier"] = "pdf" }, d + "/piecesJustificatives/0/formatFichier", "enum"},
		{"typeFichier FACTURE", func(e exempleMute) {
			e.ajouterPiece("HOP-RI-Va1-HT-00001-FACTURE.pdf", "PDF", "FACTURE")
		}, d + "/piecesJustificatives/2/typeFichier", "enum"},
		{"unknown attachment key", func(e exempleMute) { e.piece(0)["taille"] = json.Number("1024") }, d + "/piecesJustificatives/0", "additionalProperties"},
		{"DPI boolean as a string", func(e exempleMute) { e.scenario("DPI")["isProSanteConnectNeeded"] = "false" }, d + "/scenarioInstallation/DPI/isProSanteConnectNeeded", "type"},
		{"DPI key missing", func(e exempleMute) { delete(e.scenario("DPI"), "isPFIpourEnvoiDMPIndependante") }, d + "/scenarioInstallation/DPI", "required"},
		{"PFI boolean null", func(e exempleMute) { e.scenario("PFI")["isEnvoiDMP"] = nil }, d + "/scenarioInstallation/PFI/isEnvoiDMP", "type"},
		{"operateurMessagerie empty", func(e exempleMute) { e.scenario("PFI")["operateurMessagerie"] = "" }, d + "/scenarioInstallation/PFI/operateurMessagerie", "minLength"},
		{"unknown PFI key", func(e exempleMute) { e.scenario("PFI")["isEnvoiDMPv2"] = false }, d + "/scenarioInstallation/PFI", "additionalProperties"},
		{"scenario without PFI", func(e exempleMute) {
			delete(e.demande()["scenarioInstallation"].(map[string]any), "PFI")
		}, d + "/scenarioInstallation", "required"},
		{"codeTraitement given", func(e exempleMute) { e.demande()["codeTraitement"] = "0000" }, d + "/codeTraitement", "const"},
		{"libelleTraitement given", func(e exempleMute) { e.demande()["libelleTraitement"] = "Demande acceptée" }, d + "/libelleTraitement", "const"},
	}
	sch := compilerSchema(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := nouvelExempleMute(t)
			tt.casser(e)
			err := sch.Validate(e.racine)
			if err == nil {
				t.Fatalf("got valid, want an error %q at %q", tt.motCle, tt.ou)
			}
			got := erreursSchema(t, err)
			if !slices.Contains(got, erreurSchema{tt.ou, tt.motCle}) {
				t.Errorf("got errors %v, want one %q at %q", got, tt.motCle, tt.ou)
			}
		})
	}
}

// TestSchemaAccepte changes the example in ways the format allows: the schema
// must not be stricter than the controls.
func TestSchemaAccepte(t *testing.T) {
	tests := []struct {
		name    string
		changer func(e exempleMute)
	}{
		{"single client without mandataire", func(e exempleMute) { e.unClient() }},
		{"several clients without mandataire", func(e exempleMute) {
			b := e.benef()
			b["isMandataire"], b["nomMandataire"], b["emailMandataire"], b["telephoneMandataire"] = false, nil, nil, nil
		}},
		{"TTC without PREUVE_HT", func(e exempleMute) {
			e.commande()["regimeTVA"] = "TTC"
			e.demande()["piecesJustificatives"] = e.pieces()[:1]
		}},
		{"two PREUVE_HT", func(e exempleMute) { e.ajouterPiece("HOP-RI-Va1-HT-00001-KBIS.pdf", "PDF", "PREUVE_HT") }},
		{"attachments in PNG and JPG", func(e exempleMute) {
			e.piece(0)["nomFichier"], e.piece(0)["formatFichier"] = "HOP-RI-Va1-BDC-00001.png", "PNG"
			e.piece(1)["nomFichier"], e.piece(1)["formatFichier"] = "HOP-RI-Va1-HT-00001.jpg", "JPG"
		}},
		{"nomFichier with the responsible person", func(e exempleMute) { e.piece(0)["nomFichier"] = "HOP-RI-Va1-BDC-00001-DUPONT_J.pdf" }},
		{"nomFichier of 49 characters", func(e exempleMute) {
			e.piece(1)["nomFichier"] = "HOP-RI-Va1-HT-00001-" + strings.Repeat("X", 25) + ".pdf"
		}},
		{"DPI attachment names", func(e exempleMute) {
			e.piece(0)["nomFichier"], e.piece(1)["nomFichier"] = "HOP-DPI-Va1-BDC-00001.pdf", "HOP-DPI-Va1-HT-00001.pdf"
		}},
		{"numeroEditeur with letters", func(e exempleMute) {
			e.demande()["numeroEditeur"] = "Ab12C"
			e.piece(0)["nomFichier"], e.piece(1)["nomFichier"] = "HOP-RI-Va1-BDC-Ab12C.pdf", "HOP-RI-Va1-HT-Ab12C.pdf"
		}},
		{"numeroAns with letters", func(e exempleMute) { e.racine["numeroAns"] = "ANS123abcd" }},
		{"Corsican FINESS", func(e exempleMute) { e.client()["FINESSPMSI"] = "2A0000017" }},
		{"names with accented capitals", func(e exempleMute) {
			e.client()["nomClient"] = "CENTRE HOSPITALIER D'ÉVREUX - CŒUR"
			e.benef()["nomMandataire"] = "DUPONT-LEFÈVRE"
		}},
		{"name of 49 characters", func(e exempleMute) { e.client()["nomClient"] = strings.Repeat("É", 49) }},
		{"blank inside a name", func(e exempleMute) { e.client()["nomClient"] = "HOPITAL\u00a0SAINT-MARTIN" }},
		{"international telephone", func(e exempleMute) { e.client()["telephoneClient"] = "+33 (0)1.23.45.67-89" }},
		{"telephone of 8 digits", func(e exempleMute) { e.client()["telephoneClient"] = "0123 4567" }},
		{"telephone of 15 digits", func(e exempleMute) { e.client()["telephoneClient"] = "+123456789012345" }},
		{"e-mail of 149 characters", func(e exempleMute) {
			e.client()["emailClient"] = strings.Repeat("d", 138) + "@hopital.fr"
		}},
		{"e-mail with sub-domains and plus", func(e exempleMute) { e.client()["emailClient"] = "dir+segur@chu.sante.gouv.fr" }},
		{"29/02 of a leap year", func(e exempleMute) { e.commande()["dateCommande"] = "29/02/2024" }},
		{"smallest amount", func(e exempleMute) { e.commande()["montantSegurHT"] = json.Number("0.01") }},
		{"largest amount", func(e exempleMute) { e.commande()["montantSegurHT"] = json.Number("999999999.99") }},
		{"amount of 0.07", func(e exempleMute) { e.commande()["montantSegurHT"] = json.Number("0.07") }},
		{"PFI with an operator", func(e exempleMute) {
			p := e.scenario("PFI")
			p["operateurMessagerie"], p["isEnvoiDMP"], p["isEnvoiMSSPro"] = "MESSAGERIE EXEMPLE A", true, true
			e.piece(0)["nomFichier"], e.piece(1)["nomFichier"] = "HOP-PFI-Va1-BDC-00001.pdf", "HOP-PFI-Va1-HT-00001.pdf"
		}},
		{"DPI options", func(e exempleMute) {
			s := e.scenario("DPI")
			s["isPFIpourEnvoiDMPIndependante"], s["isProSanteConnectNeeded"] = true, true
			e.piece(0)["nomFichier"], e.piece(1)["nomFichier"] = "HOP-DPI-Va1-BDC-00001.pdf", "HOP-DPI-Va1-HT-00001.pdf"
		}},
	}
	sch := compilerSchema(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := nouvelExempleMute(t)
			tt.changer(e)
			if err := sch.Validate(e.racine); err != nil {
				t.Errorf("got %v, want valid", err)
			}
		})
	}
}

// motifSchema returns the pattern of one of the schema's $defs.
func motifSchema(tb testing.TB, def string) *regexp.Regexp {
	tb.Helper()
	var s struct {
		Defs map[string]struct {
			Pattern string `json:"pattern"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &s); err != nil {
		tb.Fatal(err)
	}
	p := s.Defs[def].Pattern
	if p == "" {
		tb.Fatalf("$defs/%s has no pattern", def)
	}
	return regexp.MustCompile(p)
}

// TestSchemaBlancs pins the schema's blanks to unicode.IsSpace, on every
// code point of the basic multilingual plane.
func TestSchemaBlancs(t *testing.T) {
	re := motifSchema(t, "texte")
	for r := rune(0); r <= 0xFFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		if got, want := re.MatchString(s), !unicode.IsSpace(r); got != want {
			t.Errorf("%U alone: got match %v, want %v", r, got, want)
		}
		if got, want := re.MatchString("A"+s), !unicode.IsSpace(r); got != want {
			t.Errorf("%U at the end: got match %v, want %v", r, got, want)
		}
		if !re.MatchString("A" + s + "B") {
			t.Errorf("%U inside: got no match, want a match", r)
		}
	}
	if re.MatchString("") {
		t.Error("empty: got a match, want none")
	}
}

// TestSchemaMajuscules checks the capitals' pattern against control 2's rule
// (capitales: no lower-case letter, ß and ĸ included) on the Latin letters up
// to Latin Extended-A, and on the basic Greek and Cyrillic alphabets.
func TestSchemaMajuscules(t *testing.T) {
	re := motifSchema(t, "majuscules")
	exact := [][2]rune{{0x20, 0x7E}, {0xA0, 0x17F}}
	for _, p := range exact {
		for r := p[0]; r <= p[1]; r++ {
			want := capitales([]byte(string(r)))
			if got := re.MatchString("A" + string(r)); got != want {
				t.Errorf("%U %c: got match %v, want %v", r, r, got, want)
			}
		}
	}
	alphabets := []struct {
		nom                string
		capitales, petites [2]rune
	}{
		{"Greek", [2]rune{0x391, 0x3A9}, [2]rune{0x3B1, 0x3C9}},
		{"Cyrillic", [2]rune{0x410, 0x42F}, [2]rune{0x430, 0x44F}},
	}
	for _, a := range alphabets {
		for r := a.capitales[0]; r <= a.capitales[1]; r++ {
			if unicode.IsUpper(r) && !re.MatchString(string(r)) {
				t.Errorf("%s %U %c: got no match, want a match", a.nom, r, r)
			}
		}
		for r := a.petites[0]; r <= a.petites[1]; r++ {
			if re.MatchString(string(r)) {
				t.Errorf("%s %U %c: got a match, want none", a.nom, r, r)
			}
		}
	}
}

// TestSchemaDate checks dateCommande's pattern against the calendar.
func TestSchemaDate(t *testing.T) {
	var s struct {
		Defs struct {
			Demande struct {
				Properties struct {
					Commande struct {
						Properties struct {
							DateCommande struct {
								Pattern string `json:"pattern"`
							} `json:"dateCommande"`
						} `json:"properties"`
					} `json:"commande"`
				} `json:"properties"`
			} `json:"demande"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(s.Defs.Demande.Properties.Commande.Properties.DateCommande.Pattern)
	for _, annee := range []int{0, 1, 4, 99, 100, 400, 1600, 1900, 1999, 2000, 2020, 2021, 2023, 2024, 2100, 2400, 9996, 9999} {
		for mois := 0; mois <= 13; mois++ {
			for jour := 0; jour <= 32; jour++ {
				d := fmt.Sprintf("%02d/%02d/%04d", jour, mois, annee)
				t0 := time.Date(annee, time.Month(mois), jour, 12, 0, 0, 0, time.UTC)
				want := annee >= 1 && mois >= 1 && mois <= 12 && jour >= 1 && t0.Day() == jour
				if got := re.MatchString(d); got != want {
					t.Errorf("%s: got match %v, want %v", d, got, want)
				}
			}
		}
	}
	for _, d := range []string{"1/10/2021", "01/10/21", "01-10-2021", "01/10/2021 ", "01/10/20210"} {
		if re.MatchString(d) {
			t.Errorf("%q: got a match, want none", d)
		}
	}
}

// TestSchemaTelephone counts the digits of a telephone number and checks its
// separators: spaces (no-break ones included), dots, dashes, parentheses.
func TestSchemaTelephone(t *testing.T) {
	re := motifSchema(t, "telephone")
	for n := 1; n <= 20; n++ {
		chiffres := strings.Split(strings.Repeat("1", n), "")
		want := n >= 8 && n <= 15
		for _, sep := range []string{"", " ", "\u00a0", "\u202f", ".", "-", ") (", " - "} {
			for _, tel := range []string{strings.Join(chiffres, sep), "+" + strings.Join(chiffres, sep), "+(" + strings.Join(chiffres, sep) + ")"} {
				if got := re.MatchString(tel); got != want {
					t.Errorf("%q: got match %v, want %v", tel, got, want)
				}
			}
		}
	}
	for _, tel := range []string{"01 23 45 67 89 poste 12", "++33123456789", "01 23 45 67 89+", "01/23/45/67/89", "01\t23 45 67 89", "01 23 45 67 ８９"} {
		if re.MatchString(tel) {
			t.Errorf("%q: got a match, want none", tel)
		}
	}
}

// TestSchemaEmail checks the e-mail pattern on the forms the format names.
func TestSchemaEmail(t *testing.T) {
	re := motifSchema(t, "email")
	tests := []struct {
		email string
		want  bool
	}{
		{"direction@hopital-saint-martin.fr", true},
		{"a@b.c", true},
		{"prenom.nom+segur@chu.sante.fr", true},
		{"a.b@c.d.e", true},
		{"é@hôpital.fr", true},
		{"direction.hopital.fr", false},
		{"@hopital.fr", false},
		{"direction@", false},
		{"direction@hopital", false},
		{"direction@.fr", false},
		{"direction@hopital.", false},
		{"a@b@c.fr", false},
		{"Dupont <d@hopital.fr>", false},
		{"\"d\"@hopital.fr", false},
		{"d(x)@hopital.fr", false},
		{"d @hopital.fr", false},
		{"d@hopital .fr", false},
		{"d\u00a0d@hopital.fr", false},
		{"d@hopital\u3000x.fr", false},
	}
	for _, tt := range tests {
		if got := re.MatchString(tt.email); got != tt.want {
			t.Errorf("%q: got match %v, want %v", tt.email, got, tt.want)
		}
	}
}

// BenchmarkSchemaValidate validates a file of 200 requests with the compiled
// schema, decoding included, as a vendor's pre-check would.
func BenchmarkSchemaValidate(b *testing.B) {
	data := genererFichier(b, 200)
	sch := compilerSchema(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			b.Fatal(err)
		}
	}
}
