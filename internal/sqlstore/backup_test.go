package sqlstore

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/segur-numerique/segur"
)

// TestBackupSQLite copies a database that a writer keeps writing to:
// the copy passes integrity_check, is private, and holds every vendor
// created before the backup started.
func TestBackupSQLite(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "segur.db")
	db := openMigrated(t, src)
	ctx := segur.WithActeur(t.Context(), segur.Acteur{Login: "test"})
	for i := range 5 {
		fo := &segur.Fournisseur{SIRET: siretValide(i), Nom: "Avant", Email: "avant@editeur.fr"}
		if err := db.CreateFournisseur(ctx, fo); err != nil {
			t.Fatal(err)
		}
	}
	// A writer runs during the backup: the copy is a snapshot, whole.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var werr error
	wg.Go(func() {
		for i := 100; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			fo := &segur.Fournisseur{SIRET: siretValide(i), Nom: "Pendant", Email: "pendant@editeur.fr"}
			if err := db.CreateFournisseur(ctx, fo); err != nil {
				werr = err
				return
			}
		}
	})
	destDir := t.TempDir()
	dest := filepath.Join(destDir, "segur.db")
	n, err := BackupSQLite(t.Context(), src, dest)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("BackupSQLite: %v", err)
	}
	if werr != nil {
		t.Fatalf("writer: %v", werr)
	}
	st, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != n || n == 0 {
		t.Errorf("size: got %d, file has %d", n, st.Size())
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode: got %v, want 0600", st.Mode().Perm())
	}
	if err := CheckSQLite(t.Context(), dest); err != nil {
		t.Errorf("CheckSQLite: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(destDir, "*.tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	cp := openUnmigrated(t, dest)
	fs, err := cp.FindFournisseurs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	avant := 0
	for _, f := range fs {
		if f.Nom == "Avant" {
			avant++
		}
	}
	if avant != 5 {
		t.Errorf("vendors created before the backup in the copy: got %d, want 5", avant)
	}
	// A second backup replaces the first.
	if _, err := BackupSQLite(t.Context(), src, dest); err != nil {
		t.Fatalf("second BackupSQLite: %v", err)
	}
}

func TestCheckSQLite(t *testing.T) {
	dir := t.TempDir()
	t.Run("missing", func(t *testing.T) {
		if err := CheckSQLite(t.Context(), filepath.Join(dir, "absent.db")); err == nil {
			t.Error("got no error, want one")
		}
	})
	t.Run("not a database", func(t *testing.T) {
		p := filepath.Join(dir, "texte.db")
		os.WriteFile(p, []byte(strings.Repeat("pas une base SQLite\n", 400)), 0o600)
		if err := CheckSQLite(t.Context(), p); err == nil {
			t.Error("got no error, want one")
		}
	})
}
