package segur

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The thread of messages of a request between the agency and its vendor,
// beside the request for completion (which keeps its own state machine),
// and the agents' private notes. Both are immutable: written once, never
// changed nor deleted.

// Cote is the side of a message's author: the agency or the vendor.
type Cote string

// The two sides of a thread.
const (
	CoteAgence      Cote = "agence"
	CoteFournisseur Cote = "fournisseur"
)

// Autre is the side that reads what c writes.
func (c Cote) Autre() Cote {
	if c == CoteAgence {
		return CoteFournisseur
	}
	return CoteAgence
}

// Limits of a message and of a note.
const (
	MaxTexteMessage    = 5000 // characters, once trimmed
	MaxFichiersMessage = 5
)

// The bounds of what a vendor writes to the agency, all its requests and
// users together: each message mails the agent instructing the request,
// and a vendor's script must not be able to bury the agents' mailboxes.
const (
	MaxMessagesFournisseurHeure = 30
	MaxMessagesFournisseurJour  = 200
)

// DebitMessages refuses (ETOOMANY) a vendor's message written at now when
// recents, the times of the vendor's messages of the 24 hours before now,
// already reach a bound, and says when the next one will be accepted.
func DebitMessages(recents []time.Time, now time.Time) error {
	recents = append([]time.Time(nil), recents...)
	slices.SortFunc(recents, func(a, b time.Time) int { return b.Compare(a) })
	for _, b := range []struct {
		n       int
		duree   time.Duration
		libelle string
	}{{MaxMessagesFournisseurHeure, time.Hour, "dans la dernière heure"}, {MaxMessagesFournisseurJour, 24 * time.Hour, "dans les dernières 24 heures"}} {
		var n int
		for _, t := range recents {
			if now.Sub(t) < b.duree {
				n++
			}
		}
		if n < b.n {
			continue
		}
		// The next message is accepted when the b.n-th most recent leaves
		// the window.
		attente := recents[b.n-1].Add(b.duree).Sub(now)
		minutes := max(1, int((attente+time.Minute-1)/time.Minute))
		e := Errorf(ETOOMANY, "Trop de messages : votre entreprise en a envoyé %d à l'agence %s, au plus %d. Vous pourrez écrire de nouveau dans %s.",
			n, b.libelle, b.n, dureeMinutes(minutes))
		e.Apres = time.Duration(minutes) * time.Minute
		return e
	}
	return nil
}

// dureeMinutes says m minutes in French: « 1 minute », « 23 minutes »,
// « 2 h 05 ».
func dureeMinutes(m int) string {
	switch {
	case m == 1:
		return "1 minute"
	case m < 60:
		return fmt.Sprintf("%d minutes", m)
	}
	return fmt.Sprintf("%d h %02d", m/60, m%60)
}

// MessageID identifies a message of a thread.
type MessageID int64

// FichierMessage is a file attached to a message: checked as a piece is
// (hop.MaxPiece, PDF/PNG/JPG by its signature), stored in the blob store,
// scanned by the antivirus. Nom is shown only, never used as a path.
type FichierMessage struct {
	ID      int64
	Nom     string
	Format  string // PDF, PNG or JPG
	Fichier BlobRef
}

// Message is a message of the thread of request NumeroASP: written by
// Auteur (a login) of side Cote, stamped CreeLe by the store.
type Message struct {
	ID        MessageID
	NumeroASP string
	Auteur    string
	Cote      Cote
	Texte     string
	Fichiers  []FichierMessage
	CreeLe    time.Time
}

// NoteID identifies an agent's private note.
type NoteID int64

// Note is an agents' private note on request NumeroASP: shown on the
// agents' page only, never to the vendor (page, API, exports, mails).
type Note struct {
	ID        NoteID
	NumeroASP string
	Auteur    string
	Texte     string
	CreeLe    time.Time
}

// TexteMessage checks the text of a message or a note and returns it
// trimmed: 1 to MaxTexteMessage characters of valid UTF-8, without NUL.
func TexteMessage(s string) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return "", Errorf(EINVALID, "Texte illisible : écrivez-le de nouveau, en texte simple.")
	case s == "":
		return "", Errorf(EINVALID, "Texte vide : écrivez de 1 à %s caractères.", Milliers(MaxTexteMessage))
	case utf8.RuneCountInString(s) > MaxTexteMessage:
		return "", Errorf(EINVALID, "Texte trop long : %s caractères, au plus %s.", Milliers(int64(utf8.RuneCountInString(s))), Milliers(MaxTexteMessage))
	}
	return s, nil
}

// NouveauMessage checks a message that auteur of side cote writes on
// request asp, with files already read and stored, and returns it with
// its text trimmed.
func NouveauMessage(asp, auteur string, cote Cote, texte string, fichiers []FichierMessage) (*Message, error) {
	if cote != CoteAgence && cote != CoteFournisseur {
		return nil, Errorf(EINVALID, "côté « %s » inconnu : attendu agence ou fournisseur", imprimable(string(cote)))
	}
	if strings.TrimSpace(auteur) == "" {
		return nil, Errorf(EINVALID, "message sans auteur")
	}
	t, err := TexteMessage(texte)
	if err != nil {
		return nil, err
	}
	if len(fichiers) > MaxFichiersMessage {
		return nil, Errorf(EINVALID, "Trop de fichiers : %d, au plus %d par message.", len(fichiers), MaxFichiersMessage)
	}
	for _, f := range fichiers {
		if !nomPieceValide(f.Nom) || !sha256Hex(f.Fichier.SHA256) || f.Fichier.Taille <= 0 {
			return nil, Errorf(EINVALID, "fichier « %s » : nom ou contenu invalide", imprimable(f.Nom))
		}
		switch f.Format {
		case "PDF", "PNG", "JPG":
		default:
			return nil, Errorf(EINVALID, "Format non reconnu : le fichier doit être un PDF, un PNG ou un JPG (vérifié sur son contenu).")
		}
	}
	return &Message{NumeroASP: asp, Auteur: auteur, Cote: cote, Texte: t, Fichiers: fichiers}, nil
}

// NouvelleNote checks a private note auteur writes on request asp.
func NouvelleNote(asp, auteur, texte string) (*Note, error) {
	if strings.TrimSpace(auteur) == "" {
		return nil, Errorf(EINVALID, "note sans auteur")
	}
	t, err := TexteMessage(texte)
	if err != nil {
		return nil, err
	}
	return &Note{NumeroASP: asp, Auteur: auteur, Texte: t}, nil
}

// CourrielMessage composes the mail that tells the other side of message
// m on request d of vendor f that it is there: to the vendor's contact
// when an agent writes, to the agent assigned to the request (d.Agent)
// when the vendor writes. It says there is a new message, the request's
// ASP number and numeroEditeur, and links to the request's page of the
// reader under base (the portal's public address, "" to leave the link
// out); it copies neither the text nor the files, which stay on the
// portal. It reports false when there is no one to tell: no agent
// assigned, or an address the outbox cannot send to.
func CourrielMessage(m *Message, d *Demande, f *Fournisseur, base string) (Courriel, bool) {
	asp := d.NumeroASP
	var a, lien, annonce, suite string
	base = strings.TrimRight(uneLigne(base), "/")
	if m.Cote == CoteAgence {
		a = f.Email
		if base != "" {
			lien = base + "/demandes/" + asp
		}
		annonce = "L'Agence de services et de paiement vous a écrit un message sur votre demande de financement."
		suite = "Lisez-le et répondez-y dans votre espace fournisseur, sur la page de la demande"
	} else {
		a = d.Agent
		if base != "" {
			lien = base + "/agence/demandes/" + asp
		}
		annonce = "Le fournisseur a écrit un message sur une demande de financement qui vous est attribuée."
		suite = "Lisez-le sur la page de la demande, dans l'espace des agents"
	}
	if !AdresseCourrielValide(a) {
		return Courriel{}, false
	}
	var b strings.Builder
	b.WriteString("Madame, Monsieur,\n\n")
	b.WriteString(annonce + "\n\n")
	fmt.Fprintf(&b, "  Fournisseur : %s\n", uneLigne(f.Nom))
	fmt.Fprintf(&b, "  Demande : %s\n", asp)
	fmt.Fprintf(&b, "  Numéro de demande de l'éditeur (numeroEditeur) : %s\n", uneLigne(d.NumeroEditeur))
	if n := len(m.Fichiers); n > 0 {
		fmt.Fprintf(&b, "  Fichiers joints au message : %d (sur le portail)\n", n)
	}
	lienVers(&b, suite, lien)
	signer(&b)
	return Courriel{
		A:     []string{a},
		Sujet: "[Ségur numérique] " + asp + " : nouveau message",
		Corps: b.String(),
		Objet: "demande:" + asp,
	}, true
}
