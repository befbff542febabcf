package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/agence"
)

func init() {
	morePages = append(morePages, "agence-demandes.html", "agence-demande.html", "agence-lot.html")
}

// routesAgence registers the agents' back-office.
func (s *Server) routesAgence(pages *http.ServeMux) {
	pages.Handle("GET /agence", s.handle(s.agent(func(w http.ResponseWriter, r *http.Request) error {
		u := utilisateur(r.Context())
		switch {
		case u.A(segur.RoleInstructeur):
			http.Redirect(w, r, "/agence/demandes", http.StatusSeeOther)
		case u.A(segur.RolePayeur):
			http.Redirect(w, r, "/agence/paiements", http.StatusSeeOther)
		default:
			http.Redirect(w, r, "/agence/admin", http.StatusSeeOther)
		}
		return nil
	}, segur.RoleInstructeur, segur.RolePayeur, segur.RoleAdmin)))
	inst := func(h handler) http.Handler { return s.handle(s.agent(h, segur.RoleInstructeur, segur.RoleAdmin)) }
	pages.Handle("GET /agence/demandes", inst(s.getFile))
	pages.Handle("POST /agence/demandes/lot", inst(s.postLot))
	pages.Handle("GET /agence/demandes/{asp}", inst(s.getDossierAgent))
	pages.Handle("POST /agence/demandes/{asp}/actions", inst(s.postAction))
	pages.Handle("POST /agence/demandes/{asp}/alertes", inst(s.postAlerteVue))
	pages.Handle("POST /agence/demandes/{asp}/suivi", inst(s.postSuivi))
	pages.Handle("POST /agence/demandes/{asp}/attribution", inst(s.postAttribution))
	pages.Handle("GET /agence/demandes/{asp}/pieces/{n}", inst(s.avecDemande(s.pieceDeposee)))
	pages.Handle("GET /agence/demandes/{asp}/versions/{id}", inst(s.avecDemande(s.pieceVersion)))
	pages.Handle("GET /agence/demandes/{asp}/documents/{ref}", inst(s.avecDemande(s.documentDe)))
	pages.Handle("GET /agence/demandes/{asp}/documents/{ref}/html", inst(s.avecDemande(s.documentHTMLDe)))
	pages.Handle("GET /agence/demandes/{asp}/avis/{ref}", inst(s.avecDemande(s.avisDe)))
	pages.Handle("GET /agence/demandes/{asp}/avis/{ref}/html", inst(s.avecDemande(s.avisHTMLDe)))
}

// avecDemande reads the request of the path's {asp} for an agent.
func (s *Server) avecDemande(h func(w http.ResponseWriter, r *http.Request, d *segur.Demande) error) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.Store.FindDemandeByASP(r.Context(), r.PathValue("asp"))
		if err != nil {
			return err
		}
		return h(w, r, d)
	}
}

// PageFile is the agents' work queue.
type PageFile struct {
	Base
	Onglets []Onglet
	// Onglet is the current tab, with its explanation; StatutsOnglet the
	// statuses its filter offers.
	Onglet        segur.OngletFile
	StatutsOnglet []OptionStatut
	Filtre        FiltreFile
	Fournisseurs  []segur.Fournisseur
	Tris          []Tri
	Lignes        []LigneFile
	Total         int
	Pagination    Pagination
	// Taille is the page's size, one of Tailles; Choix the query of this
	// page without page and size, for the forms that change them.
	Taille  int
	Tailles []int
	Choix   []ChampCache
	// FiltresActifs counts the filters set beside the tab and the search:
	// the filters' panel opens when there are some.
	FiltresActifs int
	// Tout is how many requests « tout sélectionner » would take (the
	// whole filter), TropPourLot when they are more than a batch holds.
	Tout         int
	TropPourLot  bool
	MaxLot       int
	Statut       string
	Retour       string // this page's URL, where a batch comes back
	Export       string // this page's query ("?statut=…"), for the exports' links
	Logiciels    []string
	TypesAlertes []segur.InfoAlerte
	// EnCalcul is how many requests of a filter on alerts have their
	// alerts still being computed (the filter may miss or keep them for
	// now), EnCalculTexte that number written in French.
	EnCalcul      int
	EnCalculTexte string
	// Choisies and LotAction are the batch form's choices, kept when it
	// is shown again with an error.
	Choisies  map[string]bool
	LotAction string
}

// Onglet is a tab of a list: a status (or a tab's key) and its count.
type Onglet struct {
	Statut, Libelle, Lien string
	Nombre                int
	Courant               bool
}

// OptionStatut is a status of the queue's status filter.
type OptionStatut struct {
	Statut, Libelle string
	Choisi          bool
}

// FiltreFile is what the queue's form filters on.
type FiltreFile struct {
	Fournisseur, NumeroAns, Logiciel, MontantMin, MontantMax, Du, Au, Agent, Tri string
	Alertes                                                                      bool
	// Recherche is the search field's text; Statut the status filter
	// within the tab.
	Recherche, Statut string
	// Alerte keeps the requests carrying an alert of this code; NonVues
	// counts only the alerts no agent marked seen.
	Alerte  string
	NonVues bool
	// TropLarge: the search matches more than segur.MaxResultatsRecherche
	// requests; the queue neither counts nor lists them.
	TropLarge bool
}

// parAlertes says whether the queue filters on alerts (the stored codes).
func (ff FiltreFile) parAlertes() bool { return ff.Alertes || ff.Alerte != "" || ff.NonVues }

// LigneFile is a request in the queue.
type LigneFile struct {
	DemandeVue
	Fournisseur, Logiciel, Agent, Recu string
	Alertes                            []segur.Alerte
	NonVues                            int // of Alertes, those no agent marked seen
	// Modifiee: the request's history got a line from someone else since
	// the agent last opened it.
	Modifiee bool
	// Messages counts the vendor's messages no agent read yet.
	Messages int
	// Antivirus is where the request stands with the antivirus: « alerte »
	// (a piece set aside), « attente » (its pieces wait for their scan,
	// shown while the portal scans), "" otherwise.
	Antivirus segur.EtatAntivirus
}

// etatsAntivirus returns where requests ds stand with the antivirus, the
// pieces waiting left out when the portal does not scan.
func (s *Server) etatsAntivirus(ctx context.Context, ds []segur.Demande) (map[string]segur.EtatAntivirus, error) {
	asps := make([]string, len(ds))
	for i, d := range ds {
		asps[i] = d.NumeroASP
	}
	etats, err := s.Store.FindEtatsAntivirus(ctx, asps)
	if err != nil {
		return nil, err
	}
	if !s.Antivirus {
		for asp, e := range etats {
			if e == segur.AntivirusAttente {
				delete(etats, asp)
			}
		}
	}
	return etats, nil
}

// filtreFile reads the queue's filter from r's query: what the form
// shows, the store's filter, and what is wrong in it, field by field (a
// search too broad among them, counted in the index first).
func (s *Server) filtreFile(r *http.Request) (FiltreFile, segur.DemandeFilter, []ErreurChamp, error) {
	q := r.URL.Query()
	t := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	ff := FiltreFile{Fournisseur: t("fournisseur"), NumeroAns: t("numeroAns"), Logiciel: t("logiciel"), MontantMin: t("montantMin"),
		MontantMax: t("montantMax"), Du: t("du"), Au: t("au"), Agent: t("agent"), Tri: t("tri"), Alertes: q.Get("alertes") == "1",
		Alerte: t("alerte"), NonVues: q.Get("nonvues") == "1", Recherche: couper(t("q"), 200), Statut: t("statut")}
	if !slices.Contains(segur.TriDemandes, ff.Tri) {
		ff.Tri = "date"
	}
	var login string
	if u := utilisateur(r.Context()); u != nil {
		login = u.Login
	}
	f := segur.DemandeFilter{NumeroAns: ff.NumeroAns, Logiciel: hop.Logiciel(ff.Logiciel), Agent: ff.Agent, Tri: ff.Tri, Recherche: ff.Recherche}
	if ff.Agent == "moi" {
		f.Agent = login
	}
	var errs []ErreurChamp
	o := s.ongletFile(r)
	f.Statuts = o.Statuts
	if o.Suivies {
		f.SuiviesPar = cmp.Or(login, "?") // no one follows for no one
	}
	if ff.Statut == "toutes" {
		ff.Statut = ""
	}
	if ff.Statut != "" {
		if st := segur.StatutDemande(ff.Statut); slices.Contains(segur.Statuts(nil), st) {
			f.Statut = st
		} else {
			errs = append(errs, ErreurChamp{"statut", "Statut : choisissez un statut de la liste."})
			ff.Statut = ""
		}
	}
	if id, err := strconv.ParseInt(ff.Fournisseur, 10, 64); err == nil {
		f.FournisseurID = segur.FournisseurID(id)
	} else if ff.Fournisseur != "" {
		errs = append(errs, ErreurChamp{"fournisseur", "Fournisseur : choisissez un fournisseur de la liste."})
	}
	if _, ok := segur.InfoAlerteDe(ff.Alerte); ff.Alerte != "" && !ok {
		errs = append(errs, ErreurChamp{"alerte", "Type d'alerte : choisissez un type de la liste."})
		ff.Alerte = ""
	}
	montant := func(v, champ, nom string) int64 {
		if v == "" {
			return 0
		}
		c, ok := segur.LireEuros(v)
		if !ok {
			errs = append(errs, ErreurChamp{champ, nom + " : « " + v + " » n'est pas un montant ; attendu par exemple 23000 ou 23000,50."})
		}
		return c
	}
	f.MontantMin = montant(ff.MontantMin, "montantMin", "Montant minimum")
	f.MontantMax = montant(ff.MontantMax, "montantMax", "Montant maximum")
	jour := func(v, champ, nom string) time.Time {
		if v == "" {
			return time.Time{}
		}
		d, err := time.ParseInLocation("2006-01-02", v, s.Paris)
		if err != nil {
			errs = append(errs, ErreurChamp{champ, nom + " : « " + v + " » n'est pas une date ; attendu AAAA-MM-JJ."})
		}
		return d
	}
	if ff.parAlertes() {
		// Any alert unless a type is chosen; the antivirus's alerts too,
		// which no type names.
		f.Alerte, f.NonVues, f.AntivirusAlerte = cmp.Or(ff.Alerte, "*"), ff.NonVues, ff.Alerte == ""
	}
	f.DeposeApres = jour(ff.Du, "du", "Déposée du")
	if au := jour(ff.Au, "au", "Déposée au"); !au.IsZero() {
		f.DeposeAvant = au.AddDate(0, 0, 1)
	}
	plafond := cmp.Or(s.MaxRecherche, segur.MaxResultatsRecherche)
	n, err := s.Store.CountRecherche(r.Context(), f.Recherche, plafond)
	if err != nil {
		return ff, f, errs, err
	}
	if ff.TropLarge = n > plafond; ff.TropLarge {
		errs = append(errs, ErreurChamp{"q", "Recherche trop large : « " + ff.Recherche + " » correspond à plus de " +
			segur.Milliers(int64(plafond)) + " demandes. Précisez-la : un numéro ASP, un SIRET, un FINESS, " +
			"un nom d'établissement ou de fournisseur, plusieurs mots ; ou filtrez sans recherche."})
	}
	return ff, f, errs, nil
}

// ongletFile is the queue's tab of r's query: onglet=, or for a link of
// before the tabs (statut= alone) the tab of that status, « À traiter »
// without either.
func (s *Server) ongletFile(r *http.Request) segur.OngletFile {
	q := r.URL.Query()
	if o, ok := segur.OngletFileDe(q.Get("onglet")); ok {
		return o
	}
	st := segur.StatutDemande(q.Get("statut"))
	for _, o := range segur.OngletsFile() {
		if slices.Contains(o.Statuts, st) || st == "toutes" && o.Cle == segur.OngletToutes {
			return o
		}
	}
	o, _ := segur.OngletFileDe(segur.OngletATraiter)
	return o
}

// champsFile are the queue's query parameters, page and size apart: the
// form that changes those keeps these.
var champsFile = []string{"onglet", "q", "statut", "fournisseur", "numeroAns", "logiciel", "montantMin", "montantMax", "du", "au",
	"agent", "tri", "alertes", "alerte", "nonvues"}

// taillesFile are the queue's page sizes, the first the default.
var taillesFile = []int{50, 25, 100, 200}

// tailleFile reads ?taille=, one of taillesFile.
func tailleFile(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("taille"))
	if err != nil || !slices.Contains(taillesFile, n) {
		return taillesFile[0]
	}
	return n
}

func numerosASP(ds []segur.Demande) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.NumeroASP
	}
	return out
}

func (s *Server) getFile(w http.ResponseWriter, r *http.Request) error {
	return s.renderFile(w, r, http.StatusOK, nil, PageFile{})
}

// renderFile shows the queue of r's query with status, the batch form's
// errors lot and its choices as they were posted (p.Choisies, p.LotAction).
func (s *Server) renderFile(w http.ResponseWriter, r *http.Request, status int, lot []ErreurChamp, p PageFile) error {
	ctx := r.Context()
	u := utilisateur(ctx)
	ff, filter, errs, err := s.filtreFile(r)
	if err != nil {
		return err
	}
	p.Base = Base{Titre: "File d'instruction", Nav: "file", Utilisateur: u, Erreurs: append(errs, lot...), Flash: s.flash(w, r)}
	p.Filtre, p.Statut, p.Retour, p.Logiciels = ff, string(filter.Statut), r.URL.RequestURI(), []string{"RI", "DPI", "PFI"}
	p.Onglet, p.MaxLot = s.ongletFile(r), maxLot
	if r.URL.RawQuery != "" {
		p.Export = "?" + r.URL.RawQuery
	}
	if p.Fournisseurs, err = s.Store.FindFournisseurs(ctx); err != nil {
		return err
	}
	noms := map[segur.FournisseurID]string{}
	for _, f := range p.Fournisseurs {
		noms[f.ID] = f.Nom
	}
	total, err := s.ongletsFile(r, &p, filter)
	if err != nil {
		return err
	}
	for _, t := range segur.TriDemandes {
		p.Tris = append(p.Tris, Tri{Cle: t, Libelle: libellesTri[t], Choisi: t == ff.Tri})
	}
	p.Taille, p.Tailles = tailleFile(r), taillesFile
	q := r.URL.Query()
	for _, k := range champsFile {
		for _, v := range q[k] {
			p.Choix = append(p.Choix, ChampCache{Nom: k, Valeur: v})
		}
		if v := strings.TrimSpace(q.Get(k)); k != "onglet" && k != "q" && k != "tri" && v != "" && !(k == "statut" && v == "toutes") {
			p.FiltresActifs++
		}
	}
	page := numeroPage(r)
	var ds []segur.Demande
	var alertes map[string][]segur.Alerte
	var etats map[string]segur.EtatAntivirus
	var vues []segur.AlerteVue
	// Past the end (a page typed, a smaller list since): the last.
	p.Total = total
	page = min(page, max(1, (p.Total+p.Taille-1)/p.Taille))
	filter.Limit, filter.Offset = p.Taille, (page-1)*p.Taille
	if ds, err = s.Store.FindPageDemandes(ctx, filter, p.Total); err != nil {
		return err
	}
	if alertes, err = s.alertes(ctx, ds); err != nil {
		return err
	}
	if etats, err = s.etatsAntivirus(ctx, ds); err != nil {
		return err
	}
	if vues, err = s.Store.FindAlertesVues(ctx, numerosASP(ds)); err != nil {
		return err
	}
	if ff.parAlertes() {
		if p.EnCalcul, err = s.Store.CountAlertesACalculer(ctx, filter); err != nil {
			return err
		}
		p.EnCalculTexte = segur.Milliers(int64(p.EnCalcul))
	}
	p.Tout, p.TropPourLot = p.Total, p.Total > maxLot
	modifiees, err := s.Store.FindModifiees(ctx, u.Login, numerosASP(ds))
	if err != nil {
		return err
	}
	nonLus, err := s.Store.FindMessagesNonLus(ctx, segur.CoteAgence, numerosASP(ds))
	if err != nil {
		return err
	}
	p.TypesAlertes = segur.InfosAlertes()
	p.Pagination = paginationPar(r, page, p.Total, p.Taille)
	for _, d := range ds {
		p.Lignes = append(p.Lignes, LigneFile{DemandeVue: demandeVue(d), Fournisseur: noms[d.FournisseurID], Logiciel: string(d.Logiciel),
			Agent: d.Agent, Recu: s.date(d.CreeLe), Alertes: alertes[d.NumeroASP], Antivirus: etats[d.NumeroASP],
			NonVues: len(segur.NonVues(&d, alertes[d.NumeroASP], vues)), Modifiee: modifiees[d.NumeroASP], Messages: nonLus[d.NumeroASP]})
	}
	s.render(w, status, "agence-demandes.html", p)
	return nil
}

// ongletsFile fills the queue's tabs with their counts under filter's
// other criteria, and the statuses the current tab offers with theirs,
// and returns how many requests filter selects: the counts of one
// reading of the store.
func (s *Server) ongletsFile(r *http.Request, p *PageFile, filter segur.DemandeFilter) (int, error) {
	ctx := r.Context()
	var tous, suivies map[segur.StatutDemande]int
	if !p.Filtre.TropLarge {
		var err error
		if tous, suivies, err = s.Store.CountFile(ctx, filter, utilisateur(ctx).Login); err != nil {
			return 0, err
		}
	}
	// somme adds the counts of the statuses of a tab (every status for
	// nil), within the status filter st if any.
	somme := func(counts map[segur.StatutDemande]int, statuts []segur.StatutDemande, st segur.StatutDemande) int {
		if statuts == nil {
			statuts = segur.Statuts(nil)
		}
		n := 0
		for _, s := range statuts {
			if st == "" || s == st {
				n += counts[s]
			}
		}
		return n
	}
	for _, o := range segur.OngletsFile() {
		q := r.URL.Query()
		q.Set("onglet", o.Cle)
		q.Del("page")
		q.Del("statut")
		n := somme(tous, o.Statuts, "")
		if o.Suivies {
			n = somme(suivies, nil, "")
		}
		p.Onglets = append(p.Onglets, Onglet{Statut: o.Cle, Libelle: o.Libelle, Nombre: n, Lien: "/agence/demandes?" + q.Encode(), Courant: o.Cle == p.Onglet.Cle})
	}
	counts := tous
	if p.Onglet.Suivies {
		counts = suivies
	}
	statuts := p.Onglet.Statuts
	if statuts == nil {
		statuts = segur.Statuts(nil)
	}
	for _, st := range statuts {
		l := st.Libelle()
		if counts != nil {
			l += " (" + strconv.Itoa(counts[st]) + ")"
		}
		p.StatutsOnglet = append(p.StatutsOnglet, OptionStatut{Statut: string(st), Libelle: l, Choisi: string(st) == p.Filtre.Statut})
	}
	return somme(counts, p.Onglet.Statuts, filter.Statut), nil
}

// PageDossier is a request's page for an agent.
type PageDossier struct {
	Base
	*Dossier
	Actions []ActionVue
	// AlertesExpliquees are the request's alerts with their explanation
	// and, once an agent marked them seen, who and why; TypesAlertes the
	// catalogue, for the reference list.
	AlertesExpliquees []AlerteExpliquee
	TypesAlertes      []segur.InfoAlerte
	// AgentAttribue is the instructor the request is assigned to; Suivie
	// says the agent follows it; Moi is his login, PeutSAttribuer and
	// PeutSeRetirer what he may do of the assignment himself; Instructeurs
	// whom an administrator may assign it to.
	AgentAttribue, Moi            string
	Suivie                        bool
	PeutSAttribuer, PeutSeRetirer bool
	Instructeurs                  []segur.Utilisateur
	// RetraitLe is the day (JJ/MM/AAAA) the offer may be withdrawn, while
	// the vendor may still sign its convention: the withdrawal is then
	// not offered.
	RetraitLe string
}

// AlerteExpliquee is an alert of a request as the agent's page shows it.
type AlerteExpliquee struct {
	segur.Alerte
	Info segur.InfoAlerte
	ID   string // its form's, unique on the page
	// Vue is « vue par marie@asp.fr le 03/12/2026 à 10:04 » once marked
	// seen, with Raison; "" while not.
	Vue, Raison string
	// A marking covers the alerts of one code on the request: the form
	// shows on the first (Formulaire) and says how many it covers (Nombre).
	Formulaire bool
	Nombre     int
}

// ActionVue is an action the agent may take on the request.
type ActionVue struct {
	Action, Libelle string
	Raison          bool // a reason is asked
	Danger          bool
	Confirmer       bool // it goes through a confirmation step
}

func (s *Server) actionsVues(st segur.StatutDemande, roles []segur.Role) []ActionVue {
	var out []ActionVue
	for _, a := range segur.Actions(st, roles) {
		i := a.Info()
		if i.Bouton == "" {
			continue // taken elsewhere: the vendor's space, payments, controls
		}
		v := ActionVue{Action: string(a), Libelle: i.Bouton, Raison: segur.RaisonRequise(st, a), Danger: i.Danger, Confirmer: confirmationRequise(a)}
		out = append(out, v)
	}
	return out
}

func (s *Server) getDossierAgent(w http.ResponseWriter, r *http.Request) error {
	return s.renderDossierAgent(w, r, http.StatusOK, "", nil)
}

func (s *Server) renderDossierAgent(w http.ResponseWriter, r *http.Request, status int, message string, errs []ErreurChamp) error {
	ctx := r.Context()
	d, err := s.Store.FindDemandeByASP(ctx, r.PathValue("asp"))
	if err != nil {
		return err
	}
	v, err := s.dossier(ctx, d, "/agence/demandes/"+d.NumeroASP, true)
	if err != nil {
		return err
	}
	if v.Fil, err = s.fil(r, d, segur.CoteAgence, "/agence/demandes/"+d.NumeroASP); err != nil {
		return err
	}
	al, err := s.alertes(ctx, []segur.Demande{*d})
	if err != nil {
		return err
	}
	v.Alertes = al[d.NumeroASP]
	vues, err := s.Store.FindAlertesVues(ctx, []string{d.NumeroASP})
	if err != nil {
		return err
	}
	u := utilisateur(ctx)
	if message == "" {
		message = s.flash(w, r)
	}
	p := PageDossier{Base: Base{Titre: "Demande " + d.NumeroASP, Nav: "file", Utilisateur: u, Flash: message, Erreurs: errs},
		Dossier: v, Actions: s.actionsVues(d.Statut, u.Roles), TypesAlertes: segur.InfosAlertes()}
	parCode := map[string]int{}
	for _, a := range v.Alertes {
		parCode[a.Code]++
	}
	formulaire := map[string]bool{}
	for i, a := range v.Alertes {
		e := AlerteExpliquee{Alerte: a, Info: a.Info(), ID: "alerte-" + strconv.Itoa(i+1), Nombre: parCode[a.Code]}
		if vu := segur.VueSur(a, d, vues); vu != nil {
			e.Vue, e.Raison = "vue par "+vu.Par+" le "+s.date(vu.Le), vu.Raison
		} else if !formulaire[a.Code] {
			e.Formulaire, formulaire[a.Code] = true, true
		}
		p.AlertesExpliquees = append(p.AlertesExpliquees, e)
	}
	if err := s.suiviDossier(ctx, &p, d); err != nil {
		return err
	}
	if i := slices.IndexFunc(p.Actions, func(a ActionVue) bool { return a.Action == string(segur.ActionRetirer) }); i >= 0 {
		fin, err := s.Instruction.RetraitPossible(ctx, d)
		if err != nil {
			return err
		}
		if s.Now().Before(fin) {
			p.Actions = slices.Delete(p.Actions, i, i+1)
			p.RetraitLe = fin.In(s.Paris).Format("02/01/2006")
		}
	}
	s.render(w, status, "agence-demande.html", p)
	return nil
}

// suiviDossier fills who the request is assigned to and who follows it,
// and records that the agent opened it (the queue's marks).
func (s *Server) suiviDossier(ctx context.Context, p *PageDossier, d *segur.Demande) error {
	u := utilisateur(ctx)
	p.AgentAttribue, p.Moi = d.Agent, u.Login
	suivies, err := s.Store.FindSuivies(ctx, u.Login, []string{d.NumeroASP})
	if err != nil {
		return err
	}
	p.Suivie = suivies[d.NumeroASP]
	p.PeutSAttribuer = d.Agent != u.Login && u.A(segur.RoleInstructeur)
	p.PeutSeRetirer = d.Agent == u.Login
	if u.A(segur.RoleAdmin) {
		us, _, err := s.Store.FindUtilisateurs(ctx, 0, 0)
		if err != nil {
			return err
		}
		for _, a := range us {
			if a.A(segur.RoleInstructeur) {
				p.Instructeurs = append(p.Instructeurs, a)
			}
		}
	}
	return s.Store.ConsulterDemande(ctx, u.Login, d.NumeroASP)
}

// postSuivi follows a request, or no longer.
func (s *Server) postSuivi(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	asp, suivre := r.PathValue("asp"), r.PostFormValue("suivre") == "1"
	if err := s.Store.SuivreDemande(r.Context(), utilisateur(r.Context()).Login, asp, suivre); err != nil {
		return err
	}
	msg := "Vous suivez la demande " + asp + " : elle est dans l'onglet « Suivies par moi »."
	if !suivre {
		msg = "Vous ne suivez plus la demande " + asp + "."
	}
	s.rediriger(w, r, "/agence/demandes/"+url.PathEscape(asp), msg)
	return nil
}

// postAttribution assigns a request to an instructor, or to no one.
func (s *Server) postAttribution(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	asp, agent := r.PathValue("asp"), strings.ToLower(strings.TrimSpace(r.PostFormValue("agent")))
	u := utilisateur(r.Context())
	err := s.Store.AttribuerDemande(r.Context(), asp, agent, u.Login, func(actuel string) error {
		return segur.PeutAttribuer(u.Login, u.Roles, actuel, agent)
	})
	var se *segur.Error
	if errors.As(err, &se) && se.Code != segur.EINTERNAL && (se.Code != segur.ENOTFOUND || agent != "") {
		if _, e := s.Store.FindDemandeByASP(r.Context(), asp); e != nil {
			return e
		}
		status := http.StatusUnprocessableEntity
		if se.Code == segur.EFORBIDDEN {
			status = http.StatusForbidden
		}
		return s.renderDossierAgent(w, r, status, "", []ErreurChamp{{Champ: "agent", Message: "Attribution : " + se.Message + "."}})
	}
	if err != nil {
		return err
	}
	msg := "Demande " + asp + " attribuée à " + agent + "."
	if agent == "" {
		msg = "Demande " + asp + " attribuée à personne."
	}
	s.rediriger(w, r, "/agence/demandes/"+url.PathEscape(asp), msg)
	return nil
}

// acteAgent reads an action form of an agent.
func (s *Server) acteAgent(r *http.Request) agence.Acte {
	u := utilisateur(r.Context())
	return agence.Acte{Demarche: segur.Demarche{Action: segur.Action(r.PostFormValue("action")), Roles: u.Roles, Login: u.Login,
		Raison: couper(r.PostFormValue("raison"), 2000)}, Adresse: adresse(r)}
}

func couper(s string, n int) string {
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "")
	}
	return s
}

// enregistre says an action (its history's label) was recorded, the
// participle agreeing with the noun: « refus enregistré », « validation
// enregistrée ».
func enregistre(libelle string) string {
	p := "enregistrée"
	switch strings.Fields(libelle + " ")[0] {
	case "Refus", "Retrait", "Paiement", "Dépôt", "Ordre":
		p = "enregistré"
	}
	return strings.ToLower(libelle[:1]) + libelle[1:] + " " + p
}

func (s *Server) postAction(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	asp := r.PathValue("asp")
	a := s.acteAgent(r)
	var c segur.Changement
	var err error
	var ap agence.Apercu
	if confirmationRequise(a.Action) && !confirme(r) {
		ap, err = s.Instruction.Prevoir(r.Context(), asp, a)
	} else {
		c, err = s.Instruction.Agir(r.Context(), asp, a)
	}
	var se *segur.Error
	if errors.As(err, &se) && se.Code != segur.ENOTFOUND && se.Code != segur.EINTERNAL {
		return s.renderDossierAgent(w, r, http.StatusUnprocessableEntity, "", []ErreurChamp{{Champ: "raison-" + string(a.Action), Message: se.Message}})
	}
	if err != nil {
		return err
	}
	if ap.Demande != nil {
		s.confirmerAction(w, r, a, ap)
		return nil
	}
	msg := "Demande " + asp + " : " + enregistre(c.Action.Libelle()) + " ; statut « " + c.Vers.Libelle() + " »."
	s.rediriger(w, r, "/agence/demandes/"+url.PathEscape(asp), msg)
	return nil
}

// postAlerteVue marks an alert of the request seen, with its reason: for
// all the vendor's requests when it is on the vendor.
func (s *Server) postAlerteVue(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	asp, code, champ := r.PathValue("asp"), r.PostFormValue("code"), r.PostFormValue("champ")
	if !strings.HasPrefix(champ, "alerte-") {
		champ = ""
	}
	u := utilisateur(r.Context())
	v, err := s.Instruction.MarquerAlerteVue(r.Context(), asp, code, u.Login, couper(r.PostFormValue("raison"), 4000))
	var se *segur.Error
	if errors.As(err, &se) && (se.Code == segur.EINVALID || se.Code == segur.ECONFLICT) {
		if champ != "" {
			champ += "-raison"
		}
		return s.renderDossierAgent(w, r, http.StatusUnprocessableEntity, "", []ErreurChamp{{Champ: champ, Message: "Marquer l'alerte comme vue : " + se.Message + "."}})
	}
	if err != nil {
		return err
	}
	info, _ := segur.InfoAlerteDe(v.Code)
	msg := "Alerte « " + info.Titre + " » marquée vue pour cette demande."
	if v.FournisseurID != 0 {
		msg = "Alerte « " + info.Titre + " » marquée vue pour toutes les demandes du fournisseur."
	}
	s.rediriger(w, r, "/agence/demandes/"+url.PathEscape(asp), msg)
	return nil
}

// PageLot is the outcome of a batch.
type PageLot struct {
	Base
	Action    string
	Resultats []ResultatVue
	Reussis   int
	Retour    string
}

// ResultatVue is the outcome of a batch on one request.
type ResultatVue struct {
	NumeroASP, Statut, Erreur string
	Badge                     string // the new status's, as the domain colours it
}

// maxLot bounds a batch.
const maxLot = 200

func (s *Server) postLot(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		return segur.Errorf(segur.EINVALID, "formulaire illisible")
	}
	asps := r.PostForm["asp"]
	retour := r.PostFormValue("retour")
	if !strings.HasPrefix(retour, "/agence/demandes") {
		retour = "/agence/demandes"
	}
	if r.PostFormValue("tout") == "1" {
		var err error
		if asps, err = s.toutLeFiltre(r, retour); err != nil {
			return err
		}
	}
	if len(asps) == 0 {
		return segur.Errorf(segur.EINVALID, "Aucune demande choisie : cochez les demandes à traiter.")
	}
	if len(asps) > maxLot {
		return segur.Errorf(segur.EINVALID, "Trop de demandes choisies (%d) : au plus %d par lot.", len(asps), maxLot)
	}
	a := s.acteAgent(r)
	if !slices.Contains([]segur.Action{segur.ActionPrendre, segur.ActionValider, segur.ActionRefuser}, a.Action) {
		return segur.Errorf(segur.EINVALID, "Action de lot inconnue : attendu prendre, valider ou refuser.")
	}
	if raisonRequise(a.Action) && strings.TrimSpace(a.Raison) == "" {
		// Refused whole, before anything runs: each request would be
		// refused for the same missing reason.
		return s.refusLotSansRaison(w, r, retour, asps, a.Action)
	}
	if confirmationRequise(a.Action) && !confirme(r) {
		return s.confirmerLot(w, r, retour, asps, a)
	}
	p := PageLot{Base: Base{Titre: "Traitement par lot", Nav: "file", Utilisateur: utilisateur(r.Context())}, Action: a.Action.Libelle(), Retour: retour}
	for _, res := range s.Instruction.Lot(r.Context(), asps, a) {
		v := ResultatVue{NumeroASP: res.NumeroASP}
		var se *segur.Error
		switch {
		case res.Err == nil:
			v.Statut, v.Badge = res.Changement.Vers.Libelle(), string(res.Changement.Vers.Info().Badge)
			p.Reussis++
		case errors.As(res.Err, &se) && se.Code != segur.EINTERNAL:
			v.Erreur = se.Message
		default:
			s.Log.Error("lot", "asp", res.NumeroASP, "err", res.Err)
			v.Erreur = "Erreur interne ; elle est enregistrée"
		}
		p.Resultats = append(p.Resultats, v)
	}
	s.render(w, http.StatusOK, "agence-lot.html", p)
	return nil
}

// toutLeFiltre returns the requests of the queue's filter at retour (its
// URL), for « tout sélectionner »: refused when they are more than a batch
// holds.
func (s *Server) toutLeFiltre(r *http.Request, retour string) ([]string, error) {
	u, err := url.Parse(retour)
	if err != nil {
		return nil, segur.Errorf(segur.EINVALID, "Filtre illisible : revenez à la file et choisissez à nouveau.")
	}
	fr := r.Clone(r.Context())
	fr.URL = u
	_, filter, errs, err := s.filtreFile(fr)
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, segur.Errorf(segur.EINVALID, "%s", errs[0].Message)
	}
	filter.Limit = maxLot + 1
	ds, total, err := s.Store.FindDemandes(r.Context(), filter)
	if err != nil {
		return nil, err
	}
	if total > maxLot {
		return nil, segur.Errorf(segur.EINVALID, "Le filtre compte %s demandes : au plus %d par lot. Précisez le filtre (statut, fournisseur, recherche…) ou cochez les demandes.",
			segur.Milliers(int64(total)), maxLot)
	}
	return numerosASP(ds), nil
}

// nonVues counts the alerts of as no agent marked seen.
func nonVues(as []AlerteExpliquee) int {
	n := 0
	for _, a := range as {
		if a.Vue == "" {
			n++
		}
	}
	return n
}
