package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
)

func compter(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStaging: staged files are read before they are kept, reach the
// store only with Keep, and Discard leaves nothing.
func TestStaging(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewStager(d, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if s.Dir() != filepath.Join(root, "tmp") {
		t.Errorf("stager of a Dir: got %s, want its tmp folder", s.Dir())
	}

	// Refused: nothing left, not even in tmp.
	st, _ := s.Stage()
	ref, err := st.Put(ctx, strings.NewReader("refusé"), 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Put(ctx, strings.NewReader(strings.Repeat("x", 101)), 100); !segur.IsCode(err, segur.ETOOLARGE) {
		t.Errorf("over max: got %v, want ETOOLARGE", err)
	}
	b, err := st.Open(ctx, ref.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(b)
	b.Close()
	if string(got) != "refusé" || b.Taille() != ref.Taille {
		t.Errorf("staged file: got %q (%d bytes)", got, b.Taille())
	}
	st.Discard()
	if n := compter(t, root); n != 0 {
		t.Errorf("after Discard: %d files under the store, want 0", n)
	}
	if _, err := d.Open(ctx, ref.SHA256); !segur.IsCode(err, segur.ENOTFOUND) {
		t.Errorf("discarded file in the store: %v", err)
	}

	// Accepted: kept in the store, Discard after Keep removes nothing.
	st, _ = s.Stage()
	ref, err = st.Put(ctx, strings.NewReader("gardé"), 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Keep(ctx); err != nil {
		t.Fatal(err)
	}
	st.Discard()
	b, err = d.Open(ctx, ref.SHA256)
	if err != nil {
		t.Fatalf("kept file: %v", err)
	}
	b.Close()
	if n := compter(t, root); n != 1 {
		t.Errorf("after Keep: %d files under the store, want 1", n)
	}
}

// TestStagingAutreStore: with a store other than a Dir, Keep puts the staged
// files into it and removes them from the staging folder.
func TestStagingAutreStore(t *testing.T) {
	ctx := context.Background()
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	autre := struct{ segur.Blobs }{d} // not a *Dir: the generic path
	data := t.TempDir()
	s, err := NewStager(autre, data)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.Stage()
	ref, err := st.Put(ctx, strings.NewReader("contenu"), 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Keep(ctx); err != nil {
		t.Fatal(err)
	}
	st.Discard()
	if n := compter(t, s.Dir()); n != 0 {
		t.Errorf("staging folder after Keep: %d files, want 0", n)
	}
	b, err := d.Open(ctx, ref.SHA256)
	if err != nil {
		t.Fatalf("kept file: %v", err)
	}
	b.Close()
}

// TestCleanTmp: only the temporary files older than the age go.
func TestCleanTmp(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	for i, age := range []time.Duration{2 * time.Hour, 30 * time.Minute} {
		for _, prefix := range []string{StagingPrefix, "put-", "autre-"} {
			p := filepath.Join(dir, fmt.Sprintf("%s%d", prefix, i))
			if err := os.WriteFile(p, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(p, now.Add(-age), now.Add(-age))
		}
	}
	n, err := CleanTmp(dir, now, time.Hour)
	if err != nil || n != 2 {
		t.Errorf("got %d %v, want 2 removed", n, err)
	}
	if got := compter(t, dir); got != 4 {
		t.Errorf("left %d files, want 4", got)
	}
}

// TestDisquePlein: a full disk is ENOSPACE, in French, keeping the
// system's error.
func TestDisquePlein(t *testing.T) {
	err := ioErr(fmt.Errorf("write: %w", syscall.ENOSPC))
	if !segur.IsCode(err, segur.ENOSPACE) || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("got %v, want ENOSPACE wrapping ENOSPC", err)
	}
}
