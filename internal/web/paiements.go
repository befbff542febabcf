package web

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

func init() {
	morePages = append(morePages, "agence-paiements.html", "agence-paiements-lot.html", "avis-paiement.html")
}

// routesPaiements registers the payment officers' pages (role payeur),
// and the vendor's page of its payment notices.
func (s *Server) routesPaiements(pages *http.ServeMux) {
	pay := func(h handler) http.Handler { return s.handle(s.agent(h, segur.RolePayeur)) }
	pages.Handle("GET /agence/paiements", pay(s.getPaiements))
	pages.Handle("POST /agence/paiements/lots", pay(s.postLotPaiement))
	pages.Handle("GET /agence/paiements/lots/{id}", pay(s.getLotPaiement))
	pages.Handle("POST /agence/paiements/lots/{id}/approuver", pay(s.postApprouverLot))
	pages.Handle("POST /agence/paiements/lots/{id}/annuler", pay(s.postAnnulerLot))
	pages.Handle("POST /agence/paiements/lots/{id}/payer", pay(s.postPayerLot))
	pages.Handle("GET /agence/paiements/lots/{id}/virement.xml", pay(s.getVirement))
	pages.Handle("GET /agence/paiements/lots/{id}/avis/{ref}", pay(func(w http.ResponseWriter, r *http.Request) error { return s.getAvisAgent(w, r, false) }))
	pages.Handle("GET /agence/paiements/lots/{id}/avis/{ref}/html", pay(func(w http.ResponseWriter, r *http.Request) error { return s.getAvisAgent(w, r, true) }))
	pages.Handle("GET /paiements", s.handle(s.authentifie(s.getAvisFournisseur)))
	pages.Handle("GET /paiements/{ref}", s.handle(s.authentifie(func(w http.ResponseWriter, r *http.Request) error { return s.getAvis(w, r, false) })))
	pages.Handle("GET /paiements/{ref}/html", s.handle(s.authentifie(func(w http.ResponseWriter, r *http.Request) error { return s.getAvis(w, r, true) })))
}

// LignePaiement is a payment as the pages show it.
type LignePaiement struct {
	NumeroASP, NumeroEditeur, Nature, Montant string
}

// GroupePaiements is one vendor's payments: due, or in a batch.
type GroupePaiements struct {
	Fournisseur, SIRET, IBAN string // IBAN masked
	Banque                   bool   // bank details known: payable by transfer
	Lignes                   []LignePaiement
	Nombre                   int
	Total                    string
	Avis                     *AvisVue // the notice, once the batch is paid
}

// LotVue is a batch in the list.
type LotVue struct {
	ID                                int64
	Reference, Etat, EtatCode, CreeLe string
	CreePar, Nombre, Montant, PayeLe  string
}

// PagePaiements is the payment officers' page: the payments due, the
// batches.
type PagePaiements struct {
	Base
	Dus        []GroupePaiements
	NombreDus  int
	TotalDus   string
	Lots       []LotVue
	TotalLots  int
	Pagination Pagination
}

func lignePaiement(p segur.Paiement) LignePaiement {
	return LignePaiement{NumeroASP: p.NumeroASP, NumeroEditeur: p.NumeroEditeur, Nature: p.Nature.Libelle(), Montant: segur.Euros(p.Montant)}
}

func (s *Server) lotVue(l segur.Lot) LotVue {
	v := LotVue{ID: int64(l.ID), Reference: l.Reference(), Etat: l.Etat.Libelle(), EtatCode: string(l.Etat), CreeLe: s.date(l.CreeLe),
		CreePar: l.CreePar, Nombre: strconv.Itoa(l.Nombre), Montant: segur.Euros(l.Montant)}
	if l.Etat == segur.LotPaye {
		v.PayeLe = l.PayeLe.String()
	}
	return v
}

// fournisseursParID reads every vendor, by ID.
func (s *Server) fournisseursParID(ctx context.Context) (map[segur.FournisseurID]*segur.Fournisseur, error) {
	fs, err := s.Store.FindFournisseurs(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[segur.FournisseurID]*segur.Fournisseur, len(fs))
	for i := range fs {
		out[fs[i].ID] = &fs[i]
	}
	return out, nil
}

// grouper groups payments by vendor, in the order given (by vendor).
func grouper(ps []segur.Paiement, fs map[segur.FournisseurID]*segur.Fournisseur) []GroupePaiements {
	var out []GroupePaiements
	var totaux []int64
	for _, p := range ps {
		if len(out) == 0 || out[len(out)-1].SIRET != fs[p.FournisseurID].SIRET {
			f := fs[p.FournisseurID]
			g := GroupePaiements{Fournisseur: f.Nom, SIRET: f.SIRET, Banque: f.IBAN != "" && f.BIC != ""}
			iban := f.IBAN
			if p.LotID != 0 {
				// A batch's payment carries the details in force when the
				// batch was prepared: its transfer goes there.
				iban, g.Banque = p.IBAN, p.IBAN != "" && p.BIC != ""
			}
			if g.Banque {
				g.IBAN = segur.MasquerIBAN(iban)
			}
			out, totaux = append(out, g), append(totaux, 0)
		}
		g := &out[len(out)-1]
		g.Lignes = append(g.Lignes, lignePaiement(p))
		g.Nombre++
		totaux[len(totaux)-1] += p.Montant
	}
	for i := range out {
		out[i].Total = segur.Euros(totaux[i])
	}
	return out
}

func (s *Server) pagePaiements(r *http.Request, errs []ErreurChamp) (PagePaiements, error) {
	ctx := r.Context()
	p := PagePaiements{Base: Base{Titre: "Paiements", Nav: "paiements", Utilisateur: utilisateur(ctx), Erreurs: errs}}
	fs, err := s.fournisseursParID(ctx)
	if err != nil {
		return p, err
	}
	dus, err := s.Store.FindPaiementsDus(ctx)
	if err != nil {
		return p, err
	}
	var total int64
	for _, d := range dus {
		total += d.Montant
	}
	p.Dus, p.NombreDus, p.TotalDus = grouper(dus, fs), len(dus), segur.Euros(total)
	page := numeroPage(r)
	lots, n, err := s.Store.FindLots(ctx, parPage, (page-1)*parPage)
	if err != nil {
		return p, err
	}
	for _, l := range lots {
		p.Lots = append(p.Lots, s.lotVue(l))
	}
	p.TotalLots, p.Pagination = n, pagination(r, page, n)
	return p, nil
}

func (s *Server) getPaiements(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pagePaiements(r, nil)
	if err != nil {
		return err
	}
	p.Flash = s.flash(w, r)
	s.render(w, http.StatusOK, "agence-paiements.html", p)
	return nil
}

// refusable reports whether err is a refusal to show beside the form
// (not a missing page, not an internal error).
func refusable(err error) (*segur.Error, bool) {
	var se *segur.Error
	if errors.As(err, &se) && se.Code != segur.ENOTFOUND && se.Code != segur.EINTERNAL && se.Code != segur.EUNAUTHORIZED {
		return se, true
	}
	return nil, false
}

// phraseFR capitalises a message of the domain for a page.
func phraseFR(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:]) + map[bool]string{true: "", false: "."}[strings.HasSuffix(s, ".")]
}

func (s *Server) postLotPaiement(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		return segur.Errorf(segur.EINVALID, "Formulaire illisible.")
	}
	var asps []string
	if r.PostFormValue("tous") != "1" {
		asps = r.PostForm["asp"]
		if len(asps) == 0 {
			return s.refusPaiements(w, r, segur.Errorf(segur.EINVALID, "aucun paiement choisi : cochez les paiements du lot, ou préparez un lot de tous les paiements dus"))
		}
		if len(asps) > segur.MaxLot {
			return s.refusPaiements(w, r, segur.Errorf(segur.EINVALID, "%d paiements choisis : au plus %d par lot", len(asps), segur.MaxLot))
		}
	}
	l, err := s.Paiements.Creer(r.Context(), asps, utilisateur(r.Context()).Login)
	if err != nil {
		return s.refusPaiements(w, r, err)
	}
	msg := "Lot " + l.Reference() + " préparé : " + segur.Pluriel(len(l.Paiements), "paiement", "paiements") + ", " + segur.Euros(l.Montant) + ". Un autre payeur, qui n'a décidé aucune de ses demandes, doit l'approuver."
	s.rediriger(w, r, "/agence/paiements/lots/"+strconv.FormatInt(int64(l.ID), 10), msg)
	return nil
}

// refusPaiements shows the payments' page again with the refusal, or
// lets handle render an internal error.
func (s *Server) refusPaiements(w http.ResponseWriter, r *http.Request, err error) error {
	se, ok := refusable(err)
	if !ok {
		return err
	}
	p, err := s.pagePaiements(r, []ErreurChamp{{Message: phraseFR(se.Message)}})
	if err != nil {
		return err
	}
	s.render(w, http.StatusUnprocessableEntity, "agence-paiements.html", p)
	return nil
}

// AvisVue is a payment notice with its link.
type AvisVue struct {
	Reference, Lien, DatePaiement, Montant, CreeLe, SHA256 string
	HTML                                                   string // the link to its HTML version, "" when it has none
	SansHTML                                               bool   // issued before HTML versions existed
}

func (s *Server) avisVue(a segur.Avis, base string) AvisVue {
	v := AvisVue{Reference: a.Reference, Lien: base + url.PathEscape(a.Reference), DatePaiement: a.DatePaiement.String(),
		Montant: segur.Euros(a.Montant), CreeLe: s.date(a.CreeLe), SHA256: a.Fichier.SHA256}
	v.HTML, v.SansHTML = lienHTML(v.Lien, a.HTML), a.HTML == ""
	return v
}

// PageLotPaiement is a batch's page.
type PageLotPaiement struct {
	Base
	Lot LotVue
	// Banques says, for a batch not yet paid, the vendors whose bank
	// details have a change pending or changed since its preparation: the
	// batch pays the details in force when it was prepared.
	Banques   []string
	Groupes   []GroupePaiements
	Etapes    []Etape
	Approuver bool // the batch is a draft
	// Prepare is true when the user prepared the draft: another payment
	// officer approves it (four eyes), the user may only cancel it.
	Prepare    bool
	Payer      bool // approved: the transfer file, the marking paid
	Virement   string
	Aujourdhui string // AAAA-MM-JJ, Europe/Paris: the date field's default and bound
	Le         string // the date field's value
}

// Etape is a step of a batch's life: what, when, who.
type Etape struct {
	Quoi, Quand, Par string
}

func lotID(r *http.Request) (segur.LotID, error) {
	id, err := idChemin(r, "id", "Ce lot de paiement")
	return segur.LotID(id), err
}

func (s *Server) pageLot(r *http.Request, errs []ErreurChamp) (PageLotPaiement, error) {
	ctx := r.Context()
	p := PageLotPaiement{Base: Base{Nav: "paiements", Utilisateur: utilisateur(ctx), Erreurs: errs}}
	id, err := lotID(r)
	if err != nil {
		return p, err
	}
	l, err := s.Store.FindLot(ctx, id)
	if err != nil {
		return p, err
	}
	fs, err := s.fournisseursParID(ctx)
	if err != nil {
		return p, err
	}
	p.Titre, p.Lot = "Lot de paiement "+l.Reference(), s.lotVue(*l)
	p.Groupes = grouper(l.Paiements, fs)
	if l.Etat == segur.LotBrouillon || l.Etat == segur.LotApprouve {
		if p.Banques, err = s.banquesDuLot(ctx, l, fs); err != nil {
			return p, err
		}
	}
	if l.Etat == segur.LotPaye {
		avis, err := s.Store.FindAvisDuLot(ctx, id)
		if err != nil {
			return p, err
		}
		base := "/agence/paiements/lots/" + strconv.FormatInt(int64(id), 10) + "/avis/"
		for i := range p.Groupes {
			for _, a := range avis {
				if f := fs[a.FournisseurID]; f != nil && f.SIRET == p.Groupes[i].SIRET {
					v := s.avisVue(a, base)
					p.Groupes[i].Avis = &v
				}
			}
		}
	}
	p.Etapes = append(p.Etapes, Etape{"Préparé", s.date(l.CreeLe), l.CreePar})
	if !l.ApprouveLe.IsZero() {
		p.Etapes = append(p.Etapes, Etape{"Approuvé", s.date(l.ApprouveLe), l.ApprouvePar})
	}
	if l.Etat == segur.LotPaye {
		p.Etapes = append(p.Etapes, Etape{"Marqué payé (virement du " + l.PayeLe.String() + ")", s.date(l.MarqueLe), l.MarquePar})
	}
	if l.Etat == segur.LotAnnule {
		p.Etapes = append(p.Etapes, Etape{"Annulé", s.date(l.AnnuleLe), l.AnnulePar})
	}
	p.Approuver = l.Etat == segur.LotBrouillon
	p.Prepare = p.Approuver && l.PrepareePar(p.Utilisateur.Login)
	p.Payer = l.Etat == segur.LotApprouve
	if l.Etat == segur.LotApprouve || l.Etat == segur.LotPaye {
		p.Virement = "/agence/paiements/lots/" + strconv.FormatInt(int64(id), 10) + "/virement.xml"
	}
	p.Aujourdhui = s.Now().In(s.Paris).Format("2006-01-02")
	p.Le = p.Aujourdhui
	return p, nil
}

// banquesDuLot says, for each vendor of batch l, whether a change of its
// bank details is pending or was approved since the batch was prepared:
// either way the batch pays the details it carries.
func (s *Server) banquesDuLot(ctx context.Context, l *segur.Lot, fs map[segur.FournisseurID]*segur.Fournisseur) ([]string, error) {
	attente, err := s.Store.FindBanquesEnAttente(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range l.Versements() {
		f := fs[v.FournisseurID]
		if f == nil {
			continue
		}
		if attente[f.ID] {
			out = append(out, "Changement de coordonnées bancaires en attente pour "+f.Nom+" : ce lot utilise les coordonnées en vigueur (IBAN "+segur.MasquerIBAN(v.IBAN)+").")
		}
		if f.IBAN != v.IBAN || f.BIC != v.BIC {
			m := "Les coordonnées bancaires de " + f.Nom + " ont changé depuis la préparation du lot : ce lot utilise celles en vigueur à sa préparation (IBAN " + segur.MasquerIBAN(v.IBAN) + ")"
			if l.Etat == segur.LotBrouillon {
				m += "\u202f; pour payer le nouveau compte, annulez ce lot et préparez-en un autre"
			}
			out = append(out, m+".")
		}
	}
	return out, nil
}

func (s *Server) getLotPaiement(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pageLot(r, nil)
	if err != nil {
		return err
	}
	p.Flash = s.flash(w, r)
	s.render(w, http.StatusOK, "agence-paiements-lot.html", p)
	return nil
}

// refusLot shows the batch's page again with the refusal beside champ,
// or lets handle render the error.
func (s *Server) refusLot(w http.ResponseWriter, r *http.Request, err error, champ, le string) error {
	se, ok := refusable(err)
	if !ok {
		return err
	}
	p, err := s.pageLot(r, []ErreurChamp{{Champ: champ, Message: phraseFR(se.Message)}})
	if err != nil {
		return err
	}
	if le != "" {
		p.Le = le
	}
	status := http.StatusUnprocessableEntity
	if se.Code == segur.EFORBIDDEN {
		status = http.StatusForbidden
	}
	s.render(w, status, "agence-paiements-lot.html", p)
	return nil
}

// retourLot leads back to the batch's page with a message.
func (s *Server) retourLot(w http.ResponseWriter, r *http.Request, id segur.LotID, msg string) {
	s.rediriger(w, r, "/agence/paiements/lots/"+strconv.FormatInt(int64(id), 10), msg)
}

func (s *Server) postApprouverLot(w http.ResponseWriter, r *http.Request) error {
	id, err := lotID(r)
	if err != nil {
		return err
	}
	if !confirme(r) {
		return s.confirmerLotPaiement(w, r, id, "approuver", "")
	}
	l, err := s.Paiements.Approuver(r.Context(), id, utilisateur(r.Context()).Login)
	if err != nil {
		return s.refusLot(w, r, err, "", "")
	}
	s.retourLot(w, r, id, "Lot "+l.Reference()+" approuvé : téléchargez le virement SEPA pour la banque, puis marquez le lot payé une fois le virement exécuté.")
	return nil
}

func (s *Server) postAnnulerLot(w http.ResponseWriter, r *http.Request) error {
	id, err := lotID(r)
	if err != nil {
		return err
	}
	if !confirme(r) {
		return s.confirmerLotPaiement(w, r, id, "annuler", "")
	}
	l, err := s.Paiements.Annuler(r.Context(), id, utilisateur(r.Context()).Login)
	if err != nil {
		return s.refusLot(w, r, err, "", "")
	}
	s.retourLot(w, r, id, "Lot "+l.Reference()+" annulé : ses paiements sont de nouveau dus.")
	return nil
}

func (s *Server) postPayerLot(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	id, err := lotID(r)
	if err != nil {
		return err
	}
	v := strings.TrimSpace(r.PostFormValue("le"))
	t, err := time.ParseInLocation("2006-01-02", v, s.Paris)
	if err != nil {
		return s.refusLot(w, r, segur.Errorf(segur.EINVALID, "date du virement « %s » : attendu une date AAAA-MM-JJ", couper(v, 20)), "le", v)
	}
	le := hop.Date{Annee: t.Year(), Mois: int(t.Month()), Jour: t.Day()}
	if !confirme(r) {
		return s.confirmerLotPaiement(w, r, id, "payer", v)
	}
	u := utilisateur(r.Context())
	l, err := s.Paiements.MarquerPaye(r.Context(), id, le, u.Login, adresse(r))
	if err != nil {
		return s.refusLot(w, r, err, "le", v)
	}
	s.retourLot(w, r, id, "Lot "+l.Reference()+" payé le "+le.String()+" : les demandes sont à jour et chaque fournisseur reçoit son avis de paiement.")
	return nil
}

func (s *Server) getVirement(w http.ResponseWriter, r *http.Request) error {
	id, err := lotID(r)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	nom, err := s.Paiements.Virement(r.Context(), id, &b)
	if err != nil {
		return err
	}
	// Who took the bank file, when, and which one: in the audit log.
	if err := s.Store.CreateEvenementVirement(r.Context(), id, nom, b.Bytes()); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/xml; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": nom}))
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	_, err = w.Write(b.Bytes())
	return err
}

// getAvisAgent sends a notice of the batch to a payment officer, as PDF or
// its HTML version.
func (s *Server) getAvisAgent(w http.ResponseWriter, r *http.Request, html bool) error {
	id, err := lotID(r)
	if err != nil {
		return err
	}
	a, err := s.Store.FindAvis(r.Context(), r.PathValue("ref"))
	if err == nil && a.LotID != id {
		err = segur.Errorf(segur.ENOTFOUND, "avis de paiement introuvable")
	}
	if err != nil {
		return err
	}
	return s.envoyerAvis(w, r, a, html)
}

// PageAvis is the vendor's list of its payment notices.
type PageAvis struct {
	Base
	Avis       []AvisVue
	Total      int
	Pagination Pagination
}

func (s *Server) getAvisFournisseur(w http.ResponseWriter, r *http.Request) error {
	f, err := s.fournisseur(r)
	if err != nil {
		return err
	}
	page := numeroPage(r)
	avis, n, err := s.Store.FindAvisFournisseur(r.Context(), f.ID, parPage, (page-1)*parPage)
	if err != nil {
		return err
	}
	p := PageAvis{Base: Base{Titre: "Avis de paiement", Nav: "avis", Utilisateur: utilisateur(r.Context())}, Total: n, Pagination: pagination(r, page, n)}
	for _, a := range avis {
		p.Avis = append(p.Avis, s.avisVue(a, "/paiements/"))
	}
	s.render(w, http.StatusOK, "avis-paiement.html", p)
	return nil
}

// getAvis sends a vendor one of its notices, as PDF or its HTML version;
// another vendor's is not found, as if it did not exist.
func (s *Server) getAvis(w http.ResponseWriter, r *http.Request, html bool) error {
	f, err := s.fournisseur(r)
	if err != nil {
		return err
	}
	ref := r.PathValue("ref")
	a, err := s.Store.FindAvis(r.Context(), ref)
	if err == nil && a.FournisseurID != f.ID {
		err = segur.Errorf(segur.ENOTFOUND, "avis de paiement %s introuvable", couper(ref, 40))
	}
	if err != nil {
		return err
	}
	return s.envoyerAvis(w, r, a, html)
}
