package blob

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Stocke is a stored file as Walk finds it.
type Stocke struct {
	SHA256  string
	Taille  int64
	ModTime time.Time
}

// Walk calls fn for every stored file (not the temporary ones), in the
// order of their names.
func (d *Dir) Walk(fn func(Stocke) error) error {
	return filepath.WalkDir(d.root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("blob: %w", err)
		}
		if e.IsDir() {
			if p != d.root && e.Name() == "tmp" && filepath.Dir(p) == d.root {
				return filepath.SkipDir
			}
			return nil
		}
		if !validSum(e.Name()) || p != d.path(e.Name()) {
			return nil // not one of the store's files
		}
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("blob: %w", err)
		}
		return fn(Stocke{SHA256: e.Name(), Taille: info.Size(), ModTime: info.ModTime()})
	})
}

// Remove removes a stored file; an absent one is no error.
func (d *Dir) Remove(sum string) error {
	if !validSum(sum) {
		return fmt.Errorf("blob: remove %q: not a digest", sum)
	}
	if err := os.Remove(d.path(sum)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}
