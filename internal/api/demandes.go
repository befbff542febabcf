package api

import (
	"fmt"
	"net/http"

	"github.com/segur-numerique/segur"
)

// DemandeJSON is an accepted request as the API shows it.
type DemandeJSON struct {
	NumeroASP      string       `json:"numeroASP"`
	NumeroEditeur  string       `json:"numeroEditeur"`
	Statut         string       `json:"statut"`
	NumeroAns      string       `json:"numeroAns"`
	Logiciel       string       `json:"logiciel"`
	Depot          string       `json:"depot"`
	DateCommande   string       `json:"dateCommande"`
	RegimeTVA      string       `json:"regimeTVA"`
	MontantSegurHT string       `json:"montantSegurHT"`
	Beneficiaires  []ClientJSON `json:"beneficiaires"`
}

// ClientJSON is a beneficiary establishment.
type ClientJSON struct {
	NomClient  string `json:"nomClient"`
	FINESSPMSI string `json:"FINESSPMSI"`
}

func demandeJSON(d *segur.Demande) DemandeJSON {
	out := DemandeJSON{NumeroASP: d.NumeroASP, NumeroEditeur: d.NumeroEditeur, Statut: string(d.Statut), NumeroAns: d.NumeroAns,
		Logiciel: string(d.Logiciel), Depot: fmt.Sprintf("/api/v1/depots/%d", d.DepotID), DateCommande: d.DateCommande.String(),
		RegimeTVA: d.RegimeTVA, MontantSegurHT: segur.MontantTexte(d.MontantHTCents), Beneficiaires: []ClientJSON{}}
	for _, c := range d.Clients {
		out.Beneficiaires = append(out.Beneficiaires, ClientJSON{c.Nom, c.FINESSPMSI})
	}
	return out
}

func (a *API) getDemandes(w http.ResponseWriter, r *http.Request) error {
	limit, offset, num, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	filter := segur.DemandeFilter{FournisseurID: fournisseur(r.Context()).ID, NumeroASP: q.Get("numeroASP"),
		NumeroEditeur: q.Get("numeroEditeur"), Statut: segur.StatutDemande(q.Get("statut")), Limit: limit, Offset: offset}
	ds, total, err := a.Store.FindDemandes(r.Context(), filter)
	if err != nil {
		return err
	}
	out := struct {
		Demandes []DemandeJSON `json:"demandes"`
		Total    int           `json:"total"`
		Page     int           `json:"page"`
		ParPage  int           `json:"parPage"`
	}{Demandes: []DemandeJSON{}, Total: total, Page: num, ParPage: limit}
	for i := range ds {
		out.Demandes = append(out.Demandes, demandeJSON(&ds[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) getDemande(w http.ResponseWriter, r *http.Request) error {
	asp := r.PathValue("numeroASP")
	d, err := a.Store.FindDemandeByASP(r.Context(), asp)
	if segur.IsCode(err, segur.ENOTFOUND) || err == nil && d.FournisseurID != fournisseur(r.Context()).ID {
		return segur.Errorf(segur.ENOTFOUND, "demande %s introuvable", asp)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, demandeJSON(d))
}

func (a *API) getNumerosEditeur(w http.ResponseWriter, r *http.Request) error {
	ns, err := a.Store.FindNumerosEditeur(r.Context(), fournisseur(r.Context()).ID)
	if err != nil {
		return err
	}
	if ns == nil {
		ns = []string{}
	}
	return writeJSON(w, http.StatusOK, struct {
		NumerosEditeur []string `json:"numerosEditeur"`
	}{ns})
}

func (a *API) getModele(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="modele-JSON-HOP.json"`)
	_, err := w.Write(segur.Modele())
	return err
}
