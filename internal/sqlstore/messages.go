package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/segur-numerique/segur"
)

// The thread of messages of a request and the agents' private notes
// (migrations NNNN_messages.sql). A message and a note are not changes of
// the request's status: they are not lines of its history
// (demande_historique, the state machine's), but audit events of the
// request (message.creer, note.creer) in the chained log, which
// fingerprint the text and the files, so that what was written, by whom
// and when can be proven and cannot be altered unseen.

// empreinteTexte is the SHA-256 of a text, in hexadecimal, for the audit
// log: the log proves a text without copying it.
func empreinteTexte(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// demandeExiste refuses (ENOTFOUND) an unknown request, inside tx.
func demandeExiste(ctx context.Context, tx *sql.Tx, asp string) error {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM demandes WHERE numero_asp = $1`, asp).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return segur.Errorf(segur.ENOTFOUND, "demande %s introuvable", asp)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: demande %s: %w", asp, err)
	}
	return nil
}

// CreateMessage records message m (checked by segur.NouveauMessage, its
// files already stored) in one transaction: the message, its files, the
// audit event « message.creer » of the request and, when c is not nil,
// the mail that tells the other side (segur.CourrielMessage), queued in
// the outbox: the message and its mail exist together or not at all. It
// sets m's ID, CreeLe (the store's clock) and its files' IDs.
func (db *DB) CreateMessage(ctx context.Context, m *segur.Message, c *segur.Courriel) error {
	if len(m.Fichiers) > segur.MaxFichiersMessage {
		return segur.Errorf(segur.EINVALID, "Trop de fichiers : %d, au plus %d par message.", len(m.Fichiers), segur.MaxFichiersMessage)
	}
	now := db.clock()
	ids := make([]int64, len(m.Fichiers))
	var id int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := demandeExiste(ctx, tx, m.NumeroASP); err != nil {
			return err
		}
		if m.Cote == segur.CoteFournisseur {
			if err := db.debitMessages(ctx, tx, m.NumeroASP, now); err != nil {
				return err
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO messages (numero_asp, cote, auteur, texte, cree_le) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			m.NumeroASP, string(m.Cote), m.Auteur, m.Texte, now).Scan(&id)
		if violationOf(err) == checkViolation {
			return segur.Errorf(segur.EINVALID, "message refusé : texte vide ou de plus de %d caractères", segur.MaxTexteMessage)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: message sur %s: %w", m.NumeroASP, err)
		}
		type fichier struct {
			Nom    string `json:"nom"`
			SHA256 string `json:"sha256"`
		}
		fichiers := []fichier{}
		for i, f := range m.Fichiers {
			if err := tx.QueryRowContext(ctx, `INSERT INTO messages_fichiers (message_id, nom, format, fichier_sha256, taille) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
				id, f.Nom, f.Format, f.Fichier.SHA256, f.Fichier.Taille).Scan(&ids[i]); err != nil {
				return fmt.Errorf("sqlstore: fichier %q du message sur %s: %w", f.Nom, m.NumeroASP, err)
			}
			fichiers = append(fichiers, fichier{f.Nom, f.Fichier.SHA256})
		}
		if c != nil {
			if err := db.enfilerCourriel(ctx, tx, now, c); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, now, "message.creer", "demande:"+m.NumeroASP, struct {
			ID       int64     `json:"id"`
			Cote     string    `json:"cote"`
			Auteur   string    `json:"auteur"`
			Texte    string    `json:"texte_sha256"`
			Fichiers []fichier `json:"fichiers"`
		}{id, string(m.Cote), m.Auteur, empreinteTexte(m.Texte), fichiers})
	})
	if err != nil {
		return err
	}
	m.ID, m.CreeLe = segur.MessageID(id), now
	for i := range m.Fichiers {
		m.Fichiers[i].ID = ids[i]
	}
	return nil
}

// debitMessages refuses (segur.DebitMessages) a message of the vendor of
// request asp at now past the bounds of its messages, counted under the
// vendor's lock: two messages at once are counted one after the other.
func (db *DB) debitMessages(ctx context.Context, tx *sql.Tx, asp string, now time.Time) error {
	var f int64
	if err := tx.QueryRowContext(ctx, `SELECT fournisseur_id FROM demandes WHERE numero_asp = $1`, asp).Scan(&f); err != nil {
		return fmt.Errorf("sqlstore: demande %s: %w", asp, err)
	}
	if err := db.verrouFournisseur(ctx, tx, messagesLock, segur.FournisseurID(f)); err != nil {
		return err
	}
	recents, err := queryAll(ctx, tx, func(s scanner) (time.Time, error) {
		var t time.Time
		return t, s.Scan(utcTime{&t})
	}, "messages récents", `SELECT m.cree_le FROM messages m JOIN demandes d ON d.numero_asp = m.numero_asp
		WHERE m.cote = $1 AND m.cree_le > $2 AND d.fournisseur_id = $3 ORDER BY m.cree_le DESC LIMIT $4`,
		string(segur.CoteFournisseur), now.Add(-24*time.Hour), f, segur.MaxMessagesFournisseurJour)
	if err != nil {
		return err
	}
	return segur.DebitMessages(recents, now)
}

// FindMessages returns the thread of request asp, oldest first, each
// message with its files.
func (db *DB) FindMessages(ctx context.Context, asp string) ([]segur.Message, error) {
	ms, err := queryAll(ctx, db.r, func(s scanner) (segur.Message, error) {
		var m segur.Message
		var cote string
		err := s.Scan(&m.ID, &m.NumeroASP, &cote, &m.Auteur, &m.Texte, &m.CreeLe)
		m.Cote, m.CreeLe = segur.Cote(cote), m.CreeLe.UTC()
		return m, err
	}, "messages", `SELECT id, numero_asp, cote, auteur, texte, cree_le FROM messages WHERE numero_asp = $1 ORDER BY id`, asp)
	if err != nil || len(ms) == 0 {
		return ms, err
	}
	type ligne struct {
		message segur.MessageID
		f       segur.FichierMessage
	}
	fs, err := queryAll(ctx, db.r, func(s scanner) (ligne, error) {
		var l ligne
		err := s.Scan(&l.message, &l.f.ID, &l.f.Nom, &l.f.Format, &l.f.Fichier.SHA256, &l.f.Fichier.Taille)
		return l, err
	}, "fichiers des messages", `SELECT f.message_id, f.id, f.nom, f.format, f.fichier_sha256, f.taille
		FROM messages m JOIN messages_fichiers f ON f.message_id = m.id WHERE m.numero_asp = $1 ORDER BY f.id`, asp)
	if err != nil {
		return nil, err
	}
	par := make(map[segur.MessageID]int, len(ms))
	for i, m := range ms {
		par[m.ID] = i
	}
	for _, l := range fs {
		if i, ok := par[l.message]; ok {
			ms[i].Fichiers = append(ms[i].Fichiers, l.f)
		}
	}
	return ms, nil
}

// FindFichierMessage returns file id of a message of request asp;
// ENOTFOUND for a file of another request's thread.
func (db *DB) FindFichierMessage(ctx context.Context, asp string, id int64) (*segur.FichierMessage, error) {
	var f segur.FichierMessage
	err := db.r.QueryRowContext(ctx, `SELECT f.id, f.nom, f.format, f.fichier_sha256, f.taille
		FROM messages_fichiers f JOIN messages m ON m.id = f.message_id WHERE f.id = $1 AND m.numero_asp = $2`, id, asp).
		Scan(&f.ID, &f.Nom, &f.Format, &f.Fichier.SHA256, &f.Fichier.Taille)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, segur.Errorf(segur.ENOTFOUND, "fichier introuvable sur la demande %s", asp)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: fichier %d de %s: %w", id, asp, err)
	}
	return &f, nil
}

// FindMessagesLus returns the last message of request asp that side
// lecteur read of the other side's (0 when none): the messages after it
// are unread.
func (db *DB) FindMessagesLus(ctx context.Context, asp string, lecteur segur.Cote) (segur.MessageID, error) {
	var id int64
	err := db.r.QueryRowContext(ctx, `SELECT dernier_lu FROM messages_lectures WHERE numero_asp = $1 AND cote = $2`, asp, string(lecteur)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlstore: messages lus de %s: %w", asp, err)
	}
	return segur.MessageID(id), nil
}

// MarquerMessagesLus records that side lecteur read the thread of request
// asp up to message jusqua (the last one its page showed): a message
// written after it stays unread. The mark only grows. A read mark is no
// change of the request: not audited.
func (db *DB) MarquerMessagesLus(ctx context.Context, asp string, lecteur segur.Cote, jusqua segur.MessageID) error {
	if jusqua <= 0 {
		return nil
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := demandeExiste(ctx, tx, asp); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO messages_lectures (numero_asp, cote, dernier_lu, lu_le) VALUES ($1, $2, $3, $4)
			ON CONFLICT (numero_asp, cote) DO UPDATE SET dernier_lu = excluded.dernier_lu, lu_le = excluded.lu_le
			WHERE excluded.dernier_lu > messages_lectures.dernier_lu`, asp, string(lecteur), int64(jusqua), db.clock())
		if err != nil {
			return fmt.Errorf("sqlstore: messages lus de %s: %w", asp, err)
		}
		return nil
	})
}

// FindMessagesNonLus returns, of requests asps (a page of a list, up to a
// few hundred), those with messages of the other side that side lecteur
// has not read, and how many: in one query (CoteAgence for the agents'
// queue, CoteFournisseur for the vendor's list). A request without unread
// messages is absent.
func (db *DB) FindMessagesNonLus(ctx context.Context, lecteur segur.Cote, asps []string) (map[string]int, error) {
	out := map[string]int{}
	if len(asps) == 0 {
		return out, nil
	}
	list, arg, err := db.textList(1, "l", asps)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: messages non lus: %w", err)
	}
	type n struct {
		asp string
		n   int
	}
	ns, err := queryAll(ctx, db.r, func(s scanner) (n, error) {
		var v n
		return v, s.Scan(&v.asp, &v.n)
	}, "messages non lus", `SELECT m.numero_asp, count(*) FROM `+list+`
		JOIN messages m ON m.numero_asp = l.v AND m.cote = $2
		LEFT JOIN messages_lectures r ON r.numero_asp = l.v AND r.cote = $3
		WHERE m.id > coalesce(r.dernier_lu, 0)
		GROUP BY m.numero_asp`, arg, string(lecteur.Autre()), string(lecteur))
	if err != nil {
		return nil, err
	}
	for _, v := range ns {
		out[v.asp] = v.n
	}
	return out, nil
}

// CreateNote records an agents' private note n (checked by
// segur.NouvelleNote) with its audit event « note.creer » (its text's
// fingerprint only), in one transaction. It sets n's ID and CreeLe.
func (db *DB) CreateNote(ctx context.Context, n *segur.Note) error {
	now := db.clock()
	var id int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := demandeExiste(ctx, tx, n.NumeroASP); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO notes (numero_asp, auteur, texte, cree_le) VALUES ($1, $2, $3, $4) RETURNING id`,
			n.NumeroASP, n.Auteur, n.Texte, now).Scan(&id)
		if violationOf(err) == checkViolation {
			return segur.Errorf(segur.EINVALID, "note refusée : texte vide ou de plus de %d caractères", segur.MaxTexteMessage)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: note sur %s: %w", n.NumeroASP, err)
		}
		return db.audit(ctx, tx, now, "note.creer", "demande:"+n.NumeroASP, struct {
			ID     int64  `json:"id"`
			Auteur string `json:"auteur"`
			Texte  string `json:"texte_sha256"`
		}{id, n.Auteur, empreinteTexte(n.Texte)})
	})
	if err != nil {
		return err
	}
	n.ID, n.CreeLe = segur.NoteID(id), now
	return nil
}

// FindNotes returns the private notes of request asp, oldest first.
func (db *DB) FindNotes(ctx context.Context, asp string) ([]segur.Note, error) {
	return queryAll(ctx, db.r, func(s scanner) (segur.Note, error) {
		var n segur.Note
		err := s.Scan(&n.ID, &n.NumeroASP, &n.Auteur, &n.Texte, &n.CreeLe)
		n.CreeLe = n.CreeLe.UTC()
		return n, err
	}, "notes", `SELECT id, numero_asp, auteur, texte, cree_le FROM notes WHERE numero_asp = $1 ORDER BY id`, asp)
}
