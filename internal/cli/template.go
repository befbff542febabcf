package cli

import (
	"context"
	"fmt"

	"github.com/segur-numerique/segur"
)

const templateHelp = `Usage : segur template [-o FICHIER.json]

Écrit le modèle JSON-HOP vide, tel que l'agence le remet aux fournisseurs
(un seul modèle pour RI, DPI et PFI) : une demande, chaînes vides, montant
0.00, booléens false, balises de traitement null.

Exemple :
  segur template -o modele.json
`

const schemaHelp = `Usage : segur schema [-o FICHIER.json]

Écrit le schéma JSON (draft 2020-12) du format JSON-HOP, pour les outils
des fournisseurs. Le schéma n'exprime pas toutes les règles : docs/schema.md
liste celles que seul segur check vérifie.

Exemple :
  segur schema -o hop.schema.json
`

func runTemplate(ctx context.Context, e *env, args []string) int {
	return writeDoc(e, "template", templateHelp, args, segur.Modele())
}

func runSchema(ctx context.Context, e *env, args []string) int {
	return writeDoc(e, "schema", schemaHelp, args, segur.Schema())
}

func writeDoc(e *env, name, help string, args []string, doc []byte) int {
	fs := newFlagSet(e, name, help)
	out := fs.String("o", "", "écrire dans ce fichier plutôt que sur la sortie standard")
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
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
