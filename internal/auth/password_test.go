package auth

import (
	"regexp"
	"testing"
)

func TestNewPassword(t *testing.T) {
	a, b := NewPassword(), NewPassword()
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{20}$`).MatchString(a) || len(a) < MinPassword {
		t.Errorf("got %q, want 20 characters of base64url", a)
	}
	if a == b {
		t.Errorf("got %q twice, want two passwords", a)
	}
}
