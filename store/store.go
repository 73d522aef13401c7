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
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// ErrNotFound is returned when the row asked for does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write would break a uniqueness rule.
var ErrConflict = errors.New("conflict")

// Store is the database handle shared by the whole process. It is safe for concurrent use.
type Store struct {
	db *sqlx.DB
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
	return &Store{db: db}, nil
}

// DB exposes the underlying handle (for migrations and health checks).
func (s *Store) DB() *sqlx.DB { return s.db }

// Close closes the connection pool.
func (s *Store) Close() error { return s.db.Close() }

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

// translate maps driver errors to the store's errors, keeping the cause for the log.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" { // unique_violation
		return fmt.Errorf("%w: %s", ErrConflict, pqErr.Message)
	}
	return err
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
