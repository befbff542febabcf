package web

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// A vendor's bank details under four eyes, on its administration page:
// one administrator proposes the new IBAN and BIC with the bank's
// statement, a second one approves them (the proposer cannot), either
// rejects them with a reason. Each step is one store call, one
// transaction, audited with the details before and after. A proposal not
// approved within segur.ValiditeChangementBanque expires. The
// administrators list every vendor's changes awaiting approval on
// /agence/admin/banque.

func init() {
	morePages = append(morePages, "admin-banque.html")
}

// routesBanque registers the bank details' steps (role admin).
func (s *Server) routesBanque(pages *http.ServeMux, admin func(h handler) http.Handler) {
	pages.Handle("GET /agence/admin/banque", admin(s.getAdminBanque))
	pages.Handle("POST /agence/admin/fournisseurs/{id}/banque", admin(s.postAdminBanqueProposer))
	pages.Handle("POST /agence/admin/fournisseurs/{id}/banque/approuver", admin(s.postAdminBanqueApprouver))
	pages.Handle("POST /agence/admin/fournisseurs/{id}/banque/rejeter", admin(s.postAdminBanqueRejeter))
	pages.Handle("GET /agence/admin/fournisseurs/{id}/banque/justificatif", admin(s.getAdminBanqueJustificatif))
}

// ChangementBanqueVue is a pending change of bank details as the
// administrators compare it with its statement: every IBAN in full,
// grouped by four as a statement prints it.
type ChangementBanqueVue struct {
	ProposePar, ProposeLe          string
	AncienIBAN, AncienBIC          string // "" when the vendor had none
	IBAN, BIC                      string
	Justificatif, JustificatifLien string // the statement's name and link
	JustificatifFormat             string
	Soi                            bool // the viewer proposed it: another administrator approves
	// ExpireLe is when it expires, or expired (Expire): then it can no
	// longer be approved, and a new proposal may be made.
	ExpireLe string
	Expire   bool
	domaine  segur.ChangementBanque
}

// BanqueAdmin is the bank details' part of a vendor's page.
type BanqueAdmin struct {
	IBAN, BIC string // in force, in full; "" when unknown
	EnAttente *ChangementBanqueVue
	// The proposal's and the rejection's form values.
	FormIBAN, FormBIC, Motif string
}

// Proposable reports whether a new change may be proposed: none is
// pending, or the one pending expired.
func (b BanqueAdmin) Proposable() bool { return b.EnAttente == nil || b.EnAttente.Expire }

// ibanLisible groups an IBAN by four characters.
func ibanLisible(iban string) string {
	var b strings.Builder
	for i, c := range iban {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// ibanOuAucun is iban grouped by four, or « aucun ».
func ibanOuAucun(iban string) string {
	if iban == "" {
		return "aucun"
	}
	return ibanLisible(iban)
}

// banqueAdmin fills the bank details' part of vendor f's page, for the
// administrator moi.
func (s *Server) banqueAdmin(ctx context.Context, f *segur.Fournisseur, moi string) (BanqueAdmin, error) {
	b := BanqueAdmin{IBAN: ibanLisible(f.IBAN), BIC: f.BIC}
	c, err := s.Store.FindChangementBanqueEnAttente(ctx, f.ID)
	if segur.IsCode(err, segur.ENOTFOUND) {
		return b, nil
	}
	if err != nil {
		return b, err
	}
	b.EnAttente = &ChangementBanqueVue{ProposePar: c.ProposePar, ProposeLe: s.date(c.ProposeLe),
		AncienIBAN: ibanLisible(c.AncienIBAN), AncienBIC: c.AncienBIC, IBAN: ibanLisible(c.IBAN), BIC: c.BIC,
		Justificatif: c.Justificatif.Nom, JustificatifLien: cheminFournisseur(int64(f.ID)) + "/banque/justificatif",
		JustificatifFormat: c.Justificatif.Format, ExpireLe: s.date(c.ExpireLe()), Expire: c.Etat == segur.BanqueExpire,
		Soi: strings.EqualFold(c.ProposePar, moi), domaine: *c}
	return b, nil
}

// messageDe is the French message of a refusal err.
func messageDe(err error) string {
	var se *segur.Error
	if errors.As(err, &se) {
		return se.Message
	}
	return "Envoi illisible : déposez le fichier de nouveau."
}

// refusBanque shows the vendor's page again with err, a refusal (beside
// its field, or at the top); any other error is returned.
func (s *Server) refusBanque(w http.ResponseWriter, p PageAdminFournisseur, err error) error {
	if segur.IsCode(err, segur.ETOOLARGE) {
		p.refuser("justificatif", messageDe(err))
		s.render(w, http.StatusRequestEntityTooLarge, "admin-fournisseur.html", p)
		return nil
	}
	return s.refusFournisseurAdmin(w, p, err)
}

// postAdminBanqueProposer proposes new bank details for a vendor, with
// the bank's statement (segur admin vendor iban propose): the IBAN and
// BIC are checked before the file is stored; the file is checked as a
// piece is (size, PDF/PNG/JPG by its content, its name kept for display
// only) and scanned by the antivirus with the other stored files.
func (s *Server) postAdminBanqueProposer(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, hop.MaxPiece+64<<10)
	trop := r.ParseMultipartForm(hop.MaxPiece+64<<10) != nil
	p, err := s.pageFournisseur(r)
	if err != nil {
		return err
	}
	if trop {
		return s.refusBanque(w, p, segur.Errorf(segur.ETOOLARGE, "Fichier trop volumineux ou envoi illisible : au plus 3 Mo."))
	}
	p.Banque.FormIBAN, p.Banque.FormBIC = r.PostFormValue("iban"), r.PostFormValue("bic")
	if !p.Banque.Proposable() {
		return s.refusBanque(w, p, segur.Errorf(segur.ECONFLICT, "Un changement de coordonnées bancaires de %s, proposé par %s, attend déjà son approbation : approuvez-le ou rejetez-le avant d'en proposer un autre.", p.Fournisseur.Nom, p.Banque.EnAttente.ProposePar))
	}
	iban, bic, errCoord := segur.ValiderCoordonnees(p.Banque.FormIBAN, p.Banque.FormBIC)
	b, format, nom, errFichier := lireFichier(r, "justificatif")
	if errCoord != nil || errFichier != nil {
		if errCoord != nil {
			p.refus(errCoord, nil)
		}
		if errFichier != nil {
			p.refuser("justificatif", messageDe(errFichier))
		}
		s.render(w, http.StatusUnprocessableEntity, "admin-fournisseur.html", p)
		return nil
	}
	ref, err := s.Blobs.Put(r.Context(), bytes.NewReader(b), hop.MaxPiece)
	if err != nil {
		return err
	}
	c, err := s.Store.ProposerChangementBanque(r.Context(), segur.FournisseurID(p.Fournisseur.ID), iban, bic,
		segur.Justificatif{Fichier: ref, Format: format, Nom: nom})
	if err != nil {
		return s.refusBanque(w, p, err)
	}
	s.rediriger(w, r, cheminFournisseur(p.Fournisseur.ID), "Changement de coordonnées bancaires de "+p.Fournisseur.Nom+" proposé (IBAN "+ibanLisible(c.IBAN)+
		") : il prendra effet quand un autre administrateur l'aura approuvé, après l'avoir comparé au relevé d'identité bancaire. D'ici là, les paiements vont à l'ancien compte.")
	return nil
}

// postAdminBanqueApprouver approves a vendor's pending change of bank
// details after its confirmation (segur admin vendor iban approve): the
// proposer is refused (separation of duties).
func (s *Server) postAdminBanqueApprouver(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	p, err := s.pageFournisseur(r)
	if err != nil {
		return err
	}
	c := p.Banque.EnAttente
	if c == nil {
		return s.refusBanque(w, p, segur.Errorf(segur.ECONFLICT, "Aucun changement de coordonnées bancaires de %s n'attend d'approbation : rechargez la page.", p.Fournisseur.Nom))
	}
	if c.Expire {
		// The domain says when it expired and what to do.
		d := c.domaine
		if err := d.Approuver(utilisateur(r.Context()).Login, s.Now(), s.Paris); err != nil {
			return s.refusBanque(w, p, err)
		}
	}
	if c.Soi {
		return s.refusBanque(w, p, segur.Errorf(segur.EFORBIDDEN, "Séparation des tâches : vous avez proposé ce changement de coordonnées bancaires, un autre administrateur doit l'approuver. Vous pouvez le retirer en le rejetant."))
	}
	// The approver compares the details with the statement: one the
	// antivirus has not cleared (while the portal scans) cannot be opened,
	// nor approved.
	if err := s.controlerAntivirus(r.Context(), c.domaine.Justificatif.Fichier.SHA256, "", c.Justificatif); err != nil {
		var attente *attenteAntivirus
		if errors.As(err, &attente) {
			err = segur.Errorf(segur.ECONFLICT, "%s L'approbation attend que vous puissiez l'ouvrir.", attente.Error())
		}
		return s.refusBanque(w, p, err)
	}
	if !confirme(r) {
		retour := cheminFournisseur(p.Fournisseur.ID)
		cf := PageConfirmation{Base: Base{Titre: "Confirmer : approuver les nouvelles coordonnées bancaires de " + p.Fournisseur.Nom, Nav: "admin", Utilisateur: utilisateur(r.Context())},
			Cible: retour + "/banque/approuver", Annuler: retour, Possible: true}
		ancien := "aucun"
		if c.AncienIBAN != "" {
			ancien = c.AncienIBAN + " (BIC " + c.AncienBIC + ")"
		}
		cf.Points = []string{
			"Nouveau compte : IBAN " + c.IBAN + ", BIC " + c.BIC + "\u202f; compte remplacé : " + ancien + ".",
			"Vous avez comparé ces coordonnées au relevé d'identité bancaire joint par " + c.ProposePar + " : le titulaire est bien " + p.Fournisseur.Nom + ".",
			"Les prochains lots de paiement iront au nouveau compte\u202f; les lots déjà préparés gardent l'ancien.",
			"Le fournisseur et ses utilisateurs en sont avertis par courriel.",
		}
		s.render(w, http.StatusOK, "confirmation.html", cf)
		return nil
	}
	ap, err := s.Store.ApprouverChangementBanque(r.Context(), segur.FournisseurID(p.Fournisseur.ID), s.Guichet.Contact, s.Paris)
	if err != nil {
		return s.refusBanque(w, p, err)
	}
	s.reveiller()
	s.rediriger(w, r, cheminFournisseur(p.Fournisseur.ID), "Nouvelles coordonnées bancaires de "+p.Fournisseur.Nom+" en vigueur (IBAN "+ibanLisible(ap.IBAN)+
		", BIC "+ap.BIC+") : le fournisseur et ses utilisateurs en sont avertis par courriel.")
	return nil
}

// postAdminBanqueRejeter rejects a vendor's pending change of bank
// details with a reason (segur admin vendor iban reject): its proposer
// withdraws it, or another administrator refuses it.
func (s *Server) postAdminBanqueRejeter(w http.ResponseWriter, r *http.Request) error {
	if err := lireFormulaire(w, r); err != nil {
		return err
	}
	p, err := s.pageFournisseur(r)
	if err != nil {
		return err
	}
	p.Banque.Motif = r.PostFormValue("motif")
	if _, err := s.Store.RejeterChangementBanque(r.Context(), segur.FournisseurID(p.Fournisseur.ID), p.Banque.Motif, s.Paris); err != nil {
		return s.refusBanque(w, p, err)
	}
	s.rediriger(w, r, cheminFournisseur(p.Fournisseur.ID), "Changement de coordonnées bancaires de "+p.Fournisseur.Nom+" rejeté : les coordonnées en vigueur restent inchangées.")
	return nil
}

// getAdminBanqueJustificatif sends the statement of a vendor's pending
// change, through the antivirus's gate as any file sent to the portal.
func (s *Server) getAdminBanqueJustificatif(w http.ResponseWriter, r *http.Request) error {
	id, err := idChemin(r, "id", "Ce fournisseur")
	if err != nil {
		return err
	}
	c, err := s.Store.FindChangementBanqueEnAttente(r.Context(), segur.FournisseurID(id))
	if err != nil {
		return err
	}
	j := c.Justificatif
	if err := s.controlerAntivirus(r.Context(), j.Fichier.SHA256, "", j.Nom); err != nil {
		return err
	}
	b, err := s.Blobs.Open(r.Context(), j.Fichier.SHA256)
	if err != nil {
		return err
	}
	defer b.Close()
	return envoyerPiece(w, r, b, b.Taille(), j.Format, j.Nom)
}

// --- The changes awaiting approval, every vendor's

// PageAdminBanque lists every vendor's change of bank details awaiting
// approval, the longest waiting first.
type PageAdminBanque struct {
	BaseAdmin
	Changements []ChangementBanqueLigne
	Jours       int // segur.ValiditeChangementBanque in days
}

// ChangementBanqueLigne is a change awaiting approval as the list shows
// it: its IBANs masked but their last four characters, as the vendors'
// list does (the vendor's page shows them in full, beside the statement,
// where the change is approved).
type ChangementBanqueLigne struct {
	Fournisseur, SIRET, Lien string
	ProposePar, ProposeLe    string
	AncienIBANFin, IBANFin   string // the last four characters; "" for no IBAN
	AncienBIC, BIC           string
	Attente                  string // how long it has waited: « 3 jours »
	ExpireLe                 string // when it expires, or expired (Expire)
	Expire                   bool
	Soi                      bool // proposed by the viewer: another administrator approves
}

// finIBAN is the last four characters of iban, "" for none.
func finIBAN(iban string) string { return iban[max(0, len(iban)-4):] }

// joursTexte says a wait in whole days: « moins d'un jour », « 1 jour »,
// « 12 jours ».
func joursTexte(d time.Duration) string {
	n := int(d / (24 * time.Hour))
	if n < 1 {
		return "moins d'un jour"
	}
	return segur.Pluriel(n, "jour", "jours")
}

// changementsBanque reads every vendor's change awaiting approval, for
// the administrator moi.
func (s *Server) changementsBanque(ctx context.Context, moi string) ([]ChangementBanqueLigne, error) {
	cs, err := s.Store.FindChangementsBanqueEnAttente(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out := make([]ChangementBanqueLigne, 0, len(cs))
	for _, c := range cs {
		l := ChangementBanqueLigne{Fournisseur: c.Nom, SIRET: c.SIRET, Lien: cheminFournisseur(int64(c.FournisseurID)) + "#banque",
			ProposePar: c.ProposePar, ProposeLe: s.date(c.ProposeLe), AncienIBANFin: finIBAN(c.AncienIBAN), IBANFin: finIBAN(c.IBAN),
			AncienBIC: c.AncienBIC, BIC: c.BIC, Attente: joursTexte(now.Sub(c.ProposeLe)), ExpireLe: s.date(c.ExpireLe()),
			Expire: c.Etat == segur.BanqueExpire, Soi: strings.EqualFold(c.ProposePar, moi)}
		if l.Expire {
			l.Attente = joursTexte(c.ExpireLe().Sub(c.ProposeLe))
		}
		out = append(out, l)
	}
	return out, nil
}

// getAdminBanque lists every vendor's change of bank details awaiting
// approval (segur admin vendor iban list), each linked to its vendor's
// page where it is compared with its statement and approved.
func (s *Server) getAdminBanque(w http.ResponseWriter, r *http.Request) error {
	p := PageAdminBanque{BaseAdmin: s.baseAdmin(r, "Coordonnées bancaires en attente"), Jours: int(segur.ValiditeChangementBanque / (24 * time.Hour))}
	var err error
	if p.Changements, err = s.changementsBanque(r.Context(), utilisateur(r.Context()).Login); err != nil {
		return err
	}
	s.render(w, http.StatusOK, "admin-banque.html", p)
	return nil
}
