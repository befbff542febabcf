package api

import (
	"net/http"
	"strings"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// AvisJSON is a payment notice: one transfer to the vendor, and the
// payments it made.
type AvisJSON struct {
	Reference    string             `json:"reference"`
	Lot          string             `json:"lot"`
	DatePaiement string             `json:"datePaiement"` // JJ/MM/AAAA, as the format writes dates
	Montant      string             `json:"montant"`      // as montantSegurHT: 4125.00
	Paiements    []PaiementAvisJSON `json:"paiements"`
	URL          string             `json:"url"` // the PDF
	// URLHTML is its accessible HTML version's, null for a notice issued
	// before those versions existed.
	URLHTML *string `json:"urlHTML"`
}

// PaiementAvisJSON is one payment of a notice.
type PaiementAvisJSON struct {
	NumeroASP     string `json:"numeroASP"`
	NumeroEditeur string `json:"numeroEditeur"`
	Nature        string `json:"nature"` // avance or solde
	Montant       string `json:"montant"`
}

func (a *API) getAvisListe(w http.ResponseWriter, r *http.Request) error {
	limit, offset, num, err := page(r)
	if err != nil {
		return err
	}
	avis, total, err := a.Store.FindAvisFournisseur(r.Context(), fournisseur(r.Context()).ID, limit, offset)
	if err != nil {
		return err
	}
	out := struct {
		Avis    []AvisJSON `json:"avis"`
		Total   int        `json:"total"`
		Page    int        `json:"page"`
		ParPage int        `json:"parPage"`
	}{Avis: []AvisJSON{}, Total: total, Page: num, ParPage: limit}
	for _, v := range avis {
		if len(v.Paiements) == 0 { // the list reads notices without their lines
			full, err := a.Store.FindAvis(r.Context(), v.Reference)
			if err != nil {
				return err
			}
			v = *full
		}
		j := AvisJSON{Reference: v.Reference, Lot: segur.FormatLot(v.LotID), DatePaiement: v.DatePaiement.String(),
			Montant: hop.MontantTexte(v.Montant), Paiements: []PaiementAvisJSON{}, URL: "/api/v1/avis/" + v.Reference}
		if v.HTML != "" {
			u := j.URL + "/html"
			j.URLHTML = &u
		}
		for _, p := range v.Paiements {
			j.Paiements = append(j.Paiements, PaiementAvisJSON{p.NumeroASP, p.NumeroEditeur, string(p.Nature), hop.MontantTexte(p.Montant)})
		}
		out.Avis = append(out.Avis, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

// getAvis sends a notice's PDF as it was sent: another vendor's is not
// found.
func (a *API) getAvis(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("reference")
	v, err := a.Store.FindAvis(r.Context(), ref)
	if segur.IsCode(err, segur.ENOTFOUND) || err == nil && v.FournisseurID != fournisseur(r.Context()).ID {
		return segur.Errorf(segur.ENOTFOUND, "avis de paiement introuvable")
	}
	if err != nil {
		return err
	}
	if strings.HasSuffix(r.URL.Path, "/html") {
		if v.HTML == "" {
			return segur.Errorf(segur.ENOTFOUND, "l'avis de paiement %s n'a pas de version HTML : il a été émis avant leur mise en place", ref)
		}
		return a.telecharger(w, r, segur.BlobRef{SHA256: v.HTML}, "text/html; charset=utf-8", strings.TrimSuffix(v.NomFichier(), ".pdf")+".html")
	}
	return a.telecharger(w, r, v.Fichier, "application/pdf", v.NomFichier())
}
