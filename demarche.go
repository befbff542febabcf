package segur

import (
	"context"
	"time"
)

// Tx is a write transaction of the store, in which the use cases of the
// instruction, the batches and the controls read and write: their rules
// are here, in the domain; the store offers the primitives (Store.Write).
type Tx interface {
	DemarcheTx
	LotTx
	ControleTx
}

// DemarcheTx is what applying a démarche needs of a write transaction: the
// store's clock, the request read and locked, the batch a payment of it
// waits in, and the writing of a change. Deposits (DepotTx), batches
// (LotTx) and controls (ControleTx) apply démarches in their own
// transactions, which offer it too.
type DemarcheTx interface {
	// Maintenant is the store's clock, as it records times (UTC).
	Maintenant() time.Time
	// LockDemande reads the request of ASP number asp, locked until the
	// transaction ends; ENOTFOUND when there is none.
	LockDemande(ctx context.Context, asp string) (*Demande, error)
	// FindLotEnAttente returns the first batch not yet paid (draft or
	// approved) in which a payment of request id waits, if any.
	FindLotEnAttente(ctx context.Context, id DemandeID) (LotID, bool, error)
	// CreateChangement records change c of request d with what e says:
	// the new status and what the transition records, the document, the
	// attachment, the establishments now financed, the history row, the
	// mail to queue and the audit event.
	CreateChangement(ctx context.Context, d *Demande, c Changement, e Ecriture) error
}

// Ecriture is what a change writes beside a request's new status, as the
// state machine and the démarche decided it.
type Ecriture struct {
	// Agent is the request's agent from now on, "" to keep it.
	Agent string
	// Financement: MontantFinance and its Calcul are recorded.
	Financement    bool
	MontantFinance int64
	Calcul         string
	// Solde: the balance's SoldeAPayer and ARecouvrer are recorded.
	Solde                   bool
	SoldeAPayer, ARecouvrer int64
	Document                *Document     // issued or uploaded with the change
	Piece                   *PieceVersion // sent with a completion
	// Finances are the FINESS of the establishments a financing covers
	// from now on (a request entering a status that holds one).
	Finances []string
	Courriel *Courriel // to the vendor, through the outbox
}

// AppliquerDemarche applies démarche m to the request of ASP number asp in
// transaction tx: the request is read and locked, moved by the state
// machine, and the change written with what follows from it (s: the
// amount's calculation, the document issued, the attachment sent, the mail
// to the vendor). Nothing is written if the request is no longer in
// s.Attendu (another agent acted meanwhile: ECONFLICT), or if a payment of
// it waits in a batch and the démarche is not that payment (the batch
// could no longer be paid: ECONFLICT).
func AppliquerDemarche(ctx context.Context, tx DemarcheTx, asp string, m Demarche, prog Programme, s Suites) (Changement, error) {
	d, err := tx.LockDemande(ctx, asp)
	if err != nil {
		return Changement{}, err
	}
	if s.Attendu != "" && d.Statut != s.Attendu {
		return Changement{}, Errorf(ECONFLICT, "la demande %s est passée au statut « %s » entre-temps : rien n'a été fait ; rechargez la page", asp, d.Statut)
	}
	de := d.Statut
	c, t, err := d.appliquer(m, tx.Maintenant(), prog)
	if err != nil {
		return c, err
	}
	if de.Info().Paiement != "" && !t.Enregistre(EnregistreVersement) {
		// Only the payment itself moves a request whose payment waits in
		// a batch: any other move would leave that batch unpayable.
		lot, ok, err := tx.FindLotEnAttente(ctx, d.ID)
		if err != nil {
			return c, err
		}
		if ok {
			return c, Errorf(ECONFLICT, "%s impossible pour l'instant : un paiement de la demande %s attend dans le lot %s ; recommencez une fois ce lot payé (ou annulé s'il est en préparation)",
				m.Action.Libelle(), asp, FormatLot(lot))
		}
	}
	e := Ecriture{Document: s.Document, Piece: s.Piece, Courriel: s.Courriel}
	if t.Enregistre(EnregistreAgent) {
		e.Agent = m.Login
	}
	if t.Enregistre(EnregistreFinancement) {
		e.Financement, e.MontantFinance, e.Calcul = true, m.MontantFinance, s.Calcul
	}
	if t.Enregistre(EnregistreSolde) {
		e.Solde, e.SoldeAPayer, e.ARecouvrer = true, m.SoldeAPayer, m.ARecouvrer
	}
	if c.Vers.Finance() && !c.De.Finance() {
		for _, cl := range d.Clients {
			e.Finances = append(e.Finances, cl.FINESSPMSI)
		}
	}
	c.Adresse, c.Document = s.Adresse, s.Vise
	if s.Document != nil {
		c.Document, c.DocumentHTML = s.Document.Fichier.SHA256, s.Document.HTML
	}
	return c, tx.CreateChangement(ctx, d, c, e)
}

// Ecrivain is a store that runs a use case in one of its write
// transactions: fn gets the transaction's context and primitives.
type Ecrivain interface {
	Write(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
}

// Ecrire runs use case fn in one transaction of w and returns its result:
// all its writes, or none of them.
func Ecrire[T any](ctx context.Context, w Ecrivain, fn func(ctx context.Context, tx Tx) (T, error)) (T, error) {
	var v T
	err := w.Write(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		v, err = fn(ctx, tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}
