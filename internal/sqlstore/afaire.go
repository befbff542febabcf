package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/segur-numerique/segur"
)

// FindResultatsDepots counts, for each deposit of ids, its lines and the
// accepted ones (those with an ASP number): the outcome a list of deposits
// shows. A deposit without lines (rejected whole) is absent; Statut is
// left to the caller, who read the deposits.
func (db *DB) FindResultatsDepots(ctx context.Context, ids []segur.DepotID) (map[segur.DepotID]segur.ResultatDepot, error) {
	out := make(map[segur.DepotID]segur.ResultatDepot, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	ph := make([]string, len(ids))
	for i, id := range ids {
		args[i], ph[i] = int64(id), "$"+strconv.Itoa(i+1)
	}
	in := strings.Join(ph, ", ")
	// A request's line is its demandes row once accepted; depot_lignes
	// holds the rejected ones, and every line of a balance deposit.
	type compte struct {
		id         segur.DepotID
		n, accepte int
	}
	rows, err := queryAll(ctx, db.r, func(s scanner) (compte, error) {
		var c compte
		return c, s.Scan(&c.id, &c.n, &c.accepte)
	}, "résultats des dépôts", `SELECT l.depot_id, count(*), count(l.numero_asp) FROM (
		SELECT depot_id, numero_asp FROM depot_lignes WHERE depot_id IN (`+in+`)
		UNION ALL
		SELECT depot_id, numero_asp FROM demandes WHERE depot_id IN (`+in+`)) l GROUP BY l.depot_id`, args...)
	if err != nil {
		return nil, err
	}
	for _, c := range rows {
		out[c.id] = segur.ResultatDepot{Lignes: c.n, Acceptees: c.accepte}
	}
	return out, nil
}

// FindAFaire returns at most limit of vendor f's requests that wait for it
// (segur.StatutsAFaire), each with the time of the démarche that brought
// it to its status, the longest waiting first.
func (db *DB) FindAFaire(ctx context.Context, f segur.FournisseurID, limit int) ([]segur.AFaire, error) {
	args := []any{int64(f)}
	in := placeholders(&args, segur.StatutsAFaire()...)
	args = append(args, limit)
	return queryAll(ctx, db.r, func(s scanner) (segur.AFaire, error) {
		var a segur.AFaire
		err := s.Scan(&a.NumeroASP, &a.Statut, &a.Depuis)
		a.Depuis = a.Depuis.UTC()
		return a, err
	}, "demandes à traiter", `SELECT d.numero_asp, d.statut, h.quand FROM demandes d
		JOIN demande_historique h ON h.id = (SELECT max(x.id) FROM demande_historique x WHERE x.demande_id = d.id)
		WHERE d.fournisseur_id = $1 AND d.statut IN (`+in+`)
		ORDER BY h.quand, d.numero_asp LIMIT $`+strconv.Itoa(len(args)), args...)
}
