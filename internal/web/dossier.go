package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// Dossier is a request as its page shows it, to an agent or its vendor:
// every field in French, the attachments, the documents, the history.
type Dossier struct {
	NumeroASP, NumeroEditeur, NumeroAns, Logiciel string
	Statut, Badge                                 string
	DateCommande, RegimeTVA, MontantHT            string
	MontantPrestation, MontantFinance, Avance     string
	Calcul, Agent, Recu                           string
	Mandataire                                    *hop.Contact
	Clients                                       []hop.Client
	Pieces                                        []PieceVue
	Scenario                                      []string
	OperateurMessagerie                           string
	Documents                                     []DocumentVue
	Historique                                    []ChangementVue
	Depot                                         DepotVue
	ImpID                                         string
	Fournisseur                                   *segur.Fournisseur
	Alertes                                       []segur.Alerte
	Solde                                         *SoldeVue // nil before a balance is deposited
}

// PieceVue is an attachment with the link that shows it inline.
type PieceVue struct {
	Type, Nom, Format, Lien, Version string
	Image                            bool
}

// DocumentVue is a document issued on a request.
type DocumentVue struct {
	Reference, Libelle, Date, Lien, SHA256 string
}

// ChangementVue is a line of a request's history.
type ChangementVue struct {
	Quand, Par, Action, De, Vers, Raison, Adresse, Document string
	Agence                                                  bool // done by an agent
}

// dossier gathers what a request's page shows; base is the URL prefix of
// the request (/agence/demandes/ASP… or /demandes/ASP…).
func (s *Server) dossier(ctx context.Context, d *segur.Demande, base string) (*Dossier, error) {
	st := s.Store
	prog := s.programme()
	v := &Dossier{NumeroASP: d.NumeroASP, NumeroEditeur: d.NumeroEditeur, NumeroAns: d.NumeroAns, Logiciel: string(d.Logiciel),
		Statut: d.Statut.Libelle(), Badge: string(d.Statut.Info().Badge), DateCommande: d.DateCommande.String(), RegimeTVA: d.RegimeTVA,
		MontantHT: segur.Euros(d.MontantHTCents), MontantPrestation: segur.Euros(segur.MontantPrestation(d.RegimeTVA, d.MontantHTCents, prog)),
		Calcul: d.Calcul, Agent: d.Agent, Recu: s.date(d.CreeLe), Mandataire: d.Mandataire, Clients: d.Clients,
		Scenario: d.Scenario, OperateurMessagerie: d.OperateurMessagerie}
	if d.MontantFinance > 0 {
		v.MontantFinance, v.Avance = segur.Euros(d.MontantFinance), segur.Euros(segur.Avance(d.MontantFinance))
	}
	for i, p := range d.Pieces {
		v.Pieces = append(v.Pieces, PieceVue{Type: p.Type, Nom: p.NomFichier, Format: p.Format, Version: "déposée avec la demande",
			Lien: fmt.Sprintf("%s/pieces/%d", base, i+1), Image: p.Format != "PDF"})
	}
	versions, err := st.FindPiecesVersions(ctx, d.NumeroASP)
	if err != nil {
		return nil, err
	}
	for _, p := range versions {
		v.Pieces = append(v.Pieces, PieceVue{Type: p.Type, Nom: p.Nom, Format: p.Format, Version: "envoyée le " + s.date(p.DeposeLe) + " par " + p.Par,
			Lien: fmt.Sprintf("%s/versions/%d", base, p.ID), Image: p.Format != "PDF"})
	}
	docs, err := st.FindDocuments(ctx, d.NumeroASP)
	if err != nil {
		return nil, err
	}
	refs := map[string]string{}
	for _, o := range docs {
		v.Documents = append(v.Documents, DocumentVue{Reference: o.Reference, Libelle: o.Type.Libelle(), Date: s.date(o.CreeLe),
			Lien: base + "/documents/" + o.Reference, SHA256: o.Fichier.SHA256})
		refs[o.Fichier.SHA256] = o.Reference
	}
	// The payment notices that paid it.
	avis, err := st.FindAvisDeDemande(ctx, d.NumeroASP)
	if err != nil {
		return nil, err
	}
	for _, a := range avis {
		v.Documents = append(v.Documents, DocumentVue{Reference: a.Reference, Libelle: "Avis de paiement", Date: s.date(a.CreeLe),
			Lien: base + "/avis/" + a.Reference, SHA256: a.Fichier.SHA256})
		refs[a.Fichier.SHA256] = a.Reference
	}
	hist, err := st.FindHistorique(ctx, d.NumeroASP)
	if err != nil {
		return nil, err
	}
	for _, c := range hist {
		v.Historique = append(v.Historique, ChangementVue{Quand: s.date(c.Quand), Par: c.Par, Action: c.Action.Libelle(),
			De: c.De.Libelle(), Vers: c.Vers.Libelle(), Raison: c.Raison, Adresse: c.Adresse, Document: refs[c.Document],
			Agence: c.Action.Role() != segur.RoleFournisseur})
	}
	dep, err := st.FindDepotByID(ctx, d.DepotID)
	if err != nil {
		return nil, err
	}
	v.Depot = DepotVue{ID: int64(dep.ID), NomFichier: dep.NomFichier, Recu: s.date(dep.Recu), Statut: string(dep.Statut)}
	v.ImpID = dep.ImpID
	if v.Fournisseur, err = st.FindFournisseurByID(ctx, d.FournisseurID); err != nil {
		return nil, err
	}
	if v.Solde, err = s.soldeVue(ctx, d, base); err != nil {
		return nil, err
	}
	return v, nil
}

// alertes computes the alerts of requests ds, reading the reference, the
// vendors and the financings once.
func (s *Server) alertes(ctx context.Context, ds []segur.Demande) (map[string][]segur.Alerte, error) {
	ref, _, err := s.Store.FindReference(ctx)
	if err != nil {
		return nil, err
	}
	fs, err := s.fournisseursParID(ctx)
	if err != nil {
		return nil, err
	}
	fin := map[hop.Logiciel]map[string]string{}
	out := make(map[string][]segur.Alerte, len(ds))
	for i := range ds {
		d := &ds[i]
		if _, ok := fin[d.Logiciel]; !ok {
			var finess []string
			if len(ds) == 1 {
				for _, c := range d.Clients {
					finess = append(finess, c.FINESSPMSI)
				}
			}
			if fin[d.Logiciel], err = s.Store.FindFinancements(ctx, d.Logiciel, finess); err != nil {
				return nil, err
			}
		}
		out[d.NumeroASP] = segur.Alertes(d, fs[d.FournisseurID].SIRET, ref, fin[d.Logiciel], s.programme())
	}
	return out, nil
}

func (s *Server) programme() segur.Programme {
	if s.Instruction != nil {
		return s.Instruction.Programme
	}
	return segur.ProgrammeParDefaut
}

// contentTypes are the types of the attachments' formats, checked by their
// signature at the deposit.
var contentTypes = map[string]string{"PDF": "application/pdf", "PNG": "image/png", "JPG": "image/jpeg"}

// cspPiece is the policy of an attachment shown inline: no script, no
// fetch, nothing but itself.
const cspPiece = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"

// montrer sends a stored file inline with its type, under a strict policy.
func (s *Server) montrer(w http.ResponseWriter, r *http.Request, ref segur.BlobRef, format, nom string) error {
	b, err := s.Blobs.Open(r.Context(), ref.SHA256)
	if err != nil {
		return err
	}
	defer b.Close()
	return envoyerPiece(w, r, b, b.Taille(), format, nom)
}

func envoyerPiece(w http.ResponseWriter, r *http.Request, body io.Reader, taille int64, format, nom string) error {
	ct, ok := contentTypes[format]
	if !ok {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.FormatInt(taille, 10))
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": nom}))
	h.Set("Content-Security-Policy", cspPiece)
	_, err := io.Copy(w, body)
	return err
}

// pieceDeposee sends the n-th (from 1) attachment of request d, read from
// its deposit's zip and checked again (size, CRC, format).
func (s *Server) pieceDeposee(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
	n, err := idChemin(r, "n", "Cette pièce")
	if err != nil {
		return err
	}
	if n > int64(len(d.Pieces)) {
		return introuvable("Cette pièce")
	}
	return s.pieceDuDepot(w, r, d.DepotID, d.Pieces[n-1])
}

// pieceDuDepot sends attachment p of deposit id, read from the deposit's
// zip and checked again (size, CRC, format).
func (s *Server) pieceDuDepot(w http.ResponseWriter, r *http.Request, id segur.DepotID, p hop.Piece) error {
	dep, err := s.Store.FindDepotByID(r.Context(), id)
	if err != nil {
		return err
	}
	if dep.Zip.SHA256 == "" {
		return segur.Errorf(segur.ENOTFOUND, "le dépôt %s n'avait pas de fichier zip", dep.ImpID)
	}
	b, err := s.Blobs.Open(r.Context(), dep.Zip.SHA256)
	if err != nil {
		return err
	}
	defer b.Close()
	a, err := hop.OpenArchive(b, b.Taille())
	if err != nil {
		return segur.Errorf(segur.ENOTFOUND, "le fichier zip du dépôt %s est illisible", dep.ImpID)
	}
	var buf bytes.Buffer
	if st := a.ExtrairePiece(p.NomFichier, p.Format, &buf); st != hop.PieceOK {
		return segur.Errorf(segur.ENOTFOUND, "pièce %s du dépôt %s : %s", p.NomFichier, dep.ImpID, st.Libelle())
	}
	return envoyerPiece(w, r, &buf, int64(buf.Len()), p.Format, p.NomFichier)
}

// pieceVersion sends an attachment the vendor sent after the deposit.
func (s *Server) pieceVersion(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
	id, err := idChemin(r, "id", "Cette pièce")
	if err != nil {
		return err
	}
	vs, err := s.Store.FindPiecesVersions(r.Context(), d.NumeroASP)
	if err != nil {
		return err
	}
	for _, p := range vs {
		if p.ID == id {
			return s.montrer(w, r, p.Fichier, p.Format, p.Nom)
		}
	}
	return introuvable("Cette pièce")
}

// documentDe sends a document of request d by its reference.
func (s *Server) documentDe(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
	docs, err := s.Store.FindDocuments(r.Context(), d.NumeroASP)
	if err != nil {
		return err
	}
	ref := r.PathValue("ref")
	for _, o := range docs {
		if o.Reference == ref {
			return s.montrer(w, r, o.Fichier, "PDF", o.NomFichier())
		}
	}
	return segur.Errorf(segur.ENOTFOUND, "document %s introuvable", strings.ToValidUTF8(ref[:min(len(ref), 40)], ""))
}

// avisDe sends a payment notice that paid request d, by its reference.
func (s *Server) avisDe(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
	avis, err := s.Store.FindAvisDeDemande(r.Context(), d.NumeroASP)
	if err != nil {
		return err
	}
	for _, a := range avis {
		if a.Reference == r.PathValue("ref") {
			return s.montrer(w, r, a.Fichier, "PDF", a.NomFichier())
		}
	}
	return segur.Errorf(segur.ENOTFOUND, "avis de paiement introuvable sur la demande %s", d.NumeroASP)
}
