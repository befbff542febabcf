package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/segur-numerique/segur/hop"
)

const codesHelp = `Usage : segur codes [--format texte|markdown]

Liste les codes de résultat du contrôle des fichiers JSON-HOP : « 0000 »
pour une demande acceptée, 1xxx pour un fichier rejeté en entier (contrôle 1),
2xxx pour une demande rejetée (contrôle 2), dont 21xx pour les règles propres
aux demandes de solde, avec le modèle de leur libellé.
En markdown, ajoute la liste des interprétations du document de l'agence.

Exemple :
  segur codes --format markdown > docs/codes.md
`

func runCodes(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "codes", codesHelp)
	format := fs.String("format", "texte", "texte ou markdown")
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stderr, "segur codes : argument « %s » inattendu\n", rest[0])
		return exitUsage
	}
	switch *format {
	case "texte", "text":
		codesTexte(e.stdout)
	case "markdown", "md":
		codesMarkdown(e.stdout)
	default:
		fmt.Fprintf(e.stderr, "segur codes : --format « %s » inconnu ; attendu : texte ou markdown\n", *format)
		return exitUsage
	}
	return exitOK
}

func controle(c hop.CodeInfo) string {
	switch {
	case c.Controle == 1:
		return "contrôle 1 (fichier)"
	case c.Controle == 2 && c.Solde():
		return "contrôle 2 (solde)"
	case c.Controle == 2:
		return "contrôle 2 (demande)"
	}
	return "acceptée"
}

func codesTexte(w io.Writer) {
	for _, c := range hop.Catalogue {
		portail := ""
		if c.Portail {
			portail = ", portail seulement"
		}
		fmt.Fprintf(w, "%s  %s (%s%s)\n      %s\n", c.Code, c.Titre, controle(c), portail, c.Modele)
	}
}

// CodesMarkdown is the user document of the result codes and of the
// interpretations (docs/codes.md).
func codesMarkdown(w io.Writer) {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
	fmt.Fprint(w, `# Codes de résultat et interprétations du contrôle des fichiers JSON-HOP

Document produit par `+"`segur codes --format markdown`"+`. Le portail et `+"`segur check`"+`
rendent ces codes dans codeTraitement et ces libellés dans libelleTraitement.

- `+"`0000`"+` : la demande est acceptée (la convention de l'ASP sur ses autres canaux).
- `+"`1xxx`"+` : contrôle 1, le fichier entier est rejeté ; aucune demande n'est examinée.
- `+"`2xxx`"+` : contrôle 2, la demande est rejetée à sa première erreur ; les autres
  demandes du fichier sont jugées normalement.
- `+"`21xx`"+` : contrôle 2 des demandes de solde, leurs règles propres (docs/solde.md) ; un
  fichier de solde a aussi les codes 1xxx et les codes 2xxx génériques (balises, types, pièces).

Dans les libellés, {balise} est la balise en cause, {valeur} ce qui a été trouvé (coupé à 40
caractères), {p1} et {p2} des précisions ; un libellé rempli fait au plus 200 caractères.
Les codes marqués « portail » ne sont vérifiés qu'au dépôt sur le portail (il faut l'historique
du fournisseur) ; `+"`segur check`"+` dit qu'il ne les a pas vérifiés.

| Code | Contrôle | Erreur | Modèle du libellé |
|---|---|---|---|
`)
	for _, c := range hop.Catalogue {
		ctl := controle(c)
		if c.Portail {
			ctl += ", portail"
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", c.Code, ctl, cell(c.Titre), cell(c.Modele))
	}
	fmt.Fprint(w, `
## Interprétations

Là où le document de l'agence (DTJSONAVANCE-HOP-RI-VA1, 25/10/2021) est muet ou ambigu, voici
la règle retenue. « Document » : lecture du document marquée [interpretation] dans la
spécification du projet ; « segur » : choix propre du projet.

`)
	for _, i := range hop.Interpretations {
		src := "document"
		if i.Source == "projet" {
			src = "segur"
		}
		fmt.Fprintf(w, "- **%s** (%s). %s\n", i.Sujet, src, i.Regle)
	}
}
