package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// binary is the segur command built for these tests as make build builds it:
// static, stamped with its commit.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "segur-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "segur")
	cmd := exec.Command("go", "build", "-buildvcs=auto", "-trimpath", "-o", binary, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		os.Stderr.Write(out)
		panic("go build: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	if depotDir != "" {
		os.RemoveAll(depotDir)
	}
	os.Exit(code)
}

// initLine is one line of GODEBUG=inittrace=1: a package's initialisation.
var initLine = regexp.MustCompile(`^init (\S+) @\S+ ms, \S+ ms clock, (\d+) bytes, (\d+) allocs$`)

// TestInitialisationLegere: no package of the binary does real work at
// initialisation. Every subcommand pays for every package's init, and
// segur check is run thousands of times by vendors: an init that hashes,
// parses templates or reads files is a bug. The bound is on bytes allocated,
// per package, as the runtime reports them.
func TestInitialisationLegere(t *testing.T) {
	const maxBytes = 1 << 20
	cmd := exec.Command(binary, "--help")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("segur --help: %v\n%s", err, stderr.Bytes())
	}
	n, total := 0, 0
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		m := initLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n++
		b, _ := strconv.Atoi(m[2])
		total += b
		if b > maxBytes {
			t.Errorf("package %s allocates %d bytes at initialisation, want at most %d", m[1], b, maxBytes)
		}
	}
	// The trace must have been read: the runtime and a hundred packages
	// initialise before main.
	if n < 50 {
		t.Fatalf("got %d init lines in the trace, want the whole binary's; stderr:\n%s", n, stderr.String())
	}
	t.Logf("%d packages initialised, %d bytes in all", n, total)
}

// TestVersion: segur --version and segur version name the Go version and,
// in a git work tree, the commit.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, err := exec.Command(binary, args...).Output()
		if err != nil {
			t.Fatalf("segur %s: %v", args[0], err)
		}
		s := string(out)
		if !strings.HasPrefix(s, "segur, version ") || !strings.Contains(s, "compilé avec go1.") {
			t.Errorf("segur %s: got %q, want the version and the Go version", args[0], s)
		}
		if _, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil && !regexp.MustCompile(`(?m)^commit [0-9a-f]{40}`).MatchString(s) {
			t.Errorf("segur %s in a git work tree: got %q, want the commit", args[0], s)
		}
	}
}

// TestCheckSansRamasseMiettes: segur check of a full file of 200 requests,
// with its zip of 400 pieces, keeps its heap under the garbage collector's
// first goal (4 MB): not one collection runs. A count, not a time.
func TestCheckSansRamasseMiettes(t *testing.T) {
	dir := t.TempDir()
	gen := exec.Command("go", "run", "./internal/segurtest/grosdepot", "-o", dir, "-taille", strconv.Itoa(4<<20))
	gen.Dir = filepath.Join("..", "..")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("grosdepot: %v\n%s", err, out)
	}
	f := filepath.Join(dir, "JSON-1234567890-20211025-001")
	cmd := exec.Command(binary, "check", "--date", "20211025", "--pieces", f+".zip", "-o", os.DevNull, f+".json")
	cmd.Env = []string{"GODEBUG=gctrace=1", "PATH=" + os.Getenv("PATH")}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("segur check: %v\n%s", err, stderr.Bytes())
	}
	if !strings.Contains(stderr.String(), "200 demandes, 200 acceptées, 0 rejetée") {
		t.Fatalf("got stderr\n%s\nwant the 200 requests accepted", stderr.Bytes())
	}
	if n := strings.Count("\n"+stderr.String(), "\ngc "); n != 0 {
		t.Errorf("got %d garbage collections, want none:\n%s", n, stderr.Bytes())
	}
}
