package segurtest

import (
	"context"

	"github.com/segur-numerique/segur"
)

// The domain's use cases in one transaction of a store, for fixtures that
// move requests, batches or controls without the documents the agency's
// services issue.

// Appliquer applies démarche m to the request of ASP number asp
// (segur.AppliquerDemarche).
func Appliquer(ctx context.Context, w segur.Ecrivain, asp string, m segur.Demarche, prog segur.Programme, s segur.Suites) (segur.Changement, error) {
	return segur.Ecrire(ctx, w, func(ctx context.Context, tx segur.Tx) (segur.Changement, error) {
		return segur.AppliquerDemarche(ctx, tx, asp, m, prog, s)
	})
}

// CreerLot prepares a draft batch (segur.CreerLot).
func CreerLot(ctx context.Context, w segur.Ecrivain, asps []string, login string) (*segur.Lot, error) {
	return segur.Ecrire(ctx, w, func(ctx context.Context, tx segur.Tx) (*segur.Lot, error) {
		return segur.CreerLot(ctx, tx, asps, login)
	})
}

// ApprouverLot approves a draft batch (segur.ApprouverLot).
func ApprouverLot(ctx context.Context, w segur.Ecrivain, id segur.LotID, login string) (*segur.Lot, error) {
	return segur.Ecrire(ctx, w, func(ctx context.Context, tx segur.Tx) (*segur.Lot, error) {
		return segur.ApprouverLot(ctx, tx, id, login)
	})
}

// OuvrirControle opens a control of the request of ASP number asp
// (segur.OuvrirControle).
func OuvrirControle(ctx context.Context, w segur.Ecrivain, asp, par string) (*segur.Controle, error) {
	return segur.Ecrire(ctx, w, func(ctx context.Context, tx segur.Tx) (*segur.Controle, error) {
		return segur.OuvrirControle(ctx, tx, asp, par)
	})
}
