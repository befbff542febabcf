package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
)

// The thread of messages of a request with the agency: read it, write in
// it. JSON only: files are not sent through the API (the portal's page
// takes them), and the files of a message are listed without their
// content. The agents' private notes are never served here.

// MessageJSON is a message of a request's thread as the API shows it.
type MessageJSON struct {
	ID   int64  `json:"id"`
	Cote string `json:"cote"` // agence or fournisseur
	// Auteur is the vendor's user or token that wrote it; empty for the
	// agency's, which speaks as one.
	Auteur   string               `json:"auteur,omitempty"`
	Texte    string               `json:"texte"`
	EcritLe  time.Time            `json:"ecritLe"`
	Nouveau  bool                 `json:"nouveau"`
	Fichiers []FichierMessageJSON `json:"fichiers"`
}

// FichierMessageJSON is a file of a message, described.
type FichierMessageJSON struct {
	Nom    string `json:"nom"`
	Format string `json:"format"`
	Taille int64  `json:"taille"`
	SHA256 string `json:"sha256"`
}

func messageJSON(m segur.Message, lu segur.MessageID) MessageJSON {
	j := MessageJSON{ID: int64(m.ID), Cote: string(m.Cote), Texte: m.Texte, EcritLe: m.CreeLe,
		Nouveau: m.Cote == segur.CoteAgence && m.ID > lu, Fichiers: []FichierMessageJSON{}}
	if m.Cote == segur.CoteFournisseur {
		j.Auteur = m.Auteur
	}
	for _, f := range m.Fichiers {
		j.Fichiers = append(j.Fichiers, FichierMessageJSON{f.Nom, f.Format, f.Fichier.Taille, f.Fichier.SHA256})
	}
	return j
}

// getMessages returns the thread of the caller's request, oldest first.
// Reading it here marks nothing read: the page does (GET changes nothing).
func (a *API) getMessages(w http.ResponseWriter, r *http.Request) error {
	d, err := a.demandeDuFournisseur(r)
	if err != nil {
		return err
	}
	ms, err := a.Store.FindMessages(r.Context(), d.NumeroASP)
	if err != nil {
		return err
	}
	lu, err := a.Store.FindMessagesLus(r.Context(), d.NumeroASP, segur.CoteFournisseur)
	if err != nil {
		return err
	}
	out := struct {
		Messages []MessageJSON `json:"messages"`
	}{[]MessageJSON{}}
	for _, m := range ms {
		out.Messages = append(out.Messages, messageJSON(m, lu))
	}
	return writeJSON(w, http.StatusOK, out)
}

// maxCorpsMessage bounds a message's JSON body: 5 000 characters of at
// most 4 bytes each, escaped, with room to spare.
const maxCorpsMessage = 64 << 10

// postMessage writes a message to the agency on the caller's request,
// and mails the agent assigned to it.
func (a *API) postMessage(w http.ResponseWriter, r *http.Request) error {
	d, err := a.demandeDuFournisseur(r)
	if err != nil {
		return err
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return segur.Errorf(segur.EINVALID, "Content-Type %s : attendu application/json ({\"texte\": \"…\"}) ; les fichiers se joignent sur le portail", ct)
	}
	var in struct {
		Texte string `json:"texte"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCorpsMessage))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return segur.Errorf(segur.ETOOLARGE, "message trop volumineux : au plus %d octets de JSON", maxCorpsMessage)
		}
		return segur.Errorf(segur.EINVALID, "JSON illisible : attendu {\"texte\": \"…\"} (seul champ accepté)")
	}
	if _, err := dec.Token(); err != io.EOF {
		return segur.Errorf(segur.EINVALID, "JSON illisible : un seul objet {\"texte\": \"…\"} attendu")
	}
	m, err := segur.NouveauMessage(d.NumeroASP, segur.ActeurFrom(r.Context()).Login, segur.CoteFournisseur, in.Texte, nil)
	if err != nil {
		return err
	}
	f := fournisseur(r.Context())
	var mail *segur.Courriel
	if c, ok := segur.CourrielMessage(m, d, f, a.URL); ok {
		mail = &c
	}
	if err := a.Store.CreateMessage(r.Context(), m, mail); err != nil {
		return err
	}
	if mail != nil && a.Reveiller != nil {
		a.Reveiller()
	}
	return writeJSON(w, http.StatusCreated, messageJSON(*m, 0))
}
