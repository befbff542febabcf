package segur

import (
	"context"
	"time"
)

// Session is a browser session of a portal user. The cookie holds a random
// token; the store keeps only its SHA-256 digest, so that a copy of the
// database opens no session.
type Session struct {
	Empreinte     []byte // SHA-256 of the session token
	UtilisateurID UtilisateurID
	CreeLe        time.Time
	ExpireLe      time.Time // absolute expiry
	VuLe          time.Time // last activity
	CSRF          string    // a random token of the session, for forms
}

// The lifetime of a session: it expires SessionInactivite after its last
// activity, and at the latest SessionDuree after its creation.
const (
	SessionInactivite = 30 * time.Minute
	SessionDuree      = 12 * time.Hour
)

// Expiree reports whether s has expired at t: at or past its ExpireLe
// (absolute expiry), or SessionInactivite or more after its VuLe (idle
// timeout). A session is live on the half-open intervals before those two
// instants.
func (s *Session) Expiree(t time.Time) bool {
	return !t.Before(s.ExpireLe) || !t.Before(s.VuLe.Add(SessionInactivite))
}

// Valider checks a session before it is stored: the digest of its token is
// a SHA-256, it has a user, and its CSRF token is long enough to be
// unguessable (32 random bytes give 43 characters in base64url, 64 in hex).
func (s *Session) Valider() error {
	switch {
	case len(s.Empreinte) != 32:
		return Errorf(EINVALID, "session refusée : attendu l'empreinte SHA-256 du jeton, de 32 octets")
	case s.UtilisateurID <= 0:
		return Errorf(EINVALID, "session refusée : attendu un utilisateur")
	case len(s.CSRF) < 32 || len(s.CSRF) > 128:
		return Errorf(EINVALID, "session refusée : attendu un jeton CSRF de 32 à 128 caractères")
	}
	return nil
}

// Login throttling. Failed logins are counted per key: the login
// (lower-cased) and the remote address, each its own key. A key with
// MaxEchecsLogin failures (for a login) or MaxEchecsAdresse failures (for an
// address) in the last FenetreEchecs is refused: no password is checked for
// it until its oldest failures leave the window, that is for the rest of
// the window. A successful login clears the failures of its login, not
// those of its address.
const (
	MaxEchecsLogin   = 5
	MaxEchecsAdresse = 20
	FenetreEchecs    = 15 * time.Minute
)

// SessionStore keeps the browser sessions and the failed logins; it is
// implemented on SQLite and PostgreSQL by internal/sqlstore. Each method is
// one transaction. Opening and closing sessions are audited; touches and
// failed logins are not.
type SessionStore interface {
	// CreateSession stores s and sets its CreeLe and VuLe from the store's
	// clock; a zero ExpireLe, or one later than SessionDuree after CreeLe,
	// becomes CreeLe + SessionDuree.
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns the live session of digest empreinte and its
	// user, or an ENOTFOUND if it is absent or expired at the store's clock.
	FindSession(ctx context.Context, empreinte []byte) (*Session, *Utilisateur, error)
	// TouchSession records activity on a session at at; an absent or
	// expired session is an ENOTFOUND.
	TouchSession(ctx context.Context, empreinte []byte, at time.Time) error
	// DeleteSession closes a session (logout); an absent one is no error.
	DeleteSession(ctx context.Context, empreinte []byte) error
	// DeleteSessionsOf closes all the sessions of a user, after a password
	// change.
	DeleteSessionsOf(ctx context.Context, id UtilisateurID) error

	// CreateEchecConnexion records a failed login for key cle at at.
	CreateEchecConnexion(ctx context.Context, cle string, at time.Time) error
	// CountEchecsConnexion counts the failed logins of key cle at or after depuis.
	CountEchecsConnexion(ctx context.Context, cle string, depuis time.Time) (int, error)
	// DeleteEchecsConnexion forgets the failed logins of key cle, after a success.
	DeleteEchecsConnexion(ctx context.Context, cle string) error
}
