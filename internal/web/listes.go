package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/segur-numerique/segur"
)

// parPage is the length of a page of a list.
const parPage = 50

// Pagination is a list's page links.
type Pagination struct {
	Page, Pages int
	Precedente  string // URL, "" on the first page
	Suivante    string // URL, "" on the last page
}

func pagination(r *http.Request, page, total int) Pagination {
	return paginationPar(r, page, total, parPage)
}

// paginationPar is pagination for pages of taille rows.
func paginationPar(r *http.Request, page, total, taille int) Pagination {
	p := Pagination{Page: page, Pages: max(1, (total+taille-1)/taille)}
	lien := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Precedente = lien(page - 1)
	}
	if page < p.Pages {
		p.Suivante = lien(page + 1)
	}
	return p
}

// numeroPage reads ?page=, from 1.
func numeroPage(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 1_000_000 {
		return 1
	}
	return n
}

// PageDepots is the list of the vendor's deposits.
type PageDepots struct {
	Base
	Depots     []DepotVue
	Total      int
	Pagination Pagination
}

func (s *Server) getDepots(w http.ResponseWriter, r *http.Request) error {
	f, err := s.fournisseur(r)
	if err != nil {
		return err
	}
	page := numeroPage(r)
	ds, total, err := s.Store.FindDepots(r.Context(), f.ID, parPage, (page-1)*parPage)
	if err != nil {
		return err
	}
	p := PageDepots{Base: Base{Titre: "Vos dépôts", Nav: "depots", Utilisateur: utilisateur(r.Context())}, Total: total,
		Pagination: pagination(r, page, total)}
	if p.Depots, err = s.depotsVues(r.Context(), ds); err != nil {
		return err
	}
	s.render(w, http.StatusOK, "depots.html", p)
	return nil
}

// PageDemandes is the list of the vendor's accepted requests.
type PageDemandes struct {
	Base
	Demandes   []DemandeVue
	Total      int
	Filtre     FiltreDemandes
	Tris       []Tri
	Statuts    []Tri
	Pagination Pagination
	CSV        string // the export's URL, with the same filters
}

// FiltreDemandes is what the list's form filters on.
type FiltreDemandes struct {
	NumeroASP, NumeroEditeur, Statut, Tri string
}

// Tri is an order the list can take.
type Tri struct {
	Cle, Libelle string
	Choisi       bool
}

// DemandeVue is an accepted request in a list.
type DemandeVue struct {
	NumeroASP, NumeroEditeur, Statut, Badge, Montant, DateCommande, NumeroAns string
	Beneficiaires                                                             string
	DepotID                                                                   int64
	// NonLus counts the agency's messages the vendor has not read yet.
	NonLus int
}

var libellesTri = map[string]string{
	"numeroASP": "numéro ASP croissant", "-numeroASP": "numéro ASP décroissant",
	"numeroEditeur": "numéro éditeur croissant", "-numeroEditeur": "numéro éditeur décroissant",
	"montant": "montant croissant", "-montant": "montant décroissant",
	"date": "dépôt le plus ancien d'abord", "-date": "dépôt le plus récent d'abord",
}

func (s *Server) filtreDemandes(r *http.Request, f *segur.Fournisseur) (FiltreDemandes, segur.DemandeFilter) {
	q := r.URL.Query()
	fd := FiltreDemandes{NumeroASP: strings.TrimSpace(q.Get("numeroASP")), NumeroEditeur: strings.TrimSpace(q.Get("numeroEditeur")),
		Statut: strings.TrimSpace(q.Get("statut")), Tri: q.Get("tri")}
	if !slices.Contains(segur.TriDemandes, fd.Tri) {
		fd.Tri = "numeroASP"
	}
	return fd, segur.DemandeFilter{FournisseurID: f.ID, NumeroASP: fd.NumeroASP, NumeroEditeur: fd.NumeroEditeur,
		Statut: segur.StatutDemande(fd.Statut), Tri: fd.Tri}
}

func demandeVue(d segur.Demande) DemandeVue {
	return DemandeVue{NumeroASP: d.NumeroASP, NumeroEditeur: d.NumeroEditeur, Statut: d.Statut.Libelle(), Badge: string(d.Statut.Info().Badge),
		Montant: segur.Euros(d.MontantHTCents), DateCommande: d.DateCommande.String(), NumeroAns: d.NumeroAns,
		Beneficiaires: beneficiaires(&d), DepotID: int64(d.DepotID)}
}

// beneficiaires names the establishments of d: « CHU DE BREST (290000017),
// … ».
func beneficiaires(d *segur.Demande) string {
	var b strings.Builder
	for i, c := range d.Clients {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Nom)
		b.WriteString(" (")
		b.WriteString(c.FINESSPMSI)
		b.WriteString(")")
	}
	return b.String()
}

func (s *Server) getDemandes(w http.ResponseWriter, r *http.Request) error {
	f, err := s.fournisseur(r)
	if err != nil {
		return err
	}
	fd, filter := s.filtreDemandes(r, f)
	page := numeroPage(r)
	filter.Limit, filter.Offset = parPage, (page-1)*parPage
	ds, total, err := s.Store.FindDemandes(r.Context(), filter)
	if err != nil {
		return err
	}
	p := PageDemandes{Base: Base{Titre: "Vos demandes", Nav: "demandes", Utilisateur: utilisateur(r.Context())},
		Total: total, Filtre: fd, Pagination: pagination(r, page, total)}
	for _, t := range segur.TriDemandes {
		p.Tris = append(p.Tris, Tri{Cle: t, Libelle: libellesTri[t], Choisi: t == fd.Tri})
	}
	for _, st := range segur.Statuts(nil) {
		p.Statuts = append(p.Statuts, Tri{Cle: string(st), Libelle: st.Libelle(), Choisi: string(st) == fd.Statut})
	}
	nonLus, err := s.Store.FindMessagesNonLus(r.Context(), segur.CoteFournisseur, numerosASP(ds))
	if err != nil {
		return err
	}
	for _, d := range ds {
		v := demandeVue(d)
		v.NonLus = nonLus[d.NumeroASP]
		p.Demandes = append(p.Demandes, v)
	}
	q := url.Values{"numeroASP": {fd.NumeroASP}, "numeroEditeur": {fd.NumeroEditeur}, "statut": {fd.Statut}, "tri": {fd.Tri}}
	p.CSV = "/demandes.csv?" + q.Encode()
	s.render(w, http.StatusOK, "demandes.html", p)
	return nil
}

// getDemandesCSV exports the filtered list, every page, for spreadsheets:
// semicolons, UTF-8 with a byte-order mark, amounts with a decimal comma,
// dates in ISO 8601 (2021-10-15), and a cell a spreadsheet would run as a
// formula made inert, as the agency's exports write them (tableurCSV).
func (s *Server) getDemandesCSV(w http.ResponseWriter, r *http.Request) error {
	f, err := s.fournisseur(r)
	if err != nil {
		return err
	}
	_, filter := s.filtreDemandes(r, f)
	t, err := nouveauCSV(w, feuille{fichier: "demandes",
		entetes: []string{"numeroASP", "numeroEditeur", "statut", "numeroAns", "dateCommande", "regimeTVA", "montantSegurHT", "beneficiaires"}})
	if err != nil {
		return err
	}
	if err := s.Store.EachDemande(r.Context(), filter, func(d *segur.Demande) error {
		return t.ligne(d.NumeroASP, d.NumeroEditeur, string(d.Statut), d.NumeroAns, jourOuVide(d.DateCommande), d.RegimeTVA,
			montant(d.MontantHTCents), beneficiaires(d))
	}); err != nil {
		return err
	}
	return t.fin()
}
