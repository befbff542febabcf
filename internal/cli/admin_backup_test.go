package cli

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// donneesDemo makes a data folder with the demo's deposit (3 stored
// files) and returns it with its blob store.
func donneesDemo(t *testing.T) (string, *blob.Dir) {
	t.Helper()
	t.Setenv("SEGUR_BLOBS", "")
	t.Setenv("SEGUR_DB", "")
	data := t.TempDir()
	db, store := baseDemo(t, data, "", "")
	db.Close()
	return data, store.(*blob.Dir)
}

// admin runs segur admin args in process: its exit code and stderr.
func admin(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errs bytes.Buffer
	code := runAdmin(context.Background(), &env{stdout: &out, stderr: &errs}, args)
	return code, errs.String()
}

// TestAdminBackupRestore: a backup copies the database and the stored
// files, a second one only the new files; a restore gives the same files
// and a database that opens, with the demo's deposit.
func TestAdminBackupRestore(t *testing.T) {
	data, store := donneesDemo(t)
	// A file being written is not a stored file.
	os.WriteFile(filepath.Join(data, "blobs", "tmp", "put-123"), []byte("en cours"), 0o600)
	dest := filepath.Join(t.TempDir(), "sauvegarde")

	code, errs := admin(t, "backup", "--data", data, "--to", dest)
	if code != exitOK || !strings.Contains(errs, "3 fichiers copiés, 0 déjà présent") {
		t.Fatalf("first backup: got %d %q, want 0 and 3 files copied", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dest, "blobs", "tmp", "put-123")); err == nil {
		t.Error("blobs/tmp was copied")
	}
	// What an interrupted backup left is removed by the next one.
	restes := []string{filepath.Join(dest, "segur.db.tmp-42"), filepath.Join(dest, "blobs", "tmp", "copie-42")}
	for _, p := range restes {
		os.WriteFile(p, []byte("reste"), 0o600)
	}
	ref, err := store.Put(context.Background(), strings.NewReader("nouveau fichier"), 100)
	if err != nil {
		t.Fatal(err)
	}
	code, errs = admin(t, "backup", "--data", data, "--to", dest)
	if code != exitOK || !strings.Contains(errs, "1 fichier copié, 3 déjà présents") {
		t.Fatalf("second backup: got %d %q, want 0, 1 copied and 3 present", code, errs)
	}
	for _, p := range restes {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s left by an interrupted backup is still there", p)
		}
	}
	filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, _ := d.Info()
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", p, got, want)
		}
		return nil
	})

	restored := filepath.Join(t.TempDir(), "restaure")
	code, errs = admin(t, "restore", "--from", dest, "--data", restored)
	if code != exitOK || !strings.Contains(errs, "4 fichiers copiés et vérifiés") || !strings.Contains(errs, "integrity_check") {
		t.Fatalf("restore: got %d %q, want 0 and 4 files", code, errs)
	}
	for _, sum := range []string{ref.SHA256} {
		b, err := os.ReadFile(filepath.Join(restored, "blobs", sum[:2], sum[2:4], sum))
		if err != nil || string(b) != "nouveau fichier" {
			t.Errorf("restored file %s: %q %v", sum, b, err)
		}
	}
	db, err := sqlstore.Open(context.Background(), filepath.Join(restored, "segur.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	refs, err := db.FindBlobsReferences(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 3 {
		t.Errorf("restored database references %d files, want 3", len(refs))
	}
	for sum := range refs {
		if _, err := os.Stat(filepath.Join(restored, "blobs", sum[:2], sum[2:4], sum)); err != nil {
			t.Errorf("file %s referenced by the restored database: %v", sum, err)
		}
	}
}

// TestAdminRestoreRefuse: restore never writes over data, and refuses a
// backup whose files were altered.
func TestAdminRestoreRefuse(t *testing.T) {
	data, _ := donneesDemo(t)
	dest := filepath.Join(t.TempDir(), "sauvegarde")
	if code, errs := admin(t, "backup", "--data", data, "--to", dest); code != exitOK {
		t.Fatalf("backup: %d %s", code, errs)
	}
	t.Run("not empty", func(t *testing.T) {
		code, errs := admin(t, "restore", "--from", dest, "--data", data)
		if code != 1 || !strings.Contains(errs, "n'est pas vide") {
			t.Errorf("got %d %q, want 1 and « n'est pas vide »", code, errs)
		}
	})
	t.Run("altered file", func(t *testing.T) {
		var un string
		filepath.WalkDir(filepath.Join(dest, "blobs"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && un == "" {
				un = p
			}
			return nil
		})
		os.Chmod(un, 0o600)
		os.WriteFile(un, []byte("altéré"), 0o600)
		restored := filepath.Join(t.TempDir(), "r")
		code, errs := admin(t, "restore", "--from", dest, "--data", restored)
		if code != exitInterne || !strings.Contains(errs, "est altéré") {
			t.Errorf("got %d %q, want %d and « est altéré »", code, errs, exitInterne)
		}
	})
	t.Run("altered database", func(t *testing.T) {
		f, err := os.OpenFile(filepath.Join(dest, "segur.db"), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("x"))
		f.Close()
		code, errs := admin(t, "restore", "--from", dest, "--data", filepath.Join(t.TempDir(), "r"))
		if code != exitInterne || !strings.Contains(errs, "est altéré") {
			t.Errorf("got %d %q, want %d and « est altéré »", code, errs, exitInterne)
		}
	})
}

// TestAdminBackupRefuse: PostgreSQL is saved with its own tools (SQLite
// with S3: testAdminVerifyS3).
func TestAdminBackupRefuse(t *testing.T) {
	t.Setenv("SEGUR_BLOBS", "")
	t.Setenv("SEGUR_DB", "")
	dest := t.TempDir()
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"--db", nil, []string{"--db", "postgres://u:p@h/b"}, []string{"pg_dump", "archivage continu"}},
		{"SEGUR_DB", map[string]string{"SEGUR_DB": "postgres://u:p@h/b"}, nil, []string{"pg_dump"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, errs := admin(t, append([]string{"backup", "--to", dest}, tt.args...)...)
			if code != 1 {
				t.Errorf("got exit %d, want 1", code)
			}
			for _, w := range tt.want {
				if !strings.Contains(errs, w) {
					t.Errorf("got %q, want it to say %q", errs, w)
				}
			}
			if strings.Contains(errs, ":p@") {
				t.Errorf("got %q: a password is shown", errs)
			}
		})
	}
	t.Run("no database", func(t *testing.T) {
		code, errs := admin(t, "backup", "--data", t.TempDir(), "--to", filepath.Join(dest, "x"))
		if code != exitBase || !strings.Contains(errs, "pas de base") {
			t.Errorf("got %d %q, want %d « pas de base »", code, errs, exitBase)
		}
	})
}
