package sqlstore

import (
	"context"

	"github.com/segur-numerique/segur"
)

// The domain's use cases, each in one transaction of the store, as the
// services run them: the store's tests check their rules and writes on
// both databases.

func (db *DB) AppliquerDemarche(ctx context.Context, asp string, m segur.Demarche, prog segur.Programme, s segur.Suites) (segur.Changement, error) {
	return segur.Ecrire(ctx, db, func(ctx context.Context, tx segur.Tx) (segur.Changement, error) {
		return segur.AppliquerDemarche(ctx, tx, asp, m, prog, s)
	})
}

func (db *DB) CreateLot(ctx context.Context, asps []string, login string) (*segur.Lot, error) {
	return segur.Ecrire(ctx, db, func(ctx context.Context, tx segur.Tx) (*segur.Lot, error) {
		return segur.CreerLot(ctx, tx, asps, login)
	})
}

func (db *DB) ApprouverLot(ctx context.Context, id segur.LotID, login string) (*segur.Lot, error) {
	return segur.Ecrire(ctx, db, func(ctx context.Context, tx segur.Tx) (*segur.Lot, error) {
		return segur.ApprouverLot(ctx, tx, id, login)
	})
}

func (db *DB) AnnulerLot(ctx context.Context, id segur.LotID, login string) (*segur.Lot, error) {
	return segur.Ecrire(ctx, db, func(ctx context.Context, tx segur.Tx) (*segur.Lot, error) {
		return segur.AnnulerLot(ctx, tx, id, login)
	})
}

func (db *DB) MarquerLotPaye(ctx context.Context, id segur.LotID, r segur.Reglement, prog segur.Programme) (*segur.Lot, error) {
	return segur.Ecrire(ctx, db, func(ctx context.Context, tx segur.Tx) (*segur.Lot, error) {
		return segur.MarquerLotPaye(ctx, tx, id, r, prog)
	})
}

func (db *DB) TirerEchantillon(ctx context.Context, taux int, graine int64, par string) (*segur.Tirage, error) {
	return segur.Ecrire(ctx, db, func(ctx context.Context, tx segur.Tx) (*segur.Tirage, error) {
		return segur.TirerEchantillon(ctx, tx, taux, graine, par)
	})
}

func (db *DB) OuvrirControle(ctx context.Context, asp, par string) (*segur.Controle, error) {
	return segur.Ecrire(ctx, db, func(ctx context.Context, tx segur.Tx) (*segur.Controle, error) {
		return segur.OuvrirControle(ctx, tx, asp, par)
	})
}

func (db *DB) AjouterMessageControle(ctx context.Context, id segur.ControleID, m *segur.MessageControle, c *segur.Courriel) error {
	return db.Write(ctx, func(ctx context.Context, tx segur.Tx) error { return segur.AjouterMessageControle(ctx, tx, id, m, c) })
}

func (db *DB) AjouterPieceControle(ctx context.Context, id segur.ControleID, p *segur.PieceControle) error {
	return db.Write(ctx, func(ctx context.Context, tx segur.Tx) error { return segur.AjouterPieceControle(ctx, tx, id, p) })
}

func (db *DB) ConclureControle(ctx context.Context, c *segur.Controle, m segur.Demarche, prog segur.Programme, s segur.Suites) error {
	return db.Write(ctx, func(ctx context.Context, tx segur.Tx) error { return segur.ConclureControle(ctx, tx, c, m, prog, s) })
}
