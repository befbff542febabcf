package auth

import (
	"context"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
)

func TestLeurre(t *testing.T) {
	if !strings.HasPrefix(Leurre, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("got %q, want a hash of the current parameters", Leurre)
	}
	ok, err := CheckPassword(Leurre, "mot de passe de test")
	if err != nil || ok {
		t.Errorf("CheckPassword(Leurre): got %v, %v, want false, nil", ok, err)
	}
}

// TestHachagesBornes: with every computation taken, a request's check or
// hash gets ErrOccupe (an ETOOMANY) once its context ends; one freed, it
// goes through.
func TestHachagesBornes(t *testing.T) {
	n := MaxHachages()
	if n < 1 || n > maxHachages {
		t.Fatalf("MaxHachages: got %d, want 1 to %d", n, maxHachages)
	}
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := prendre(t.Context(), 0); err != nil {
			t.Fatalf("taking a free computation: %v", err)
		}
	}
	fini, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := CheckPasswordContext(fini, h, "correct horse battery"); err != ErrOccupe || !segur.IsCode(err, segur.ETOOMANY) {
		t.Errorf("CheckPasswordContext, all taken: got %v, want ErrOccupe", err)
	}
	if _, err := HashPasswordContext(fini, "une autre phrase de passe"); err != ErrOccupe {
		t.Errorf("HashPasswordContext, all taken: got %v, want ErrOccupe", err)
	}
	// A short password is refused before any wait.
	if _, err := HashPasswordContext(fini, "court"); err == nil || err == ErrOccupe {
		t.Errorf("HashPasswordContext of a short password: got %v, want too short", err)
	}
	rendre()
	if ok, err := CheckPasswordContext(t.Context(), h, "correct horse battery"); err != nil || !ok {
		t.Errorf("CheckPasswordContext, one free: got %v, %v, want true", ok, err)
	}
	for range n - 1 {
		rendre()
	}
}
