package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// TestDisquePlein: on a real full disk (a small tmpfs, mounted as root),
// a write is refused with ENOSPACE and a French message, nothing of it is
// written, and once space is freed the same write succeeds.
func TestDisquePlein(t *testing.T) {
	if os.Geteuid() != 0 {
		segurtest.Indisponible(t, "not root: no tmpfs can be mounted to fill a disk")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=2m"); err != nil {
		segurtest.Indisponible(t, "mount tmpfs: "+err.Error())
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	ctx := context.Background()
	db, err := Open(ctx, "sqlite://"+filepath.Join(dir, "segur.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// Fill the disk.
	remplissage := filepath.Join(dir, "remplissage")
	f, err := os.Create(remplissage)
	if err != nil {
		t.Fatal(err)
	}
	bloc := make([]byte, 4096)
	for {
		if _, err := f.Write(bloc); err != nil {
			break
		}
	}
	f.Close()
	ctx = segur.WithActeur(ctx, segur.Acteur{Login: "test"})
	var echec error
	for i := range 200 { // until the WAL has no room left
		fo := &segur.Fournisseur{SIRET: siretValide(i), Nom: strings.Repeat("Éditeur ", 20), Email: "contact@editeur.fr"}
		if echec = db.CreateFournisseur(ctx, fo); echec != nil {
			break
		}
	}
	if !segur.IsCode(echec, segur.ENOSPACE) || !strings.Contains(echec.Error(), "full") {
		t.Fatalf("got %v, want ENOSPACE", echec)
	}
	var se *segur.Error
	if !errors.As(echec, &se) || !strings.Contains(se.Message, "le disque de la base de données est plein") {
		t.Errorf("message: %v", se)
	}
	avant, err := db.FindFournisseurs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(remplissage)
	fo := &segur.Fournisseur{SIRET: siretValide(999), Nom: "Après", Email: "apres@editeur.fr"}
	if err := db.CreateFournisseur(ctx, fo); err != nil {
		t.Fatalf("after freeing space: %v", err)
	}
	apres, err := db.FindFournisseurs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(apres) != len(avant)+1 {
		t.Errorf("got %d vendors after, %d before: want one more", len(apres), len(avant))
	}
}

// siretValide is a distinct 14-digit SIRET for each n (the store checks
// no key).
func siretValide(n int) string { return fmt.Sprintf("%014d", 10000000000000+n) }
