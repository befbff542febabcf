package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// TestAdminUserUnlock: segur admin user unlock forgets a login's failures
// from every address, and says how many; a login without failures is no
// error.
func TestAdminUserUnlock(t *testing.T) {
	data := t.TempDir()
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "test"})
	db, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(data, "segur.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, a := range []string{"192.0.2.1", "192.0.2.2"} {
		for range segur.MaxEchecsPaire {
			if _, err := db.CreateEssaiConnexion(ctx, segur.EssaiConnexion{Login: "jean@lebeaulogiciel.fr", Adresse: a}, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	db.Close()
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"two addresses", []string{"--login", "Jean@LeBeauLogiciel.fr"}, exitOK, "Connexions de Jean@LeBeauLogiciel.fr débloquées (échecs de 2 adresses effacés)."},
		{"again: nothing left", []string{"--login", "jean@lebeaulogiciel.fr"}, exitOK, "Aucun échec de connexion en cours pour jean@lebeaulogiciel.fr : rien à débloquer."},
		{"no login", nil, exitUsage, "--login"},
		{"login too long", []string{"--login", strings.Repeat("a", 300)}, 1, "déblocage : attendu un identifiant de 1 à 254 octets"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runIn(t, "", append([]string{"admin", "user", "unlock", "--data", data}, tt.args...)...)
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Errorf("got exit %d, stderr %q, want %d and %q", code, errs, tt.code, tt.want)
			}
		})
	}
}

// TestServeProxies: --proxies takes networks and addresses; anything else
// is a usage error, said in French.
func TestServeProxies(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"serve", "--data", t.TempDir(), "--proxies", "10.0.0.0/8,proxy.example"}, nil, &stdout, &stderr)
	want := "segur serve : --proxies : « proxy.example » : attendu un réseau (10.0.0.0/8, fd00::/8) ou une adresse IP"
	if code != exitUsage || !strings.Contains(stderr.String(), want) {
		t.Errorf("got exit %d, stderr %q, want %d and %q", code, stderr.String(), exitUsage, want)
	}
	stdout.Reset()
	stderr.Reset()
	Main(context.Background(), []string{"serve", "--help"}, nil, &stdout, &stderr)
	if !strings.Contains(stderr.String()+stdout.String(), "--proxies VALEUR") {
		t.Errorf("serve --help: want --proxies listed\n%s", stderr.String())
	}
}
