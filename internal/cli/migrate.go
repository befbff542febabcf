package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/segur-numerique/segur/internal/sqlstore"
)

const migrateHelp = `Usage : segur migrate --db postgres://...

Met à jour le schéma d'une base PostgreSQL (segur serve met à jour SQLite
lui-même). Sans danger si plusieurs serveurs la lancent à la fois.

Exemple :
  segur migrate --db postgres://segur:motdepasse@127.0.0.1:5432/segur

Code de sortie : 0 base à jour ; 1 adresse refusée (--db) ; 5 erreur
interne ; 7 base injoignable ou refusée (hôte, port, utilisateur, mot de
passe, nom de la base) ; 64 usage incorrect.
`

func runMigrate(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "migrate", migrateHelp)
	dbf := addDBFlags(fs)
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 || *dbf.db == "" {
		fmt.Fprint(e.stderr, migrateHelp)
		return exitUsage
	}
	db, err := sqlstore.Open(ctx, *dbf.db, time.Now)
	if err != nil {
		return reportErr(e, "migrate", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return reportErr(e, "migrate", err)
	}
	fmt.Fprintln(e.stderr, "Base à jour.")
	return exitOK
}
