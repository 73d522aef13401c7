package migrations_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"

	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestUpFromNothingThenNoop(t *testing.T) {
	ctx := context.Background()
	db, _ := pgtest.NewEmptyDB(t)
	n, err := migrations.Up(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(mustAll(t)) {
		t.Fatalf("applied %d, want %d", n, len(mustAll(t)))
	}
	if err := migrations.Check(ctx, db); err != nil {
		t.Fatalf("check after migrate: %v", err)
	}
	n, err = migrations.Up(ctx, db, nil)
	if err != nil || n != 0 {
		t.Fatalf("second run applied %d (err %v), want 0", n, err)
	}
	var codes int
	if err := db.QueryRow(`SELECT count(*) FROM reason_codes WHERE data_quality`).Scan(&codes); err != nil || codes != 3 {
		t.Fatalf("data-quality reason codes = %d (err %v), want 3", codes, err)
	}
}

// Two replicas starting at the same moment must apply each migration exactly once.
func TestConcurrentMigrators(t *testing.T) {
	ctx := context.Background()
	_, dsn := pgtest.NewEmptyDB(t)
	const replicas = 4
	var wg sync.WaitGroup
	applied := make([]int, replicas)
	errs := make([]error, replicas)
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sql.Open("postgres", dsn)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			applied[i], errs[i] = migrations.Up(ctx, db, nil)
		}()
	}
	wg.Wait()
	total := 0
	for i := range replicas {
		if errs[i] != nil {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	if want := len(mustAll(t)); total != want {
		t.Fatalf("replicas applied %d migrations in total, want exactly %d", total, want)
	}
	db, _ := sql.Open("postgres", dsn)
	defer db.Close()
	var rows int
	if err := db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != total {
		t.Fatalf("schema_migrations has %d rows (err %v), want %d", rows, err, total)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	db, _ := pgtest.NewEmptyDB(t)
	if _, err := migrations.Up(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')`); err != nil {
		t.Fatal(err)
	}
	var tooNew *migrations.ErrSchemaTooNew
	if _, err := migrations.Up(ctx, db, nil); !errors.As(err, &tooNew) || tooNew.Database != 9999 {
		t.Fatalf("Up on a newer schema: %v, want ErrSchemaTooNew", err)
	}
	if err := migrations.Check(ctx, db); !errors.As(err, &tooNew) {
		t.Fatalf("Check on a newer schema: %v, want ErrSchemaTooNew", err)
	}
}

func mustAll(t *testing.T) []migrations.Migration {
	ms, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestRepSettingDefaultsMigration: reps on the old column defaults (9, 5) follow the configured
// defaults after 0003; other settings are kept.
func TestRepSettingDefaultsMigration(t *testing.T) {
	db, _ := pgtest.NewEmptyDB(t)
	ctx := context.Background()
	// The schema as of version 2, recorded as Up records it.
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (version int PRIMARY KEY, name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	for _, m := range mustAll(t)[:2] {
		if _, err := db.ExecContext(ctx, m.SQL); err != nil {
			t.Fatalf("%d: %v", m.Version, err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO reps (email, name) VALUES ('dflt@example.com', 'D');
		INSERT INTO reps (email, name, delivery_hour, leads_per_day) VALUES ('own@example.com', 'O', 7, 3), ('mixed@example.com', 'M', 9, 8)`); err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Up(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	for email, want := range map[string][2]int{"dflt@example.com": {-1, -1}, "own@example.com": {7, 3}, "mixed@example.com": {-1, 8}} {
		var h, n int
		if err := db.QueryRowContext(ctx, `SELECT COALESCE(delivery_hour, -1), COALESCE(leads_per_day, -1) FROM reps WHERE email = $1`, email).Scan(&h, &n); err != nil {
			t.Fatal(err)
		}
		if h != want[0] || n != want[1] {
			t.Errorf("%s: hour %d, leads %d after 0003; want %v (-1: the configured default)", email, h, n, want)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO reps (email, name) VALUES ('new@example.com', 'N')`); err != nil {
		t.Fatal(err)
	}
	var null bool
	if err := db.QueryRowContext(ctx, `SELECT delivery_hour IS NULL AND leads_per_day IS NULL FROM reps WHERE email = 'new@example.com'`).Scan(&null); err != nil || !null {
		t.Fatalf("a new rep's settings are not NULL (the configured defaults): %v %v", null, err)
	}
}
