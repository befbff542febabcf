package segurtest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// verifier runs segur admin verify on a test's data (args: --data DOSSIER,
// or --db URL) and fails t unless it finds nothing wrong.
func verifier(t *testing.T, bin string, args ...string) {
	t.Helper()
	code, out, errs := runCode(t, bin, append([]string{"admin", "verify"}, args...)...)
	if code != 0 {
		t.Errorf("segur admin verify: got exit %d, want 0\n%s%s", code, out, errs)
	}
}

// TestVerifyBinaire drives the real binary: after a deposit over HTTP,
// segur admin verify finds nothing wrong (exit 0), while the server runs;
// once the deposit's zip is deleted from the stored files, it names the
// file and its row, and exits 1.
func TestVerifyBinaire(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	token := enroler(t, bin, "--data", data)
	base := serve(t, bin, data).base
	ex, zip := fichierNumero(t, "V0001", 1)
	if code, body := deposer(t, base, token, nomDuJour(1), ex, zip); code != 201 {
		t.Fatalf("deposit: got %d %s, want 201", code, body)
	}
	verifier(t, bin, "--data", data)

	h := sha256.Sum256(zip)
	sum := hex.EncodeToString(h[:])
	if err := os.Remove(filepath.Join(data, "blobs", sum[:2], sum[2:4], sum)); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCode(t, bin, "admin", "verify", "--data", data)
	if code != 1 {
		t.Fatalf("segur admin verify after a deleted file: got exit %d, want 1\n%s%s", code, out, errs)
	}
	want := "fichier stocké " + sum + " absent : table depots, ligne 1, colonne zip_sha256"
	if strings.TrimSpace(out) != want {
		t.Errorf("segur admin verify: got %q, want %q", out, want)
	}
	if !strings.Contains(errs, "1 problème trouvé.") {
		t.Errorf("segur admin verify: got summary %q, want one problem", errs)
	}
}
