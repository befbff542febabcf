package api

import (
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/segur-numerique/segur"
)

// Metrics counts deposits and requests for /metrics (Prometheus text format).
type Metrics struct {
	depotsTraites, depotsRejetes, demandesAcceptees, demandesRejetees atomic.Int64
}

func (m *Metrics) depot(d *segur.Depot) {
	if m == nil {
		return
	}
	if d.Statut == segur.DepotRejete {
		m.depotsRejetes.Add(1)
		return
	}
	m.depotsTraites.Add(1)
	for _, l := range d.Lignes {
		if l.NumeroASP != "" {
			m.demandesAcceptees.Add(1)
		} else {
			m.demandesRejetees.Add(1)
		}
	}
}

// WriteTo writes the counters in the Prometheus text format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	n, err := fmt.Fprintf(w, `# HELP segur_depots_total Deposits received since start, by outcome.
# TYPE segur_depots_total counter
segur_depots_total{statut="traite"} %d
segur_depots_total{statut="rejete"} %d
# HELP segur_demandes_total Requests of processed deposits since start, by outcome.
# TYPE segur_demandes_total counter
segur_demandes_total{resultat="acceptee"} %d
segur_demandes_total{resultat="rejetee"} %d
`, m.depotsTraites.Load(), m.depotsRejetes.Load(), m.demandesAcceptees.Load(), m.demandesRejetees.Load())
	return int64(n), err
}

// ServeHTTP serves /metrics.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m.WriteTo(w)
}
