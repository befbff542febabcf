package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// runEssaisConnexionSuite tests the counting of login attempts, on the
// stores of runSuite (from runSessionSuite).
func runEssaisConnexionSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("concurrent attempts", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		// 30 attempts at once on one pair: exactly MaxEchecsPaire are
		// counted, the others wait.
		e := segur.EssaiConnexion{Login: "admin@asp.example", Adresse: "192.0.2.1"}
		const n = 30
		attentes := make([]time.Duration, n)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d, err := db.CreateEssaiConnexion(ctx, e, stored)
				attentes[i] = d
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("CreateEssaiConnexion: %v", err)
			}
		}
		comptes := 0
		for _, d := range attentes {
			switch d {
			case 0:
				comptes++
			case time.Minute:
			default:
				t.Errorf("got a wait of %v, want 0 or 1 min", d)
			}
		}
		if comptes != segur.MaxEchecsPaire {
			t.Errorf("got %d attempts counted of %d, want %d", comptes, n, segur.MaxEchecsPaire)
		}
		if got := compteur(t, db, "paire:192.0.2.1 admin@asp.example"); got != segur.MaxEchecsPaire {
			t.Errorf("pair's counter: got %d, want %d", got, segur.MaxEchecsPaire)
		}
		if got := compteur(t, db, "global"); got != segur.MaxEchecsPaire {
			t.Errorf("global counter: got %d, want %d", got, segur.MaxEchecsPaire)
		}
	})

	t.Run("waits, other addresses, success, unlock", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		t0 := stored
		essayer := func(e segur.EssaiConnexion, at time.Time) time.Duration {
			t.Helper()
			d, err := db.CreateEssaiConnexion(ctx, e, at)
			if err != nil {
				t.Fatalf("CreateEssaiConnexion(%+v): %v", e, err)
			}
			return d
		}
		jeanne := segur.EssaiConnexion{Login: "jeanne@editeur.example", Adresse: "2001:db8::1"}
		for i := range segur.MaxEchecsPaire {
			if d := essayer(jeanne, t0.Add(time.Duration(i)*time.Second)); d != 0 {
				t.Fatalf("attempt %d: got a wait of %v, want none", i+1, d)
			}
		}
		last := t0.Add((segur.MaxEchecsPaire - 1) * time.Second)
		// Logins and addresses in any case are the same pair.
		autreCasse := segur.EssaiConnexion{Login: "Jeanne@Editeur.Example", Adresse: "2001:DB8::1"}
		if d := essayer(autreCasse, last.Add(10*time.Second)); d != 50*time.Second {
			t.Errorf("attempt past the limit: got a wait of %v, want 50 s", d)
		}
		// A refused attempt is not counted.
		if got := compteur(t, db, "paire:2001:db8::1 jeanne@editeur.example"); got != segur.MaxEchecsPaire {
			t.Errorf("after a refusal: got %d failures, want %d", got, segur.MaxEchecsPaire)
		}
		// The same login from another address, another login from the
		// same address: not throttled.
		for _, e := range []segur.EssaiConnexion{{Login: jeanne.Login, Adresse: "2001:db8::2"}, {Login: "paul@editeur.example", Adresse: jeanne.Adresse}} {
			if d := essayer(e, last); d != 0 {
				t.Errorf("%+v: got a wait of %v, want none", e, d)
			}
		}
		// A minute after the last failure, one more attempt; then two.
		if d := essayer(jeanne, last.Add(time.Minute)); d != 0 {
			t.Errorf("a minute after: got a wait of %v, want none", d)
		}
		if d := essayer(jeanne, last.Add(time.Minute+time.Second)); d != 2*time.Minute-time.Second {
			t.Errorf("after one more failure: got a wait of %v, want 1 min 59 s", d)
		}
		// An attempt withdrawn (its password not checked) counts one fewer.
		if err := db.DeleteEssaiConnexion(ctx, jeanne, false); err != nil {
			t.Fatalf("DeleteEssaiConnexion: %v", err)
		}
		if got := compteur(t, db, "paire:2001:db8::1 jeanne@editeur.example"); got != segur.MaxEchecsPaire {
			t.Errorf("after a withdrawal: got %d failures, want %d", got, segur.MaxEchecsPaire)
		}
		adresse := compteur(t, db, "adresse:2001:db8::1")
		// A success forgets its pair, and counts one fewer on its address.
		if err := db.DeleteEssaiConnexion(ctx, jeanne, true); err != nil {
			t.Fatalf("DeleteEssaiConnexion: %v", err)
		}
		if got := compteur(t, db, "paire:2001:db8::1 jeanne@editeur.example"); got != 0 {
			t.Errorf("after a success: got %d failures, want 0", got)
		}
		if got := compteur(t, db, "adresse:2001:db8::1"); got != adresse-1 {
			t.Errorf("address after a success: got %d failures, want %d", got, adresse-1)
		}

		// The window: a counter's failures are forgotten FenetreEchecs
		// after its first, and its row deleted by a later attempt.
		for range segur.MaxEchecsPaire {
			essayer(jeanne, t0)
		}
		if d := essayer(jeanne, t0.Add(30*time.Second)); d != 30*time.Second {
			t.Errorf("30 s after the limit: got a wait of %v, want 30 s", d)
		}
		fin := t0.Add(segur.FenetreEchecs + 5*time.Second)
		if d := essayer(jeanne, fin); d != 0 {
			t.Errorf("past the window: got a wait of %v, want none", d)
		}
		if got := compteur(t, db, "paire:2001:db8::1 jeanne@editeur.example"); got != 1 {
			t.Errorf("past the window: got %d failures, want 1", got)
		}
		// Rows stale at the attempt's time are gone: those of 2001:db8::2
		// and paul, counted at t0 + 4 s; not the ones counted again.
		if n := countRows(t, db, "essais_connexion"); n != 3 {
			t.Errorf("rows after a purge: got %d, want 3", n)
		}
		if evs, _ := db.FindEvenements(ctx, "utilisateur:jeanne@editeur.example"); len(evs) != 0 {
			t.Errorf("throttling: got %d audit events, want none", len(evs))
		}

		// Unlock: every pair of the login is forgotten, audited.
		essayer(segur.EssaiConnexion{Login: jeanne.Login, Adresse: "192.0.2.9"}, fin)
		n, err := db.DeleteEchecsConnexion(ctx, " JEANNE@editeur.example")
		if err != nil || n != 2 {
			t.Fatalf("DeleteEchecsConnexion: got %d, %v, want 2 pairs", n, err)
		}
		if got := compteur(t, db, "paire:2001:db8::1 jeanne@editeur.example"); got != 0 {
			t.Errorf("after unlock: got %d failures, want 0", got)
		}
		if got := compteur(t, db, "adresse:2001:db8::1"); got == 0 {
			t.Error("after unlock: got the address's failures forgotten, want them kept")
		}
		assertEvents(t, db, "utilisateur:jeanne@editeur.example", "connexion.debloquer")
	})

	t.Run("refusals", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		for _, tt := range []struct {
			name string
			fn   func() error
		}{
			{"no login", func() error {
				_, err := db.CreateEssaiConnexion(ctx, segur.EssaiConnexion{Login: " ", Adresse: "192.0.2.1"}, stored)
				return err
			}},
			{"no address", func() error {
				return db.DeleteEssaiConnexion(ctx, segur.EssaiConnexion{Login: "a@b.example"}, true)
			}},
			{"unlock without login", func() error { _, err := db.DeleteEchecsConnexion(ctx, ""); return err }},
			{"unlock a login too long", func() error {
				_, err := db.DeleteEchecsConnexion(ctx, strings.Repeat("a", segur.MaxLoginConnexion+1))
				return err
			}},
		} {
			t.Run(tt.name, func(t *testing.T) { assertCode(t, tt.fn(), segur.EINVALID) })
		}
		if n := countRows(t, db, "essais_connexion"); n != 0 {
			t.Errorf("rows after refusals: got %d, want none", n)
		}
	})
}

// compteur is the number of failures of counter cle, 0 if it has no row.
func compteur(t testing.TB, db *DB, cle string) int {
	t.Helper()
	var n int
	err := db.r.QueryRowContext(t.Context(), `SELECT coalesce(sum(n), 0) FROM essais_connexion WHERE cle = $1`, cle).Scan(&n)
	if err != nil {
		t.Fatalf("counter %s: %v", cle, err)
	}
	return n
}

// BenchmarkCreateEssaiConnexion counts b.N login attempts from 4 ×
// GOMAXPROCS goroutines, each of its own address, as a flood of failures would: the
// cost of every attempt before its password is checked, refused or not,
// on SQLite then on PostgreSQL (skipped without one).
func BenchmarkCreateEssaiConnexion(b *testing.B) {
	for _, base := range []string{"sqlite", "postgres"} {
		b.Run(base, func(b *testing.B) {
			url := filepath.Join(b.TempDir(), "segur.db")
			if base == "postgres" {
				url = segurtest.FreshSchema(b, segurtest.PostgresDSN(b))
			}
			ctx := segur.WithActeur(context.Background(), acteur)
			db, err := Open(ctx, url, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			b.SetParallelism(4) // 4 × GOMAXPROCS goroutines
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				a := fmt.Sprintf("192.0.2.%d", next.Add(1))
				at := stored
				for i := 0; pb.Next(); i++ {
					e := segur.EssaiConnexion{Login: fmt.Sprintf("inconnu-%d@attaque.example", i%100), Adresse: a}
					if _, err := db.CreateEssaiConnexion(ctx, e, at.Add(time.Duration(i)*time.Millisecond)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
