package segurtest

import (
	"context"

	"github.com/segur-numerique/segur"
)

// Ecrivain is a store that runs the domain's use cases in one of its
// transactions (sqlstore.DB).
type Ecrivain interface {
	Write(ctx context.Context, fn func(ctx context.Context, tx segur.Tx) error) error
}

// Appliquer applies démarche m to the request of ASP number asp in one
// transaction of w, as the agency's services do (segur.AppliquerDemarche):
// for fixtures that move a request without the documents a service issues.
func Appliquer(ctx context.Context, w Ecrivain, asp string, m segur.Demarche, prog segur.Programme, s segur.Suites) (segur.Changement, error) {
	var c segur.Changement
	err := w.Write(ctx, func(ctx context.Context, tx segur.Tx) error {
		var err error
		c, err = segur.AppliquerDemarche(ctx, tx, asp, m, prog, s)
		return err
	})
	return c, err
}

// CreerLot prepares a draft batch in one transaction of w (segur.CreerLot).
func CreerLot(ctx context.Context, w Ecrivain, asps []string, login string) (*segur.Lot, error) {
	var l *segur.Lot
	err := w.Write(ctx, func(ctx context.Context, tx segur.Tx) error {
		var err error
		l, err = segur.CreerLot(ctx, tx, asps, login)
		return err
	})
	return l, err
}

// ApprouverLot approves a draft batch in one transaction of w
// (segur.ApprouverLot).
func ApprouverLot(ctx context.Context, w Ecrivain, id segur.LotID, login string) (*segur.Lot, error) {
	var l *segur.Lot
	err := w.Write(ctx, func(ctx context.Context, tx segur.Tx) error {
		var err error
		l, err = segur.ApprouverLot(ctx, tx, id, login)
		return err
	})
	return l, err
}

// OuvrirControle opens a control of the request of ASP number asp in one
// transaction of w (segur.OuvrirControle).
func OuvrirControle(ctx context.Context, w Ecrivain, asp, par string) (*segur.Controle, error) {
	var c *segur.Controle
	err := w.Write(ctx, func(ctx context.Context, tx segur.Tx) error {
		var err error
		c, err = segur.OuvrirControle(ctx, tx, asp, par)
		return err
	})
	return c, err
}
