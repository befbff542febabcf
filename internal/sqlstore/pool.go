package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/segur-numerique/segur"
)

// SetMaxConns bounds PostgreSQL's pool of this process to n connections
// (20 by default): with several servers on one database, servers × n must
// stay below max_connections minus the reserved ones. SQLite keeps its
// own pools.
func (db *DB) SetMaxConns(n int) {
	if db.dialect != dialectPostgres || n < 1 {
		return
	}
	db.w.SetMaxOpenConns(n)
	db.w.SetMaxIdleConns(n)
}

// openPgx opens PostgreSQL's pool through a connector that marks a
// database out of reach (refused, down, out of connection slots) as
// EUNAVAILABLE: the portal answers 503 and the client retries, instead of
// an internal error.
func openPgx(dsn string) (*sql.DB, error) {
	c, err := stdlib.GetDefaultDriver().(driver.DriverContext).OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(connecteur{c}), nil
}

type connecteur struct{ driver.Connector }

func (c connecteur) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil && ctx.Err() == nil && injoignable(err) {
		return nil, &Indisponible{Err: err}
	}
	return conn, err
}

// Indisponible is the error of a database out of reach; it unwraps to an
// EUNAVAILABLE segur.Error and to the driver's error (for the log, and
// for the messages of ConnectError at start).
type Indisponible struct{ Err error }

func (e *Indisponible) Error() string { return e.Err.Error() }

// Unwrap returns the portal's error, then the driver's.
func (e *Indisponible) Unwrap() []error {
	return []error{segur.Errorf(segur.EUNAVAILABLE, "la base de données ne répond pas : réessayez dans quelques instants"), e.Err}
}

// Injoignable reports whether err, of a store method, says the database is
// out of reach: no connection can be made (EUNAVAILABLE), or the one used
// was cut under the query (the server stopped, the network failed), which
// database/sql reports once per dead connection of its pool. The portal
// answers 503 with Retry-After.
func Injoignable(err error) bool {
	return segur.IsCode(err, segur.EUNAVAILABLE) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || injoignable(err)
}

// injoignable reports whether a connection's error says the server is out
// of reach or refuses connections for now: the network, or PostgreSQL's
// classes 08 (connection), 53300 (too many connections), 57P0x (shutting
// down, starting).
func injoignable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "53300", pe.Code == "53400", len(pe.Code) == 5 && (pe.Code[:2] == "08" || pe.Code[:4] == "57P0"):
			return true
		}
		return false
	}
	var op *net.OpError
	var ce *pgconn.ConnectError
	return errors.As(err, &op) || errors.As(err, &ce)
}

// Disponible waits at most attente for a connection of the pool, and gives
// it back: a pool that stays full that long (every connection taken, the
// database slow or overloaded) is EUNAVAILABLE, so that a request is
// answered 503 with Retry-After rather than waiting without end. SQLite's
// reads never wait for long: its pool is checked the same.
func (db *DB) Disponible(ctx context.Context, attente time.Duration) error {
	actx, cancel := context.WithTimeout(ctx, attente)
	defer cancel()
	c, err := db.r.Conn(actx)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return &Indisponible{Err: fmt.Errorf("sqlstore: no connection of the pool within %v: %w", attente, err)}
		}
		return err
	}
	return c.Close()
}
