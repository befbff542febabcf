package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// FindPilotage returns the agency's dashboard: one aggregate query per
// block (status, software type, deposit date, result codes, transfers), all in one
// read transaction, so that the blocks agree. Weeks are folded from the
// deposit dates (already Europe/Paris civil dates) by the domain.
//
// Every figure is of the requests filter f keeps: its software type, its
// deposit in the campaign window. Each query takes the filter as its first
// three parameters ($1 the software type or "", $2 and $3 the bounds of
// the deposit's instant), through filtre.
//
// The delays' percentiles are computed in Go, on both databases, from one
// query that returns three instants per request decided or paid in the
// SemainesDelais weeks (at most the requests of those weeks): the weeks
// are ISO weeks in Europe/Paris, which SQLite cannot compute (no time
// zones), and one code path keeps the two databases' figures equal. The
// other blocks are aggregated in SQL.
func (db *DB) FindPilotage(ctx context.Context, f segur.PilotageFiltre) (*segur.Pilotage, error) {
	tx, err := db.r.BeginTx(ctx, db.snapshotTxOptions())
	if err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage: %w", err)
	}
	defer tx.Rollback()
	p := &segur.Pilotage{}
	depuis, avant := f.Depuis, f.Avant
	if depuis.IsZero() {
		depuis = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if avant.IsZero() {
		avant = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	args := []any{string(f.Logiciel), depuis.UTC(), avant.UTC()}
	arg := func(more ...any) []any { return append(slices.Clip(args), more...) }

	// By status and software type in one pass over the index
	// demandes_statut_date, which holds the amounts (SQLite is told: its
	// statistics of a new index may be missing until segur serve's
	// Optimize, and the date range would make it walk the date index and
	// read every row), summed by status, then by software type. The
	// advance as segur.Avance rounds it, per request: half up,
	// (60 f + 100) / 200.
	indexe := ""
	if db.dialect == dialectSQLite {
		indexe = " INDEXED BY demandes_statut_date"
	}
	rows, err := tx.QueryContext(ctx, `SELECT statut, logiciel, count(*), `+somme("montant_ht_cents")+`,
		`+somme("montant_finance_cents")+`, `+somme("(montant_finance_cents * 60 + 100) / 200")+`,
		`+somme("solde_a_payer_cents")+`
		FROM demandes d`+indexe+` WHERE `+filtre("d", "cree_le")+` GROUP BY statut, logiciel ORDER BY statut, logiciel`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage par statut: %w", err)
	}
	parLogiciel := map[hop.Logiciel]*segur.PilotageLogiciel{}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var (
			l   segur.PilotageStatut
			lo  hop.Logiciel
			err = r.Scan(&l.Statut, &lo, &l.Nombre, &l.MontantHT, &l.Finance, &l.Avance, &l.SoldeAPayer)
		)
		if k := len(p.ParStatut) - 1; k >= 0 && p.ParStatut[k].Statut == l.Statut {
			st := &p.ParStatut[k]
			st.Nombre, st.MontantHT, st.Finance, st.Avance, st.SoldeAPayer = st.Nombre+l.Nombre, st.MontantHT+l.MontantHT, st.Finance+l.Finance, st.Avance+l.Avance, st.SoldeAPayer+l.SoldeAPayer
		} else {
			p.ParStatut = append(p.ParStatut, l)
		}
		pl := parLogiciel[lo]
		if pl == nil {
			pl = &segur.PilotageLogiciel{Logiciel: lo}
			parLogiciel[lo] = pl
		}
		pl.Nombre, pl.MontantHT, pl.Finance = pl.Nombre+l.Nombre, pl.MontantHT+l.MontantHT, pl.Finance+l.Finance
		return err
	}); err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage par statut: %w", err)
	}
	for _, lo := range slices.Sorted(maps.Keys(parLogiciel)) {
		p.ParLogiciel = append(p.ParLogiciel, *parLogiciel[lo])
	}

	// Per deposit date: the deposits (rejected or not), and the requests
	// they brought with their amount.
	rows, err = tx.QueryContext(ctx, `SELECT date_depot, `+somme("depots")+`, `+somme("rejetes")+`, `+somme("demandes")+`, `+somme("montant")+` FROM (
			SELECT date_depot, count(*) AS depots, sum(CASE WHEN statut = 'rejete' THEN 1 ELSE 0 END) AS rejetes,
				0 AS demandes, 0 AS montant
			FROM depots p WHERE `+filtre("p", "recu")+` GROUP BY date_depot
			UNION ALL
			SELECT p.date_depot, 0, 0, count(*), sum(d.montant_ht_cents)
			FROM demandes d JOIN depots p ON p.id = d.depot_id WHERE `+filtre("p", "recu")+` GROUP BY p.date_depot
		) j GROUP BY date_depot ORDER BY date_depot`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage par jour: %w", err)
	}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var (
			l    segur.PilotageJour
			jour string
		)
		if err := r.Scan(&jour, &l.Depots, &l.DepotsRejetes, &l.Demandes, &l.MontantHT); err != nil {
			return err
		}
		var err error
		l.Jour, err = parseJour(jour)
		p.ParJour = append(p.ParJour, l)
		return err
	}); err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage par jour: %w", err)
	}

	// The result codes: control 1 of the rejected deposits, control 2 of
	// the rejected requests.
	rows, err = tx.QueryContext(ctx, `SELECT code, `+somme("n")+` FROM (
			SELECT motif_code AS code, count(*) AS n FROM depots p WHERE statut = 'rejete' AND `+filtre("p", "recu")+` GROUP BY motif_code
			UNION ALL
			SELECT l.code, count(*) FROM depot_lignes l JOIN depots p ON p.id = l.depot_id WHERE l.code <> $4 AND `+filtre("p", "recu")+` GROUP BY l.code
		) c GROUP BY code ORDER BY code`, arg(hop.CodeAcceptee)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage des codes: %w", err)
	}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var l segur.PilotageCode
		err := r.Scan(&l.Code, &l.Nombre)
		p.Codes = append(p.Codes, l)
		return err
	}); err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage des codes: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT `+somme("p.montant_cents")+` FROM paiements p
		JOIN lots_paiement l ON l.id = p.lot_id JOIN demandes d ON d.id = p.demande_id
		WHERE l.etat = 'paye' AND NOT p.annule AND `+filtre("d", "cree_le"), args...).Scan(&p.Virements); err != nil {
		return nil, fmt.Errorf("sqlstore: pilotage des virements: %w", err)
	}
	for _, fn := range []func(context.Context, *sql.Tx, segur.PilotageFiltre, []any, *segur.Pilotage) error{
		pilotageARecouvrer, pilotageEcarts, pilotageAttente, pilotageInstructeurs, pilotageDelais,
	} {
		if err := fn(ctx, tx, f, args, p); err != nil {
			return nil, err
		}
	}
	return p, tx.Commit()
}

// EachLignePaiement calls fn on the payments of every batch, by batch then
// as the batch orders them, with the ASP number of their request and the
// reference of their payment notice, read by one query as the rows come.
// fn's error stops the reading and is returned as it is.
func (db *DB) EachLignePaiement(ctx context.Context, fn func(*segur.LignePaiement) error) error {
	return eachExport(ctx, db, func(s scanner) (segur.LignePaiement, error) {
		var (
			l      segur.LignePaiement
			payeLe string
		)
		err := s.Scan(&l.Lot, &l.EtatLot, &payeLe, &l.NumeroASP, &l.NumeroEditeur, &l.FournisseurID, &l.Nature, &l.Montant, &l.Annule, &l.Avis)
		if err == nil && payeLe != "" {
			l.PayeLe, err = parseJour(payeLe)
		}
		return l, err
	}, "paiements", `SELECT p.lot_id, l.etat, COALESCE(l.paye_le, ''), d.numero_asp, d.numero_editeur, p.fournisseur_id, p.nature,
		p.montant_cents, p.annule, COALESCE(a.reference, '')
		FROM paiements p JOIN lots_paiement l ON l.id = p.lot_id JOIN demandes d ON d.id = p.demande_id
		LEFT JOIN avis_paiement a ON a.lot_id = p.lot_id AND a.fournisseur_id = p.fournisseur_id
		ORDER BY p.lot_id, p.id`, fn)
}

// somme is the sum of expr as a bigint, 0 over no row: PostgreSQL sums
// bigints as numeric.
func somme(expr string) string { return "CAST(COALESCE(sum(" + expr + "), 0) AS BIGINT)" }

// filtre is the condition of the dashboard's filter on the requests or
// deposits of alias a, whose instant of deposit is column t: $1, $2, $3
// as FindPilotage passes them.
func filtre(a, t string) string {
	return "($1 = '' OR " + a + ".logiciel = $1) AND " + a + "." + t + " >= $2 AND " + a + "." + t + " < $3"
}

// enSQL writes statuses or actions as a list of SQL literals: constants
// of the domain, never input.
func enSQL[S ~string](xs []S) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "'" + strings.ReplaceAll(string(x), "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

// pilotageARecouvrer sums what the requests under an order of recovery
// owe: the excess their balance found, or their non-compliant control's
// amount.
func pilotageARecouvrer(ctx context.Context, tx *sql.Tx, _ segur.PilotageFiltre, args []any, p *segur.Pilotage) error {
	err := tx.QueryRowContext(ctx, `SELECT `+somme("COALESCE(d.solde_a_recouvrer_cents, 0)")+` + (
			SELECT `+somme("c.montant_reverse_cents")+` FROM controles c JOIN demandes d ON d.id = c.demande_id
			WHERE c.etat = 'non_conforme' AND `+filtre("d", "cree_le")+`)
		FROM demandes d WHERE d.statut = '`+string(segur.DemandeReversementOrdonne)+`' AND `+filtre("d", "cree_le"), args...).Scan(&p.ARecouvrer)
	if err != nil {
		return fmt.Errorf("sqlstore: pilotage à recouvrer: %w", err)
	}
	return nil
}

// pilotageEcarts finds, for each status that may open a gap between
// « Engagé − Payé » and « Reste à payer », how many requests open one and
// the first ASP numbers (segur.MaxExemplesEcart): the gap's expression is
// the domain's (segur.CoefficientsEcart), evaluated per request.
func pilotageEcarts(ctx context.Context, tx *sql.Tx, _ segur.PilotageFiltre, args []any, p *segur.Pilotage) error {
	sts := segur.StatutsEcart()
	if len(sts) == 0 {
		return nil
	}
	var ecart strings.Builder
	ecart.WriteString("CASE d.statut")
	for _, st := range sts {
		fi, av, so := segur.CoefficientsEcart(st)
		fmt.Fprintf(&ecart, " WHEN '%s' THEN %d * COALESCE(d.montant_finance_cents, 0) + %d * ((COALESCE(d.montant_finance_cents, 0) * 60 + 100) / 200) + %d * COALESCE(d.solde_a_payer_cents, 0)",
			st, fi, av, so)
	}
	ecart.WriteString(" ELSE 0 END")
	rows, err := tx.QueryContext(ctx, `SELECT statut, n, numero_asp FROM (
			SELECT d.statut, d.numero_asp, count(*) OVER (PARTITION BY d.statut) AS n,
				row_number() OVER (PARTITION BY d.statut ORDER BY d.numero_asp) AS r
			FROM demandes d WHERE d.statut IN (`+enSQL(sts)+`) AND `+ecart.String()+` <> 0 AND `+filtre("d", "cree_le")+`
		) e WHERE r <= $4 ORDER BY statut, r`, append(slices.Clip(args), segur.MaxExemplesEcart)...)
	if err != nil {
		return fmt.Errorf("sqlstore: pilotage des écarts: %w", err)
	}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var (
			st  segur.StatutDemande
			n   int
			asp string
		)
		if err := r.Scan(&st, &n, &asp); err != nil {
			return err
		}
		if k := len(p.Ecarts); k == 0 || p.Ecarts[k-1].Statut != st {
			p.Ecarts = append(p.Ecarts, segur.PilotageEcart{Statut: st, Nombre: n})
		}
		e := &p.Ecarts[len(p.Ecarts)-1]
		e.Exemples = append(e.Exemples, asp)
		return nil
	}); err != nil {
		return fmt.Errorf("sqlstore: pilotage des écarts: %w", err)
	}
	return nil
}

// pilotageAttente counts the requests awaiting the agency by status and
// age bucket, the buckets' bounds the domain's (segur.BornesAttente).
func pilotageAttente(ctx context.Context, tx *sql.Tx, f segur.PilotageFiltre, args []any, p *segur.Pilotage) error {
	var tranche strings.Builder
	tranche.WriteString("CASE")
	a := slices.Clip(args)
	for i, b := range segur.BornesAttente(f.Maintenant) {
		a = append(a, b.UTC())
		fmt.Fprintf(&tranche, " WHEN d.cree_le > $%d THEN %d", len(a), i)
	}
	fmt.Fprintf(&tranche, " ELSE %d END", len(segur.TranchesAttente)-1)
	rows, err := tx.QueryContext(ctx, `SELECT statut, tranche, count(*) FROM (
			SELECT d.statut, `+tranche.String()+` AS tranche FROM demandes d
			WHERE d.statut IN (`+enSQL(segur.StatutsAttente())+`) AND `+filtre("d", "cree_le")+`
		) a GROUP BY statut, tranche ORDER BY statut, tranche`, a...)
	if err != nil {
		return fmt.Errorf("sqlstore: pilotage de l'attente: %w", err)
	}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var l segur.PilotageAttente
		err := r.Scan(&l.Statut, &l.Tranche, &l.Nombre)
		p.Attente = append(p.Attente, l)
		return err
	}); err != nil {
		return fmt.Errorf("sqlstore: pilotage de l'attente: %w", err)
	}
	return nil
}

// pilotageInstructeurs counts, per instructor, the requests in
// instruction assigned to him and the requests he decided since the start
// of the week (from the history's rows of the week, index
// demande_historique_action: CROSS JOIN keeps SQLite from starting with
// every request, on PostgreSQL it is a plain join).
func pilotageInstructeurs(ctx context.Context, tx *sql.Tx, f segur.PilotageFiltre, args []any, p *segur.Pilotage) error {
	rows, err := tx.QueryContext(ctx, `SELECT agent, `+somme("en_instruction")+`, `+somme("decidees")+` FROM (
			SELECT d.agent, count(*) AS en_instruction, 0 AS decidees FROM demandes d
			WHERE d.agent IS NOT NULL AND d.statut IN (`+enSQL(segur.StatutsEnInstruction())+`) AND `+filtre("d", "cree_le")+`
			GROUP BY d.agent
			UNION ALL
			SELECT h.par, 0, count(DISTINCT h.demande_id) FROM demande_historique h CROSS JOIN demandes d
			WHERE d.id = h.demande_id AND h.action IN (`+enSQL(segur.ActionsDecision())+`) AND h.quand >= $4 AND `+filtre("d", "cree_le")+`
			GROUP BY h.par
		) i GROUP BY agent ORDER BY agent`, append(slices.Clip(args), f.Semaine.UTC())...)
	if err != nil {
		return fmt.Errorf("sqlstore: pilotage des instructeurs: %w", err)
	}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var l segur.PilotageInstructeur
		err := r.Scan(&l.Agent, &l.EnInstruction, &l.Decidees)
		p.Instructeurs = append(p.Instructeurs, l)
		return err
	}); err != nil {
		return fmt.Errorf("sqlstore: pilotage des instructeurs: %w", err)
	}
	return nil
}

// pilotageDelais reads, for each request decided or whose advance was paid
// since the first week the delays cover, its deposit, its first decision
// and its advance's payment: the history's first rows of those actions
// (rows are numbered in time). The requests are found from the history's
// rows of those actions since then (index demande_historique_action), the
// first rows of each from the index demande_historique_demande alone,
// never from the whole history; whether the first decision or the payment
// falls in the weeks is told here, so that neither database evaluates the
// subqueries twice.
func pilotageDelais(ctx context.Context, tx *sql.Tx, f segur.PilotageFiltre, args []any, p *segur.Pilotage) error {
	decision := enSQL([]segur.Action{segur.ActionValider, segur.ActionRefuser})
	paiement := enSQL([]segur.Action{segur.ActionPayerAvance})
	debut := f.DebutDelais().UTC()
	rows, err := tx.QueryContext(ctx, `SELECT d.cree_le,
			(SELECT h.quand FROM demande_historique h WHERE h.demande_id = d.id AND h.action IN (`+decision+`) ORDER BY h.id LIMIT 1),
			(SELECT h.quand FROM demande_historique h WHERE h.demande_id = d.id AND h.action IN (`+paiement+`) ORDER BY h.id LIMIT 1)
		FROM demandes d
		WHERE d.id IN (SELECT demande_id FROM demande_historique WHERE action IN (`+decision+`, `+paiement+`) AND quand >= $4)
			AND `+filtre("d", "cree_le"), append(slices.Clip(args), debut)...)
	if err != nil {
		return fmt.Errorf("sqlstore: pilotage des délais: %w", err)
	}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var l segur.DelaiDemande
		if err := r.Scan(&l.Depot, instantNul{&l.Decision}, instantNul{&l.Paiement}); err != nil {
			return err
		}
		if !l.Decision.IsZero() && (!l.Decision.Before(debut) || !l.Paiement.Before(debut)) {
			p.Delais = append(p.Delais, l)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("sqlstore: pilotage des délais: %w", err)
	}
	return nil
}

// instantNul scans a timestamp, or NULL (the zero time), into t, in UTC:
// PostgreSQL gives a subquery's timestamp as a time, SQLite as the text it
// stored (a subquery's column has no declared type there).
type instantNul struct{ t *time.Time }

func (i instantNul) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*i.t = time.Time{}
	case time.Time:
		*i.t = v.UTC()
	case string, []byte:
		s, _ := textOf(v)
		t, err := time.Parse("2006-01-02 15:04:05.999999999-07:00", s)
		if err != nil {
			return fmt.Errorf("timestamp %q: %w", s, err)
		}
		*i.t = t.UTC()
	default:
		return fmt.Errorf("timestamp: got %T, want a time", src)
	}
	return nil
}
