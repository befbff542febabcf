package segurtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/segur-numerique/segur/internal/sqlstore"
)

// fichiersStockes counts the stored files under dir/blobs, tmp left out.
func fichiersStockes(t *testing.T, dir string) int {
	t.Helper()
	root := filepath.Join(dir, "blobs")
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p == filepath.Join(root, "tmp") {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return n
}

// copiesDe reads the counts of segur admin backup's summary.
func copiesDe(t *testing.T, summary string) (copies, presents int) {
	t.Helper()
	m := regexp.MustCompile(`(\d+) fichiers? copiés?, (\d+) déjà présents?`).FindStringSubmatch(summary)
	if m == nil {
		t.Fatalf("backup summary %q: no counts", summary)
	}
	copies, _ = strconv.Atoi(m[1])
	presents, _ = strconv.Atoi(m[2])
	return copies, presents
}

// TestSauvegarde backs up the data folder of a running segur serve while 8
// clients deposit; the backup restored into a new folder serves every
// deposit acknowledged before the backup started, with its ASP number,
// and every file a restored row references is there. A second backup
// copies only the files stored since the first.
func TestSauvegarde(t *testing.T) {
	t.Setenv("SEGUR_DB", "")
	t.Setenv("SEGUR_BLOBS", "")
	bin := binary(t)
	data := t.TempDir()
	srv, token := portailOuvert(t, bin, data, []string{"--data", data})

	var mu sync.Mutex
	answered := map[int64]string{} // deposit id → ASP number, for deposits answered 201
	deposant := func(prefix string, ordinal0 int, fichiers []unFichier) func(ctx context.Context, i int) (bool, error) {
		return func(ctx context.Context, i int) (bool, error) {
			code, body := deposerDuJour(ctx, srv.base, token, nomDuJour(ordinal0+i), fichiers[i].json, fichiers[i].zip)
			var d depotVu
			json.Unmarshal(body, &d)
			if code != 201 || d.Statut != "traite" || len(d.Demandes) != 1 || d.Demandes[0].NumeroASP == nil {
				return false, fmt.Errorf("deposit %s%04d: got %d %s, want accepted with an ASP number", prefix, i, code, body)
			}
			mu.Lock()
			answered[d.ID] = *d.Demandes[0].NumeroASP
			mu.Unlock()
			return true, nil
		}
	}

	// Deposits before anything else, then more while the backup runs.
	const avant, pendant = 16, 150
	ok := make(chan struct{}, avant+pendant)
	errs := clients(t.Context(), avant, ok, deposant("A", 1, fichiersNumeros(t, "A", avant)))
	attendreDepots(t, avant, ok, errs)
	finClients(t, errs)
	errs = clients(t.Context(), pendant, ok, deposant("B", 101, fichiersNumeros(t, "B", pendant)))
	attendreDepots(t, 10, ok, errs)

	mu.Lock()
	acquis := maps.Clone(answered) // acknowledged before the backup started
	mu.Unlock()
	dest := filepath.Join(t.TempDir(), "sauvegarde")
	code, _, summary := runCode(t, bin, "admin", "backup", "--data", data, "--to", dest)
	mu.Lock()
	pendantSauvegarde := len(answered) - len(acquis)
	mu.Unlock()
	if code != 0 {
		t.Fatalf("segur admin backup: exit %d\n%s", code, summary)
	}
	t.Logf("%d deposits acknowledged before the backup, %d during it; %s", len(acquis), pendantSauvegarde, summary)
	copies1, presents1 := copiesDe(t, summary)
	if copies1 == 0 || presents1 != 0 {
		t.Errorf("first backup: %d copied, %d present; want some copied, none present", copies1, presents1)
	}
	finClients(t, errs)

	// The first backup, restored into a new folder, as a new portal.
	restaure := filepath.Join(t.TempDir(), "restaure")
	if code, _, errs := runCode(t, bin, "admin", "restore", "--from", dest, "--data", restaure); code != 0 {
		t.Fatalf("segur admin restore: exit %d\n%s", code, errs)
	}
	if code, _, errs := runCode(t, bin, "admin", "restore", "--from", dest, "--data", restaure); code != 1 {
		t.Errorf("restore into a folder not empty: exit %d, want 1\n%s", code, errs)
	}
	deux := serve(t, bin, restaure)
	for id, asp := range acquis {
		var d depotVu
		if code := getJSON(t, deux.base, token, fmt.Sprintf("/api/v1/depots/%d", id), &d); code != 200 {
			t.Errorf("deposit %d (%s) acknowledged before the backup: restored portal gives %d", id, asp, code)
			continue
		}
		if d.Statut != "traite" || len(d.Demandes) != 1 || d.Demandes[0].NumeroASP == nil || *d.Demandes[0].NumeroASP != asp {
			t.Errorf("deposit %d restored: got %+v, want traite with %s", id, d, asp)
			continue
		}
		if d.Fichier == nil {
			t.Errorf("deposit %d restored without its returned file", id)
		} else if code := getJSON(t, deux.base, token, *d.Fichier, nil); code != 200 {
			t.Errorf("deposit %d restored: returned file gives %d", id, code)
		}
	}
	db, err := sqlstore.Open(delai(t), filepath.Join(restaure, "segur.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	refs, err := db.FindBlobsReferences(delai(t))
	if err != nil {
		t.Fatal(err)
	}
	for sum := range refs {
		if _, err := os.Stat(filepath.Join(restaure, "blobs", sum[:2], sum[2:4], sum)); err != nil {
			t.Errorf("file %s referenced by a restored row: %v", sum, err)
		}
	}
	if len(refs) == 0 {
		t.Error("the restored database references no file")
	}

	// One more deposit, then a second backup copies exactly the files the
	// first lacks: at least that deposit's JSON, zip and returned file.
	ex, zip := fichierNumero(t, "C0001", 999)
	if code, body := deposer(t, srv.base, token, nomDuJour(999), ex, zip); code != 201 {
		t.Fatalf("deposit after the backup: got %d %s", code, body)
	}
	nouveaux := fichiersStockes(t, data) - fichiersStockes(t, dest)
	if nouveaux < 3 {
		t.Errorf("%d files stored since the first backup, want at least 3", nouveaux)
	}
	code, _, summary = runCode(t, bin, "admin", "backup", "--data", data, "--to", dest)
	if code != 0 {
		t.Fatalf("second segur admin backup: exit %d\n%s", code, summary)
	}
	copies2, presents2 := copiesDe(t, summary)
	if copies2 != nouveaux || presents2 != copies1 {
		t.Errorf("second backup: %d copied, %d present; want %d copied (new since the first) and %d present", copies2, presents2, nouveaux, copies1)
	}
	t.Logf("second backup: %s", summary)
}
