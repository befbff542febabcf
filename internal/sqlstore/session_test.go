package sqlstore

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
)

// sessionClock is a clock the session tests move by hand.
type sessionClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *sessionClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *sessionClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// withSessionClock makes db's clock one the test moves, starting at
// testNow, and returns it.
func withSessionClock(db *DB) *sessionClock {
	c := &sessionClock{t: testNow()}
	db.now = c.Now
	return c
}

// sessionUser creates a vendor user for the session tests.
func sessionUser(t testing.TB, db *DB, login string) *segur.Utilisateur {
	t.Helper()
	f := fixture(t, db, "88558855858745")
	u := &segur.Utilisateur{Login: login, Nom: "Jeanne Martin", Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: f.ID, MotDePasse: "$argon2id$v=19$hash"}
	if err := db.CreateUtilisateur(segur.WithActeur(context.Background(), acteur), u); err != nil {
		t.Fatalf("CreateUtilisateur: %v", err)
	}
	return u
}

// newSession returns a session of user id for token, not yet stored.
func newSession(id segur.UtilisateurID, token string) *segur.Session {
	return &segur.Session{Empreinte: empreinte(token), UtilisateurID: id, CSRF: hex.EncodeToString(empreinte("csrf " + token))}
}

func createSession(t testing.TB, db *DB, ctx context.Context, s *segur.Session) *segur.Session {
	t.Helper()
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return s
}

// assertFound checks FindSession finds the session of token, and returns it.
func assertFound(t testing.TB, db *DB, ctx context.Context, token string) *segur.Session {
	t.Helper()
	s, u, err := db.FindSession(ctx, empreinte(token))
	if err != nil {
		t.Fatalf("FindSession(%s) at %v: got %v, want the session", token, db.now(), err)
	}
	if u == nil || u.ID != s.UtilisateurID {
		t.Fatalf("FindSession(%s): got user %+v, want user %d", token, u, s.UtilisateurID)
	}
	return s
}

// assertGone checks FindSession refuses the session of token with an
// ENOTFOUND whose message contains msg.
func assertGone(t testing.TB, db *DB, ctx context.Context, token, msg string) {
	t.Helper()
	s, u, err := db.FindSession(ctx, empreinte(token))
	if s != nil || u != nil {
		t.Errorf("FindSession(%s) at %v: got %+v, %+v; want nil", token, db.now(), s, u)
	}
	assertCode(t, err, segur.ENOTFOUND)
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("FindSession(%s): got message %q, want it to contain %q", token, err, msg)
	}
}

// countRows counts the rows of table.
func countRows(t testing.TB, db *DB, table string) int {
	t.Helper()
	var n int
	if err := db.r.QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// runSessionSuite tests the sessions and the login throttling, on the
// stores of runSuite.
func runSessionSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("session round trip", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		withSessionClock(db)
		u := sessionUser(t, db, "Jeanne.Martin@Editeur.Example")
		expire := stored.Add(8 * time.Hour)
		s := newSession(u.ID, "jeton-1")
		s.ExpireLe = expire.In(time.FixedZone("CET", 3600))
		createSession(t, db, ctx, s)
		assertStamp(t, "CreeLe", s.CreeLe)
		assertStamp(t, "VuLe", s.VuLe)
		if !s.ExpireLe.Equal(expire) || s.ExpireLe.Location() != time.UTC {
			t.Errorf("ExpireLe: got %v, want %v", s.ExpireLe, expire)
		}

		got, gotU, err := db.FindSession(ctx, empreinte("jeton-1"))
		if err != nil {
			t.Fatalf("FindSession: %v", err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("FindSession: got %+v, want %+v", got, s)
		}
		if !reflect.DeepEqual(gotU, u) {
			t.Errorf("FindSession user: got %+v, want %+v", gotU, u)
		}

		// Activity moves VuLe forward, never back.
		vu := time.Date(2026, 3, 1, 10, 10, 0, 999999999, time.FixedZone("CET", 3600))
		if err := db.TouchSession(ctx, s.Empreinte, vu); err != nil {
			t.Fatalf("TouchSession: %v", err)
		}
		if err := db.TouchSession(ctx, s.Empreinte, vu.Add(-5*time.Minute)); err != nil {
			t.Fatalf("TouchSession earlier: %v", err)
		}
		got = assertFound(t, db, ctx, "jeton-1")
		if want := time.Date(2026, 3, 1, 9, 10, 0, 999999000, time.UTC); !got.VuLe.Equal(want) || got.VuLe.Location() != time.UTC {
			t.Errorf("VuLe after TouchSession: got %v, want %v", got.VuLe, want)
		}

		other := createSession(t, db, ctx, newSession(u.ID, "jeton-2"))
		if err := db.DeleteSession(ctx, s.Empreinte); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		assertGone(t, db, ctx, "jeton-1", "session inconnue")
		assertFound(t, db, ctx, "jeton-2")
		if err := db.DeleteSession(ctx, s.Empreinte); err != nil {
			t.Errorf("DeleteSession again: got %v, want nil", err)
		}
		if err := db.DeleteSession(ctx, empreinte("jamais")); err != nil {
			t.Errorf("DeleteSession of an unknown session: got %v, want nil", err)
		}
		if err := db.DeleteSession(ctx, nil); err != nil {
			t.Errorf("DeleteSession(nil): got %v, want nil", err)
		}

		evs := assertEvents(t, db, "utilisateur:jeanne.martin@editeur.example",
			"utilisateur.creer", "session.ouvrir", "session.ouvrir", "session.fermer")
		for _, e := range evs[1:] {
			for _, secret := range []string{hex.EncodeToString(s.Empreinte), hex.EncodeToString(other.Empreinte), s.CSRF, other.CSRF, "empreinte", "csrf"} {
				if strings.Contains(e.Details, secret) {
					t.Errorf("event %s: got details %s, want neither digest nor CSRF token", e.Action, e.Details)
				}
			}
		}
		var ouvrir struct {
			UtilisateurID int64     `json:"utilisateur_id"`
			ExpireLe      time.Time `json:"expire_le"`
		}
		if err := json.Unmarshal([]byte(evs[1].Details), &ouvrir); err != nil || ouvrir.UtilisateurID != int64(u.ID) || !ouvrir.ExpireLe.Equal(expire) {
			t.Errorf("session.ouvrir details: got %s, want the user %d and the expiry %v", evs[1].Details, u.ID, expire)
		}
	})

	t.Run("session idle timeout", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		clock := withSessionClock(db)
		u := sessionUser(t, db, "jeanne@editeur.example")
		createSession(t, db, ctx, newSession(u.ID, "jeton"))

		clock.Advance(segur.SessionInactivite - time.Microsecond)
		assertFound(t, db, ctx, "jeton")
		clock.Advance(time.Microsecond)
		assertGone(t, db, ctx, "jeton", "session expirée")

		// A touch after the timeout does not revive the session.
		err := db.TouchSession(ctx, empreinte("jeton"), clock.Now())
		assertCode(t, err, segur.ENOTFOUND)
		if !strings.Contains(err.Error(), "session expirée") {
			t.Errorf("TouchSession after the timeout: got %q, want « session expirée »", err)
		}
		assertGone(t, db, ctx, "jeton", "session expirée")

		// Activity before the timeout keeps the session for another period.
		createSession(t, db, ctx, newSession(u.ID, "actif"))
		for range 5 {
			clock.Advance(segur.SessionInactivite - time.Minute)
			assertFound(t, db, ctx, "actif")
			if err := db.TouchSession(ctx, empreinte("actif"), clock.Now()); err != nil {
				t.Fatalf("TouchSession: %v", err)
			}
		}
		clock.Advance(segur.SessionInactivite)
		assertGone(t, db, ctx, "actif", "session expirée")
	})

	t.Run("session absolute expiry", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		clock := withSessionClock(db)
		u := sessionUser(t, db, "jeanne@editeur.example")
		s := newSession(u.ID, "jeton")
		s.ExpireLe = clock.Now().Add(time.Hour)
		createSession(t, db, ctx, s)

		// Active all along, it still ends at its ExpireLe.
		for range 3 {
			clock.Advance(20*time.Minute - time.Second)
			assertFound(t, db, ctx, "jeton")
			if err := db.TouchSession(ctx, s.Empreinte, clock.Now()); err != nil {
				t.Fatalf("TouchSession: %v", err)
			}
		}
		clock.Advance(3 * time.Second)
		assertGone(t, db, ctx, "jeton", "session expirée")
		assertCode(t, db.TouchSession(ctx, s.Empreinte, clock.Now()), segur.ENOTFOUND)

		// Without an ExpireLe, or with one past the maximum, a session
		// lasts SessionDuree.
		sans := createSession(t, db, ctx, newSession(u.ID, "sans"))
		loin := newSession(u.ID, "loin")
		loin.ExpireLe = clock.Now().Add(7 * 24 * time.Hour)
		createSession(t, db, ctx, loin)
		want := stamp(clock.Now()).Add(segur.SessionDuree)
		for _, s := range []*segur.Session{sans, loin} {
			if !s.ExpireLe.Equal(want) {
				t.Errorf("ExpireLe: got %v, want %v", s.ExpireLe, want)
			}
		}
		for range segur.SessionDuree/(20*time.Minute) - 1 {
			clock.Advance(20 * time.Minute)
			for _, s := range []*segur.Session{sans, loin} {
				if err := db.TouchSession(ctx, s.Empreinte, clock.Now()); err != nil {
					t.Fatalf("TouchSession at %v: %v", clock.Now(), err)
				}
			}
			assertFound(t, db, ctx, "sans")
			assertFound(t, db, ctx, "loin")
		}
		clock.Advance(20 * time.Minute)
		assertGone(t, db, ctx, "sans", "session expirée")
		assertGone(t, db, ctx, "loin", "session expirée")
		// Expired sessions stay until their user opens another (which
		// deleted "jeton"), and their expiry is not audited.
		if n := countRows(t, db, "sessions"); n != 2 {
			t.Errorf("sessions: got %d rows, want 2", n)
		}
		if n := countRows(t, db, "evenements WHERE action = 'session.fermer'"); n != 0 {
			t.Errorf("session.fermer events: got %d, want none", n)
		}

		// Opening a session deletes the expired ones of its user.
		createSession(t, db, ctx, newSession(u.ID, "neuve"))
		if n := countRows(t, db, "sessions"); n != 1 {
			t.Errorf("sessions after a new one: got %d rows, want 1", n)
		}
		assertFound(t, db, ctx, "neuve")
	})

	t.Run("delete sessions of a user", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		withSessionClock(db)
		u := sessionUser(t, db, "jeanne@editeur.example")
		v := &segur.Utilisateur{Login: "instructeur@ans.example", Nom: "Paul", Roles: []segur.Role{segur.RoleInstructeur}}
		if err := db.CreateUtilisateur(ctx, v); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{"u1", "u2", "u3"} {
			createSession(t, db, ctx, newSession(u.ID, tok))
		}
		createSession(t, db, ctx, newSession(v.ID, "v1"))

		if err := db.DeleteSessionsOf(ctx, u.ID); err != nil {
			t.Fatalf("DeleteSessionsOf: %v", err)
		}
		for _, tok := range []string{"u1", "u2", "u3"} {
			assertGone(t, db, ctx, tok, "session inconnue")
		}
		if s := assertFound(t, db, ctx, "v1"); s.UtilisateurID != v.ID {
			t.Errorf("FindSession(v1): got user %d, want %d", s.UtilisateurID, v.ID)
		}
		if err := db.DeleteSessionsOf(ctx, u.ID); err != nil {
			t.Errorf("DeleteSessionsOf without sessions: got %v, want nil", err)
		}
		evs := assertEvents(t, db, "utilisateur:jeanne@editeur.example",
			"utilisateur.creer", "session.ouvrir", "session.ouvrir", "session.ouvrir", "session.fermer")
		if want := `{"utilisateur_id":` + jsonInt(u.ID) + `,"sessions":3}`; evs[4].Details != want {
			t.Errorf("session.fermer details: got %s, want %s", evs[4].Details, want)
		}
		assertEvents(t, db, "utilisateur:instructeur@ans.example", "utilisateur.creer", "session.ouvrir")
	})

	t.Run("same session closed at once", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		withSessionClock(db)
		u := sessionUser(t, db, "jeanne@editeur.example")
		s := createSession(t, db, ctx, newSession(u.ID, "jeton"))
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = db.DeleteSession(ctx, s.Empreinte) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("DeleteSession %d: %v", i, err)
			}
		}
		assertEvents(t, db, "utilisateur:jeanne@editeur.example", "utilisateur.creer", "session.ouvrir", "session.fermer")
	})

	t.Run("session errors", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		clock := withSessionClock(db)
		u := sessionUser(t, db, "jeanne@editeur.example")
		createSession(t, db, ctx, newSession(u.ID, "pris"))
		const inconnu = 999999

		for _, tt := range []struct {
			name string
			fn   func() error
			want segur.ErrorCode
			msg  string // a part of the message
		}{
			{"find an unknown session", func() error { _, _, err := db.FindSession(ctx, empreinte("inconnu")); return err }, segur.ENOTFOUND, "session inconnue"},
			{"find without digest", func() error { _, _, err := db.FindSession(ctx, nil); return err }, segur.ENOTFOUND, "session inconnue"},
			{"touch an unknown session", func() error { return db.TouchSession(ctx, empreinte("inconnu"), clock.Now()) }, segur.ENOTFOUND, "session inconnue"},
			{"session of an unknown user", func() error { return db.CreateSession(ctx, newSession(inconnu, "orphelin")) }, segur.ENOTFOUND, "999999"},
			{"digest already stored", func() error { return db.CreateSession(ctx, newSession(u.ID, "pris")) }, segur.ECONFLICT, "existe déjà"},
			{"digest not SHA-256", func() error {
				s := newSession(u.ID, "court")
				s.Empreinte = []byte("court")
				return db.CreateSession(ctx, s)
			}, segur.EINVALID, "32 octets"},
			{"no CSRF token", func() error {
				s := newSession(u.ID, "sans-csrf")
				s.CSRF = ""
				return db.CreateSession(ctx, s)
			}, segur.EINVALID, "CSRF"},
			{"expiry already passed", func() error {
				s := newSession(u.ID, "passee")
				s.ExpireLe = clock.Now()
				return db.CreateSession(ctx, s)
			}, segur.EINVALID, "expiration"},
			{"sessions of an unknown user", func() error { return db.DeleteSessionsOf(ctx, inconnu) }, segur.ENOTFOUND, "999999"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.fn()
				assertCode(t, err, tt.want)
				if !strings.Contains(err.Error(), tt.msg) {
					t.Errorf("got message %q, want it to contain %q", err, tt.msg)
				}
			})
		}
		// The refusals left no session and no event behind.
		if n := countRows(t, db, "sessions"); n != 1 {
			t.Errorf("sessions: got %d rows, want 1", n)
		}
		assertEvents(t, db, "utilisateur:jeanne@editeur.example", "utilisateur.creer", "session.ouvrir")
	})

	t.Run("login throttling", func(t *testing.T) { runEssaisConnexionSuite(t, open) })
}

func jsonInt[T ~int64](v T) string {
	b, _ := json.Marshal(int64(v))
	return string(b)
}
