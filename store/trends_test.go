package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot/report"
	"github.com/leadbot/leadbot/store"
)

// trendFixture gives 10 industries 60 verdicts a week for 9 weeks, 5 % of them "competitor"; in
// the last week, fintech gets 14 of them.
func trendFixture(t *testing.T, st *store.Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	_, rep := team(t, st)
	db := st.DB()
	n := 0
	for ind := range 10 {
		name := fmt.Sprintf("industry-%d", ind)
		if ind == 0 {
			name = "fintech"
		}
		for week := range 9 {
			for i := range 60 {
				n++
				var id int64
				if err := db.QueryRowContext(ctx, `
					INSERT INTO leads (external_id, name, owner_id, attributes, score, scored_at)
					VALUES ($1, 'L', $2, jsonb_build_object('Industry', $3::text), 0.5, $4) RETURNING id`,
					fmt.Sprint("T", n), rep.ID, name, now.Add(-70*24*time.Hour)).Scan(&id); err != nil {
					t.Fatal(err)
				}
				at := now.Add(-time.Duration(week*7*24+1) * time.Hour).Add(-time.Duration(i) * time.Minute)
				reason := any(nil)
				if (week > 0 && i%20 == 0) || (week == 0 && ((ind == 0 && i < 14) || (ind != 0 && i%20 == 0))) {
					reason = "competitor"
				}
				if _, err := db.ExecContext(ctx, `
					INSERT INTO feedback (lead_id, rep_id, verdict, reason_code, created_at) VALUES ($1, $2, -1, $3, $4)`,
					id, rep.ID, reason, at); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

func TestEmergingTrendFlaggedOnce(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	now := time.Now()
	trendFixture(t, st, now)

	ts, err := report.FindTrends(ctx, st, now, report.TrendConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].Segment != "fintech" || ts[0].Reason != "competitor" || ts[0].Recent != 14 {
		t.Fatalf("trends %+v, want fintech competitor ×14 alone", ts)
	}
	text := ts[0].Text()
	if !strings.Contains(text, "Reps marked 14 fintech leads “went with a competitor” this week (usual: about 3)") ||
		!strings.Contains(text, "The model does not know yet") {
		t.Fatalf("text %q", text)
	}
	alert := store.TrendAlert{Column: ts[0].Column, Segment: ts[0].Segment, Reason: ts[0].Reason, Recent: ts[0].Recent, Usual: ts[0].Usual, P: ts[0].P}
	for i, want := range []bool{true, false} { // the next day's check finds the same rise
		posted, err := st.RecordTrend(ctx, alert, now.Add(time.Duration(i)*24*time.Hour), 28*24*time.Hour)
		if err != nil || posted != want {
			t.Fatalf("RecordTrend #%d: posted %v (%v), want %v", i+1, posted, err, want)
		}
	}
}
