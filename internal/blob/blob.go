// Package blob stores files content-addressed by SHA-256, never under a
// name a user gave: on disk under the data folder (Dir), or in an
// S3-compatible store shared by several servers (S3).
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/segur-numerique/segur"
)

// Dir is a blob store in a folder: root/ab/cd/abcd…, written to root/tmp
// first, synced, then renamed; the folder is synced too.
type Dir struct {
	root string
}

var _ segur.Blobs = (*Dir)(nil)

// NewDir opens (and creates) a blob store in root.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(filepath.Join(root, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Dir{root: root}, nil
}

func (d *Dir) path(sum string) string {
	return filepath.Join(d.root, sum[0:2], sum[2:4], sum)
}

// SommeValide reports whether s is a lower-case hex SHA-256: the name of
// a stored file, and the only names the store builds paths from.
func SommeValide(s string) bool { return validSum(s) }

// validSum is SommeValide.
func validSum(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Put stores r durably and returns its digest and size.
func (d *Dir) Put(ctx context.Context, r io.Reader, max int64) (segur.BlobRef, error) {
	tmp, ref, err := ecrireTemp(ctx, filepath.Join(d.root, "tmp"), "put-*", r, max, true)
	if err != nil {
		return segur.BlobRef{}, err
	}
	if err := d.place(tmp, ref.SHA256); err != nil {
		os.Remove(tmp)
		return segur.BlobRef{}, err
	}
	return ref, nil
}

// ecrireTemp writes r, of at most max bytes, to a new file of dir named
// after pattern (os.CreateTemp's), hashing it as it goes, synced when
// durable, and returns its path and reference. On any error the file is
// removed: a file over max is ETOOLARGE, a full disk ENOSPACE.
func ecrireTemp(ctx context.Context, dir, pattern string, r io.Reader, max int64, durable bool) (string, segur.BlobRef, error) {
	tmp, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", segur.BlobRef{}, ioErr(err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(ctxReader{ctx, r}, max+1))
	if err != nil {
		return "", segur.BlobRef{}, ioErr(err)
	}
	if n > max {
		return "", segur.BlobRef{}, segur.Errorf(segur.ETOOLARGE, "fichier de plus de %d octets", max)
	}
	if durable {
		if err := tmp.Sync(); err != nil {
			return "", segur.BlobRef{}, ioErr(err)
		}
	}
	if err := tmp.Close(); err != nil {
		return "", segur.BlobRef{}, ioErr(err)
	}
	done = true
	return tmp.Name(), segur.BlobRef{SHA256: hex.EncodeToString(h.Sum(nil)), Taille: n}, nil
}

// place renames the synced file tmp, of digest sum, into the store and
// syncs its folder.
func (d *Dir) place(tmp, sum string) error {
	dest := d.path(sum)
	// The folder usually exists: create it only when the rename says so.
	err := os.Rename(tmp, dest)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(dest), 0o750); err == nil {
			err = os.Rename(tmp, dest)
		}
	}
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	return syncDir(filepath.Dir(dest))
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// Open opens a stored file.
func (d *Dir) Open(ctx context.Context, sum string) (segur.Blob, error) {
	if !validSum(sum) {
		return nil, segur.Errorf(segur.ENOTFOUND, "fichier %q introuvable", sum)
	}
	f, err := os.Open(d.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, segur.Errorf(segur.ENOTFOUND, "fichier %s introuvable", sum)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &file{File: f, size: st.Size()}, nil
}

type file struct {
	*os.File
	size int64
}

func (f *file) Taille() int64 { return f.size }

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
