package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/store"
)

func TestDigestArrivesAtLocalHourOncePerDay(t *testing.T) {
	e := newEnv(t)
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	paris, ann := e.rep("Ann", "Europe/Paris", &boss)
	la, bob := e.rep("Bob", "America/Los_Angeles", &boss)
	e.lead("L1", "Lena Smith", "Acme", ann, 0.81)
	e.lead("L2", "Omar Diaz", "Globex", ann, 0.42)
	e.lead("L3", "Kim Lee", "Initech", bob, 0.66)

	// 10:30 in Paris, 01:30 in Los Angeles: only Ann is due.
	st := e.digest(handlers.DigestOptions{})
	if st.Sent != 1 || st.NotDue < 1 {
		t.Fatalf("first run: %+v, want Ann's digest only", st)
	}
	m := e.dmTo(paris)
	text := string(m.RawBlocks)
	for _, want := range []string{"Lena Smith", "81%", "Lead Source is Reference", "Country is not filled in", "feedback_up", "feedback_down", "snooze", "https://crm.example.com/lead/L1"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q", want)
		}
	}
	if strings.Index(text, "Lena Smith") > strings.Index(text, "Omar Diaz") {
		t.Error("leads are not ordered by score")
	}
	if n := e.messagesIn(la.DM); n != 0 {
		t.Fatalf("Bob got %d messages at 01:30 his time", n)
	}
	// The same day again: nothing new.
	if st := e.digest(handlers.DigestOptions{}); st.Sent != 0 || st.AlreadySent != 1 {
		t.Fatalf("second run the same day: %+v", st)
	}
	// 09:05 in Los Angeles: Bob's turn; Ann still only once.
	e.clock.Set(time.Date(2030, 3, 4, 17, 5, 0, 0, time.UTC))
	if st := e.digest(handlers.DigestOptions{}); st.Sent != 1 {
		t.Fatalf("Los Angeles morning: %+v", st)
	}
	e.dmTo(la)
	if n := e.messagesIn(paris.DM); n != 1 {
		t.Fatalf("Ann has %d digests today, want 1", n)
	}
	// Saturday: nobody, even at the hour.
	e.clock.Set(time.Date(2030, 3, 9, 10, 0, 0, 0, time.UTC))
	if st := e.digest(handlers.DigestOptions{}); st.Sent != 0 {
		t.Fatalf("Saturday run sent %d digests", st.Sent)
	}
	// A paused rep gets nothing, even when forced.
	pause := time.Date(2030, 3, 20, 0, 0, 0, 0, time.UTC)
	if err := e.st.UpdateRepSettings(e.ctx, ann.ID, store.RepSettings{PausedUntil: &pause}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2030, 3, 11, 10, 0, 0, 0, time.UTC))
	if st := e.digest(handlers.DigestOptions{Force: true, RepEmail: ann.Email}); st.Sent != 0 || st.Paused != 1 {
		t.Fatalf("paused rep: %+v", st)
	}
	runs, _ := e.st.JobRuns(e.ctx, "digest", 10)
	if len(runs) != 5 || runs[0].Outcome != "ok" {
		t.Fatalf("job runs recorded: %d (latest %+v)", len(runs), runs[0])
	}
}

// TestConfiguredDigestDefaults: digest.delivery_hour and digest.leads_per_day apply to every rep
// who has not set their own; a rep's own setting wins.
func TestConfiguredDigestDefaults(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.handlers.DeliveryHour, c.handlers.LeadsPerDay = 11, 2 })
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	annU, ann := e.rep("Ann", "Europe/Paris", &boss)
	bobU, bob := e.rep("Bob", "Europe/Paris", &boss)
	for i, p := range []float64{0.9, 0.8, 0.7} {
		e.lead(fmt.Sprintf("A%d", i), fmt.Sprintf("Ann lead %d", i), "Acme", ann, p)
		e.lead(fmt.Sprintf("B%d", i), fmt.Sprintf("Bob lead %d", i), "Acme", bob, p)
	}
	ten, three := 10, 3
	if err := e.st.UpdateRepSettings(e.ctx, bob.ID, store.RepSettings{DeliveryHour: &ten, LeadsPerDay: &three}); err != nil {
		t.Fatal(err)
	}
	// 10:30 in Paris: Bob (his own 10:00) is due, Ann (the default 11:00) is not.
	if st := e.digest(handlers.DigestOptions{}); st.Sent != 1 {
		t.Fatalf("10:30 run: %+v, want Bob's digest only", st)
	}
	if n := strings.Count(string(e.dmTo(bobU).RawBlocks), `"action_id":"`+handlers.ActionUp+`"`); n != 3 {
		t.Fatalf("Bob's digest has %d leads, want his own 3", n)
	}
	e.clock.Set(time.Date(2030, 3, 4, 10, 5, 0, 0, time.UTC)) // 11:05 in Paris
	if st := e.digest(handlers.DigestOptions{}); st.Sent != 1 {
		t.Fatalf("11:05 run: %+v, want Ann's digest", st)
	}
	if n := strings.Count(string(e.dmTo(annU).RawBlocks), `"action_id":"`+handlers.ActionUp+`"`); n != 2 {
		t.Fatalf("Ann's digest has %d leads, want the default 2", n)
	}
	// Her settings say which values are the team's defaults.
	if _, err := e.sb.SlashCommand(e.ctx, annU, "/leadbot", "settings"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.WaitEphemeral(e.ctx, func(m sandbox.Ephemeral) bool {
		return strings.Contains(string(m.RawBlocks), "*11:00* (the default)") && strings.Contains(string(m.RawBlocks), "*2* leads a day (the default)")
	}); err != nil {
		t.Fatalf("settings do not show the defaults: %v", err)
	}
}

func TestNoEmptyDigestAndEscapedText(t *testing.T) {
	e := newEnv(t)
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	paris, ann := e.rep("Ann", "Europe/Paris", &boss)
	_, bob := e.rep("Bob", "Europe/Paris", &boss)
	_ = bob // owns nothing: must get no message at all
	e.lead("X1", "<!channel> & <@U123|boss>", "Evil <https://x.test|Corp>", ann, 0.7)
	st := e.digest(handlers.DigestOptions{})
	if st.Sent != 1 || st.NoLeads < 1 {
		t.Fatalf("run: %+v", st)
	}
	m := e.dmTo(paris)
	raw := string(m.RawBlocks) + m.Text
	if strings.Contains(raw, "<!channel>") || strings.Contains(raw, "<@U123") || strings.Contains(raw, "<https://x.test") {
		t.Fatalf("CRM text reached Slack unescaped: %s", raw)
	}
	if !strings.Contains(raw, "&lt;!channel&gt; &amp; &lt;@U123|boss&gt;") {
		t.Fatalf("escaped name missing: %s", raw)
	}
	if n := len(e.sb.Messages()); n != 1 {
		t.Fatalf("%d messages posted, want 1 (no empty digest for Bob)", n)
	}
}

// setupOne gives Ann a digest with two leads and returns it.
func setupOne(t *testing.T, e *env) (ann sandbox.User, annRep, boss leadbot.Rep, bossU sandbox.User, l1, l2 leadbot.Lead, m sandbox.Message) {
	bossU, boss = e.rep("Boss", "Europe/Paris", nil)
	ann, annRep = e.rep("Ann", "Europe/Paris", &boss)
	l1 = e.lead("L1", "Lena Smith", "Acme", annRep, 0.81)
	l2 = e.lead("L2", "Omar Diaz", "Globex", annRep, 0.42)
	e.digest(handlers.DigestOptions{})
	m = e.dmTo(ann)
	return
}

func TestThumbsUpUndoAndDoubleClick(t *testing.T) {
	e := newEnv(t)
	ann, annRep, _, _, l1, _, m := setupOne(t, e)

	// A double click: two envelopes for the same button record one verdict.
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.sb.ClickButton(e.ctx, ann, m, act(l1, handlers.ActionUp)); err != nil && !errors.Is(err, context.Canceled) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// The second click's redraw is folded into the first's when it asks while that one waits
	// for the worker: one update or two. The second click's work, queued before the Undo below
	// arrives, runs before it.
	up, err := e.sb.WaitUpdate(e.ctx, m, func(m sandbox.Message) bool {
		return strings.Contains(string(m.RawBlocks), "recorded")
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(up.RawBlocks), handlers.ActionUndo) {
		t.Fatal("no Undo after 👍")
	}
	hist, _ := e.st.FeedbackOnLead(e.ctx, l1.ID)
	if len(hist) != 1 || hist[0].Verdict != 1 || hist[0].RepID != annRep.ID || hist[0].Probability == nil {
		t.Fatalf("feedback after double click: %+v", hist)
	}
	// Undo brings the buttons back and keeps the verdict in history.
	if _, err := e.sb.ClickButton(e.ctx, ann, up, fmt.Sprintf("verdict_%d/%s", l1.ID, handlers.ActionUndo)); err != nil {
		t.Fatal(err)
	}
	back, err := e.sb.WaitUpdate(e.ctx, up, func(m sandbox.Message) bool {
		return strings.Count(string(m.RawBlocks), handlers.ActionUp) == 2
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(back.RawBlocks), "recorded") {
		t.Fatal("verdict still shown after undo")
	}
	hist, _ = e.st.FeedbackOnLead(e.ctx, l1.ID)
	if len(hist) != 1 || hist[0].UndoneAt == nil {
		t.Fatalf("history after undo: %+v", hist)
	}
}

func TestThumbsDownModal(t *testing.T) {
	e := newEnv(t)
	ann, _, _, _, l1, l2, m := setupOne(t, e)

	// 👎 on L1 opens the modal; closing it records nothing.
	if _, err := e.sb.ClickButton(e.ctx, ann, m, act(l1, handlers.ActionDown)); err != nil {
		t.Fatal(err)
	}
	modal, err := e.sb.WaitView(e.ctx, func(v sandbox.View) bool { return v.CallbackID == handlers.CallbackReason && v.Open })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(modal.Raw), "Lena Smith") || !strings.Contains(string(modal.Raw), "no_budget") {
		t.Fatalf("modal content: %s", modal.Raw)
	}
	if _, err := e.sb.CloseView(e.ctx, ann, modal); err != nil {
		t.Fatal(err)
	}
	// 👎 on L2: the reason is required and shown as such (Slack's client refuses the form
	// without one); then with one → recorded and shown.
	if _, err := e.sb.ClickButton(e.ctx, ann, m, act(l2, handlers.ActionDown)); err != nil {
		t.Fatal(err)
	}
	modal, err = e.sb.WaitView(e.ctx, func(v sandbox.View) bool {
		return v.CallbackID == handlers.CallbackReason && v.Open && strings.Contains(string(v.Raw), "Omar Diaz")
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(modal.Raw), "(optional)") {
		t.Errorf("the form says \"(optional)\" itself: %s", modal.Raw)
	}
	handlers.CheckViewLimits(t, modal.Raw)
	if _, err := e.sb.SubmitView(e.ctx, ann, modal, map[string]sandbox.Input{"note": sandbox.Text("budget frozen")}); !errors.Is(err, sandbox.ErrRequired) {
		t.Fatalf("submit without a reason: %v, want Slack's client to refuse it as required", err)
	}
	ack, err := e.sb.SubmitView(e.ctx, ann, modal, map[string]sandbox.Input{
		"reason_code": sandbox.Options("no_budget"), "note": sandbox.Text("budget frozen until Q3"), "account_wide": sandbox.Options("yes")})
	if err != nil || ack.ResponseAction != "" {
		t.Fatalf("submit: %v action %q errors %v", err, ack.ResponseAction, ack.Errors)
	}
	up, err := e.sb.WaitUpdate(e.ctx, m, func(m sandbox.Message) bool { return strings.Contains(string(m.RawBlocks), "No budget") })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(up.RawBlocks), "whole account") || !strings.Contains(string(up.RawBlocks), "budget frozen until Q3") {
		t.Fatalf("updated message: %s", up.RawBlocks)
	}
	if fb, _ := e.st.FeedbackOnLead(e.ctx, l1.ID); len(fb) != 0 {
		t.Fatalf("closing the modal recorded %+v", fb)
	}
	fb, _ := e.st.FeedbackOnLead(e.ctx, l2.ID)
	if len(fb) != 1 || fb[0].Verdict != -1 || fb[0].Reason() != "no_budget" || !fb[0].AccountWide || fb[0].Note != "budget frozen until Q3" {
		t.Fatalf("recorded: %+v", fb)
	}
}

// TestRedrawsThroughResponseURL: a click's redraw replaces the digest through the click's
// response_url, not chat.update (Tier 3: a burst of clicks would exhaust it), and falls back to
// chat.update when Slack refuses the URL (used 5 times, or older than 30 minutes).
func TestRedrawsThroughResponseURL(t *testing.T) {
	e := newEnv(t)
	ann, _, _, _, l1, l2, m := setupOne(t, e)

	if _, err := e.sb.ClickButton(e.ctx, ann, m, act(l1, handlers.ActionUp)); err != nil {
		t.Fatal(err)
	}
	m, err := e.sb.WaitUpdate(e.ctx, m, func(m sandbox.Message) bool { return strings.Contains(string(m.RawBlocks), "recorded") })
	if err != nil {
		t.Fatal(err)
	}
	if n := e.sb.CallCount("chat.update"); n != 0 {
		t.Fatalf("👍 redrew with %d chat.update calls, want the response_url", n)
	}
	if n := e.sb.CallCount("response_url"); n != 1 {
		t.Fatalf("%d response_url calls after one 👍, want 1", n)
	}

	// 👎 on L2; while the modal is open the click's response_url gets used up, so the redraw after
	// the submission falls back to chat.update.
	if _, err := e.sb.ClickButton(e.ctx, ann, m, act(l2, handlers.ActionDown)); err != nil {
		t.Fatal(err)
	}
	modal, err := e.sb.WaitView(e.ctx, func(v sandbox.View) bool { return v.CallbackID == handlers.CallbackReason && v.Open })
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		ResponseURL string `json:"ru"`
	}
	if err := json.Unmarshal([]byte(modal.PrivateMetadata), &meta); err != nil || meta.ResponseURL == "" {
		t.Fatalf("modal metadata %q has no response_url (%v)", modal.PrivateMetadata, err)
	}
	for range 5 {
		res, err := http.Post(meta.ResponseURL, "application/json", strings.NewReader(`{"text":"elsewhere"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	if _, err := e.sb.SubmitView(e.ctx, ann, modal, map[string]sandbox.Input{"reason_code": sandbox.Options("no_budget")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.WaitUpdate(e.ctx, m, func(m sandbox.Message) bool { return strings.Contains(string(m.RawBlocks), "No budget") }); err != nil {
		t.Fatal(err)
	}
	if n := e.sb.CallCount("chat.update"); n != 1 {
		t.Fatalf("%d chat.update calls after the response_url was used up, want 1", n)
	}
}

// TestClickBurstUnderSlackLimits: 60 reps each click 👍 on their digest at once, under Slack's
// rate limits. chat.update (Tier 3) allows a burst of 50 and then 50 a minute; the redraws go
// through the clicks' response_urls instead, so every message shows its verdict at once and
// nothing waits out a 429.
func TestClickBurstUnderSlackLimits(t *testing.T) {
	e := newEnv(t, realisticSlack(60*time.Second))
	users := seedTeam(t, e, 60, 1)
	if st := e.digest(handlers.DigestOptions{Force: true, Workers: 16}); st.Sent != len(users) {
		t.Fatalf("sent %d digests, want %d", st.Sent, len(users))
	}
	seq := e.sb.Seq()
	msgs := map[string]sandbox.Message{}
	for _, u := range users {
		msgs[u.DM] = e.dmTo(u)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			m := msgs[u.DM]
			id := strings.SplitN(strings.SplitN(string(m.RawBlocks), `"block_id":"actions_`, 2)[1], `"`, 2)[0]
			if _, err := e.sb.ClickButton(e.ctx, u, m, "actions_"+id+"/"+handlers.ActionUp); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	pending := len(users)
	if _, err := e.sb.WaitEvent(e.ctx, seq, func(ev sandbox.Event) bool {
		if _, ok := msgs[ev.Channel]; ok && ev.Kind == sandbox.EvMessageUpdated {
			delete(msgs, ev.Channel)
			pending--
		}
		return pending == 0
	}); err != nil {
		t.Fatalf("%d of %d digests not redrawn: %v", pending, len(users), err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the redraws took %v", took)
	}
	if n := e.sb.CallCount("chat.update"); n != 0 {
		t.Errorf("%d chat.update calls, want the response_urls", n)
	}
	for _, c := range e.sb.Calls() {
		if c.Status == 429 && c.Method != "chat.postMessage" {
			t.Errorf("%s was rate limited", c.Method)
		}
	}
}

func TestSnoozeAccessAndStaleButtons(t *testing.T) {
	e := newEnv(t)
	ann, annRep, boss, bossU, l1, l2, m := setupOne(t, e)
	stranger, _ := e.rep("Sam", "Europe/Paris", &boss)

	// Snooze L2 for a week (a labelled button), undo it, and snooze it again.
	snoozed := func(m sandbox.Message) bool { return strings.Contains(string(m.RawBlocks), "Snoozed until Mon 11 Mar") }
	if _, err := e.sb.ClickButton(e.ctx, ann, m, act(l2, handlers.ActionSnooze)); err != nil {
		t.Fatal(err)
	}
	m, err := e.sb.WaitUpdate(e.ctx, m, snoozed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.ClickButton(e.ctx, ann, m, fmt.Sprintf("snoozed_%d/%s", l2.ID, handlers.ActionUnsnooze)); err != nil {
		t.Fatal(err)
	}
	if m, err = e.sb.WaitUpdate(e.ctx, m, func(m sandbox.Message) bool { return !snoozed(m) }); err != nil {
		t.Fatal(err)
	}
	if leads, err := e.st.TopLeads(e.ctx, annRep.ID, monday0930, 5); err != nil || len(leads) != 2 {
		t.Fatalf("after Undo snooze, /leads has %d leads (%v), want both", len(leads), err)
	}
	if _, err := e.sb.ClickButton(e.ctx, ann, m, act(l2, handlers.ActionSnooze)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.WaitUpdate(e.ctx, m, snoozed); err != nil {
		t.Fatal(err)
	}
	var up sandbox.Message
	// Ann forwards the digest to a team channel, where others can click it.
	room := e.sb.AddChannel(sandbox.Channel{Name: "sales", Members: []string{ann.ID, stranger.ID, bossU.ID}, BotMember: true})
	api := bot.NewClient(bot.Config{BotToken: e.sb.BotToken(), AppToken: e.sb.AppToken(), APIURL: e.sb.APIURL()})
	if _, _, err := api.PostMessageContext(e.ctx, room.ID, slack.MsgOptionText("fwd", false), slack.MsgOptionBlocks(m.Blocks.BlockSet...)); err != nil {
		t.Fatal(err)
	}
	up, err = e.sb.WaitMessage(e.ctx, func(m sandbox.Message) bool { return m.Channel == room.ID })
	if err != nil {
		t.Fatal(err)
	}
	// A stranger clicking a forwarded message: a private reply naming the owner, nothing recorded.
	if _, err := e.sb.ClickButton(e.ctx, stranger, up, act(l1, handlers.ActionUp)); err != nil {
		t.Fatal(err)
	}
	eph, err := e.sb.WaitEphemeral(e.ctx, func(x sandbox.Ephemeral) bool { return x.User == stranger.ID })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(eph.Text, "belongs to <@"+ann.ID+">") {
		t.Fatalf("refusal text: %q", eph.Text)
	}
	if fb, _ := e.st.FeedbackOnLead(e.ctx, l1.ID); len(fb) != 0 {
		t.Fatalf("stranger's click recorded %+v", fb)
	}
	// The manager may judge the rep's lead.
	if _, err := e.sb.ClickButton(e.ctx, bossU, up, act(l1, handlers.ActionUp)); err != nil {
		t.Fatal(err)
	}
	if up, err = e.sb.WaitUpdate(e.ctx, up, func(m sandbox.Message) bool { return strings.Contains(string(m.RawBlocks), "recorded") }); err != nil {
		t.Fatal(err)
	}
	if fb, _ := e.st.FeedbackOnLead(e.ctx, l1.ID); len(fb) != 1 || fb[0].RepID != boss.ID {
		t.Fatalf("manager's verdict: %+v", fb)
	}
	// A button on a lead that no longer exists: a private explanation.
	if _, err := e.st.DB().ExecContext(e.ctx, `DELETE FROM leads WHERE id = $1`, l1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.ClickButton(e.ctx, bossU, up, fmt.Sprintf("verdict_%d/%s", l1.ID, handlers.ActionUndo)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.WaitEphemeral(e.ctx, func(x sandbox.Ephemeral) bool {
		return x.User == bossU.ID && strings.Contains(x.Text, "no longer in leadbot")
	}); err != nil {
		t.Fatal(err)
	}
	for _, a := range e.sb.Acks() {
		if a.Failed() {
			t.Errorf("envelope %s (%s) failed: acked=%v late=%v latency=%v", a.EnvelopeID, a.Subtype, a.Acked, a.Late, a.Latency)
		}
	}
}

// act names a lead card's element: "actions_<lead id>/<action id>".
func act(l leadbot.Lead, actionID string) string { return fmt.Sprintf("actions_%d/%s", l.ID, actionID) }

func TestDigestThrough429BurstDeliversEachOnce(t *testing.T) {
	e := newEnv(t)
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	var users []sandbox.User
	for i := range 6 {
		u, r := e.rep(fmt.Sprintf("Rep%d", i), "Europe/Paris", &boss)
		users = append(users, u)
		e.lead(fmt.Sprintf("L%d", i), fmt.Sprintf("Lead %d", i), "Co", r, 0.5)
	}
	// The next three postMessage calls get 429 with Retry-After: 1.
	e.sb.Inject429("chat.postMessage", 3, time.Second)
	st := e.digest(handlers.DigestOptions{})
	if st.Sent != 6 || st.Failed != 0 {
		t.Fatalf("run: %+v", st)
	}
	for _, u := range users {
		if n := e.messagesIn(u.DM); n != 1 {
			t.Errorf("%s got %d digests, want exactly 1", u.Name, n)
		}
	}
	limited := 0
	for _, c := range e.sb.Calls() {
		if c.Method == "chat.postMessage" && c.Status == 429 {
			limited++
		}
	}
	if limited != 3 {
		t.Fatalf("%d postMessage calls were rate limited, want the 3 injected", limited)
	}
}

func TestTwoSchedulersSendOneDigest(t *testing.T) {
	e := newEnv(t)
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	var users []sandbox.User
	for i := range 4 {
		u, r := e.rep(fmt.Sprintf("Rep%d", i), "Europe/Paris", &boss)
		users = append(users, u)
		e.lead(fmt.Sprintf("L%d", i), fmt.Sprintf("Lead %d", i), "Co", r, 0.5)
	}
	// Two replicas: separate schedulers over the same database, ticking at the same moment.
	other := bot.NewScheduler(e.st, nil)
	var wg sync.WaitGroup
	runs := make([]bool, 2)
	for i, s := range []*bot.Scheduler{e.sched, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ran, err := s.RunNow(e.ctx, "digest", func(ctx context.Context) (any, error) {
				return e.svc.RunDigests(ctx, handlers.DigestOptions{})
			})
			if err != nil {
				t.Error(err)
			}
			runs[i] = ran
		}()
	}
	wg.Wait()
	// Whichever ran second (if the first had finished) found everything sent; one that overlapped
	// skipped. Either way: one digest per rep.
	for _, u := range users {
		if n := e.messagesIn(u.DM); n != 1 {
			t.Errorf("%s got %d digests, want 1", u.Name, n)
		}
	}
	if !runs[0] && !runs[1] {
		t.Fatal("neither scheduler ran")
	}
}

func TestNextDigestSaysWhatChanged(t *testing.T) {
	e := newEnv(t)
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	ann, annRep := e.rep("Ann", "Europe/Paris", &boss)
	l := e.lead("L1", "Lena Smith", "Acme", annRep, 0.42)
	e.digest(handlers.DigestOptions{})
	first := e.dmTo(ann)
	// Overnight the lead visits the pricing page: rescored higher with a new factor.
	if err := e.st.RecordScores(e.ctx, []store.NewScore{{LeadID: l.ID, Probability: 0.7, Factors: leadbot.Factors{Base: -0.5,
		Factors: []leadbot.Factor{{Column: "Pricing page views", Label: "Pricing page views: 4 (top 5 %)", Value: 1.1},
			{Column: "Lead Source", Label: "Lead Source: Reference", Value: 1.2}}}}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(monday0930.AddDate(0, 0, 1))
	if st := e.digest(handlers.DigestOptions{}); st.Sent != 1 {
		t.Fatalf("next day: %+v (a lead whose score rose is sent again)", st)
	}
	second, err := e.sb.WaitMessage(e.ctx, func(m sandbox.Message) bool { return m.Channel == ann.DM && m.TS != first.TS })
	if err != nil {
		t.Fatal(err)
	}
	if raw := string(second.RawBlocks); !strings.Contains(raw, "Since you last saw it: 42% → 70% (+28 pts): Pricing page views: 4, more than 95 % of leads now helps") {
		t.Fatalf("what changed is missing: %s", raw)
	}
}
