package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Inventaire is a store whose files can be listed and removed, for
// segur admin blobs gc: the disk store and S3.
type Inventaire interface {
	// Walk calls fn for every stored file, not the temporary ones.
	Walk(ctx context.Context, fn func(Stocke) error) error
	// Remove removes a stored file; an absent one is no error.
	Remove(ctx context.Context, sum string) error
}

var (
	_ Inventaire = (*Dir)(nil)
	_ Inventaire = (*S3)(nil)
)

// Stocke is a stored file as Walk finds it.
type Stocke struct {
	SHA256  string
	Taille  int64
	ModTime time.Time
}

// Walk calls fn for every stored file (not the temporary ones), in the
// order of their names.
func (d *Dir) Walk(ctx context.Context, fn func(Stocke) error) error {
	return filepath.WalkDir(d.root, func(p string, e fs.DirEntry, err error) error {
		if err == nil {
			err = ctx.Err()
		}
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
func (d *Dir) Remove(_ context.Context, sum string) error {
	if !validSum(sum) {
		return fmt.Errorf("blob: remove %q: not a digest", sum)
	}
	if err := os.Remove(d.path(sum)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// Walk calls fn for every stored object of the bucket (those under the
// store's prefix, named by their digest), in the order of their keys.
func (s *S3) Walk(ctx context.Context, fn func(Stocke) error) error {
	token := ""
	for {
		p, err := s.client.listObjects(ctx, "sha256/", token)
		if err != nil {
			return fmt.Errorf("blob: s3: list: %w", marquerIndisponible(ctx, err))
		}
		for _, o := range p.Contents {
			sum := o.Key[strings.LastIndexByte(o.Key, '/')+1:]
			if !validSum(sum) || o.Key != s3Key(sum) {
				continue // not one of the store's objects
			}
			if err := fn(Stocke{SHA256: sum, Taille: o.Size, ModTime: o.LastModified}); err != nil {
				return err
			}
		}
		if !p.IsTruncated {
			return nil
		}
		if p.NextContinuationToken == "" || p.NextContinuationToken == token {
			return errors.New("blob: s3: list: truncated answer without a new continuation token")
		}
		token = p.NextContinuationToken
	}
}

// Remove removes a stored object; an absent one is no error.
func (s *S3) Remove(ctx context.Context, sum string) error {
	if !validSum(sum) {
		return fmt.Errorf("blob: remove %q: not a digest", sum)
	}
	if err := s.client.deleteObject(ctx, s3Key(sum)); err != nil && !isNotFound(err) {
		return fmt.Errorf("blob: s3: delete %s: %w", sum, marquerIndisponible(ctx, err))
	}
	return nil
}
