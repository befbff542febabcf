package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/segur-numerique/segur"
)

// The readers of the agency's read-only API (/api/v1/agence/…): each
// returns at most limite rows of key above apres, in the order of that
// key, one query, the page read by the key's index (keyset pagination):
// no OFFSET, and rows inserted between two pages never shift them.

// et adds condition cond, its "?" the argument numbered after args, to
// w: a WHERE clause, empty or not, or a FROM clause that may end with one.
func et(w string, args []any, cond string, v any) (string, []any) {
	args = append(args, v)
	cond = "(" + cond + ")"
	for i := len(cond) - 1; i >= 0; i-- {
		if cond[i] == '?' {
			cond = cond[:i] + "$" + strconv.Itoa(len(args)) + cond[i+1:]
		}
	}
	if !strings.Contains(w, " WHERE ") {
		return w + " WHERE " + cond, args
	}
	return w + " AND " + cond, args
}

// limitePage is the LIMIT of a page of limite rows, bounded.
func limitePage(limite int) int {
	return min(max(limite, 1), segur.LimiteAgenceMax+1)
}

// FindDemandesAgence returns the accepted requests filter selects (its
// Tri, Limit and Offset aside), of vendor siret unless "", of ID above
// apres, in ID order, at most limite, with their vendor's SIRET.
func (db *DB) FindDemandesAgence(ctx context.Context, filter segur.DemandeFilter, siret string, apres segur.DemandeID, limite int) ([]segur.DemandeAgence, error) {
	w, args := db.whereDemandesPour(filter, true)
	if siret != "" {
		w, args = et(w, args, "fournisseur_id IN (SELECT f.id FROM fournisseurs f WHERE f.siret = ?)", siret)
	}
	w, args = et(w, args, "id > ?", int64(apres))
	args = append(args, limitePage(limite))
	return queryAll(ctx, db.r, func(s scanner) (segur.DemandeAgence, error) {
		var d segur.DemandeAgence
		var err error
		d.Demande, err = scanDemande(s, &d.SIRET)
		return d, err
	}, "demandes", `SELECT `+demandeSelect()+`, (SELECT f.siret FROM fournisseurs f WHERE f.id = demandes.fournisseur_id)
		FROM demandes`+w+` ORDER BY id LIMIT $`+strconv.Itoa(len(args)), args...)
}

// FindDepotsAgenceApres returns the deposits filter selects (its AvantID,
// Limit and Offset aside), of ID above apres, in ID order, at most
// limite, as FindDepotsAgence: with their vendor's name and counts.
func (db *DB) FindDepotsAgenceApres(ctx context.Context, filter segur.DepotFilter, apres segur.DepotID, limite int) ([]segur.DepotResume, error) {
	filter.AvantID = 0
	w, args, err := whereDepots(filter)
	if err != nil {
		return nil, err
	}
	w, args = et(w, args, "id > ?", int64(apres))
	args = append(args, limitePage(limite))
	q := `WITH page AS (SELECT id FROM depots` + w + ` ORDER BY id LIMIT $` + strconv.Itoa(len(args)) + `)
	SELECT ` + colonnesDe("d", depotColumns) + `, f.nom,
		(SELECT count(*) FROM depot_lignes l WHERE l.depot_id = d.id) + (SELECT count(*) FROM demandes m WHERE m.depot_id = d.id),
		(SELECT count(*) FROM depot_lignes l WHERE l.depot_id = d.id AND l.numero_asp IS NOT NULL) + (SELECT count(*) FROM demandes m WHERE m.depot_id = d.id)
	FROM page p JOIN depots d ON d.id = p.id JOIN fournisseurs f ON f.id = d.fournisseur_id
	ORDER BY d.id`
	return queryAll(ctx, db.r, func(s scanner) (segur.DepotResume, error) {
		var r segur.DepotResume
		d, err := scanDepot(s, &r.Fournisseur, &r.Resultat.Lignes, &r.Resultat.Acceptees)
		r.Depot, r.Resultat.Statut = d, d.Statut
		return r, err
	}, "dépôts", q, args...)
}

// FindLotsApres returns the payment batches of ID above apres, in ID
// order, at most limite, without their payments (Nombre and Montant set).
func (db *DB) FindLotsApres(ctx context.Context, apres segur.LotID, limite int) ([]segur.Lot, error) {
	return queryAll(ctx, db.r, func(s scanner) (segur.Lot, error) { return scanLot(s) }, "lots",
		`SELECT `+lotColumns+` FROM lots_paiement l WHERE l.id > $1 ORDER BY l.id LIMIT $2`, int64(apres), limitePage(limite))
}

// FindPaiementsApres returns the payments in batches, of batch lot unless
// 0, of ID above apres, in ID order, at most limite, each with its batch's
// state and transfer date and its vendor's notice.
func (db *DB) FindPaiementsApres(ctx context.Context, lot segur.LotID, apres int64, limite int) ([]segur.LignePaiement, error) {
	w, args := et("", nil, "p.id > ?", apres)
	if lot != 0 {
		w, args = et(w, args, "p.lot_id = ?", int64(lot))
	}
	args = append(args, limitePage(limite))
	return queryAll(ctx, db.r, func(s scanner) (segur.LignePaiement, error) {
		var (
			l      segur.LignePaiement
			payeLe string
		)
		err := s.Scan(&l.ID, &l.Lot, &l.EtatLot, &payeLe, &l.NumeroASP, &l.NumeroEditeur, &l.FournisseurID, &l.Nature, &l.Montant, &l.Annule, &l.Avis)
		if err == nil && payeLe != "" {
			l.PayeLe, err = parseJour(payeLe)
		}
		return l, err
	}, "paiements", `SELECT p.id, p.lot_id, l.etat, COALESCE(l.paye_le, ''), d.numero_asp, d.numero_editeur, p.fournisseur_id, p.nature,
		p.montant_cents, p.annule, COALESCE(a.reference, '')
		FROM paiements p JOIN lots_paiement l ON l.id = p.lot_id JOIN demandes d ON d.id = p.demande_id
		LEFT JOIN avis_paiement a ON a.lot_id = p.lot_id AND a.fournisseur_id = p.fournisseur_id`+w+`
		ORDER BY p.id LIMIT $`+strconv.Itoa(len(args)), args...)
}

// FindControlesApres returns the controls f selects (its Limit and Offset
// aside), of ID above apres, in ID order, at most limite.
func (db *DB) FindControlesApres(ctx context.Context, f segur.ControleFilter, apres segur.ControleID, limite int) ([]segur.Controle, error) {
	from, args := whereControles(f)
	from, args = et(from, args, "c.id > ?", int64(apres))
	args = append(args, limitePage(limite))
	return queryAll(ctx, db.r, func(s scanner) (segur.Controle, error) { return scanControle(s) }, "contrôles",
		`SELECT `+controleColumns+from+` ORDER BY c.id LIMIT $`+strconv.Itoa(len(args)), args...)
}
