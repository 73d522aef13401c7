package store_test

import (
	"cmp"
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/store"
)

func TestWeekStart(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, c := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2030, 3, 13, 15, 0, 0, 0, time.UTC), "2030-03-11T00:00:00+01:00"},  // Wednesday
		{time.Date(2030, 3, 11, 0, 0, 0, 0, paris), "2030-03-11T00:00:00+01:00"},      // Monday midnight
		{time.Date(2030, 3, 10, 23, 30, 0, 0, time.UTC), "2030-03-11T00:00:00+01:00"}, // Monday 00:30 in Paris
		{time.Date(2030, 3, 17, 23, 59, 0, 0, paris), "2030-03-11T00:00:00+01:00"},    // Sunday night
		{time.Date(2030, 4, 2, 12, 0, 0, 0, paris), "2030-04-01T00:00:00+02:00"},      // after the DST change
	} {
		if got := store.WeekStart(c.in, paris).Format(time.RFC3339); got != c.want {
			t.Errorf("WeekStart(%v) = %s, want %s", c.in, got, c.want)
		}
	}
}

// TestTeamWeekly builds four weeks of a team's feedback and outcomes by hand and checks every
// number of every week, including what must stay out: other teams, undone verdicts,
// data-quality reports, the current week, and scores recorded after the outcome.
func TestTeamWeekly(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	mgr, ann := team(t, st)
	other, err := st.UpsertRep(ctx, store.NewRep{Email: "olga@example.com", Name: "Olga", IsManager: true})
	if err != nil {
		t.Fatal(err)
	}
	zed, err := st.UpsertRep(ctx, store.NewRep{Email: "zed@example.com", Name: "Zed", ManagerEmail: other.Email})
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	lead := func(ext string, owner leadbot.Rep, p float64) leadbot.Lead {
		t.Helper()
		l, err := st.UpsertLead(ctx, store.NewLead{ExternalID: ext, Name: ext, OwnerID: &owner.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.RecordScores(ctx, []store.NewScore{{LeadID: l.ID, Probability: p}}); err != nil {
			t.Fatal(err)
		}
		// Scored well before every outcome of the test.
		if _, err := st.DB().ExecContext(ctx, `UPDATE scores SET scored_at = '2030-01-01' WHERE lead_id = $1`, l.ID); err != nil {
			t.Fatal(err)
		}
		return l
	}
	give := func(r leadbot.Rep, l leadbot.Lead, verdict int, reason string, when time.Time) {
		t.Helper()
		fb, _, err := st.RecordFeedback(ctx, leadbot.NewFeedback{LeadID: l.ID, RepID: r.ID, Verdict: leadbot.Verdict(verdict), ReasonCode: reason})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().ExecContext(ctx, `UPDATE feedback SET created_at = $2 WHERE id = $1`, fb.ID, when); err != nil {
			t.Fatal(err)
		}
	}
	outcome := func(l leadbot.Lead, o string, when time.Time) {
		t.Helper()
		if err := st.RecordOutcome(ctx, leadbot.Outcome{LeadID: l.ID, Outcome: o, OccurredAt: when}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	// The four weeks: Mondays 11, 18, 25 Feb and 4 Mar 2030 (Paris); "now" is Wed 13 Mar.
	until := at("2030-03-13 15:00")
	la, lb, lc := lead("A", ann, 0.8), lead("B", ann, 0.3), lead("C", ann, 0.7)
	ld, le, lf := lead("D", ann, 0.9), lead("E", ann, 0.65), lead("F", ann, 0.2)
	lg, lh, li := lead("G", ann, 0.55), lead("H", ann, 0.1), lead("I", ann, 0.95)
	lz := lead("Z", zed, 0.9)

	// Week 1: two agreements; a data-quality report, judged but not a call on the lead's chances.
	give(ann, la, 1, "", at("2030-02-12 10:00"))
	give(ann, lb, -1, "no_budget", at("2030-02-13 10:00"))
	give(ann, lc, -1, "bad_data", at("2030-02-14 10:00"))
	// Week 2 starts at Monday 00:00 Paris, which is Sunday 23:00 UTC: this one is week 2.
	give(ann, lg, 1, "", at("2030-02-18 00:00"))
	give(ann, lh, 1, "", at("2030-02-17 23:59")) // week 1, a disagreement (👍 at 10 %)
	// Week 3: the manager's own verdict counts; another team's does not; undone ones do not.
	give(ann, ld, -1, "competitor", at("2030-02-26 10:00"))
	give(mgr, lb, 1, "", at("2030-02-27 10:00"))
	give(zed, lz, 1, "", at("2030-02-27 10:00"))
	give(ann, le, 1, "", at("2030-02-27 11:00"))
	if ok, err := st.UndoFeedback(ctx, ann.ID, le.ID); err != nil || !ok {
		t.Fatalf("undo: %v %v", ok, err)
	}
	// Outside the window: before it, and in the current (incomplete) week.
	give(mgr, la, 1, "", at("2030-02-10 23:59"))
	give(mgr, lc, 1, "", at("2030-03-11 09:00"))

	// Outcomes: week 3, a hot lead won and a cold one converted (not in the top band), another
	// team's hot lead won; week 4, a hot lead lost, and a lead that was cold before its outcome
	// though rescored hot right after (the score before the outcome is what counts).
	outcome(la, "won", at("2030-02-27 12:00"))
	outcome(lb, "converted", at("2030-02-28 12:00"))
	outcome(lz, "won", at("2030-02-28 12:00"))
	outcome(ld, "lost", at("2030-03-05 12:00"))
	outcome(li, "converted", at("2030-03-06 12:00"))
	outcome(lf, "won", at("2030-03-07 12:00"))
	if err := st.RecordScores(ctx, []store.NewScore{{LeadID: lf.ID, Probability: 0.9}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, `UPDATE scores SET scored_at = '2030-03-08' WHERE lead_id = $1 AND probability = 0.9`, lf.ID); err != nil {
		t.Fatal(err)
	}
	// Outside the window: a hot lead converted in the current week.
	outcome(lc, "won", at("2030-03-12 12:00"))

	weeks, err := st.TeamWeekly(ctx, mgr.ID, until, 4, paris, 0.6)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.TeamWeek{
		{Start: at("2030-02-11 00:00"), Judged: 4, Scored: 3, Agreed: 2},
		{Start: at("2030-02-18 00:00"), Judged: 1, Scored: 1, Agreed: 1},
		{Start: at("2030-02-25 00:00"), Judged: 2, Scored: 2, Agreed: 0, Hot: 1, HotWon: 1},
		{Start: at("2030-03-04 00:00"), Hot: 2, HotWon: 1},
	}
	if len(weeks) != len(want) {
		t.Fatalf("got %d weeks, want %d: %+v", len(weeks), len(want), weeks)
	}
	for i := range want {
		if !weeks[i].Start.Equal(want[i].Start) || weeks[i].Start.Location() != paris {
			t.Errorf("week %d starts %v, want %v", i+1, weeks[i].Start, want[i].Start)
		}
		g, w := weeks[i], want[i]
		g.Start, w.Start = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("week %d = %+v, want %+v", i+1, g, w)
		}
	}
	if a := weeks[0].Agreement(); math.Abs(a-2.0/3) > 1e-9 {
		t.Errorf("week 1 agreement %v", a)
	}
	if p := weeks[3].Precision(); p != 0.5 {
		t.Errorf("week 4 precision %v", p)
	}
	if !math.IsNaN(weeks[3].Agreement()) || !math.IsNaN(weeks[0].Precision()) {
		t.Error("an empty rate is not NaN")
	}
	// The score-bands chart's outcomes: the team's, in their weeks, each with the score from
	// before it (F was 20 % then); another team's and the current week's left out.
	outs, starts, err := st.TeamOutcomesWeekly(ctx, mgr.ID, until, 4, paris)
	if err != nil {
		t.Fatal(err)
	}
	if len(starts) != 4 || !starts[0].Equal(at("2030-02-11 00:00")) {
		t.Errorf("week starts %v", starts)
	}
	slices.SortFunc(outs, func(a, b store.WeekOutcome) int {
		return cmp.Or(cmp.Compare(a.Week, b.Week), cmp.Compare(a.Probability, b.Probability))
	})
	wantOuts := []store.WeekOutcome{{2, 0.3, true}, {2, 0.8, true}, {3, 0.2, true}, {3, 0.9, false}, {3, 0.95, true}}
	if !slices.Equal(outs, wantOuts) {
		t.Errorf("outcomes by week = %+v, want %+v", outs, wantOuts)
	}
	// The other team sees only its own.
	weeks, err = st.TeamWeekly(ctx, other.ID, until, 4, paris, 0.6)
	if err != nil {
		t.Fatal(err)
	}
	if weeks[2].Judged != 1 || weeks[2].Agreed != 1 || weeks[2].Hot != 1 || weeks[2].HotWon != 1 {
		t.Errorf("other team's week 3 = %+v", weeks[2])
	}
}
