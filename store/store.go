// Package store is leadbot's PostgreSQL storage: one file per aggregate (reps, leads, outcomes,
// reason codes, models, scores, deliveries, feedback, job runs), SQL written out in plain sight,
// ctx first, $n placeholders, and one transaction shape (see Tx).
//
// Database errors are translated here: callers see ErrNotFound and ErrConflict (and the
// user-facing *Error), the log sees the cause.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/leadbot/leadbot"
	"github.com/lib/pq"
)

// ErrNotFound is returned when the row asked for does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write would break a uniqueness rule.
var ErrConflict = errors.New("conflict")

// Store is the database handle shared by the whole process. It is safe for concurrent use.
type Store struct {
	db *sqlx.DB

	mu    sync.Mutex
	stmts map[string]*sqlx.Stmt // prepared hot queries (see prepared)
}

// New wraps an open database.
func New(db *sqlx.DB) *Store { return &Store{db: db} }

// Open connects to dsn and checks the connection.
func Open(ctx context.Context, dsn string) (*Store, error) {
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return New(db), nil
}

// DB exposes the underlying handle (for migrations and health checks).
func (s *Store) DB() *sqlx.DB { return s.db }

// Close closes the prepared statements and the connection pool.
func (s *Store) Close() error {
	s.mu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
	s.mu.Unlock()
	return s.db.Close()
}

// prepared returns query prepared once for the pool (database/sql prepares it on each connection
// the first time it runs there). A query run on every click is worth it: a prepared statement
// runs in one round trip to PostgreSQL instead of two, and is not parsed and planned each time.
func (s *Store) prepared(ctx context.Context, query string) (*sqlx.Stmt, error) {
	s.mu.Lock()
	st := s.stmts[query]
	s.mu.Unlock()
	if st != nil {
		return st, nil
	}
	st, err := s.db.PreparexContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev := s.stmts[query]; prev != nil { // prepared meanwhile by another caller
		st.Close()
		return prev, nil
	}
	if s.stmts == nil {
		s.stmts = map[string]*sqlx.Stmt{}
	}
	s.stmts[query] = st
	return st, nil
}

// getPrepared is GetContext through a prepared statement.
func (s *Store) getPrepared(ctx context.Context, dest any, query string, args ...any) error {
	return s.usePrepared(ctx, query, func(st *sqlx.Stmt) error { return st.GetContext(ctx, dest, args...) })
}

// selectPrepared is SelectContext through a prepared statement.
func (s *Store) selectPrepared(ctx context.Context, dest any, query string, args ...any) error {
	return s.usePrepared(ctx, query, func(st *sqlx.Stmt) error { return st.SelectContext(ctx, dest, args...) })
}

// usePrepared runs fn with query prepared. A migration applied meanwhile (by another replica,
// during a rolling deploy) can change the type of a column the statement returns; PostgreSQL
// then refuses the statement ("cached plan must not change result type") on every connection
// that prepared it. The statement is dropped and prepared afresh, once.
func (s *Store) usePrepared(ctx context.Context, query string, fn func(*sqlx.Stmt) error) error {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return err
	}
	err = fn(st)
	var pe *pq.Error
	if !errors.As(err, &pe) || pe.Code != "0A000" || !strings.Contains(pe.Message, "cached plan") {
		return err
	}
	s.mu.Lock()
	if s.stmts[query] == st {
		delete(s.stmts, query)
	}
	s.mu.Unlock()
	// Closed later: another caller may still be running it, and would fail on a closed statement.
	time.AfterFunc(time.Minute, func() { st.Close() })
	if st, err = s.prepared(ctx, query); err != nil {
		return err
	}
	return fn(st)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Tx runs fn in a transaction: committed when fn returns nil, rolled back otherwise (and on panic).
func (s *Store) Tx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// translate maps a driver error to leadbot's error model at the boundary, naming the operation
// (op is the Store method) and keeping the cause for the log: no rows is ErrNotFound, a unique
// violation ErrConflict, a database that does not answer EUNAVAILABLE (so that a rep is told to
// try again, never that they lack permission), anything else EINTERNAL.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	op = "store." + op
	var pqErr *pq.Error
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return &leadbot.Error{Code: leadbot.ENOTFOUND, Op: op, Err: ErrNotFound}
	case errors.As(err, &pqErr) && pqErr.Code == "23505": // unique_violation
		return &leadbot.Error{Code: leadbot.ECONFLICT, Op: op, Err: fmt.Errorf("%w: %s", ErrConflict, pqErr.Message)}
	case unavailable(err):
		return &leadbot.Error{Code: leadbot.EUNAVAILABLE, Op: op, Err: err,
			Message: "leadbot cannot reach its database right now. Please try again in a minute."}
	}
	return &leadbot.Error{Code: leadbot.EINTERNAL, Op: op, Err: err}
}

// unavailable reports whether err means the database did not answer (down, restarting, the
// connection lost, or no answer in time), as opposed to refusing what was asked. lib/pq returns a
// bare io.EOF when the server closes the connection under a query.
func unavailable(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		// 08: connection exception; 57P01–57P03: admin shutdown, crash shutdown, cannot connect now.
		return pqErr.Code.Class() == "08" || pqErr.Code == "57P01" || pqErr.Code == "57P02" || pqErr.Code == "57P03"
	}
	var netErr net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED)
}

// TryLock takes the session-level advisory lock key on a dedicated connection, so that one
// replica runs a job while others skip it. ok is false when someone else holds it. The returned
// release must be called when the work is done.
func (s *Store) TryLock(ctx context.Context, key int64) (release func(), ok bool, err error) {
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := conn.QueryRowxContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
		conn.Close()
		return nil, false, err
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	return func() {
		conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key)
		conn.Close()
	}, true, nil
}
