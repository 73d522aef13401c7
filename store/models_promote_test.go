package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/store"
)

// TestInsertModelPromotedIsAllOrNothing: a promoted version is stored as champion and the old
// champion retired together; when the transaction fails after it has retired the old champion
// (a constraint refuses the new row, or the caller gives up while the insert runs), nothing has
// changed: no new version is stored and the old champion still is champion.
func TestInsertModelPromotedIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	db := st.DB()
	v1, err := st.InsertModelPromoted(ctx, store.NewModel{Kind: "prior", Artifact: []byte(`{}`), TrainingRows: 40, Notes: "first model"})
	if err != nil {
		t.Fatal(err)
	}
	if v1.Status != "champion" || v1.PromotedAt == nil || v1.Notes != "first model" || v1.TrainingRows != 40 {
		t.Fatalf("first promoted model: %+v", v1)
	}

	// The insert breaks a constraint, after the UPDATE that retired v1 in the same transaction.
	if _, err := db.ExecContext(ctx, `ALTER TABLE models ADD CONSTRAINT test_refused CHECK (kind <> 'refused')`); err != nil {
		t.Fatal(err)
	}
	_, err = st.InsertModelPromoted(ctx, store.NewModel{Kind: "refused", Artifact: []byte(`{}`), Notes: "better"})
	var le *leadbot.Error
	if !errors.As(err, &le) || le.Op != "store.InsertModelPromoted" {
		t.Fatalf("insert breaking a constraint: %v, want a store.InsertModelPromoted error", err)
	}
	onlyChampion(t, st, v1.Version)

	// The caller's context ends while the insert runs, the old champion already retired in the
	// transaction: a trigger holds the insert in pg_sleep, and the context is cancelled only once
	// the test sees it there.
	if _, err := db.ExecContext(ctx, `
		CREATE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$;
		CREATE TRIGGER test_slow_insert BEFORE INSERT ON models FOR EACH ROW EXECUTE FUNCTION test_slow_insert()`); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go cancelOnceAsleep(db, cancel)
	start := time.Now()
	if _, err := st.InsertModelPromoted(cctx, store.NewModel{Kind: "logreg", Artifact: []byte(`{}`), Notes: "better"}); err == nil {
		t.Fatal("insert cancelled while running was stored")
	}
	if time.Since(start) > 20*time.Second {
		t.Fatal("the insert ran to its end: it was not cancelled in the middle")
	}
	onlyChampion(t, st, v1.Version)

	// Once nothing is in the way, the new version replaces v1.
	if _, err := db.ExecContext(ctx, `DROP TRIGGER test_slow_insert ON models`); err != nil {
		t.Fatal(err)
	}
	v2, err := st.InsertModelPromoted(ctx, store.NewModel{Kind: "logreg", Artifact: []byte(`{}`), Notes: "better"})
	if err != nil {
		t.Fatal(err)
	}
	if champ, err := st.Champion(ctx); err != nil || champ.Version != v2.Version || champ.Notes != "better" {
		t.Fatalf("champion = %+v, %v; want v%d", champ, err, v2.Version)
	}
	if old, err := st.ModelByVersion(ctx, v1.Version); err != nil || old.Status != "retired" || old.Notes != "first model" {
		t.Fatalf("old champion: %+v, %v; want it retired with its notes", old, err)
	}
}

// onlyChampion fails the test unless version is the only stored model and the champion.
func onlyChampion(t *testing.T, st *store.Store, version int) {
	t.Helper()
	ms, err := st.Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Version != version || ms[0].Status != "champion" {
		t.Fatalf("models after a failed promotion: %+v; want v%d alone, still champion", ms, version)
	}
}

// cancelOnceAsleep calls cancel once a connection to the test's database waits in pg_sleep while
// inserting a model (or after 10s, or if it cannot tell).
func cancelOnceAsleep(db *sqlx.DB, cancel context.CancelFunc) {
	defer cancel()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var sleeping bool
		err := db.Get(&sleeping, `
			SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			               WHERE datname = current_database() AND wait_event = 'PgSleep'
			                 AND query LIKE '%INSERT INTO models%')`)
		if err != nil || sleeping {
			return
		}
	}
}
