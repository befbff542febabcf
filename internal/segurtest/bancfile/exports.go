package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Exports are the agency's exports measured whole, after the pages: each
// requested repetitionsExport times, one after the other. An XLSX export
// has as many rows as the CSV of the same query, measured before it.
var Exports = []string{
	"/agence/exports/demandes.csv?onglet=toutes",
	"/agence/exports/demandes.xlsx?onglet=toutes",
	"/agence/exports/financements.csv",
}

// PagesPendantExports are measured again while the exports run, one after
// the other without a pause, as an agent would meet them while a colleague
// exports.
var PagesPendantExports = []string{"/agence/demandes", "/agence/demandes?onglet=traitees", "/agence/demandes/{asp}"}

const repetitionsExport = 3

// mesureExport is what the requests of one export found.
type mesureExport struct {
	url      string
	n        int
	med, max time.Duration
	lignes   int   // of the CSV (its header included), or of its CSV for an XLSX
	taille   int64 // of the last answer
	statut   int
	rss      int64 // the server's peak resident memory after it, in kB (VmHWM)
	erreur   string
}

// compteur counts the bytes and lines it is given.
type compteur struct {
	n      int64
	lignes int
}

func (c *compteur) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	c.lignes += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}

// mesurerExports requests each export of Exports n times on the server
// of process pid.
func mesurerExports(ctx context.Context, c *http.Client, base string, pid, n int) []mesureExport {
	var out []mesureExport
	lignesCSV := map[string]int{}
	for _, u := range Exports {
		m := mesureExport{url: u}
		var durees []time.Duration
		for range n {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+u, nil)
			if err != nil {
				m.erreur = err.Error()
				break
			}
			debut := time.Now()
			resp, err := c.Do(req)
			if err != nil {
				m.erreur = err.Error()
				break
			}
			var cpt compteur
			_, err = io.Copy(&cpt, resp.Body)
			resp.Body.Close()
			d := time.Since(debut)
			if err != nil {
				m.erreur = err.Error()
				break
			}
			durees = append(durees, d)
			m.statut, m.taille, m.lignes = resp.StatusCode, cpt.n, cpt.lignes
		}
		chemin, _, _ := strings.Cut(u, "?")
		if strings.HasSuffix(chemin, ".csv") {
			lignesCSV[strings.TrimSuffix(chemin, ".csv")] = m.lignes
		} else if l, ok := lignesCSV[strings.TrimSuffix(chemin, ".xlsx")]; ok {
			m.lignes = l
		}
		m.n, m.rss = len(durees), crete(pid)
		if m.n > 0 {
			slices.Sort(durees)
			m.med, m.max = centile(durees, 50), durees[len(durees)-1]
		}
		out = append(out, m)
	}
	return out
}

// crete is the peak resident memory of process pid, in kB: VmHWM of
// /proc/pid/status (0 where there is none).
func crete(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// mesurerPendantExports measures pages while a second client runs the
// exports one after the other, until the pages are measured.
func mesurerPendantExports(ctx context.Context, c, exporteur *http.Client, base string, pages []string, n int, dureeMax time.Duration) []mesure {
	ctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			for _, u := range Exports {
				get(ctx, exporteur, base+u)
			}
		}
	})
	time.Sleep(200 * time.Millisecond) // the first export under way
	var out []mesure
	for _, u := range pages {
		out = append(out, mesurerPage(ctx, c, base, u, n, dureeMax))
	}
	stop()
	wg.Wait()
	return out
}

// celluleExport writes an export's measure: « median / max s, rows per
// second, size, status, peak memory ».
func celluleExport(m mesureExport) string {
	if m.n == 0 {
		return "erreur : " + m.erreur
	}
	s := fmt.Sprintf("%s / %s\u00a0s", secondes(m.med), secondes(m.max))
	if m.lignes > 1 && m.med > 0 {
		s += fmt.Sprintf(", %s\u00a0lignes/s (%s)", milliers(int(float64(m.lignes-1)/m.med.Seconds())), milliers(m.lignes-1))
	}
	s += fmt.Sprintf(", %s, %d, mémoire %s\u00a0Mio", taille(m.taille), m.statut, milliers(int((m.rss+512)/1024)))
	if m.erreur != "" {
		s += " ; erreur : " + m.erreur
	}
	return s
}

func secondes(d time.Duration) string {
	return strings.Replace(strconv.FormatFloat(d.Seconds(), 'f', 2, 64), ".", ",", 1)
}
