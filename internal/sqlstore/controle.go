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

// TirerEchantillon draws, in one transaction, rate taux (basis points) of
// the requests that may be controlled (segur.StatutsControlables) and
// have no open control, with seed graine (segur.Tirer); it records the
// draw, with its population, and opens a control per request drawn. An
// empty population is an EINVALID: nothing is recorded.
func (db *DB) TirerEchantillon(ctx context.Context, taux int, graine int64, par string) (*segur.Tirage, error) {
	var t *segur.Tirage
	err := db.write(ctx, func(tx *sql.Tx) error {
		var args []any
		in := placeholders(&args, segur.StatutsControlables...)
		rows, err := tx.QueryContext(ctx, `SELECT numero_asp FROM demandes d WHERE statut IN (`+in+`)
			AND NOT EXISTS (SELECT 1 FROM controles c WHERE c.demande_id = d.id AND c.etat = 'ouvert') ORDER BY numero_asp`, args...)
		if err != nil {
			return fmt.Errorf("sqlstore: population du tirage: %w", err)
		}
		var pop []string
		if err := eachRow(rows, func(r *sql.Rows) error {
			var asp string
			err := r.Scan(&asp)
			pop = append(pop, asp)
			return err
		}); err != nil {
			return fmt.Errorf("sqlstore: population du tirage: %w", err)
		}
		if len(pop) == 0 {
			return segur.Errorf(segur.EINVALID, "Aucune demande à tirer : aucune demande payée sans contrôle en cours.")
		}
		if t, err = segur.Tirer(pop, taux, graine); err != nil {
			return err
		}
		t.Par, t.Quand = par, db.clock()
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO tirages (graine, taux, population, empreinte, candidats, echantillon, par, quand)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			t.Graine, t.Taux, t.Population, t.Empreinte, strings.Join(t.Candidats, "\n"), t.Tires, t.Par, t.Quand).Scan(&id)
		if err != nil {
			return fmt.Errorf("sqlstore: tirage: %w", err)
		}
		t.ID = segur.TirageID(id)
		for _, asp := range t.Echantillon {
			_, err := tx.ExecContext(ctx, `INSERT INTO controles (demande_id, tirage_id, etat, ouvert_le, ouvert_par)
				SELECT id, $1, 'ouvert', $2, $3 FROM demandes WHERE numero_asp = $4`, id, t.Quand, par, asp)
			if violationOf(err) == uniqueViolation {
				return segur.Errorf(segur.ECONFLICT, "La demande %s a reçu un contrôle entre-temps : rien n'est tiré ; tirez de nouveau.", asp)
			}
			if err != nil {
				return fmt.Errorf("sqlstore: contrôle de %s: %w", asp, err)
			}
		}
		return audit(ctx, tx, t.Quand, "controle.tirer", fmt.Sprintf("tirage:%d", id), map[string]any{
			"graine": strconv.FormatInt(t.Graine, 10), "taux": t.Taux, "population": t.Population, "empreinte": t.Empreinte,
			"echantillon": t.Echantillon})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// OuvrirControle opens a control of the request of ASP number asp, picked
// by hand by par. A request that cannot be controlled, or is already, is
// an ECONFLICT.
func (db *DB) OuvrirControle(ctx context.Context, asp, par string) (*segur.Controle, error) {
	c := &segur.Controle{NumeroASP: asp, Etat: segur.ControleOuvert, OuvertPar: par}
	err := db.write(ctx, func(tx *sql.Tx) error {
		var (
			id     int64
			statut segur.StatutDemande
		)
		err := tx.QueryRowContext(ctx, `SELECT id, fournisseur_id, statut FROM demandes WHERE numero_asp = $1`+db.forUpdate(), asp).
			Scan(&id, &c.FournisseurID, &statut)
		if errors.Is(err, sql.ErrNoRows) {
			return segur.Errorf(segur.ENOTFOUND, "Demande %s introuvable.", asp)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: demande %s: %w", asp, err)
		}
		if !statut.Controlable() {
			return segur.Errorf(segur.ECONFLICT, "La demande %s est au statut « %s » : seules les demandes dont l'avance est payée, sans reversement ordonné, se contrôlent.", asp, statut.Libelle())
		}
		c.OuvertLe = db.clock()
		var cid int64
		err = tx.QueryRowContext(ctx, `INSERT INTO controles (demande_id, etat, ouvert_le, ouvert_par) VALUES ($1, 'ouvert', $2, $3) RETURNING id`,
			id, c.OuvertLe, par).Scan(&cid)
		if violationOf(err) == uniqueViolation {
			return segur.Errorf(segur.ECONFLICT, "Un contrôle de la demande %s est déjà en cours.", asp)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: contrôle de %s: %w", asp, err)
		}
		c.ID = segur.ControleID(cid)
		return audit(ctx, tx, c.OuvertLe, "controle.ouvrir", fmt.Sprintf("controle:%d", cid), map[string]string{"demande": asp})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// forUpdate locks the rows a transaction reads, on PostgreSQL; SQLite's
// write transactions hold the database already.
func (db *DB) forUpdate() string {
	if db.dialect == dialectPostgres {
		return " FOR UPDATE"
	}
	return ""
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
	if c.Pieces, err = queryAll(ctx, db.r, func(s scanner) (segur.PieceControle, error) {
		var p segur.PieceControle
		err := s.Scan(&p.ID, &p.Nom, &p.Format, &p.Fichier.SHA256, &p.Fichier.Taille, &p.DeposeLe, &p.Par)
		p.DeposeLe = p.DeposeLe.UTC()
		return p, err
	}, "pièces du contrôle", `SELECT id, nom, format, sha256, taille, depose_le, par FROM controle_pieces WHERE controle_id = $1 ORDER BY id`, int64(id)); err != nil {
		return nil, err
	}
	return &c, nil
}

// FindControles returns the controls f selects, newest first, without
// their messages and files, and how many there are in all.
func (db *DB) FindControles(ctx context.Context, f segur.ControleFilter) ([]segur.Controle, int, error) {
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
	from := ` FROM controles c JOIN demandes d ON d.id = c.demande_id` + w.clause()
	return queryPage(ctx, db, scanControle, "contrôles",
		`SELECT `+controleColumns+`, count(*) OVER ()`+from+` ORDER BY c.id DESC`, `SELECT count(*)`+from,
		f.Limit, f.Offset, w.args...)
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

// ouvert reads the state of control id in tx, locked on PostgreSQL, and
// refuses a control not found (ENOTFOUND) or closed (ECONFLICT).
func (db *DB) ouvert(ctx context.Context, tx *sql.Tx, id segur.ControleID, quoi string) error {
	var etat string
	err := tx.QueryRowContext(ctx, `SELECT etat FROM controles WHERE id = $1`+db.forUpdate(), int64(id)).Scan(&etat)
	if errors.Is(err, sql.ErrNoRows) {
		return segur.Errorf(segur.ENOTFOUND, "contrôle %d introuvable", id)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: contrôle %d: %w", id, err)
	}
	if segur.EtatControle(etat) != segur.ControleOuvert {
		return segur.Errorf(segur.ECONFLICT, "Le contrôle %s est clos : %s.", (&segur.Controle{ID: id}).Reference(), quoi)
	}
	return nil
}

// AjouterMessageControle records message m of an open control and queues
// mail c (nil: none) in one transaction; it sets m's ID and Quand.
func (db *DB) AjouterMessageControle(ctx context.Context, id segur.ControleID, m *segur.MessageControle, c *segur.Courriel) error {
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := db.ouvert(ctx, tx, id, "il n'est plus possible d'écrire au fournisseur"); err != nil {
			return err
		}
		var mid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO controle_messages (controle_id, texte, par, quand) VALUES ($1, $2, $3, $4) RETURNING id`,
			int64(id), m.Texte, m.Par, now).Scan(&mid); err != nil {
			return fmt.Errorf("sqlstore: message du contrôle %d: %w", id, err)
		}
		if c != nil {
			if err := enfilerCourriel(ctx, tx, now, c); err != nil {
				return err
			}
		}
		if err := audit(ctx, tx, now, "controle.message", fmt.Sprintf("controle:%d", id), map[string]any{"message": mid}); err != nil {
			return err
		}
		m.ID, m.Quand = mid, now
		return nil
	})
}

// AjouterPieceControle records file p of an open control, checked by the
// domain (segur.Controle.ValiderPiece) with the files it holds; it sets
// p's ID and DeposeLe.
func (db *DB) AjouterPieceControle(ctx context.Context, id segur.ControleID, p *segur.PieceControle) error {
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := db.ouvert(ctx, tx, id, "il ne reçoit plus de pièce"); err != nil {
			return err
		}
		c := &segur.Controle{ID: id, Etat: segur.ControleOuvert}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM controle_pieces WHERE controle_id = $1`, int64(id)).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: pièces du contrôle %d: %w", id, err)
		}
		c.Pieces = make([]segur.PieceControle, n)
		if err := c.ValiderPiece(p); err != nil {
			return err
		}
		var pid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO controle_pieces (controle_id, nom, format, sha256, taille, depose_le, par)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			int64(id), p.Nom, p.Format, p.Fichier.SHA256, p.Fichier.Taille, now, p.Par).Scan(&pid); err != nil {
			return fmt.Errorf("sqlstore: pièce du contrôle %d: %w", id, err)
		}
		if err := audit(ctx, tx, now, "controle.piece", fmt.Sprintf("controle:%d", id), map[string]any{
			"piece": pid, "nom": p.Nom, "format": p.Format, "sha256": p.Fichier.SHA256, "taille": p.Fichier.Taille}); err != nil {
			return err
		}
		p.ID, p.DeposeLe = pid, now
		return nil
	})
}

// ConclureControle records the outcome of control c, concluded by the
// domain (segur.Controle.Conclure), if it is still open (ECONFLICT
// otherwise), in one transaction: for a non-compliant control, démarche m
// (segur.ActionReverser) applied to its request with s (the order of
// recovery, the mail), as AppliquerDemarche does; for a compliant one,
// the mail of s only. It sets c.ConcluLe to the store's time.
func (db *DB) ConclureControle(ctx context.Context, c *segur.Controle, m segur.Demarche, prog segur.Programme, s segur.Suites) error {
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := db.ouvert(ctx, tx, c.ID, "son résultat est déjà enregistré"); err != nil {
			return err
		}
		var montant, ordre any
		switch c.Etat {
		case segur.ControleConforme:
			if s.Courriel != nil {
				if err := enfilerCourriel(ctx, tx, now, s.Courriel); err != nil {
					return err
				}
			}
		case segur.ControleNonConforme:
			if m.Action != segur.ActionReverser || s.Document == nil || c.Ordre != s.Document.Reference {
				return fmt.Errorf("sqlstore: contrôle %d non conforme sans ordre de reversement", c.ID)
			}
			if _, err := db.appliquer(ctx, tx, c.NumeroASP, m, prog, s); err != nil {
				return err
			}
			montant, ordre = c.MontantReverse, c.Ordre
		default:
			return fmt.Errorf("sqlstore: contrôle %d: résultat %q", c.ID, c.Etat)
		}
		res, err := tx.ExecContext(ctx, `UPDATE controles SET etat = $1, conclu_le = $2, conclu_par = $3, motif = $4,
			montant_reverse_cents = $5, ordre_reference = $6 WHERE id = $7 AND etat = 'ouvert'`,
			string(c.Etat), now, c.ConcluPar, c.Motif, montant, ordre, int64(c.ID))
		if err != nil {
			return fmt.Errorf("sqlstore: contrôle %d: %w", c.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return segur.Errorf(segur.ECONFLICT, "Le contrôle %s a changé entre-temps : rien n'a été fait ; rechargez la page.", c.Reference())
		}
		c.ConcluLe = now
		return audit(ctx, tx, now, "controle.conclure", fmt.Sprintf("controle:%d", c.ID), map[string]any{
			"demande": c.NumeroASP, "etat": string(c.Etat), "motif": c.Motif, "montant_reverse": c.MontantReverse, "ordre": c.Ordre})
	})
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
