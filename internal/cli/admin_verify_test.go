package cli

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// TestAdminVerify: on SQLite and PostgreSQL, the demo's base passes (exit
// 0); a deleted stored file, a stored file whose bytes changed and a
// dropped trigger of an append-only table are each reported, with where,
// and exit 1; with the stored files in S3, a removed object too.
func TestAdminVerify(t *testing.T) {
	t.Setenv("SEGUR_BLOBS", "")
	t.Setenv("SEGUR_DB", "")
	t.Setenv("SEGUR_DATA", "")
	t.Run("sqlite", func(t *testing.T) {
		data := t.TempDir()
		testAdminVerify(t, data, "", func() *sql.DB {
			db, err := sql.Open("sqlite", filepath.Join(data, "segur.db"))
			if err != nil {
				t.Fatal(err)
			}
			return db
		}, "DROP TRIGGER demande_historique_sans_suppression")
	})
	t.Run("postgres", func(t *testing.T) {
		u := segurtest.FreshSchema(t, segurtest.PostgresDSN(t))
		if code, _, errs := runIn(t, "", "migrate", "--db", u); code != 0 {
			t.Fatalf("migrate: exit %d\n%s", code, errs)
		}
		testAdminVerify(t, t.TempDir(), u, func() *sql.DB {
			db, err := sql.Open("pgx", u)
			if err != nil {
				t.Fatal(err)
			}
			return db
		}, "DROP TRIGGER demande_historique_sans_modification ON demande_historique")
	})
	t.Run("s3", func(t *testing.T) {
		testAdminVerifyS3(t, segurtest.S3URL(t))
	})
}

// testAdminVerifyS3: with the stored files in S3 (--blobs), a healthy
// base passes and a removed object is reported.
func testAdminVerifyS3(t *testing.T, s3 string) {
	ctx := context.Background()
	data := t.TempDir()
	db, store := baseDemo(t, data, "", s3)
	defer db.Close()
	args := []string{"admin", "verify", "--data", data, "--blobs", s3}
	if code, out, errs := runIn(t, "", args...); code != 0 || out != "" {
		t.Fatalf("admin verify: got exit %d %q, want 0 and nothing\n%s", code, out, errs)
	}
	// SQLite with S3: the backup holds the base alone, the files stay in
	// the bucket; restored, the base verifies against the bucket.
	dest, restauree := filepath.Join(t.TempDir(), "sauvegarde"), filepath.Join(t.TempDir(), "restauree")
	if code, _, errs := runIn(t, "", "admin", "backup", "--data", data, "--blobs", s3, "--to", dest); code != 0 ||
		!strings.Contains(errs, "Sauvegarde faite") || !strings.Contains(errs, "n'ont pas été copiés : protégez-les par le versionnage") {
		t.Errorf("admin backup with S3: got exit %d %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dest, "blobs")); err == nil {
		t.Errorf("admin backup with S3 wrote a blobs folder")
	}
	if code, _, errs := runIn(t, "", "admin", "restore", "--from", dest, "--data", restauree); code != 0 {
		t.Errorf("admin restore of a backup with S3: got exit %d %q", code, errs)
	}
	if code, out, errs := runIn(t, "", "admin", "verify", "--data", restauree, "--blobs", s3); code != 0 || out != "" {
		t.Errorf("admin verify of the restored base with S3: got exit %d %q\n%s", code, out, errs)
	}

	refs, err := db.FindBlobsReferenceRows(ctx)
	if err != nil || len(refs) == 0 {
		t.Fatalf("got %v %v, want the deposit's files", refs, err)
	}
	if err := store.(blob.Inventaire).Remove(ctx, refs[0].SHA256); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runIn(t, "", args...)
	want := "fichier stocké " + refs[0].SHA256 + " absent : table " + refs[0].Table + ", ligne " + strconv.FormatInt(refs[0].ID, 10) + ", colonne " + refs[0].Colonne + "\n"
	if code != 1 || out != want {
		t.Errorf("admin verify after an object removed: got exit %d %q, want 1 %q\n%s", code, out, want, errs)
	}
}

func testAdminVerify(t *testing.T, data, dbURL string, raw func() *sql.DB, drop string) {
	ctx := context.Background()
	db, _ := baseDemo(t, data, dbURL, "")
	db.Close()

	args := []string{"admin", "verify", "--data", data}
	if dbURL != "" {
		args = append(args, "--db", dbURL)
	}
	verify := func(wantCode int, want ...string) {
		t.Helper()
		code, out, errs := runIn(t, "", args...)
		if code != wantCode {
			t.Fatalf("admin verify: got exit %d, want %d\n%s%s", code, wantCode, out, errs)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if out == "" {
			lines = nil
		}
		if len(lines) != len(want) {
			t.Fatalf("admin verify: got %d lines %q, want %d containing %q", len(lines), lines, len(want), want)
		}
		for i, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("admin verify: line %d: got %q, want it to contain %q", i, lines[i], w)
			}
		}
		bilan := regexp.MustCompile(`Aucun problème trouvé\.`)
		if wantCode != 0 {
			bilan = regexp.MustCompile(`(^|\n)(1 problème trouvé|[2-9][0-9]* problèmes trouvés)\.`)
		}
		if !bilan.MatchString(errs) || !strings.Contains(errs, "Contrôle d'intégrité : ") {
			t.Errorf("admin verify: got summary %q, want the integrity check done and %q", errs, bilan)
		}
	}
	verify(0)
	if dbURL == "" {
		// A mistyped folder is not a new, healthy base.
		code, _, errs := runIn(t, "", "admin", "verify", "--data", filepath.Join(data, "absent"))
		if code != exitBase || !strings.Contains(errs, "introuvable") {
			t.Errorf("admin verify of a folder without a base: got exit %d %q, want %d, base introuvable", code, errs, exitBase)
		}
		if _, err := os.Stat(filepath.Join(data, "absent")); err == nil {
			t.Error("admin verify of a folder without a base created it, want nothing created")
		}
	}

	// The deposit's JSON file, its zip and its returned file.
	c := raw()
	defer c.Close()
	var jsonSum, zipSum string
	var id int64
	if err := c.QueryRowContext(ctx, `SELECT id, json_sha256, zip_sha256 FROM depots`).Scan(&id, &jsonSum, &zipSum); err != nil {
		t.Fatal(err)
	}
	chemin := func(sum string) string { return filepath.Join(data, "blobs", sum[:2], sum[2:4], sum) }
	if err := os.Remove(chemin(jsonSum)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(chemin(zipSum), []byte("pas le zip déposé"), 0o600); err != nil {
		t.Fatal(err)
	}
	jsonLigne := "fichier stocké " + jsonSum + " absent : table depots, ligne " + strconv.FormatInt(id, 10) + ", colonne json_sha256"
	zipLigne := "fichier stocké " + zipSum + " altéré"
	// Lines in the order of the digests.
	want := []string{jsonLigne, zipLigne}
	if zipSum < jsonSum {
		want = []string{zipLigne, jsonLigne}
	}
	verify(1, want...)

	// A dropped trigger: a request's history can then lose rows, and
	// verify says which trigger, on which table.
	if _, err := c.ExecContext(ctx, drop); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecContext(ctx, `DELETE FROM demande_historique`); err != nil {
		t.Fatalf("DELETE FROM demande_historique without its trigger: %v", err)
	}
	nom := strings.Fields(drop)[2]
	verify(1, append([]string{"déclencheur " + nom + " absent : la table demande_historique n'est plus protégée"}, want...)...)
}

// demoSQLite returns a data folder holding the demo's base with a deposit
// and its stored files, closed and checkpointed: segur.db holds it all and
// no -wal file is left, so its bytes can be changed as a damaged disk would.
func demoSQLite(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	db, _ := baseDemo(t, data, "", "")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, "segur.db-wal")); err == nil {
		t.Fatal("segur.db-wal left after closing the base, want it checkpointed and removed")
	}
	return data
}

// rawSQLite opens the base of data without the portal's settings (foreign
// keys not enforced), on one connection so that a PRAGMA holds for every
// statement, and closes it at the test's end.
func rawSQLite(t *testing.T, data string) *sql.DB {
	t.Helper()
	c, err := sql.Open("sqlite", filepath.Join(data, "segur.db"))
	if err != nil {
		t.Fatal(err)
	}
	c.SetMaxOpenConns(1)
	t.Cleanup(func() { c.Close() })
	return c
}

// pageSQLite returns the offset in segur.db of the root page of the table
// or index nom, and the page size, then closes the raw connection after a
// checkpoint so that the file alone holds the base.
func pageSQLite(t *testing.T, data, nom string) (int64, int64) {
	t.Helper()
	c := rawSQLite(t, data)
	var root, size int64
	if err := c.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = $1`, nom).Scan(&root); err != nil {
		t.Fatalf("root page of %s: %v", nom, err)
	}
	if err := c.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	return (root - 1) * size, size
}

// TestAdminVerifySQLiteEndommagee: a base whose file was damaged (an
// index's entry changed, a table's page overwritten), or whose foreign
// keys were broken with their check off, is reported in French, with the
// table or index, and exit 1; a file that is not a SQLite base at all is
// refused at opening, in French (exit 7).
func TestAdminVerifySQLiteEndommagee(t *testing.T) {
	t.Setenv("SEGUR_BLOBS", "")
	t.Setenv("SEGUR_DB", "")
	t.Setenv("SEGUR_DATA", "")
	verify := func(t *testing.T, data string, wantCode int) []string {
		t.Helper()
		code, out, errs := runIn(t, "", "admin", "verify", "--data", data)
		t.Logf("exit %d\nstdout:\n%sstderr:\n%s", code, out, errs)
		if code != wantCode {
			t.Fatalf("admin verify: got exit %d, want %d\n%s%s", code, wantCode, out, errs)
		}
		if strings.Contains(errs, "erreur interne") {
			t.Errorf("admin verify: got %q, want no internal error", errs)
		}
		if out == "" {
			return nil
		}
		return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	}

	t.Run("clé étrangère", func(t *testing.T) {
		data := demoSQLite(t)
		c := rawSQLite(t, data)
		if _, err := c.Exec(`PRAGMA foreign_keys = OFF`); err != nil {
			t.Fatal(err)
		}
		res, err := c.Exec(`INSERT INTO produits (numero_ans, fournisseur_id, logiciel, nom, cree_le)
			VALUES ('9999999999', 987654, 'RI', 'Produit orphelin', '2026-01-01 00:00:00+00:00')`)
		if err != nil {
			t.Fatal(err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		want := fmt.Sprintf("table produits, ligne %d : référence à une ligne absente de la table fournisseurs", id)
		if got := verify(t, data, 1); len(got) != 1 || got[0] != want {
			t.Errorf("admin verify: got %q, want [%q]", got, want)
		}
	})

	t.Run("index altéré", func(t *testing.T) {
		// The deposit's JSON digest is in its row and in the index
		// depots_fichiers: change one of its characters in the index's
		// page only, and the row is missing from the index.
		data := demoSQLite(t)
		var sum string
		if err := rawSQLite(t, data).QueryRow(`SELECT json_sha256 FROM depots`).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		off, size := pageSQLite(t, data, "depots_fichiers")
		modifier(t, filepath.Join(data, "segur.db"), off, size, func(page []byte) {
			i := bytes.Index(page, []byte(sum))
			if i < 0 {
				t.Fatalf("digest %s not in the root page of depots_fichiers", sum)
			}
			page[i] ^= 1 // '0'..'9', 'a'..'f' stay printable and differ
		})
		got := verify(t, data, 1)
		if len(got) == 0 {
			t.Fatal("admin verify: got no line, want the damaged index")
		}
		for _, l := range got {
			if !strings.HasPrefix(l, "base SQLite endommagée (integrity_check) : ") || !strings.Contains(l, "depots_fichiers") {
				t.Errorf("admin verify: got %q, want a line « base SQLite endommagée (integrity_check) : … » naming depots_fichiers", l)
			}
		}
	})

	t.Run("page de table écrasée", func(t *testing.T) {
		// The root page of depots, which verify reads for the deposit
		// references and the stored files, overwritten with zeros.
		data := demoSQLite(t)
		off, size := pageSQLite(t, data, "depots")
		modifier(t, filepath.Join(data, "segur.db"), off, size, func(page []byte) { clear(page) })
		got := verify(t, data, 1)
		if len(got) == 0 {
			t.Fatal("admin verify: got no line, want the damaged table")
		}
		for _, l := range got {
			if !strings.HasPrefix(l, "base SQLite endommagée") {
				t.Errorf("admin verify: got %q, want a line « base SQLite endommagée … »", l)
			}
		}
		if want := "(arbre " + strconv.FormatInt(off/size+1, 10) + " : table depots)"; !strings.HasSuffix(got[0], want) {
			t.Errorf("admin verify: got first line %q, want it to end with %q", got[0], want)
		}
	})

	t.Run("illisible à l'ouverture", func(t *testing.T) {
		// The list of applied migrations, which opening reads first,
		// overwritten with zeros: nothing else can be checked.
		data := demoSQLite(t)
		for _, nom := range []string{"schema_migrations", "sqlite_autoindex_schema_migrations_1"} {
			off, size := pageSQLite(t, data, nom)
			modifier(t, filepath.Join(data, "segur.db"), off, size, func(page []byte) { clear(page) })
		}
		want := "base SQLite « " + filepath.Join(data, "segur.db") + " » endommagée : ouverture impossible, le moteur signale « "
		if got := verify(t, data, 1); len(got) != 1 || !strings.HasPrefix(got[0], want) {
			t.Errorf("admin verify: got %q, want one line starting with %q", got, want)
		}
	})

	t.Run("pas une base", func(t *testing.T) {
		data := t.TempDir()
		if err := os.WriteFile(filepath.Join(data, "segur.db"), bytes.Repeat([]byte("pas une base SQLite\n"), 500), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runIn(t, "", "admin", "verify", "--data", data)
		t.Logf("exit %d\nstdout:\n%sstderr:\n%s", code, out, errs)
		want := "ce fichier n'est pas une base SQLite"
		if code != exitBase || out != "" || !strings.Contains(errs, want) {
			t.Errorf("admin verify of a file that is not a base: got exit %d %q %q, want %d and %q", code, out, errs, exitBase, want)
		}
	})
}

// modifier changes, with change, the size bytes of the file at path from
// offset off.
func modifier(t *testing.T, path string, off, size int64, change func(page []byte)) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page := make([]byte, size)
	if _, err := f.ReadAt(page, off); err != nil {
		t.Fatal(err)
	}
	change(page)
	if _, err := f.WriteAt(page, off); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
