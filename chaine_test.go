package segur

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"
)

func TestCanonique(t *testing.T) {
	e := Evenement{ID: 1234, Quand: time.Date(2026, 12, 3, 11, 0, 0, 123456789, time.FixedZone("CET", 3600)),
		Acteur: Acteur{Login: "a@b.fr", Adresse: "192.0.2.1"}, Action: "fournisseur.creer", Objet: "fournisseur:1", Details: `{"id":1}`}
	want := "00000000000004d2" + // id
		"0000001b" + hex.EncodeToString([]byte("2026-12-03T10:00:00.123456Z")) +
		"00000006" + hex.EncodeToString([]byte("a@b.fr")) +
		"00000009" + hex.EncodeToString([]byte("192.0.2.1")) +
		"00000011" + hex.EncodeToString([]byte("fournisseur.creer")) +
		"0000000d" + hex.EncodeToString([]byte("fournisseur:1")) +
		"00000008" + hex.EncodeToString([]byte(`{"id":1}`))
	if got := hex.EncodeToString(e.Canonique()); got != want {
		t.Errorf("Canonique:\ngot  %s\nwant %s", got, want)
	}
	// The same bytes split otherwise between two fields encode otherwise.
	f := e
	f.Acteur.Login, f.Acteur.Adresse = "a@b.fr1", "92.0.2.1"
	if bytes.Equal(e.Canonique(), f.Canonique()) {
		t.Error("Canonique: two events, one encoding")
	}
	// Maillon chains: another previous link, another link.
	m := e.Maillon(ChaineOrigine())
	if len(m) != 32 || bytes.Equal(m, e.Maillon(m)) {
		t.Errorf("Maillon: got %x, want 32 bytes that depend on the previous link", m)
	}
}
