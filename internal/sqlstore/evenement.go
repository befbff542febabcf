package sqlstore

import (
	"context"

	"github.com/segur-numerique/segur"
)

// scanEvenement reads the columns id, quand, login, adresse, action, objet, details.
func scanEvenement(s scanner) (segur.Evenement, error) {
	var e segur.Evenement
	err := s.Scan(&e.ID, &e.Quand, &e.Acteur.Login, &e.Acteur.Adresse, &e.Action, &e.Objet, &e.Details)
	e.Quand = e.Quand.UTC()
	return e, err
}

// FindEvenements returns the audit events of objet (e.g.
// "fournisseur:88558855858745"), oldest first.
func (db *DB) FindEvenements(ctx context.Context, objet string) ([]segur.Evenement, error) {
	return queryAll(ctx, db.r, scanEvenement, "evenements",
		`SELECT id, quand, login, adresse, action, objet, details FROM evenements WHERE objet = $1 ORDER BY id`, objet)
}
