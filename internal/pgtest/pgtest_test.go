package pgtest_test

import (
	"testing"

	"github.com/leadbot/leadbot/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestNewDBIsMigratedAndPrivate(t *testing.T) {
	a, b := pgtest.NewDB(t), pgtest.NewDB(t)
	if _, err := a.Exec(`INSERT INTO app_state (key, value) VALUES ('x', '1')`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.Get(&n, `SELECT count(*) FROM app_state`); err != nil || n != 0 {
		t.Fatalf("second database sees %d rows (err %v): databases are not isolated", n, err)
	}
}

// BenchmarkNewDB is the per-test cost of a fresh migrated database: a clone of the template
// (the drop at cleanup runs after the timer).
func BenchmarkNewDB(b *testing.B) {
	pgtest.NewDB(b) // the cluster and template, once
	b.ResetTimer()
	for range b.N {
		pgtest.NewDB(b)
	}
}
