package web

import (
	"context"
	"sync"
	"time"

	"github.com/segur-numerique/segur"
)

// dureePilotage is how long the dashboard's figures are kept before they
// are computed again. Computing them reads every request and the whole
// history: about a second at 100 000 requests. A minute's delay is no
// loss to who manages a programme of months; a page read in milliseconds,
// and the database read once a minute whatever the agents reload, are.
const dureePilotage = time.Minute

// cachePilotage holds the dashboard's figures by filter (its software
// type and dates; the filters the page offers are few). One computation
// at a time per filter: who asks meanwhile waits for it.
type cachePilotage struct {
	mu       sync.Mutex
	entrees  map[cleePilotage]*entreePilotage
	calculer func(context.Context, segur.PilotageFiltre) (*segur.Pilotage, error)
}

type cleePilotage struct {
	logiciel      string
	depuis, avant time.Time
}

type entreePilotage struct {
	pret  chan struct{} // closed once p and err are set
	quand time.Time     // of the computation
	p     *segur.Pilotage
	err   error
}

// figures returns the figures of f, and when they were computed: kept if
// computed less than dureePilotage before now, computed otherwise. A
// computation that failed is not kept.
func (c *cachePilotage) figures(ctx context.Context, f segur.PilotageFiltre, now time.Time) (*segur.Pilotage, time.Time, error) {
	k := cleePilotage{string(f.Logiciel), f.Depuis, f.Avant}
	c.mu.Lock()
	if c.entrees == nil {
		c.entrees = map[cleePilotage]*entreePilotage{}
	}
	e, ok := c.entrees[k]
	if !ok || e.quand.Add(dureePilotage).Before(now) {
		for cle, v := range c.entrees { // those past their minute go
			if v.quand.Add(dureePilotage).Before(now) && cle != k {
				delete(c.entrees, cle)
			}
		}
		e = &entreePilotage{pret: make(chan struct{}), quand: now}
		c.entrees[k] = e
		c.mu.Unlock()
		// Computed in the request's context: another waiting for it gets
		// its error if the first leaves, and computes on its next try.
		e.p, e.err = c.calculer(ctx, f)
		if e.err != nil {
			c.mu.Lock()
			if c.entrees[k] == e {
				delete(c.entrees, k)
			}
			c.mu.Unlock()
		}
		close(e.pret)
		return e.p, e.quand, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.pret:
		return e.p, e.quand, e.err
	case <-ctx.Done():
		return nil, time.Time{}, ctx.Err()
	}
}
