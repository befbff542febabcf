package cli

import (
	"context"
	"fmt"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

const templateHelp = `Usage : segur template [--type avance|solde] [-o FICHIER.json]

Écrit le modèle JSON-HOP vide, tel que l'agence le remet aux fournisseurs
(un seul modèle pour RI, DPI et PFI) : une demande, chaînes vides, montant
0.00, booléens false, balises de traitement null. Avec --type solde, le
modèle du fichier de demandes de solde (docs/solde.md).

Exemples :
  segur template -o modele.json
  segur template --type solde -o modele-solde.json
`

const schemaHelp = `Usage : segur schema [--type avance|solde] [-o FICHIER.json]

Écrit le schéma JSON (draft 2020-12) du format JSON-HOP, pour les outils
des fournisseurs. Le schéma n'exprime pas toutes les règles : docs/schema.md
liste celles que seul segur check vérifie. Avec --type solde, le schéma du
fichier de demandes de solde (docs/solde.md).

Exemples :
  segur schema -o hop.schema.json
  segur schema --type solde -o solde.schema.json
`

func runTemplate(ctx context.Context, e *env, args []string) int {
	return writeDoc(e, "template", templateHelp, args, hop.Modele(), hop.ModeleSolde())
}

func runSchema(ctx context.Context, e *env, args []string) int {
	return writeDoc(e, "schema", schemaHelp, args, hop.Schema(), hop.SchemaSolde())
}

// writeDoc writes the document of an advance file, or with --type solde of
// a balance file.
func writeDoc(e *env, name, help string, args []string, doc, solde []byte) int {
	fs := newFlagSet(e, name, help)
	out := fs.String("o", "", "écrire dans ce fichier plutôt que sur la sortie standard")
	typ := fs.String("type", "avance", "type de demande : avance ou solde")
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	switch t, err := segur.ParseTypeDemande(*typ); {
	case err != nil:
		fmt.Fprintf(e.stderr, "segur %s : --type : %v\n", name, err)
		return exitUsage
	case t == segur.TypeSolde:
		doc = solde
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stderr, "segur %s : argument « %s » inattendu\n", name, rest[0])
		return exitUsage
	}
	if *out != "" {
		if err := writeFileAtomic(*out, doc); err != nil {
			fmt.Fprintf(e.stderr, "segur %s : impossible d'écrire %s : %v\n", name, *out, plainErr(err))
			return exitLecture
		}
		return exitOK
	}
	if _, err := e.stdout.Write(doc); err != nil {
		return exitLecture
	}
	return exitOK
}
