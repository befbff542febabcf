package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/agence"
	"github.com/segur-numerique/segur/internal/clamav"
)

// clamd is the portal's antivirus (segur.Antivirus): ClamAV's daemon,
// through internal/clamav.
type clamd struct{ c *clamav.Client }

var _ segur.Antivirus = clamd{}

// Analyser scans r. A file larger than clamd accepts cannot be judged
// (retrying is useless); a clamd that does not answer is EUNAVAILABLE: the
// file waits for the next round.
func (a clamd) Analyser(ctx context.Context, r io.Reader) (segur.Verdict, error) {
	res, err := a.c.Analyser(ctx, r)
	switch {
	case errors.Is(err, clamav.ErrTropGros):
		return segur.Verdict{Impossible: "fichier plus grand que ce que l'antivirus de l'agence accepte"}, nil
	case err != nil:
		return segur.Verdict{}, injoignable(err)
	}
	return segur.Verdict{Infecte: res.Infecte, Signature: res.Signature}, nil
}

// Moteur is clamd's version, and its signature database's when it says it.
func (a clamd) Moteur(ctx context.Context) (string, error) {
	v, err := a.c.Version(ctx)
	return v, injoignable(err)
}

// injoignable marks clamd's unavailability as EUNAVAILABLE (the file
// waits for the next round); its message stays clamd's client's, in
// French. Other errors are returned as they are.
func injoignable(err error) error {
	if errors.Is(err, clamav.ErrInjoignable) {
		return &antivirusInjoignable{se: segur.Errorf(segur.EUNAVAILABLE, "antivirus injoignable : les fichiers attendent leur analyse"), err: err}
	}
	return err
}

type antivirusInjoignable struct {
	se  *segur.Error
	err error
}

func (e *antivirusInjoignable) Error() string   { return e.err.Error() }
func (e *antivirusInjoignable) Unwrap() []error { return []error{e.se, e.err} }

// demarrerAntivirus starts the rounds that scan the stored files with the
// clamd at adresse, until ctx ends; the returned function waits for the
// round in progress. A clamd that does not answer at the start is logged,
// not refused: deposits go on, and their files wait.
func demarrerAntivirus(ctx context.Context, e *env, log *slog.Logger, adresse string, every time.Duration, a *agence.Analyses) (stop func(), err error) {
	c, err := clamav.Nouveau(adresse)
	if err != nil {
		return nil, segur.Errorf(segur.EINVALID, "--clamav : %v", err)
	}
	a.Antivirus = clamd{c}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	v, err := a.Antivirus.Moteur(pctx)
	cancel()
	if err != nil {
		fmt.Fprintf(e.stderr, "segur serve : %v ; les pièces déposées attendront leur analyse.\n", err)
	} else {
		fmt.Fprintf(e.stderr, "Antivirus : %s (%s), chaque fichier stocké analysé avant d'être ouvert\n", v, adresse)
	}
	ctx, cancel = context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Run(ctx, every)
	}()
	log.Info("antivirus", "adresse", adresse, "intervalle", every.String())
	return func() { cancel(); <-done }, nil
}
