package segur

import (
	"fmt"
	"strings"
	"time"

	"github.com/segur-numerique/segur/hop"
)

// EtatAvance is what the balance controls are told of a request of status s
// and numeroEditeur editeur, quoted by its own vendor.
func EtatAvance(s StatutDemande, editeur string) hop.EtatAvance {
	i := s.Info()
	return hop.EtatAvance{Connue: true, Soldable: i.Soldable, SoldeEngage: i.SoldeEngage, Statut: i.Libelle, NumeroEditeur: editeur}
}

// DemandeSolde is a balance request accepted by control 2, as the portal
// records it: the balance of the request DonneesSolde.NumeroASP, deposited
// with deposit DepotID. A request refused its balance may get another: each
// is kept, the last one is instructed.
type DemandeSolde struct {
	ID      int64
	DepotID DepotID
	CreeLe  time.Time
	hop.DonneesSolde
}

// DecompteSolde is the balance of a request as its validation computes it
// (process.md, Amounts), with the calculation in French.
type DecompteSolde struct {
	Finance    int64 // the amount financed
	FactureHT  int64 // the invoice, HT
	Facture    int64 // the invoice on the request's basis: HT, or TTC with the VAT
	Retenu     int64 // min(Finance, Facture)
	Avance     int64 // 30 % of Finance
	APayer     int64
	ARecouvrer int64
	Calcul     string
}

// CalculerSolde computes the balance of request d from its balance s:
// min(amount financed, invoice on the same basis) − advance, to pay, or to
// recover when negative.
func CalculerSolde(d *Demande, s *DemandeSolde, prog Programme) DecompteSolde {
	r := DecompteSolde{Finance: d.MontantFinance, FactureHT: s.MontantFactureHTCents,
		Facture: MontantPrestation(d.RegimeTVA, s.MontantFactureHTCents, prog), Avance: Avance(d.MontantFinance)}
	r.Retenu = min(r.Finance, r.Facture)
	r.APayer, r.ARecouvrer = Solde(r.Finance, r.Facture, r.Avance)
	var b strings.Builder
	fmt.Fprintf(&b, "Facture %s du %s : %s HT", s.NumeroFacture, s.DateFacture, Euros(r.FactureHT))
	if d.RegimeTVA == "TTC" {
		fmt.Fprintf(&b, ", soit %s TTC (TVA de %d,%02d %%)", Euros(r.Facture), prog.TauxTVA/100, prog.TauxTVA%100)
	}
	fmt.Fprintf(&b, " ; montant financé : %s ; retenu : le moindre des deux, %s ; avance de 30 %% : %s ; ", Euros(r.Finance), Euros(r.Retenu), Euros(r.Avance))
	if r.ARecouvrer > 0 {
		fmt.Fprintf(&b, "solde négatif : %s à recouvrer.", Euros(r.ARecouvrer))
	} else {
		fmt.Fprintf(&b, "solde à payer : %s.", Euros(r.APayer))
	}
	r.Calcul = b.String()
	return r
}
