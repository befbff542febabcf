package segur

import (
	"strings"
	"testing"
	"time"
)

func TestLimiteEchecsAttente(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	compteur := func(n int, dernier time.Duration) CompteurEchecs {
		return CompteurEchecs{N: n, Premier: t0, Dernier: t0.Add(dernier)}
	}
	for _, tt := range []struct {
		name   string
		limite LimiteEchecs
		c      CompteurEchecs
		now    time.Time
		want   time.Duration
	}{
		{"no failure", LimitePaire, CompteurEchecs{}, t0, 0},
		{"pair, one below the limit", LimitePaire, compteur(MaxEchecsPaire-1, 0), t0, 0},
		{"pair, at the limit: a minute after the last", LimitePaire, compteur(MaxEchecsPaire, 0), t0, time.Minute},
		{"pair, at the limit, 20 s later", LimitePaire, compteur(MaxEchecsPaire, 0), t0.Add(20 * time.Second), 40 * time.Second},
		{"pair, at the limit, a minute later", LimitePaire, compteur(MaxEchecsPaire, 0), t0.Add(time.Minute), 0},
		{"pair, one more: doubled", LimitePaire, compteur(MaxEchecsPaire+1, time.Minute), t0.Add(time.Minute), 2 * time.Minute},
		{"pair, three more: 8 minutes", LimitePaire, compteur(MaxEchecsPaire+3, 7*time.Minute), t0.Add(7 * time.Minute), 8 * time.Minute},
		{"pair, capped", LimitePaire, compteur(MaxEchecsPaire+4, 14*time.Minute), t0.Add(14 * time.Minute), time.Minute},
		{"pair, far past: capped, no overflow", LimitePaire, compteur(MaxEchecsPaire+100, 0), t0, FenetreEchecs},
		{"pair, window over: counter forgotten", LimitePaire, compteur(MaxEchecsPaire+4, 14*time.Minute), t0.Add(FenetreEchecs), 0},
		{"address, below", LimiteAdresse, compteur(MaxEchecsAdresse-1, 0), t0, 0},
		{"address, at the limit: a second", LimiteAdresse, compteur(MaxEchecsAdresse, 0), t0, time.Second},
		{"address, 6 more: capped at a minute", LimiteAdresse, compteur(MaxEchecsAdresse+6, 0), t0, time.Minute},
		{"global, at the ceiling: a second", LimiteGlobale, compteur(MaxEchecsGlobal, 0), t0, time.Second},
		{"global, far past: still a second", LimiteGlobale, compteur(MaxEchecsGlobal+500, 0), t0, time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.limite.Attente(tt.c, tt.now); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestLimiteEchecsEssais: a pair gets few attempts per window, whatever
// its pace; an address more, with short waits.
func TestLimiteEchecsEssais(t *testing.T) {
	for _, tt := range []struct {
		name     string
		limite   LimiteEchecs
		min, max int
	}{
		{"pair", LimitePaire, MaxEchecsPaire, MaxEchecsPaire + 5},
		{"address", LimiteAdresse, MaxEchecsAdresse, MaxEchecsAdresse + 25},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// An attacker who tries as soon as allowed, for one window.
			t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
			c, now := CompteurEchecs{Premier: t0}, t0
			for now.Before(t0.Add(FenetreEchecs)) {
				now = now.Add(tt.limite.Attente(c, now))
				if !now.Before(t0.Add(FenetreEchecs)) {
					break
				}
				c.N, c.Dernier = c.N+1, now
			}
			if c.N < tt.min || c.N > tt.max {
				t.Errorf("got %d attempts in %v, want %d to %d", c.N, FenetreEchecs, tt.min, tt.max)
			}
		})
	}
}

func TestEssaiConnexionCles(t *testing.T) {
	e := EssaiConnexion{Login: " Jeanne@Editeur.Example ", Adresse: "2001:DB8::1"}
	got := e.Cles()
	want := []CleEchecs{
		{Cle: "adresse:2001:db8::1", Limite: LimiteAdresse},
		{Cle: "global", Limite: LimiteGlobale},
		{Cle: "paire:2001:db8::1 jeanne@editeur.example", Login: "jeanne@editeur.example", Limite: LimitePaire},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d keys, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("key %d: got %+v, want %+v", i, got[i], want[i])
		}
		if i > 0 && got[i-1].Cle >= got[i].Cle {
			t.Errorf("keys %q, %q: want them sorted", got[i-1].Cle, got[i].Cle)
		}
	}
	for _, tt := range []struct {
		name string
		e    EssaiConnexion
		ok   bool
	}{
		{"valid", e, true},
		{"no login", EssaiConnexion{Login: " ", Adresse: "127.0.0.1"}, false},
		{"login too long", EssaiConnexion{Login: strings.Repeat("a", MaxLoginConnexion+1), Adresse: "127.0.0.1"}, false},
		{"no address", EssaiConnexion{Login: "a@b.fr"}, false},
		{"address too long", EssaiConnexion{Login: "a@b.fr", Adresse: strings.Repeat("1", MaxAdresseConnexion+1)}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.e.Valider()
			if (err == nil) != tt.ok || err != nil && !IsCode(err, EINVALID) {
				t.Errorf("got %v, want ok %v", err, tt.ok)
			}
		})
	}
}
