// Package auth hashes passwords (argon2id) and makes API tokens.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Parameters of argon2id (RFC 9106's second recommended option, with 64 MiB).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	argonKeyLen  = 32
	saltLen      = 16
)

// MinPassword is the shortest password accepted.
const MinPassword = 12

// HashPassword returns the PHC string of password hashed with argon2id. It
// waits, as long as it takes, for a free computation (MaxHachages): for
// commands and tests; a request calls HashPasswordContext.
func HashPassword(password string) (string, error) {
	if len([]rune(password)) < MinPassword {
		return hashPassword(password) // refused before any computation
	}
	prendre(context.Background(), -1)
	defer rendre()
	return hashPassword(password)
}

func hashPassword(password string) (string, error) {
	if len([]rune(password)) < MinPassword {
		return "", fmt.Errorf("mot de passe trop court : %d caractères au moins", MinPassword)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errHash = errors.New("empreinte de mot de passe illisible")

// CheckPassword reports whether password matches the PHC string hash. It
// waits, as long as it takes, for a free computation (MaxHachages): for
// commands and tests; a request calls CheckPasswordContext.
func CheckPassword(hash, password string) (bool, error) {
	prendre(context.Background(), -1)
	defer rendre()
	return checkPassword(hash, password)
}

// checkPassword checks password against hash; a hash asking for more than
// argonMemory is refused, so that MaxHachages bounds the memory held.
func checkPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errHash
	}
	var version int
	var mem, t uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &threads); err != nil || mem == 0 || t == 0 || threads == 0 || mem > argonMemory || t > 20 {
		return false, errHash
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 64 {
		return false, errHash
	}
	got := argon2.IDKey([]byte(password), salt, t, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// TokenPrefix starts every API token, so that secret scanners know them.
const TokenPrefix = "sgr_"

// AgentTokenPrefix starts every agent's API token (the agency's
// read-only API): told apart from a vendor's at first sight.
const AgentTokenPrefix = "sga_"

// NewToken returns a new API token, its SHA-256 digest (what is stored) and
// the short prefix shown to tell tokens apart.
func NewToken() (token string, digest []byte, prefix string, err error) {
	return newToken(TokenPrefix)
}

// NewAgentToken returns a new agent's API token, as NewToken.
func NewAgentToken() (token string, digest []byte, prefix string, err error) {
	return newToken(AgentTokenPrefix)
}

func newToken(start string) (token string, digest []byte, prefix string, err error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, "", err
	}
	token = start + base64.RawURLEncoding.EncodeToString(raw)
	return token, TokenDigest(token), token[:len(start)+6], nil
}

// TokenDigest is the SHA-256 of a token, as stored.
func TokenDigest(token string) []byte {
	d := sha256.Sum256([]byte(token))
	return d[:]
}

// NewLinkToken returns the token of a link mailed to a user to choose a
// password (segur.LienCompte): 32 random bytes in base64url, and its
// SHA-256 digest, what is stored.
func NewLinkToken() (token string, digest []byte) {
	raw := make([]byte, 32)
	rand.Read(raw) // never fails (crypto/rand, Go 1.24)
	token = base64.RawURLEncoding.EncodeToString(raw)
	return token, TokenDigest(token)
}
