package hop

import (
	"bytes"
	_ "embed"
)

// The files the agency hands to software vendors, embedded from modele/: they
// are published as they are, so they live as files that a reviewer can read,
// not as Go literals.
var (
	//go:embed modele/hop-modele.json
	modeleJSON []byte
	//go:embed modele/hop.schema.json
	schemaJSON []byte
	//go:embed modele/solde-modele.json
	modeleSoldeJSON []byte
	//go:embed modele/solde.schema.json
	schemaSoldeJSON []byte
)

// Modele returns the empty JSON-HOP model as the agency hands it to vendors:
// one model for RI, DPI and PFI, with the worked example's keys in the
// example's order, one request, one client and one attachment; empty strings,
// montantSegurHT 0.00, booleans false, numLigne 1, typeAction "C", and null
// where the deposited file carries null. The caller gets its own copy.
func Modele() []byte {
	return bytes.Clone(modeleJSON)
}

// Schema returns the JSON Schema (draft 2020-12) of the JSON-HOP file, with
// French titles and descriptions. It expresses the format and the rules
// across fields that JSON Schema can; docs/schema.md lists the controls it
// cannot express. The caller gets its own copy.
func Schema() []byte {
	return bytes.Clone(schemaJSON)
}

// ModeleSolde returns the empty balance file (docs/solde.md): the JSON-HOP
// header, one balance line with its keys in the format's order, empty
// strings (numeroASP included: the vendor copies it from the advance's
// returned file), montantFactureHT 0.00, one attachment, and null where the
// deposited file carries null. The caller gets its own copy.
func ModeleSolde() []byte {
	return bytes.Clone(modeleSoldeJSON)
}

// SchemaSolde returns the JSON Schema (draft 2020-12) of the balance file,
// with French titles and descriptions; docs/solde.md lists the controls it
// cannot express. The caller gets its own copy.
func SchemaSolde() []byte {
	return bytes.Clone(schemaSoldeJSON)
}
