package auth

import (
	"bytes"
	"strings"
	"testing"
)

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("got hash %q, want an argon2id PHC string", h)
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		got, err := CheckPassword(h, pw)
		if err != nil || got != want {
			t.Errorf("CheckPassword(%q): got %v, %v, want %v", pw, got, err, want)
		}
	}
	if _, err := HashPassword("court"); err == nil {
		t.Error("got no error for a short password")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=1,t=1$x$y", "$bcrypt$x", "$argon2id$v=19$m=99999999,t=3,p=2$AAAA$AAAA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Errorf("CheckPassword(%q): got no error", bad)
		}
	}
}

func TestToken(t *testing.T) {
	tok, digest, prefix, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, TokenPrefix) || len(tok) != len(TokenPrefix)+43 || !strings.HasPrefix(tok, prefix) {
		t.Errorf("got token %q prefix %q", tok, prefix)
	}
	if !bytes.Equal(digest, TokenDigest(tok)) || len(digest) != 32 {
		t.Error("digest differs from TokenDigest")
	}
	tok2, _, _, _ := NewToken()
	if tok2 == tok {
		t.Error("two tokens are equal")
	}
}
