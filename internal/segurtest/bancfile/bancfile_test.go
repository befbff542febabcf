package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCourt runs the benchmark in its short mode (200 requests, 20
// repetitions) on SQLite, and PostgreSQL when the tests have one: the
// table has a line for every page, and every page of today's portal
// answers 200 (the tabs and the search being added are query parameters
// the queue ignores until then).
func TestCourt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds segur and runs real servers")
	}
	dir := t.TempDir()
	racine, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	bin, programme := filepath.Join(dir, "segur"), filepath.Join(dir, "programme")
	for _, b := range []struct{ out, pkg string }{{bin, "./cmd/segur"}, {programme, "./internal/segurtest/programme"}} {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		cmd.Dir = racine
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	bases, colonnes := "sqlite", 1
	if os.Getenv("SEGUR_TEST_POSTGRES_DSN") != "" {
		bases, colonnes = "sqlite,postgres", 2
	}
	var out, errs bytes.Buffer
	if rc := run(context.Background(), []string{"-court", "-bin", bin, "-programme", programme, "-bases", bases}, &out, &errs); rc != 0 {
		t.Fatalf("bancfile -court: exit %d\n%s", rc, errs.String())
	}
	tableau := out.String()
	t.Log("\n" + tableau)
	for _, p := range Pages {
		var ligne string
		for _, l := range strings.Split(tableau, "\n") {
			if strings.HasPrefix(l, "| `"+p+"` |") {
				ligne = l
			}
		}
		if ligne == "" {
			t.Errorf("page %s: no line in the table", p)
			continue
		}
		cells := strings.Split(strings.Trim(ligne, "| "), " | ")[1:]
		if len(cells) != colonnes {
			t.Errorf("page %s: got %d columns, want %d: %s", p, len(cells), colonnes, ligne)
		}
		for _, c := range cells {
			if !strings.Contains(c, "\u00a0ms, 200, ") || strings.Contains(c, "requêtes") || strings.Contains(c, "erreur") {
				t.Errorf("page %s: got %q, want 200 on its 20 requests", p, c)
			}
		}
	}
	// The exports: every row of the base, 200, with a rate and the
	// server's memory; the pages measured while they run.
	for _, u := range append(Exports, PagesPendantExports...) {
		var ligne string
		for _, l := range strings.Split(tableau, "\n") {
			if strings.HasPrefix(l, "| `"+u+"` |") {
				ligne = l
			}
		}
		cells := strings.Split(strings.Trim(ligne, "| "), " | ")
		if ligne == "" || len(cells) != colonnes+1 {
			t.Errorf("%s: no line of %d columns in the table", u, colonnes)
			continue
		}
		for _, c := range cells[1:] {
			if strings.Contains(c, "erreur") || !strings.Contains(c, ", 200") {
				t.Errorf("%s: got %q, want 200", u, c)
			}
			if strings.HasPrefix(u, "/agence/exports/demandes") && (!strings.Contains(c, "lignes/s (200)") || !strings.Contains(c, "\u00a0Mio")) {
				t.Errorf("%s: got %q, want the 200 requests at a rate, and the memory", u, c)
			}
		}
	}
	// The dashboard's computation: a time for each base, no error.
	var calcul string
	for _, l := range strings.Split(tableau, "\n") {
		if strings.HasPrefix(l, "| `FindPilotage` |") {
			calcul = l
		}
	}
	if cells := strings.Split(strings.Trim(calcul, "| "), " | "); calcul == "" || len(cells) != colonnes+1 {
		t.Errorf("FindPilotage: no line of %d columns in the table", colonnes)
	} else {
		for _, c := range cells[1:] {
			if strings.Contains(c, "erreur") || !strings.HasSuffix(c, "\u00a0ms") {
				t.Errorf("FindPilotage: got %q, want min / median / max in ms", c)
			}
		}
	}
	if !strings.Contains(tableau, "- Machine : ") || !strings.Contains(tableau, "- Commande : `bancfile -court") {
		t.Errorf("table without the machine or the command:\n%s", tableau)
	}
}
