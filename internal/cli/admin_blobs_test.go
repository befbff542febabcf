package cli

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur/internal/blob"
)

// TestAdminBlobsGC: exactly the stored files no row references and older
// than a day are listed, then removed with --apply.
func TestAdminBlobsGC(t *testing.T) {
	t.Setenv("SEGUR_BLOBS", "")
	ctx := context.Background()
	data := t.TempDir()
	// The demo's deposit: its JSON, zip and returned file are referenced.
	db, blobs := baseDemo(t, data, "", "")
	db.Close()
	store := blobs.(*blob.Dir)
	var referenced []string
	store.Walk(ctx, func(s blob.Stocke) error { referenced = append(referenced, s.SHA256); return nil })
	if len(referenced) != 3 {
		t.Fatalf("got %d files after the demo's deposit, want 3", len(referenced))
	}
	put := func(s string) string {
		ref, err := store.Put(ctx, strings.NewReader(s), 100)
		if err != nil {
			t.Fatal(err)
		}
		return ref.SHA256
	}
	vieux1, vieux2, jeune := put("orphelin 1"), put("orphelin 2"), put("orphelin récent")
	ilya := time.Now().Add(-48 * time.Hour)
	for _, sum := range append([]string{vieux1, vieux2}, referenced...) {
		p := filepath.Join(data, "blobs", sum[:2], sum[2:4], sum)
		if err := os.Chtimes(p, ilya, ilya); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{vieux1, vieux2}
	sort.Strings(want)
	lister := func(args ...string) []string {
		t.Helper()
		code, out, errs := runIn(t, "", append([]string{"admin", "blobs", "gc", "--data", data}, args...)...)
		if code != 0 {
			t.Fatalf("admin blobs gc %v: exit %d\n%s", args, code, errs)
		}
		var sums []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if l != "" {
				sums = append(sums, strings.Fields(l)[0])
			}
		}
		return sums
	}
	stockes := func() int {
		n := 0
		store.Walk(ctx, func(blob.Stocke) error { n++; return nil })
		return n
	}
	for range 2 { // a dry run removes nothing: the same list twice
		if got := lister(); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("dry run: got %v, want %v", got, want)
		}
	}
	if n := stockes(); n != 6 {
		t.Errorf("after the dry runs: got %d files, want 6", n)
	}
	if got := lister("--apply"); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("--apply: got %v, want %v", got, want)
	}
	if n := stockes(); n != 4 {
		t.Errorf("after --apply: got %d files, want 4 (3 referenced, 1 young)", n)
	}
	for _, sum := range append([]string{jeune}, referenced...) {
		b, err := store.Open(ctx, sum)
		if err != nil {
			t.Errorf("file %s removed: %v", sum, err)
			continue
		}
		b.Close()
	}
	if got := lister(); len(got) != 0 {
		t.Errorf("after --apply, dry run: got %v, want nothing", got)
	}
}
