package sqlstore

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
)

func runMessagesSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("messages", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""}, ligne{"00002", ""})
		a, b := ds[0].NumeroASP, ds[1].NumeroASP

		if none, err := db.FindMessages(ctx, a); err != nil || none == nil || len(none) != 0 {
			t.Fatalf("FindMessages, none: got %v, %v; want an empty slice", none, err)
		}
		fichier := segur.FichierMessage{Nom: "bdc signé.pdf", Format: "PDF", Fichier: segur.BlobRef{SHA256: sha("bdc"), Taille: 1234}}
		m1, err := segur.NouveauMessage(a, "marie@asp.fr", segur.CoteAgence, "Merci de joindre le bon de commande signé.", nil)
		if err != nil {
			t.Fatal(err)
		}
		mail, ok := segur.CourrielMessage(m1, &ds[0], f, "https://portail.example")
		if !ok {
			t.Fatal("no mail")
		}
		if err := db.CreateMessage(ctx, m1, &mail); err != nil {
			t.Fatalf("CreateMessage: %v", err)
		}
		if m1.ID == 0 || mail.ID == 0 {
			t.Errorf("got message %d, mail %d; want both set", m1.ID, mail.ID)
		}
		assertStamp(t, "CreeLe", m1.CreeLe)
		m2, _ := segur.NouveauMessage(a, "jean@editeur.fr", segur.CoteFournisseur, "Le voici.", []segur.FichierMessage{fichier})
		if err := db.CreateMessage(ctx, m2, nil); err != nil {
			t.Fatalf("CreateMessage with a file: %v", err)
		}
		got, err := db.FindMessages(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if want := []segur.Message{*m1, *m2}; !reflect.DeepEqual(got, want) {
			t.Errorf("FindMessages: got %+v, want %+v", got, want)
		}
		fm, err := db.FindFichierMessage(ctx, a, m2.Fichiers[0].ID)
		if err != nil || *fm != m2.Fichiers[0] {
			t.Errorf("FindFichierMessage: got %+v, %v; want %+v", fm, err, m2.Fichiers[0])
		}
		// The antivirus's alerts on a vendor's file reach its request.
		if du, err := db.FindDemandesDuFichier(ctx, sha("bdc")); err != nil || len(du) != 1 || du[0].NumeroASP != a {
			t.Errorf("FindDemandesDuFichier: got %+v, %v; want %s", du, err, a)
		}
		// A file is found on its request only.
		_, err = db.FindFichierMessage(ctx, b, m2.Fichiers[0].ID)
		assertCode(t, err, segur.ENOTFOUND)

		// The mail is in the outbox, in the message's transaction.
		cs, _, err := db.FindCourriels(ctx, segur.CourrielAEnvoyer, 10, 0)
		if err != nil || len(cs) != 1 || cs[0].A[0] != f.Email || !strings.Contains(cs[0].Corps, a) {
			t.Errorf("outbox: got %+v, %v; want the mail to the vendor", cs, err)
		}
		evs := assertEvents(t, db, "demande:"+a, "message.creer", "message.creer")
		if !strings.Contains(evs[1].Details, `"sha256":"`+sha("bdc")+`"`) || !strings.Contains(evs[1].Details, `"texte_sha256":"`) ||
			strings.Contains(evs[1].Details, "Le voici") {
			t.Errorf("event details: got %s, want the fingerprints, not the text", evs[1].Details)
		}

		// Unread marks: each side's own messages never count.
		nonLus := func(c segur.Cote) map[string]int {
			t.Helper()
			n, err := db.FindMessagesNonLus(ctx, c, []string{a, b, "ASP-0000-0000000"})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if got := nonLus(segur.CoteAgence); !reflect.DeepEqual(got, map[string]int{a: 1}) {
			t.Errorf("unread by the agency: got %v", got)
		}
		if got := nonLus(segur.CoteFournisseur); !reflect.DeepEqual(got, map[string]int{a: 1}) {
			t.Errorf("unread by the vendor: got %v", got)
		}
		if err := db.MarquerMessagesLus(ctx, a, segur.CoteAgence, m2.ID); err != nil {
			t.Fatalf("MarquerMessagesLus: %v", err)
		}
		// An older mark does not lower it.
		if err := db.MarquerMessagesLus(ctx, a, segur.CoteAgence, m1.ID); err != nil {
			t.Fatalf("MarquerMessagesLus: %v", err)
		}
		if lu, err := db.FindMessagesLus(ctx, a, segur.CoteAgence); err != nil || lu != m2.ID {
			t.Errorf("FindMessagesLus: got %d, %v; want %d", lu, err, m2.ID)
		}
		if got := nonLus(segur.CoteAgence); len(got) != 0 {
			t.Errorf("unread by the agency once read: got %v", got)
		}
		if got := nonLus(segur.CoteFournisseur); !reflect.DeepEqual(got, map[string]int{a: 1}) {
			t.Errorf("unread by the vendor: got %v", got)
		}
		if got, err := db.FindMessagesNonLus(ctx, segur.CoteAgence, nil); err != nil || len(got) != 0 {
			t.Errorf("no request: got %v, %v", got, err)
		}
		assertCode(t, db.MarquerMessagesLus(ctx, "ASP-0000-0000000", segur.CoteAgence, 1), segur.ENOTFOUND)

		// Unknown request; immutable rows.
		inconnu := *m1
		inconnu.NumeroASP = "ASP-0000-0000000"
		assertCode(t, db.CreateMessage(ctx, &inconnu, nil), segur.ENOTFOUND)
		for _, q := range []string{`UPDATE messages SET texte = 'autre'`, `DELETE FROM messages_fichiers`, `DELETE FROM messages`} {
			if _, err := db.w.ExecContext(ctx, q); !refusedByTrigger(err) {
				t.Errorf("%s: got %v, want a trigger's refusal", q, err)
			}
		}
	})

	t.Run("notes", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""})
		a := ds[0].NumeroASP
		n, err := segur.NouvelleNote(a, "marie@asp.fr", "Appelé le fournisseur : pièce en route.")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateNote(ctx, n); err != nil {
			t.Fatalf("CreateNote: %v", err)
		}
		assertStamp(t, "CreeLe", n.CreeLe)
		got, err := db.FindNotes(ctx, a)
		if err != nil || len(got) != 1 || got[0] != *n {
			t.Errorf("FindNotes: got %+v, %v; want %+v", got, err, *n)
		}
		evs := assertEvents(t, db, "demande:"+a, "note.creer")
		if strings.Contains(evs[0].Details, "pièce en route") {
			t.Errorf("event details copy the note: %s", evs[0].Details)
		}
		// Beyond the domain's check, the table refuses a text too long.
		long := *n
		long.Texte = strings.Repeat("x", segur.MaxTexteMessage+1)
		assertCode(t, db.CreateNote(ctx, &long), segur.EINVALID)
		if _, err := db.w.ExecContext(ctx, `DELETE FROM notes`); !refusedByTrigger(err) {
			t.Errorf("DELETE notes: got %v, want a trigger's refusal", err)
		}
		if ms, err := db.FindMessages(ctx, a); err != nil || len(ms) != 0 {
			t.Errorf("a note is no message: got %+v, %v", ms, err)
		}
	})

	t.Run("messages: 50 at once, none lost, the vendor's bound kept", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		g := fixture(t, db, "73282932000074")
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""}, ligne{"00002", ""})
		autre := enregistrer(t, db, ctx, nouveauDepot(g.ID, 2, "json 2", ""), ligne{"00003", ""})
		a, b := ds[0].NumeroASP, ds[1].NumeroASP
		poster := func(asp string, cote segur.Cote, texte string) error {
			m, err := segur.NouveauMessage(asp, "jean@editeur.fr", cote, texte, nil)
			if err != nil {
				return err
			}
			return db.CreateMessage(ctx, m, nil)
		}
		// 50 at once from the vendor over its two requests: the first 30
		// kept, the others refused, none half-written.
		const n = 50
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() { errs <- poster([]string{a, b}[i%2], segur.CoteFournisseur, fmt.Sprintf("message %d", i)) })
		}
		wg.Wait()
		close(errs)
		refus := 0
		for err := range errs {
			var se *segur.Error
			switch {
			case errors.As(err, &se) && se.Code == segur.ETOOMANY:
				refus++
			case err != nil:
				t.Errorf("CreateMessage: %v", err)
			}
		}
		ma, err := db.FindMessages(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		mb, err := db.FindMessages(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(ma)+len(mb) != segur.MaxMessagesFournisseurHeure || refus != n-segur.MaxMessagesFournisseurHeure {
			t.Fatalf("got %d messages and %d refused; want %d and %d", len(ma)+len(mb), refus, segur.MaxMessagesFournisseurHeure, n-segur.MaxMessagesFournisseurHeure)
		}
		if nl, err := db.FindMessagesNonLus(ctx, segur.CoteAgence, []string{a, b}); err != nil || nl[a]+nl[b] != segur.MaxMessagesFournisseurHeure {
			t.Errorf("unread: got %v, %v; want %d", nl, err, segur.MaxMessagesFournisseurHeure)
		}
		// The agency still writes to it, another vendor still writes; an
		// hour later, the vendor writes again.
		if err := poster(a, segur.CoteAgence, "Bien reçu."); err != nil {
			t.Errorf("agency's message: %v", err)
		}
		if err := poster(autre[0].NumeroASP, segur.CoteFournisseur, "Bonjour."); err != nil {
			t.Errorf("another vendor's message: %v", err)
		}
		assertCode(t, poster(a, segur.CoteFournisseur, "Encore un."), segur.ETOOMANY)
		db.now = func() time.Time { return testNow().Add(time.Hour + time.Second) }
		if err := poster(a, segur.CoteFournisseur, "Une heure après."); err != nil {
			t.Errorf("an hour later: %v", err)
		}
	})
}

// BenchmarkFindMessagesNonLus reads the unread marks of a page of 200
// requests (the queue's largest page) among 1 000, each with messages of
// both sides and half of them read: on SQLite then on PostgreSQL (skipped
// without one).
func BenchmarkFindMessagesNonLus(b *testing.B) {
	for _, base := range []string{"sqlite", "postgres"} {
		b.Run(base, func(b *testing.B) {
			db, ctx := baseBench(b, base)
			f := fixture(b, db, "88558855858745")
			var asps []string
			for i := range 5 {
				lignes := make([]ligne, 200)
				for j := range lignes {
					lignes[j] = ligne{numero: fmt.Sprintf("E%d-%d", i, j)}
				}
				for _, d := range enregistrer(b, db, ctx, nouveauDepot(f.ID, i+1, fmt.Sprint("json", i), ""), lignes...) {
					asps = append(asps, d.NumeroASP)
				}
			}
			for i, a := range asps {
				var dernier segur.MessageID
				for _, c := range []segur.Cote{segur.CoteAgence, segur.CoteFournisseur, segur.CoteFournisseur} {
					m := &segur.Message{NumeroASP: a, Auteur: "x@example.fr", Cote: c, Texte: "message"}
					if err := db.CreateMessage(ctx, m, nil); err != nil {
						b.Fatal(err)
					}
					dernier = m.ID
				}
				if i%2 == 0 {
					if err := db.MarquerMessagesLus(ctx, a, segur.CoteAgence, dernier); err != nil {
						b.Fatal(err)
					}
				}
			}
			page := asps[400:600]
			b.ResetTimer()
			for range b.N {
				nl, err := db.FindMessagesNonLus(ctx, segur.CoteAgence, page)
				if err != nil || len(nl) != 100 {
					b.Fatalf("got %d requests with unread messages, %v; want 100", len(nl), err)
				}
			}
		})
	}
}
