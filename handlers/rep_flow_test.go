package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/sandbox"
)

// End-to-end tests of what a rep reads (issue 15): bands that keep meaning, closed leads that
// take no feedback, a 👎 that opens at any company.

// TestHotCoversAtMostTheConfiguredShare: with inflated scores (every lead 93–98 %), hot is at
// most the configured share of the rep's open leads, in /leads and in a redrawn digest, and the
// digest says how many hot leads the rep has in all.
func TestHotCoversAtMostTheConfiguredShare(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.handlers.Bands = leadbot.BandRule{HotShare: 0.1} })
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	ann, annRep := e.rep("Ann", "Europe/Paris", &boss)
	for i := range 30 {
		e.lead(fmt.Sprintf("L%d", i), fmt.Sprintf("Lead %d", i), "Acme", annRep, 0.93+float64(i)/600)
	}
	// 30 open leads, a share of 0.1: 3 hot, where the old fixed cut (60 %) made all 30 hot.
	if _, err := e.sb.SlashCommand(e.ctx, ann, handlers.CommandLeads, "12"); err != nil {
		t.Fatal(err)
	}
	list, err := e.sb.WaitEphemeral(e.ctx, func(m sandbox.Ephemeral) bool { return strings.Contains(string(m.RawBlocks), "likely to convert") })
	if err != nil {
		t.Fatal(err)
	}
	if hot := strings.Count(string(list.RawBlocks), "likely to convert · hot"); hot != 3 {
		t.Errorf("/leads shows %d hot leads of 30 open, want the 3 the share allows", hot)
	}
	if warm := strings.Count(string(list.RawBlocks), "likely to convert · warm"); warm == 0 {
		t.Errorf("/leads shows no warm lead: %s", list.RawBlocks)
	}
	e.digest(handlers.DigestOptions{})
	m := e.dmTo(ann)
	id := strings.SplitN(strings.SplitN(string(m.RawBlocks), `"block_id":"actions_`, 2)[1], `"`, 2)[0]
	if _, err := e.sb.ClickButton(e.ctx, ann, m, "actions_"+id+"/"+handlers.ActionUp); err != nil {
		t.Fatal(err)
	}
	m, err = e.sb.WaitUpdate(e.ctx, m, func(m sandbox.Message) bool { return strings.Contains(string(m.RawBlocks), "recorded") })
	if err != nil {
		t.Fatal(err)
	}
	if hot := strings.Count(string(m.RawBlocks), "likely to convert · hot"); hot != 3 {
		t.Errorf("the digest shows %d hot leads, want the 3 the share allows", hot)
	}
	if !strings.Contains(string(m.RawBlocks), "You have *3* hot leads in all.") {
		t.Errorf("the digest does not say how many hot leads Ann has: %s", m.RawBlocks)
	}
}

// TestWonLeadTakesNoFeedback: a lead won six months ago is shown with its outcome and without
// 👍, 👎, snooze or Undo.
func TestWonLeadTakesNoFeedback(t *testing.T) {
	e := newEnv(t)
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	ann, annRep := e.rep("Ann", "Europe/Paris", &boss)
	l := e.lead("W1", "Wanda Won", "Acme", annRep, 0.7)
	if err := e.st.RecordOutcome(e.ctx, leadbot.Outcome{LeadID: l.ID, Outcome: "won", OccurredAt: monday0930.AddDate(0, -6, 0)}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.SlashCommand(e.ctx, ann, handlers.CommandLead, "Wanda"); err != nil {
		t.Fatal(err)
	}
	ans, err := e.sb.WaitEphemeral(e.ctx, func(m sandbox.Ephemeral) bool { return strings.Contains(string(m.RawBlocks), "Wanda Won") })
	if err != nil {
		t.Fatal(err)
	}
	raw := string(ans.RawBlocks)
	for _, id := range []string{handlers.ActionUp, handlers.ActionDown, handlers.ActionSnooze, handlers.ActionUndo} {
		if strings.Contains(raw, `"`+id+`"`) {
			t.Errorf("a lead won 6 months ago offers %s: %s", id, raw)
		}
	}
	if !strings.Contains(raw, "*Won* 6 months ago") {
		t.Errorf("the outcome is not shown: %s", raw)
	}
}

// TestDownOpensAtALongCompany: 👎 at a company of 60 characters opens the reason form (its
// account checkbox's description passed Slack's 75 characters and views.open was refused).
func TestDownOpensAtALongCompany(t *testing.T) {
	e := newEnv(t)
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	ann, annRep := e.rep("Ann", "Europe/Paris", &boss)
	company := "Summit Nimbus International Holdings & Partners GmbH Ltd. ÄÖ"
	if n := len([]rune(company)); n != 60 {
		t.Fatalf("company of %d characters", n)
	}
	l := e.lead("C1", "Carla Long", company, annRep, 0.7)
	e.digest(handlers.DigestOptions{})
	m := e.dmTo(ann)
	if _, err := e.sb.ClickButton(e.ctx, ann, m, act(l, handlers.ActionDown)); err != nil {
		t.Fatal(err)
	}
	modal, err := e.sb.WaitView(e.ctx, func(v sandbox.View) bool { return v.CallbackID == handlers.CallbackReason && v.Open })
	if err != nil {
		t.Fatalf("the reason form did not open: %v", err)
	}
	handlers.CheckViewLimits(t, modal.Raw)
	if !strings.Contains(string(modal.Raw), "Every lead at Summit Nimbus") {
		t.Errorf("the account checkbox does not name the company: %s", modal.Raw)
	}
}
