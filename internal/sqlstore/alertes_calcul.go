package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
)

// PrendreAlertesACalculer claims at most limit requests whose alert codes
// must be computed again (alertes_a_calculer, marked by the triggers of
// migration 0022), in demande_id order, with their vendor's SIRET and the
// mark they were claimed under. A claim holds for bail: no other worker
// takes them meanwhile, and a worker that died frees them when it has
// passed. On PostgreSQL, FOR UPDATE SKIP LOCKED lets two servers claim at
// once without waiting and without sharing a request; SQLite has one
// writer.
func (db *DB) PrendreAlertesACalculer(ctx context.Context, limit int, bail time.Duration) ([]segur.AlerteACalculer, error) {
	if limit <= 0 || bail <= 0 {
		return nil, segur.Errorf(segur.EINVALID, "calcul des alertes : attendu un nombre et une durée positifs")
	}
	out := []segur.AlerteACalculer{}
	now := stamp(db.clock())
	// A read first: the worker polls, and most rounds find nothing to
	// claim; a write transaction would take SQLite's one writer for
	// nothing, and its commit would wake the worker again.
	var un int
	switch err := db.r.QueryRowContext(ctx, `SELECT 1 FROM alertes_a_calculer WHERE pris_le IS NULL OR pris_le < $1 LIMIT 1`, now.Add(-bail)).Scan(&un); {
	case errors.Is(err, sql.ErrNoRows):
		return out, nil
	case err != nil:
		return nil, fmt.Errorf("sqlstore: alertes à calculer: %w", err)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		type mark struct{ id, seq int64 }
		marks, err := queryAll(ctx, tx, func(s scanner) (mark, error) {
			var m mark
			return m, s.Scan(&m.id, &m.seq)
		}, "alertes à calculer", `UPDATE alertes_a_calculer SET pris_le = $1
			WHERE demande_id IN (SELECT demande_id FROM alertes_a_calculer WHERE pris_le IS NULL OR pris_le < $2
				ORDER BY demande_id LIMIT $3`+db.forUpdateSkipLocked()+`)
			RETURNING demande_id, seq`, now, now.Add(-bail), limit)
		if err != nil || len(marks) == 0 {
			return err
		}
		seqs := make(map[int64]int64, len(marks))
		ids := make([]string, len(marks))
		for i, m := range marks {
			seqs[m.id], ids[i] = m.seq, fmt.Sprint(m.id)
		}
		list, arg, err := db.textList(1, "l", ids)
		if err != nil {
			return fmt.Errorf("sqlstore: alertes à calculer: %w", err)
		}
		ds, err := queryAll(ctx, tx, func(s scanner) (segur.AlerteACalculer, error) {
			var a segur.AlerteACalculer
			d, err := scanDemande(s, &a.SIRET)
			a.Demande, a.Seq = d, seqs[int64(d.ID)]
			return a, err
		}, "demandes à calculer", `SELECT `+demandeSelect()+`, (SELECT f.siret FROM fournisseurs f WHERE f.id = demandes.fournisseur_id)
			FROM demandes WHERE id IN (SELECT `+db.castBigint("l.v")+` FROM `+list+`) ORDER BY id`, arg)
		out = ds
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// castBigint is expr as a 64-bit integer.
func (db *DB) castBigint(expr string) string {
	if db.dialect == dialectPostgres {
		return expr + "::bigint"
	}
	return "CAST(" + expr + " AS INTEGER)"
}

// EnregistrerAlertes writes the codes computed for claimed requests, in
// one transaction: for each request still marked under the mark it was
// claimed with, its codes replace the stored ones and the mark is cleared;
// a request marked again meanwhile keeps its codes and its mark, freed for
// the next claim. It returns how many requests it wrote.
func (db *DB) EnregistrerAlertes(ctx context.Context, calculees []segur.AlertesCalculees) (int, error) {
	// In id order, as the triggers mark (alertes_marquer): two
	// transactions lock their rows in one order, never in a circle.
	calculees = slices.SortedFunc(slices.Values(calculees), func(a, b segur.AlertesCalculees) int { return cmp.Compare(a.DemandeID, b.DemandeID) })
	n := 0
	err := db.write(ctx, func(tx *sql.Tx) error {
		n = 0
		effacer, err := tx.PrepareContext(ctx, `DELETE FROM alertes_a_calculer WHERE demande_id = $1 AND seq = $2`)
		if err != nil {
			return fmt.Errorf("sqlstore: enregistrer les alertes: %w", err)
		}
		defer effacer.Close()
		liberer, err := tx.PrepareContext(ctx, `UPDATE alertes_a_calculer SET pris_le = NULL WHERE demande_id = $1`)
		if err != nil {
			return fmt.Errorf("sqlstore: enregistrer les alertes: %w", err)
		}
		defer liberer.Close()
		anciens, err := tx.PrepareContext(ctx, `DELETE FROM demandes_alertes WHERE demande_id = $1`)
		if err != nil {
			return fmt.Errorf("sqlstore: enregistrer les alertes: %w", err)
		}
		defer anciens.Close()
		var ecrits []segur.AlertesCalculees
		for _, c := range calculees {
			res, err := effacer.ExecContext(ctx, int64(c.DemandeID), c.Seq)
			if err != nil {
				return fmt.Errorf("sqlstore: alertes de la demande %d: %w", c.DemandeID, err)
			}
			if k, err := res.RowsAffected(); err != nil || k == 0 {
				// Marked again since it was claimed (or its mark is gone):
				// these codes may be stale, the next claim computes it.
				if _, err := liberer.ExecContext(ctx, int64(c.DemandeID)); err != nil {
					return fmt.Errorf("sqlstore: alertes de la demande %d: %w", c.DemandeID, err)
				}
				continue
			}
			if _, err := anciens.ExecContext(ctx, int64(c.DemandeID)); err != nil {
				return fmt.Errorf("sqlstore: alertes de la demande %d: %w", c.DemandeID, err)
			}
			ecrits = append(ecrits, c)
			n++
		}
		return insertCodes(ctx, tx, ecrits)
	})
	return n, err
}

// insertCodes writes the codes of cs, a few hundred rows per statement.
func insertCodes(ctx context.Context, tx *sql.Tx, cs []segur.AlertesCalculees) error {
	var vals []string
	var args []any
	flush := func() error {
		if len(vals) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO demandes_alertes (demande_id, code) VALUES `+strings.Join(vals, ", ")+` ON CONFLICT DO NOTHING`, args...)
		vals, args = vals[:0], args[:0]
		if err != nil {
			return fmt.Errorf("sqlstore: codes d'alertes: %w", err)
		}
		return nil
	}
	for _, c := range cs {
		for _, code := range c.Codes {
			args = append(args, int64(c.DemandeID), code)
			vals = append(vals, fmt.Sprintf("($%d, $%d)", len(args)-1, len(args)))
			if len(vals) == 500 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// CountAlertesACalculer counts the requests filter selects (its alert
// criteria left out) whose alert codes wait to be computed again: those a
// filter on alerts may miss or keep wrongly for now.
func (db *DB) CountAlertesACalculer(ctx context.Context, filter segur.DemandeFilter) (int, error) {
	filter.Alerte, filter.NonVues, filter.AntivirusAlerte = "", false, false
	w, args := db.whereDemandes(filter)
	if w == "" {
		w = " WHERE "
	} else {
		w += " AND "
	}
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM demandes`+w+`id IN (SELECT demande_id FROM alertes_a_calculer)`, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: count alertes à calculer: %w", err)
	}
	return n, nil
}

// alertesDemandes is the condition of whereDemandes for filter's alert
// criteria, with its one argument (the code) or none ("*").
func (db *DB) alertesDemandes(filter segur.DemandeFilter) (string, []any) {
	var where []string
	var args []any
	from := `demandes_alertes a`
	if filter.Alerte != "*" {
		where, args = append(where, "a.code = ?"), append(args, filter.Alerte)
	}
	if filter.NonVues {
		// As segur.VueSur: an alert on the vendor is seen by a marking of
		// the vendor, any other by a marking of the request.
		var fournisseur []string
		for _, i := range segur.InfosAlertes() {
			if i.Fournisseur {
				fournisseur = append(fournisseur, "'"+i.Code+"'") // the catalogue's own codes: [a-z_]
			}
		}
		surFournisseur := "a.code IN (" + strings.Join(append(fournisseur, "''"), ", ") + ")"
		from += ` JOIN demandes x ON x.id = a.demande_id`
		where = append(where,
			`NOT EXISTS (SELECT 1 FROM alertes_vues v WHERE v.numero_asp = x.numero_asp AND v.code = a.code AND NOT `+surFournisseur+`)`,
			`NOT EXISTS (SELECT 1 FROM alertes_vues v WHERE v.fournisseur_id = x.fournisseur_id AND v.code = a.code AND `+surFournisseur+`)`)
	}
	sub := `SELECT a.demande_id FROM ` + from
	if len(where) > 0 {
		sub += ` WHERE ` + strings.Join(where, " AND ")
	}
	if filter.AntivirusAlerte && filter.Alerte == "*" {
		sub += ` UNION SELECT demande_id FROM demandes_antivirus`
	}
	if db.dialect == dialectPostgres {
		// An array computed once, then an index probe per request:
		// with IN, PostgreSQL's planner walks the whole queue in the
		// page's order, probing each request, to stop at the page's end
		// that count(*) OVER () never lets it reach (150 ms at 100 000
		// requests, 16 ms this way).
		return "id = ANY (ARRAY(" + sub + "))", args
	}
	return "id IN (" + sub + ")", args
}
