package carnet

import (
	"path/filepath"
	"testing"
	"time"
)

func TestCarnet(t *testing.T) {
	chemin := filepath.Join(t.TempDir(), "carnet.json")
	c, err := Ouvrir(chemin)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	c.Marquer("00001", Portail, "", "", now)
	c.Marquer("0000a", Rejete, "", "f.json", now)
	n, err := c.Nouveau("g.json", now)
	if err != nil || n != "00002" {
		t.Fatalf("got %q %v, want 00002", n, err)
	}
	c.Marquer("00002", Accepte, "ASP-2026-0000001", "g.json", now)
	c.Marquer("00002", Rejete, "", "h.json", now) // accepted stays accepted
	k := c.Cle("abc")
	if k == "" || c.Cle("abc") != k || c.Cle("def") == k {
		t.Errorf("keys: %q", k)
	}
	if err := c.Enregistrer(); err != nil {
		t.Fatal(err)
	}
	c2, err := Ouvrir(chemin)
	if err != nil {
		t.Fatal(err)
	}
	if !c2.Utilise("0000A") || c2.Numeros["00002"].NumeroASP != "ASP-2026-0000001" || c2.Cle("abc") != k {
		t.Errorf("reloaded: %+v", c2)
	}
	if n, _ := c2.Nouveau("i.json", now); n != "00003" {
		t.Errorf("got %q, want 00003", n)
	}
}
