package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur/hop"
)

// groscarnet writes the measures' order book (internal/segurtest/groscarnet)
// of n rows into a temporary folder and returns the book's path.
func groscarnet(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	cmd := exec.Command("go", "run", "./internal/segurtest/groscarnet", "-o", dir, "-n", strconv.Itoa(n))
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("groscarnet: %v\n%s", err, out)
	}
	return filepath.Join(dir, "carnet.csv")
}

// controlerDossier runs, in process, the check of segur check on every
// JSON-HOP file of dir with its zip, as the baseline of build's measures;
// it returns how many files and accepted requests it saw.
func controlerDossier(tb testing.TB, dir string, decl hop.Declaration) (fichiers, acceptees int) {
	tb.Helper()
	noms, err := filepath.Glob(filepath.Join(dir, "JSON-*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, nom := range noms {
		data, err := os.ReadFile(nom)
		if err != nil {
			tb.Fatal(err)
		}
		z, err := os.Open(strings.TrimSuffix(nom, ".json") + ".zip")
		if err != nil {
			tb.Fatal(err)
		}
		st, err := z.Stat()
		if err != nil {
			tb.Fatal(err)
		}
		opt := hop.Options{}
		opt.Archive, opt.ArchiveErreur = hop.OpenArchive(z, st.Size())
		d := decl
		d.NomFichier = filepath.Base(nom)
		res, err := hop.Controler(data, d, opt)
		z.Close()
		if err != nil {
			tb.Fatal(err)
		}
		if res.Rejet != nil {
			tb.Fatalf("%s: rejected: %s %s", nom, res.Rejet.Code, res.Rejet.Libelle())
		}
		fichiers++
		acceptees += res.Acceptees()
	}
	return fichiers, acceptees
}

// BenchmarkBuild10000: segur build, in process, of an order book of 10 000
// rows (one request each, one shared order form: 50 files of 200 requests
// and their zips), beside the check of the 50 files it wrote with
// hop.Controler and their zips, in process too, in the same iterations.
// Metrics: the mean wall time of each and their ratio.
//
//	go test -run '^$' -bench Build10000 -benchtime 5x ./internal/cli/
func BenchmarkBuild10000(b *testing.B) {
	book := groscarnet(b, 10000)
	decl := hop.Declaration{NumeroAns: "1234567890", SIRET: "88558855858745", Logiciel: hop.LogicielRI,
		Date: hop.Date{Annee: 2026, Mois: 11, Jour: 25}}
	var tBuild, tCheck time.Duration
	n := 0
	for b.Loop() {
		out := filepath.Join(b.TempDir(), "depots")
		var stdout, stderr bytes.Buffer
		start := time.Now()
		code := Main(context.Background(), []string{"build", "--ans", decl.NumeroAns, "--siret", decl.SIRET,
			"--date", "20261125", "--from", book, "--out", out}, strings.NewReader(""), &stdout, &stderr)
		tBuild += time.Since(start)
		if code != exitOK {
			b.Fatalf("build: exit %d\n%s", code, stderr.String())
		}
		start = time.Now()
		fichiers, acceptees := controlerDossier(b, out, decl)
		tCheck += time.Since(start)
		if fichiers != 50 || acceptees != 10000 {
			b.Fatalf("got %d files, %d accepted requests; want 50, 10000", fichiers, acceptees)
		}
		os.RemoveAll(out)
		n++
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(n) }
	b.ReportMetric(ms(tBuild), "ms/build")
	b.ReportMetric(ms(tCheck), "ms/check")
	b.ReportMetric(float64(tBuild)/float64(tCheck), "×check")
}
