// Package pgtest gives each test a fresh, migrated PostgreSQL database.
//
// One throwaway cluster is started per test process (from the installed binaries, durability off)
// the first time a test asks for a database; the schema is migrated once into a template database,
// and every test gets its own copy (CREATE DATABASE … TEMPLATE), dropped when the test ends.
// With TEST_DATABASE_URL set, the tests use that server instead of starting one.
//
// Packages that use it call pgtest.Main from TestMain so the cluster is removed at the end:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // PostgreSQL driver

	"github.com/leadbot/leadbot/internal/pgproc"
	"github.com/leadbot/leadbot/migrations"
)

const template = "leadbot_template"

var (
	once     sync.Once
	setupErr error
	cluster  *pgproc.Cluster
	adminDSN string // a connection to a maintenance database of the server
	dsnFor   func(string) string
	admin    *sql.DB
	counter  atomic.Int64
)

// Main runs the tests and removes the throwaway cluster afterwards.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		if err := cluster.Remove(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: remove cluster:", err)
		}
	}
	os.Exit(code)
}

func setup() error {
	ctx := context.Background()
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		adminDSN = u
		dsnFor = func(name string) string { return withDatabase(u, name) }
	} else {
		reapOrphans(ctx)
		dir, err := os.MkdirTemp("", dirPrefix)
		if err != nil {
			return err
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return err
		}
		cluster, err = pgproc.Start(ctx, pgproc.Options{Dir: dir, Fast: true, Database: "postgres"})
		if err != nil {
			os.RemoveAll(dir)
			return err
		}
		adminDSN = cluster.DSN("postgres")
		dsnFor = cluster.DSN
	}
	var err error
	if admin, err = sql.Open("postgres", adminDSN); err != nil {
		return err
	}
	// A template from an earlier, interrupted run against the same server is rebuilt: its schema
	// may be stale.
	if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+template+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("drop old template: %w", err)
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+template); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	tdb, err := sql.Open("postgres", dsnFor(template))
	if err != nil {
		return err
	}
	defer tdb.Close()
	if _, err := migrations.Up(ctx, tdb, nil); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	return nil
}

const (
	dirPrefix = "leadbot-pgtest-"
	ownerFile = "owner.pid" // the test process that started the cluster
)

// reapOrphans stops and deletes the clusters of test processes that were killed (a timeout, ^C)
// before Main could remove them: each would otherwise keep a PostgreSQL server running for good.
// A cluster whose owner is still alive, or which says no owner, is left alone.
func reapOrphans(ctx context.Context) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		if err := pgproc.Discard(ctx, dir); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: remove the cluster of killed test process %d in %s: %v\n", pid, dir, err)
		}
	}
}

func withDatabase(dsn, name string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		u.Path = "/" + name
		return u.String()
	}
	return dsn + " dbname=" + name
}

// NewDB returns a fresh database with the whole schema applied, dropped at the end of the test.
func NewDB(tb testing.TB) *sqlx.DB {
	tb.Helper()
	return sqlx.NewDb(open(tb, true), "postgres")
}

// NewEmptyDB returns a fresh database with no schema at all (for migration tests).
func NewEmptyDB(tb testing.TB) (*sql.DB, string) {
	tb.Helper()
	db := open(tb, false)
	return db, lastDSN(tb)
}

func open(tb testing.TB, migrated bool) *sql.DB {
	once.Do(func() { setupErr = setup() })
	if setupErr != nil {
		tb.Fatalf("pgtest: %v", setupErr)
	}
	name := fmt.Sprintf("t_%d_%d_%s", os.Getpid(), counter.Add(1), sanitize(tb.Name()))
	if len(name) > 60 {
		name = name[:60]
	}
	q := `CREATE DATABASE ` + name
	if migrated {
		q += ` TEMPLATE ` + template
	}
	if _, err := admin.Exec(q); err != nil {
		tb.Fatalf("pgtest: %s: %v", q, err)
	}
	dsn := dsnFor(name)
	dsns.Store(tb.Name(), dsn)
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		db.Close()
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			tb.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	return db
}

var dsns sync.Map

// DSN returns the connection string of the database most recently given to this test, for code
// under test that opens its own connections.
func DSN(tb testing.TB) string { return lastDSN(tb) }

func lastDSN(tb testing.TB) string {
	v, ok := dsns.Load(tb.Name())
	if !ok {
		tb.Fatal("pgtest: no database was created for this test")
	}
	return v.(string)
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
