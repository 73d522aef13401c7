package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/leadbot/leadbot/internal/pgtest"
)

// TestClickQueriesUseIndexesInGenericPlans checks that the prepared statements a click runs can
// use their indexes in the generic plan PostgreSQL switches to after a few executions: a plan
// that cannot would scan the whole table on every click once the table is large.
func TestClickQueriesUseIndexesInGenericPlans(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := context.Background()
	conn, err := db.Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{
		// Generic plans only, and a sequential scan only where nothing else can serve the query.
		`SET plan_cache_mode = force_generic_plan`,
		`SET enable_seqscan = off`,
		`PREPARE digest_by_message AS ` + digestByMessageQuery,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var plan []string
	if err := conn.SelectContext(ctx, &plan, `EXPLAIN EXECUTE digest_by_message('D1', '1.2')`); err != nil {
		t.Fatal(err)
	}
	if p := strings.Join(plan, "\n"); !strings.Contains(p, "digests_message_idx") {
		t.Fatalf("DigestByMessage's generic plan does not use digests_message_idx:\n%s", p)
	}
}

// TestPreparedSurvivesAColumnTypeChange: after a migration changes the type of a column a
// prepared statement returns (another replica migrating during a rolling deploy), the statement
// is prepared afresh instead of failing on every call.
func TestPreparedSurvivesAColumnTypeChange(t *testing.T) {
	db := pgtest.NewDB(t)
	s := New(db)
	ctx := context.Background()
	if _, err := s.DigestByMessage(ctx, "D1", "1.2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("first lookup: %v", err)
	}
	if _, err := db.ExecContext(ctx, `ALTER TABLE digests ALTER COLUMN status TYPE varchar(20)`); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.DigestByMessage(ctx, "D1", "1.2"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("lookup after the column changed type: %v", err)
		}
	}
}
