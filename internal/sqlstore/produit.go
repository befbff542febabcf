package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/segur-numerique/segur"
)

// scanProduit reads the columns numero_ans, fournisseur_id, logiciel, nom, cree_le.
func scanProduit(s scanner) (segur.Produit, error) {
	var p segur.Produit
	err := s.Scan(&p.NumeroAns, &p.FournisseurID, &p.Logiciel, &p.Nom, &p.CreeLe)
	p.CreeLe = p.CreeLe.UTC()
	return p, err
}

// produitDetails is the audit detail of a product's registration.
type produitDetails struct {
	NumeroAns     string `json:"numero_ans"`
	FournisseurID int64  `json:"fournisseur_id"`
	Logiciel      string `json:"logiciel"`
	Nom           string `json:"nom"`
}

// CreateProduit registers a vendor's product and sets its CreeLe. The caller
// has checked it (segur.Produit.Valider). An ANS number already registered
// is an ECONFLICT; an unknown vendor an ENOTFOUND.
func (db *DB) CreateProduit(ctx context.Context, p *segur.Produit) error {
	now := db.clock()
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO produits (numero_ans, fournisseur_id, logiciel, nom, cree_le) VALUES ($1, $2, $3, $4, $5)`,
			p.NumeroAns, int64(p.FournisseurID), string(p.Logiciel), p.Nom, now)
		switch violationOf(err) {
		case uniqueViolation:
			return segur.Errorf(segur.ECONFLICT, "le numéro ANS %s est déjà enregistré", p.NumeroAns)
		case foreignKeyViolation:
			return segur.Errorf(segur.ENOTFOUND, "fournisseur n° %d introuvable", p.FournisseurID)
		case checkViolation:
			return segur.Errorf(segur.EINVALID, "produit « %s » refusé : attendu un numéro ANS de 10 caractères, un logiciel RI, DPI ou PFI et un nom", p.NumeroAns)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: create produit %s: %w", p.NumeroAns, err)
		}
		return db.audit(ctx, tx, now, "produit.creer", "produit:"+p.NumeroAns, produitDetails{
			NumeroAns: p.NumeroAns, FournisseurID: int64(p.FournisseurID), Logiciel: string(p.Logiciel), Nom: p.Nom,
		})
	})
	if err != nil {
		return err
	}
	p.CreeLe = now
	return nil
}

// FindProduit returns the product of ANS number numeroAns, or an ENOTFOUND.
func (db *DB) FindProduit(ctx context.Context, numeroAns string) (*segur.Produit, error) {
	p, err := scanProduit(db.r.QueryRowContext(ctx,
		`SELECT numero_ans, fournisseur_id, logiciel, nom, cree_le FROM produits WHERE numero_ans = $1`, numeroAns))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "numéro ANS %s inconnu", numeroAns)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find produit %s: %w", numeroAns, err)
	}
	return &p, nil
}

// FindProduits returns the products of vendor id, by ANS number; none for
// an unknown vendor.
func (db *DB) FindProduits(ctx context.Context, id segur.FournisseurID) ([]segur.Produit, error) {
	return queryAll(ctx, db.r, scanProduit, "produits",
		`SELECT numero_ans, fournisseur_id, logiciel, nom, cree_le FROM produits WHERE fournisseur_id = $1 ORDER BY numero_ans`, int64(id))
}
