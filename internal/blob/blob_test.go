package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
)

func TestDir(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("%PDF-1.4 contenu")
	ref, err := d.Put(ctx, bytes.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	if ref.SHA256 != hex.EncodeToString(sum[:]) || ref.Taille != int64(len(content)) {
		t.Errorf("got %+v, want the content's SHA-256 and size", ref)
	}
	// The same content twice is one file.
	if ref2, err := d.Put(ctx, bytes.NewReader(content), 1<<20); err != nil || ref2 != ref {
		t.Errorf("got %+v, %v, want %+v", ref2, err, ref)
	}
	b, err := d.Open(ctx, ref.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, _ := io.ReadAll(b)
	if !bytes.Equal(got, content) || b.Taille() != int64(len(content)) {
		t.Errorf("got %q (%d), want %q", got, b.Taille(), content)
	}
	head := make([]byte, 5)
	if _, err := b.ReadAt(head, 0); err != nil || string(head) != "%PDF-" {
		t.Errorf("ReadAt: got %q, %v", head, err)
	}
	if tmp, _ := os.ReadDir(filepath.Join(root, "tmp")); len(tmp) != 0 {
		t.Errorf("got %d temporary files left, want none", len(tmp))
	}
}

func TestDirRefus(t *testing.T) {
	ctx := context.Background()
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Put(ctx, strings.NewReader(strings.Repeat("x", 11)), 10)
	var se *segur.Error
	if !errors.As(err, &se) || se.Code != segur.ETOOLARGE {
		t.Errorf("got %v, want ETOOLARGE", err)
	}
	for _, sum := range []string{"", "../../etc/passwd", strings.Repeat("a", 64), strings.Repeat("A", 64)} {
		if _, err := d.Open(ctx, sum); !errors.As(err, &se) || se.Code != segur.ENOTFOUND {
			t.Errorf("Open(%q): got %v, want ENOTFOUND", sum, err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.Put(cctx, strings.NewReader("x"), 10); err == nil {
		t.Error("got no error with a cancelled context")
	}
}
