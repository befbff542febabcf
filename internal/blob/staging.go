package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/segur-numerique/segur"
)

// Stager stages the files of deposits in a local folder as they stream
// in, and moves them into the store only once a deposit is accepted for
// control (segur.Staging): a refused upload leaves nothing in the store.
// With a Dir store the folder is its tmp folder and keeping a file is a
// rename; with S3 it is a folder of the data folder, and keeping a file
// uploads it.
type Stager struct {
	dir   string
	store segur.Blobs
}

var _ segur.Stager = (*Stager)(nil)

// StagingPrefix starts the names of staged files.
const StagingPrefix = "depot-"

// NewStager returns the stager of store: staged files go to the store's
// tmp folder when store is a Dir, else to dataDir/tmp (created).
func NewStager(store segur.Blobs, dataDir string) (*Stager, error) {
	dir := filepath.Join(dataDir, "tmp")
	if d, ok := store.(*Dir); ok {
		dir = filepath.Join(d.root, "tmp")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Stager{dir: dir, store: store}, nil
}

// Dir returns the folder of the staged files.
func (s *Stager) Dir() string { return s.dir }

// Stage starts the staging of one deposit's files.
func (s *Stager) Stage() (segur.Staging, error) {
	return &staging{s: s, files: map[string]*stagedFile{}}, nil
}

type staging struct {
	s     *Stager
	mu    sync.Mutex
	files map[string]*stagedFile // by digest
	order []string
}

type stagedFile struct {
	path string
	ref  segur.BlobRef
	kept bool
}

// Put writes r, of at most max bytes, to a file of the staging folder.
func (st *staging) Put(ctx context.Context, r io.Reader, max int64) (segur.BlobRef, error) {
	tmp, ref, err := ecrireTemp(ctx, st.s.dir, StagingPrefix+"*", r, max, false)
	if err != nil {
		return segur.BlobRef{}, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.files[ref.SHA256]; ok {
		os.Remove(tmp) // the same content twice: the first file serves
		return ref, nil
	}
	st.files[ref.SHA256] = &stagedFile{path: tmp, ref: ref}
	st.order = append(st.order, ref.SHA256)
	return ref, nil
}

// Open opens a staged file, or else a stored one.
func (st *staging) Open(ctx context.Context, sum string) (segur.Blob, error) {
	st.mu.Lock()
	f, ok := st.files[sum]
	st.mu.Unlock()
	if !ok || f.kept {
		return st.s.store.Open(ctx, sum)
	}
	o, err := os.Open(f.path)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &file{File: o, size: f.ref.Taille}, nil
}

// Keep stores every staged file not yet kept: synced and renamed into a
// Dir, uploaded to another store.
func (st *staging) Keep(ctx context.Context) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, sum := range st.order {
		f := st.files[sum]
		if f.kept {
			continue
		}
		if err := st.keep(ctx, f); err != nil {
			return err
		}
		f.kept = true
	}
	return nil
}

func (st *staging) keep(ctx context.Context, f *stagedFile) error {
	o, err := os.OpenFile(f.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer o.Close()
	if d, ok := st.s.store.(*Dir); ok {
		if err := o.Sync(); err != nil {
			return ioErr(err)
		}
		return d.place(f.path, f.ref.SHA256)
	}
	ref, err := st.s.store.Put(ctx, o, f.ref.Taille)
	if err != nil {
		return err
	}
	if ref != f.ref {
		return fmt.Errorf("blob: staged file %s changed: stored %s", f.ref.SHA256, ref.SHA256)
	}
	os.Remove(f.path)
	return nil
}

// Discard removes the staged files not kept.
func (st *staging) Discard() {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, sum := range st.order {
		if f := st.files[sum]; !f.kept {
			os.Remove(f.path)
			f.kept = true // gone: Open reads the store
		}
	}
}

// CleanTmp removes the files of dir whose last write is older than age
// before now: what a crash left of uploads and staged deposits (a live
// upload writes more often than that). It returns how many it removed.
func CleanTmp(dir string, now time.Time, age time.Duration) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("blob: %w", err)
	}
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !(strings.HasPrefix(e.Name(), StagingPrefix) || strings.HasPrefix(e.Name(), "put-")) {
			continue
		}
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) < age {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
			n++
		}
	}
	return n, nil
}

// ioErr maps a full disk to ENOSPACE, in French; other errors are wrapped.
func ioErr(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return &noSpace{se: segur.Errorf(segur.ENOSPACE, "le stockage des fichiers du portail est plein : dépôt non enregistré, réessayez plus tard"), sys: err}
	}
	return fmt.Errorf("blob: %w", err)
}

// noSpace is ENOSPACE that keeps the system's error for the log.
type noSpace struct {
	se  *segur.Error
	sys error
}

func (e *noSpace) Error() string   { return e.se.Message + " (" + e.sys.Error() + ")" }
func (e *noSpace) Unwrap() []error { return []error{e.se, e.sys} }
