package auth

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/segur-numerique/segur"
)

// Each argon2id computation holds argonMemory (64 MiB) for about a fifth
// of a second: unbounded, 64 logins at once took the portal from 60 MB to
// 4.7 GB. So a process runs at most MaxHachages of them at once, every
// caller included (logins, password changes, accounts created): the memory
// they hold is at most MaxHachages × 64 MiB, whatever arrives.
//
// MaxHachages is GOMAXPROCS / argonThreads, at least 1 and at most
// maxHachages: one computation already keeps argonThreads processors busy,
// so more at once would not end sooner, each only holding its 64 MiB
// longer; and 3 (192 MiB) are enough for an agency's logins, a dozen a
// second or more. On the 2-processor machine of the tests, 1: 64 logins at
// once peaked at 96 MiB resident; with GOMAXPROCS=8, at 228 MiB (3 at
// once), 291 to 337 MiB when the cap was 4.
func MaxHachages() int { return cap(hachages()) }

const maxHachages = 3

// AttenteHachage bounds the wait of HashPasswordContext and
// CheckPasswordContext for a free computation: past it, the caller is told
// to retry (ErrOccupe), rather than queue without end.
const AttenteHachage = 2 * time.Second

// hachages holds a token per computation running; made on first use, not
// at initialisation.
var hachages = sync.OnceValue(func() chan struct{} {
	return make(chan struct{}, min(maxHachages, max(1, runtime.GOMAXPROCS(0)/argonThreads)))
})

// ErrOccupe is the error of HashPasswordContext and CheckPasswordContext
// when MaxHachages computations run and none ends within AttenteHachage:
// an ETOOMANY, its message for the login page.
var ErrOccupe = &segur.Error{Code: segur.ETOOMANY, Message: "Trop de connexions en cours : réessayez dans quelques secondes."}

// prendre takes a computation's token, waiting at most attente and while
// ctx lasts (attente < 0: as long as ctx lasts).
func prendre(ctx context.Context, attente time.Duration) error {
	sem := hachages()
	select {
	case sem <- struct{}{}:
		return nil
	default:
	}
	var fin <-chan time.Time
	if attente >= 0 {
		t := time.NewTimer(attente)
		defer t.Stop()
		fin = t.C
	}
	select {
	case sem <- struct{}{}:
		return nil
	case <-fin:
		return ErrOccupe
	case <-ctx.Done():
		return ErrOccupe
	}
}

// rendre gives back a computation's token, once its 64 MiB are garbage. A
// collection now hands them to the next computation: left to the pacer,
// which paces on the small heap of a portal, a new block is allocated
// before the old one is collected, and the process keeps two or three
// blocks per computation resident (measured: 265 MiB after 8 logins one
// after the other, one computation at a time).
func rendre() {
	runtime.GC()
	<-hachages()
}

// HashPasswordContext is HashPassword for a request: it waits at most
// AttenteHachage for a free computation (MaxHachages), and while ctx lasts,
// else returns ErrOccupe.
func HashPasswordContext(ctx context.Context, password string) (string, error) {
	if len([]rune(password)) < MinPassword {
		return hashPassword(password) // refused before any computation
	}
	if err := prendre(ctx, AttenteHachage); err != nil {
		return "", err
	}
	defer rendre()
	return hashPassword(password)
}

// CheckPasswordContext is CheckPassword for a request: it waits at most
// AttenteHachage for a free computation (MaxHachages), and while ctx lasts,
// else returns ErrOccupe.
func CheckPasswordContext(ctx context.Context, hash, password string) (bool, error) {
	if err := prendre(ctx, AttenteHachage); err != nil {
		return false, err
	}
	defer rendre()
	return checkPassword(hash, password)
}

// Leurre is an argon2id hash of no password anyone knows, checked for
// unknown logins so that they cost what a known login costs: no telling
// which logins exist. A constant, made once by HashPassword: computing it
// would cost the first login 64 MiB more.
const Leurre = "$argon2id$v=19$m=65536,t=3,p=2$FOxoepS7IMrsvCw5utlDHw$6xq2HW8j32iuD4OKXygn+3dwpcMDBlj8Zjl4/U9akM8"

// Reserver takes every computation, waiting for those running, and returns
// the function that gives them back: for tests of what callers answer when
// none is free.
func Reserver() (liberer func()) {
	n := MaxHachages()
	for range n {
		prendre(context.Background(), -1)
	}
	return func() {
		for range n {
			<-hachages()
		}
	}
}
