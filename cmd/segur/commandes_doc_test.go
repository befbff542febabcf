package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The examples of the README and of the guides under docs/ are run as
// written, in their order, by TestREADME and TestExploitation: a fenced
// block whose info string is exactly "sh" is run; a block "sh exemple" is
// shown, not run (make run, a synopsis, what needs root, another machine
// or a service); TestImage runs the blocks "sh conteneur" of the operator's
// guide. A comment « affiche « texte » » after a command says what
// its output (standard and error) must hold.

// commandeDoc is one command of a document: its text, possibly on several
// lines joined by a backslash, and what its output must hold.
type commandeDoc struct {
	ligne    int // of its first line in the document
	bloc     int // index of its fenced block in the document, from 0
	texte    string
	attendus []string
}

// affiche finds the expectations of a comment: affiche « a » (et « b »…).
var affiche = regexp.MustCompile(`affiche((?:\s*(?:et\s*)?«\s*[^»]*?\s*»)+)`)

var guillemets = regexp.MustCompile(`«\s*([^»]*?)\s*»`)

// commandesDoc returns the commands of a Markdown document's blocks to
// run: those whose info string is "sh".
func commandesDoc(md []byte) []commandeDoc { return commandesBlocs(md, "sh") }

// commandesBlocs returns the commands of a Markdown document's blocks
// whose info string is exactly genre ("sh conteneur", say).
func commandesBlocs(md []byte, genre string) []commandeDoc {
	var out []commandeDoc
	sc := bufio.NewScanner(bytes.NewReader(md))
	n, bloc, dans, executable := 0, -1, false, false
	var cur *commandeDoc
	for sc.Scan() {
		n++
		l := sc.Text()
		if strings.HasPrefix(l, "```") {
			if !dans {
				bloc++
				dans, executable = true, strings.TrimSpace(strings.TrimPrefix(l, "```")) == genre
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
			out = append(out, commandeDoc{ligne: n, bloc: bloc})
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

func TestCommandesDoc(t *testing.T) {
	md := "x\n```sh\na \\\n  b # affiche « un » et « deux »\n\n# note\nc\n```\n```sh exemple\nd\n```\n```sh\ne\n```\n"
	got := commandesDoc([]byte(md))
	if len(got) != 3 || got[0].texte != "a \\\n  b # affiche « un » et « deux »\n" || got[1].texte != "c\n" || got[2].texte != "e\n" ||
		strings.Join(got[0].attendus, "|") != "un|deux" || got[0].ligne != 3 || got[2].ligne != 13 ||
		got[0].bloc != 0 || got[1].bloc != 0 || got[2].bloc != 2 {
		t.Errorf("got %+v", got)
	}
}

// executerCommandes runs cmds in one bash, in order, in dir with the
// environment env, each command's text first passed through remplacer
// (an address of the document for the test's own, say), and reports, as
// errors naming the document doc and the command's line, every command
// that failed, did not run to its end, or whose output lacks what its
// comment promises. ctx bounds the whole run.
func executerCommandes(t *testing.T, ctx context.Context, doc string, cmds []commandeDoc, dir string, env []string, remplacer func(string) string) {
	t.Helper()
	// One shell for every command: what one defines, the next uses. Each
	// block stops at its first failing line (errexit), and the shell with
	// it: a block then reports that it did not run to its end, and the
	// later ones do not run.
	var script strings.Builder
	script.WriteString("set -o pipefail\n")
	for i, c := range cmds {
		fmt.Fprintf(&script, "printf '\\n\\036DEBUT %d\\n'\n{\nset -e\n%s\nset +e\n} 2>&1\nprintf '\\n\\036FIN %d %%d\\n' $?\n", i, remplacer(c.texte), i)
	}
	sh := exec.CommandContext(ctx, "bash", "-c", script.String())
	sh.Dir = dir
	sh.Env = env
	out, err := sh.CombinedOutput()
	if err != nil && ctx.Err() != nil {
		t.Fatalf("%s: the commands did not end: %v\n%s", doc, err, out)
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
			t.Errorf("%s line %d: did not run to its end:\n%s\n%s", doc, c.ligne, c.texte, s)
			continue
		case code != 0:
			t.Errorf("%s line %d: exit status %d:\n%s\noutput:\n%s", doc, c.ligne, code, c.texte, s)
		}
		for _, a := range c.attendus {
			if !strings.Contains(s, a) {
				t.Errorf("%s line %d: output lacks « %s »:\n%s\noutput:\n%s", doc, c.ligne, a, c.texte, s)
			}
		}
	}
}

// racineDepot is the repository's root, where the documents' commands run
// from.
func racineDepot(t *testing.T) string {
	t.Helper()
	racine, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return racine
}

// adresseLibre returns an address of 127.0.0.1 that nothing listens on,
// to replace a document's own.
func adresseLibre(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
