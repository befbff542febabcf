package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
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
	// ColonneAntivirus: a piece has a verdict to show (AvecTexte).
	ColonneAntivirus bool
	// Ecartees are the pieces the antivirus refused (infected, not
	// scannable), « nom : infectée (signature) »; Attente, when not empty,
	// says which pieces wait for their scan.
	Ecartees []string
	Attente  string
	// Fil is the thread of messages (and, for agents, the private notes),
	// set by the page (messages.go); nil shows none.
	Fil *FilVue
}

// PieceVue is an attachment with the link that shows it inline, none
// when the antivirus's verdict forbids it.
type PieceVue struct {
	Type, Nom, Format, Lien, Version string
	Image                            bool
	Antivirus                        AnalyseVue
}

// DocumentVue is a document issued on a request (or the convention its
// vendor signed and sent, with the antivirus's verdict).
type DocumentVue struct {
	Reference, Libelle, Date, Lien, SHA256 string
	// HTML is the link to its accessible HTML version, "" when it has
	// none: SansHTML then says so, unless it is the vendor's file.
	HTML      string
	SansHTML  bool
	Antivirus AnalyseVue
}

// ChangementVue is a line of a request's history.
type ChangementVue struct {
	Quand, Par, Action, De, Vers, Raison, Adresse, Document string
	Agence                                                  bool // done by an agent
}

// dossier gathers what a request's page shows; base is the URL prefix of
// the request (/agence/demandes/ASP… or /demandes/ASP…); agent says whom
// to: the antivirus's verdicts are told to the agents in full.
func (s *Server) dossier(ctx context.Context, d *segur.Demande, base string, agent bool) (*Dossier, error) {
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
	dep, err := st.FindDepotByID(ctx, d.DepotID)
	if err != nil {
		return nil, err
	}
	av := s.vuesAntivirus(agent)
	for i, p := range d.Pieces {
		pv := PieceVue{Type: p.Type, Nom: p.NomFichier, Format: p.Format, Version: "déposée avec la demande",
			Lien: fmt.Sprintf("%s/pieces/%d", base, i+1), Image: p.Format != "PDF"}
		if err := av.marquer(ctx, &pv, dep.Zip.SHA256, p.NomFichier); err != nil {
			return nil, err
		}
		v.Pieces = append(v.Pieces, pv)
	}
	versions, err := st.FindPiecesVersions(ctx, d.NumeroASP)
	if err != nil {
		return nil, err
	}
	noms := map[string]string{} // the files sent after the deposit, for the history
	for _, p := range versions {
		pv := PieceVue{Type: p.Type, Nom: p.Nom, Format: p.Format, Version: "envoyée le " + s.date(p.DeposeLe) + " par " + p.Par,
			Lien: fmt.Sprintf("%s/versions/%d", base, p.ID), Image: p.Format != "PDF"}
		if err := av.marquer(ctx, &pv, p.Fichier.SHA256, ""); err != nil {
			return nil, err
		}
		v.Pieces = append(v.Pieces, pv)
		noms[p.Fichier.SHA256] = p.Nom
	}
	v.ColonneAntivirus = avecTexte(v.Pieces)
	docs, err := st.FindDocuments(ctx, d.NumeroASP)
	if err != nil {
		return nil, err
	}
	refs := map[string]string{}
	for _, o := range docs {
		dv := DocumentVue{Reference: o.Reference, Libelle: o.Type.Libelle(), Date: s.date(o.CreeLe),
			Lien: base + "/documents/" + o.Reference, SHA256: o.Fichier.SHA256}
		dv.HTML, dv.SansHTML = lienHTML(dv.Lien, o.HTML), o.HTML == "" && o.Type != segur.DocumentConventionSignee
		if o.Type == segur.DocumentConventionSignee {
			// The vendor's file, not the agency's: judged as a piece.
			pv := PieceVue{Nom: o.NomFichier(), Lien: dv.Lien}
			if err := av.marquer(ctx, &pv, o.Fichier.SHA256, ""); err != nil {
				return nil, err
			}
			dv.Lien, dv.Antivirus = pv.Lien, pv.Antivirus
		}
		v.Documents = append(v.Documents, dv)
		refs[o.Fichier.SHA256] = o.Reference
	}
	// The payment notices that paid it.
	avis, err := st.FindAvisDeDemande(ctx, d.NumeroASP)
	if err != nil {
		return nil, err
	}
	for _, a := range avis {
		lien := base + "/avis/" + a.Reference
		v.Documents = append(v.Documents, DocumentVue{Reference: a.Reference, Libelle: "Avis de paiement", Date: s.date(a.CreeLe),
			Lien: lien, SHA256: a.Fichier.SHA256, HTML: lienHTML(lien, a.HTML), SansHTML: a.HTML == ""})
		refs[a.Fichier.SHA256] = a.Reference
	}
	hist, err := st.FindHistorique(ctx, d.NumeroASP)
	if err != nil {
		return nil, err
	}
	// The antivirus's alerts, the messages and the notes (audit events,
	// see evenementHistorique), merged by time with the démarches (both
	// oldest first).
	evs, err := st.FindEvenements(ctx, "demande:"+d.NumeroASP)
	if err != nil {
		return nil, err
	}
	evs = slices.DeleteFunc(evs, func(e segur.Evenement) bool { return !evenementHistorique(e, agent) })
	for _, c := range hist {
		for len(evs) > 0 && evs[0].Quand.Before(c.Quand) {
			v.Historique = append(v.Historique, s.changementEvenement(evs[0], noms))
			evs = evs[1:]
		}
		v.Historique = append(v.Historique, ChangementVue{Quand: s.date(c.Quand), Par: c.Par, Action: c.Action.Libelle(),
			De: c.De.Libelle(), Vers: c.Vers.Libelle(), Raison: c.Raison, Adresse: c.Adresse, Document: refs[c.Document],
			Agence: c.Action.Role() != segur.RoleFournisseur})
	}
	for _, e := range evs {
		v.Historique = append(v.Historique, s.changementEvenement(e, noms))
	}
	v.Depot = DepotVue{ID: int64(dep.ID), NomFichier: dep.NomFichier, Recu: s.date(dep.Recu), Statut: string(dep.Statut)}
	v.ImpID = dep.ImpID
	if v.Fournisseur, err = st.FindFournisseurByID(ctx, d.FournisseurID); err != nil {
		return nil, err
	}
	if v.Solde, err = s.soldeVue(ctx, d, base, av); err != nil {
		return nil, err
	}
	v.Ecartees, v.Attente = av.ecartes, av.attenteTexte()
	return v, nil
}

// changementAntivirus is an antivirus's alert as a line of the history:
// the agency's, by the scanner.
func (s *Server) changementAntivirus(e segur.Evenement, noms map[string]string) ChangementVue {
	return ChangementVue{Quand: s.date(e.Quand), Par: e.Acteur.Login, Action: evenementAntivirus(e, noms), Agence: true}
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
	// What each software type finances, read for these requests'
	// establishments only (segur.Alertes looks no further): a page of the
	// queue reads a few hundred rows, not every financing.
	finess := map[hop.Logiciel][]string{}
	for _, d := range ds {
		for _, c := range d.Clients {
			if !slices.Contains(finess[d.Logiciel], c.FINESSPMSI) {
				finess[d.Logiciel] = append(finess[d.Logiciel], c.FINESSPMSI)
			}
		}
	}
	fin := map[hop.Logiciel]map[string]string{}
	out := make(map[string][]segur.Alerte, len(ds))
	for i := range ds {
		d := &ds[i]
		if _, ok := fin[d.Logiciel]; !ok {
			if fin[d.Logiciel], err = s.Store.FindFinancements(ctx, d.Logiciel, append([]string{}, finess[d.Logiciel]...)); err != nil {
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
	if err := s.controlerAntivirus(r.Context(), dep.Zip.SHA256, p.NomFichier, p.NomFichier); err != nil {
		return err
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
			if err := s.controlerAntivirus(r.Context(), p.Fichier.SHA256, "", p.Nom); err != nil {
				return err
			}
			return s.montrer(w, r, p.Fichier, p.Format, p.Nom)
		}
	}
	return introuvable("Cette pièce")
}

// documentDe sends a document of request d by its reference, as PDF.
func (s *Server) documentDe(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
	return s.documentVersion(w, r, d, false)
}

// documentHTMLDe sends the accessible HTML version of a document of
// request d, by its reference.
func (s *Server) documentHTMLDe(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
	return s.documentVersion(w, r, d, true)
}

func (s *Server) documentVersion(w http.ResponseWriter, r *http.Request, d *segur.Demande, html bool) error {
	docs, err := s.Store.FindDocuments(r.Context(), d.NumeroASP)
	if err != nil {
		return err
	}
	ref := r.PathValue("ref")
	for _, o := range docs {
		if o.Reference == ref {
			if html {
				return s.montrerHTML(w, r, o.HTML, o.Reference, o.NomFichierHTML())
			}
			if o.Type == segur.DocumentConventionSignee {
				// Sent by the vendor: a piece, judged by the antivirus.
				if err := s.controlerAntivirus(r.Context(), o.Fichier.SHA256, "", o.NomFichier()); err != nil {
					return err
				}
			}
			return s.montrer(w, r, o.Fichier, "PDF", o.NomFichier())
		}
	}
	return segur.Errorf(segur.ENOTFOUND, "document %s introuvable", strings.ToValidUTF8(ref[:min(len(ref), 40)], ""))
}

// avisDe sends a payment notice that paid request d, by its reference, as
// PDF.
func (s *Server) avisDe(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
	return s.avisVersion(w, r, d, false)
}

// avisHTMLDe sends the accessible HTML version of a payment notice that
// paid request d.
func (s *Server) avisHTMLDe(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
	return s.avisVersion(w, r, d, true)
}

func (s *Server) avisVersion(w http.ResponseWriter, r *http.Request, d *segur.Demande, html bool) error {
	avis, err := s.Store.FindAvisDeDemande(r.Context(), d.NumeroASP)
	if err != nil {
		return err
	}
	for _, a := range avis {
		if a.Reference == r.PathValue("ref") {
			return s.envoyerAvis(w, r, &a, html)
		}
	}
	return segur.Errorf(segur.ENOTFOUND, "avis de paiement introuvable sur la demande %s", d.NumeroASP)
}

// envoyerAvis sends payment notice a as PDF, or its HTML version.
func (s *Server) envoyerAvis(w http.ResponseWriter, r *http.Request, a *segur.Avis, html bool) error {
	if html {
		return s.montrerHTML(w, r, a.HTML, a.Reference, a.NomFichierHTML())
	}
	return s.montrer(w, r, a.Fichier, "PDF", a.NomFichier())
}

// lienHTML is the link to the HTML version of the document at pdf, "" when
// it has none (sha256 "").
func lienHTML(pdf, sha256 string) string {
	if sha256 == "" {
		return ""
	}
	return pdf + "/html"
}

// cspDocumentHTML is the policy of a document's HTML version: no script,
// nothing but the document's own stylesheet (document.FeuilleHTML).
const cspDocumentHTML = "default-src 'none'; style-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"

// montrerHTML sends the HTML version sha256 (stored as written by
// internal/document) of the document of reference ref, or says that the
// document has none: issued before HTML versions existed.
func (s *Server) montrerHTML(w http.ResponseWriter, r *http.Request, sha256, ref, nom string) error {
	if sha256 == "" {
		return segur.Errorf(segur.ENOTFOUND, "le document %s n'a pas de version accessible (HTML) : il a été émis avant leur mise en place ; seul son PDF existe", ref)
	}
	b, err := s.Blobs.Open(r.Context(), sha256)
	if err != nil {
		return err
	}
	defer b.Close()
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.FormatInt(b.Taille(), 10))
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": nom}))
	h.Set("Content-Security-Policy", cspDocumentHTML)
	_, err = io.Copy(w, b)
	return err
}
