package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// fichiersPrives checks that the database at path and its -wal and -shm
// files exist and are 0600.
func fichiersPrives(t *testing.T, path string) {
	t.Helper()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
			continue
		}
		if got := st.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: got mode %#o, want 0600", filepath.Base(p), got)
		}
	}
}

// TestFichiersPrives: in a folder everyone may read, the database and its
// -wal and -shm files are the portal's user's only; files an older version
// left readable by others are narrowed when opened again.
func TestFichiersPrives(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "segur.db")
	db, err := Open(ctx, "sqlite://"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	fichiersPrives(t, path)
	// The read pool's connections share the same files.
	if _, err := db.FindFournisseurs(ctx); err != nil {
		t.Fatal(err)
	}
	fichiersPrives(t, path)
	db.Close()

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	fichiersPrives(t, path)
}
