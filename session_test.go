package segur

import (
	"strings"
	"testing"
	"time"
)

func TestSessionExpiree(t *testing.T) {
	cree := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s := func(vu time.Duration) *Session {
		return &Session{CreeLe: cree, ExpireLe: cree.Add(SessionDuree), VuLe: cree.Add(vu)}
	}
	cases := []struct {
		name string
		s    *Session
		at   time.Duration // after cree
		want bool
	}{
		{"fresh", s(0), 0, false},
		{"active a minute ago", s(0), time.Minute, false},
		{"idle just under the timeout", s(0), SessionInactivite - time.Nanosecond, false},
		{"idle for the timeout", s(0), SessionInactivite, true},
		{"idle past the timeout", s(0), SessionInactivite + time.Second, true},
		{"idle timeout from the last activity", s(2 * time.Hour), 2*time.Hour + SessionInactivite - time.Second, false},
		{"active just before the absolute expiry", s(SessionDuree - time.Minute), SessionDuree - time.Nanosecond, false},
		{"active at the absolute expiry", s(SessionDuree - time.Minute), SessionDuree, true},
		{"active past the absolute expiry", s(SessionDuree - time.Minute), SessionDuree + time.Second, true},
		{"activity after the expiry does not revive", s(SessionDuree + time.Minute), SessionDuree + 2*time.Minute, true},
		{"short absolute expiry", &Session{CreeLe: cree, ExpireLe: cree.Add(time.Minute), VuLe: cree}, time.Minute, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.s.Expiree(cree.Add(c.at)); got != c.want {
				t.Errorf("Expiree(+%v) with VuLe +%v, ExpireLe +%v: got %v, want %v",
					c.at, c.s.VuLe.Sub(cree), c.s.ExpireLe.Sub(cree), got, c.want)
			}
		})
	}
}

func TestSessionExpireeZones(t *testing.T) {
	// The same instant in another zone gives the same answer.
	cree := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s := &Session{CreeLe: cree, ExpireLe: cree.Add(SessionDuree), VuLe: cree}
	paris := time.FixedZone("CET", 3600)
	if got := s.Expiree(cree.Add(SessionInactivite).In(paris)); !got {
		t.Errorf("Expiree at the idle timeout, in CET: got false, want true")
	}
	if got := s.Expiree(cree.Add(time.Minute).In(paris)); got {
		t.Errorf("Expiree a minute after creation, in CET: got true, want false")
	}
}

func TestSessionValider(t *testing.T) {
	ok := func() Session {
		return Session{Empreinte: make([]byte, 32), UtilisateurID: 1, CSRF: strings.Repeat("a", 43)}
	}
	cases := []struct {
		name string
		mut  func(*Session)
		want string // part of the message, "" when valid
	}{
		{"valid, base64url CSRF", func(*Session) {}, ""},
		{"valid, hex CSRF", func(s *Session) { s.CSRF = strings.Repeat("0f", 32) }, ""},
		{"digest too short", func(s *Session) { s.Empreinte = []byte("court") }, "32 octets"},
		{"no digest", func(s *Session) { s.Empreinte = nil }, "32 octets"},
		{"no user", func(s *Session) { s.UtilisateurID = 0 }, "utilisateur"},
		{"no CSRF", func(s *Session) { s.CSRF = "" }, "CSRF"},
		{"CSRF too short", func(s *Session) { s.CSRF = strings.Repeat("a", 31) }, "CSRF"},
		{"CSRF too long", func(s *Session) { s.CSRF = strings.Repeat("a", 129) }, "CSRF"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := ok()
			c.mut(&s)
			err := s.Valider()
			switch {
			case c.want == "" && err != nil:
				t.Errorf("got %v, want nil", err)
			case c.want != "" && err == nil:
				t.Errorf("got nil, want an error containing %q", c.want)
			case c.want != "" && (!IsCode(err, EINVALID) || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want an EINVALID containing %q", err, c.want)
			}
		})
	}
}
