package api

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// depot200 builds a deposit of 200 requests (about 430 KB) numbered from
// prefix, with its zip of 400 small PDFs.
func depot200(tb testing.TB, prefix string) ([]byte, []byte) {
	tb.Helper()
	numeros := make([]string, hop.MaxDemandes)
	for k := range numeros {
		numeros[k] = fmt.Sprintf("%s%03d", prefix, k+1)
	}
	f := hop.FichierExemple(numeros...)
	var js bytes.Buffer
	if err := hop.EcrireHOP(&js, f); err != nil {
		tb.Fatal(err)
	}
	pdf := lire(tb, "../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, d := range f.Demandes {
		for _, p := range d.Pieces {
			w, err := zw.Create(p.NomFichier)
			if err != nil {
				tb.Fatal(err)
			}
			w.Write(pdf)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return js.Bytes(), zbuf.Bytes()
}

// BenchmarkDepot sends b.N deposits of 200 requests through HTTP from 1
// then 8 concurrent clients of one vendor, then of 8 vendors, and reports deposits per second and the p50 and p99
// latencies; BenchmarkDepot/check is the in-process check of the same file
// and zip, the baseline. Run with -benchtime=Nx (N at most 900).
func BenchmarkDepot(b *testing.B) {
	ex, z := depot200(b, "BA")
	b.Run("check", func(b *testing.B) {
		decl := hop.Declaration{NomFichier: "JSON-1234567890-20211025-001.json", Logiciel: hop.LogicielRI, Date: hop.Date{Annee: 2021, Mois: 10, Jour: 25}}
		b.SetBytes(int64(len(ex) + len(z)))
		for b.Loop() {
			a, err := hop.OpenArchive(bytes.NewReader(z), int64(len(z)))
			if err != nil {
				b.Fatal(err)
			}
			res, err := hop.Controler(ex, decl, hop.Options{Archive: a})
			if err != nil || res.Acceptees() != hop.MaxDemandes {
				b.Fatalf("%v %v", err, res.Rejet)
			}
			if err := res.EcrireRetour(io.Discard, "DEP", nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, c := range []struct {
		base                  string
		clients, fournisseurs int
	}{{"sqlite", 1, 1}, {"sqlite", 8, 1}, {"sqlite", 8, 8}, {"postgres", 1, 1}, {"postgres", 8, 1}, {"postgres", 8, 8}} {
		base, clients, nf := c.base, c.clients, c.fournisseurs
		name := fmt.Sprintf("http-%d-clients/%s", clients, base)
		if nf > 1 {
			name = fmt.Sprintf("http-%d-fournisseurs/%s", nf, base)
		}
		b.Run(name, func(b *testing.B) {
			url := ""
			if base == "postgres" {
				url = segurtest.FreshSchema(b, segurtest.PostgresDSN(b))
			}
			if b.N > 900 {
				b.Fatalf("b.N = %d: run with -benchtime=Nx, N ≤ 900 (ordinals of the day)", b.N)
			}
			p := newPortailSur(b, url)
			// Vendor k deposits on its own ANS number; the first is the
			// document's vendor.
			type vendeur struct{ siret, ans string }
			vendeurs := []vendeur{{"88558855858745", "1234567890"}}
			for k := 1; k < nf; k++ {
				v := vendeur{fmt.Sprintf("1000000000%04d", k), fmt.Sprintf("AN%08d", k)}
				ctx := context.Background()
				f := &segur.Fournisseur{SIRET: v.siret, Nom: "Éditeur " + v.siret, Email: "contact@editeur.fr"}
				if err := p.db.CreateFournisseur(ctx, f); err != nil {
					b.Fatal(err)
				}
				if err := p.db.CreateProduit(ctx, &segur.Produit{NumeroAns: v.ans, FournisseurID: f.ID, Logiciel: hop.LogicielRI, Nom: "RI"}); err != nil {
					b.Fatal(err)
				}
				tok, digest, prefix, _ := auth.NewToken()
				if err := p.db.CreateJeton(ctx, &segur.Jeton{FournisseurID: f.ID, Empreinte: digest, Prefixe: prefix}); err != nil {
					b.Fatal(err)
				}
				p.tokens[v.siret] = tok
				vendeurs = append(vendeurs, v)
			}
			type envoi struct {
				body         []byte
				ctype, token string
			}
			envois := make([]envoi, b.N)
			jour := p.now().In(p.paris).Format("20060102")
			for i := range envois {
				v := vendeurs[i%nf]
				ex, z := depot200(b, fmt.Sprintf("%02s", strconv.FormatInt(int64(i), 36)))
				ex = bytes.Replace(ex, []byte(`"1234567890"`), []byte(`"`+v.ans+`"`), 1)
				ex = bytes.Replace(ex, []byte(`"88558855858745"`), []byte(`"`+v.siret+`"`), 1)
				var buf bytes.Buffer
				w := multipart.NewWriter(&buf)
				w.WriteField("typeDemande", "avance")
				w.WriteField("numeroAns", v.ans)
				fw, _ := w.CreateFormFile("fichier", fmt.Sprintf("JSON-%s-%s-%03d.json", v.ans, jour, i/nf+1))
				fw.Write(ex)
				zw, _ := w.CreateFormFile("pieces", "pieces.zip")
				zw.Write(z)
				w.Close()
				envois[i] = envoi{buf.Bytes(), w.FormDataContentType(), p.tokens[v.siret]}
			}
			lat := make([]time.Duration, b.N)
			jobs := make(chan int)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range jobs {
						t0 := time.Now()
						req, _ := http.NewRequest("POST", p.srv.URL+"/api/v1/depots", bytes.NewReader(envois[i].body))
						req.Header.Set("Authorization", "Bearer "+envois[i].token)
						req.Header.Set("Content-Type", envois[i].ctype)
						resp, err := http.DefaultClient.Do(req)
						if err != nil {
							b.Error(err)
							continue
						}
						body, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						lat[i] = time.Since(t0)
						if resp.StatusCode != 201 || bytes.Contains(body, []byte(`"numeroASP": null`)) {
							b.Errorf("deposit %d: %d %.300s", i, resp.StatusCode, body)
						}
					}
				}()
			}
			for i := range b.N {
				jobs <- i
			}
			close(jobs)
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "depots/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
