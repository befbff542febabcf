package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// PageNouveauDepot is the deposit form.
type PageNouveauDepot struct {
	Base
	Produits   []segur.Produit
	Jour       string // AAAAMMJJ, today in Paris
	NomExemple string
}

// PageDepot is a deposit's result.
type PageDepot struct {
	Base
	ID                           int64
	ImpID, NomFichier, NumeroAns string
	Recu                         string
	Motif                        string // the control-1 fault, in French, with its position
	// Lignes are the lines of the page, of the filter; Total, Acceptees
	// and Rejetees count the deposit's.
	Lignes                     []LigneVue
	Total, Acceptees, Rejetees int
	// Filtre is "" (every line) or "rejetees"; Filtres are its links.
	Filtre     string
	Filtres    []FiltreVue
	Pagination Pagination
}

// LigneVue is the outcome of one request of a deposit.
type LigneVue struct {
	NumLigne                     int
	NumeroEditeur, Code, Libelle string
	NumeroASP, Lien              string // "" when rejected
	Acceptee                     bool
}

// FiltreVue is a link that filters a list, with its count.
type FiltreVue struct {
	Libelle, Lien string
	Choisi        bool
}

func (s *Server) fournisseur(r *http.Request) (*segur.Fournisseur, error) {
	u := utilisateur(r.Context())
	if !u.A(segur.RoleFournisseur) {
		return nil, segur.Errorf(segur.EFORBIDDEN, "Cette page est réservée aux fournisseurs.")
	}
	return s.Store.FindFournisseurByID(r.Context(), u.FournisseurID)
}

func (s *Server) pageNouveauDepot(r *http.Request, f *segur.Fournisseur) (PageNouveauDepot, error) {
	p := PageNouveauDepot{Base: Base{Titre: "Déposer un fichier", Nav: "depot", Utilisateur: utilisateur(r.Context())},
		Jour: s.Now().In(s.Paris).Format("20060102")}
	var err error
	if p.Produits, err = s.Store.FindProduits(r.Context(), f.ID); err != nil {
		return p, err
	}
	ans := "1234567890"
	if len(p.Produits) > 0 {
		ans = p.Produits[0].NumeroAns
	}
	p.NomExemple = fmt.Sprintf("JSON-%s-%s-001.json", ans, p.Jour)
	return p, nil
}

func (s *Server) getNouveauDepot(w http.ResponseWriter, r *http.Request) error {
	f, err := s.fournisseur(r)
	if err != nil {
		return err
	}
	p, err := s.pageNouveauDepot(r, f)
	if err != nil {
		return err
	}
	s.render(w, http.StatusOK, "depot-nouveau.html", p)
	return nil
}

// postDepot receives a deposit from the form; a refusal is shown on the
// form in plain French.
func (s *Server) postDepot(w http.ResponseWriter, r *http.Request) error {
	recu := s.Now()
	ctx := r.Context()
	f, err := s.fournisseur(r)
	if err != nil {
		return err
	}
	refus := func(err error) error {
		var se *segur.Error
		var mbe *http.MaxBytesError
		status := http.StatusUnprocessableEntity
		switch {
		case errors.As(err, &mbe):
			se, status = segur.Errorf(segur.ETOOLARGE, "L'envoi dépasse 210 Mo : le fichier JSON fait 10 Mo au plus, le .zip 200 Mo."), http.StatusRequestEntityTooLarge
		case errors.As(err, &se):
			switch se.Code {
			case segur.ETOOLARGE:
				status = http.StatusRequestEntityTooLarge
			case segur.ECONFLICT:
				status = http.StatusConflict
			case segur.EFORBIDDEN:
				status = http.StatusForbidden
			case segur.ETOOMANY:
				status = http.StatusTooManyRequests
				w.Header().Set("Retry-After", "10")
			case segur.EUNAVAILABLE:
				status = http.StatusServiceUnavailable
				w.Header().Set("Retry-After", "30")
			case segur.ENOSPACE:
				status = http.StatusInsufficientStorage
				s.Log.Error("file store full", "path", r.URL.Path, "err", err)
			case segur.EINVALID, segur.EMISMATCH:
			default:
				return err
			}
		default:
			return err
		}
		p, perr := s.pageNouveauDepot(r, f)
		if perr != nil {
			return perr
		}
		p.Erreurs = []ErreurChamp{{Message: "Dépôt refusé : " + se.Message}}
		s.render(w, status, "depot-nouveau.html", p)
		return nil
	}
	// A suspended vendor is refused before its files are read.
	if err := f.PeutDeposer(s.Guichet.Contact); err != nil {
		return refus(err)
	}
	rendre, err := s.Guichet.Commencer(ctx, f.ID, recu)
	if err != nil {
		return refus(err)
	}
	defer rendre()
	r.Body = http.MaxBytesReader(w, r.Body, hop.MaxFichier+hop.MaxArchive+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return refus(segur.Errorf(segur.EINVALID, "formulaire illisible : choisissez le fichier JSON et, s'il y a des pièces, le .zip"))
	}
	// The files are staged until the deposit is accepted for control: a
	// refusal leaves nothing behind.
	st, err := s.Guichet.Stage()
	if err != nil {
		return err
	}
	defer st.Discard()
	form, err := segur.LireFormulaireDepot(ctx, mr, st)
	if err != nil {
		var se *segur.Error
		if !errors.As(err, &se) && envoiInterrompu(r, err) {
			s.Log.Info("upload abandoned", "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
			err = segur.Errorf(segur.EINVALID, "envoi interrompu avant la fin : rien n'est enregistré.")
		}
		return refus(err)
	}
	envoi := segur.Envoi{Fournisseur: f, Recu: recu, Type: segur.TypeDemande(form.TypeDemande), NumeroAns: form.NumeroAns,
		NomFichier: form.NomFichier, JSON: form.JSON, Zip: form.Zip, Fichiers: st}
	p, err := s.Guichet.Recevoir(ctx, f, envoi.Type, envoi.NumeroAns, recu)
	if err != nil {
		return refus(err)
	}
	d, err := s.Guichet.Deposer(ctx, envoi, p)
	if err != nil {
		return refus(err)
	}
	http.Redirect(w, r, fmt.Sprintf("/depots/%d", d.ID), http.StatusSeeOther)
	return nil
}

// envoiInterrompu reports whether err, met reading r's body, means the
// client went away or was too slow (the server's read deadline).
func envoiInterrompu(r *http.Request, err error) bool {
	var ne net.Error
	return r.Context().Err() != nil || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.ECONNRESET)
}

// depotDuFournisseur finds a deposit of the logged-in vendor; another
// vendor's is not found.
func (s *Server) depotDuFournisseur(r *http.Request) (*segur.Depot, error) {
	f, err := s.fournisseur(r)
	if err != nil {
		return nil, err
	}
	return segur.DepotDuFournisseur(r.Context(), s.Store, f.ID, r.PathValue("id"))
}

func (s *Server) getDepot(w http.ResponseWriter, r *http.Request) error {
	d, err := s.depotDuFournisseur(r)
	if err != nil {
		return err
	}
	p := PageDepot{Base: Base{Titre: "Dépôt " + d.ImpID, Nav: "depot", Utilisateur: utilisateur(r.Context())},
		ID: int64(d.ID), ImpID: d.ImpID, NomFichier: d.NomFichier, NumeroAns: d.NumeroAns,
		Recu: s.date(d.Recu)}
	p.Motif = motifTexte(d.Motif)
	p.lignes(r, d, fmt.Sprintf("/depots/%d", d.ID), "/demandes/")
	s.render(w, http.StatusOK, "depot.html", p)
	return nil
}

// motifTexte is a control-1 fault in words, then its code and position,
// which the vendor needs to fix the file; "" for none.
func motifTexte(e *hop.Erreur) string {
	if e == nil {
		return ""
	}
	m := strings.TrimSuffix(phrase(e.Libelle()), ".")
	if e.Ligne > 0 {
		return m + fmt.Sprintf(" (code %s, ligne %d, colonne %d).", e.Code, e.Ligne, e.Colonne)
	}
	return m + " (code " + e.Code + ")."
}

// lignes fills p's lines from deposit d's, filtered and paged as the
// request asks: base is the page's path, demandes the path an ASP number
// is appended to for its request's link.
func (p *PageDepot) lignes(r *http.Request, d *segur.Depot, base, demandes string) {
	var lignes []LigneVue
	for _, l := range d.Lignes {
		v := LigneVue{NumLigne: l.NumLigne, NumeroEditeur: l.NumeroEditeur, Code: l.Code, Libelle: l.Libelle,
			NumeroASP: l.NumeroASP, Acceptee: l.NumeroASP != ""}
		if v.Acceptee {
			p.Acceptees++
			// A balance line names the request it balances: the vendor's too.
			v.Lien = demandes + url.PathEscape(l.NumeroASP)
		} else {
			p.Rejetees++
		}
		lignes = append(lignes, v)
	}
	p.Total = len(d.Lignes)
	if r.URL.Query().Get("filtre") == "rejetees" {
		p.Filtre = "rejetees"
		lignes = slices.DeleteFunc(lignes, func(v LigneVue) bool { return v.Acceptee })
	}
	p.Filtres = []FiltreVue{
		{Libelle: fmt.Sprintf("Toutes (%d)", p.Total), Lien: base, Choisi: p.Filtre == ""},
		{Libelle: fmt.Sprintf("Rejetées seulement (%d)", p.Rejetees), Lien: base + "?filtre=rejetees", Choisi: p.Filtre == "rejetees"},
	}
	page := numeroPage(r)
	p.Pagination = pagination(r, page, len(lignes))
	debut := min((page-1)*parPage, len(lignes))
	p.Lignes = lignes[debut:min(debut+parPage, len(lignes))]
}

// telecharger sends a stored file as an attachment named nom.
func (s *Server) telecharger(w http.ResponseWriter, r *http.Request, ref segur.BlobRef, nom string) error {
	if ref.SHA256 == "" {
		return segur.Errorf(segur.ENOTFOUND, "Ce dépôt n'a pas de fichier retour : le fichier a été rejeté en entier.")
	}
	b, err := s.Blobs.Open(r.Context(), ref.SHA256)
	if err != nil {
		return err
	}
	defer b.Close()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.FormatInt(b.Taille(), 10))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": nom}))
	_, err = io.Copy(w, b)
	return err
}

func (s *Server) getFichierRetour(w http.ResponseWriter, r *http.Request) error {
	d, err := s.depotDuFournisseur(r)
	if err != nil {
		return err
	}
	return s.telecharger(w, r, d.Retour, d.NomFichier)
}

func (s *Server) getFichierDepose(w http.ResponseWriter, r *http.Request) error {
	d, err := s.depotDuFournisseur(r)
	if err != nil {
		return err
	}
	return s.fichierDepose(w, r, d)
}

// fichierDepose sends the JSON file of deposit d as the vendor sent it,
// to the vendor or an agent: the antivirus's verdict is obeyed, as for
// the pieces.
func (s *Server) fichierDepose(w http.ResponseWriter, r *http.Request, d *segur.Depot) error {
	if d.JSON.SHA256 != "" {
		if err := s.controlerAntivirus(r.Context(), d.JSON.SHA256, "", d.NomFichier); err != nil {
			return err
		}
	}
	return s.telecharger(w, r, d.JSON, d.NomFichier)
}
