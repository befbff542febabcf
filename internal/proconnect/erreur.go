package proconnect

import (
	"context"
	"errors"
	"net"
)

// Motif is a reason a sign-in fails. Its message is a French sentence, safe
// to show to the person signing in: it says nothing of the tokens or of the
// provider's answer.
type Motif struct{ message string }

func (m *Motif) Error() string { return m.message }

// The reasons a sign-in fails. Every error this package returns is an
// *Echec whose Motif is one of them: test with errors.Is.
var (
	// ErrConfig: the portal's ProConnect settings are wrong (issuer, client,
	// redirect URL), or the issuer's discovery document is unusable.
	ErrConfig = &Motif{"La connexion par ProConnect est mal configurée sur ce portail : prévenez son administrateur."}
	// ErrInjoignable: the provider did not answer, or answered with a
	// server error, in time.
	ErrInjoignable = &Motif{"ProConnect ne répond pas pour le moment : réessayez dans quelques minutes."}
	// ErrEtat: the callback's state is not the one kept in this browser's
	// session (expired session, another tab, or a forged callback).
	ErrEtat = &Motif{"Cette connexion par ProConnect a expiré ou a été ouverte ailleurs : recommencez la connexion."}
	// ErrRefus: the provider refused the sign-in (an error parameter on the
	// callback, or the token endpoint refused the client).
	ErrRefus = &Motif{"ProConnect n'a pas autorisé la connexion : recommencez, ou adressez-vous à votre administrateur."}
	// ErrCode: the authorization code is missing, expired or already used.
	ErrCode = &Motif{"Ce retour de ProConnect a déjà servi ou n'est plus valable : recommencez la connexion."}
	// ErrJetonExpire: the ID token has expired by the portal's clock.
	ErrJetonExpire = &Motif{"La réponse de ProConnect a expiré : recommencez la connexion."}
	// ErrJetonInvalide: the ID token (or the userinfo answer) fails
	// verification: signature, issuer, audience, subject, at_hash.
	ErrJetonInvalide = &Motif{"La réponse de ProConnect n'a pas pu être vérifiée : recommencez la connexion."}
	// ErrNonce: the ID token's nonce is not the one sent by this browser's
	// sign-in (a replayed or injected token).
	ErrNonce = &Motif{"La réponse de ProConnect ne correspond pas à cette connexion : recommencez la connexion."}
	// ErrSansCourriel: the provider gave no e-mail address.
	ErrSansCourriel = &Motif{"ProConnect n'a pas transmis votre adresse électronique : la connexion est impossible."}
)

// Echec is an error of this package. Error returns Message, or else the
// Motif's message: French, safe to show. Cause says in English what went
// wrong, for the logs only (it may quote the provider's answer).
type Echec struct {
	Motif   *Motif // one of the Err* values
	Message string // a more precise French message, or empty
	Cause   error  // for the logs; may be nil
}

func (e *Echec) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return e.Motif.Error()
}

// Unwrap returns the Motif and the Cause, so that errors.Is(err, ErrEtat)
// and errors.As on the cause both work.
func (e *Echec) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Motif}
	}
	return []error{e.Motif, e.Cause}
}

func echec(motif *Motif, cause error) *Echec {
	return &Echec{Motif: motif, Cause: cause}
}

// injoignable reports whether err shows that the provider could not be
// reached, or did not answer in time. (oauth2 and go-oidc return transport
// errors unwrapped: the *url.Error is in the chain.)
func injoignable(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded)
}
