package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// TestExportsPlaces: exports run one at a time, the agency's apart from
// the vendors'; one that waits too long for its place is refused with
// when to come back, one that waits less gets its turn.
func TestExportsPlaces(t *testing.T) {
	L := lecteur{t}
	var srv *Server
	p := newPortailAvec(t, "", func(s *Server) {
		s.MaxExports, s.AttenteExport = 1, 300*time.Millisecond
		srv = s
	})
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "20000.00")
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	export := p.srv.URL + "/agence/exports/demandes.csv?onglet=toutes"

	srv.exports.agence <- struct{}{} // an export of the agency runs
	res, err := inst.Get(export)
	if err != nil {
		t.Fatal(err)
	}
	code, body := L.lire(res, nil)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "D'autres exports sont en cours : réessayez dans une minute.") ||
		res.Header.Get("Retry-After") == "" {
		t.Errorf("export while another runs past the wait: got %d, Retry-After %q; want 503 with the message and when to retry", code, res.Header.Get("Retry-After"))
	}
	// The vendors' place is not the agency's.
	if code, body := L.lire(vendeur.Get(p.srv.URL + "/demandes.csv")); code != http.StatusOK || !strings.Contains(body, asps[1]) {
		t.Errorf("the vendor's export while the agency's place is taken: got %d, want its rows", code)
	}
	// One that waits less than the bound gets its turn.
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(50 * time.Millisecond)
		<-srv.exports.agence
	})
	code, body = L.lire(inst.Get(export))
	wg.Wait()
	if code != http.StatusOK || !strings.Contains(body, asps[0]) || !strings.Contains(body, asps[1]) {
		t.Errorf("export once the place is free: got %d, want both requests", code)
	}
	if n := len(srv.exports.agence); n != 0 {
		t.Errorf("after the export: %d place(s) still taken", n)
	}
}

// delaisEcriture is a response that records its write deadlines.
type delaisEcriture struct {
	*httptest.ResponseRecorder
	delais []time.Time
}

func (d *delaisEcriture) SetWriteDeadline(t time.Time) error {
	d.delais = append(d.delais, t)
	return nil
}

// TestEcritureBornee: each write of an export is given its deadline
// first: a client that stops reading is cut.
func TestEcritureBornee(t *testing.T) {
	d := &delaisEcriture{ResponseRecorder: httptest.NewRecorder()}
	e := ecritureBornee{d, http.NewResponseController(d)}
	for range 3 {
		avant := time.Now()
		if _, err := e.Write([]byte("ligne\n")); err != nil {
			t.Fatal(err)
		}
		if got := d.delais[len(d.delais)-1]; got.Before(avant.Add(delaiEcritureExport)) || got.After(time.Now().Add(delaiEcritureExport)) {
			t.Errorf("deadline %v, want %v after the write's start", got, delaiEcritureExport)
		}
	}
	if len(d.delais) != 3 || d.Body.String() != "ligne\nligne\nligne\n" {
		t.Errorf("got %d deadlines and %q", len(d.delais), d.Body.String())
	}
}

// storeCompte counts the dashboard's computations.
type storeCompte struct {
	*sqlstore.DB
	n atomic.Int32
}

func (s *storeCompte) FindPilotage(ctx context.Context, f segur.PilotageFiltre) (*segur.Pilotage, error) {
	s.n.Add(1)
	return s.DB.FindPilotage(ctx, f)
}

// TestPilotageUneMinute: the dashboard is computed once a minute per
// filter, however many agents ask at once, and says when.
func TestPilotageUneMinute(t *testing.T) {
	L := lecteur{t}
	var st *storeCompte
	p := newPortailAvec(t, "", func(s *Server) {
		st = &storeCompte{DB: s.Store.(*sqlstore.DB)}
		s.Store = st
	})
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	demandesDeposees(t, p, vendeur, "13750.00")
	agent := agentClient(t, p, "admin@asp.fr", segur.RoleAdmin)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if code, body := L.lire(agent.Get(p.srv.URL + "/agence/pilotage")); code != http.StatusOK || !strings.Contains(body, "<caption>1 demande par statut</caption>") {
				t.Errorf("dashboard: got %d", code)
			}
		})
	}
	wg.Wait()
	if n := st.n.Load(); n != 1 {
		t.Errorf("20 agents at once: %d computations, want 1", n)
	}
	deposerForm(t, vendeur, p, "T0009", "20000.00", 9, true)
	_, body := L.lire(agent.Get(p.srv.URL + "/agence/pilotage"))
	if !strings.Contains(body, "<caption>1 demande par statut</caption>") || !strings.Contains(body, "Chiffres arrêtés le ") ||
		!strings.Contains(body, "recalculés au plus une fois par minute") || st.n.Load() != 1 {
		t.Errorf("within the minute: want the figures kept, and when they were computed")
	}
	p.now = p.now.Add(dureePilotage + time.Second)
	if _, body := L.lire(agent.Get(p.srv.URL + "/agence/pilotage")); !strings.Contains(body, "<caption>2 demandes par statut</caption>") || st.n.Load() != 2 {
		t.Errorf("past the minute: want the figures computed again, with the new request (%d computations)", st.n.Load())
	}
}
