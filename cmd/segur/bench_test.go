package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// The whole-process benchmarks: what a vendor meets when it runs segur
// check, start-up included, beside a baseline process run in turn in the
// same iterations. Run them with make bench-processus.

const depotNom = "JSON-1234567890-20211025-001"

var (
	depotOnce sync.Once
	depotDir  string
	depotErr  error
)

// depot200 writes, once per test binary (TestMain removes it), the
// measures' deposit: a file of
// 200 requests built from the document's example and its zip of 400
// incompressible attachments, just under 200 Mo (internal/segurtest/grosdepot).
func depot200(b *testing.B) string {
	b.Helper()
	depotOnce.Do(func() {
		depotDir, depotErr = os.MkdirTemp("", "segur-depot-")
		if depotErr != nil {
			return
		}
		cmd := exec.Command("go", "run", "./internal/segurtest/grosdepot", "-o", depotDir)
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			depotErr = &exec.ExitError{ProcessState: cmd.ProcessState, Stderr: out}
		}
	})
	if depotErr != nil {
		b.Fatalf("grosdepot: %v", depotErr)
	}
	return depotDir
}

// outil builds a command of internal/segurtest once per benchmark.
func outil(b *testing.B, nom string) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), nom)
	cmd := exec.Command("go", "build", "-o", path, "./internal/segurtest/"+nom)
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build %s: %v\n%s", nom, err, out)
	}
	return path
}

// processus runs a command to its end and returns its wall time; it fails
// the benchmark unless the exit status is want.
func processus(b *testing.B, want int, name string, args ...string) time.Duration {
	b.Helper()
	cmd := exec.Command(name, args...)
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if code := cmd.ProcessState.ExitCode(); code != want {
		b.Fatalf("%s %v: exit %d (%v), want %d", filepath.Base(name), args, code, err, want)
	}
	return d
}

// memoire runs a command once under /usr/bin/time and returns its peak
// resident memory in bytes, 0 without /usr/bin/time. The rusage a Go parent
// gets would count the parent's own memory, which the child shares until it
// executes (vfork); time's own is far smaller than any Go program's.
func memoire(b *testing.B, name string, args ...string) int64 {
	b.Helper()
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		b.Log("no /usr/bin/time: peak memory not measured")
		return 0
	}
	rss := filepath.Join(b.TempDir(), "rss")
	out, err := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", rss, name}, args...)...).CombinedOutput()
	if err != nil {
		b.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
	}
	m, err := os.ReadFile(rss)
	if err != nil {
		b.Fatal(err)
	}
	kio, err := strconv.ParseInt(strings.TrimSpace(string(m)), 10, 64)
	if err != nil {
		b.Fatalf("/usr/bin/time: %q: %v", m, err)
	}
	return kio << 10
}

// mesures accumulates the runs of one command.
type mesures struct {
	total time.Duration
	n     int
}

func (m *mesures) add(d time.Duration) {
	m.total += d
	m.n++
}

func (m *mesures) ms() float64 { return float64(m.total.Microseconds()) / 1000 / float64(m.n) }

func mio(rss int64) float64 { return float64(rss) / (1 << 20) }

// BenchmarkProcessus: segur check of a 200-request file (no zip), as a
// whole process, against a whole process that reads the same file and runs
// json.Valid once; the two run in turn in each iteration. Metrics: the mean
// wall time of each and their ratio; then, each run once more under
// /usr/bin/time, its peak resident memory.
func BenchmarkProcessus(b *testing.B) {
	f := filepath.Join(depot200(b), depotNom+".json")
	valid := outil(b, "jsonvalid")
	check := []string{"check", "--date", "20211025", "-o", os.DevNull, f}
	var tBase, tCheck mesures
	for b.Loop() {
		tBase.add(processus(b, 0, valid, f))
		tCheck.add(processus(b, 0, binary, check...))
	}
	b.ReportMetric(tBase.ms(), "ms/json.Valid")
	b.ReportMetric(tCheck.ms(), "ms/check")
	b.ReportMetric(tCheck.ms()/tBase.ms(), "×json.Valid")
	b.ReportMetric(mio(memoire(b, valid, f)), "Mio-RSS/json.Valid")
	b.ReportMetric(mio(memoire(b, binary, check...)), "Mio-RSS/check")
}

// BenchmarkProcessusPieces: segur check of the same file with its zip of
// 400 attachments, just under 200 Mo, all read and their CRC checked: the
// wall time and the peak resident memory of the whole process (the zip is
// read through small fixed buffers).
func BenchmarkProcessusPieces(b *testing.B) {
	dir := depot200(b)
	f, z := filepath.Join(dir, depotNom+".json"), filepath.Join(dir, depotNom+".zip")
	valid := outil(b, "jsonvalid")
	check := []string{"check", "--date", "20211025", "--pieces", z, "-o", os.DevNull, f}
	var tBase, tCheck mesures
	for b.Loop() {
		tBase.add(processus(b, 0, valid, f))
		tCheck.add(processus(b, 0, binary, check...))
	}
	b.ReportMetric(tBase.ms(), "ms/json.Valid")
	b.ReportMetric(tCheck.ms(), "ms/check")
	b.ReportMetric(mio(memoire(b, valid, f)), "Mio-RSS/json.Valid")
	b.ReportMetric(mio(memoire(b, binary, check...)), "Mio-RSS/check")
}

// BenchmarkProcessusBuild10000: segur build, as a whole process, of an
// order book of 10 000 rows (internal/segurtest/groscarnet: one request
// each, TTC, one shared order form of 2 Kio; 50 files of 200 requests and
// their zips), beside the in-process check (hop.Controler, with the zip)
// of the 50 files it wrote, in the same iterations. Metrics: the mean wall
// time of each, their ratio, and the build's peak resident memory.
//
//	make bench-build
func BenchmarkProcessusBuild10000(b *testing.B) {
	dir := b.TempDir()
	book, err := segurtest.GrosCarnet(filepath.Join("..", ".."), dir, 10000)
	if err != nil {
		b.Fatal(err)
	}
	decl := hop.Declaration{NumeroAns: "1234567890", SIRET: "88558855858745", Logiciel: hop.LogicielRI,
		Date: hop.Date{Annee: 2026, Mois: 11, Jour: 25}}
	out := filepath.Join(dir, "depots")
	args := []string{"build", "--ans", decl.NumeroAns, "--siret", decl.SIRET, "--date", decl.Date.AAAAMMJJ(),
		"--from", book, "--out", out}
	var tBuild, tCheck mesures
	for b.Loop() {
		os.RemoveAll(out) // and its ledger: each build gives the same numbers
		tBuild.add(processus(b, 0, binary, args...))
		start := time.Now()
		fichiers, acceptees, err := segurtest.ControlerDossier(out, decl)
		if err != nil {
			b.Fatal(err)
		}
		tCheck.add(time.Since(start))
		if fichiers != 50 || acceptees != 10000 {
			b.Fatalf("%d files, %d accepted requests; want 50 and 10 000", fichiers, acceptees)
		}
	}
	b.ReportMetric(tBuild.ms(), "ms/build")
	b.ReportMetric(tCheck.ms(), "ms/check")
	b.ReportMetric(tBuild.ms()/tCheck.ms(), "×check")
	os.RemoveAll(out)
	b.ReportMetric(mio(memoire(b, binary, args...)), "Mio-RSS/build")
}
