// Package migrations holds leadbot's schema as numbered SQL files embedded in the binary, and
// applies them.
//
// Each file NNNN_name.sql is applied once, in its own transaction, and recorded in
// schema_migrations. The whole run holds a PostgreSQL advisory lock, so replicas that start at the
// same moment apply each migration exactly once: the second waits, then finds nothing to do.
// A database whose schema is newer than this binary knows is refused, because an old binary
// writing to a new schema can corrupt data it does not understand.
//
// Forty lines of our own beat a migration library here: we need embed, one transaction per file,
// an advisory lock and the newer-schema check, and nothing else (no down migrations, no CLI).
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"
)

//go:embed *.sql
var files embed.FS

// lockKey is the advisory lock taken while migrating ("leadbot-migrate" as a number).
const lockKey int64 = 0x6c6561646d6967

// Migration is one embedded schema step.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// All returns the embedded migrations in version order.
func All() ([]Migration, error) {
	return load(files)
}

func load(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	seen := map[int]string{}
	for _, name := range names {
		num, rest, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %q: name must be NNNN_description.sql", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q share version %d", prev, name, v)
		}
		seen[v] = name
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(rest, ".sql"), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Latest is the schema version this binary knows.
func Latest() int {
	ms, err := All()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// ErrSchemaTooNew is returned when the database was migrated by a newer leadbot.
type ErrSchemaTooNew struct{ Database, Binary int }

func (e *ErrSchemaTooNew) Error() string {
	return fmt.Sprintf("the database schema is at version %d but this leadbot knows only up to %d: "+
		"run the newer leadbot that migrated it, or restore a backup taken before that upgrade", e.Database, e.Binary)
}

// Up applies every pending migration and returns how many it applied.
func Up(ctx context.Context, db *sql.DB, log *slog.Logger) (int, error) {
	ms, err := All()
	if err != nil {
		return 0, err
	}
	return up(ctx, db, ms, log)
}

func up(ctx context.Context, db *sql.DB, ms []Migration, log *slog.Logger) (applied int, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// The advisory lock belongs to a session, so hold one connection for the whole run.
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return 0, fmt.Errorf("migrate: take lock: %w", err)
	}
	defer func() {
		// A fresh context: the unlock must happen even when ctx is already cancelled.
		if _, uerr := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockKey); uerr != nil && err == nil {
			err = fmt.Errorf("migrate: release lock: %w", uerr)
		}
	}()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    int PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return 0, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	var current int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return 0, fmt.Errorf("migrate: read version: %w", err)
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].Version
	}
	if current > latest {
		return 0, &ErrSchemaTooNew{Database: current, Binary: latest}
	}
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		if err := apply(ctx, conn, m); err != nil {
			return applied, err
		}
		log.Info("applied migration", "version", m.Version, "name", m.Name)
		applied++
	}
	return applied, nil
}

func apply(ctx context.Context, conn *sql.Conn, m Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %d (%s): begin: %w", m.Version, m.Name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
		return fmt.Errorf("migration %d (%s): record: %w", m.Version, m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %d (%s): commit: %w", m.Version, m.Name, err)
	}
	return nil
}

// Check reports whether the database schema matches this binary: nil when it is current,
// an *ErrSchemaTooNew when it is newer, and an error that says to migrate when it is older.
func Check(ctx context.Context, db *sql.DB) error {
	var current int
	err := db.QueryRowContext(ctx, `SELECT COALESCE(max(version), 0) FROM schema_migrations`).Scan(&current)
	if err != nil {
		return fmt.Errorf("the database has no leadbot schema (%v): run `leadbot migrate`", err)
	}
	latest := Latest()
	switch {
	case current > latest:
		return &ErrSchemaTooNew{Database: current, Binary: latest}
	case current < latest:
		return fmt.Errorf("the database schema is at version %d, this leadbot needs %d: run `leadbot migrate`", current, latest)
	}
	return nil
}
