package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segur-numerique/segur/internal/segurtest"
)

// TestOpenErrors: a database that cannot be opened is a ConnectError whose
// message says, in French, what to check, and never the password.
func TestOpenErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	absent := filepath.Join(dir, "absent", "segur.db")
	cases := []struct{ name, url, want string }{
		{"PostgreSQL arrêté", fmt.Sprintf("postgres://segur:secret-de-test@127.0.0.1:%d/segur", port),
			fmt.Sprintf("base PostgreSQL : injoignable à 127.0.0.1:%d (connexion refusée)", port)},
		{"hôte inconnu", "postgres://segur:secret-de-test@base.segur.invalid/segur", "« base.segur.invalid »"},
		{"dossier SQLite absent", "sqlite://" + absent, "le dossier « " + filepath.Dir(absent) + " » n'existe pas"},
		{"chemin SQLite d'un dossier", dir, "c'est un dossier"},
	}
	if os.Getenv("SEGUR_TEST_POSTGRES_DSN") != "" {
		u, err := url.Parse(segurtest.PostgresDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		inconnue := *u
		inconnue.Path += "_inconnue"
		cases = append(cases, struct{ name, url, want string }{"base inconnue", inconnue.String(),
			"la base « " + strings.TrimPrefix(inconnue.Path, "/") + " » n'existe pas sur " + u.Host})
		mauvais := *u
		mauvais.User = url.UserPassword(u.User.Username(), "secret-de-test")
		if db, err := Open(context.Background(), mauvais.String(), nil); err == nil {
			db.Close()
			t.Log("the test PostgreSQL accepts any password over TCP (trust): the wrong password is not tested; start one with scripts/postgres.sh")
		} else {
			cases = append(cases, struct{ name, url, want string }{"mauvais mot de passe", mauvais.String(),
				"mot de passe refusé pour l'utilisateur « " + u.User.Username() + " »"})
		}
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(context.Background(), tt.url, nil)
			if err == nil {
				db.Close()
				t.Fatal("got no error")
			}
			var ce *ConnectError
			if !errors.As(err, &ce) || !strings.Contains(ce.Message, tt.want) {
				t.Fatalf("got %T %q, want a ConnectError with %q", err, err, tt.want)
			}
			if strings.Contains(ce.Message, "secret-de-test") || ce.Unwrap() == nil {
				t.Errorf("got %q (cause %v): want no password, and the driver's error as the cause", ce.Message, ce.Unwrap())
			}
		})
	}
}
