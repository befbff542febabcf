package agence

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/document"
	"github.com/segur-numerique/segur/internal/sepa"
)

// PaiementStore is what the payments need of the database.
type PaiementStore interface {
	FindLot(ctx context.Context, id segur.LotID) (*segur.Lot, error)
	FindFournisseurByID(ctx context.Context, id segur.FournisseurID) (*segur.Fournisseur, error)
	// Write runs the domain's steps of a batch in one transaction.
	Write(ctx context.Context, fn func(ctx context.Context, tx segur.Tx) error) error
}

// Paiements carries out the payment officers' steps: preparing, approving
// and cancelling a batch, its SEPA credit transfer file, and the marking
// of a batch paid, with its payment notices and their mails.
type Paiements struct {
	Store     PaiementStore
	Blobs     segur.Blobs
	Log       *slog.Logger
	Now       func() time.Time
	Paris     *time.Location
	Programme segur.Programme
	// Payeur is the agency's account the transfers are paid from.
	Payeur sepa.Compte
	// Lien is the address of the notices in the vendor's space, for mails.
	Lien string
}

// PayeurDemo is the demo's account of the agency: a fictitious account
// number at the Trésor public's bank code, with a valid IBAN key.
var PayeurDemo = sepa.Compte{Nom: "Agence de services et de paiement", IBAN: "FR7610071750000000100000177", BIC: "TRPUFRP1"}

// jour is t's civil date in Europe/Paris.
func (p *Paiements) jour(t time.Time) hop.Date {
	y, m, d := t.In(p.Paris).Date()
	return hop.Date{Annee: y, Mois: int(m), Jour: d}
}

// Ordre is the SEPA credit transfer of batch l: one block, debiting the
// agency's account, one transfer per vendor of its total, identified by
// the batch and the vendor, its text carrying the payment notice's
// reference and as many ASP numbers as fit. Each transfer credits the
// account its payments carry: the vendor's details when the batch was
// prepared, not those of now. The message's identifier is
// the batch's, the same at each download: a bank refuses a second file
// with the identifier of one it executed. fs are the vendors.
func (p *Paiements) Ordre(l *segur.Lot, fs map[segur.FournisseurID]*segur.Fournisseur, now time.Time) (sepa.Ordre, error) {
	if l.Etat != segur.LotApprouve && l.Etat != segur.LotPaye {
		return sepa.Ordre{}, segur.Errorf(segur.EFORBIDDEN, "le virement du lot %s n'existe qu'une fois le lot approuvé (il est « %s »)", l.Reference(), l.Etat.Libelle())
	}
	execution := p.jour(now)
	if l.Etat == segur.LotPaye {
		execution = l.PayeLe
	}
	r := sepa.Remise{ID: l.Reference(), Execution: execution, Debiteur: p.Payeur}
	for _, v := range l.Versements() {
		f := fs[v.FournisseurID]
		if f == nil {
			return sepa.Ordre{}, fmt.Errorf("agence: lot %s: vendor %d unknown", l.Reference(), v.FournisseurID)
		}
		if v.IBAN == "" || v.BIC == "" {
			return sepa.Ordre{}, segur.Errorf(segur.EINVALID, "virement du lot %s : %s (SIRET %s) n'avait pas de coordonnées bancaires à la préparation du lot", l.Reference(), f.Nom, f.SIRET)
		}
		avis := segur.ReferenceAvis(l.ID, v.Rang)
		asps := make([]string, len(v.Paiements))
		for i, pa := range v.Paiements {
			asps[i] = pa.NumeroASP
		}
		r.Virements = append(r.Virements, sepa.Virement{InstrID: fmt.Sprintf("%s-F%d", l.Reference(), f.ID), EndToEndID: avis,
			Montant: v.Montant, Creancier: sepa.Compte{Nom: f.Nom, IBAN: v.IBAN, BIC: v.BIC}, Libelle: sepa.Libelle(avis, asps)})
	}
	return sepa.Ordre{MsgID: "SEGUR-" + l.Reference(), CreeLe: now.In(p.Paris), Initiateur: p.Payeur.Nom, Remises: []sepa.Remise{r}}, nil
}

// fournisseurs reads the vendors of batch l.
func (p *Paiements) fournisseurs(ctx context.Context, l *segur.Lot) (map[segur.FournisseurID]*segur.Fournisseur, error) {
	fs := map[segur.FournisseurID]*segur.Fournisseur{}
	for _, v := range l.Versements() {
		f, err := p.Store.FindFournisseurByID(ctx, v.FournisseurID)
		if err != nil {
			return nil, err
		}
		fs[f.ID] = f
	}
	return fs, nil
}

// Virement writes the SEPA credit transfer file (pain.001.001.03) of
// approved batch id to w, and returns its file name.
func (p *Paiements) Virement(ctx context.Context, id segur.LotID, w io.Writer) (string, error) {
	l, err := p.Store.FindLot(ctx, id)
	if err != nil {
		return "", err
	}
	fs, err := p.fournisseurs(ctx, l)
	if err != nil {
		return "", err
	}
	o, err := p.Ordre(l, fs, p.Now())
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := sepa.Ecrire(&b, o); err != nil {
		return "", err
	}
	_, err = w.Write(b.Bytes())
	return "virement-" + l.Reference() + ".xml", err
}

// MarquerPaye records that approved batch id was paid by transfer on date
// le (Europe/Paris), by login from adresse: each vendor's payment notice
// is written (PDF) and stored, its mail composed, then the store moves
// the requests and records the notices and mails in one transaction.
func (p *Paiements) MarquerPaye(ctx context.Context, id segur.LotID, le hop.Date, login, adresse string) (*segur.Lot, error) {
	l, err := p.Store.FindLot(ctx, id)
	if err != nil {
		return nil, err
	}
	now := p.Now()
	r := segur.Reglement{Login: login, Adresse: adresse, Le: le, Aujourdhui: p.jour(now)}
	// Refused here with the domain's message before any document is made;
	// the store checks again under its lock.
	apercu := *l
	if err := apercu.MarquerPaye(login, le, r.Aujourdhui, now); err != nil {
		return nil, err
	}
	fs, err := p.fournisseurs(ctx, l)
	if err != nil {
		return nil, err
	}
	for _, v := range l.Versements() {
		f := fs[v.FournisseurID]
		a := segur.Avis{Reference: segur.ReferenceAvis(l.ID, v.Rang), LotID: l.ID, FournisseurID: f.ID, DatePaiement: le,
			Montant: v.Montant, Paiements: v.Paiements, Par: login}
		da := document.Avis{Reference: a.Reference, Lot: l.Reference(), Date: now.In(p.Paris), DatePaiement: le, Payeur: p.Payeur.Nom,
			Fournisseur: f.Nom, SIRET: f.SIRET, IBAN: v.IBAN, BIC: v.BIC}
		for _, pa := range v.Paiements {
			da.Lignes = append(da.Lignes, document.LigneAvis{NumeroASP: pa.NumeroASP, NumeroEditeur: pa.NumeroEditeur, Nature: pa.Nature, Montant: pa.Montant})
		}
		var b bytes.Buffer
		if err := document.EcrireAvis(&b, da); err != nil {
			return nil, fmt.Errorf("avis %s: %w", a.Reference, err)
		}
		var h bytes.Buffer
		if err := document.EcrireAvisHTML(&h, da); err != nil {
			return nil, fmt.Errorf("avis %s (HTML): %w", a.Reference, err)
		}
		if a.Fichier, err = p.Blobs.Put(ctx, &b, MaxDocument); err != nil {
			return nil, err
		}
		html, err := p.Blobs.Put(ctx, &h, MaxDocument)
		if err != nil {
			return nil, err
		}
		a.HTML = html.SHA256
		// The notice names the account the batch credited.
		credite := *f
		credite.IBAN, credite.BIC = v.IBAN, v.BIC
		mail := segur.CourrielAvis(&a, &credite, p.Lien)
		mail.PieceSHA256 = a.Fichier.SHA256
		a.Courriel = aEnvoyer(p.Log, mail, f)
		r.Avis = append(r.Avis, a)
	}
	return segur.Ecrire(ctx, p.Store, func(ctx context.Context, tx segur.Tx) (*segur.Lot, error) {
		return segur.MarquerLotPaye(ctx, tx, id, r, p.Programme)
	})
}

// Creer prepares a draft batch of the payments due: all of them (asps
// empty) or those of the ASP numbers given, by login.
func (p *Paiements) Creer(ctx context.Context, asps []string, login string) (*segur.Lot, error) {
	return segur.Ecrire(ctx, p.Store, func(ctx context.Context, tx segur.Tx) (*segur.Lot, error) {
		return segur.CreerLot(ctx, tx, asps, login)
	})
}

// Approuver approves draft batch id by login, who decided none of its
// requests.
func (p *Paiements) Approuver(ctx context.Context, id segur.LotID, login string) (*segur.Lot, error) {
	return segur.Ecrire(ctx, p.Store, func(ctx context.Context, tx segur.Tx) (*segur.Lot, error) {
		return segur.ApprouverLot(ctx, tx, id, login)
	})
}

// Annuler cancels draft batch id by login: its payments are due again.
func (p *Paiements) Annuler(ctx context.Context, id segur.LotID, login string) (*segur.Lot, error) {
	return segur.Ecrire(ctx, p.Store, func(ctx context.Context, tx segur.Tx) (*segur.Lot, error) {
		return segur.AnnulerLot(ctx, tx, id, login)
	})
}
