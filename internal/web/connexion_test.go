package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
)

func TestDureeTexte(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		secs int
		want string
	}{
		{time.Millisecond, 1, "1 seconde"},
		{time.Second, 1, "1 seconde"},
		{1500 * time.Millisecond, 2, "2 secondes"},
		{59 * time.Second, 59, "59 secondes"},
		{time.Minute, 60, "1 minute"},
		{61 * time.Second, 61, "2 minutes"},
		{15 * time.Minute, 900, "15 minutes"},
	} {
		if got := secondes(tt.d); got != tt.secs {
			t.Errorf("secondes(%v): got %d, want %d", tt.d, got, tt.secs)
		}
		if got := dureeTexte(tt.d); got != tt.want {
			t.Errorf("dureeTexte(%v): got %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestConnexionOccupee: with no argon2id computation free, a login and a
// password change are told to retry (429, Retry-After), and the attempts
// are not counted as failures.
func TestConnexionOccupee(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	c, autre := client(t), client(t)
	connecter(t, p, autre, "mot de passe de test")
	liberer := auth.Reserver()
	defer func() {
		if liberer != nil {
			liberer()
		}
	}()
	resp, err := c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {"mot de passe de test"}})
	if err != nil {
		t.Fatal(err)
	}
	if ra := resp.Header.Get("Retry-After"); ra != "5" {
		t.Errorf("login: got Retry-After %q, want 5", ra)
	}
	code, body := L.lire(resp, nil)
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Trop de connexions en cours : réessayez dans quelques secondes.") {
		t.Errorf("login: got %d, want 429 and its message", code)
	}
	code, body = L.lire(autre.PostForm(p.srv.URL+"/compte/mot-de-passe", url.Values{
		"actuel": {"mot de passe de test"}, "nouveau": {"un nouveau mot de passe"}, "confirmation": {"un nouveau mot de passe"}}))
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Trop de connexions en cours : réessayez dans quelques secondes.") {
		t.Errorf("password change: got %d, want 429 and its message", code)
	}
	liberer()
	liberer = nil
	// Not counted: the pair (login, 127.0.0.1) has its MaxEchecsPaire
	// attempts still.
	e := essaiConnexion("jean@lebeaulogiciel.fr", "127.0.0.1")
	for i := range segur.MaxEchecsPaire {
		if d, err := p.db.CreateEssaiConnexion(context.Background(), e, p.now); err != nil || d != 0 {
			t.Fatalf("attempt %d after the refusals: got a wait of %v, %v, want none", i+1, d, err)
		}
	}
	if d, _ := p.db.CreateEssaiConnexion(context.Background(), e, p.now); d == 0 {
		t.Errorf("attempt %d: got no wait, want the pair slowed down", segur.MaxEchecsPaire+1)
	}
}
