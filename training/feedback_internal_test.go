package training

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
)

func day(d int) time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d) }

func ptr[T any](v T) *T { return &v }

// TestFeedbackOnlyWhileTheOutcomeWasUnknown: a reason (or vote) given once a lead's outcome was
// known never reaches that labelled row; an account-wide reason reaches the account's leads open
// when it was given and those created after, never its history.
func TestFeedbackOnlyWhileTheOutcomeWasUnknown(t *testing.T) {
	lead := func(id int64, created int, known *int) store.TrainingLead {
		l := store.TrainingLead{ID: id, Account: "summit nimbus", Status: "open", CreatedAt: ptr(day(created)), Attributes: json.RawMessage(`{"Visits": 3}`)}
		if known != nil {
			l.Outcome, l.OccurredAt, l.KnownAt = ptr("lost"), ptr(day(*known)), ptr(day(*known))
		}
		return l
	}
	leads := []store.TrainingLead{
		lead(1, 0, ptr(10)),  // history: lost on day 10
		lead(2, 0, ptr(40)),  // open on day 20, lost on day 40
		lead(3, 5, nil),      // open
		lead(4, 30, nil),     // created after the account-wide reason
		lead(5, 0, ptr(100)), // the lead the reasons are given on
	}
	fb := []store.TrainingFeedback{
		{LeadID: 1, Verdict: -1, ReasonCode: ptr("competitor"), CreatedAt: day(12)}, // after lead 1's outcome: a leak
		{LeadID: 5, Verdict: -1, ReasonCode: ptr("leadership_change"), AccountWide: true, CreatedAt: day(20)},
		{LeadID: 2, Verdict: -1, ReasonCode: ptr("no_budget"), CreatedAt: day(39)},
	}
	ds := buildDataset(leads, fb, frameOptions{})
	for _, c := range []struct {
		lead   int
		column string
		want   float64
	}{
		{0, "competitor", 0},        // given two days after the outcome was known
		{0, "leadership_change", 0}, // the account's history
		{1, "leadership_change", 1}, // open when the reason was given
		{2, "leadership_change", 1},
		{3, "leadership_change", 1}, // created after
		{4, "leadership_change", 1}, // the lead itself
		{1, "no_budget", 1},         // given the day before the outcome
	} {
		v, _ := ds.frame.Value(c.lead, scoring.ReasonPrefix+c.column)
		if got := parse(v); got != c.want {
			t.Errorf("lead %d, reason %s = %v, want %v", leads[c.lead].ID, c.column, got, c.want)
		}
	}
	if v, _ := ds.frame.Value(0, scoring.VoteColumn); parse(v) != 0 {
		t.Errorf("a vote given after the outcome counts on the labelled lead: %s", v)
	}
	// The account-wide reason's 👎 labels only the lead it was given on.
	for _, f := range ds.fb {
		if f.Vote != 0 && ds.leads[f.Lead].ID != 5 && ds.leads[f.Lead].ID != 2 {
			t.Errorf("a vote reached lead %d", ds.leads[f.Lead].ID)
		}
	}
}

func parse(v string) float64 {
	if v == "" {
		return 0
	}
	var x float64
	if err := json.Unmarshal([]byte(v), &x); err != nil {
		return math.NaN()
	}
	return x
}

// TestHoldoutVotesAreNotWeakLabels: the challenger judged on the hold-out learns no vote on a
// hold-out lead and no vote given after the hold-out began; those stay reasons.
func TestHoldoutVotesAreNotWeakLabels(t *testing.T) {
	fb := []scoring.Feedback{{Lead: 0, Vote: 1}, {Lead: 1, Vote: -1, Reason: "no_budget"}, {Lead: 2, Vote: 1}, {Lead: 3, Vote: 1}}
	at := []time.Time{day(1), day(2), day(50), day(3)}
	got := votesBefore(fb, at, day(40), map[int]bool{1: true})
	want := []int{1, 0, 0, 1}
	for k := range got {
		if got[k].Vote != want[k] {
			t.Errorf("feedback %d: vote %d, want %d", k, got[k].Vote, want[k])
		}
	}
	if got[1].Reason != "no_budget" {
		t.Error("the reason of a hold-out lead was dropped with its vote")
	}
	if fb[1].Vote != -1 {
		t.Error("votesBefore changed its input")
	}
}
