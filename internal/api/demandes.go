package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
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
	MontantFinance string       `json:"montantFinance,omitempty"`
	Beneficiaires  []ClientJSON `json:"beneficiaires"`
	// Documents are given with one request, not in lists.
	Documents []DocumentJSON `json:"documents,omitempty"`
}

// DocumentJSON is a document the agency issued on a request.
type DocumentJSON struct {
	Reference string    `json:"reference"`
	Type      string    `json:"type"`
	Libelle   string    `json:"libelle"`
	EmisLe    time.Time `json:"emisLe"`
	SHA256    string    `json:"sha256"`
	URL       string    `json:"url"`
	// SHA256HTML and URLHTML are its accessible HTML version's, null for
	// a document issued before those versions existed, and for the
	// vendor's signed convention.
	SHA256HTML *string `json:"sha256HTML"`
	URLHTML    *string `json:"urlHTML"`
}

// ClientJSON is a beneficiary establishment.
type ClientJSON struct {
	NomClient  string `json:"nomClient"`
	FINESSPMSI string `json:"FINESSPMSI"`
}

func demandeJSON(d *segur.Demande) DemandeJSON {
	out := DemandeJSON{NumeroASP: d.NumeroASP, NumeroEditeur: d.NumeroEditeur, Statut: string(d.Statut), NumeroAns: d.NumeroAns,
		Logiciel: string(d.Logiciel), Depot: fmt.Sprintf("/api/v1/depots/%d", d.DepotID), DateCommande: d.DateCommande.String(),
		RegimeTVA: d.RegimeTVA, MontantSegurHT: hop.MontantTexte(d.MontantHTCents), Beneficiaires: []ClientJSON{}}
	if d.MontantFinance > 0 {
		out.MontantFinance = hop.MontantTexte(d.MontantFinance)
	}
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

// demandeDuFournisseur returns the path's request if it is the caller's:
// another vendor's is not found, as if it did not exist.
func (a *API) demandeDuFournisseur(r *http.Request) (*segur.Demande, error) {
	asp := r.PathValue("numeroASP")
	d, err := a.Store.FindDemandeByASP(r.Context(), asp)
	if segur.IsCode(err, segur.ENOTFOUND) || err == nil && d.FournisseurID != fournisseur(r.Context()).ID {
		return nil, segur.Errorf(segur.ENOTFOUND, "demande %s introuvable", asp)
	}
	return d, err
}

func (a *API) getDemande(w http.ResponseWriter, r *http.Request) error {
	d, err := a.demandeDuFournisseur(r)
	if err != nil {
		return err
	}
	docs, err := a.Store.FindDocuments(r.Context(), d.NumeroASP)
	if err != nil {
		return err
	}
	out := demandeJSON(d)
	for _, o := range docs {
		j := DocumentJSON{Reference: o.Reference, Type: string(o.Type), Libelle: o.Type.Libelle(),
			EmisLe: o.CreeLe, SHA256: o.Fichier.SHA256, URL: "/api/v1/demandes/" + d.NumeroASP + "/documents/" + o.Reference}
		if o.HTML != "" {
			h, u := o.HTML, j.URL+"/html"
			j.SHA256HTML, j.URLHTML = &h, &u
		}
		out.Documents = append(out.Documents, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

// getDocument sends a document of the request as it was sent.
func (a *API) getDocument(w http.ResponseWriter, r *http.Request) error {
	d, err := a.demandeDuFournisseur(r)
	if err != nil {
		return err
	}
	docs, err := a.Store.FindDocuments(r.Context(), d.NumeroASP)
	if err != nil {
		return err
	}
	ref, html := r.PathValue("reference"), strings.HasSuffix(r.URL.Path, "/html")
	for _, o := range docs {
		switch {
		case o.Reference != ref:
		case !html:
			return a.telecharger(w, r, o.Fichier, "application/pdf", o.NomFichier())
		case o.HTML == "":
			return segur.Errorf(segur.ENOTFOUND, "le document %s n'a pas de version HTML : il a été émis avant leur mise en place", ref)
		default:
			return a.telecharger(w, r, segur.BlobRef{SHA256: o.HTML}, "text/html; charset=utf-8", o.NomFichierHTML())
		}
	}
	return segur.Errorf(segur.ENOTFOUND, "document introuvable sur la demande %s", d.NumeroASP)
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
	_, err := w.Write(hop.Modele())
	return err
}
