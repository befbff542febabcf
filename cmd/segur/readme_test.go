package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestREADME runs the README's examples, in order, in one shell, as a
// newcomer would in a fresh work folder of the repository (its hop/ and
// docs/ folders, bin/segur as make build writes it), against a fresh
// demo portal (segur serve --demo) started there on a free port, which
// replaces the README's 127.0.0.1:8080. Every command must succeed and
// show what its comment promises.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cmds := commandesDoc(readme)
	if len(cmds) < 10 {
		t.Fatalf("got %d commands to run in the README, want its first hour's", len(cmds))
	}
	racine := racineDepot(t)
	work := t.TempDir()
	for _, d := range []string{"hop", "docs"} {
		if err := os.Symlink(filepath.Join(racine, d), filepath.Join(work, d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(work, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(binary, filepath.Join(work, "bin", "segur")); err != nil {
		t.Fatal(err)
	}

	// The demo portal, as make run starts it, with its data in the work
	// folder (segur-data, where segur admin looks by default).
	addr := adresseLibre(t)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	serve := exec.CommandContext(ctx, filepath.Join(work, "bin", "segur"), "serve", "--demo", "--addr", addr)
	serve.Dir = work
	var journal bytes.Buffer
	serve.Stdout, serve.Stderr = &journal, &journal
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		serve.Process.Signal(os.Interrupt)
		serve.Wait()
	}()
	for {
		r, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the demo portal did not start:\n%s", journal.String())
		case <-time.After(100 * time.Millisecond):
		}
	}

	env := append(os.Environ(), "PATH="+filepath.Join(work, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	executerCommandes(t, ctx, "README", cmds, work, env, func(s string) string {
		return strings.ReplaceAll(s, "127.0.0.1:8080", addr)
	})
	// Everything the examples wrote in the work tree is ignored by git: a
	// token file, a binary or a deposit is never committed by mistake.
	if _, err := exec.LookPath("git"); err == nil {
		entries, err := os.ReadDir(work)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			nom := e.Name()
			if nom == "hop" || nom == "docs" {
				continue // the repository's own folders, linked
			}
			if e.IsDir() {
				nom += "/x"
			}
			if out, err := exec.Command("git", "-C", racine, "check-ignore", "--no-index", nom).CombinedOutput(); err != nil {
				t.Errorf("the examples wrote %s, which .gitignore does not cover (%v %s)", e.Name(), err, out)
			}
		}
	}
	if t.Failed() {
		t.Logf("portal's log:\n%s", journal.String())
	}
}
