package cli

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// modes checks the mode of each file of dir that exists; want lists those
// that must exist.
func modes(t *testing.T, dir string, want ...string) {
	t.Helper()
	for _, nom := range []string{"segur.db", "segur.db-wal", "segur.db-shm"} {
		st, err := os.Stat(filepath.Join(dir, nom))
		switch {
		case errors.Is(err, fs.ErrNotExist) && !strings.Contains(strings.Join(want, " "), nom):
		case err != nil:
			t.Errorf("%s: %v", nom, err)
		case st.Mode().Perm() != 0o600:
			t.Errorf("%s: got mode %#o, want 0600", nom, st.Mode().Perm())
		}
	}
}

// TestDonneesPrivees: in a data folder everyone may read, segur serve
// creates the database and its -wal and -shm files 0600; a data folder
// segur admin creates is 0700.
func TestDonneesPrivees(t *testing.T) {
	data := t.TempDir()
	if err := os.Chmod(data, 0o777); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, w := io.Pipe()
	fin := make(chan int, 1)
	go func() {
		fin <- Main(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--dsfr", t.TempDir()}, nil, io.Discard, w)
		w.Close()
	}()
	// The server announces itself once the database is open and migrated.
	sc := bufio.NewScanner(r)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "Portail segur sur ") {
	}
	go io.Copy(io.Discard, r)
	modes(t, data, "segur.db", "segur.db-wal", "segur.db-shm")
	cancel()
	if code := <-fin; code != exitOK {
		t.Errorf("serve: got exit %d, want 0", code)
	}

	neuf := filepath.Join(t.TempDir(), "donnees")
	if code, _, errs := runIn(t, "", "admin", "vendor", "list", "--data", neuf); code != 0 {
		t.Fatalf("admin: got exit %d; %s", code, errs)
	}
	if st, err := os.Stat(neuf); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("data folder: got %v %v, want mode 0700", st.Mode(), err)
	}
	modes(t, neuf, "segur.db")
}
