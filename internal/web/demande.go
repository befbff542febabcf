package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/agence"
)

func init() { morePages = append(morePages, "demande.html") }

// routesDemande registers the vendor's pages of one request.
func (s *Server) routesDemande(pages *http.ServeMux) {
	pages.Handle("GET /demandes/{asp}", s.handle(s.authentifie(s.getDossierFournisseur)))
	pages.Handle("POST /demandes/{asp}/completer", s.handle(s.authentifie(s.postCompleter)))
	pages.Handle("POST /demandes/{asp}/signer", s.handle(s.authentifie(s.postSigner)))
	pages.Handle("GET /demandes/{asp}/pieces/{n}", s.handle(s.authentifie(s.demandeDuFournisseur(s.pieceDeposee))))
	pages.Handle("GET /demandes/{asp}/versions/{id}", s.handle(s.authentifie(s.demandeDuFournisseur(s.pieceVersion))))
	pages.Handle("GET /demandes/{asp}/documents/{ref}", s.handle(s.authentifie(s.demandeDuFournisseur(s.documentDe))))
	pages.Handle("GET /demandes/{asp}/documents/{ref}/html", s.handle(s.authentifie(s.demandeDuFournisseur(s.documentHTMLDe))))
	pages.Handle("GET /demandes/{asp}/avis/{ref}", s.handle(s.authentifie(s.demandeDuFournisseur(s.avisDe))))
	pages.Handle("GET /demandes/{asp}/avis/{ref}/html", s.handle(s.authentifie(s.demandeDuFournisseur(s.avisHTMLDe))))
}

// demandeDuFournisseur reads the path's request if it is the vendor's:
// another vendor's request is not found, as if it did not exist.
func (s *Server) demandeDuFournisseur(h func(w http.ResponseWriter, r *http.Request, d *segur.Demande) error) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := s.fournisseur(r)
		if err != nil {
			return err
		}
		asp := r.PathValue("asp")
		d, err := s.Store.FindDemandeByASP(r.Context(), asp)
		if err == nil && d.FournisseurID != f.ID {
			err = segur.Errorf(segur.ENOTFOUND, "demande %s introuvable", asp)
		}
		if err != nil {
			return err
		}
		return h(w, r, d)
	}
}

// PageDemande is a request's page for its vendor.
type PageDemande struct {
	Base
	*Dossier
	Raison      string         // why the agency asks for a completion
	TypesPieces []TypePieceVue // the attachment types the vendor may send
	// Completer and Signer: the vendor may send the attachment asked, or
	// sign the convention (the state machine's actions for a vendor).
	Completer, Signer bool
	Convention        *DocumentVue
	// Echeance is the date by which the convention is to be signed.
	Echeance string
	// Refus is the refusal of the request or of its balance, shown at the
	// top of the page; nil otherwise.
	Refus *RefusVue
}

// TypePieceVue is an attachment type: its key in the files (Cle), and its
// name in words.
type TypePieceVue struct{ Cle, Libelle string }

func typePiece(cle string) TypePieceVue {
	return TypePieceVue{Cle: cle, Libelle: libellePiece(cle)}
}

// RefusVue is a refusal as its vendor reads it: the reason, when, the
// letter (nil for a balance's refusal, which the mail notifies), and the
// appeal rights.
type RefusVue struct {
	Titre, Raison, Date string
	Lettre              *DocumentVue
	Solde               bool
}

// MentionRecours is the appeal rights, for the template.
func (PageDemande) MentionRecours() string { return MentionRecours }

// MentionRecours is the appeal rights shown with a refusal.
//
// TODO(agence): wording proposed by the portal's team, to be reviewed by
// the agency's legal service (the page says so: « Mention à valider par
// l'agence »).
const MentionRecours = "Vous pouvez former un recours gracieux auprès de l'Agence de services et de paiement dans un délai de deux mois à compter de la notification de ce refus, par courrier ou sur ce portail, ainsi qu'un recours contentieux devant le tribunal administratif compétent dans le même délai."

func (s *Server) getDossierFournisseur(w http.ResponseWriter, r *http.Request) error {
	return s.demandeDuFournisseur(func(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
		return s.renderDossierFournisseur(w, r, d, http.StatusOK, nil)
	})(w, r)
}

func (s *Server) renderDossierFournisseur(w http.ResponseWriter, r *http.Request, d *segur.Demande, status int, errs []ErreurChamp) error {
	v, err := s.dossier(r.Context(), d, "/demandes/"+d.NumeroASP, false)
	if err != nil {
		return err
	}
	if v.Fil, err = s.fil(r, d, segur.CoteFournisseur, "/demandes/"+d.NumeroASP); err != nil {
		return err
	}
	// The vendor sees what the agency did, not which agent nor from where.
	v.Agent = ""
	for i := range v.Historique {
		if h := &v.Historique[i]; h.Agence {
			h.Par, h.Adresse = "l'agence", ""
		}
	}
	p := PageDemande{Base: Base{Titre: "Demande " + d.NumeroASP, Nav: "demandes", Utilisateur: utilisateur(r.Context()), Flash: s.flash(w, r), Erreurs: errs},
		Dossier: v}
	vendeur := segur.Actions(d.Statut, []segur.Role{segur.RoleFournisseur})
	p.Completer, p.Signer = slices.Contains(vendeur, segur.ActionComplete), slices.Contains(vendeur, segur.ActionSigner)
	if p.Completer {
		// The reason of the démarche that asked for it: the last one into
		// the current status.
		for i := len(v.Historique) - 1; i >= 0; i-- {
			if v.Historique[i].Vers == d.Statut.Libelle() {
				p.Raison = v.Historique[i].Raison
				break
			}
		}
		var types []string
		for _, pc := range d.Pieces {
			if !slices.Contains(types, pc.Type) {
				types = append(types, pc.Type)
			}
		}
		for _, t := range []string{hop.TypeBonCommande, "MANDAT", "AUTRE"} {
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
		for _, t := range types {
			p.TypesPieces = append(p.TypesPieces, typePiece(t))
		}
	}
	if d.Statut == segur.DemandeRefusee || d.Statut == segur.DemandeSoldeRefusee {
		p.Refus = &RefusVue{Titre: "Demande refusée", Solde: d.Statut == segur.DemandeSoldeRefusee}
		if p.Refus.Solde {
			p.Refus.Titre = "Demande de solde refusée"
		}
		// The démarche that refused it: the last one into the status.
		for i := len(v.Historique) - 1; i >= 0; i-- {
			if h := v.Historique[i]; h.Vers == d.Statut.Libelle() {
				p.Refus.Raison, p.Refus.Date = h.Raison, h.Quand
				if h.Action == segur.ActionRetirer.Libelle() {
					p.Refus.Titre = "Offre de financement retirée"
				}
				break
			}
		}
		for i := len(v.Documents) - 1; i >= 0 && !p.Refus.Solde; i-- {
			if v.Documents[i].Libelle == segur.DocumentRefus.Libelle() {
				p.Refus.Lettre = &v.Documents[i]
				break
			}
		}
	}
	for i := len(v.Documents) - 1; i >= 0 && p.Signer; i-- {
		if v.Documents[i].Libelle == segur.DocumentConvention.Libelle() {
			p.Convention = &v.Documents[i]
			break
		}
	}
	if p.Signer {
		// The deadline the instruction applies (agence: ActionRetirer),
		// from the last convention issued.
		docs, err := s.Store.FindDocuments(r.Context(), d.NumeroASP)
		if err != nil {
			return err
		}
		for i := len(docs) - 1; i >= 0; i-- {
			if docs[i].Type == segur.DocumentConvention {
				p.Echeance = s.date(docs[i].CreeLe.AddDate(0, 0, s.delaiSignature()))
				break
			}
		}
	}
	s.render(w, status, "demande.html", p)
	return nil
}

// acteFournisseur is a vendor's démarche on its request.
func (s *Server) acteFournisseur(r *http.Request, f *segur.Fournisseur, a segur.Action) agence.Acte {
	u := utilisateur(r.Context())
	return agence.Acte{Demarche: segur.Demarche{Action: a, Roles: u.Roles, Login: u.Login}, Adresse: adresse(r), Fournisseur: f.ID}
}

// lireFichier reads the multipart form's file field into memory, at most
// segur.MaxPiece bytes, and checks its format by its signature.
func lireFichier(r *http.Request, champ string) ([]byte, string, string, error) {
	file, hdr, err := r.FormFile(champ)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, "", "", segur.Errorf(segur.EINVALID, "Fichier manquant : choisissez un fichier PDF, PNG ou JPG.")
	}
	if err != nil {
		return nil, "", "", segur.Errorf(segur.EINVALID, "Envoi illisible ou trop volumineux : au plus 3 Mo.")
	}
	defer file.Close()
	return lireContenu(file, hdr.Filename)
}

// lireContenu reads an uploaded file named nom as lireFichier does: at most
// segur.MaxPiece bytes, its format checked by its signature, its name kept
// for display only (nomAffiche).
func lireContenu(file io.Reader, nom string) ([]byte, string, string, error) {
	b, err := io.ReadAll(io.LimitReader(file, hop.MaxPiece+1))
	if err != nil {
		return nil, "", "", segur.Errorf(segur.EINVALID, "Envoi interrompu : déposez le fichier de nouveau.")
	}
	if len(b) > hop.MaxPiece {
		return nil, "", "", segur.Errorf(segur.ETOOLARGE, "Fichier trop volumineux : au plus 3 Mo.")
	}
	if len(b) == 0 {
		return nil, "", "", segur.Errorf(segur.EINVALID, "Fichier vide : choisissez un fichier PDF, PNG ou JPG.")
	}
	format := hop.FormatPiece(b[:min(len(b), 8)])
	if format == "" {
		return nil, "", "", segur.Errorf(segur.EINVALID, "Format non reconnu : le fichier doit être un PDF, un PNG ou un JPG (vérifié sur son contenu).")
	}
	return b, format, nomAffiche(nom), nil
}

// nomAffiche keeps of a file name what can be shown: its base, printable,
// at most 200 characters. It never names a path on the server.
func nomAffiche(nom string) string {
	nom = path.Base(strings.ReplaceAll(nom, "\\", "/"))
	nom = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, nom)
	if nom == "." || nom == "/" || nom == "" {
		nom = "piece"
	}
	if r := []rune(nom); len(r) > 200 {
		nom = string(r[:200])
	}
	return nom
}

func (s *Server) postCompleter(w http.ResponseWriter, r *http.Request) error {
	return s.demandeDuFournisseur(func(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
		f, err := s.fournisseur(r)
		if err != nil {
			return err
		}
		if err := f.PeutDeposer(s.Guichet.Contact); err != nil {
			return s.renderDossierFournisseur(w, r, d, http.StatusForbidden, []ErreurChamp{{"fichier", err.Error()}})
		}
		r.Body = http.MaxBytesReader(w, r.Body, hop.MaxPiece+64<<10)
		if err := r.ParseMultipartForm(hop.MaxPiece + 64<<10); err != nil {
			return s.renderDossierFournisseur(w, r, d, http.StatusRequestEntityTooLarge, []ErreurChamp{{"fichier", "Fichier trop volumineux : au plus 3 Mo."}})
		}
		b, format, nom, err := lireFichier(r, "fichier")
		if err != nil {
			return s.refusFournisseur(w, r, d, err, "fichier")
		}
		typ := strings.TrimSpace(r.PostFormValue("type"))
		if typ == "" || len(typ) > 40 || strings.IndexFunc(typ, func(r rune) bool { return !(r == '_' || (r >= 'A' && r <= 'Z')) }) >= 0 {
			return s.refusFournisseur(w, r, d, segur.Errorf(segur.EINVALID, "Type de pièce : choisissez un type de la liste."), "type")
		}
		ref, err := s.Blobs.Put(r.Context(), bytes.NewReader(b), hop.MaxPiece)
		if err != nil {
			return err
		}
		a := s.acteFournisseur(r, f, segur.ActionComplete)
		a.Piece = &segur.PieceVersion{Type: typ, Nom: nom, Format: format, Fichier: ref}
		if _, err := s.Instruction.Agir(r.Context(), d.NumeroASP, a); err != nil {
			return s.refusFournisseur(w, r, d, err, "fichier")
		}
		s.rediriger(w, r, "/demandes/"+url.PathEscape(d.NumeroASP), "Pièce envoyée : la demande retourne en instruction.")
		return nil
	})(w, r)
}

func (s *Server) postSigner(w http.ResponseWriter, r *http.Request) error {
	return s.demandeDuFournisseur(func(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
		f, err := s.fournisseur(r)
		if err != nil {
			return err
		}
		r.Body = http.MaxBytesReader(w, r.Body, agence.MaxDocument+64<<10)
		if err := r.ParseMultipartForm(agence.MaxDocument + 64<<10); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return s.renderDossierFournisseur(w, r, d, http.StatusRequestEntityTooLarge, []ErreurChamp{{"signee", "Fichier trop volumineux : au plus 10 Mo."}})
		}
		a := s.acteFournisseur(r, f, segur.ActionSigner)
		if file, hdr, err := r.FormFile("signee"); err == nil {
			defer file.Close()
			head := make([]byte, 8)
			n, _ := io.ReadFull(file, head)
			if hop.FormatPiece(head[:n]) != "PDF" {
				return s.refusFournisseur(w, r, d, segur.Errorf(segur.EINVALID, "Convention signée : attendu un fichier PDF (vérifié sur son contenu)."), "signee")
			}
			if _, err := file.Seek(0, io.SeekStart); err != nil {
				return err
			}
			ref, err := s.Blobs.Put(r.Context(), file, agence.MaxDocument)
			if err != nil {
				return err
			}
			_ = hdr
			a.SignePDF = &ref
		} else if r.PostFormValue("accepte") != "1" {
			return s.refusFournisseur(w, r, d, segur.Errorf(segur.EINVALID, "Signature : cochez « J'accepte la convention » ou joignez la convention signée (PDF)."), "accepte")
		} else if !confirme(r) {
			// Accepting online is confirmed first; a signed PDF sent
			// is the vendor's act already.
			ap, err := s.Instruction.Prevoir(r.Context(), d.NumeroASP, a)
			if err != nil {
				return s.refusFournisseur(w, r, d, err, "accepte")
			}
			return s.confirmerSignature(w, r, f, ap)
		}
		if _, err := s.Instruction.Agir(r.Context(), d.NumeroASP, a); err != nil {
			return s.refusFournisseur(w, r, d, err, "accepte")
		}
		s.rediriger(w, r, "/demandes/"+url.PathEscape(d.NumeroASP), "Convention signée : l'avance de 30\u202f% peut être payée.")
		return nil
	})(w, r)
}

// refusFournisseur shows the request's page again with the refusal beside
// the field, or lets handle render an internal error.
func (s *Server) refusFournisseur(w http.ResponseWriter, r *http.Request, d *segur.Demande, err error, champ string) error {
	var se *segur.Error
	if !errors.As(err, &se) || se.Code == segur.EINTERNAL || se.Code == segur.ENOTFOUND {
		return err
	}
	status := http.StatusUnprocessableEntity
	switch se.Code {
	case segur.ETOOLARGE:
		status = http.StatusRequestEntityTooLarge
	case segur.ETOOMANY:
		status = http.StatusTooManyRequests
		if se.Apres > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(secondes(se.Apres)))
		}
	}
	return s.renderDossierFournisseur(w, r, d, status, []ErreurChamp{{champ, se.Message}})
}
