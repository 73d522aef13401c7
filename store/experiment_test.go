package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/experiment"
	"github.com/leadbot/leadbot/store"
)

func experimentLeads(t *testing.T, st *store.Store, n int) []store.Candidate {
	t.Helper()
	var cs []store.Candidate
	for i := range n {
		l, err := st.UpsertLead(context.Background(), store.NewLead{ExternalID: fmt.Sprintf("X-%d", i), Name: "Lead"})
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, store.Candidate{LeadID: l.ID, Band: []string{"hot", "warm", "cool"}[i%3], Score: 0.5})
	}
	return cs
}

func TestExperimentAssignmentIsForEver(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	cands := experimentLeads(t, st, 600)

	e1, err := st.EnsureExperiment(ctx, 0.2)
	if err != nil || e1 == nil {
		t.Fatal(e1, err)
	}
	again, err := st.EnsureExperiment(ctx, 0.2) // a restart, or the other replica
	if err != nil || again.ID != e1.ID {
		t.Fatalf("same share started a new experiment: %v %v", again, err)
	}
	first, err := st.Assign(ctx, *e1, cands[:400])
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	for _, c := range cands[:400] {
		if first[c.LeadID] != experiment.Assign(e1.ID, c.LeadID, 0.2) {
			t.Fatalf("lead %d stored %s, the draw says otherwise", c.LeadID, first[c.LeadID])
		}
		if first[c.LeadID] == experiment.HeldOut {
			held++
		}
	}
	if held < 50 || held > 110 {
		t.Fatalf("%d of 400 held out at a 20 %% share", held)
	}

	e2, err := st.EnsureExperiment(ctx, 0.1) // the share changes: a new experiment
	if err != nil || e2.ID == e1.ID {
		t.Fatalf("new share kept the experiment: %v %v", e2, err)
	}
	second, err := st.Assign(ctx, *e2, cands)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cands[:400] {
		if second[c.LeadID] != first[c.LeadID] {
			t.Fatalf("lead %d re-randomised: %s then %s", c.LeadID, first[c.LeadID], second[c.LeadID])
		}
	}
	rows, err := st.ArmRows(ctx, e2.ID)
	if err != nil || len(rows) != 200 {
		t.Fatalf("experiment 2 has %d rows (%v), want the 200 new leads", len(rows), err)
	}

	ids := make([]int64, len(cands))
	for i, c := range cands {
		ids[i] = c.LeadID
	}
	isHeld, err := st.HeldOut(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cands {
		if isHeld[c.LeadID] != (second[c.LeadID] == experiment.HeldOut) {
			t.Fatalf("HeldOut disagrees with Assign on lead %d", c.LeadID)
		}
	}

	off, err := st.EnsureExperiment(ctx, 0)
	if err != nil || off != nil {
		t.Fatalf("share 0 must stop the holdout: %v %v", off, err)
	}
	if released, _ := st.HeldOut(ctx, ids); len(released) != 0 {
		t.Fatalf("the holdout is off, yet %d leads are still held out", len(released))
	}
	es, _ := st.Experiments(ctx)
	for _, e := range es {
		if e.StoppedAt == nil {
			t.Fatalf("experiment %d still running after share 0", e.ID)
		}
	}
}

func TestExperimentRefusesBadShare(t *testing.T) {
	st := newStore(t)
	_, err := st.EnsureExperiment(context.Background(), 0.9)
	if leadbot.ErrorCode(err) != leadbot.EINVALID {
		t.Fatalf("share 0.9: %v", err)
	}
}

func TestRecordLookupOnlyForHeldOut(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	cands := experimentLeads(t, st, 60)
	e, _ := st.EnsureExperiment(ctx, 0.5)
	arms, err := st.Assign(ctx, *e, cands)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cands {
		if err := st.RecordLookup(ctx, c.LeadID, nil); err != nil {
			t.Fatal(err)
		}
	}
	rows, _ := st.ArmRows(ctx, 0)
	for _, r := range rows {
		want := 0
		if arms[r.LeadID] == experiment.HeldOut {
			want = 1
		}
		if r.Lookups != want {
			t.Fatalf("lead %d (%s): %d lookups recorded", r.LeadID, r.Arm, r.Lookups)
		}
	}
}

func TestHeldOutLeadsAreNeverListed(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	_, rep := team(t, st)
	for i := range 200 {
		if _, err := st.DB().Exec(`INSERT INTO leads (external_id, name, owner_id, score, scored_at) VALUES ($1, 'L', $2, $3, now())`,
			fmt.Sprint("E", i), rep.ID, 0.3+float64(i)/1000); err != nil {
			t.Fatal(err)
		}
	}
	e, _ := st.EnsureExperiment(ctx, 0.3)
	band := func(p float64) string {
		if p >= 0.45 {
			return "hot"
		}
		return "warm"
	}
	n, err := st.AssignOpenLeads(ctx, *e, rep.ID, band)
	if err != nil || n != 200 {
		t.Fatalf("assigned %d (%v)", n, err)
	}
	if n, _ := st.AssignOpenLeads(ctx, *e, rep.ID, band); n != 0 {
		t.Fatalf("a second draw assigned %d leads again", n)
	}
	rows, _ := st.ArmRows(ctx, e.ID)
	held := map[int64]bool{}
	for _, r := range rows {
		held[r.LeadID] = r.Arm == "held_out"
		if (r.Band == "hot") != (*r.Score >= 0.45) {
			t.Fatalf("lead %d band %s at %v", r.LeadID, r.Band, *r.Score)
		}
	}
	today := time.Now()
	top, _ := st.TopLeads(ctx, rep.ID, today, 500)
	cands, _ := st.DigestCandidates(ctx, store.CandidateQuery{RepID: rep.ID, Day: today, Limit: 500, ResendDays: 7})
	for what, ls := range map[string][]leadbot.Lead{"TopLeads": top, "DigestCandidates": cands} {
		for _, l := range ls {
			if held[l.ID] {
				t.Fatalf("%s lists held-out lead %d", what, l.ID)
			}
		}
		if len(ls) == 0 || len(ls) == 200 {
			t.Fatalf("%s listed %d of 200 leads", what, len(ls))
		}
	}
}
