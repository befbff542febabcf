package agence

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/document"
)

// ControleStore is what the controls a posteriori need of the database.
type ControleStore interface {
	FindDemandeByASP(ctx context.Context, numeroASP string) (*segur.Demande, error)
	FindFournisseurByID(ctx context.Context, id segur.FournisseurID) (*segur.Fournisseur, error)
	FindDocuments(ctx context.Context, asp string) ([]segur.Document, error)
	// FindVersements returns what the payments of batches paid paid on a
	// request: its advance and its balance.
	FindVersements(ctx context.Context, asp string) (avance, solde int64, err error)
	FindControle(ctx context.Context, id segur.ControleID) (*segur.Controle, error)
	FindControles(ctx context.Context, f segur.ControleFilter) ([]segur.Controle, int, error)
	// Write runs the domain's steps of a control in one transaction.
	Write(ctx context.Context, fn func(ctx context.Context, tx segur.Tx) error) error
}

// Controles runs the controls a posteriori (process.md, step 5): draws,
// requests for documents, the vendor's files, the outcome and its order
// of recovery.
type Controles struct {
	Store     ControleStore
	Blobs     segur.Blobs
	Log       *slog.Logger
	Now       func() time.Time
	Paris     *time.Location
	Programme segur.Programme
	// LienControle is the address of a control in the vendor's space, for
	// mails ("" to leave it out).
	LienControle func(id segur.ControleID) string
	// DelaiReversement is the days a vendor has to pay back (30 if 0).
	DelaiReversement int
}

// Tirer draws rate taux (basis points) of the paid requests with seed graine.
func (c *Controles) Tirer(ctx context.Context, taux int, graine int64, login string) (*segur.Tirage, error) {
	return segur.Ecrire(ctx, c.Store, func(ctx context.Context, tx segur.Tx) (*segur.Tirage, error) {
		return segur.TirerEchantillon(ctx, tx, taux, graine, login)
	})
}

// errApercu ends the transaction a preview reads in: rolled back.
var errApercu = errors.New("agence: preview, nothing written")

// PrevoirTirage returns the draw Tirer would make now with rate taux and
// seed graine, or why it would be refused, without recording it or opening
// any control. The population is read as TirerEchantillon reads it, in a
// write transaction, then rolled back: no draw number is used up.
func (c *Controles) PrevoirTirage(ctx context.Context, taux int, graine int64) (*segur.Tirage, error) {
	var t *segur.Tirage
	err := c.Store.Write(ctx, func(ctx context.Context, tx segur.Tx) error {
		pop, err := tx.FindPopulation(ctx, segur.Statuts(func(i segur.InfoStatut) bool { return i.Controlable }))
		if err != nil {
			return err
		}
		if len(pop) == 0 {
			return segur.Errorf(segur.EINVALID, "Aucune demande à tirer : aucune demande payée sans contrôle en cours.")
		}
		if t, err = segur.Tirer(pop, taux, graine); err != nil {
			return err
		}
		return errApercu
	})
	if errors.Is(err, errApercu) {
		return t, nil
	}
	return nil, err
}

// PrevoirOuverture returns the request of ASP number asp that Ouvrir would
// control, or why it would be refused (not found, not controllable, under
// control already), without writing anything.
func (c *Controles) PrevoirOuverture(ctx context.Context, asp string) (*segur.Demande, error) {
	d, err := c.Store.FindDemandeByASP(ctx, asp)
	if segur.IsCode(err, segur.ENOTFOUND) {
		return nil, segur.Errorf(segur.ENOTFOUND, "Demande %s introuvable.", asp)
	}
	if err != nil {
		return nil, err
	}
	if !d.Statut.Controlable() {
		return nil, segur.Errorf(segur.ECONFLICT, "La demande %s est au statut « %s » : seules les demandes dont l'avance est payée, sans reversement ordonné, se contrôlent.", asp, d.Statut.Libelle())
	}
	_, n, err := c.Store.FindControles(ctx, segur.ControleFilter{NumeroASP: asp, Etat: segur.ControleOuvert, Limit: 1})
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, segur.Errorf(segur.ECONFLICT, "Un contrôle de la demande %s est déjà en cours.", asp)
	}
	return d, nil
}

// Ouvrir opens a control of the request of ASP number asp, picked by hand.
func (c *Controles) Ouvrir(ctx context.Context, asp, login string) (*segur.Controle, error) {
	return segur.Ecrire(ctx, c.Store, func(ctx context.Context, tx segur.Tx) (*segur.Controle, error) {
		return segur.OuvrirControle(ctx, tx, asp, login)
	})
}

// ApercuMessage is a message to the vendor as Demander would record and
// mail it, with nothing written or sent.
type ApercuMessage struct {
	Texte       string
	Controle    *segur.Controle
	Demande     *segur.Demande
	Fournisseur *segur.Fournisseur
}

// PrevoirMessage returns message texte to the vendor of control id as
// Demander would record and mail it, or why it would refuse it (empty or
// too long, the control closed), without writing or mailing anything.
func (c *Controles) PrevoirMessage(ctx context.Context, id segur.ControleID, texte string) (ApercuMessage, error) {
	texte, err := segur.ValiderMessage(texte)
	if err != nil {
		return ApercuMessage{}, err
	}
	ctl, d, f, err := c.lire(ctx, id)
	if err != nil {
		return ApercuMessage{}, err
	}
	if ctl.Etat != segur.ControleOuvert {
		return ApercuMessage{}, segur.Errorf(segur.ECONFLICT, "Le contrôle %s est clos : il n'est plus possible d'écrire au fournisseur.", ctl.Reference())
	}
	return ApercuMessage{Texte: texte, Controle: ctl, Demande: d, Fournisseur: f}, nil
}

// Demander records a message to the vendor of control id (the documents
// the agency asks for) and mails it.
func (c *Controles) Demander(ctx context.Context, id segur.ControleID, texte, login string) error {
	ap, err := c.PrevoirMessage(ctx, id, texte)
	if err != nil {
		return err
	}
	ctl, d, f, texte := ap.Controle, ap.Demande, ap.Fournisseur, ap.Texte
	m := &segur.MessageControle{Texte: texte, Par: login}
	mail := segur.CourrielPiecesControle(ctl, d, f.Nom, []string{f.Email}, texte, c.lien(id))
	return c.Store.Write(ctx, func(ctx context.Context, tx segur.Tx) error {
		return segur.AjouterMessageControle(ctx, tx, id, m, aEnvoyer(c.Log, mail, f))
	})
}

// Deposer records file p, stored already, that vendor fournisseur sent for
// its control id: another vendor's control is not found.
func (c *Controles) Deposer(ctx context.Context, id segur.ControleID, fournisseur segur.FournisseurID, p *segur.PieceControle) error {
	ctl, err := c.Store.FindControle(ctx, id)
	if err != nil {
		return err
	}
	if ctl.FournisseurID != fournisseur {
		return segur.Errorf(segur.ENOTFOUND, "contrôle %d introuvable", id)
	}
	if err := ctl.ValiderPiece(p); err != nil {
		return err
	}
	return c.Store.Write(ctx, func(ctx context.Context, tx segur.Tx) error { return segur.AjouterPieceControle(ctx, tx, id, p) })
}

// Conclure records outcome cl of control id by agent a (its roles, login
// and address): compliant, or not, with the order of recovery as PDF, the
// request moved to reversement_ordonne, and the vendor mailed, in one
// transaction. It returns the control concluded.
func (c *Controles) Conclure(ctx context.Context, id segur.ControleID, cl segur.Conclusion, a Acte) (*segur.Controle, error) {
	ctl, d, f, err := c.lire(ctx, id)
	if err != nil {
		return nil, err
	}
	avance, solde, err := Verse(ctx, c.Store, d)
	if err != nil {
		return nil, err
	}
	now := c.Now()
	if err := ctl.Conclure(cl, avance+solde, a.Login, now); err != nil {
		return nil, err
	}
	mail := segur.CourrielConclusionControle(ctl, d, f.Nom, []string{f.Email}, c.lien(id))
	if ctl.Etat == segur.ControleConforme {
		return ctl, c.conclure(ctx, ctl, segur.Demarche{}, segur.Suites{Courriel: aEnvoyer(c.Log, mail, f)})
	}
	m := segur.Demarche{Action: segur.ActionReverser, Roles: a.Roles, Login: a.Login, Raison: ctl.Motif}
	// The state machine's refusal (role, status) before any PDF is made.
	preview := *d
	if _, err := preview.Appliquer(m, now, c.Programme); err != nil {
		return nil, err
	}
	docs, err := c.Store.FindDocuments(ctx, d.NumeroASP)
	if err != nil {
		return nil, err
	}
	delai := c.DelaiReversement
	if delai <= 0 {
		delai = delaiReversement
	}
	r := document.Reversement{Date: now.In(c.Paris), Fournisseur: f.Nom, SIRET: f.SIRET,
		NumeroASP: d.NumeroASP, NumeroEditeur: d.NumeroEditeur, NumeroAns: d.NumeroAns, Logiciel: d.Logiciel,
		Controle: ctl.Reference(), MontantFinance: d.MontantFinance, AvanceVersee: avance, SoldeVerse: solde,
		MontantReverse: ctl.MontantReverse, Motif: ctl.Motif, DelaiPaiement: delai}
	doc, err := ordreReversement(ctx, c.Blobs, docs, r)
	if err != nil {
		return nil, err
	}
	ctl.Ordre = doc.Reference
	mail.PieceSHA256 = doc.Fichier.SHA256
	s := segur.Suites{Attendu: d.Statut, Document: doc, Courriel: aEnvoyer(c.Log, mail, f), Adresse: a.Adresse}
	return ctl, c.conclure(ctx, ctl, m, s)
}

// ApercuConclusion is what an outcome would do to a control, computed as
// Conclure computes it but with nothing written, generated or sent: what
// the confirmation page states before the agent confirms.
type ApercuConclusion struct {
	// Controle is the control as it would be concluded (its state, reason
	// and amount to recover); Demande its request, now.
	Controle *segur.Controle
	Demande  *segur.Demande
	// Avance and Solde are what was paid on the request.
	Avance, Solde int64
	// Changement is the request's change of a non-compliant outcome.
	Changement segur.Changement
	// DelaiReversement is the days the vendor will have to pay back.
	DelaiReversement int
}

// PrevoirConclusion returns what outcome cl of control id by agent a would
// do, or why Conclure would refuse it (closed already, no reason, an
// amount above what was paid, the state machine), without writing
// anything.
func (c *Controles) PrevoirConclusion(ctx context.Context, id segur.ControleID, cl segur.Conclusion, a Acte) (ApercuConclusion, error) {
	ctl, d, _, err := c.lire(ctx, id)
	if err != nil {
		return ApercuConclusion{}, err
	}
	ap := ApercuConclusion{Controle: ctl, Demande: d, DelaiReversement: c.DelaiReversement}
	if ap.DelaiReversement <= 0 {
		ap.DelaiReversement = delaiReversement
	}
	if ap.Avance, ap.Solde, err = Verse(ctx, c.Store, d); err != nil {
		return ApercuConclusion{}, err
	}
	now := c.Now()
	if err := ctl.Conclure(cl, ap.Avance+ap.Solde, a.Login, now); err != nil {
		return ApercuConclusion{}, err
	}
	if ctl.Etat == segur.ControleNonConforme {
		m := segur.Demarche{Action: segur.ActionReverser, Roles: a.Roles, Login: a.Login, Raison: ctl.Motif}
		if ap.Changement, _, err = d.Prevoir(m, now, c.Programme); err != nil {
			return ApercuConclusion{}, err
		}
	}
	return ap, nil
}

// conclure records control ctl's outcome in one transaction.
func (c *Controles) conclure(ctx context.Context, ctl *segur.Controle, m segur.Demarche, s segur.Suites) error {
	return c.Store.Write(ctx, func(ctx context.Context, tx segur.Tx) error {
		return segur.ConclureControle(ctx, tx, ctl, m, c.Programme, s)
	})
}

// Verse returns what was paid on request d: its payments in batches
// paid when it has any, else what its status tells (segur.MontantsVerses:
// a request paid before the payments were recorded).
func Verse(ctx context.Context, s interface {
	FindVersements(ctx context.Context, asp string) (avance, solde int64, err error)
}, d *segur.Demande) (avance, solde int64, err error) {
	if avance, solde, err = s.FindVersements(ctx, d.NumeroASP); err != nil || avance+solde > 0 {
		return avance, solde, err
	}
	avance, solde = segur.MontantsVerses(d)
	return avance, solde, nil
}

// lire reads control id, its request and the request's vendor.
func (c *Controles) lire(ctx context.Context, id segur.ControleID) (*segur.Controle, *segur.Demande, *segur.Fournisseur, error) {
	ctl, err := c.Store.FindControle(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	d, err := c.Store.FindDemandeByASP(ctx, ctl.NumeroASP)
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := c.Store.FindFournisseurByID(ctx, d.FournisseurID)
	if err != nil {
		return nil, nil, nil, err
	}
	return ctl, d, f, nil
}

func (c *Controles) lien(id segur.ControleID) string {
	if c.LienControle == nil {
		return ""
	}
	return c.LienControle(id)
}
