package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/segur-numerique/segur"
)

// FindPopulation returns the ASP numbers, sorted, of the requests in one
// of statuts with no open control.
func (e *ecriture) FindPopulation(ctx context.Context, statuts []segur.StatutDemande) ([]string, error) {
	var args []any
	in := placeholders(&args, statuts...)
	return queryAll(ctx, e.tx, func(s scanner) (string, error) {
		var asp string
		return asp, s.Scan(&asp)
	}, "population du tirage", `SELECT numero_asp FROM demandes d WHERE statut IN (`+in+`)
		AND NOT EXISTS (SELECT 1 FROM controles c WHERE c.demande_id = d.id AND c.etat = 'ouvert') ORDER BY numero_asp`, args...)
}

// CreateTirage records draw t and opens a control per request drawn.
func (e *ecriture) CreateTirage(ctx context.Context, t *segur.Tirage) error {
	var id int64
	err := e.tx.QueryRowContext(ctx, `INSERT INTO tirages (graine, taux, population, empreinte, candidats, echantillon, par, quand)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		t.Graine, t.Taux, t.Population, t.Empreinte, strings.Join(t.Candidats, "\n"), t.Tires, t.Par, t.Quand).Scan(&id)
	if err != nil {
		return fmt.Errorf("sqlstore: tirage: %w", err)
	}
	t.ID = segur.TirageID(id)
	for _, asp := range t.Echantillon {
		_, err := e.tx.ExecContext(ctx, `INSERT INTO controles (demande_id, tirage_id, etat, ouvert_le, ouvert_par)
			SELECT id, $1, 'ouvert', $2, $3 FROM demandes WHERE numero_asp = $4`, id, t.Quand, t.Par, asp)
		if violationOf(err) == uniqueViolation {
			return segur.Errorf(segur.ECONFLICT, "La demande %s a reçu un contrôle entre-temps : rien n'est tiré ; tirez de nouveau.", asp)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: contrôle de %s: %w", asp, err)
		}
	}
	return e.db.audit(ctx, e.tx, t.Quand, "controle.tirer", fmt.Sprintf("tirage:%d", id), map[string]any{
		"graine": strconv.FormatInt(t.Graine, 10), "taux": t.Taux, "population": t.Population, "empreinte": t.Empreinte,
		"echantillon": t.Echantillon})
}

// CreateControle opens control c of request d: one open control per
// request (a unique index), else ECONFLICT.
func (e *ecriture) CreateControle(ctx context.Context, c *segur.Controle, d *segur.Demande) error {
	var cid int64
	err := e.tx.QueryRowContext(ctx, `INSERT INTO controles (demande_id, etat, ouvert_le, ouvert_par) VALUES ($1, 'ouvert', $2, $3) RETURNING id`,
		int64(d.ID), c.OuvertLe, c.OuvertPar).Scan(&cid)
	if violationOf(err) == uniqueViolation {
		return segur.Errorf(segur.ECONFLICT, "Un contrôle de la demande %s est déjà en cours.", d.NumeroASP)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: contrôle de %s: %w", d.NumeroASP, err)
	}
	c.ID = segur.ControleID(cid)
	return e.db.audit(ctx, e.tx, c.OuvertLe, "controle.ouvrir", fmt.Sprintf("controle:%d", cid), map[string]string{"demande": d.NumeroASP})
}

// controleColumns are the columns scanControle reads, of controles c
// joined with demandes d.
const controleColumns = `c.id, COALESCE(c.tirage_id, 0), d.numero_asp, d.fournisseur_id, c.etat, c.ouvert_le, c.ouvert_par,
	c.conclu_le, COALESCE(c.conclu_par, ''), c.motif, COALESCE(c.montant_reverse_cents, 0), COALESCE(c.ordre_reference, '')`

// scanControle reads controleColumns, then the columns of more.
func scanControle(s scanner, more ...any) (segur.Controle, error) {
	var (
		c      segur.Controle
		etat   string
		conclu sql.NullTime
	)
	err := s.Scan(append([]any{&c.ID, &c.TirageID, &c.NumeroASP, &c.FournisseurID, &etat, &c.OuvertLe, &c.OuvertPar,
		&conclu, &c.ConcluPar, &c.Motif, &c.MontantReverse, &c.Ordre}, more...)...)
	c.Etat, c.OuvertLe, c.ConcluLe = segur.EtatControle(etat), c.OuvertLe.UTC(), timeOrZero(conclu)
	return c, err
}

// FindControle returns control id with its messages and files, or an
// ENOTFOUND.
func (db *DB) FindControle(ctx context.Context, id segur.ControleID) (*segur.Controle, error) {
	c, err := scanControle(db.r.QueryRowContext(ctx, `SELECT `+controleColumns+` FROM controles c
		JOIN demandes d ON d.id = c.demande_id WHERE c.id = $1`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "contrôle %d introuvable", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: contrôle %d: %w", id, err)
	}
	if c.Messages, err = queryAll(ctx, db.r, func(s scanner) (segur.MessageControle, error) {
		var m segur.MessageControle
		err := s.Scan(&m.ID, &m.Texte, &m.Par, &m.Quand)
		m.Quand = m.Quand.UTC()
		return m, err
	}, "messages du contrôle", `SELECT id, texte, par, quand FROM controle_messages WHERE controle_id = $1 ORDER BY id`, int64(id)); err != nil {
		return nil, err
	}
	if c.Pieces, err = piecesControle(ctx, db.r, id); err != nil {
		return nil, err
	}
	return &c, nil
}

// piecesControle reads the files of control id, oldest first.
func piecesControle(ctx context.Context, q querier, id segur.ControleID) ([]segur.PieceControle, error) {
	return queryAll(ctx, q, func(s scanner) (segur.PieceControle, error) {
		var p segur.PieceControle
		err := s.Scan(&p.ID, &p.Nom, &p.Format, &p.Fichier.SHA256, &p.Fichier.Taille, &p.DeposeLe, &p.Par)
		p.DeposeLe = p.DeposeLe.UTC()
		return p, err
	}, "pièces du contrôle", `SELECT id, nom, format, sha256, taille, depose_le, par FROM controle_pieces WHERE controle_id = $1 ORDER BY id`, int64(id))
}

// FindControles returns the controls f selects, newest first, without
// their messages and files, and how many there are in all.
func (db *DB) FindControles(ctx context.Context, f segur.ControleFilter) ([]segur.Controle, int, error) {
	from, args := whereControles(f)
	return queryPage(ctx, db, scanControle, "contrôles",
		`SELECT `+controleColumns+`, count(*) OVER ()`+from+` ORDER BY c.id DESC`, `SELECT count(*)`+from,
		f.Limit, f.Offset, args...)
}

// EachControle calls fn on every control f selects (Limit and Offset
// ignored), newest first, read by one query as the rows come. fn's error
// stops the reading and is returned as it is.
func (db *DB) EachControle(ctx context.Context, f segur.ControleFilter, fn func(*segur.Controle) error) error {
	from, args := whereControles(f)
	return eachExport(ctx, db, func(s scanner) (segur.Controle, error) { return scanControle(s) }, "contrôles",
		`SELECT `+controleColumns+from+` ORDER BY c.id DESC`, fn, args...)
}

// whereControles is the FROM and WHERE clauses of the controls f selects,
// with their arguments.
func whereControles(f segur.ControleFilter) (string, []any) {
	var w conditions
	if f.FournisseurID != 0 {
		w.add("d.fournisseur_id = ?", int64(f.FournisseurID))
	}
	if f.Etat != "" {
		w.add("c.etat = ?", string(f.Etat))
	}
	if f.TirageID != 0 {
		w.add("c.tirage_id = ?", int64(f.TirageID))
	}
	if f.NumeroASP != "" {
		w.add("d.numero_asp = ?", f.NumeroASP)
	}
	return ` FROM controles c JOIN demandes d ON d.id = c.demande_id` + w.clause(), w.args
}

// tirageColumns are the columns scanTirage reads.
const tirageColumns = `id, graine, taux, population, empreinte, echantillon, par, quand`

func scanTirage(s scanner, more ...any) (segur.Tirage, error) {
	var t segur.Tirage
	err := s.Scan(append([]any{&t.ID, &t.Graine, &t.Taux, &t.Population, &t.Empreinte, &t.Tires, &t.Par, &t.Quand}, more...)...)
	t.Quand = t.Quand.UTC()
	return t, err
}

// FindTirages returns the draws, newest first, without their population
// nor sample (their size only, Tires), and how many there are in all.
func (db *DB) FindTirages(ctx context.Context, limit, offset int) ([]segur.Tirage, int, error) {
	return queryPage(ctx, db, scanTirage, "tirages",
		`SELECT `+tirageColumns+`, count(*) OVER () FROM tirages ORDER BY id DESC`, `SELECT count(*) FROM tirages`, limit, offset)
}

// FindTirage returns draw id with its population (Candidats) and its
// sample (the requests of its controls), or an ENOTFOUND.
func (db *DB) FindTirage(ctx context.Context, id segur.TirageID) (*segur.Tirage, error) {
	var candidats string
	t, err := scanTirage(db.r.QueryRowContext(ctx, `SELECT `+tirageColumns+`, candidats FROM tirages WHERE id = $1`, int64(id)), &candidats)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "tirage %d introuvable", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: tirage %d: %w", id, err)
	}
	if candidats != "" {
		t.Candidats = strings.Split(candidats, "\n")
	}
	// The controls of a draw were opened with it, in its transaction.
	if t.Echantillon, err = queryAll(ctx, db.r, func(s scanner) (string, error) {
		var asp string
		return asp, s.Scan(&asp)
	}, "échantillon", `SELECT d.numero_asp FROM controles c JOIN demandes d ON d.id = c.demande_id
		WHERE c.tirage_id = $1 ORDER BY d.numero_asp`, int64(id)); err != nil {
		return nil, err
	}
	return &t, nil
}

// LockControle reads control id with its files, its row locked.
func (e *ecriture) LockControle(ctx context.Context, id segur.ControleID) (*segur.Controle, error) {
	c, err := scanControle(e.tx.QueryRowContext(ctx, `SELECT `+controleColumns+` FROM controles c JOIN demandes d ON d.id = c.demande_id
		WHERE c.id = $1`+e.db.forUpdate(), int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "contrôle %d introuvable", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: contrôle %d: %w", id, err)
	}
	if c.Pieces, err = piecesControle(ctx, e.tx, id); err != nil {
		return nil, err
	}
	return &c, nil
}

// CreateMessageControle records message m of control id and queues mail.
func (e *ecriture) CreateMessageControle(ctx context.Context, id segur.ControleID, m *segur.MessageControle, mail *segur.Courriel) error {
	now := e.db.clock()
	var mid int64
	if err := e.tx.QueryRowContext(ctx, `INSERT INTO controle_messages (controle_id, texte, par, quand) VALUES ($1, $2, $3, $4) RETURNING id`,
		int64(id), m.Texte, m.Par, now).Scan(&mid); err != nil {
		return fmt.Errorf("sqlstore: message du contrôle %d: %w", id, err)
	}
	if mail != nil {
		if err := e.db.enfilerCourriel(ctx, e.tx, now, mail); err != nil {
			return err
		}
	}
	if err := e.db.audit(ctx, e.tx, now, "controle.message", fmt.Sprintf("controle:%d", id), map[string]any{"message": mid}); err != nil {
		return err
	}
	m.ID, m.Quand = mid, now
	return nil
}

// CreatePieceControle records file p of control id.
func (e *ecriture) CreatePieceControle(ctx context.Context, id segur.ControleID, p *segur.PieceControle) error {
	now := e.db.clock()
	var pid int64
	if err := e.tx.QueryRowContext(ctx, `INSERT INTO controle_pieces (controle_id, nom, format, sha256, taille, depose_le, par)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		int64(id), p.Nom, p.Format, p.Fichier.SHA256, p.Fichier.Taille, now, p.Par).Scan(&pid); err != nil {
		return fmt.Errorf("sqlstore: pièce du contrôle %d: %w", id, err)
	}
	if err := e.db.audit(ctx, e.tx, now, "controle.piece", fmt.Sprintf("controle:%d", id), map[string]any{
		"piece": pid, "nom": p.Nom, "format": p.Format, "sha256": p.Fichier.SHA256, "taille": p.Fichier.Taille}); err != nil {
		return err
	}
	p.ID, p.DeposeLe = pid, now
	return nil
}

// UpdateControle records the outcome of control c if it is still open,
// queues mail, and writes the audit event.
func (e *ecriture) UpdateControle(ctx context.Context, c *segur.Controle, mail *segur.Courriel) error {
	if mail != nil {
		if err := e.db.enfilerCourriel(ctx, e.tx, c.ConcluLe, mail); err != nil {
			return err
		}
	}
	var montant, ordre any
	if c.Etat == segur.ControleNonConforme {
		montant, ordre = c.MontantReverse, c.Ordre
	}
	res, err := e.tx.ExecContext(ctx, `UPDATE controles SET etat = $1, conclu_le = $2, conclu_par = $3, motif = $4,
		montant_reverse_cents = $5, ordre_reference = $6 WHERE id = $7 AND etat = 'ouvert'`,
		string(c.Etat), c.ConcluLe, c.ConcluPar, c.Motif, montant, ordre, int64(c.ID))
	if err != nil {
		return fmt.Errorf("sqlstore: contrôle %d: %w", c.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return segur.Errorf(segur.ECONFLICT, "Le contrôle %s a changé entre-temps : rien n'a été fait ; rechargez la page.", c.Reference())
	}
	return e.db.audit(ctx, e.tx, c.ConcluLe, "controle.conclure", fmt.Sprintf("controle:%d", c.ID), map[string]any{
		"demande": c.NumeroASP, "etat": string(c.Etat), "motif": c.Motif, "montant_reverse": c.MontantReverse, "ordre": c.Ordre})
}

// FindVersements returns what the payments of batches marked paid (not
// cancelled) paid on the request of ASP number asp: its advance and its
// balance, 0 when none.
func (db *DB) FindVersements(ctx context.Context, asp string) (avance, solde int64, err error) {
	rows, err := db.r.QueryContext(ctx, `SELECT p.nature, `+somme("p.montant_cents")+` FROM paiements p
		JOIN lots_paiement l ON l.id = p.lot_id JOIN demandes d ON d.id = p.demande_id
		WHERE d.numero_asp = $1 AND l.etat = 'paye' AND NOT p.annule GROUP BY p.nature`, asp)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlstore: versements de %s: %w", asp, err)
	}
	err = eachRow(rows, func(r *sql.Rows) error {
		var (
			nature  segur.NaturePaiement
			montant int64
		)
		if err := r.Scan(&nature, &montant); err != nil {
			return err
		}
		switch nature {
		case segur.PaiementAvance:
			avance = montant
		case segur.PaiementSolde:
			solde = montant
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("sqlstore: versements de %s: %w", asp, err)
	}
	return avance, solde, nil
}
