package handlers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/sandbox"
)

// dbTally computes a rep's figures straight from the tables, with SQL of its own (not the
// store's), the way an analyst would: every delivery, every active verdict, every undone one,
// every snooze. The test's data all falls inside the surfaces' 7-day window.
func (e *env) dbTally(rep leadbot.Rep) (delivered, judged, up, down, undone, snoozed int) {
	e.t.Helper()
	err := e.st.DB().QueryRowContext(e.ctx, `
		SELECT (SELECT count(*) FROM deliveries WHERE rep_id = $1),
		       (SELECT count(*) FROM feedback WHERE rep_id = $1 AND undone_at IS NULL),
		       (SELECT count(*) FROM feedback WHERE rep_id = $1 AND undone_at IS NULL AND verdict = 1),
		       (SELECT count(*) FROM feedback WHERE rep_id = $1 AND undone_at IS NULL AND verdict = -1),
		       (SELECT count(*) FROM feedback WHERE rep_id = $1 AND undone_at IS NOT NULL),
		       (SELECT count(*) FROM snoozes WHERE rep_id = $1)`, rep.ID).Scan(&delivered, &judged, &up, &down, &undone, &snoozed)
	if err != nil {
		e.t.Fatal(err)
	}
	return
}

// repLoopClicks has Ann answer her digest of four leads with a 👍, a 👎 with a reason, a 👍 she
// undoes and a snooze, all through the sandbox as she would in Slack.
func (e *env) repLoopClicks(ann sandbox.User, ls []leadbot.Lead, m sandbox.Message) {
	e.t.Helper()
	wait := func(want string) {
		e.t.Helper()
		var err error
		if m, err = e.sb.WaitUpdate(e.ctx, m, func(x sandbox.Message) bool { return strings.Contains(string(x.RawBlocks), want) }); err != nil {
			e.t.Fatalf("digest not redrawn with %q: %v", want, err)
		}
	}
	click := func(id string) {
		e.t.Helper()
		if _, err := e.sb.ClickButton(e.ctx, ann, m, id); err != nil {
			e.t.Fatal(err)
		}
	}
	click(act(ls[0], handlers.ActionUp))
	wait(fmt.Sprintf("verdict_%d", ls[0].ID))
	click(act(ls[1], handlers.ActionDown))
	modal, err := e.sb.WaitView(e.ctx, func(v sandbox.View) bool { return v.CallbackID == handlers.CallbackReason && v.Open })
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.sb.SubmitView(e.ctx, ann, modal, map[string]sandbox.Input{"reason_code": sandbox.Options("no_budget")}); err != nil {
		e.t.Fatal(err)
	}
	wait("No budget")
	click(act(ls[2], handlers.ActionUp))
	wait(fmt.Sprintf(`"block_id":"verdict_%d"`, ls[2].ID))
	click(fmt.Sprintf("verdict_%d/%s", ls[2].ID, handlers.ActionUndo))
	wait(fmt.Sprintf(`"block_id":"actions_%d"`, ls[2].ID)) // the buttons are back
	if _, err := e.sb.SelectOverflow(e.ctx, ann, m, act(ls[3], handlers.ActionSnooze), fmt.Sprintf("%d:7", ls[3].ID)); err != nil {
		e.t.Fatal(err)
	}
	wait("Snoozed until")
}

// After 👍, 👎, Undo and snooze, every surface that counts feedback says the same figures, and
// they are the database's: the rep's /leadbot stats and Home, the manager's /leadbot team, the
// manager digest and the manager's Home.
func TestOneSetOfNumbers(t *testing.T) {
	e := newEnv(t)
	bossU, boss := e.rep("Boss", "Europe/Paris", nil)
	ann, annRep := e.rep("Ann", "Europe/Paris", &boss)
	ls := []leadbot.Lead{e.lead("L1", "Lena Smith", "Acme", annRep, 0.81), e.lead("L2", "Omar Diaz", "Globex", annRep, 0.72),
		e.lead("L3", "Ida Berg", "Initech", annRep, 0.45), e.lead("L4", "Sam Wu", "Hooli", annRep, 0.3)}
	e.digest(handlers.DigestOptions{})
	e.repLoopClicks(ann, ls, e.dmTo(ann))
	// Two outcomes after the scores: the hot lead (81 %) won, the cool one (30 %) was lost.
	for _, o := range []leadbot.Outcome{{LeadID: ls[0].ID, Outcome: "won", OccurredAt: time.Now().Add(time.Second)},
		{LeadID: ls[3].ID, Outcome: "lost", OccurredAt: time.Now().Add(time.Second)}} {
		if err := e.st.RecordOutcome(e.ctx, o, "test"); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Set(time.Now().Add(time.Minute)) // the surfaces' window ends now, after the clicks

	delivered, judged, up, down, undone, snoozed := e.dbTally(annRep)
	if delivered != 4 || judged != 2 || up != 1 || down != 1 || undone != 1 || snoozed != 1 {
		t.Fatalf("database: %d delivered, %d judged (%d up, %d down), %d undone, %d snoozed; want 4, 2 (1, 1), 1, 1",
			delivered, judged, up, down, undone, snoozed)
	}
	want := fmt.Sprintf("%d sent · %d judged (:+1: %d, :-1: %d) · %d undone · %d snoozed", delivered, judged, up, down, undone, snoozed)
	surfaces := map[string]string{}
	e.slash(ann, "/leadbot", "stats")
	surfaces["rep's /leadbot stats"] = string(e.ephemeralFor(ann, "Your last 7 days").RawBlocks)
	if _, err := e.sb.OpenHome(e.ctx, ann); err != nil {
		t.Fatal(err)
	}
	home, err := e.sb.WaitView(e.ctx, func(v sandbox.View) bool { return v.Type == "home" && v.User == ann.ID })
	if err != nil {
		t.Fatal(err)
	}
	surfaces["rep's Home"] = string(home.Raw)
	e.slash(bossU, "/leadbot", "team")
	surfaces["manager's /leadbot team"] = string(e.ephemeralFor(bossU, "Model vs team").RawBlocks)
	if st, err := e.svc.RunManagerDigests(e.ctx, handlers.ManagerDigestOptions{Force: true}); err != nil || st.Sent != 1 {
		t.Fatalf("manager digest: %+v %v", st, err)
	}
	dm, err := e.sb.WaitMessage(e.ctx, func(m sandbox.Message) bool {
		return m.Channel == bossU.DM && strings.Contains(string(m.RawBlocks), "Model vs team")
	})
	if err != nil {
		t.Fatal(err)
	}
	surfaces["manager digest"] = string(dm.RawBlocks)
	surfaces["manager's Home"] = e.homeOf(bossU, "Your team this week")
	unescape := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")
	for name, text := range surfaces {
		text = unescape.Replace(text)
		surfaces[name] = text
		if !strings.Contains(text, want) {
			t.Errorf("%s does not say %q:\n%s", name, want, text)
		}
	}
	// Model health, in the same plain words everywhere, and no technical names outside the
	// admin's model line.
	health := "Of the leads leadbot called hot in the last 90 days, *100 %* converted, against 0 % of the rest: 1 hot lead and 1 other had an outcome."
	for name, text := range surfaces {
		if !strings.Contains(text, health) && name != "rep's /leadbot stats" {
			t.Errorf("%s does not say %q", name, health)
		}
		for _, tech := range []string{"ROC AUC", "Champion", "recent outcomes: not enough", "PSI"} {
			if strings.Contains(text, tech) {
				t.Errorf("%s says %q", name, tech)
			}
		}
	}
	// The manager's surfaces say it of Ann, and for the team (Ann is all of it).
	for _, name := range []string{"manager's /leadbot team", "manager digest", "manager's Home"} {
		if !strings.Contains(surfaces[name], fmt.Sprintf("<@%s>: %s", ann.ID, want)) || !strings.Contains(surfaces[name], "*This week*: "+want) {
			t.Errorf("%s lacks Ann's line or the team's:\n%s", name, surfaces[name])
		}
	}
}
