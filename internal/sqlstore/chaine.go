package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/segur-numerique/segur"
)

// The audit log's hash chain (migration 0015, segur.Evenement.Maillon).
//
// An audit event is not inserted where the code calls audit: it waits in
// its transaction's journal, and commitWrite inserts it, with its link,
// just before the commit. There it first updates chaine_tete, the
// chain's head, one row: on PostgreSQL the row lock that UPDATE takes
// makes every transaction that writes events wait for the one before it
// to end, and under READ COMMITTED (every write transaction of the store)
// a transaction that waited updates, and reads, the row as that one
// committed it: the head it left. Only then are the events inserted,
// their ids drawn from the sequence while the lock is held: the ids come
// in the order of the links, every link follows the one committed before
// it, and the chain is a single sequence in id order, however many
// servers write at once. Taken last, just before the commit, the lock is
// held the shortest time, and no transaction holding it waits for a lock
// another one holds (no deadlock with the row locks taken earlier).
// SQLite has one writer at a time: the same code, without waiting.
//
// The constraints keep the chain whole even if that reasoning failed (a
// server set to REPEATABLE READ, a writer of another version): a link's
// precedent is UNIQUE (no fork) and smaller than its event's id (id
// order); such a transaction fails rather than fork the chain.

// journal is the audit events a write transaction has written, waiting
// for its commit.
type journal struct {
	evenements []segur.Evenement
}

// journaux holds the journal of each write transaction, by transaction.
type journaux struct{ m sync.Map }

func (j *journaux) begin(tx *sql.Tx) { j.m.Store(tx, &journal{}) }

func (j *journaux) get(tx *sql.Tx) (*journal, bool) {
	v, ok := j.m.Load(tx)
	if !ok {
		return nil, false
	}
	return v.(*journal), true
}

func (j *journaux) end(tx *sql.Tx) *journal {
	v, ok := j.m.LoadAndDelete(tx)
	if !ok {
		return nil
	}
	return v.(*journal)
}

// audit writes the event of a change, with the context's actor, in the
// change's transaction: it is inserted, with its link in the chain, when
// the transaction commits (commitWrite). details is marshalled to a JSON
// object: it holds the new values, never a password hash or a token
// digest.
func (db *DB) audit(ctx context.Context, tx *sql.Tx, quand time.Time, action, objet string, details any) error {
	b, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("sqlstore: audit %s: %w", action, err)
	}
	j, ok := db.journaux.get(tx)
	if !ok {
		return fmt.Errorf("sqlstore: audit %s: not in a write transaction of the store", action)
	}
	j.evenements = append(j.evenements, segur.Evenement{
		Quand: stamp(quand), Acteur: segur.ActeurFrom(ctx), Action: action, Objet: objet, Details: string(b),
	})
	return nil
}

// commitWrite inserts the audit events of tx with their links, then
// commits tx.
func (db *DB) commitWrite(ctx context.Context, tx *sql.Tx) error {
	if j := db.journaux.end(tx); j != nil && len(j.evenements) > 0 {
		if err := db.chainer(ctx, tx, j.evenements); err != nil {
			return fmt.Errorf("sqlstore: audit: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", err)
	}
	if f := db.apresEcriture.Load(); f != nil {
		(*f)()
	}
	return nil
}

// endWrite rolls tx back, if it was not committed, and forgets its
// journal.
func (db *DB) endWrite(tx *sql.Tx) {
	tx.Rollback() // a no-op after Commit
	db.journaux.end(tx)
}

// lockTete updates the chain's head, which locks it until tx ends, and
// returns it: the last chained event's id (0 when none) and its link.
func lockTete(ctx context.Context, tx *sql.Tx) (int64, []byte, error) {
	var id int64
	var valeur []byte
	err := tx.QueryRowContext(ctx,
		`UPDATE chaine_tete SET evenement_id = evenement_id WHERE id = 1 RETURNING evenement_id, valeur`).Scan(&id, &valeur)
	if err != nil {
		return 0, nil, fmt.Errorf("lock the chain's head: %w", err)
	}
	return id, valeur, nil
}

// chainer inserts evs, with their links, after the chain's head, locked
// first (see the top of this file). Events written without a link since
// the head (by a portal of a version before the chain, during an update
// of several servers) are chained first.
func (db *DB) chainer(ctx context.Context, tx *sql.Tx, evs []segur.Evenement) error {
	id, valeur, err := lockTete(ctx, tx)
	if err != nil {
		return err
	}
	for {
		var n int
		n, id, valeur, err = chainerSansMaillon(ctx, db, tx, id, valeur, 1000)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	for i := range evs {
		e := &evs[i]
		err := tx.QueryRowContext(ctx,
			`INSERT INTO evenements (quand, login, adresse, action, objet, details) VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING id, quand, login, adresse, action, objet, details`,
			e.Quand, e.Acteur.Login, e.Acteur.Adresse, e.Action, e.Objet, e.Details).
			Scan(&e.ID, &e.Quand, &e.Acteur.Login, &e.Acteur.Adresse, &e.Action, &e.Objet, &e.Details)
		if err != nil {
			return fmt.Errorf("insert %s: %w", e.Action, err)
		}
		e.Quand = e.Quand.UTC()
		m := e.Maillon(valeur)
		if _, err := tx.ExecContext(ctx, `INSERT INTO chaine_audit (evenement_id, precedent, valeur) VALUES ($1, $2, $3)`, e.ID, id, m); err != nil {
			return fmt.Errorf("link of event %d: %w", e.ID, err)
		}
		id, valeur = e.ID, m
	}
	return setTete(ctx, tx, id, valeur)
}

func setTete(ctx context.Context, tx *sql.Tx, id int64, valeur []byte) error {
	if _, err := tx.ExecContext(ctx, `UPDATE chaine_tete SET evenement_id = $1, valeur = $2 WHERE id = 1`, id, valeur); err != nil {
		return fmt.Errorf("move the chain's head: %w", err)
	}
	return nil
}

// maillon is a link of the chain, as chaine_audit holds it.
type maillon struct {
	evenement, precedent int64
	valeur               []byte
}

// chainerSansMaillon chains at most limit events past the head (id,
// valeur), in id order, and returns how many and the new head. The
// caller holds the head's lock and moves it.
func chainerSansMaillon(ctx context.Context, db *DB, tx *sql.Tx, id int64, valeur []byte, limit int) (int, int64, []byte, error) {
	evs, err := queryAll(ctx, tx, scanEvenement, "evenements sans maillon",
		`SELECT id, quand, login, adresse, action, objet, details FROM evenements WHERE id > $1 ORDER BY id LIMIT $2`, id, limit)
	if err != nil {
		return 0, 0, nil, err
	}
	if len(evs) == 0 {
		return 0, id, valeur, nil
	}
	ms := make([]maillon, len(evs))
	for i := range evs {
		v := evs[i].Maillon(valeur)
		ms[i] = maillon{evs[i].ID, id, v}
		id, valeur = evs[i].ID, v
	}
	cols := []column[maillon]{
		{"evenement_id", as("bigint", func(m *maillon) int64 { return m.evenement })},
		{"precedent", as("bigint", func(m *maillon) int64 { return m.precedent })},
		{"valeur", as("bytea", func(m *maillon) []byte { return m.valeur })},
	}
	if err := insertAll(ctx, db, tx, "chaine_audit", cols, ms, "", nil); err != nil {
		return 0, 0, nil, fmt.Errorf("links of events %d to %d: %w", ms[0].evenement, id, err)
	}
	return len(evs), id, valeur, nil
}

// chainerExistants chains the events without a link past the chain's
// head, a batch per transaction: those written before migration 0015, or
// by a portal of an earlier version since. Migrate runs it.
func (db *DB) chainerExistants(ctx context.Context) error {
	for {
		var n int
		err := db.write(ctx, func(tx *sql.Tx) error {
			id, valeur, err := lockTete(ctx, tx)
			if err != nil {
				return err
			}
			n, id, valeur, err = chainerSansMaillon(ctx, db, tx, id, valeur, 5000)
			if err != nil || n == 0 {
				return err
			}
			return setTete(ctx, tx, id, valeur)
		})
		if err != nil {
			return fmt.Errorf("sqlstore: chain the audit log: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

// TeteChaine returns the chain's head: the last chained event and its
// link. Without any event, ENOTFOUND.
func (db *DB) TeteChaine(ctx context.Context) (segur.Evenement, []byte, error) {
	var e segur.Evenement
	var valeur []byte
	err := db.r.QueryRowContext(ctx, `SELECT e.id, e.quand, e.login, e.adresse, e.action, e.objet, e.details, c.valeur
		FROM chaine_audit c JOIN evenements e ON e.id = c.evenement_id ORDER BY c.evenement_id DESC LIMIT 1`).
		Scan(&e.ID, &e.Quand, &e.Acteur.Login, &e.Acteur.Adresse, &e.Action, &e.Objet, &e.Details, &valeur)
	if err == sql.ErrNoRows {
		return e, nil, segur.Errorf(segur.ENOTFOUND, "journal d'audit vide : rien à sceller")
	}
	if err != nil {
		return e, nil, fmt.Errorf("sqlstore: chain's head: %w", err)
	}
	e.Quand = e.Quand.UTC()
	return e, valeur, nil
}

// CreateSceau records seal s, and its audit event: s.ID and s.ScelleLe
// are set.
func (db *DB) CreateSceau(ctx context.Context, s *segur.Sceau) error {
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO sceaux (evenement_id, valeur, jeton, horodate_le, tsa, scelle_le)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			s.EvenementID, s.Valeur, s.Jeton, stamp(s.HorodateLe), s.TSA, now).Scan(&s.ID)
		if err != nil {
			return fmt.Errorf("sqlstore: create sceau: %w", err)
		}
		s.ScelleLe, s.HorodateLe = now, stamp(s.HorodateLe)
		return db.audit(ctx, tx, now, "audit.sceller", fmt.Sprintf("sceau:%d", s.ID), map[string]any{
			"evenement": s.EvenementID, "valeur": hex.EncodeToString(s.Valeur), "horodate_le": s.HorodateLe, "tsa": s.TSA,
		})
	})
}

// FindSceaux returns the seals, oldest first, with their tokens.
func (db *DB) FindSceaux(ctx context.Context) ([]segur.Sceau, error) {
	return queryAll(ctx, db.r, scanSceau, "sceaux",
		`SELECT id, evenement_id, valeur, jeton, horodate_le, tsa, scelle_le FROM sceaux ORDER BY id`)
}

// DernierSceau returns the last seal recorded; without any, ENOTFOUND.
func (db *DB) DernierSceau(ctx context.Context) (segur.Sceau, error) {
	s, err := scanSceau(db.r.QueryRowContext(ctx,
		`SELECT id, evenement_id, valeur, jeton, horodate_le, tsa, scelle_le FROM sceaux ORDER BY id DESC LIMIT 1`))
	if err == sql.ErrNoRows {
		return s, segur.Errorf(segur.ENOTFOUND, "aucun sceau")
	}
	if err != nil {
		return s, fmt.Errorf("sqlstore: last sceau: %w", err)
	}
	return s, nil
}

func scanSceau(s scanner) (segur.Sceau, error) {
	var c segur.Sceau
	err := s.Scan(&c.ID, &c.EvenementID, &c.Valeur, &c.Jeton, &c.HorodateLe, &c.TSA, &c.ScelleLe)
	c.HorodateLe, c.ScelleLe = c.HorodateLe.UTC(), c.ScelleLe.UTC()
	return c, err
}

// RuptureAudit is a place where the audit chain breaks: the event, and
// why, in French.
type RuptureAudit struct {
	Evenement segur.Evenement // ID and Quand at least; zero Quand when the event is missing
	Cause     string
}

// VerificationChaine is what VerifyChaine found.
type VerificationChaine struct {
	Evenements int64           // events read
	Dernier    segur.Evenement // the last one (zero without any)
	Ruptures   []RuptureAudit  // the first maxRuptures
	NRuptures  int             // all of them
	// Maillons holds the stored link of each event asked for (the seals'
	// heads) that has one.
	Maillons map[int64][]byte
}

// maxRuptures is how many breaks VerifyChaine describes; it counts the
// others.
const maxRuptures = 20

func (v *VerificationChaine) rompre(e segur.Evenement, format string, args ...any) {
	v.NRuptures++
	if len(v.Ruptures) < maxRuptures {
		v.Ruptures = append(v.Ruptures, RuptureAudit{e, fmt.Sprintf(format, args...)})
	}
}

// VerifyChaine reads the whole audit log in id order, in one snapshot,
// streamed (its memory does not grow with the log), and checks every
// event's link: that it follows the previous event of the log and is the
// SHA-256 of the previous link and of the event as it reads now. Each
// link is checked against the stored link before it, so that every
// changed event is found, not only the first; a log rewritten with all
// its links recomputed is what the seals find (their timestamped link is
// no longer the stored one): Maillons returns the stored links of the
// events tetes names.
func (db *DB) VerifyChaine(ctx context.Context, tetes []int64) (*VerificationChaine, error) {
	v := &VerificationChaine{Maillons: map[int64][]byte{}}
	want := map[int64]bool{}
	for _, id := range tetes {
		want[id] = true
	}
	tx, err := db.r.BeginTx(ctx, db.snapshotTxOptions())
	if err != nil {
		return nil, fmt.Errorf("sqlstore: verify chain: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT e.id, e.quand, e.login, e.adresse, e.action, e.objet, e.details, c.precedent, c.valeur
		FROM evenements e LEFT JOIN chaine_audit c ON c.evenement_id = e.id ORDER BY e.id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: verify chain: %w", err)
	}
	var prev, dernierMaillon int64
	attendu := segur.ChaineOrigine()
	err = eachRow(rows, func(rows *sql.Rows) error {
		var e segur.Evenement
		var precedent sql.NullInt64
		var valeur []byte
		if err := rows.Scan(&e.ID, &e.Quand, &e.Acteur.Login, &e.Acteur.Adresse, &e.Action, &e.Objet, &e.Details, &precedent, &valeur); err != nil {
			return err
		}
		e.Quand = e.Quand.UTC()
		v.Evenements++
		calcule := e.Maillon(attendu)
		switch {
		case !precedent.Valid:
			v.rompre(e, "l'événement n'a pas de maillon dans la chaîne : il a été ajouté hors du portail")
			valeur = calcule
		case precedent.Int64 > prev:
			v.rompre(e, "son maillon suit l'événement %d, absent du journal : un ou plusieurs événements ont été supprimés avant lui", precedent.Int64)
		case precedent.Int64 != prev:
			v.rompre(e, "son maillon suit l'événement %d, mais le journal a l'événement %d avant lui : un événement a été inséré", precedent.Int64, prev)
		case !bytes.Equal(valeur, calcule):
			v.rompre(e, "l'événement ne correspond plus à son maillon : son contenu, ou son maillon, a été modifié")
		}
		if want[e.ID] && precedent.Valid {
			v.Maillons[e.ID] = valeur
		}
		if precedent.Valid {
			dernierMaillon = e.ID
		}
		prev, attendu, v.Dernier = e.ID, valeur, e
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: verify chain: %w", err)
	}
	// A link whose event is gone, after the last event: the events
	// removed from the end of the log.
	orphelins, err := queryAll(ctx, tx, func(s scanner) (int64, error) {
		var id int64
		return id, s.Scan(&id)
	}, "maillons orphelins", `SELECT c.evenement_id FROM chaine_audit c WHERE c.evenement_id > $1 ORDER BY c.evenement_id LIMIT $2`, prev, maxRuptures)
	if err != nil {
		return nil, err
	}
	for _, id := range orphelins {
		v.rompre(segur.Evenement{ID: id}, "son maillon est dans la chaîne, mais l'événement manque au journal : il a été supprimé")
		dernierMaillon = id
	}
	// The head moves with every link: past the last one, the last events
	// and their links were removed.
	var tete int64
	if err := tx.QueryRowContext(ctx, `SELECT evenement_id FROM chaine_tete WHERE id = 1`).Scan(&tete); err != nil {
		return nil, fmt.Errorf("sqlstore: verify chain: head: %w", err)
	}
	switch {
	case tete > dernierMaillon:
		v.rompre(segur.Evenement{ID: tete}, "la tête de la chaîne est à cet événement, mais lui et son maillon manquent : les derniers événements du journal ont été supprimés")
	case tete < dernierMaillon:
		v.rompre(segur.Evenement{ID: tete}, "la tête de la chaîne est restée à cet événement, avant le dernier maillon (événement %d) : elle a été modifiée hors du portail", dernierMaillon)
	}
	return v, tx.Commit()
}
