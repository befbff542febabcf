package auth

import (
	"crypto/rand"
	"encoding/base64"
)

// NewPassword returns a random password for a new account, shown once to
// the administrator who hands it over: 20 characters of base64url (120
// bits), past MinPassword.
func NewPassword() string {
	raw := make([]byte, 15)
	rand.Read(raw) // never fails (crypto/rand, Go 1.24)
	return base64.RawURLEncoding.EncodeToString(raw)
}
