package segur

import (
	"context"
	"strings"
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
	// Methode says how the user signed in (MethodeMotDePasse,
	// MethodeProConnect): written in the audit trail, not stored with the
	// session.
	Methode string
}

// How a session was opened.
const (
	MethodeMotDePasse = "mot_de_passe"
	MethodeProConnect = "proconnect"
)

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

// Login throttling. Every login attempt is counted before its password is
// checked, atomically (concurrent attempts are counted one after the
// other, each seeing those before), on three counters (EssaiConnexion.Cles): its pair (the login from that
// address), its address, and all attempts together. A counter holds the
// failures since its first one, for FenetreEchecs; past its Max, an attempt
// must wait Base, doubled at each further failure, up to Plafond, after the
// counter's last failure (LimiteEchecs.Attente). An outsider's failures slow
// down only their own pair and their own address: the same login from
// another address is not touched, and a flood from one address stops at
// that address, far below the global ceiling, which bounds a distributed
// attack. An attempt whose password was not checked (no free computation)
// is withdrawn; a successful one is too, and forgets its pair's failures.
// An administrator forgets a login's failures (segur admin user unlock).
const (
	MaxEchecsPaire   = 5    // failures of a login from one address, then waits of a minute, doubled
	MaxEchecsAdresse = 50   // failures from one address, any login, then waits of a second, doubled
	MaxEchecsGlobal  = 1000 // failures of all logins, then one attempt a second
	FenetreEchecs    = 15 * time.Minute
)

// LimiteEchecs is the rule of one counter of failed logins.
type LimiteEchecs struct {
	Max     int           // failures allowed in FenetreEchecs without a wait
	Base    time.Duration // the wait after Max failures, doubled at each further one
	Plafond time.Duration // the longest wait
}

// The three counters' rules.
var (
	LimitePaire   = LimiteEchecs{Max: MaxEchecsPaire, Base: time.Minute, Plafond: FenetreEchecs}
	LimiteAdresse = LimiteEchecs{Max: MaxEchecsAdresse, Base: time.Second, Plafond: time.Minute}
	LimiteGlobale = LimiteEchecs{Max: MaxEchecsGlobal, Base: time.Second, Plafond: time.Second}
)

// CompteurEchecs is the state of one counter: N failures, the first at
// Premier, the last at Dernier.
type CompteurEchecs struct {
	N                int
	Premier, Dernier time.Time
}

// Echecs is the number of failures of c that still count at now: none
// once FenetreEchecs has passed since the first.
func (c CompteurEchecs) Echecs(now time.Time) int {
	if c.N <= 0 || !now.Before(c.Premier.Add(FenetreEchecs)) {
		return 0
	}
	return c.N
}

// Attente is how long an attempt at now must still wait on counter c: zero
// if it may be checked now. Past Max failures, the wait after the last one
// is Base, then 2 Base, 4 Base… up to Plafond, and never past the end of
// the counter's window, when its failures are forgotten.
func (l LimiteEchecs) Attente(c CompteurEchecs, now time.Time) time.Duration {
	n := c.Echecs(now)
	if n < l.Max {
		return 0
	}
	d := l.Plafond
	if k := n - l.Max; k < 30 && l.Base<<k < l.Plafond {
		d = l.Base << k
	}
	fin := c.Dernier.Add(d)
	if oubli := c.Premier.Add(FenetreEchecs); oubli.Before(fin) {
		fin = oubli
	}
	return max(0, fin.Sub(now))
}

// CleEchecs is a counter of failed logins: its key, as stored, and its
// rule. Login is the login of a pair's counter, "" for the others.
type CleEchecs struct {
	Cle    string
	Login  string
	Limite LimiteEchecs
}

// EssaiConnexion is a login attempt: a login (an e-mail address) from a
// client address.
type EssaiConnexion struct {
	Login   string
	Adresse string
}

// Longest login and client address an attempt may have.
const (
	MaxLoginConnexion   = 254
	MaxAdresseConnexion = 200
)

// Valider checks an attempt before it is counted.
func (e EssaiConnexion) Valider() error {
	switch l, a := strings.TrimSpace(e.Login), strings.TrimSpace(e.Adresse); {
	case l == "" || len(l) > MaxLoginConnexion:
		return Errorf(EINVALID, "limitation des connexions : attendu un identifiant de 1 à %d octets", MaxLoginConnexion)
	case a == "" || len(a) > MaxAdresseConnexion:
		return Errorf(EINVALID, "limitation des connexions : attendu une adresse de 1 à %d octets", MaxAdresseConnexion)
	}
	return nil
}

// Cles returns the three counters attempt e counts in, in the order of
// their keys (the order a store locks them in, so that two attempts never
// wait for each other's locks): its address, the global counter, its pair.
// Logins and addresses compare case-insensitively.
func (e EssaiConnexion) Cles() []CleEchecs {
	login := strings.ToLower(strings.TrimSpace(e.Login))
	adresse := strings.ToLower(strings.TrimSpace(e.Adresse))
	return []CleEchecs{
		{Cle: "adresse:" + adresse, Limite: LimiteAdresse},
		{Cle: "global", Limite: LimiteGlobale},
		{Cle: "paire:" + adresse + " " + login, Login: login, Limite: LimitePaire},
	}
}

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

	// CreateEssaiConnexion counts attempt e at at, before its password is
	// checked, on its three counters, in one transaction that concurrent
	// attempts wait for: it returns zero once counted, or, counting
	// nothing, how long the attempt must still wait (the longest
	// LimiteEchecs.Attente of its counters). Counters stale at at are
	// deleted on the way.
	CreateEssaiConnexion(ctx context.Context, e EssaiConnexion, at time.Time) (time.Duration, error)
	// DeleteEssaiConnexion withdraws attempt e, counted and then not a
	// failure: one failure fewer on each of its counters; for a success
	// (reussi), its pair's failures are all forgotten.
	DeleteEssaiConnexion(ctx context.Context, e EssaiConnexion, reussi bool) error
	// DeleteEchecsConnexion forgets the failures of login from every
	// address, and returns how many pairs it cleared; audited.
	DeleteEchecsConnexion(ctx context.Context, login string) (int, error)
}
