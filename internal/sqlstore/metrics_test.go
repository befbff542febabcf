package sqlstore

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

func TestMetricsStore(t *testing.T) {
	for _, tt := range []struct {
		name string
		open func(t *testing.T) *DB
	}{
		{"sqlite", func(t *testing.T) *DB { return openMigrated(t, filepath.Join(t.TempDir(), "segur.db")) }},
		{"postgres", func(t *testing.T) *DB { return openMigrated(t, segurtest.FreshSchema(t, segurtest.PostgresDSN(t))) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := tt.open(t)
			ctx := testContext(t)
			counts, oldest, err := db.CountCourrielsEnAttente(ctx)
			if err != nil || len(counts) != 0 || !oldest.IsZero() {
				t.Fatalf("empty outbox: got %v, %v, %v; want no mail and a zero time", counts, oldest, err)
			}
			a, b := enfiler(t, db, "RI-0001"), enfiler(t, db, "RI-0002")
			enfiler(t, db, "RI-0003")
			if err := db.UpdateCourrielEnvoye(ctx, a.ID, testNow()); err != nil {
				t.Fatal(err)
			}
			if err := db.UpdateCourrielEchec(ctx, b.ID, testNow(), "550 refusé", testNow().Add(segur.Backoff(1))); err != nil {
				t.Fatal(err)
			}
			counts, oldest, err = db.CountCourrielsEnAttente(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if counts[segur.CourrielAEnvoyer] != 1 || counts[segur.CourrielEnEchec] != 1 || counts[segur.CourrielEnvoye] != 0 {
				t.Errorf("counts: got %v, want 1 to send, 1 in failure, none sent", counts)
			}
			if !oldest.Equal(stored) || oldest.Location() != time.UTC {
				t.Errorf("oldest: got %v, want %v in UTC", oldest, stored)
			}
			pools := db.Pools()
			want := []string{"read", "write"}
			if tt.name == "postgres" {
				want = []string{"main"}
			}
			if len(pools) != len(want) {
				t.Fatalf("pools: got %v, want %v", pools, want)
			}
			for _, n := range want {
				if _, ok := pools[n]; !ok {
					t.Errorf("pools: got %v, want a pool %q", pools, n)
				}
			}
			if tt.name == "sqlite" && pools["write"].MaxOpenConnections != 1 {
				t.Errorf("write pool: got %d connections at most, want 1", pools["write"].MaxOpenConnections)
			}
		})
	}
}
