package agence

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
)

// TestCalculAlertes: the worker computes the requests deposited, then, a
// request validated through the instruction, the others that share its
// establishment: the queue's filter finds them « déjà financé ».
func TestCalculAlertes(t *testing.T) {
	b, asps := nouveauBanc(t, 13_750_00, 60_000_00, 12_000_00)
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "test"})
	c := &CalculAlertes{Store: b.db, Programme: segur.ProgrammeParDefaut, Lot: 2}
	trouver := func(code string) []string {
		t.Helper()
		ds, _, err := b.db.FindDemandes(ctx, segur.DemandeFilter{Alerte: code})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range ds {
			out = append(out, d.NumeroASP)
		}
		return out
	}
	if n, err := c.Tout(ctx); err != nil || n != 3 {
		t.Fatalf("Tout: %d, %v; want the 3 requests", n, err)
	}
	if got := trouver("au_dessus_plafonds"); !slices.Equal(got, asps[1:2]) {
		t.Errorf("au_dessus_plafonds: got %v, want %v", got, asps[1:2])
	}
	if got := trouver("deja_finance"); len(got) != 0 {
		t.Errorf("deja_finance before any validation: got %v", got)
	}
	if _, err := b.agir(t, asps[0], segur.ActionPrendre, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := b.agir(t, asps[0], segur.ActionValider, ""); err != nil {
		t.Fatal(err)
	}
	if n, err := b.db.CountAlertesACalculer(ctx, segur.DemandeFilter{}); err != nil || n != 3 {
		t.Errorf("after the validation: %d requests to compute, %v; want 3", n, err)
	}
	if n, err := c.Tout(ctx); err != nil || n != 3 {
		t.Fatalf("Tout: %d, %v; want 3", n, err)
	}
	if got := trouver("deja_finance"); !slices.Equal(got, asps[1:]) {
		t.Errorf("deja_finance: got %v, want %v", got, asps[1:])
	}
	// Each request's codes are those segur.Alertes gives the page.
	for _, asp := range asps {
		d, al, _, err := b.in.alertes(ctx, asp)
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range segur.CodesAlertes(al) {
			if !slices.Contains(trouver(code), d.NumeroASP) {
				t.Errorf("%s: alert %s not found by the filter", asp, code)
			}
		}
	}

	// Run stops with its context, woken or not.
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx, time.Hour)
	}()
	c.Reveiller()
	c.Reveiller() // never blocks
	cancel()
	<-done
}
