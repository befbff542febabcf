package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/agence"
)

const adminAlertesHelp = `Usage : segur admin alertes [--data DOSSIER | --db postgres://...]

Calcule maintenant les alertes de toutes les demandes en attente de calcul
(déposées, dont un établissement est financé ou ne l'est plus, après un
nouveau référentiel ou le changement du SIRET d'un fournisseur), comme
segur serve le fait en continu, et dit combien. Utilisable pendant que
segur serve tourne : chacun calcule ses propres lots.

Sur la même base que segur serve : --data DOSSIER (SQLite, ./segur-data par
défaut) ou --db postgres://... ; variables SEGUR_DATA et SEGUR_DB.

Exemple :
  segur admin alertes --data /srv/segur

Code de sortie : 0 fait ; 5 erreur interne ; 7 base de données injoignable
ou refusée ; 64 usage incorrect.
`

// adminAlertes computes the alerts of every marked request now.
func adminAlertes(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "admin alertes", adminAlertesHelp)
	dbf := addDBFlags(fs)
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stderr, "segur admin alertes : argument « %s » inattendu\n", rest[0])
		return exitUsage
	}
	if dbf.baseAbsente(e, "admin alertes") {
		return exitBase
	}
	db, err := dbf.open(ctx)
	if err != nil {
		return reportErr(e, "admin alertes", err)
	}
	defer db.Close()
	debut := time.Now()
	n, err := (&agence.CalculAlertes{Store: db, Programme: segur.ProgrammeParDefaut}).Tout(ctx)
	if err != nil {
		return reportErr(e, "admin alertes", err)
	}
	s := "s"
	if n <= 1 {
		s = ""
	}
	fmt.Fprintf(e.stdout, "Alertes calculées pour %s demande%s en %s.\n", segur.Milliers(int64(n)), s, dureeCourte(time.Since(debut)))
	return exitOK
}

// dureeCourte writes d in seconds, « 1,2 s ».
func dureeCourte(d time.Duration) string {
	return strings.Replace(fmt.Sprintf("%.1f\u00a0s", d.Seconds()), ".", ",", 1)
}

// demarrerCalculAlertes starts the alerts' worker, every second and when
// woken; stop ends it and waits for it.
func demarrerCalculAlertes(ctx context.Context, c *agence.CalculAlertes) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx, time.Second)
	}()
	return func() { cancel(); <-done }
}
