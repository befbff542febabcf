package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// The thread of messages of a request between the agency and its vendor,
// on both request pages, and the agents' private notes, on the agents'
// page only (see segur.Message, segur.Note).

// routesMessages registers the thread's and the notes' routes.
func (s *Server) routesMessages(pages *http.ServeMux) {
	pages.Handle("POST /demandes/{asp}/messages", s.handle(s.authentifie(s.demandeDuFournisseur(s.postMessageFournisseur))))
	pages.Handle("GET /demandes/{asp}/messages/fichiers/{id}", s.handle(s.authentifie(s.demandeDuFournisseur(s.fichierMessage))))
	inst := func(h handler) http.Handler { return s.handle(s.agent(h, segur.RoleInstructeur, segur.RoleAdmin)) }
	pages.Handle("POST /agence/demandes/{asp}/messages", inst(s.avecDemande(s.postMessageAgent)))
	pages.Handle("POST /agence/demandes/{asp}/notes", inst(s.avecDemande(s.postNote)))
	pages.Handle("GET /agence/demandes/{asp}/messages/fichiers/{id}", inst(s.avecDemande(s.fichierMessage)))
}

// FilVue is a request's thread as its page shows it, to an agent (with
// the private notes) or to its vendor.
type FilVue struct {
	Messages []MessageFilVue
	// Action is where the form posts; Texte the text typed, shown again
	// when the form is refused.
	Action, Texte string
	Agent         bool
	// Notes, NotesAction and NoteTexte: the private notes, for agents only.
	Notes       []NoteVue
	NotesAction string
	NoteTexte   string
	Nouveaux    int // messages shown « Nouveau »
}

// MessageFilVue is a message of a thread.
type MessageFilVue struct {
	ID      int64
	Auteur  string // who wrote it, as the reader is told
	Agence  bool   // written by an agent
	Quand   string
	Lignes  []string
	Nouveau bool // unread by the reader until this page
	// Fichiers are its files, each with its link (none when the
	// antivirus's verdict forbids it).
	Fichiers []PieceVue
}

// NoteVue is an agents' private note.
type NoteVue struct {
	Auteur, Quand string
	Lignes        []string
}

// lignes splits a text typed by a user into its lines, for the template
// (which escapes each).
func lignes(s string) []string {
	return strings.Split(strings.ReplaceAll(s, "\r", ""), "\n")
}

// fil gathers the thread of request d for the reader of side lecteur;
// base is the request's URL prefix. On a GET, the messages shown are then
// marked read by that side: the page says « Nouveau » once.
func (s *Server) fil(r *http.Request, d *segur.Demande, lecteur segur.Cote, base string) (*FilVue, error) {
	ctx := r.Context()
	ms, err := s.Store.FindMessages(ctx, d.NumeroASP)
	if err != nil {
		return nil, err
	}
	lu, err := s.Store.FindMessagesLus(ctx, d.NumeroASP, lecteur)
	if err != nil {
		return nil, err
	}
	agent := lecteur == segur.CoteAgence
	v := &FilVue{Action: base + "/messages", Agent: agent}
	av := s.vuesAntivirus(agent)
	var dernier segur.MessageID
	for _, m := range ms {
		mv := MessageFilVue{ID: int64(m.ID), Agence: m.Cote == segur.CoteAgence, Quand: s.date(m.CreeLe), Lignes: lignes(m.Texte),
			Nouveau: m.Cote != lecteur && m.ID > lu}
		switch {
		case mv.Agence && !agent:
			// The vendor hears from the agency, not from which agent.
			mv.Auteur = "l'agence"
		case mv.Agence:
			mv.Auteur = m.Auteur + " (agence)"
		default:
			mv.Auteur = m.Auteur + " (fournisseur)"
		}
		for _, f := range m.Fichiers {
			pv := PieceVue{Nom: f.Nom, Format: f.Format, Lien: base + "/messages/fichiers/" + strconv.FormatInt(f.ID, 10), Image: f.Format != "PDF"}
			if err := av.marquer(ctx, &pv, f.Fichier.SHA256, ""); err != nil {
				return nil, err
			}
			mv.Fichiers = append(mv.Fichiers, pv)
		}
		if mv.Nouveau {
			v.Nouveaux++
		}
		v.Messages = append(v.Messages, mv)
		dernier = max(dernier, m.ID)
	}
	if agent {
		v.NotesAction = base + "/notes"
		ns, err := s.Store.FindNotes(ctx, d.NumeroASP)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			v.Notes = append(v.Notes, NoteVue{Auteur: n.Auteur, Quand: s.date(n.CreeLe), Lignes: lignes(n.Texte)})
		}
	}
	if r.Method == http.MethodPost {
		// A refused form: the text typed is shown again.
		v.Texte = couper(r.PostFormValue("texte"), 4*segur.MaxTexteMessage)
		v.NoteTexte = couper(r.PostFormValue("note"), 4*segur.MaxTexteMessage)
		return v, nil
	}
	if dernier > lu {
		if err := s.Store.MarquerMessagesLus(ctx, d.NumeroASP, lecteur, dernier); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// maxEnvoiMessage bounds a message's form: its files and its text.
const maxEnvoiMessage = segur.MaxFichiersMessage*hop.MaxPiece + 128<<10

// refusMessage is a message's form refused: the field's French message
// and the answer's status (413 for a sending too large, else 422).
type refusMessage struct {
	ErreurChamp
	statut int
}

// refuse is the refusal of field champ, with 422.
func refuse(champ, message string) *refusMessage {
	return &refusMessage{ErreurChamp{champ, message}, http.StatusUnprocessableEntity}
}

// lireMessage reads a message's form (text, files) and stores its files;
// a refusal is the field's, in French.
func (s *Server) lireMessage(w http.ResponseWriter, r *http.Request, d *segur.Demande, cote segur.Cote) (*segur.Message, *refusMessage, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxEnvoiMessage)
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &refusMessage{ErreurChamp{"message-fichiers", fmt.Sprintf("Envoi trop volumineux : au plus %d fichiers de %d Mo.",
				segur.MaxFichiersMessage, hop.MaxPiece>>20)}, http.StatusRequestEntityTooLarge}, nil
		}
		return nil, refuse("message-texte", "Envoi illisible : écrivez le message de nouveau."), nil
	}
	texte, err := segur.TexteMessage(r.PostFormValue("texte"))
	if err != nil {
		c, err := champRefuse("message-texte", err)
		return nil, c, err
	}
	var choisis []*multipart.FileHeader
	if r.MultipartForm != nil {
		for _, h := range r.MultipartForm.File["fichiers"] {
			// A browser sends an empty part when no file is chosen.
			if h.Filename != "" || h.Size > 0 {
				choisis = append(choisis, h)
			}
		}
	}
	if len(choisis) > segur.MaxFichiersMessage {
		return nil, refuse("message-fichiers", fmt.Sprintf("Trop de fichiers : %d, au plus %d par message.", len(choisis), segur.MaxFichiersMessage)), nil
	}
	var fichiers []segur.FichierMessage
	for _, h := range choisis {
		f, err := h.Open()
		if err != nil {
			return nil, refuse("message-fichiers", "Envoi interrompu : joignez les fichiers de nouveau."), nil
		}
		b, format, nom, err := lireContenu(f, h.Filename)
		f.Close()
		var se *segur.Error
		if errors.As(err, &se) {
			return nil, refuse("message-fichiers", "Fichier « "+nomAffiche(h.Filename)+" » refusé. "+se.Message), nil
		}
		if err != nil {
			return nil, nil, err
		}
		ref, err := s.Blobs.Put(r.Context(), bytes.NewReader(b), hop.MaxPiece)
		if err != nil {
			return nil, nil, err
		}
		fichiers = append(fichiers, segur.FichierMessage{Nom: nom, Format: format, Fichier: ref})
	}
	m, err := segur.NouveauMessage(d.NumeroASP, utilisateur(r.Context()).Login, cote, texte, fichiers)
	if err != nil {
		c, err := champRefuse("message-texte", err)
		return nil, c, err
	}
	return m, nil, nil
}

// champRefuse is err beside field champ when it is a refusal (EINVALID),
// else err itself.
func champRefuse(champ string, err error) (*refusMessage, error) {
	var se *segur.Error
	if errors.As(err, &se) && se.Code == segur.EINVALID {
		return refuse(champ, se.Message), nil
	}
	return nil, err
}

// envoyerMessage records message m with the mail to the other side (none
// when no one is to be told), and wakes the postman.
func (s *Server) envoyerMessage(ctx context.Context, m *segur.Message, d *segur.Demande) error {
	f, err := s.Store.FindFournisseurByID(ctx, d.FournisseurID)
	if err != nil {
		return err
	}
	var mail *segur.Courriel
	if c, ok := segur.CourrielMessage(m, d, f, s.URL); ok {
		mail = &c
	}
	if err := s.Store.CreateMessage(ctx, m, mail); err != nil {
		return err
	}
	if mail != nil && s.Reveiller != nil {
		s.Reveiller()
	}
	return nil
}

func (s *Server) postMessageFournisseur(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
	m, champ, err := s.lireMessage(w, r, d, segur.CoteFournisseur)
	if err != nil {
		return err
	}
	if champ != nil {
		return s.renderDossierFournisseur(w, r, d, champ.statut, []ErreurChamp{champ.ErreurChamp})
	}
	if err := s.envoyerMessage(r.Context(), m, d); err != nil {
		return s.refusFournisseur(w, r, d, err, "message-texte")
	}
	s.rediriger(w, r, "/demandes/"+url.PathEscape(d.NumeroASP)+"#messages", "Message envoyé à l'agence.")
	return nil
}

func (s *Server) postMessageAgent(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
	m, champ, err := s.lireMessage(w, r, d, segur.CoteAgence)
	if err != nil {
		return err
	}
	if champ != nil {
		return s.renderDossierAgent(w, r, champ.statut, "", []ErreurChamp{champ.ErreurChamp})
	}
	if err := s.envoyerMessage(r.Context(), m, d); err != nil {
		return err
	}
	s.rediriger(w, r, "/agence/demandes/"+url.PathEscape(d.NumeroASP)+"#messages", "Message envoyé au fournisseur.")
	return nil
}

func (s *Server) postNote(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	n, err := segur.NouvelleNote(d.NumeroASP, utilisateur(r.Context()).Login, r.PostFormValue("note"))
	if err == nil {
		err = s.Store.CreateNote(r.Context(), n)
	}
	var se *segur.Error
	if errors.As(err, &se) && se.Code == segur.EINVALID {
		return s.renderDossierAgent(w, r, http.StatusUnprocessableEntity, "", []ErreurChamp{{"note-texte", se.Message}})
	}
	if err != nil {
		return err
	}
	s.rediriger(w, r, "/agence/demandes/"+url.PathEscape(d.NumeroASP)+"#notes", "Note interne enregistrée.")
	return nil
}

// fichierMessage sends a file of a message of request d, found by its
// number on that request only, behind the antivirus's gate, with the
// pieces' headers. Its name is shown, never used as a path.
func (s *Server) fichierMessage(w http.ResponseWriter, r *http.Request, d *segur.Demande) error {
	id, err := idChemin(r, "id", "Ce fichier")
	if err != nil {
		return err
	}
	f, err := s.Store.FindFichierMessage(r.Context(), d.NumeroASP, id)
	if segur.IsCode(err, segur.ENOTFOUND) {
		return introuvable("Ce fichier")
	}
	if err != nil {
		return err
	}
	if err := s.controlerAntivirus(r.Context(), f.Fichier.SHA256, "", f.Nom); err != nil {
		return err
	}
	return s.montrer(w, r, f.Fichier, f.Format, f.Nom)
}

// evenementHistorique says whether audit event e of a request is a line
// of its history as its page shows it to an agent (agent) or to its
// vendor: the antivirus's alerts and the messages to both, the private
// notes to agents only.
func evenementHistorique(e segur.Evenement, agent bool) bool {
	switch {
	case strings.HasPrefix(e.Action, "antivirus."), e.Action == "message.creer":
		return true
	case e.Action == "note.creer":
		return agent
	}
	return false
}

// changementEvenement is audit event e as a line of the history.
func (s *Server) changementEvenement(e segur.Evenement, noms map[string]string) ChangementVue {
	switch e.Action {
	case "message.creer":
		var m struct {
			Cote     string            `json:"cote"`
			Fichiers []json.RawMessage `json:"fichiers"`
		}
		_ = json.Unmarshal([]byte(e.Details), &m) // the line says less without its details
		c := ChangementVue{Quand: s.date(e.Quand), Par: e.Acteur.Login, Adresse: e.Acteur.Adresse, Agence: m.Cote != string(segur.CoteFournisseur),
			Action: "Message du fournisseur"}
		if c.Agence {
			c.Action = "Message de l'agence"
		}
		switch n := len(m.Fichiers); {
		case n == 1:
			c.Action += " avec un fichier joint"
		case n > 1:
			c.Action += " avec " + strconv.Itoa(n) + " fichiers joints"
		}
		return c
	case "note.creer":
		return ChangementVue{Quand: s.date(e.Quand), Par: e.Acteur.Login, Adresse: e.Acteur.Adresse, Agence: true, Action: "Note interne"}
	}
	return s.changementAntivirus(e, noms)
}
