package handlers_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/report"
)

// seedTrend gives six industries 40 verdicts a week for nine weeks, one in twenty "competitor";
// this week fintech gets 13 of them (12 more than usual).
func (e *env) seedTrend(repID int64, now time.Time) {
	e.t.Helper()
	_, err := e.st.DB().ExecContext(e.ctx, `
		WITH l AS (
		    INSERT INTO leads (external_id, name, owner_id, attributes, score, scored_at)
		    SELECT 'TR-' || ind || '-' || wk || '-' || i, 'Lead', $1,
		           jsonb_build_object('Industry', CASE ind WHEN 0 THEN 'fintech' ELSE 'industry ' || ind END), 0.5, $2::timestamptz - interval '70 days'
		    FROM generate_series(0, 5) ind, generate_series(0, 8) wk, generate_series(0, 39) i
		    RETURNING id, external_id)
		INSERT INTO feedback (lead_id, rep_id, verdict, reason_code, created_at)
		SELECT l.id, $1, -1,
		       CASE WHEN (wk = 0 AND ind = 0 AND i < 12) OR i % 20 = 0 THEN 'competitor' END,
		       $2::timestamptz - (wk * 7 * 24 + 1) * interval '1 hour' - i * interval '1 minute'
		FROM l, LATERAL (SELECT split_part(l.external_id, '-', 2)::int AS ind, split_part(l.external_id, '-', 3)::int AS wk,
		                        split_part(l.external_id, '-', 4)::int AS i) p`, repID, now)
	if err != nil {
		e.t.Fatal(err)
	}
}

func TestEmergingTrendReachesManagersOnce(t *testing.T) {
	e := newEnv(t)
	bossU, boss := e.rep("Boss", "Europe/Paris", nil)
	_, ann := e.rep("Ann", "Europe/Paris", &boss)
	e.seedTrend(ann.ID, e.clock.Now())

	stats, err := e.svc.RunTrends(e.ctx, report.TrendConfig{})
	if err != nil || stats.Posted != 1 || stats.Managers != 1 {
		t.Fatalf("RunTrends: %+v, %v", stats, err)
	}
	m := e.dmTo(bossU)
	if !strings.Contains(string(m.RawBlocks), "Reps marked 13 fintech leads “went with a competitor” this week") {
		t.Fatalf("manager got %s", m.RawBlocks)
	}
	before := e.messagesIn(bossU.DM)
	again, err := e.svc.RunTrends(e.ctx, report.TrendConfig{})
	if err != nil || again.Posted != 0 || again.AlreadyPosted != 1 {
		t.Fatalf("second run: %+v, %v", again, err)
	}
	if n := e.messagesIn(bossU.DM); n != before {
		t.Fatalf("the same trend was posted again (%d → %d messages)", before, n)
	}
}

func TestTrendBlocksEscapeCRMText(t *testing.T) {
	bs := handlers.TrendBlocks([]report.Trend{{Segment: "<!channel> fin", Label: "Went with a competitor", Recent: 5, Usual: 1}})
	b, err := json.Marshal(bs)
	if err != nil {
		t.Fatal(err)
	}
	raw := string(b)
	if strings.Contains(raw, "<!channel>") || !strings.Contains(raw, "lt;!channel&gt;") && !strings.Contains(raw, `\u0026lt;!channel\u0026gt;`) {
		t.Fatalf("segment not escaped: %s", raw)
	}
}

func TestLeadbotValueForManagers(t *testing.T) {
	e := newEnv(t)
	bossU, boss := e.rep("Boss", "Europe/Paris", nil)
	annU, ann := e.rep("Ann", "Europe/Paris", &boss)
	_, err := e.st.DB().ExecContext(e.ctx, `
		WITH ex AS (INSERT INTO experiments (share, started_at) VALUES (0.5, $2::timestamptz - interval '90 days') RETURNING id),
		     l AS (INSERT INTO leads (external_id, name, owner_id) SELECT 'V' || i, 'Lead ' || i, $1 FROM generate_series(1, 800) i RETURNING id),
		     a AS (INSERT INTO experiment_leads (lead_id, experiment_id, arm, band, score, assigned_at)
		           SELECT l.id, ex.id, CASE WHEN l.id % 2 = 0 THEN 'treated' ELSE 'held_out' END, 'hot', 0.8, $2::timestamptz - interval '80 days'
		           FROM l, ex RETURNING lead_id, arm)
		INSERT INTO outcomes (lead_id, outcome, occurred_at, amount)
		SELECT lead_id, 'won', $2::timestamptz - interval '20 days', 1000 FROM (
		    SELECT lead_id, arm, row_number() OVER (PARTITION BY arm ORDER BY lead_id) AS n FROM a) x
		WHERE (arm = 'treated' AND n <= 120) OR (arm = 'held_out' AND n <= 80)`, ann.ID, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.slash(bossU, "/leadbot", "value")
	got := e.ephemeralFor(bossU, "What sending the list changed")
	if !strings.Contains(string(got.RawBlocks), "Sending the list raised conversion of hot leads from 20 % to 30 %") ||
		!strings.Contains(string(got.RawBlocks), "Shared numbers") {
		t.Fatalf("/leadbot value: %s", got.RawBlocks)
	}
	e.slash(annU, "/leadbot", "value")
	e.ephemeralFor(annU, "is for sales managers")

	// The month's first manager digest carries the same verdict.
	if _, err := e.svc.RunManagerDigests(e.ctx, handlers.ManagerDigestOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	m := e.dmTo(bossU)
	if !strings.Contains(string(m.RawBlocks), "What sending the list changed") {
		t.Fatalf("manager digest without the value section: %s", m.RawBlocks)
	}
	// Sent exactly once, as a rep digest is: it carries the metadata that finds it after a lost answer.
	if !strings.Contains(string(m.Metadata), handlers.DigestEventType) || !strings.Contains(string(m.Metadata), `"manager"`) {
		t.Fatalf("manager digest without its metadata: %s", m.Metadata)
	}
}

// TestHeldOutLeadsAreNeverPushed: with half the leads held out, "hot now" sends only the treated
// hot leads, and neither the digest nor /leads shows a held-out one; a lookup by name still
// finds one, and is recorded.
func TestHeldOutLeadsAreNeverPushed(t *testing.T) {
	e := newEnv(t, withHoldout(0.5))
	ana, rep := e.rep("Ana", "Europe/Paris", nil)
	byName := map[string]int64{}
	for i := range 30 {
		l := e.lead(fmt.Sprintf("HO%02d", i), fmt.Sprintf("Hot %02d", i), "Acme", rep, 0.9-0.001*float64(i))
		byName[l.Name] = l.ID
	}
	st, err := e.svc.SendHotNow(e.ctx, handlers.HotNowOptions{PerDay: 100})
	if err != nil {
		t.Fatal(err)
	}
	if st.HeldOut == 0 || st.Sent == 0 || st.Sent+st.HeldOut != 30 {
		t.Fatalf("hot now: %+v; want the 30 split between sent and held out", st)
	}
	held, err := e.st.HeldOut(e.ctx, slices.Collect(maps.Values(byName)))
	if err != nil || len(held) != st.HeldOut {
		t.Fatalf("held out: %d stored, %d skipped (%v)", len(held), st.HeldOut, err)
	}
	for _, m := range e.sb.Messages() {
		for name, id := range byName {
			if held[id] && strings.Contains(string(m.RawBlocks), name) {
				t.Fatalf("held-out %s was pushed: %s", name, m.Text)
			}
		}
	}
	e.slash(ana, "/leads", "20")
	list := e.ephemeralFor(ana, "Hot")
	for name, id := range byName {
		if held[id] && strings.Contains(string(list.RawBlocks), name) {
			t.Fatalf("/leads lists held-out %s", name)
		}
	}
	var heldName string
	for name, id := range byName {
		if held[id] {
			heldName = name
		}
	}
	e.slash(ana, "/lead", heldName)
	e.ephemeralFor(ana, heldName)
	rows, _ := e.st.ArmRows(e.ctx, 0)
	lookups := 0
	for _, r := range rows {
		lookups += r.Lookups
	}
	if lookups != 1 {
		t.Fatalf("%d lookups recorded, want the one", lookups)
	}
}

// TestDigestLeavesHeldOutLeadsOut: with the holdout on, the first digest draws the rep's leads,
// and none of the held-out ones is in it.
func TestDigestLeavesHeldOutLeadsOut(t *testing.T) {
	e := newEnv(t, withHoldout(0.5))
	ana, rep := e.rep("Ana", "Europe/Paris", nil)
	for i := range 12 {
		e.lead(fmt.Sprintf("DH%02d", i), fmt.Sprintf("Digest lead %02d", i), "Acme", rep, 0.9-0.01*float64(i))
	}
	if st := e.digest(handlers.DigestOptions{Force: true}); st.Sent != 1 {
		t.Fatalf("digest: %+v", st)
	}
	m := e.dmTo(ana)
	rows, err := e.st.ArmRows(e.ctx, 0)
	if err != nil || len(rows) != 12 {
		t.Fatalf("%d leads drawn (%v), want all 12", len(rows), err)
	}
	held := 0
	for _, r := range rows {
		l, _ := e.st.LeadByID(e.ctx, r.LeadID)
		if r.Arm == "held_out" {
			held++
			if strings.Contains(string(m.RawBlocks), l.Name) {
				t.Fatalf("the digest carries held-out %s", l.Name)
			}
		}
	}
	if held == 0 || held == 12 {
		t.Fatalf("%d of 12 held out at a half share", held)
	}
}
