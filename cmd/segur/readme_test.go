package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The README's examples are run as written, in their order, by
// TestREADME: a fenced block whose info string is exactly "sh" is run; a
// block "sh exemple" is shown, not run (make run, a synopsis, what needs
// another machine). A comment « affiche « texte » » after a command says
// what its output (standard and error) must hold.

// commandeREADME is one command of the README: its text, possibly on
// several lines joined by a backslash, and what its output must hold.
type commandeREADME struct {
	ligne    int // of its first line in the README
	texte    string
	attendus []string
}

// affiche finds the expectations of a comment: affiche « a » (et « b »…).
var affiche = regexp.MustCompile(`affiche((?:\s*(?:et\s*)?«\s*[^»]*?\s*»)+)`)

var guillemets = regexp.MustCompile(`«\s*([^»]*?)\s*»`)

// commandesREADME returns the commands of the README's blocks to run.
func commandesREADME(readme []byte) []commandeREADME {
	var out []commandeREADME
	sc := bufio.NewScanner(bytes.NewReader(readme))
	n, dans, executable := 0, false, false
	var cur *commandeREADME
	for sc.Scan() {
		n++
		l := sc.Text()
		if strings.HasPrefix(l, "```") {
			if !dans {
				dans, executable = true, strings.TrimSpace(strings.TrimPrefix(l, "```")) == "sh"
			} else {
				dans, cur = false, nil
			}
			continue
		}
		if !dans || !executable {
			continue
		}
		if cur == nil {
			if strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#") {
				continue
			}
			out = append(out, commandeREADME{ligne: n})
			cur = &out[len(out)-1]
		}
		cur.texte += l + "\n"
		if m := affiche.FindStringSubmatch(l); m != nil && strings.Contains(l, "#") {
			for _, g := range guillemets.FindAllStringSubmatch(m[1], -1) {
				cur.attendus = append(cur.attendus, g[1])
			}
		}
		if !strings.HasSuffix(strings.TrimRight(l, " "), "\\") {
			cur = nil
		}
	}
	return out
}

func TestCommandesREADME(t *testing.T) {
	md := "x\n```sh\na \\\n  b # affiche « un » et « deux »\n\n# note\nc\n```\n```sh exemple\nd\n```\n```sh\ne\n```\n"
	got := commandesREADME([]byte(md))
	if len(got) != 3 || got[0].texte != "a \\\n  b # affiche « un » et « deux »\n" || got[1].texte != "c\n" || got[2].texte != "e\n" ||
		strings.Join(got[0].attendus, "|") != "un|deux" || got[0].ligne != 3 || got[2].ligne != 13 {
		t.Errorf("got %+v", got)
	}
}

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
	cmds := commandesREADME(readme)
	if len(cmds) < 10 {
		t.Fatalf("got %d commands to run in the README, want its first hour's", len(cmds))
	}
	racine, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
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

	// One shell for every command: what one defines, the next uses. Each
	// block stops at its first failing line (errexit), and the shell with
	// it: a block then reports that it did not run to its end, and the
	// later ones do not run.
	var script strings.Builder
	script.WriteString("set -o pipefail\n")
	for i, c := range cmds {
		texte := strings.ReplaceAll(c.texte, "127.0.0.1:8080", addr)
		fmt.Fprintf(&script, "printf '\\n\\036DEBUT %d\\n'\n{\nset -e\n%s\nset +e\n} 2>&1\nprintf '\\n\\036FIN %d %%d\\n' $?\n", i, texte, i)
	}
	sh := exec.CommandContext(ctx, "bash", "-c", script.String())
	sh.Dir = work
	sh.Env = append(os.Environ(), "PATH="+filepath.Join(work, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := sh.CombinedOutput()
	if err != nil && ctx.Err() != nil {
		t.Fatalf("the README's commands did not end: %v\n%s", err, out)
	}
	sorties := map[int]string{}
	codes := map[int]int{}
	fin := regexp.MustCompile(`(?m)^\x1eFIN (\d+) (\d+)$`)
	debut := regexp.MustCompile(`(?m)^\x1eDEBUT (\d+)$`)
	for _, m := range debut.FindAllSubmatchIndex(out, -1) {
		i, _ := strconv.Atoi(string(out[m[2]:m[3]]))
		rest := out[m[1]:]
		f := fin.FindSubmatchIndex(rest)
		if f == nil {
			sorties[i] = string(rest)
			continue
		}
		sorties[i] = string(rest[:f[0]])
		codes[i], _ = strconv.Atoi(string(rest[f[4]:f[5]]))
	}
	for i, c := range cmds {
		s, ok := sorties[i]
		code, fini := codes[i]
		switch {
		case !ok || !fini:
			t.Errorf("README line %d: did not run to its end:\n%s\n%s", c.ligne, c.texte, s)
			continue
		case code != 0:
			t.Errorf("README line %d: exit status %d:\n%s\noutput:\n%s", c.ligne, code, c.texte, s)
		}
		for _, a := range c.attendus {
			if !strings.Contains(s, a) {
				t.Errorf("README line %d: output lacks « %s »:\n%s\noutput:\n%s", c.ligne, a, c.texte, s)
			}
		}
	}
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
