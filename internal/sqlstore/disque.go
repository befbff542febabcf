package sqlstore

import (
	"errors"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/segur-numerique/segur"
)

// Plein is the error of a write the database could not make for lack of
// disk space (SQLite's SQLITE_FULL, PostgreSQL's disk_full, ENOSPC): it
// unwraps to an ENOSPACE segur.Error, said in French, and to the driver's
// error (for the log). Nothing of the transaction is written.
type Plein struct{ Err error }

func (e *Plein) Error() string { return e.Err.Error() }

// Unwrap returns the portal's error, then the driver's.
func (e *Plein) Unwrap() []error {
	return []error{segur.Errorf(segur.ENOSPACE, "le disque de la base de données est plein : rien n'a été enregistré ; libérez de la place, puis recommencez"), e.Err}
}

// marquerPlein marks err as the database's full disk when it is one;
// other errors are returned as they are.
func marquerPlein(err error) error {
	if err == nil || segur.IsCode(err, segur.ENOSPACE) || !disquePlein(err) {
		return err
	}
	return &Plein{Err: err}
}

// disquePlein reports whether err says the database's disk is full, by the
// driver's code, never its message.
func disquePlein(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "53100" // disk_full
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == sqlite3.SQLITE_FULL
	}
	return errors.Is(err, syscall.ENOSPC)
}
