package handlers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/sandbox"
)

// The scheduled manager digest comes at the schedule's time, counted from when the manager
// joined or last had one, whatever quarter-hour the server started in; a digest asked for
// (Force: the demo button, digest -now -managers) always comes, fresh, even the same day.
func TestManagerDigestSchedule(t *testing.T) {
	e := newEnv(t)
	joined := time.Now()
	e.clock.Set(joined)
	bossU, boss := e.rep("Boss", "UTC", nil)
	_, ann := e.rep("Ann", "UTC", &boss)
	e.lead("L1", "Lena Smith", "Acme", ann, 0.8)
	run := func(at time.Time, force bool) (sent, notDue, already int) {
		t.Helper()
		e.clock.Set(at)
		st, err := e.svc.RunManagerDigests(e.ctx, handlers.ManagerDigestOptions{Force: force, Spec: "0 8 * * 1"})
		if err != nil {
			t.Fatal(err)
		}
		return st.Sent, st.NotDue, st.AlreadySent
	}
	// Every quarter-hour of the first day after joining: no catch-up digest for a schedule that
	// fired before the manager was there.
	for at := joined; at.Before(joined.Add(24 * time.Hour)); at = at.Add(15 * time.Minute) {
		if next := nextMonday8(joined); !at.Before(next) {
			break
		}
		if sent, notDue, _ := run(at, false); sent != 0 || notDue != 1 {
			t.Fatalf("at %s, before the schedule's first time since joining: sent %d, not due %d", at, sent, notDue)
		}
	}
	// The schedule's time comes: sent, once.
	due := nextMonday8(joined).Add(5 * time.Minute)
	if sent, _, _ := run(due, false); sent != 1 {
		t.Fatalf("at %s: sent %d, want 1", due, sent)
	}
	if _, err := e.st.DB().ExecContext(e.ctx, `UPDATE digests SET sent_at = $1 WHERE rep_id = $2`, due, boss.ID); err != nil {
		t.Fatal(err) // the send happened at the test clock's time
	}
	if sent, notDue, _ := run(due.Add(15*time.Minute), false); sent != 0 || notDue != 1 {
		t.Fatalf("a quarter-hour later: sent %d, not due %d", sent, notDue)
	}
	// Asked for: a fresh report, in the DM, the same day.
	before := e.messagesIn(bossU.DM)
	if sent, _, already := run(due.Add(30*time.Minute), true); sent != 1 || already != 0 {
		t.Fatalf("on demand: sent %d, already %d", sent, already)
	}
	if _, err := e.sb.WaitMessage(e.ctx, func(m sandbox.Message) bool {
		return m.Channel == bossU.DM && strings.Contains(string(m.RawBlocks), "Model vs team") && e.messagesIn(bossU.DM) > before
	}); err != nil {
		t.Fatal(err)
	}
	// A week on, the schedule's next time: sent again.
	if sent, _, _ := run(due.AddDate(0, 0, 7), false); sent != 1 {
		t.Fatalf("a week later: sent %d", sent)
	}
}

// nextMonday8 is the first Monday 08:00 UTC after t.
func nextMonday8(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 8, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Monday || !d.After(t) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}
