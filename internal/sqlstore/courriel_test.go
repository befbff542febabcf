package sqlstore

import (
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/segur-numerique/segur"
)

// nouveauCourriel returns a valid mail about request asp, not yet queued.
func nouveauCourriel(asp string) *segur.Courriel {
	return &segur.Courriel{A: []string{"contact@lebeaulogiciel.fr", "jean@lebeaulogiciel.fr"},
		Sujet: "[Ségur numérique] " + asp + " : décision de financement", Corps: "Madame, Monsieur,\n\nVotre demande " + asp + ".\n",
		Objet: "demande:" + asp, PieceNom: "decision-" + asp + ".pdf", PieceSHA256: sha("décision " + asp)}
}

func enfiler(t testing.TB, db *DB, asp string) *segur.Courriel {
	t.Helper()
	c := nouveauCourriel(asp)
	if err := db.CreateCourriel(segur.WithActeur(t.Context(), acteur), c); err != nil {
		t.Fatalf("CreateCourriel: %v", err)
	}
	return c
}

func findCourriel(t testing.TB, db *DB, id segur.CourrielID) *segur.Courriel {
	t.Helper()
	c, err := db.FindCourriel(t.Context(), id)
	if err != nil {
		t.Fatalf("FindCourriel(%d): %v", id, err)
	}
	return c
}

func reserver(t testing.TB, db *DB, now time.Time, limit int) []segur.CourrielID {
	t.Helper()
	cs, err := db.ClaimCourriels(t.Context(), now, 10*time.Minute, limit)
	if err != nil {
		t.Fatalf("ClaimCourriels(%v): %v", now, err)
	}
	ids := []segur.CourrielID{}
	for _, c := range cs {
		if !c.ProchainEssai.Equal(stamp(now).Add(10*time.Minute)) || !c.ReserveLe.Equal(stamp(now)) {
			t.Errorf("claimed mail %d: got ProchainEssai %v, ReserveLe %v; want now + 10 min and now (%v)", c.ID, c.ProchainEssai, c.ReserveLe, now)
		}
		ids = append(ids, c.ID)
	}
	return ids
}

// runCourrielSuite tests the mail outbox, on the stores of runSuite.
func runCourrielSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("courriels: queue and read", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		c := nouveauCourriel("ASP-2026-0000001")
		if err := db.CreateCourriel(ctx, c); err != nil {
			t.Fatalf("CreateCourriel: %v", err)
		}
		if c.ID == 0 || c.Etat != segur.CourrielAEnvoyer || c.Tentatives != 0 {
			t.Errorf("CreateCourriel: got ID %d, Etat %q, Tentatives %d; want an ID, a_envoyer, 0", c.ID, c.Etat, c.Tentatives)
		}
		assertStamp(t, "CreeLe", c.CreeLe)
		assertStamp(t, "ProchainEssai", c.ProchainEssai)
		if got := findCourriel(t, db, c.ID); !reflect.DeepEqual(got, c) {
			t.Errorf("FindCourriel: got %+v, want %+v", got, c)
		}
		evs := assertEvents(t, db, fmt.Sprintf("courriel:%d", c.ID), "courriel.enfiler")
		if !strings.Contains(evs[0].Details, `"objet":"demande:ASP-2026-0000001"`) || strings.Contains(evs[0].Details, "Madame") {
			t.Errorf("event details: got %s, want the objet and not the body", evs[0].Details)
		}
		_, err := db.FindCourriel(ctx, c.ID+1000)
		assertCode(t, err, segur.ENOTFOUND)
	})

	t.Run("courriels: queued with a change, or not at all", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		// The caller's transaction fails after queuing: neither the mail
		// nor its audit event remain.
		_, tx, err := db.beginWrite(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := nouveauCourriel("ASP-2026-0000001")
		if err := db.enfilerCourriel(ctx, tx, db.clock(), c); err != nil {
			t.Fatalf("enfilerCourriel: %v", err)
		}
		db.endWrite(tx)
		if cs, total, err := db.FindCourriels(ctx, "", 0, 0); err != nil || total != 0 || len(cs) != 0 {
			t.Errorf("after a rollback: got %d mails (total %d), %v; want none", len(cs), total, err)
		}
		assertEvents(t, db, fmt.Sprintf("courriel:%d", c.ID))
		if ids := reserver(t, db, stored, 10); len(ids) != 0 {
			t.Errorf("after a rollback: claimed %v, want nothing", ids)
		}

		// Committed with it: the mail is there, due.
		err = db.write(ctx, func(tx *sql.Tx) error {
			return db.enfilerCourriel(ctx, tx, db.clock(), nouveauCourriel("ASP-2026-0000002"))
		})
		if err != nil {
			t.Fatalf("enfilerCourriel: %v", err)
		}
		if ids := reserver(t, db, stored, 10); len(ids) != 1 {
			t.Errorf("after a commit: claimed %v, want one mail", ids)
		}
	})

	t.Run("courriels: invalid mails refused", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		for _, edit := range []func(c *segur.Courriel){
			func(c *segur.Courriel) { c.A = []string{"contact@lebeaulogiciel.fr\r\nBcc: pirate@example.com"} },
			func(c *segur.Courriel) { c.Sujet = "Décision\r\nBcc: pirate@example.com" },
			func(c *segur.Courriel) { c.PieceSHA256 = "" },
		} {
			c := nouveauCourriel("ASP-2026-0000001")
			edit(c)
			assertCode(t, db.CreateCourriel(ctx, c), segur.EINVALID)
			if c.ID != 0 {
				t.Errorf("refused mail: got ID %d, want 0", c.ID)
			}
		}
		if _, total, err := db.FindCourriels(ctx, "", 0, 0); err != nil || total != 0 {
			t.Errorf("FindCourriels: got total %d, %v; want 0", total, err)
		}
		// The table's own checks, past the store.
		for _, stmt := range []string{
			`INSERT INTO courriels (destinataires, sujet, corps, etat, cree_le, prochain_essai) VALUES ('a@b.fr', 's', 'c', 'perdu', $1, $1)`,
			`INSERT INTO courriels (destinataires, sujet, corps, etat, cree_le, prochain_essai) VALUES ('a@b.fr', 's', 'c', 'envoye', $1, $1)`,
			`INSERT INTO courriels (destinataires, sujet, corps, etat, cree_le, prochain_essai) VALUES ('a@b.fr', 's', 'c', 'en_echec', $1, $1)`,
			`INSERT INTO courriels (destinataires, sujet, corps, etat, cree_le, prochain_essai, piece_nom) VALUES ('a@b.fr', 's', 'c', 'a_envoyer', $1, $1, 'x.pdf')`,
		} {
			if _, err := db.w.ExecContext(ctx, stmt, stored); violationOf(err) != checkViolation {
				t.Errorf("%s: got %v, want a check violation", stmt, err)
			}
		}
	})

	t.Run("courriels: claim, sent, failure, backoff", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		a, b, c := enfiler(t, db, "ASP-2026-0000001"), enfiler(t, db, "ASP-2026-0000002"), enfiler(t, db, "ASP-2026-0000003")

		if ids := reserver(t, db, stored.Add(-time.Second), 10); len(ids) != 0 {
			t.Errorf("before they are due: claimed %v, want nothing", ids)
		}
		if ids, want := reserver(t, db, stored, 2), []segur.CourrielID{a.ID, b.ID}; !slices.Equal(ids, want) {
			t.Errorf("claim 2: got %v, want %v", ids, want)
		}
		if ids, want := reserver(t, db, stored, 2), []segur.CourrielID{c.ID}; !slices.Equal(ids, want) {
			t.Errorf("claim again: got %v, want %v", ids, want)
		}
		if ids := reserver(t, db, stored.Add(time.Minute), 10); len(ids) != 0 {
			t.Errorf("while claimed: got %v, want nothing", ids)
		}

		t1 := stored.Add(30 * time.Second)
		if err := db.UpdateCourrielEnvoye(ctx, a.ID, t1); err != nil {
			t.Fatalf("UpdateCourrielEnvoye: %v", err)
		}
		got := findCourriel(t, db, a.ID)
		if got.Etat != segur.CourrielEnvoye || !got.EnvoyeLe.Equal(t1) || !got.ReserveLe.IsZero() {
			t.Errorf("sent: got %+v, want envoye at %v, not claimed", got, t1)
		}
		if err := db.UpdateCourrielEnvoye(ctx, a.ID, t1.Add(time.Hour)); err != nil {
			t.Errorf("UpdateCourrielEnvoye again: got %v, want nil", err)
		}
		if got := findCourriel(t, db, a.ID); !got.EnvoyeLe.Equal(t1) {
			t.Errorf("sent twice: got EnvoyeLe %v, want the first, %v", got.EnvoyeLe, t1)
		}

		erreur := "dial tcp 127.0.0.1:1: connect: connection refused"
		if err := db.UpdateCourrielEchec(ctx, b.ID, t1, erreur, t1.Add(segur.Backoff(1))); err != nil {
			t.Fatalf("UpdateCourrielEchec: %v", err)
		}
		got = findCourriel(t, db, b.ID)
		if got.Etat != segur.CourrielEnEchec || got.Tentatives != 1 || got.DerniereErreur != erreur ||
			!got.DernierEssai.Equal(t1) || !got.ProchainEssai.Equal(t1.Add(time.Minute)) || !got.ReserveLe.IsZero() || !got.EnvoyeLe.IsZero() {
			t.Errorf("failed: got %+v, want en_echec, 1 attempt at %v, the error, due a minute later", got, t1)
		}
		if ids := reserver(t, db, t1.Add(59*time.Second), 10); len(ids) != 0 {
			t.Errorf("before its backoff: claimed %v, want nothing", ids)
		}
		t2 := t1.Add(time.Minute)
		if ids, want := reserver(t, db, t2, 10), []segur.CourrielID{b.ID}; !slices.Equal(ids, want) {
			t.Errorf("after its backoff: claimed %v, want %v", ids, want)
		}
		if err := db.UpdateCourrielEchec(ctx, b.ID, t2, "421 4.3.2 Service not available", t2.Add(segur.Backoff(2))); err != nil {
			t.Fatalf("UpdateCourrielEchec: %v", err)
		}
		if got := findCourriel(t, db, b.ID); got.Tentatives != 2 || !got.ProchainEssai.Equal(t2.Add(2*time.Minute)) || got.DerniereErreur != "421 4.3.2 Service not available" {
			t.Errorf("failed twice: got %+v, want 2 attempts, due 2 minutes later, the last error", got)
		}
		t3 := t2.Add(2 * time.Minute)
		if ids, want := reserver(t, db, t3, 10), []segur.CourrielID{b.ID}; !slices.Equal(ids, want) {
			t.Errorf("after its second backoff: claimed %v, want %v", ids, want)
		}
		if err := db.UpdateCourrielEnvoye(ctx, b.ID, t3); err != nil {
			t.Fatal(err)
		}
		// A late failure report does not undo a mail sent.
		if err := db.UpdateCourrielEchec(ctx, b.ID, t3, "trop tard", t3.Add(time.Hour)); err != nil {
			t.Errorf("UpdateCourrielEchec after sent: got %v, want nil", err)
		}
		got = findCourriel(t, db, b.ID)
		if got.Etat != segur.CourrielEnvoye || got.Tentatives != 2 || got.DerniereErreur != "421 4.3.2 Service not available" {
			t.Errorf("sent after failures: got %+v, want envoye, the attempts and last error kept", got)
		}

		// A sender that died holding c: c is due again when its claim ends.
		if ids := reserver(t, db, stored.Add(10*time.Minute-time.Microsecond), 10); len(ids) != 0 {
			t.Errorf("before the claim ends: claimed %v, want nothing", ids)
		}
		if ids, want := reserver(t, db, stored.Add(10*time.Minute), 10), []segur.CourrielID{c.ID}; !slices.Equal(ids, want) {
			t.Errorf("after the claim ends: claimed %v, want %v", ids, want)
		}

		assertCode(t, db.UpdateCourrielEnvoye(ctx, 999999, t1), segur.ENOTFOUND)
		assertCode(t, db.UpdateCourrielEchec(ctx, 999999, t1, "x", t2), segur.ENOTFOUND)
		if _, err := db.ClaimCourriels(ctx, t1, 0, 10); !segur.IsCode(err, segur.EINVALID) {
			t.Errorf("ClaimCourriels without bail: got %v, want EINVALID", err)
		}
	})

	t.Run("courriels: error text bounded", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		c := enfiler(t, db, "ASP-2026-0000001")
		long := "550 refusé\x00 " + strings.Repeat("é", segur.MaxErreurCourriel) + "\xff"
		if err := db.UpdateCourrielEchec(ctx, c.ID, stored, long, stored.Add(time.Minute)); err != nil {
			t.Fatalf("UpdateCourrielEchec: %v", err)
		}
		got := findCourriel(t, db, c.ID).DerniereErreur
		if len(got) > segur.MaxErreurCourriel || len(got) < segur.MaxErreurCourriel-1 || !utf8.ValidString(got) ||
			strings.Contains(got, "\x00") || !strings.HasPrefix(got, "550 refusé é") {
			t.Errorf("DerniereErreur: got %d bytes %q…, want the start of the error, valid UTF-8 without NUL, at most %d bytes",
				len(got), got[:min(len(got), 20)], segur.MaxErreurCourriel)
		}
	})

	t.Run("courriels: the admins' list", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		var ids []segur.CourrielID
		for i := range 5 {
			ids = append(ids, enfiler(t, db, fmt.Sprintf("ASP-2026-%07d", i+1)).ID)
		}
		reserver(t, db, stored, 2)
		if err := db.UpdateCourrielEnvoye(ctx, ids[0], stored); err != nil {
			t.Fatal(err)
		}
		if err := db.UpdateCourrielEchec(ctx, ids[1], stored, "refusé", stored.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			etat          segur.EtatCourriel
			limit, offset int
			want          []segur.CourrielID
			total         int
		}{
			{"", 0, 0, []segur.CourrielID{ids[4], ids[3], ids[2], ids[1], ids[0]}, 5},
			{"", 2, 0, []segur.CourrielID{ids[4], ids[3]}, 5},
			{"", 2, 4, []segur.CourrielID{ids[0]}, 5},
			{"", 2, 10, []segur.CourrielID{}, 5},
			{segur.CourrielAEnvoyer, 0, 0, []segur.CourrielID{ids[4], ids[3], ids[2]}, 3},
			{segur.CourrielEnEchec, 0, 0, []segur.CourrielID{ids[1]}, 1},
			{segur.CourrielEnvoye, 0, 0, []segur.CourrielID{ids[0]}, 1},
		} {
			cs, total, err := db.FindCourriels(ctx, tt.etat, tt.limit, tt.offset)
			if err != nil {
				t.Fatalf("FindCourriels(%q, %d, %d): %v", tt.etat, tt.limit, tt.offset, err)
			}
			got := []segur.CourrielID{}
			for _, c := range cs {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, tt.want) || total != tt.total {
				t.Errorf("FindCourriels(%q, %d, %d): got %v of %d, want %v of %d", tt.etat, tt.limit, tt.offset, got, total, tt.want, tt.total)
			}
		}
		_, _, err := db.FindCourriels(ctx, "perdu", 0, 0)
		assertCode(t, err, segur.EINVALID)
	})

	t.Run("courriels: retry now", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		clock := withSessionClock(db)
		a, b := enfiler(t, db, "ASP-2026-0000001"), enfiler(t, db, "ASP-2026-0000002")
		reserver(t, db, stored, 10)
		// a failed and waits an hour; b is being sent.
		if err := db.UpdateCourrielEchec(ctx, a.ID, stored, "délai dépassé", stored.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.RetryCourriel(ctx, a.ID); err != nil {
			t.Fatalf("RetryCourriel: %v", err)
		}
		got := findCourriel(t, db, a.ID)
		if got.Etat != segur.CourrielEnEchec || got.Tentatives != 1 || !got.ProchainEssai.Equal(stored) {
			t.Errorf("retried: got %+v, want en_echec, 1 attempt, due now", got)
		}
		if ids, want := reserver(t, db, stored, 10), []segur.CourrielID{a.ID}; !slices.Equal(ids, want) {
			t.Errorf("claim after the retry: got %v, want %v", ids, want)
		}
		err := db.RetryCourriel(ctx, b.ID)
		assertCode(t, err, segur.ECONFLICT)
		if !strings.Contains(err.Error(), "en cours d'envoi") {
			t.Errorf("got %q, want « en cours d'envoi »", err)
		}
		if err := db.UpdateCourrielEnvoye(ctx, b.ID, stored); err != nil {
			t.Fatal(err)
		}
		assertCode(t, db.RetryCourriel(ctx, b.ID), segur.ECONFLICT)
		assertCode(t, db.RetryCourriel(ctx, 999999), segur.ENOTFOUND)
		// A claim past its end (the sender died) no longer blocks.
		clock.Advance(10 * time.Minute)
		if err := db.RetryCourriel(ctx, a.ID); err != nil {
			t.Errorf("RetryCourriel after the claim ended: %v", err)
		}
		evs, err := db.FindEvenements(ctx, fmt.Sprintf("courriel:%d", a.ID))
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range evs {
			actions = append(actions, e.Action)
		}
		if want := []string{"courriel.enfiler", "courriel.relancer", "courriel.relancer"}; !slices.Equal(actions, want) ||
			!strings.Contains(evs[1].Details, `"tentatives":1`) || evs[1].Acteur != acteur || !evs[2].Quand.Equal(stored.Add(10*time.Minute)) {
			t.Errorf("events: got %+v, want %q by %+v, with the attempts", evs, want, acteur)
		}
	})

	t.Run("courriels: concurrent claims share nothing", func(t *testing.T) {
		t.Parallel()
		db := open(t)
		const n, senders = 100, 12
		for i := range n {
			enfiler(t, db, fmt.Sprintf("ASP-2026-%07d", i+1))
		}
		var (
			mu    sync.Mutex
			wg    sync.WaitGroup
			count = map[segur.CourrielID]int{}
			errs  []error
		)
		start := make(chan struct{})
		for range senders {
			wg.Go(func() {
				<-start
				for {
					cs, err := db.ClaimCourriels(t.Context(), stored, time.Hour, 2)
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					}
					for _, c := range cs {
						count[c.ID]++
					}
					mu.Unlock()
					if err != nil || len(cs) == 0 {
						return
					}
				}
			})
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			t.Errorf("ClaimCourriels: %v", err)
		}
		if len(count) != n {
			t.Errorf("got %d mails claimed, want %d", len(count), n)
		}
		for id, k := range count {
			if k != 1 {
				t.Errorf("mail %d: claimed %d times, want once", id, k)
			}
		}
	})
}
