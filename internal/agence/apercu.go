package agence

import (
	"context"
	"time"

	"github.com/segur-numerique/segur"
)

// Apercu is what a démarche would do to a request, computed as Agir
// computes it but with nothing written, generated or sent: what a
// confirmation page states before the agent confirms.
type Apercu struct {
	Demande    *segur.Demande
	Changement segur.Changement
	// MontantFinance and Calcul are a validation's amount and how it was
	// computed; Avance is the advance it leads to (0 otherwise).
	MontantFinance int64
	Calcul         string
	Avance         int64
	// SoldeAPayer and ARecouvrer are a balance's validation's amounts,
	// CalculSolde how they were computed.
	SoldeAPayer, ARecouvrer int64
	CalculSolde             string
	// Document is the document the change issues, "" for none.
	Document segur.TypeDocument
	// Courriel reports whether the vendor is mailed.
	Courriel bool
}

// Prevoir returns what démarche a would do to the request of ASP number
// asp, or why it would be refused (the state machine's refusal, a missing
// reason, a withdrawal before the end of the signing period), without
// writing anything.
func (in *Instruction) Prevoir(ctx context.Context, asp string, a Acte) (Apercu, error) {
	d, err := in.Store.FindDemandeByASP(ctx, asp)
	if err != nil {
		return Apercu{}, err
	}
	m := a.Demarche
	ap := Apercu{Demande: d}
	rec := segur.EnregistrementDe(d.Statut, m.Action)
	if rec&segur.EnregistreFinancement != 0 {
		ref, _, err := in.Store.FindReference(ctx)
		if err != nil {
			return Apercu{}, err
		}
		m.MontantFinance, ap.Calcul = segur.CalculFinancement(d, ref, in.Programme)
		ap.MontantFinance, ap.Avance = m.MontantFinance, segur.Avance(m.MontantFinance)
	}
	if rec&segur.EnregistreSolde != 0 {
		soldes, err := in.Store.FindSoldes(ctx, asp)
		if err != nil {
			return Apercu{}, err
		}
		if len(soldes) == 0 {
			return Apercu{}, segur.Errorf(segur.ECONFLICT, "demande %s : aucun solde déposé", asp)
		}
		r := segur.CalculerSolde(d, &soldes[len(soldes)-1], in.Programme)
		m.SoldeAPayer, m.ARecouvrer, ap.CalculSolde = r.APayer, r.ARecouvrer, r.Calcul
		ap.SoldeAPayer, ap.ARecouvrer = r.APayer, r.ARecouvrer
	}
	c, t, err := d.Prevoir(m, in.Now(), in.Programme)
	if err != nil {
		return Apercu{}, err
	}
	if m.Action == segur.ActionRetirer {
		fin, err := in.RetraitPossible(ctx, d)
		if err != nil {
			return Apercu{}, err
		}
		if in.Now().Before(fin) {
			return Apercu{}, segur.Errorf(segur.EFORBIDDEN, "retrait impossible : le fournisseur peut signer la convention jusqu'au %s",
				fin.In(in.Paris).Format("02/01/2006 à 15:04"))
		}
	}
	ap.Changement, ap.Document, ap.Courriel = c, c.Vers.Info().Document, t.Courriel != ""
	return ap, nil
}

// RetraitPossible returns when the offer made to request d may be
// withdrawn: the end of the signing period of its last convention, zero
// when it has none.
func (in *Instruction) RetraitPossible(ctx context.Context, d *segur.Demande) (time.Time, error) {
	docs, err := in.Store.FindDocuments(ctx, d.NumeroASP)
	if err != nil {
		return time.Time{}, err
	}
	return finSignature(docs, in.DelaiSignature), nil
}

// finSignature is the end of the signing period of the last convention of
// docs, zero when there is none.
func finSignature(docs []segur.Document, delai int) time.Time {
	if conv := dernier(docs, segur.DocumentConvention); conv != nil {
		return conv.CreeLe.AddDate(0, 0, delai)
	}
	return time.Time{}
}

// PrevoirLot is Prevoir for a request of a batch: a validation leaves out
// a request with an alert no agent marked seen, as Lot does, and says so.
func (in *Instruction) PrevoirLot(ctx context.Context, asp string, a Acte) (Apercu, error) {
	if a.Action == segur.ActionValider {
		if err := in.sansAlerteNonVue(ctx, asp); err != nil {
			return Apercu{}, err
		}
	}
	return in.Prevoir(ctx, asp, a)
}
