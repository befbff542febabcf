package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/segur-numerique/segur"
)

// CreateAlerteVue records alert v as seen, in one transaction: the
// marking, a line of the history of the request it was marked from (its
// status unchanged) and the audit event. ECONFLICT if the alert was already
// marked seen there (or for the vendor). The store's clock stamps it.
func (db *DB) CreateAlerteVue(ctx context.Context, v segur.AlerteVue) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		var id int64
		var statut string
		err := tx.QueryRowContext(ctx, `SELECT id, statut FROM demandes WHERE numero_asp = $1`, v.Demande).Scan(&id, &statut)
		if errors.Is(err, sql.ErrNoRows) {
			return segur.Errorf(segur.ENOTFOUND, "demande %s introuvable", v.Demande)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: demande %s: %w", v.Demande, err)
		}
		var fournisseur any
		if v.FournisseurID != 0 {
			fournisseur = int64(v.FournisseurID)
		}
		quand := stamp(db.clock())
		_, err = tx.ExecContext(ctx, `INSERT INTO alertes_vues (code, numero_asp, fournisseur_id, par, le, raison) VALUES ($1, $2, $3, $4, $5, $6)`,
			v.Code, nullString(v.NumeroASP), fournisseur, v.Par, quand, v.Raison)
		if violationOf(err) == uniqueViolation {
			return segur.Errorf(segur.ECONFLICT, "alerte « %s » déjà marquée vue", titreAlerte(v.Code))
		}
		if err != nil {
			return fmt.Errorf("sqlstore: alerte vue %s de %s: %w", v.Code, v.Demande, err)
		}
		info, _ := segur.InfoAlerteDe(v.Code)
		raison := info.Titre + " : " + v.Raison
		if info.Fournisseur {
			raison = info.Titre + " (pour toutes les demandes du fournisseur) : " + v.Raison
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO demande_historique (demande_id, quand, par, action, de, vers, raison) VALUES ($1, $2, $3, $4, $5, $5, $6)`,
			id, quand, v.Par, string(segur.ActionAlerteVue), statut, raison); err != nil {
			return fmt.Errorf("sqlstore: historique de %s: %w", v.Demande, err)
		}
		objet := "demande:" + v.Demande
		if v.FournisseurID != 0 {
			objet = "fournisseur:" + strconv.FormatInt(int64(v.FournisseurID), 10)
		}
		return db.audit(ctx, tx, quand, "alerte.vue", objet, map[string]string{"code": v.Code, "demande": v.Demande, "raison": v.Raison})
	})
}

// FindAlertesVues returns the alerts marked seen that may cover requests
// asps: those marked on them, joined from a list (textList: one parameter
// however many requests, an index probe for each), and every vendor-wide
// marking (a few per vendor at most), read apart: one OR over both would
// have SQLite scan.
func (db *DB) FindAlertesVues(ctx context.Context, asps []string) ([]segur.AlerteVue, error) {
	if len(asps) == 0 {
		return []segur.AlerteVue{}, nil
	}
	list, arg, err := db.textList(1, "l", asps)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: alertes vues: %w", err)
	}
	return queryAll(ctx, db.r, func(s scanner) (segur.AlerteVue, error) {
		var v segur.AlerteVue
		var fournisseur, id int64
		err := s.Scan(&v.Code, &v.NumeroASP, &fournisseur, &v.Par, &v.Le, &v.Raison, &id)
		v.FournisseurID, v.Le = segur.FournisseurID(fournisseur), v.Le.UTC()
		return v, err
	}, "alertes vues", `SELECT code, '', fournisseur_id, par, le, raison, id FROM alertes_vues WHERE fournisseur_id IS NOT NULL
		UNION ALL SELECT a.code, a.numero_asp, 0, a.par, a.le, a.raison, a.id FROM `+list+` JOIN alertes_vues a ON a.numero_asp = l.v
		ORDER BY 7`, arg)
}

func titreAlerte(code string) string {
	i, _ := segur.InfoAlerteDe(code)
	return i.Titre
}
