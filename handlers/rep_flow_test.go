package handlers_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/store"
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

// TestPlainDMIsAnswered: "hello" in the bot's DM gets one line pointing to /leadbot help; the
// bot's own messages, edits and a second delivery of the same message get nothing.
func TestPlainDMIsAnswered(t *testing.T) {
	e := newEnv(t)
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	ann, _ := e.rep("Ann", "Europe/Paris", &boss)
	dm := func(ts, text string, extra map[string]any) {
		t.Helper()
		inner := map[string]any{"type": "message", "channel_type": "im", "channel": ann.DM, "user": ann.ID, "text": text, "ts": ts, "event_ts": ts}
		for k, v := range extra {
			inner[k] = v
		}
		if _, err := e.sb.SendEvent(e.ctx, inner); err != nil {
			t.Fatal(err)
		}
	}
	answers := func() int {
		n := 0
		for _, m := range e.sb.Messages() {
			if m.Channel == ann.DM && strings.Contains(m.Text, "/leadbot help") {
				n++
			}
		}
		return n
	}
	dm("1900000000.000100", "hello", nil)
	m, err := e.sb.WaitMessage(e.ctx, func(m sandbox.Message) bool { return m.Channel == ann.DM })
	if err != nil {
		t.Fatalf("no answer to hello: %v", err)
	}
	if !strings.Contains(m.Text, "`/leadbot help`") || strings.Count(m.Text, "\n") > 0 {
		t.Errorf("answer %q, want one line pointing to /leadbot help", m.Text)
	}
	dm("1900000000.000100", "hello", nil) // Slack's retry of the same message
	dm("1900000000.000200", "a digest", map[string]any{"bot_id": "B1"})
	dm("1900000000.000300", "hello!", map[string]any{"subtype": "message_changed"})
	dm("1900000000.000400", "anyone there?", nil)
	if _, err := e.sb.WaitMessage(e.ctx, func(m sandbox.Message) bool { return m.Channel == ann.DM && m.TS != "" && answers() >= 2 }); err != nil {
		t.Fatal(err)
	}
	if n := answers(); n != 2 {
		t.Errorf("%d answers, want 2 (hello and anyone there?)", n)
	}
}

// TestRedrawKeepsTheLocalGreeting: a digest that went out at 09:05 in Los Angeles still says
// "Good morning" when the rep clicks at 9 PM, and never greets by the server's clock.
func TestRedrawKeepsTheLocalGreeting(t *testing.T) {
	e := newEnv(t)
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	bob, bobRep := e.rep("Bob", "America/Los_Angeles", &boss)
	l := e.lead("B1", "Bea Early", "Acme", bobRep, 0.7)
	e.clock.Set(time.Date(2030, 3, 4, 17, 5, 0, 0, time.UTC)) // 09:05 in Los Angeles
	e.digest(handlers.DigestOptions{})
	m := e.dmTo(bob)
	// The database stamps sent_at by its own clock: put the test's there.
	if _, err := e.st.DB().ExecContext(e.ctx, `UPDATE digests SET sent_at = $1`, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2030, 3, 5, 5, 0, 0, 0, time.UTC)) // 21:00 in Los Angeles
	if _, err := e.sb.ClickButton(e.ctx, bob, m, act(l, handlers.ActionUp)); err != nil {
		t.Fatal(err)
	}
	m, err := e.sb.WaitUpdate(e.ctx, m, func(m sandbox.Message) bool { return strings.Contains(string(m.RawBlocks), "recorded") })
	if err != nil {
		t.Fatal(err)
	}
	if raw := string(m.RawBlocks); !strings.Contains(raw, "Good morning, Bob.") {
		t.Errorf("the redrawn digest does not greet by its local send time: %s", raw)
	}
}

// readTexts are the texts a person reads in a message's blocks (every "text" field) and its
// notification text.
func readTexts(t *testing.T, raw []byte, text string) []string {
	t.Helper()
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := []string{text}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				if s, ok := v.(string); ok && k == "text" {
					out = append(out, s)
				}
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(doc)
	return out
}

// TestNoInternalNamesInWhatARepReads: reason-code features read as what a teammate said, an
// absent one (0) is not shown, and no text of the digest or /lead carries a model column name
// ("Reason:", a reason code) or an action id.
func TestNoInternalNamesInWhatARepReads(t *testing.T) {
	e := newEnv(t)
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	ann, annRep := e.rep("Ann", "Europe/Paris", &boss)
	l := e.lead("L1", "Lena Smith", "Summit Nimbus", annRep, 0.55)
	if _, _, err := e.st.RecordFeedback(e.ctx, leadbot.NewFeedback{LeadID: l.ID, RepID: boss.ID, Verdict: leadbot.Down,
		ReasonCode: "no_budget", AccountWide: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordScores(e.ctx, []store.NewScore{{LeadID: l.ID, Probability: 0.55, Factors: leadbot.Factors{Base: -0.5,
		Factors: []leadbot.Factor{
			{Column: "Reason: leadership_change", Label: "Reason: leadership_change: 0 (bottom 1 %)", Value: 0.9},
			{Column: "Reason: no_budget", Label: "Reason: no_budget: 1 (top 1 %)", Value: -1.1},
			{Column: "Lead Source", Label: "Lead Source: Web", Value: 0.5},
		}}}}); err != nil {
		t.Fatal(err)
	}
	e.digest(handlers.DigestOptions{})
	m := e.dmTo(ann)
	if _, err := e.sb.SlashCommand(e.ctx, ann, handlers.CommandLead, "Lena"); err != nil {
		t.Fatal(err)
	}
	detail, err := e.sb.WaitEphemeral(e.ctx, func(x sandbox.Ephemeral) bool { return strings.Contains(string(x.RawBlocks), "Feedback history") })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(detail.RawBlocks), "Boss reported “No budget” at Summit Nimbus (whole account), ") {
		t.Errorf("/lead does not say who gave the reason: %s", detail.RawBlocks)
	}
	// Action ids that are not also words (the "snooze" of "Undo snooze" is one).
	ids := []string{handlers.ActionUp, handlers.ActionDown, handlers.ActionUndo, handlers.ActionOpenCRM, handlers.ActionUnsnooze,
		handlers.ActionShowLead, handlers.ActionShare, handlers.ActionEditSettings, handlers.CallbackReason}
	for what, texts := range map[string][]string{"digest": readTexts(t, m.RawBlocks, m.Text), "/lead": readTexts(t, detail.RawBlocks, detail.Text)} {
		for _, s := range texts {
			for _, bad := range append([]string{"Reason:", "leadership_change", "no_budget", "Leadership change"}, ids...) {
				if strings.Contains(s, bad) {
					t.Errorf("the %s shows %q: %q", what, bad, s)
				}
			}
		}
	}
}

// TestHugeCRMTextFitsSlack: names and companies of 100 KB (emoji families, combining marks,
// RTL, bare URLs, @here) reach the rep as a /lead pick list, a mention list and a digest within
// Slack's limits; before, Slack refused the pick list and the mention list (sections of
// 100,000 characters) and the answers vanished.
func TestHugeCRMTextFitsSlack(t *testing.T) {
	e := newEnv(t)
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	ann, annRep := e.rep("Ann", "Europe/Paris", &boss)
	huge := func(seed string) string {
		return strings.Repeat(seed+" 👩‍👩‍👧‍👦 e\u0301 שלום https://evil.example.com/?a=1&b=2 @here <!channel> 👍🏽 ", 100_000/80)
	}
	for i := range 3 {
		e.lead(fmt.Sprint("H", i), "Zed "+huge(fmt.Sprint("name", i)), huge(fmt.Sprint("company", i)), annRep, 0.5+float64(i)/10)
	}
	if _, err := e.sb.SlashCommand(e.ctx, ann, handlers.CommandLead, "Zed"); err != nil {
		t.Fatal(err)
	}
	pick, err := e.sb.WaitEphemeral(e.ctx, func(x sandbox.Ephemeral) bool { return strings.Contains(x.Text, "leads match") })
	if err != nil {
		t.Fatalf("no pick list: %v", err)
	}
	handlers.CheckMessageLimits(t, "/lead pick list", pick.RawBlocks, pick.Text)

	room := e.sb.AddChannel(sandbox.Channel{Name: "sales", Members: []string{ann.ID}, BotMember: true})
	if _, _, err := e.sb.Mention(e.ctx, ann, room.ID, "Zed"); err != nil {
		t.Fatal(err)
	}
	list, err := e.sb.WaitMessage(e.ctx, func(m sandbox.Message) bool { return m.Channel == room.ID && m.BotID != "" })
	if err != nil {
		t.Fatalf("no mention list: %v", err)
	}
	handlers.CheckMessageLimits(t, "mention list", list.RawBlocks, list.Text)

	e.digest(handlers.DigestOptions{})
	m := e.dmTo(ann)
	handlers.CheckMessageLimits(t, "digest", m.RawBlocks, m.Text)
	if strings.Contains(string(m.RawBlocks), "<!channel>") {
		t.Error("the digest carries an unescaped <!channel> from the CRM")
	}
}
