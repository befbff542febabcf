package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/agence"
)

func init() {
	morePages = append(morePages, "controles.html", "controles-controle.html", "controles-tirage.html",
		"controles-fournisseur.html", "controles-fournisseur-controle.html", "pilotage.html")
}

// routesControles registers the pages of the controls a posteriori, the
// agents' exports and the agency's dashboard.
func (s *Server) routesControles(pages *http.ServeMux) {
	inst := func(h handler) http.Handler { return s.handle(s.agent(h, segur.RoleInstructeur)) }
	pages.Handle("GET /agence/controles", inst(s.getControles))
	pages.Handle("POST /agence/controles", inst(s.postControle))
	pages.Handle("POST /agence/tirages", inst(s.postTirage))
	pages.Handle("GET /agence/tirages/{id}", inst(s.getTirage))
	pages.Handle("GET /agence/tirages/{id}/population", inst(s.getPopulation))
	pages.Handle("GET /agence/controles/{id}", inst(s.getControleAgent))
	pages.Handle("POST /agence/controles/{id}/messages", inst(s.postMessageControle))
	pages.Handle("POST /agence/controles/{id}/conclusion", inst(s.postConclusion))
	pages.Handle("GET /agence/controles/{id}/pieces/{piece}", inst(s.getPieceControleAgent))

	pages.Handle("GET /controles", s.handle(s.authentifie(s.getControlesFournisseur)))
	pages.Handle("GET /controles/{id}", s.handle(s.authentifie(s.getControleFournisseur)))
	pages.Handle("POST /controles/{id}/pieces", s.handle(s.authentifie(s.postPieceControle)))
	pages.Handle("GET /controles/{id}/pieces/{piece}", s.handle(s.authentifie(s.getPieceControleFournisseur)))

	agents := func(h handler) http.Handler {
		return s.handle(s.agent(h, segur.RoleInstructeur, segur.RolePayeur, segur.RoleAdmin))
	}
	pages.Handle("GET /agence/exports/{fichier}", agents(s.exporter(exportsAgence, s.getExport)))
	pages.Handle("GET /agence/pilotage", agents(s.getPilotage))
}

// controles is the service of the controls, on the server's store.
func (s *Server) controles() *agence.Controles {
	return &agence.Controles{Store: s.Store, Blobs: s.Blobs, Log: s.Log, Now: s.Now, Paris: s.Paris, Programme: s.programme(),
		LienControle: s.lienControle, DelaiReversement: 30}
}

// lienControle is the address of a control in the vendor's space, for
// mails: beside the requests' addresses the instruction writes, "" without.
func (s *Server) lienControle(id segur.ControleID) string {
	if s.Instruction == nil || s.Instruction.Lien == nil {
		return ""
	}
	base, ok := strings.CutSuffix(s.Instruction.Lien("X"), "/demandes/X")
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s/controles/%d", base, id)
}

// ControleVue is a control in a list or on its page.
type ControleVue struct {
	ID                                  int64
	Reference, NumeroASP, Fournisseur   string
	Etat, EtatCode, Origine, TirageLien string
	OuvertLe, OuvertPar                 string
	Echeance                            string // to answer by, while open
	ConcluLe, ConcluPar, Motif          string
	MontantReverse, Ordre               string
}

func (s *Server) controleVue(c *segur.Controle, noms map[segur.FournisseurID]string) ControleVue {
	v := ControleVue{ID: int64(c.ID), Reference: c.Reference(), NumeroASP: c.NumeroASP, Fournisseur: noms[c.FournisseurID],
		Etat: c.Etat.Libelle(), EtatCode: string(c.Etat), Origine: "demande choisie", OuvertLe: s.date(c.OuvertLe), OuvertPar: c.OuvertPar,
		ConcluPar: c.ConcluPar, Motif: c.Motif, Ordre: c.Ordre}
	if c.TirageID != 0 {
		v.Origine = fmt.Sprintf("tirage n° %d", c.TirageID)
		v.TirageLien = fmt.Sprintf("/agence/tirages/%d", c.TirageID)
	}
	if !c.ConcluLe.IsZero() {
		v.ConcluLe = s.date(c.ConcluLe)
	}
	if e := c.Echeance(); !e.IsZero() {
		v.Echeance = s.jour(e)
	}
	if c.MontantReverse > 0 {
		v.MontantReverse = segur.Euros(c.MontantReverse)
	}
	return v
}

// TirageVue is a draw in a list or on its page.
type TirageVue struct {
	ID                               int64
	Graine, Taux, Empreinte, Par, Le string
	Population, Taille               int
	Echantillon                      []ControleVue
}

func (s *Server) tirageVue(t *segur.Tirage) TirageVue {
	return TirageVue{ID: int64(t.ID), Graine: strconv.FormatInt(t.Graine, 10), Taux: segur.FormatTaux(t.Taux), Empreinte: t.Empreinte,
		Par: t.Par, Le: s.date(t.Quand), Population: t.Population, Taille: t.Tires}
}

// PageControles is the list of the controls and draws, with the forms
// that draw a sample and pick a request.
type PageControles struct {
	Base
	Onglets    []Onglet
	Etat       string
	Lignes     []ControleVue
	Total      int
	Pagination Pagination
	Tirages    []TirageVue
	// The forms' values.
	Taux, Graine, NumeroASP string
}

func (s *Server) getControles(w http.ResponseWriter, r *http.Request) error {
	return s.renderControles(w, r, http.StatusOK, PageControles{Taux: "5"})
}

func (s *Server) renderControles(w http.ResponseWriter, r *http.Request, status int, p PageControles) error {
	ctx := r.Context()
	p.Base = Base{Titre: "Contrôles a posteriori", Nav: "controles", Utilisateur: utilisateur(ctx), Flash: s.flash(w, r), Erreurs: p.Erreurs}
	etat := segur.EtatControle(r.URL.Query().Get("etat"))
	if etat != "" && etat != segur.ControleOuvert && etat != segur.ControleConforme && etat != segur.ControleNonConforme {
		etat = ""
	}
	p.Etat = string(etat)
	for _, e := range append([]segur.EtatControle{""}, segur.EtatsControle...) {
		_, n, err := s.Store.FindControles(ctx, segur.ControleFilter{Etat: e, Limit: 1})
		if err != nil {
			return err
		}
		o := Onglet{Statut: string(e), Libelle: e.Libelle(), Nombre: n, Lien: "/agence/controles?etat=" + string(e), Courant: e == etat}
		if e == "" {
			o.Libelle, o.Lien = "Tous", "/agence/controles"
		}
		p.Onglets = append(p.Onglets, o)
	}
	page := numeroPage(r)
	cs, total, err := s.Store.FindControles(ctx, segur.ControleFilter{Etat: etat, Limit: parPage, Offset: (page - 1) * parPage})
	if err != nil {
		return err
	}
	noms, err := s.nomsFournisseurs(ctx)
	if err != nil {
		return err
	}
	p.Total, p.Pagination = total, pagination(r, page, total)
	for i := range cs {
		p.Lignes = append(p.Lignes, s.controleVue(&cs[i], noms))
	}
	ts, _, err := s.Store.FindTirages(ctx, 20, 0)
	if err != nil {
		return err
	}
	for i := range ts {
		p.Tirages = append(p.Tirages, s.tirageVue(&ts[i]))
	}
	s.render(w, status, "controles.html", p)
	return nil
}

// Erreur is the message of field champ, "" when it is valid: the
// templates read {{.Erreur "taux"}}.
func (p PageControles) Erreur(champ string) string { return erreurDe(p.Erreurs, champ) }

// Erreur is the message of field champ, "" when it is valid.
func (p PageControle) Erreur(champ string) string { return erreurDe(p.Erreurs, champ) }

func erreurDe(errs []ErreurChamp, champ string) string {
	for _, e := range errs {
		if e.Champ == champ {
			return e.Message
		}
	}
	return ""
}

// refusAffichable reports whether err is shown beside a form's field: an
// application error but for not found and internal ones.
func refusAffichable(err error) (*segur.Error, bool) {
	var se *segur.Error
	if errors.As(err, &se) && se.Code != segur.ENOTFOUND && se.Code != segur.EINTERNAL {
		return se, true
	}
	return nil, false
}

// graineAuHasard is a seed from the system's random source.
func graineAuHasard() (int64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(b[:]) >> 1), nil
}

func (s *Server) postTirage(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	p := PageControles{Taux: couper(strings.TrimSpace(r.PostFormValue("taux")), 20), Graine: couper(strings.TrimSpace(r.PostFormValue("graine")), 30)}
	taux, err := segur.ParseTaux(p.Taux)
	if err != nil {
		p.Erreurs = append(p.Erreurs, ErreurChamp{"taux", err.Error()})
	}
	var graine int64
	if p.Graine == "" {
		if graine, err = graineAuHasard(); err != nil {
			return err
		}
	} else if graine, err = segur.ParseGraine(p.Graine); err != nil {
		p.Erreurs = append(p.Erreurs, ErreurChamp{"graine", err.Error()})
	}
	if len(p.Erreurs) > 0 {
		return s.renderControles(w, r, http.StatusUnprocessableEntity, p)
	}
	if !confirme(r) {
		// A seed drawn at random now is the one confirmed: the page
		// states the very sample.
		t, err := s.controles().PrevoirTirage(r.Context(), taux, graine)
		if se, ok := refusAffichable(err); ok {
			p.Erreurs = []ErreurChamp{{"taux", se.Message}}
			return s.renderControles(w, r, http.StatusUnprocessableEntity, p)
		}
		if err != nil {
			return err
		}
		s.confirmerTirage(w, r, t, p.Taux, p.Graine == "")
		return nil
	}
	t, err := s.controles().Tirer(r.Context(), taux, graine, utilisateur(r.Context()).Login)
	if se, ok := refusAffichable(err); ok {
		p.Erreurs = []ErreurChamp{{"taux", se.Message}}
		return s.renderControles(w, r, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Tirage n° %d : %d demande%s tirée%s sur %d, graine %d.", t.ID, len(t.Echantillon), pluriel(len(t.Echantillon)),
		pluriel(len(t.Echantillon)), t.Population, t.Graine)
	s.rediriger(w, r, fmt.Sprintf("/agence/tirages/%d", t.ID), msg)
	return nil
}

func pluriel(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}

func (s *Server) postControle(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	asp := strings.ToUpper(strings.TrimSpace(couper(r.PostFormValue("asp"), 40)))
	// refus shows a refusal beside the field, or lets handle render err.
	refus := func(err error) error {
		se, ok := refusAffichable(err)
		if !ok && !segur.IsCode(err, segur.ENOTFOUND) {
			return err
		}
		msg := err.Error()
		if ok {
			msg = se.Message
		}
		return s.renderControles(w, r, http.StatusUnprocessableEntity, PageControles{Base: Base{Erreurs: []ErreurChamp{{"asp", msg}}}, Taux: "5", NumeroASP: asp})
	}
	if !confirme(r) {
		d, err := s.controles().PrevoirOuverture(r.Context(), asp)
		if err != nil {
			return refus(err)
		}
		return s.confirmerOuverture(w, r, d)
	}
	c, err := s.controles().Ouvrir(r.Context(), asp, utilisateur(r.Context()).Login)
	if err != nil {
		return refus(err)
	}
	msg := fmt.Sprintf("Contrôle %s ouvert sur la demande %s.", c.Reference(), asp)
	s.rediriger(w, r, fmt.Sprintf("/agence/controles/%d", c.ID), msg)
	return nil
}

// PageTirage is a draw: how it was made, its sample, and whether it
// draws again the same.
type PageTirage struct {
	Base
	TirageVue
	Verifie bool
}

func (s *Server) tirage(r *http.Request) (*segur.Tirage, error) {
	id, err := idChemin(r, "id", "Ce tirage")
	if err != nil {
		return nil, err
	}
	return s.Store.FindTirage(r.Context(), segur.TirageID(id))
}

func (s *Server) getTirage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	t, err := s.tirage(r)
	if err != nil {
		return err
	}
	cs, _, err := s.Store.FindControles(ctx, segur.ControleFilter{TirageID: t.ID})
	if err != nil {
		return err
	}
	noms, err := s.nomsFournisseurs(ctx)
	if err != nil {
		return err
	}
	p := PageTirage{Base: Base{Titre: fmt.Sprintf("Tirage n° %d", t.ID), Nav: "controles", Utilisateur: utilisateur(ctx), Flash: s.flash(w, r)},
		TirageVue: s.tirageVue(t), Verifie: t.Verifier()}
	for i := range cs {
		p.Echantillon = append(p.Echantillon, s.controleVue(&cs[i], noms))
	}
	s.render(w, http.StatusOK, "controles-tirage.html", p)
	return nil
}

// getPopulation sends a draw's population, one ASP number per line, as
// its digest is computed: anyone can draw it again.
func (s *Server) getPopulation(w http.ResponseWriter, r *http.Request) error {
	t, err := s.tirage(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="tirage-%d-population.txt"`, t.ID))
	var b strings.Builder
	for _, a := range t.Candidats {
		b.WriteString(a + "\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// PageControle is a control's page, for an agent or for its vendor.
type PageControle struct {
	Base
	Controle ControleVue
	Ouvert   bool
	Demande  DemandeControle
	Messages []MessageVue
	Pieces   []PieceControleVue
	// ColonneAntivirus: a file has a verdict to show.
	ColonneAntivirus bool
	// The forms' values.
	Message, Resultat, Motif, Montant string
}

// DemandeControle is what a control's page shows of its request.
type DemandeControle struct {
	NumeroASP, NumeroEditeur, Lien, Statut, Fournisseur, SIRET string
	MontantFinance, AvanceVersee, SoldeVerse, TotalVerse       string
	OrdreLien                                                  string
	OrdreHTML                                                  string // the link to its HTML version, "" when it has none
}

// MessageVue is a message of the agency to the vendor.
type MessageVue struct {
	Quand, Par, Texte string
}

// PieceControleVue is a file the vendor sent, with the link that shows it
// inline, none when the antivirus's verdict forbids it.
type PieceControleVue struct {
	Nom, Format, Lien, DeposeLe, Par, Taille string
	Image                                    bool
	Antivirus                                AnalyseVue
}

func (s *Server) controle(r *http.Request) (*segur.Controle, error) {
	id, err := idChemin(r, "id", "Ce contrôle")
	if err != nil {
		return nil, err
	}
	return s.Store.FindControle(r.Context(), segur.ControleID(id))
}

// pageControle gathers a control's page, for an agent (links under
// /agence/, who did what) or for its vendor (its own links, the agency
// as author).
func (s *Server) pageControle(ctx context.Context, c *segur.Controle, agent bool) (PageControle, error) {
	d, err := s.Store.FindDemandeByASP(ctx, c.NumeroASP)
	if err != nil {
		return PageControle{}, err
	}
	f, err := s.Store.FindFournisseurByID(ctx, d.FournisseurID)
	if err != nil {
		return PageControle{}, err
	}
	base, demande := fmt.Sprintf("/controles/%d", c.ID), "/demandes/"+d.NumeroASP
	if agent {
		base, demande = "/agence"+base, "/agence"+demande
	}
	avance, solde, err := agence.Verse(ctx, s.Store, d)
	if err != nil {
		return PageControle{}, err
	}
	p := PageControle{Controle: s.controleVue(c, map[segur.FournisseurID]string{f.ID: f.Nom}), Ouvert: c.Etat == segur.ControleOuvert,
		Demande: DemandeControle{NumeroASP: d.NumeroASP, NumeroEditeur: d.NumeroEditeur, Lien: demande, Statut: d.Statut.Libelle(),
			Fournisseur: f.Nom, SIRET: f.SIRET, MontantFinance: segur.Euros(d.MontantFinance), AvanceVersee: segur.Euros(avance),
			SoldeVerse: segur.Euros(solde), TotalVerse: segur.Euros(avance + solde)}}
	if c.Ordre != "" {
		p.Demande.OrdreLien = demande + "/documents/" + c.Ordre
		docs, err := s.Store.FindDocuments(ctx, d.NumeroASP)
		if err != nil {
			return PageControle{}, err
		}
		for _, o := range docs {
			if o.Reference == c.Ordre {
				p.Demande.OrdreHTML = lienHTML(p.Demande.OrdreLien, o.HTML)
			}
		}
	}
	if !agent {
		// The vendor reads the agency's acts, not its agents' logins.
		p.Controle.OuvertPar, p.Controle.ConcluPar = "", ""
	}
	for _, m := range c.Messages {
		v := MessageVue{Quand: s.date(m.Quand), Par: m.Par, Texte: m.Texte}
		if !agent {
			v.Par = "l'agence"
		}
		p.Messages = append(p.Messages, v)
	}
	av := s.vuesAntivirus(agent)
	for _, pc := range c.Pieces {
		v := PieceControleVue{Nom: pc.Nom, Format: pc.Format, Lien: fmt.Sprintf("%s/pieces/%d", base, pc.ID),
			DeposeLe: s.date(pc.DeposeLe), Par: pc.Par, Taille: taille(pc.Fichier.Taille), Image: pc.Format != "PDF"}
		var ouvrable bool
		if v.Antivirus, ouvrable, err = av.piece(ctx, pc.Fichier.SHA256, "", pc.Nom); err != nil {
			return PageControle{}, err
		}
		if !ouvrable {
			v.Lien = ""
		}
		p.ColonneAntivirus = p.ColonneAntivirus || v.Antivirus.Texte != ""
		p.Pieces = append(p.Pieces, v)
	}
	return p, nil
}

// taille writes a file's size in French units, a narrow no-break space
// before them: « 12 Ko », « 1,5 Mo ».
func taille(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d\u202fKo", (n+1023)>>10)
	}
	return strings.Replace(fmt.Sprintf("%.1f\u202fMo", float64(n)/(1<<20)), ".", ",", 1)
}

func (s *Server) getControleAgent(w http.ResponseWriter, r *http.Request) error {
	return s.renderControleAgent(w, r, http.StatusOK, PageControle{Resultat: "conforme"})
}

func (s *Server) renderControleAgent(w http.ResponseWriter, r *http.Request, status int, form PageControle) error {
	ctx := r.Context()
	c, err := s.controle(r)
	if err != nil {
		return err
	}
	p, err := s.pageControle(ctx, c, true)
	if err != nil {
		return err
	}
	p.Base = Base{Titre: "Contrôle " + c.Reference(), Nav: "controles", Utilisateur: utilisateur(ctx), Flash: s.flash(w, r), Erreurs: form.Erreurs}
	p.Message, p.Resultat, p.Motif, p.Montant = form.Message, form.Resultat, form.Motif, form.Montant
	s.render(w, status, "controles-controle.html", p)
	return nil
}

func (s *Server) postMessageControle(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	c, err := s.controle(r)
	if err != nil {
		return err
	}
	texte := couper(r.PostFormValue("message"), 4*segur.MaxMessageControle)
	refus := func(se *segur.Error) error {
		return s.renderControleAgent(w, r, http.StatusUnprocessableEntity, PageControle{Base: Base{Erreurs: []ErreurChamp{{"message", se.Message}}},
			Message: texte, Resultat: "conforme"})
	}
	if !confirme(r) {
		ap, err := s.controles().PrevoirMessage(r.Context(), c.ID, texte)
		if se, ok := refusAffichable(err); ok {
			return refus(se)
		}
		if err != nil {
			return err
		}
		s.confirmerMessage(w, r, ap)
		return nil
	}
	err = s.controles().Demander(r.Context(), c.ID, texte, utilisateur(r.Context()).Login)
	if se, ok := refusAffichable(err); ok {
		return refus(se)
	}
	if err != nil {
		return err
	}
	s.rediriger(w, r, fmt.Sprintf("/agence/controles/%d", c.ID), "Message envoyé au fournisseur.")
	return nil
}

func (s *Server) postConclusion(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	c, err := s.controle(r)
	if err != nil {
		return err
	}
	form := PageControle{Resultat: r.PostFormValue("resultat"), Motif: couper(r.PostFormValue("motif"), 4*segur.MaxMotifControle),
		Montant: couper(strings.TrimSpace(r.PostFormValue("montant")), 30)}
	refus := func(champ, msg string) error {
		form.Erreurs = []ErreurChamp{{champ, msg}}
		return s.renderControleAgent(w, r, http.StatusUnprocessableEntity, form)
	}
	cl := segur.Conclusion{Motif: form.Motif}
	switch form.Resultat {
	case "conforme":
		cl.Conforme = true
	case "non_conforme":
		if form.Montant != "" {
			m, ok := segur.LireEuros(form.Montant)
			if !ok || m <= 0 {
				return refus("montant", "Montant à reverser : « "+form.Montant+" » n'est pas un montant supérieur à 0 ; attendu par exemple 1500 ou 1500,50, ou rien pour tout ce qui a été versé.")
			}
			cl.Montant = m
		}
	default:
		return refus("resultat-conforme", "Résultat : choisissez « conforme » ou « non conforme ».")
	}
	a := s.acteAgent(r)
	refusConclusion := func(se *segur.Error) error {
		champ := "motif"
		if strings.HasPrefix(se.Message, "Montant") {
			champ = "montant"
		}
		return refus(champ, se.Message)
	}
	if !confirme(r) {
		ap, err := s.controles().PrevoirConclusion(r.Context(), c.ID, cl, a)
		if se, ok := refusAffichable(err); ok {
			return refusConclusion(se)
		}
		if err != nil {
			return err
		}
		return s.confirmerConclusion(w, r, ap, form)
	}
	fin, err := s.controles().Conclure(r.Context(), c.ID, cl, a)
	if se, ok := refusAffichable(err); ok {
		return refusConclusion(se)
	}
	if err != nil {
		return err
	}
	msg := "Contrôle " + fin.Reference() + " clos : demande conforme."
	if fin.Etat == segur.ControleNonConforme {
		msg = fmt.Sprintf("Contrôle %s clos : demande non conforme ; ordre de reversement %s de %s envoyé au fournisseur.", fin.Reference(), fin.Ordre, segur.Euros(fin.MontantReverse))
	}
	s.rediriger(w, r, fmt.Sprintf("/agence/controles/%d", c.ID), msg)
	return nil
}

func (s *Server) getPieceControleAgent(w http.ResponseWriter, r *http.Request) error {
	c, err := s.controle(r)
	if err != nil {
		return err
	}
	return s.pieceControle(w, r, c)
}

// pieceControle sends the path's file of control c inline.
func (s *Server) pieceControle(w http.ResponseWriter, r *http.Request, c *segur.Controle) error {
	id, err := idChemin(r, "piece", "Cette pièce")
	if err != nil {
		return err
	}
	for _, p := range c.Pieces {
		if p.ID == id {
			if err := s.controlerAntivirus(r.Context(), p.Fichier.SHA256, "", p.Nom); err != nil {
				return err
			}
			return s.montrer(w, r, p.Fichier, p.Format, p.Nom)
		}
	}
	return introuvable("Cette pièce")
}

// PageControlesFournisseur is the list of a vendor's controls.
type PageControlesFournisseur struct {
	Base
	Lignes     []ControleVue
	Total      int
	Pagination Pagination
}

func (s *Server) getControlesFournisseur(w http.ResponseWriter, r *http.Request) error {
	f, err := s.fournisseur(r)
	if err != nil {
		return err
	}
	page := numeroPage(r)
	cs, total, err := s.Store.FindControles(r.Context(), segur.ControleFilter{FournisseurID: f.ID, Limit: parPage, Offset: (page - 1) * parPage})
	if err != nil {
		return err
	}
	p := PageControlesFournisseur{Base: Base{Titre: "Vos contrôles", Nav: "controles", Utilisateur: utilisateur(r.Context())},
		Total: total, Pagination: pagination(r, page, total)}
	for i := range cs {
		v := s.controleVue(&cs[i], map[segur.FournisseurID]string{f.ID: f.Nom})
		v.OuvertPar, v.ConcluPar, v.TirageLien = "", "", ""
		p.Lignes = append(p.Lignes, v)
	}
	s.render(w, http.StatusOK, "controles-fournisseur.html", p)
	return nil
}

// controleDuFournisseur reads the path's control if it is the vendor's:
// another vendor's control is not found, as if it did not exist.
func (s *Server) controleDuFournisseur(r *http.Request) (*segur.Fournisseur, *segur.Controle, error) {
	f, err := s.fournisseur(r)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.controle(r)
	if err == nil && c.FournisseurID != f.ID {
		err = segur.Errorf(segur.ENOTFOUND, "contrôle introuvable")
	}
	if err != nil {
		return nil, nil, err
	}
	return f, c, nil
}

func (s *Server) getControleFournisseur(w http.ResponseWriter, r *http.Request) error {
	return s.renderControleFournisseur(w, r, http.StatusOK, nil)
}

func (s *Server) renderControleFournisseur(w http.ResponseWriter, r *http.Request, status int, errs []ErreurChamp) error {
	_, c, err := s.controleDuFournisseur(r)
	if err != nil {
		return err
	}
	p, err := s.pageControle(r.Context(), c, false)
	if err != nil {
		return err
	}
	// The vendor sees what the agency did, not which agent; the draws are
	// the agents' pages.
	p.Controle.OuvertPar, p.Controle.ConcluPar, p.Controle.TirageLien = "", "", ""
	p.Base = Base{Titre: "Contrôle " + c.Reference(), Nav: "controles", Utilisateur: utilisateur(r.Context()), Flash: s.flash(w, r), Erreurs: errs}
	s.render(w, status, "controles-fournisseur-controle.html", p)
	return nil
}

func (s *Server) postPieceControle(w http.ResponseWriter, r *http.Request) error {
	f, c, err := s.controleDuFournisseur(r)
	if err != nil {
		return err
	}
	refus := func(status int, msg string) error {
		return s.renderControleFournisseur(w, r, status, []ErreurChamp{{"fichier", msg}})
	}
	if err := f.PeutDeposer(s.Guichet.Contact); err != nil {
		return refus(http.StatusForbidden, err.Error())
	}
	const max = segur.MaxPieceControle + 64<<10
	r.Body = http.MaxBytesReader(w, r.Body, max)
	if err := r.ParseMultipartForm(max); err != nil {
		return refus(http.StatusRequestEntityTooLarge, fmt.Sprintf("Envoi illisible ou fichier trop volumineux : au plus %d Mo.", segur.MaxPieceControle>>20))
	}
	file, hdr, err := r.FormFile("fichier")
	if err != nil {
		return refus(http.StatusUnprocessableEntity, "Fichier manquant : choisissez un fichier PDF, PNG ou JPG.")
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, segur.MaxPieceControle+1))
	switch {
	case err != nil:
		return refus(http.StatusUnprocessableEntity, "Envoi interrompu : déposez le fichier de nouveau.")
	case len(b) > segur.MaxPieceControle:
		return refus(http.StatusRequestEntityTooLarge, fmt.Sprintf("Fichier trop volumineux : au plus %d Mo.", segur.MaxPieceControle>>20))
	case len(b) == 0:
		return refus(http.StatusUnprocessableEntity, "Fichier vide : choisissez un fichier PDF, PNG ou JPG.")
	}
	p := &segur.PieceControle{Nom: nomAffiche(hdr.Filename), Format: hop.FormatPiece(b[:min(len(b), 8)]), Par: utilisateur(r.Context()).Login,
		Fichier: segur.BlobRef{Taille: int64(len(b))}}
	// Checked before the file is stored: a refused file leaves nothing.
	if err := c.ValiderPiece(p); err != nil {
		if se, ok := refusAffichable(err); ok {
			return refus(http.StatusUnprocessableEntity, se.Message)
		}
		return err
	}
	if p.Fichier, err = s.Blobs.Put(r.Context(), bytes.NewReader(b), segur.MaxPieceControle); err != nil {
		return err
	}
	err = s.controles().Deposer(r.Context(), c.ID, f.ID, p)
	if se, ok := refusAffichable(err); ok {
		return refus(http.StatusUnprocessableEntity, se.Message)
	}
	if err != nil {
		return err
	}
	s.rediriger(w, r, fmt.Sprintf("/controles/%d", c.ID), "Pièce « "+p.Nom+" » envoyée à l'agence.")
	return nil
}

func (s *Server) getPieceControleFournisseur(w http.ResponseWriter, r *http.Request) error {
	_, c, err := s.controleDuFournisseur(r)
	if err != nil {
		return err
	}
	return s.pieceControle(w, r, c)
}
