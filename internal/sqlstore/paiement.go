package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
)

// The payments: batches of payments, from the requests' payments due to
// the payment notices. A request is paid at most once for each kind: the
// unique index paiements_une_fois holds it, whatever two payment officers
// do at the same moment.

// paiementsDus reads the payments due: the requests on which
// segur.PaiementDu finds one, without a payment of that kind in a batch
// that is not cancelled. By vendor, then ASP number.
func paiementsDus(ctx context.Context, q querier) ([]segur.Paiement, error) {
	// The kind of payment each status owes, as the status table says.
	var args []any
	dus := segur.Statuts(func(i segur.InfoStatut) bool { return i.Paiement != "" })
	nature := "CASE d.statut"
	for _, s := range dus {
		nature += " WHEN " + placeholders(&args, s) + " THEN " + placeholders(&args, s.Info().Paiement)
	}
	nature += " END"
	in := placeholders(&args, dus...)
	ds, err := queryAll(ctx, q, func(s scanner) (segur.Demande, error) {
		var d segur.Demande
		err := s.Scan(&d.ID, &d.NumeroASP, &d.NumeroEditeur, &d.FournisseurID, &d.Statut, &d.MontantFinance, &d.SoldeAPayer)
		return d, err
	}, "paiements dus", `SELECT d.id, d.numero_asp, d.numero_editeur, d.fournisseur_id, d.statut,
		COALESCE(d.montant_finance_cents, 0), COALESCE(d.solde_a_payer_cents, 0)
		FROM demandes d WHERE d.statut IN (`+in+`) AND NOT EXISTS (SELECT 1 FROM paiements p WHERE p.demande_id = d.id AND NOT p.annule
			AND p.nature = `+nature+`)
		ORDER BY d.fournisseur_id, d.numero_asp`, args...)
	if err != nil {
		return nil, err
	}
	out := []segur.Paiement{}
	for i := range ds {
		if p, ok := segur.PaiementDu(&ds[i]); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// FindPaiementsDus returns the payments due, outside any batch: by
// vendor, then ASP number.
func (db *DB) FindPaiementsDus(ctx context.Context) ([]segur.Paiement, error) {
	return paiementsDus(ctx, db.r)
}

// FindPaiementsDus returns the payments due that no batch holds.
func (e *ecriture) FindPaiementsDus(ctx context.Context) ([]segur.Paiement, error) {
	return paiementsDus(ctx, e.tx)
}

// FindCoordonnees returns, by vendor, its IBAN and BIC in force, in one
// statement: the details of a batch are those of one moment.
func (e *ecriture) FindCoordonnees(ctx context.Context) (map[segur.FournisseurID]segur.Coordonnees, error) {
	type banque struct {
		id segur.FournisseurID
		c  segur.Coordonnees
	}
	bs, err := queryAll(ctx, e.tx, func(s scanner) (banque, error) {
		var b banque
		return b, s.Scan(&b.id, &b.c.IBAN, &b.c.BIC)
	}, "coordonnées bancaires", `SELECT id, iban, bic FROM fournisseurs`)
	if err != nil {
		return nil, err
	}
	banques := make(map[segur.FournisseurID]segur.Coordonnees, len(bs))
	for _, b := range bs {
		banques[b.id] = b.c
	}
	return banques, nil
}

// CreateLot records new batch l and its payments: a payment of l another
// batch holds (the unique index paiements_une_fois) is an ECONFLICT.
func (e *ecriture) CreateLot(ctx context.Context, l *segur.Lot) error {
	var id int64
	if err := e.tx.QueryRowContext(ctx, `INSERT INTO lots_paiement (etat, cree_le, cree_par) VALUES ($1, $2, $3) RETURNING id`,
		string(l.Etat), l.CreeLe, l.CreePar).Scan(&id); err != nil {
		return fmt.Errorf("sqlstore: create lot: %w", err)
	}
	l.ID = segur.LotID(id)
	for i := range l.Paiements {
		p := &l.Paiements[i]
		p.LotID = l.ID
		err := e.tx.QueryRowContext(ctx, `INSERT INTO paiements (lot_id, demande_id, fournisseur_id, nature, montant_cents, iban, bic) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			id, int64(p.DemandeID), int64(p.FournisseurID), string(p.Nature), p.Montant, p.IBAN, p.BIC).Scan(&p.ID)
		if violationOf(err) == uniqueViolation {
			return segur.Errorf(segur.ECONFLICT, "le paiement (%s) de la demande %s est déjà dans un autre lot : rien n'est fait ; rechargez la page",
				strings.ToLower(p.Nature.Libelle()), p.NumeroASP)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: paiement de %s: %w", p.NumeroASP, err)
		}
	}
	return e.db.audit(ctx, e.tx, l.CreeLe, "lot.creer", "lot:"+l.Reference(), map[string]any{
		"paiements": len(l.Paiements), "montant_cents": l.Montant})
}

// LockLot reads batch id with its payments and locks its row.
func (e *ecriture) LockLot(ctx context.Context, id segur.LotID) (*segur.Lot, error) {
	return e.db.lireLot(ctx, e.tx, id, true)
}

// FindDecideurs returns the current status of the requests of batch id and
// the logins that took one of actions on them.
func (e *ecriture) FindDecideurs(ctx context.Context, id segur.LotID, actions []segur.Action) (map[string]segur.StatutDemande, map[string][]string, error) {
	type row struct{ asp, statut, par string }
	args := []any{int64(id)}
	rows, err := queryAll(ctx, e.tx, func(s scanner) (row, error) {
		var r row
		var par sql.NullString
		err := s.Scan(&r.asp, &r.statut, &par)
		r.par = par.String
		return r, err
	}, "décideurs du lot", `SELECT d.numero_asp, d.statut, h.par FROM paiements p
		JOIN demandes d ON d.id = p.demande_id
		LEFT JOIN demande_historique h ON h.demande_id = d.id AND h.action IN (`+placeholders(&args, actions...)+`)
		WHERE p.lot_id = $1`, args...)
	if err != nil {
		return nil, nil, err
	}
	statuts := map[string]segur.StatutDemande{}
	decideurs := map[string][]string{}
	for _, r := range rows {
		statuts[r.asp] = segur.StatutDemande(r.statut)
		if r.par != "" {
			decideurs[r.asp] = append(decideurs[r.asp], r.par)
		}
	}
	return statuts, decideurs, nil
}

// UpdateLot records batch l's new state (approved, paid or cancelled) with
// who and when, if it is still in state de, and its audit event; a
// cancelled batch's payments are cancelled with it.
func (e *ecriture) UpdateLot(ctx context.Context, l *segur.Lot, de segur.EtatLot, adresse string) error {
	var (
		set    string
		args   []any
		quand  time.Time
		action string
		detail = map[string]any{"paiements": len(l.Paiements), "montant_cents": l.Montant}
	)
	switch l.Etat {
	case segur.LotApprouve:
		set, args, quand, action = `approuve_le = $3, approuve_par = $4`, []any{l.ApprouveLe, l.ApprouvePar}, l.ApprouveLe, "lot.approuver"
	case segur.LotAnnule:
		set, args, quand, action = `annule_le = $3, annule_par = $4`, []any{l.AnnuleLe, l.AnnulePar}, l.AnnuleLe, "lot.annuler"
	case segur.LotPaye:
		set, args, quand, action = `paye_le = $3, marque_le = $4, marque_par = $5`, []any{jour(l.PayeLe), l.MarqueLe, l.MarquePar}, l.MarqueLe, "lot.payer"
		detail["paye_le"], detail["adresse"] = jour(l.PayeLe), adresse
	default:
		return fmt.Errorf("sqlstore: lot %s: state %q", l.Reference(), l.Etat)
	}
	if err := changerEtatLot(ctx, e.tx, l, de, set, args...); err != nil {
		return err
	}
	if l.Etat == segur.LotAnnule {
		if _, err := e.tx.ExecContext(ctx, `UPDATE paiements SET annule = true WHERE lot_id = $1`, int64(l.ID)); err != nil {
			return fmt.Errorf("sqlstore: annuler les paiements du lot %s: %w", l.Reference(), err)
		}
	}
	return e.db.audit(ctx, e.tx, quand, action, "lot:"+l.Reference(), detail)
}

// CreateAvis records payment notice a of batch l, its audit event, and
// queues its mail.
func (e *ecriture) CreateAvis(ctx context.Context, l *segur.Lot, a *segur.Avis) error {
	now := e.db.clock()
	_, err := e.tx.ExecContext(ctx, `INSERT INTO avis_paiement (reference, lot_id, fournisseur_id, date_paiement, montant_cents, sha256, taille, cree_le, par, html_sha256)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		a.Reference, int64(l.ID), int64(a.FournisseurID), jour(a.DatePaiement), a.Montant, a.Fichier.SHA256, a.Fichier.Taille, now, a.Par, nullString(a.HTML))
	if violationOf(err) == uniqueViolation {
		return segur.Errorf(segur.ECONFLICT, "l'avis de paiement %s existe déjà : rien n'est fait ; rechargez la page", a.Reference)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: avis %s: %w", a.Reference, err)
	}
	detail := map[string]any{"lot": l.Reference(), "fournisseur": int64(a.FournisseurID), "montant_cents": a.Montant, "sha256": a.Fichier.SHA256}
	if a.HTML != "" {
		detail["html_sha256"] = a.HTML
	}
	if err := e.db.audit(ctx, e.tx, now, "avis.emettre", "avis:"+a.Reference, detail); err != nil {
		return err
	}
	if a.Courriel != nil {
		c := *a.Courriel
		return e.db.enfilerCourriel(ctx, e.tx, now, &c)
	}
	return nil
}

// lotColumns are the columns scanLot reads.
const lotColumns = `l.id, l.etat, l.cree_le, l.cree_par, l.approuve_le, COALESCE(l.approuve_par, ''), COALESCE(l.paye_le, ''),
	l.marque_le, COALESCE(l.marque_par, ''), l.annule_le, COALESCE(l.annule_par, ''),
	(SELECT count(*) FROM paiements p WHERE p.lot_id = l.id), (SELECT CAST(COALESCE(sum(p.montant_cents), 0) AS BIGINT) FROM paiements p WHERE p.lot_id = l.id)`

// scanLot reads lotColumns, then the columns of more.
func scanLot(s scanner, more ...any) (segur.Lot, error) {
	var (
		l                        segur.Lot
		approuve, marque, annule sql.NullTime
		paye                     string
		nombre                   int64
		etat                     string
	)
	dest := append([]any{&l.ID, &etat, &l.CreeLe, &l.CreePar, &approuve, &l.ApprouvePar, &paye,
		&marque, &l.MarquePar, &annule, &l.AnnulePar, &nombre, &l.Montant}, more...)
	if err := s.Scan(dest...); err != nil {
		return l, err
	}
	l.Etat, l.Nombre = segur.EtatLot(etat), int(nombre)
	l.CreeLe, l.ApprouveLe, l.MarqueLe, l.AnnuleLe = l.CreeLe.UTC(), timeOrZero(approuve), timeOrZero(marque), timeOrZero(annule)
	if paye != "" {
		var err error
		if l.PayeLe, err = parseJour(paye); err != nil {
			return l, err
		}
	}
	return l, nil
}

// paiementColumns are the columns scanPaiement reads, from paiements p
// joined with demandes d.
const paiementColumns = `p.id, p.lot_id, p.demande_id, d.numero_asp, d.numero_editeur, p.fournisseur_id, p.nature, p.montant_cents, p.iban, p.bic`

func scanPaiement(s scanner) (segur.Paiement, error) {
	var p segur.Paiement
	var nature string
	err := s.Scan(&p.ID, &p.LotID, &p.DemandeID, &p.NumeroASP, &p.NumeroEditeur, &p.FournisseurID, &nature, &p.Montant, &p.IBAN, &p.BIC)
	p.Nature = segur.NaturePaiement(nature)
	return p, err
}

// lireLot reads batch id with its payments on q; lock, on PostgreSQL,
// locks its row until the transaction ends.
func (db *DB) lireLot(ctx context.Context, q querier, id segur.LotID, lock bool) (*segur.Lot, error) {
	suffix := ""
	if lock {
		suffix = db.forUpdateOf("l")
	}
	l, err := scanLot(q.QueryRowContext(ctx, `SELECT `+lotColumns+` FROM lots_paiement l WHERE l.id = $1`+suffix, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "lot de paiement %s introuvable", segur.FormatLot(id))
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: lot %d: %w", id, err)
	}
	if l.Paiements, err = queryAll(ctx, q, scanPaiement, "paiements du lot", `SELECT `+paiementColumns+`
		FROM paiements p JOIN demandes d ON d.id = p.demande_id WHERE p.lot_id = $1 ORDER BY p.fournisseur_id, d.numero_asp`, int64(id)); err != nil {
		return nil, err
	}
	return &l, nil
}

// FindLot returns batch id with its payments, or an ENOTFOUND.
func (db *DB) FindLot(ctx context.Context, id segur.LotID) (*segur.Lot, error) {
	return db.lireLot(ctx, db.r, id, false)
}

// FindLots returns the batches, newest first, without their payments
// (Nombre and Montant set), and how many there are in all. limit <= 0
// means no limit.
func (db *DB) FindLots(ctx context.Context, limit, offset int) ([]segur.Lot, int, error) {
	return queryPage(ctx, db, scanLot, "lots",
		`SELECT `+lotColumns+`, count(*) OVER () FROM lots_paiement l ORDER BY l.id DESC`,
		`SELECT count(*) FROM lots_paiement`, limit, offset)
}

// changerEtatLot moves batch l, read in state de, to its new state, setting
// the columns of set ($3, $4… are args).
func changerEtatLot(ctx context.Context, tx *sql.Tx, l *segur.Lot, de segur.EtatLot, set string, args ...any) error {
	res, err := tx.ExecContext(ctx, `UPDATE lots_paiement SET etat = $1, `+set+` WHERE id = $2 AND etat = '`+string(de)+`'`,
		append([]any{string(l.Etat), int64(l.ID)}, args...)...)
	if err != nil {
		return fmt.Errorf("sqlstore: lot %s: %w", l.Reference(), err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlstore: lot %s: %w", l.Reference(), err)
	} else if n != 1 {
		return segur.Errorf(segur.ECONFLICT, "le lot %s a changé entre-temps : rien n'est fait ; rechargez la page", l.Reference())
	}
	return nil
}

// avisColumns are the columns scanAvis reads.
const avisColumns = `a.id, a.reference, a.lot_id, a.fournisseur_id, a.date_paiement, a.montant_cents, a.sha256, a.taille, a.cree_le, a.par,
	COALESCE(a.html_sha256, '')`

// scanAvis reads avisColumns, then the columns of more.
func scanAvis(s scanner, more ...any) (segur.Avis, error) {
	var a segur.Avis
	var date string
	if err := s.Scan(append([]any{&a.ID, &a.Reference, &a.LotID, &a.FournisseurID, &date, &a.Montant, &a.Fichier.SHA256, &a.Fichier.Taille, &a.CreeLe, &a.Par, &a.HTML}, more...)...); err != nil {
		return a, err
	}
	a.CreeLe = a.CreeLe.UTC()
	var err error
	a.DatePaiement, err = parseJour(date)
	return a, err
}

// FindAvisDuLot returns the payment notices of batch id, in vendor order,
// without their lines.
func (db *DB) FindAvisDuLot(ctx context.Context, id segur.LotID) ([]segur.Avis, error) {
	return queryAll(ctx, db.r, func(s scanner) (segur.Avis, error) { return scanAvis(s) }, "avis du lot",
		`SELECT `+avisColumns+` FROM avis_paiement a WHERE a.lot_id = $1 ORDER BY a.fournisseur_id`, int64(id))
}

// FindAvisFournisseur returns vendor f's payment notices, newest first,
// without their lines, and how many there are in all.
func (db *DB) FindAvisFournisseur(ctx context.Context, f segur.FournisseurID, limit, offset int) ([]segur.Avis, int, error) {
	return queryPage(ctx, db, scanAvis, "avis",
		`SELECT `+avisColumns+`, count(*) OVER () FROM avis_paiement a WHERE a.fournisseur_id = $1 ORDER BY a.id DESC`,
		`SELECT count(*) FROM avis_paiement WHERE fournisseur_id = $1`, limit, offset, int64(f))
}

// FindAvisDeDemande returns the payment notices that paid the request of
// ASP number asp (advance, balance), oldest first, without their lines.
func (db *DB) FindAvisDeDemande(ctx context.Context, asp string) ([]segur.Avis, error) {
	return queryAll(ctx, db.r, func(s scanner) (segur.Avis, error) { return scanAvis(s) }, "avis de la demande",
		`SELECT `+avisColumns+` FROM avis_paiement a WHERE EXISTS (SELECT 1 FROM paiements p JOIN demandes d ON d.id = p.demande_id
			WHERE p.lot_id = a.lot_id AND p.fournisseur_id = a.fournisseur_id AND NOT p.annule AND d.numero_asp = $1) ORDER BY a.id`, asp)
}

// FindAvis returns the payment notice of reference ref with its lines, or
// an ENOTFOUND.
func (db *DB) FindAvis(ctx context.Context, ref string) (*segur.Avis, error) {
	a, err := scanAvis(db.r.QueryRowContext(ctx, `SELECT `+avisColumns+` FROM avis_paiement a WHERE a.reference = $1`, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "avis de paiement %s introuvable", strings.ToValidUTF8(ref[:min(len(ref), 40)], ""))
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: avis %s: %w", ref, err)
	}
	if a.Paiements, err = queryAll(ctx, db.r, scanPaiement, "lignes de l'avis", `SELECT `+paiementColumns+`
		FROM paiements p JOIN demandes d ON d.id = p.demande_id WHERE p.lot_id = $1 AND p.fournisseur_id = $2 ORDER BY d.numero_asp`,
		int64(a.LotID), int64(a.FournisseurID)); err != nil {
		return nil, err
	}
	return &a, nil
}

// CreateEvenementVirement records in the audit log that the SEPA file nom of batch
// id was handed out, with its SHA-256, to the context's Acteur: the agency
// can tell who took which bank file, and when.
func (db *DB) CreateEvenementVirement(ctx context.Context, id segur.LotID, nom string, contenu []byte) error {
	now := db.clock()
	sum := sha256.Sum256(contenu)
	return db.write(ctx, func(tx *sql.Tx) error {
		return db.audit(ctx, tx, now, "lot.virement", "lot:"+segur.FormatLot(id), map[string]any{
			"fichier": nom, "sha256": hex.EncodeToString(sum[:]), "taille": len(contenu)})
	})
}
