package training_test

import (
	"context"
	"testing"

	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/store"
	"github.com/leadbot/leadbot/training"
)

// TestAccountRescoreMatchesTheRetrain: rescoring one account with no new feedback gives its open
// leads the score the retrain gave them. It failed when the account's small frame had no
// column for a reason nobody gave there: the reason read as missing, not as 0.
func TestAccountRescoreMatchesTheRetrain(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	reasonWorld(t, st)
	l, err := st.LeadByExternalID(ctx, "L01950") // Co 50: no reason given at that account
	if err != nil || l.Score == nil {
		t.Fatalf("%+v %v", l, err)
	}
	before := *l.Score
	if _, err := training.RescoreAccount(ctx, st, l.ID, training.Config{}); err != nil {
		t.Fatal(err)
	}
	after, _ := st.LeadByID(ctx, l.ID)
	if d := *after.Score - before; d > 1e-9 || d < -1e-9 {
		t.Fatalf("the rescore moved a lead nobody judged: %v → %v", before, *after.Score)
	}
}
