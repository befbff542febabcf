package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// BenchmarkBuild10000: segur build, in process, of an order book of 10 000
// rows (one request each, one shared order form: 50 files of 200 requests
// and their zips), beside the check of the 50 files it wrote with
// hop.Controler and their zips, in process too, in the same iterations.
// Metrics: the mean wall time of each and their ratio.
//
//	go test -run '^$' -bench Build10000 -benchtime 5x ./internal/cli/
func BenchmarkBuild10000(b *testing.B) {
	book, err := segurtest.GrosCarnet(filepath.Join("..", ".."), b.TempDir(), 10000)
	if err != nil {
		b.Fatal(err)
	}
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
		fichiers, acceptees, err := segurtest.ControlerDossier(out, decl)
		if err != nil {
			b.Fatal(err)
		}
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
