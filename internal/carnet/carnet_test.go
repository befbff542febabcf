package carnet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// TestNouveauSuite: numbers come in order, skipping those already used
// whenever they were marked, and never twice; the last one fills the
// ledger.
func TestNouveauSuite(t *testing.T) {
	c, err := Ouvrir(filepath.Join(t.TempDir(), "carnet.json"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	c.Marquer("00003", Portail, "", "", now)
	var got []string
	for range 3 {
		n, _ := c.Nouveau("f.json", now)
		got = append(got, n)
	}
	c.Marquer("00005", Reserve, "", "g.json", now) // marked after the search passed 00004
	c.Marquer("00001", Accepte, "ASP-1", "f.json", now)
	for range 2 {
		n, _ := c.Nouveau("f.json", now)
		got = append(got, n)
	}
	if want := "[00001 00002 00004 00006 00007]"; fmt.Sprint(got) != want {
		t.Errorf("got %v, want %s", got, want)
	}
	for n := 8; n <= 99999; n++ {
		num, err := c.Nouveau("h.json", now)
		if err != nil || num != fmt.Sprintf("%05d", n) {
			t.Fatalf("got %q %v, want %05d", num, err, n)
		}
	}
	if n, err := c.Nouveau("i.json", now); err == nil {
		t.Errorf("got %q, want the error of a full ledger", n)
	}
	if len(c.Numeros) != 99999 {
		t.Errorf("got %d numbers, want 99999", len(c.Numeros))
	}
}

// The ledger's direct writer writes what encoding/json does, but for the
// escaping of <, > and &; and what it writes reads back the same.
func TestJSONCommeEncodingJSON(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	noms := []string{"", "carnet.csv", "Bon de commande groupé.pdf", "a\"b\\c", "tab\there\nnl\r\b\f\x01\x1f",
		"\u2028\u2029", "bad\xff\xfeutf8", "émoji 🙂", "<&>"}
	c := &Carnet{Numeros: map[string]Entree{}, Cles: map[string]string{}}
	check := func(label string) {
		t.Helper()
		got := c.json()
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(c); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("%s: got\n%s\nwant\n%s", label, got, want.Bytes())
		}
		back := &Carnet{}
		if err := json.Unmarshal(got, back); err != nil {
			t.Fatalf("%s: %v", label, err)
		}
	}
	check("empty")
	for i, nom := range noms {
		num := fmt.Sprintf("%05d", i+1)
		quand := time.Date(2026, 12, 3, 10, i, 7, i*1000, paris)
		c.Marquer(num, []string{Reserve, Accepte, Rejete, Portail}[i%4], "", nom, quand)
		if i%2 == 0 {
			e := c.Numeros[num]
			e.NumeroASP = "ASP-2026-" + nom
			c.Numeros[num] = e
		}
		c.Cles[fmt.Sprintf("%064x", i)] = nom
		check(fmt.Sprintf("%d entries", i+1))
	}
}

// A ledger that is not JSON is refused in French, with where it breaks.
func TestOuvrirIllisible(t *testing.T) {
	chemin := filepath.Join(t.TempDir(), "carnet.json")
	if err := os.WriteFile(chemin, []byte(`{"numeros": {"00001": }`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Ouvrir(chemin)
	if err == nil || !strings.Contains(err.Error(), "illisible : JSON invalide à l'octet 23") {
		t.Fatalf("got %v", err)
	}
}
