package demo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/demo"
	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/report"
	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
	"github.com/leadbot/leadbot/training"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type fakeSlack struct{ n int }

func (f *fakeSlack) AddPerson(p demo.Person) string { f.n++; return fmt.Sprintf("U%03d", f.n) }

var today = time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)

func TestSeedIsDeterministicAndLearnable(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	start := time.Now()
	s1, err := demo.Seed(ctx, st, &fakeSlack{}, demo.Options{Seed: 7, Now: today})
	if err != nil {
		t.Fatal(err)
	}
	seeded := time.Since(start)
	if s1.Reps != 4 || s1.Leads != 3000 || s1.Outcomes+s1.Open != 3000 || s1.Open < 150 || s1.Won < 200 || s1.LeadershipChanges == 0 {
		t.Fatalf("seed: %+v", s1)
	}
	// Same seed, same world.
	st2 := store.New(pgtest.NewDB(t))
	s2, err := demo.Seed(ctx, st2, &fakeSlack{}, demo.Options{Seed: 7, Now: today})
	if err != nil || s2 != s1 {
		t.Fatalf("second seed differs: %+v vs %+v (%v)", s2, s1, err)
	}
	if _, err := demo.Seed(ctx, st, &fakeSlack{}, demo.Options{Seed: 7, Now: today}); err == nil {
		t.Fatal("seeding a database with reps must be refused")
	}
	start = time.Now()
	r, err := training.Retrain(ctx, st, training.Config{Kind: scoring.KindLogReg, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded in %v, first model in %v: %+v", seeded, time.Since(start), r.Challenger)
	if !r.Promoted || r.Challenger.AUC < 0.7 || r.Scored != s1.Open {
		t.Fatalf("first model: promoted=%v AUC %.3f scored %d", r.Promoted, r.Challenger.AUC, r.Scored)
	}
}

// The demo's point: a rep's account-wide "leadership change" moves the account's other leads down
// at the next retrain, because past reasons taught the model what reps know and the CRM does not.
func TestAccountWideReasonMovesTheAccount(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	stats, err := demo.Seed(ctx, st, &fakeSlack{}, demo.Options{Seed: 1, Now: today})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Feedback == 0 {
		t.Fatal("the demo has no feedback history")
	}
	if _, err := training.Retrain(ctx, st, training.Config{Seed: 1}, nil); err != nil {
		t.Fatal(err)
	}
	open, _ := st.OpenLeads(ctx)
	var judged, other leadbot.Lead
	// The manager gives the reason, so a lead the owner judged already can take it too.
	managers, err := st.Managers(ctx)
	if err != nil || len(managers) == 0 {
		t.Fatal("no manager", err)
	}
	unsaid := func(l leadbot.Lead) bool {
		said, err := st.ReasonsSaid(ctx, l.ID)
		return err == nil && len(said) == 0
	}
	for i, a := range open {
		for _, b := range open[i+1:] {
			if a.Account == b.Account && judged.ID == 0 && unsaid(a) && unsaid(b) {
				judged, other = a, b
			}
		}
	}
	if judged.ID == 0 {
		t.Fatal("no account with two open leads")
	}
	if _, _, err := st.RecordFeedback(ctx, leadbot.NewFeedback{LeadID: judged.ID, RepID: managers[0].ID, Verdict: -1,
		ReasonCode: "leadership_change", AccountWide: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := training.Retrain(ctx, st, training.Config{Seed: 1, Force: true}, nil); err != nil {
		t.Fatal(err)
	}
	after, _ := st.LeadByID(ctx, other.ID)
	t.Logf("%s at %q: %.3f → %.3f after a colleague's account-wide reason", other.ExternalID, other.Account, *other.Score, *after.Score)
	if *after.Score > *other.Score*0.9 {
		t.Fatalf("the other lead of the account moved from %.3f to %.3f; want a visible drop", *other.Score, *after.Score)
	}
}

// The demo's history gives model health something to say on the first run: leads scored before
// their outcome in the last 90 days, the hot ones converting more than the rest.
func TestSeedGivesModelHealthAHistory(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	stats, err := demo.Seed(ctx, st, &fakeSlack{}, demo.Options{Seed: 1, Now: today})
	if err != nil {
		t.Fatal(err)
	}
	if stats.PastScores != stats.Outcomes {
		t.Errorf("%d past scores for %d outcomes", stats.PastScores, stats.Outcomes)
	}
	h, err := report.MeasureHealth(ctx, st, today)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("last %d days: %d hot leads, %.0f %% converted; %d others, %.0f %% converted", report.HealthDays, h.HotN, 100*h.HotRate(), h.RestN, 100*h.RestRate())
	if h.HotN < 20 || h.RestN < 100 || !(h.HotRate() > 1.5*h.RestRate()) {
		t.Fatalf("model health on the demo: %+v", h)
	}
	// The reps' verdicts carry the score the lead had when they gave them, so "model vs team"
	// has disagreements to settle on the first run.
	managers, err := st.Managers(ctx)
	if err != nil || len(managers) != 1 {
		t.Fatalf("managers %v %v", managers, err)
	}
	cs, err := st.TeamConflicts(ctx, managers[0].ID, report.ConflictHigh, report.ConflictLow)
	if err != nil {
		t.Fatal(err)
	}
	settled := 0
	for _, c := range cs {
		if _, ok := c.Positive(); ok {
			settled++
		}
	}
	t.Logf("%d disagreements between the model and the reps, %d settled by an outcome", len(cs), settled)
	if settled < 10 {
		t.Fatalf("%d disagreements settled by an outcome in the demo; want a table's worth", settled)
	}
}

// The demo's history includes a finished holdout, so /leadbot value has an uplift to show on the
// first run.
func TestSeedGivesTheValueReportAHoldout(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	stats, err := demo.Seed(ctx, st, &fakeSlack{}, demo.Options{Seed: 1, Now: today})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.ArmRows(ctx, 0)
	if err != nil || len(rows) != stats.HeldOut+stats.Treated || stats.HeldOut == 0 {
		t.Fatalf("%d rows, stats %+v, %v", len(rows), stats, err)
	}
	v := report.BuildValue(rows, 0)
	t.Logf("%s", strings.Join(v.Lines(), "\n"))
	if !strings.Contains(v.Lines()[0], "Sending the list raised conversion of all leads") {
		t.Fatalf("the demo's holdout shows no clear uplift: %q", v.Lines()[0])
	}
	if held, _ := st.HeldOut(ctx, []int64{rows[0].LeadID}); len(held) != 0 {
		t.Fatal("the demo's experiment is over: no lead may stay held out")
	}
}

// The demo's reps report more Finance leads lost to a competitor this week than usual: the
// emerging trend a manager sees on the first run.
func TestSeedHasAnEmergingTrend(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	stats, err := demo.Seed(ctx, st, &fakeSlack{}, demo.Options{Seed: 1, Now: today})
	if err != nil || stats.Verdicts == 0 {
		t.Fatalf("%+v %v", stats, err)
	}
	ts, err := report.FindTrends(ctx, st, today, report.TrendConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range ts {
		t.Logf("%s (p %.2g, %s)", tr.Text(), tr.P, tr.Column)
	}
	if len(ts) != 1 || ts[0].Segment != "Finance" || ts[0].Reason != "competitor" || ts[0].Reflected {
		t.Fatalf("want the Finance competitor rise alone, got %d trends", len(ts))
	}
}
