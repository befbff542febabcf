package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// BackupSQLite writes a consistent copy of the SQLite database at src,
// which a server may be writing to, into dest, and returns its size. The
// copy is SQLite's VACUUM INTO: one read transaction, so a snapshot of
// the last commit before it, whatever the WAL holds; never a copy of the
// files. It is written to a temporary file beside dest, private to this
// user (0600), synced, then renamed over dest, and dest's folder synced:
// dest is either the old copy or the whole new one.
func BackupSQLite(ctx context.Context, src, dest string) (int64, error) {
	if _, err := os.Stat(src); err != nil {
		return 0, fmt.Errorf("sqlstore: backup: %w", err)
	}
	p := sqliteParams()
	p.Del("_journal_mode") // the live file's mode, WAL, is kept
	db, err := sql.Open("sqlite", src+"?"+p.Encode())
	if err != nil {
		return 0, fmt.Errorf("sqlstore: backup: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	// VACUUM INTO wants a file that does not exist or is empty: an empty
	// one created 0600 keeps the copy private whatever the umask.
	tmp, err := os.CreateTemp(filepath.Dir(dest), filepath.Base(dest)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("sqlstore: backup: %w", err)
	}
	name := tmp.Name()
	tmp.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(name)
		}
	}()
	if err := os.Chmod(name, 0o600); err != nil {
		return 0, fmt.Errorf("sqlstore: backup: %w", err)
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO $1", name); err != nil {
		return 0, fmt.Errorf("sqlstore: backup: VACUUM INTO: %w", err)
	}
	f, err := os.Open(name)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: backup: %w", err)
	}
	err = f.Sync()
	st, serr := f.Stat()
	if cerr := f.Close(); err == nil {
		err = errors.Join(serr, cerr)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlstore: backup: %w", err)
	}
	if err := os.Rename(name, dest); err != nil {
		return 0, fmt.Errorf("sqlstore: backup: %w", err)
	}
	done = true
	if err := syncDir(filepath.Dir(dest)); err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// CheckSQLite opens the SQLite database at path, which must exist, and
// runs PRAGMA integrity_check: an error lists what SQLite found wrong.
func CheckSQLite(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("sqlstore: check: %w", err)
	}
	p := sqliteParams()
	p.Del("_journal_mode")
	db, err := sql.Open("sqlite", path+"?"+p.Encode())
	if err != nil {
		return fmt.Errorf("sqlstore: check: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return sqliteOpenError(path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("sqlstore: check: %w", err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return sqliteOpenError(path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("sqlstore: check %s: %s", path, strings.Join(problems, "; "))
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sqlstore: sync %s: %w", dir, err)
	}
	return nil
}
