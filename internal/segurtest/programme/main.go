// Command programme fills a new portal database with a programme a year
// in: about 300 vendors with their products, deposits of up to 200
// requests spread over 18 months, the requests moved along the state
// machine (en instruction, à compléter, décidées, conventions, avances
// payées, refus, soldes), a few with alerts, and a dozen agents. It is the
// data of the agents' pages' benchmark (internal/segurtest/bancfile).
//
//	go run ./internal/segurtest/programme -base /tmp/prog -demandes 100000
//	go run ./internal/segurtest/programme -base 'postgres://…' -donnees /tmp/prog-pg
//
// The deposits go through the portal's own desk (segur.Guichet: controls
// 1 and 2, the returned file, the files stored, numeros_editeur,
// depot_lignes, the audit events); the requests' changes through the
// domain's state machine (Demande.Appliquer) and the store's
// CreateChangement, a batch of requests per transaction: the history, the
// establishments financed and the audit events are those the portal
// writes, and segur admin verify and segur admin audit verify pass.
//
// The same -graine and -jusquau give the same programme. The base must be
// new (no vendor yet): the command refuses a base that holds one. It
// writes echantillons.json in the data folder: values the benchmark
// requests (a FINESS, a vendor name's fragment, an ASP number with history
// and messages, the counts by status).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"
)

const usage = `Usage : programme -base DOSSIER|postgres://… [-donnees DOSSIER] [-demandes 100000] [-graine 1] [-jusquau AAAA-MM-JJ]

Remplit une base neuve du portail avec un programme d'un an : fournisseurs,
produits, dépôts, demandes à tous les statuts, alertes, agents (mot de passe
« ` + MotDePasse + ` »).

  -base DOSSIER       base SQLite DOSSIER/segur.db et fichiers dans DOSSIER/blobs
                      (comme segur serve --data DOSSIER)
  -base postgres://…  base PostgreSQL (comme segur serve --db) ; -donnees DOSSIER
                      obligatoire : les fichiers déposés (segur serve --data)

Exemple :
  go run ./internal/segurtest/programme -base /tmp/programme -demandes 100000 -graine 1
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("programme", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, usage) }
	base := fs.String("base", "", "dossier de la base SQLite, ou postgres://…")
	donnees := fs.String("donnees", "", "dossier des fichiers déposés (avec une base PostgreSQL)")
	demandes := fs.Int("demandes", 100_000, "nombre de demandes")
	graine := fs.Uint64("graine", 1, "graine du tirage : la même graine donne le même programme")
	jusquau := fs.String("jusquau", "", "dernier jour du programme, AAAA-MM-JJ (par défaut : aujourd'hui, à Paris)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 64
	}
	o := Options{Base: *base, Donnees: *donnees, Demandes: *demandes, Graine: *graine}
	if err := o.lireJusquau(*jusquau); err != nil {
		fmt.Fprintln(os.Stderr, "programme :", err)
		return 64
	}
	debut := time.Now()
	e, err := Generer(ctx, o, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "programme :", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "programme : %d demandes, %d dépôts, %d fournisseurs en %s ; échantillons dans %s\n",
		e.Demandes, e.Depots, e.Fournisseurs, time.Since(debut).Round(time.Second), e.Fichier)
	return 0
}

func (o *Options) lireJusquau(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, paris())
	if err != nil {
		return fmt.Errorf("-jusquau « %s » : attendu une date AAAA-MM-JJ", s)
	}
	o.Jusquau = t
	return nil
}
