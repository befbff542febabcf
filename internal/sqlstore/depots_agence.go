package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/segur-numerique/segur"
)

// rejeteeExiste is true for a deposit (of alias depots) with a rejected
// request: depot_lignes keeps a line without ASP number for each, the
// partial index depot_lignes_rejetees (migration 0019) answers it with
// one probe.
const rejeteeExiste = `EXISTS (SELECT 1 FROM depot_lignes l WHERE l.depot_id = depots.id AND l.numero_asp IS NULL)`

// colonnesDe prefixes each column of the list cols with alias.
func colonnesDe(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// whereDepots is the WHERE clause of filter, with its arguments.
func whereDepots(filter segur.DepotFilter) (string, []any, error) {
	var w conditions
	if filter.FournisseurID != 0 {
		w.add("fournisseur_id = ?", int64(filter.FournisseurID))
	}
	switch filter.Resultat {
	case segur.ResultatTous:
	case segur.ResultatRejetes:
		w.where = append(w.where, "statut = 'rejete'")
	case segur.ResultatAvecRejets:
		w.where = append(w.where, "statut = 'traite' AND "+rejeteeExiste)
	case segur.ResultatToutAccepte:
		w.where = append(w.where, "statut = 'traite' AND NOT "+rejeteeExiste)
	default:
		return "", nil, segur.Errorf(segur.EINVALID, "résultat « %s » inconnu", filter.Resultat)
	}
	if !filter.RecuApres.IsZero() {
		w.add("recu >= ?", filter.RecuApres.UTC())
	}
	if !filter.RecuAvant.IsZero() {
		w.add("recu < ?", filter.RecuAvant.UTC())
	}
	if filter.AvantID != 0 {
		w.add("id < ?", int64(filter.AvantID))
	}
	return w.clause(), w.args, nil
}

// FindDepotsAgence returns the deposits filter selects, every vendor's,
// newest first, without their lines but with their vendor's name and the
// count of their lines and accepted requests, and how many the filter
// selects in all.
//
// One statement: the page's ids are chosen first (the filter, the order),
// then only its rows are read, joined to their vendor and counted, each
// count a probe of an index on depot_id (depot_lignes' key,
// demandes_depot); the selection's count reads ids only. The newest-first order walks the
// primary key (or depots_fournisseur for one vendor); a period reads
// depots_recu.
func (db *DB) FindDepotsAgence(ctx context.Context, filter segur.DepotFilter) ([]segur.DepotResume, int, error) {
	w, args, err := whereDepots(filter)
	if err != nil {
		return nil, 0, err
	}
	limit, offset := filter.Limit, max(filter.Offset, 0)
	if limit <= 0 {
		limit = math.MaxInt32
	}
	n := len(args)
	// The page holds ids only, and the count reads ids only: neither
	// carries a deposit's columns through a window or a sort, which on
	// SQLite would buffer every selected row (150 ms at 20 000 deposits).
	q := `WITH page AS (
		SELECT id FROM depots` + w + ` ORDER BY id DESC LIMIT $` + strconv.Itoa(n+1) + ` OFFSET $` + strconv.Itoa(n+2) + `)
	SELECT ` + colonnesDe("d", depotColumns) + `, (SELECT count(*) FROM depots` + w + `), f.nom,
		(SELECT count(*) FROM depot_lignes l WHERE l.depot_id = d.id) + (SELECT count(*) FROM demandes m WHERE m.depot_id = d.id),
		(SELECT count(*) FROM depot_lignes l WHERE l.depot_id = d.id AND l.numero_asp IS NOT NULL) + (SELECT count(*) FROM demandes m WHERE m.depot_id = d.id)
	FROM page p JOIN depots d ON d.id = p.id JOIN fournisseurs f ON f.id = d.fournisseur_id
	ORDER BY d.id DESC`
	rows, err := db.r.QueryContext(ctx, q, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: find depots: %w", err)
	}
	out, total := []segur.DepotResume{}, 0
	err = eachRow(rows, func(rows *sql.Rows) error {
		var r segur.DepotResume
		d, err := scanDepot(rows, &total, &r.Fournisseur, &r.Resultat.Lignes, &r.Resultat.Acceptees)
		r.Depot, r.Resultat.Statut = d, d.Statut
		out = append(out, r)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: find depots: %w", err)
	}
	if len(out) == 0 && offset > 0 {
		// A page past the end has no row to carry the count.
		if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM depots`+w, args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("sqlstore: count depots: %w", err)
		}
	}
	return out, total, nil
}
