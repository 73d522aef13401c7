package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newStore(t *testing.T) *store.Store {
	t.Helper()
	return store.New(pgtest.NewDB(t))
}

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// team creates a manager and a rep who reports to them.
func team(t *testing.T, st *store.Store) (mgr, rep leadbot.Rep) {
	t.Helper()
	ctx := context.Background()
	mgr, err := st.UpsertRep(ctx, store.NewRep{Email: "Boss@Example.com ", Name: "Boss", SlackUserID: "UBOSS", IsManager: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err = st.UpsertRep(ctx, store.NewRep{Email: "ann@example.com", Name: "Ann", SlackUserID: "UANN", ManagerEmail: "boss@example.com", Timezone: "Europe/Paris"})
	if err != nil {
		t.Fatal(err)
	}
	return mgr, rep
}

func TestRepsRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	mgr, rep := team(t, st)
	if mgr.Email != "boss@example.com" {
		t.Errorf("email not normalised: %q", mgr.Email)
	}
	if rep.ManagerID == nil || *rep.ManagerID != mgr.ID {
		t.Errorf("manager not linked: %+v", rep.ManagerID)
	}
	got, err := st.RepBySlackID(ctx, "UANN")
	if err != nil || got.ID != rep.ID || got.Timezone != "Europe/Paris" || got.DeliveryHour != nil || got.LeadsPerDay != nil {
		t.Fatalf("RepBySlackID = %+v, %v", got, err)
	}
	pause := day("2030-01-31")
	seven, three, late := 7, 3, 25
	if err := st.UpdateRepSettings(ctx, rep.ID, store.RepSettings{DeliveryHour: &seven, LeadsPerDay: &three, PausedUntil: &pause}); err != nil {
		t.Fatal(err)
	}
	got, _ = st.RepByID(ctx, rep.ID)
	if *got.DeliveryHour != 7 || *got.LeadsPerDay != 3 || !got.Paused(day("2030-01-31")) || got.Paused(day("2030-02-01")) {
		t.Fatalf("settings not kept: %+v", got)
	}
	if err := st.UpdateRepSettings(ctx, rep.ID, store.RepSettings{DeliveryHour: &late, LeadsPerDay: &three}); err == nil {
		t.Fatal("delivery hour 25 was accepted")
	}
	if err := st.SetSlackMatch(ctx, mgr.ID, "", "", "users_not_found"); err != nil {
		t.Fatal(err)
	}
	got, _ = st.RepByID(ctx, mgr.ID)
	if got.SlackID() != "UBOSS" || got.LookupError != "users_not_found" || got.LookupAt == nil {
		t.Fatalf("slack match: %+v", got)
	}
	teamReps, err := st.TeamOf(ctx, mgr.ID)
	if err != nil || len(teamReps) != 1 || teamReps[0].ID != rep.ID {
		t.Fatalf("TeamOf = %v, %v", teamReps, err)
	}
	if _, err := st.RepBySlackID(ctx, "UNOBODY"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown slack id: %v, want ErrNotFound", err)
	}
	if _, err := st.UpsertRep(ctx, store.NewRep{Email: "other@example.com", SlackUserID: "UANN"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second rep with the same Slack id: %v, want ErrConflict", err)
	}
}

func TestLeadsScoresDigestsFeedback(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	_, rep := team(t, st)
	var leads []leadbot.Lead
	for i, name := range []string{"Alpha", "Beta", "Gamma"} {
		l, err := st.UpsertLead(ctx, store.NewLead{ExternalID: name, Name: name + " Person", Company: " ACME Corp ",
			OwnerID: &rep.ID, Source: "Web", Attributes: map[string]any{"Employees": 100 * (i + 1), "Industry": "Retail"}})
		if err != nil {
			t.Fatal(err)
		}
		leads = append(leads, l)
	}
	if leads[0].Account != "acme corp" || leads[0].Attrs()["Employees"] != "100" {
		t.Fatalf("lead round trip: account %q attrs %v", leads[0].Account, leads[0].Attrs())
	}
	// Unscored leads are not digest candidates.
	today := day("2030-03-04")
	cands, err := st.DigestCandidates(ctx, store.CandidateQuery{RepID: rep.ID, Day: today, Limit: 5, ResendDays: 7})
	if err != nil || len(cands) != 0 {
		t.Fatalf("candidates before scoring = %d, %v", len(cands), err)
	}
	var scores []store.NewScore
	for i, l := range leads {
		scores = append(scores, store.NewScore{LeadID: l.ID, Probability: 0.2 + 0.3*float64(i),
			Factors: leadbot.Factors{Base: -1, Factors: []leadbot.Factor{{Column: "Industry", Label: "Industry: Retail", Value: 0.5}}}})
	}
	if err := st.RecordScores(ctx, scores); err != nil {
		t.Fatal(err)
	}
	hist, err := st.LatestScores(ctx, leads[2].ID, 2)
	if err != nil || len(hist) != 1 || hist[0].Factors().Factors[0].Label != "Industry: Retail" {
		t.Fatalf("score history = %+v, %v", hist, err)
	}
	cands, _ = st.DigestCandidates(ctx, store.CandidateQuery{RepID: rep.ID, Day: today, Limit: 2, ResendDays: 7})
	if len(cands) != 2 || cands[0].ExternalID != "Gamma" || cands[1].ExternalID != "Beta" {
		t.Fatalf("top candidates = %v", names(cands))
	}

	d, created, err := st.ReserveDigest(ctx, rep.ID, today, "rep", cands)
	if err != nil || !created {
		t.Fatalf("reserve: %v created=%v", err, created)
	}
	again, created, err := st.ReserveDigest(ctx, rep.ID, today, "rep", leads)
	if err != nil || created || again.ID != d.ID {
		t.Fatalf("second reserve must return the same digest: %v created=%v id %d/%d", err, created, again.ID, d.ID)
	}
	got, _ := st.DigestLeads(ctx, d.ID)
	if len(got) != 2 || got[0].ExternalID != "Gamma" {
		t.Fatalf("digest leads = %v", names(got))
	}
	if err := st.MarkDigestSent(ctx, d.ID, "D1", "1.000001"); err != nil {
		t.Fatal(err)
	}
	if d, _ = st.DigestByID(ctx, d.ID); d.Status != "sent" || d.MessageTS != "1.000001" {
		t.Fatalf("digest after send: %+v", d)
	}
	// The sandbox forgets recent digests after a restart; older ones stay.
	if n, err := st.ForgetDigestsSince(ctx, today.AddDate(0, 0, 1)); err != nil || n != 0 {
		t.Fatalf("forget tomorrow's: %d, %v", n, err)
	}
	// Delivered leads are not offered again the same day, nor within the resend window unless the
	// score rose.
	cands, _ = st.DigestCandidates(ctx, store.CandidateQuery{RepID: rep.ID, Day: today, Limit: 5, ResendDays: 7})
	if len(cands) != 1 || cands[0].ExternalID != "Alpha" {
		t.Fatalf("candidates after delivery = %v", names(cands))
	}
	tomorrow := today.AddDate(0, 0, 1)
	if err := st.RecordScores(ctx, []store.NewScore{{LeadID: leads[1].ID, Probability: 0.9}}); err != nil {
		t.Fatal(err)
	}
	cands, _ = st.DigestCandidates(ctx, store.CandidateQuery{RepID: rep.ID, Day: tomorrow, Limit: 5, ResendDays: 7})
	if len(cands) != 2 || cands[0].ExternalID != "Beta" || cands[1].ExternalID != "Alpha" {
		t.Fatalf("candidates next day (Beta rose, Gamma did not) = %v", names(cands))
	}

	// Feedback: one active verdict; a second click returns the first; undo keeps history.
	fb, created, err := st.RecordFeedback(ctx, leadbot.NewFeedback{LeadID: leads[2].ID, RepID: rep.ID, Verdict: -1, ReasonCode: "no_budget", Note: "frozen until Q3"})
	if err != nil || !created || fb.Probability == nil || *fb.Probability != 0.8 {
		t.Fatalf("feedback: %+v created=%v err=%v", fb, created, err)
	}
	dup, created, err := st.RecordFeedback(ctx, leadbot.NewFeedback{LeadID: leads[2].ID, RepID: rep.ID, Verdict: 1})
	if err != nil || created || dup.ID != fb.ID || dup.Verdict != -1 {
		t.Fatalf("duplicate feedback: %+v created=%v err=%v", dup, created, err)
	}
	if _, _, err := st.RecordFeedback(ctx, leadbot.NewFeedback{LeadID: leads[1].ID, RepID: rep.ID, Verdict: -1, ReasonCode: "made_up"}); err == nil {
		t.Fatal("unknown reason code accepted")
	}
	if ok, err := st.UndoFeedback(ctx, rep.ID, leads[2].ID); !ok || err != nil {
		t.Fatalf("undo: %v %v", ok, err)
	}
	if ok, _ := st.UndoFeedback(ctx, rep.ID, leads[2].ID); ok {
		t.Fatal("second undo found a verdict")
	}
	hist2, _ := st.FeedbackOnLead(ctx, leads[2].ID)
	if len(hist2) != 1 || hist2[0].UndoneAt == nil {
		t.Fatalf("history after undo: %+v", hist2)
	}
	// Snooze and outcome remove leads from the candidates.
	if err := st.Snooze(ctx, rep.ID, leads[1].ID, tomorrow.AddDate(0, 0, 7)); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordOutcome(ctx, leadbot.Outcome{LeadID: leads[0].ID, Outcome: "won", OccurredAt: today}, "test"); err != nil {
		t.Fatal(err)
	}
	cands, _ = st.DigestCandidates(ctx, store.CandidateQuery{RepID: rep.ID, Day: tomorrow, Limit: 5, ResendDays: 0})
	if len(cands) != 1 || cands[0].ExternalID != "Gamma" {
		t.Fatalf("candidates after snooze, outcome and undo = %v", names(cands))
	}
	o, err := st.OutcomeOf(ctx, leads[0].ID)
	if err != nil || !o.Positive() {
		t.Fatalf("outcome: %+v %v", o, err)
	}
	found, err := st.SearchLeads(ctx, "acme", 10)
	if err != nil || len(found) != 3 {
		t.Fatalf("search by company = %d, %v", len(found), err)
	}
	found, _ = st.SearchLeads(ctx, "beta", 10)
	if len(found) != 1 || found[0].ExternalID != "Beta" {
		t.Fatalf("search by id = %v", names(found))
	}
}

func TestReasonCodesAndJobRuns(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	rs, err := st.ReasonCodes(ctx)
	if err != nil || len(rs) != 10 || rs[0].Code != "no_budget" {
		t.Fatalf("reason codes: %v %v", rs, err)
	}
	rc, err := st.ReasonCode(ctx, "bad_data")
	if err != nil || !rc.DataQuality {
		t.Fatalf("bad_data: %+v %v", rc, err)
	}
	id, err := st.StartJobRun(ctx, "digest", "host-a")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.FinishJobRun(ctx, id, "ok", "", map[string]int{"sent": 3}); err != nil {
		t.Fatal(err)
	}
	runs, err := st.JobRuns(ctx, "digest", 5)
	if err != nil || len(runs) != 1 || runs[0].Outcome != "ok" || runs[0].FinishedAt == nil || string(runs[0].Details) != `{"sent": 3}` {
		t.Fatalf("job runs: %+v %v", runs, err)
	}
	release, ok, err := st.TryLock(ctx, 42)
	if err != nil || !ok {
		t.Fatalf("first lock: %v %v", ok, err)
	}
	if _, ok2, _ := st.TryLock(ctx, 42); ok2 {
		t.Fatal("second holder got the same advisory lock")
	}
	release()
	release2, ok, _ := st.TryLock(ctx, 42)
	if !ok {
		t.Fatal("lock not released")
	}
	release2()
}

func names(ls []leadbot.Lead) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.ExternalID)
	}
	return out
}

func TestForgetDigestsSince(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	_, rep := team(t, st)
	l, _ := st.UpsertLead(ctx, store.NewLead{ExternalID: "X", OwnerID: &rep.ID})
	for _, d := range []string{"2030-03-01", "2030-03-04"} {
		if _, _, err := st.ReserveDigest(ctx, rep.ID, day(d), "rep", []leadbot.Lead{l}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := st.ForgetDigestsSince(ctx, day("2030-03-03"))
	if err != nil || n != 1 {
		t.Fatalf("forgot %d (%v), want 1", n, err)
	}
	if _, err := st.DigestFor(ctx, rep.ID, day("2030-03-01"), "rep"); err != nil {
		t.Fatalf("the older digest is gone: %v", err)
	}
	var deliveries int
	st.DB().Get(&deliveries, `SELECT count(*) FROM deliveries`)
	if deliveries != 1 {
		t.Fatalf("%d deliveries left, want the older digest's 1", deliveries)
	}
}

func TestRecordFeedbackByOnlyForWhoMayJudge(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	mgr, rep := team(t, st)
	if _, err := st.UpsertRep(ctx, store.NewRep{Email: "bob@example.com", Name: "Bob", SlackUserID: "UBOB"}); err != nil {
		t.Fatal(err)
	}
	lead := func(ext string, owner *int64) leadbot.Lead {
		l, err := st.UpsertLead(ctx, store.NewLead{ExternalID: ext, Name: ext, OwnerID: owner})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	a, b, unassigned := lead("A", &rep.ID), lead("B", &rep.ID), lead("C", nil)
	for _, c := range []struct {
		slackID string
		lead    int64
		want    int64 // rep recorded, 0 for nothing
	}{
		{"UANN", a.ID, rep.ID},           // the owner
		{"UANN", a.ID, 0},                // a second click: the first verdict stays
		{"UBOSS", a.ID, mgr.ID},          // the owner's manager
		{"UBOB", b.ID, 0},                // someone else
		{"UNOBODY", b.ID, 0},             // a Slack user who is not a rep
		{"", b.ID, 0},                    // no Slack user
		{"UANN", unassigned.ID, 0},       // an unassigned lead
		{"UANN", unassigned.ID + 100, 0}, // a lead that is gone
	} {
		fb, recorded, err := st.RecordFeedbackBy(ctx, c.slackID, leadbot.NewFeedback{LeadID: c.lead, Verdict: 1, Channel: "D1", MessageTS: "1.1"})
		if err != nil || recorded != (c.want != 0) || (recorded && (fb.RepID != c.want || fb.LeadID != c.lead || fb.MessageTS != "1.1")) {
			t.Errorf("%s on lead %d: %+v recorded=%v err=%v, want a verdict by rep %d", c.slackID, c.lead, fb, recorded, err, c.want)
		}
	}
	if fs, _ := st.FeedbackOnLead(ctx, a.ID); len(fs) != 2 {
		t.Fatalf("lead A has %d verdicts, want the owner's and the manager's", len(fs))
	}
}
