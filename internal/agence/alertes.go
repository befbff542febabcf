package agence

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// CalculStore is what the alerts' worker needs of the store.
type CalculStore interface {
	// PrendreAlertesACalculer claims at most limit requests whose codes
	// must be computed again, for bail.
	PrendreAlertesACalculer(ctx context.Context, limit int, bail time.Duration) ([]segur.AlerteACalculer, error)
	// EnregistrerAlertes writes the codes of the requests still marked
	// as claimed, in one transaction, and says how many.
	EnregistrerAlertes(ctx context.Context, calculees []segur.AlertesCalculees) (int, error)
	FindReference(ctx context.Context) (segur.Reference, int64, error)
	FindFinancements(ctx context.Context, l hop.Logiciel, finess []string) (map[string]string, error)
}

// CalculAlertes keeps the stored alert codes of the requests up to date:
// it computes the requests the store marked (a request deposited, a status
// that changes what is financed, a new reference, a vendor's SIRET), by
// lots, with segur.Alertes as the pages do. Several servers on one
// PostgreSQL share the work: each claims its own lot.
type CalculAlertes struct {
	Store     CalculStore
	Programme segur.Programme
	Log       *slog.Logger
	// Lot is the number of requests a round takes, 500 when zero; Bail
	// how long a claim holds before another worker may take it, 5
	// minutes when zero.
	Lot  int
	Bail time.Duration

	once   sync.Once
	reveil chan struct{}
}

// reference returns the latest reference (the store keeps it in memory
// by version); nil when none was imported (no ceiling, as the pages say).
func (c *CalculAlertes) reference(ctx context.Context) (segur.Reference, error) {
	ref, _, err := c.Store.FindReference(ctx)
	if segur.IsCode(err, segur.ENOTFOUND) {
		return nil, nil
	}
	return ref, err
}

func (c *CalculAlertes) lot() int {
	if c.Lot > 0 {
		return c.Lot
	}
	return 500
}

func (c *CalculAlertes) bail() time.Duration {
	if c.Bail > 0 {
		return c.Bail
	}
	return 5 * time.Minute
}

func (c *CalculAlertes) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (c *CalculAlertes) canal() chan struct{} {
	c.once.Do(func() { c.reveil = make(chan struct{}, 1) })
	return c.reveil
}

// Reveiller tells the worker that requests were marked: it computes them
// now rather than at its next round. It never blocks.
func (c *CalculAlertes) Reveiller() {
	select {
	case c.canal() <- struct{}{}:
	default: // a round is due already
	}
}

// Run computes the marked requests every interval, and when woken, until
// ctx ends; a round that claims a full lot is followed at once by
// another. A failure is logged once, and the return to normal.
func (c *CalculAlertes) Run(ctx context.Context, every time.Duration) {
	panne := false
	for {
		n, _, err := c.Calculer(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !panne:
			c.log().Warn("alertes: computation interrupted, requests wait", "err", err)
			panne = true
		case err == nil && panne:
			c.log().Info("alertes: computing again")
			panne = false
		}
		if err == nil && n == c.lot() {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-c.canal():
		case <-time.After(every):
		}
	}
}

// Tout computes every marked request now, lot after lot, until none is
// left to claim, and returns how many it wrote.
func (c *CalculAlertes) Tout(ctx context.Context) (int, error) {
	total := 0
	for {
		n, ecrits, err := c.Calculer(ctx)
		total += ecrits
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// Calculer runs one round (not concurrently with another of the same
// CalculAlertes: Run and Tout call it in turn): it claims a lot of marked requests, computes
// their alerts and writes their codes. pris is the number claimed, ecrits
// the number written (a request marked again meanwhile is left for the
// next round).
func (c *CalculAlertes) Calculer(ctx context.Context) (pris, ecrits int, err error) {
	debut := time.Now()
	lot, err := c.Store.PrendreAlertesACalculer(ctx, c.lot(), c.bail())
	if err != nil || len(lot) == 0 {
		return 0, 0, err
	}
	ref, err := c.reference(ctx)
	if err != nil {
		return len(lot), 0, err
	}
	// What each software type finances, read for the lot's establishments
	// only: segur.Alertes looks no further.
	finess := map[hop.Logiciel][]string{}
	vu := map[hop.Logiciel]map[string]bool{}
	for _, a := range lot {
		l := a.Demande.Logiciel
		if vu[l] == nil {
			vu[l] = map[string]bool{}
		}
		for _, cl := range a.Demande.Clients {
			if !vu[l][cl.FINESSPMSI] {
				vu[l][cl.FINESSPMSI] = true
				finess[l] = append(finess[l], cl.FINESSPMSI)
			}
		}
	}
	fin := map[hop.Logiciel]map[string]string{}
	for l, fs := range finess {
		fin[l] = map[string]string{}
		for i := 0; i < len(fs); i += 500 {
			m, err := c.Store.FindFinancements(ctx, l, fs[i:min(len(fs), i+500)])
			if err != nil {
				return len(lot), 0, err
			}
			for k, v := range m {
				fin[l][k] = v
			}
		}
	}
	calculees := make([]segur.AlertesCalculees, len(lot))
	for i, a := range lot {
		d := &a.Demande
		calculees[i] = segur.AlertesCalculees{DemandeID: d.ID, Seq: a.Seq,
			Codes: segur.CodesAlertes(segur.Alertes(d, a.SIRET, ref, fin[d.Logiciel], c.Programme))}
	}
	ecrits, err = c.Store.EnregistrerAlertes(ctx, calculees)
	if err != nil {
		return len(lot), 0, err
	}
	c.log().Debug("alertes: lot computed", "pris", len(lot), "ecrits", ecrits, "duree", time.Since(debut).String())
	return len(lot), ecrits, nil
}
