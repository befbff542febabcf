package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
)

func init() {
	morePages = append(morePages, "agence-depots.html", "agence-depot.html")
}

// routesDepotsAgence registers the agency's view of deposits: every
// vendor's, the files rejected whole by control 1 among them.
func (s *Server) routesDepotsAgence(pages *http.ServeMux) {
	inst := func(h handler) http.Handler { return s.handle(s.agent(h, segur.RoleInstructeur, segur.RoleAdmin)) }
	pages.Handle("GET /agence/depots", inst(s.getDepotsAgence))
	pages.Handle("GET /agence/depots.csv", inst(s.exporter(exportsAgence, s.getDepotsAgenceCSV)))
	pages.Handle("GET /agence/depots/{id}", inst(s.getDepotAgence))
	pages.Handle("GET /agence/depots/{id}/fichier", inst(s.getFichierDeposeAgence))
	pages.Handle("GET /agence/depots/{id}/fichier-retour", inst(s.getFichierRetourAgence))
}

// PageDepotsAgence is the agency's list of deposits.
type PageDepotsAgence struct {
	Base
	Filtre       FiltreDepots
	Fournisseurs []segur.Fournisseur
	Resultats    []Tri // the outcomes to filter on
	Tailles      []Tri // the page sizes
	Depots       []DepotAgenceVue
	Total        int
	Pagination   Pagination
	CSV          string // the export's URL, with the same filters
}

// FiltreDepots is what the list's form filters on, as typed.
type FiltreDepots struct {
	Fournisseur, Resultat, Du, Au, Taille string
}

// DepotAgenceVue is a deposit in the agency's list.
type DepotAgenceVue struct {
	ID                                         int64
	ImpID, Fournisseur, Recu, NomFichier, Type string
	Resultat, Badge                            string
	Lignes, Acceptees, Rejetees                int
	Rejete                                     bool
	Motif                                      string // the control-1 fault, with its position
}

// taillesPage are the page sizes the list offers; the first is the default.
var taillesPage = []int{parPage, 20, 100, 200}

// filtreDepots reads the list's filter from the query; an invalid field
// is a field message, and is left out of the filter.
func (s *Server) filtreDepots(r *http.Request) (FiltreDepots, segur.DepotFilter, int, []ErreurChamp) {
	q := r.URL.Query()
	t := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	fd := FiltreDepots{Fournisseur: t("fournisseur"), Resultat: t("resultat"), Du: t("du"), Au: t("au"), Taille: t("taille")}
	var f segur.DepotFilter
	var errs []ErreurChamp
	if id, err := strconv.ParseInt(fd.Fournisseur, 10, 64); err == nil && id > 0 {
		f.FournisseurID = segur.FournisseurID(id)
	} else if fd.Fournisseur != "" {
		errs = append(errs, ErreurChamp{"fournisseur", "Fournisseur : choisissez un fournisseur de la liste."})
	}
	if slices.Contains(segur.ResultatsFiltre, segur.ResultatFiltre(fd.Resultat)) {
		f.Resultat = segur.ResultatFiltre(fd.Resultat)
	} else {
		errs = append(errs, ErreurChamp{"resultat", "Résultat : choisissez un résultat de la liste."})
	}
	jour := func(v, champ, nom string) time.Time {
		if v == "" {
			return time.Time{}
		}
		d, err := time.ParseInLocation("2006-01-02", v, s.Paris)
		if err != nil {
			errs = append(errs, ErreurChamp{champ, nom + " : « " + v + " » n'est pas une date ; attendu AAAA-MM-JJ."})
		}
		return d
	}
	f.RecuApres = jour(fd.Du, "du", "Reçu du")
	if au := jour(fd.Au, "au", "Reçu au"); !au.IsZero() {
		f.RecuAvant = au.AddDate(0, 0, 1) // the whole day, in Paris
	}
	taille := taillesPage[0]
	if n, err := strconv.Atoi(fd.Taille); err == nil && slices.Contains(taillesPage, n) {
		taille = n
	} else if fd.Taille != "" {
		errs = append(errs, ErreurChamp{"taille", "Lignes par page : choisissez un nombre de la liste."})
	}
	return fd, f, taille, errs
}

// depotAgenceVue shows deposit d in the agency's list.
func (s *Server) depotAgenceVue(d segur.DepotResume) DepotAgenceVue {
	return DepotAgenceVue{ID: int64(d.ID), ImpID: d.ImpID, Fournisseur: d.Fournisseur, Recu: s.date(d.Recu), NomFichier: d.NomFichier,
		Type: string(d.Type), Resultat: d.Resultat.Libelle(), Badge: string(d.Resultat.Badge()),
		Lignes: d.Resultat.Lignes, Acceptees: d.Resultat.Acceptees, Rejetees: d.Resultat.Lignes - d.Resultat.Acceptees,
		Rejete: d.Statut == segur.DepotRejete, Motif: motifTexte(d.Motif)}
}

func (s *Server) getDepotsAgence(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	fd, filter, taille, errs := s.filtreDepots(r)
	p := PageDepotsAgence{Base: Base{Titre: "Dépôts", Nav: "depots-agence", Utilisateur: utilisateur(ctx), Erreurs: errs}, Filtre: fd}
	var err error
	if p.Fournisseurs, err = s.Store.FindFournisseurs(ctx); err != nil {
		return err
	}
	for _, res := range segur.ResultatsFiltre {
		p.Resultats = append(p.Resultats, Tri{Cle: string(res), Libelle: res.Libelle(), Choisi: res == filter.Resultat})
	}
	for _, n := range taillesPage {
		p.Tailles = append(p.Tailles, Tri{Cle: strconv.Itoa(n), Libelle: strconv.Itoa(n), Choisi: n == taille})
	}
	page := numeroPage(r)
	filter.Limit, filter.Offset = taille, (page-1)*taille
	ds, total, err := s.Store.FindDepotsAgence(ctx, filter)
	if err != nil {
		return err
	}
	p.Total, p.Pagination = total, paginationPar(r, page, total, taille)
	for _, d := range ds {
		p.Depots = append(p.Depots, s.depotAgenceVue(d))
	}
	q := url.Values{}
	for k, v := range map[string]string{"fournisseur": fd.Fournisseur, "resultat": fd.Resultat, "du": fd.Du, "au": fd.Au} {
		if v != "" {
			q.Set(k, v)
		}
	}
	p.CSV = "/agence/depots.csv"
	if len(q) > 0 {
		p.CSV += "?" + q.Encode()
	}
	s.render(w, http.StatusOK, "agence-depots.html", p)
	return nil
}

// lotExport is how many deposits an export reads at a time.
const lotExport = 500

// getDepotsAgenceCSV exports the filtered list, every page, newest first,
// as the agency's other exports (semicolons, UTF-8 with a byte-order mark,
// times in ISO 8601 with their offset in Paris time). It reads the
// deposits 500 at a time, each batch older than the last: its memory does
// not grow with the list.
func (s *Server) getDepotsAgenceCSV(w http.ResponseWriter, r *http.Request) error {
	_, filter, _, errs := s.filtreDepots(r)
	if len(errs) > 0 {
		return segur.Errorf(segur.EINVALID, "%s", errs[0].Message)
	}
	t, err := s.nouveauTableur(w, feuille{nom: "depots", entetes: []string{"Référence", "Fournisseur", "Reçu le", "Fichier", "Type",
		"Numéro ANS", "Résultat", "Demandes", "Acceptées", "Rejetées", "Code du rejet", "Motif du rejet", "Ligne", "Colonne"}}, "csv")
	if err != nil {
		return err
	}
	filter.Limit, filter.Offset = lotExport, 0
	for {
		ds, _, err := s.Store.FindDepotsAgence(r.Context(), filter)
		if err != nil {
			return err
		}
		for _, d := range ds {
			var code, motif, ligne, colonne any
			if m := d.Motif; m != nil {
				code, motif = m.Code, phrase(m.Libelle())
				if m.Ligne > 0 {
					ligne, colonne = m.Ligne, m.Colonne
				}
			}
			if err := t.ligne(d.ImpID, d.Fournisseur, instant(d.Recu.In(s.Paris)), d.NomFichier, string(d.Type), d.NumeroAns,
				d.Resultat.Libelle(), d.Resultat.Lignes, d.Resultat.Acceptees, d.Resultat.Lignes-d.Resultat.Acceptees,
				code, motif, ligne, colonne); err != nil {
				return err
			}
		}
		if len(ds) < lotExport {
			break
		}
		filter.AvantID = ds[len(ds)-1].ID
	}
	return t.fin()
}

// PageDepotAgence is a deposit's page for an agent.
type PageDepotAgence struct {
	PageDepot
	Fournisseur, Type string
	FournisseurID     int64
}

// depotAgence reads the deposit of the path's {id}.
func (s *Server) depotAgence(r *http.Request) (*segur.Depot, error) {
	n, err := idChemin(r, "id", "Ce dépôt")
	if err != nil {
		return nil, err
	}
	return s.Store.FindDepotByID(r.Context(), segur.DepotID(n))
}

func (s *Server) getDepotAgence(w http.ResponseWriter, r *http.Request) error {
	d, err := s.depotAgence(r)
	if err != nil {
		return err
	}
	f, err := s.Store.FindFournisseurByID(r.Context(), d.FournisseurID)
	if err != nil {
		return err
	}
	titre := "Dépôt " + d.ImpID
	if d.ImpID == "" {
		titre = "Dépôt " + d.NomFichier
	}
	p := PageDepotAgence{PageDepot: PageDepot{Base: Base{Titre: titre, Nav: "depots-agence", Utilisateur: utilisateur(r.Context())},
		ID: int64(d.ID), ImpID: d.ImpID, NomFichier: d.NomFichier, NumeroAns: d.NumeroAns, Recu: s.date(d.Recu), Motif: motifTexte(d.Motif)},
		Fournisseur: f.Nom, FournisseurID: int64(f.ID), Type: string(d.Type)}
	p.lignes(r, d, fmt.Sprintf("/agence/depots/%d", d.ID), "/agence/demandes/")
	s.render(w, http.StatusOK, "agence-depot.html", p)
	return nil
}

func (s *Server) getFichierDeposeAgence(w http.ResponseWriter, r *http.Request) error {
	d, err := s.depotAgence(r)
	if err != nil {
		return err
	}
	return s.fichierDepose(w, r, d)
}

func (s *Server) getFichierRetourAgence(w http.ResponseWriter, r *http.Request) error {
	d, err := s.depotAgence(r)
	if err != nil {
		return err
	}
	return s.telecharger(w, r, d.Retour, d.NomFichier)
}
