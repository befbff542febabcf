package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/segur-numerique/segur"
)

// routesSoldes registers the pages of the balance requests: the
// attachments of a request's balance, for the instructors and for the
// request's vendor. The balance itself shows on the request's page (the
// "solde" block of dossier.html), its deposit through the deposit form.
func (s *Server) routesSoldes(pages *http.ServeMux) {
	pages.Handle("GET /agence/demandes/{asp}/soldes/{id}/pieces/{n}",
		s.handle(s.agent(s.avecDemande(s.pieceSolde), segur.RoleInstructeur, segur.RoleAdmin)))
	pages.Handle("GET /demandes/{asp}/soldes/{id}/pieces/{n}", s.handle(s.authentifie(s.demandeDuFournisseur(s.pieceSolde))))
}

// SoldeVue is the balance of a request as its page shows it: the last
// balance deposited, the amounts on the request's basis, its attachments.
type SoldeVue struct {
	ID                                  int64
	NumeroFacture, DateFacture          string
	MontantFactureHT, DateMiseEnService string
	RegimeTVA                           string
	Facture                             string // the invoice on the request's basis (HT, or TTC with the VAT)
	MontantFinance, Avance, Retenu      string
	APayer, ARecouvrer                  string // "" when nothing
	// Valide is true once a validation recorded the amounts; before, they
	// are what the validation would record now.
	Valide     bool
	Calcul     string
	ImpID      string
	Recu       string
	Pieces     []PieceVue
	Precedents int // balances deposited before this one (refused)
	// ColonneAntivirus: a piece has a verdict to show.
	ColonneAntivirus bool
}

// soldeVue returns the balance block of request d, nil when no balance was
// deposited; base is the request's URL prefix; av says the antivirus's
// verdicts on its pieces.
func (s *Server) soldeVue(ctx context.Context, d *segur.Demande, base string, av *vuesAntivirus) (*SoldeVue, error) {
	soldes, err := s.Store.FindSoldes(ctx, d.NumeroASP)
	if err != nil || len(soldes) == 0 {
		return nil, err
	}
	so := &soldes[len(soldes)-1]
	r := segur.CalculerSolde(d, so, s.programme())
	v := &SoldeVue{ID: so.ID, NumeroFacture: so.NumeroFacture, DateFacture: so.DateFacture.String(),
		MontantFactureHT: segur.Euros(so.MontantFactureHTCents), DateMiseEnService: so.DateMiseEnService.String(),
		RegimeTVA: d.RegimeTVA, Facture: segur.Euros(r.Facture), MontantFinance: segur.Euros(r.Finance), Avance: segur.Euros(r.Avance),
		Retenu: segur.Euros(r.Retenu), Calcul: r.Calcul, Recu: s.date(so.CreeLe), Precedents: len(soldes) - 1}
	payer, recouvrer := r.APayer, r.ARecouvrer
	if i := d.Statut.Info(); i.SoldeArrete {
		// What the validation recorded (a reversal ordered by a control
		// records nothing here: the computed amounts stay shown).
		if d.SoldeAPayer > 0 || d.ARecouvrer > 0 || i.SoldePaye {
			v.Valide, payer, recouvrer = true, d.SoldeAPayer, d.ARecouvrer
		}
	}
	if recouvrer > 0 {
		v.ARecouvrer = segur.Euros(recouvrer)
	} else {
		v.APayer = segur.Euros(payer)
	}
	dep, err := s.Store.FindDepotByID(ctx, so.DepotID)
	if err != nil {
		return nil, err
	}
	v.ImpID = dep.ImpID
	for i, p := range so.Pieces {
		pv := PieceVue{Type: p.Type, Nom: p.NomFichier, Format: p.Format, Version: "déposée avec le solde",
			Lien: fmt.Sprintf("%s/soldes/%d/pieces/%d", base, so.ID, i+1), Image: p.Format != "PDF"}
		// The balance deposit's zip, as pieceDuDepot serves it.
		if err := av.marquer(ctx, &pv, dep.Zip.SHA256, p.NomFichier); err != nil {
			return nil, err
		}
		v.Pieces = append(v.Pieces, pv)
	}
	v.ColonneAntivirus = avecTexte(v.Pieces)
	return v, nil
}

// pieceSolde sends the n-th (from 1) attachment of balance {id} of request
// d, read from its deposit's zip and checked again (size, CRC, format).
func (s *Server) pieceSolde(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
	id, err := idChemin(r, "id", "Ce solde")
	if err != nil {
		return err
	}
	n, err := idChemin(r, "n", "Cette pièce")
	if err != nil {
		return err
	}
	soldes, err := s.Store.FindSoldes(r.Context(), d.NumeroASP)
	if err != nil {
		return err
	}
	var so *segur.DemandeSolde
	for i := range soldes {
		if soldes[i].ID == id {
			so = &soldes[i]
		}
	}
	if so == nil {
		return introuvable("Ce solde")
	}
	if n > int64(len(so.Pieces)) {
		return introuvable("Cette pièce")
	}
	return s.pieceDuDepot(w, r, so.DepotID, so.Pieces[n-1])
}
