package sandbox_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func TestLateAckIsAFailureAndSlashIsNotRetried(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Config{AckDeadline: 50 * time.Millisecond})
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	b := startBot(t, sb, func(b *testBot, evt socketmode.Event) {
		// Ack only after the sandbox has given up on this envelope.
		_, err := sb.WaitEvent(ctx, 0, func(e sandbox.Event) bool {
			return e.Kind == sandbox.EvEnvelopeFailed && e.EnvelopeID == evt.Request.EnvelopeID
		})
		if err == nil {
			_ = b.sm.Ack(*evt.Request, map[string]any{"text": "too late"})
		}
	})
	res, err := sb.SlashCommand(ctx, alice, "/leads", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Acked || !res.Failed() {
		t.Fatalf("first outcome = %+v, want a missed deadline", res)
	}
	if _, err := sb.WaitEvent(ctx, 0, func(e sandbox.Event) bool { return e.Kind == sandbox.EvEnvelopeAcked }); err != nil {
		t.Fatal(err)
	}
	acks := sb.Acks()
	if len(acks) != 1 || !acks[0].Acked || !acks[0].Late || !acks[0].Failed() || acks[0].Latency < 50*time.Millisecond {
		t.Fatalf("acks = %+v", acks)
	}
	if len(sb.Ephemerals()) != 0 {
		t.Errorf("a late ack's response was posted: %+v", sb.Ephemerals())
	}
	if n := b.count(socketmode.EventTypeSlashCommand); n != 1 {
		t.Errorf("slash command delivered %d times", n)
	}
}

func TestUnackedEventIsRetried(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Config{AckDeadline: 250 * time.Millisecond,
		EventRetryDelays: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}})
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	var mu sync.Mutex
	var attempts []socketmode.Request
	startBot(t, sb, func(b *testBot, evt socketmode.Event) {
		mu.Lock()
		attempts = append(attempts, *evt.Request)
		mu.Unlock()
		// The first two deliveries go unanswered; later ones are acked
		// (on a very busy machine the ack of the third may itself be late,
		// and then the fourth is acked).
		if evt.Request.RetryAttempt >= 2 {
			_ = b.sm.Ack(*evt.Request)
		}
	})
	res, err := sb.OpenHome(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if res.Acked {
		t.Fatalf("first delivery acked: %+v", res)
	}
	_, err = sb.WaitEvent(ctx, 0, func(sandbox.Event) bool {
		for _, a := range sb.Acks() {
			if !a.Failed() {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(attempts) < 3 {
		t.Fatalf("%d deliveries", len(attempts))
	}
	for i, r := range attempts {
		wantReason := "timeout"
		if i == 0 {
			wantReason = ""
		}
		if r.RetryAttempt != i || r.RetryReason != wantReason || r.Type != "events_api" {
			t.Errorf("delivery %d: attempt %d reason %q", i, r.RetryAttempt, r.RetryReason)
		}
	}
	for _, a := range sb.Acks() {
		if a.Attempt < 2 && !a.Failed() {
			t.Errorf("unanswered attempt %d counted as acked: %+v", a.Attempt, a)
		}
	}
}

func TestEnvelopesSpreadOverConnections(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	b1 := startBot(t, sb, ackAll)
	b2 := startBot(t, sb, ackAll)
	b1.waitCount(t, ctx, socketmode.EventTypeHello, 1)
	b2.waitCount(t, ctx, socketmode.EventTypeHello, 1)
	for range 4 {
		if _, err := sb.SlashCommand(ctx, alice, "/leads", ""); err != nil {
			t.Fatal(err)
		}
	}
	if n1, n2 := b1.count(socketmode.EventTypeSlashCommand), b2.count(socketmode.EventTypeSlashCommand); n1 != 2 || n2 != 2 {
		t.Errorf("spread %d/%d, want 2/2", n1, n2)
	}
}

func TestViewSubmissionResponseActions(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	next := make(chan any, 1) // what the bot answers to the next submission
	b := startBot(t, sb, func(b *testBot, evt socketmode.Event) {
		cb, _ := evt.Data.(slack.InteractionCallback)
		switch cb.Type {
		case slack.InteractionTypeViewSubmission:
			if r := <-next; r != nil {
				_ = b.sm.Ack(*evt.Request, r)
				return
			}
		case slack.InteractionTypeBlockActions:
			if _, err := b.api.OpenView(cb.TriggerID, modal("root", false)); err != nil {
				t.Error(err)
			}
		}
		_ = b.sm.Ack(*evt.Request)
	})
	_, _, err := b.api.PostMessage(alice.DM, slack.MsgOptionBlocks(slack.NewActionBlock("b", button("open", "1"))))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := sb.WaitMessage(ctx, func(m sandbox.Message) bool { return m.Channel == alice.DM })
	if _, err := sb.ClickButton(ctx, alice, msg, "open"); err != nil {
		t.Fatal(err)
	}
	root, err := sb.WaitView(ctx, func(v sandbox.View) bool { return v.CallbackID == "root" })
	if err != nil {
		t.Fatal(err)
	}
	submit := func(v sandbox.View, answer any) sandbox.AckResult {
		t.Helper()
		next <- answer
		r, err := sb.SubmitView(ctx, alice, v, map[string]sandbox.Input{"note": sandbox.Text("n")})
		if err != nil || r.ResponseError != "" {
			t.Fatalf("submit: %+v, %v", r, err)
		}
		return r
	}
	upd := modal("updated", false)
	submit(root, slack.NewUpdateViewSubmissionResponse(&upd))
	if ms := sb.Modals(alice); len(ms) != 1 || ms[0].ID != root.ID || ms[0].CallbackID != "updated" || ms[0].Version != 1 {
		t.Fatalf("after update: %+v", ms)
	}
	pushed := modal("pushed", false)
	submit(sb.Modals(alice)[0], slack.NewPushViewSubmissionResponse(&pushed))
	ms := sb.Modals(alice)
	if len(ms) != 2 || ms[1].CallbackID != "pushed" || ms[1].PreviousViewID != root.ID || ms[1].RootViewID != root.ID {
		t.Fatalf("after push: %+v", ms)
	}
	submit(ms[1], slack.NewClearViewSubmissionResponse())
	if ms := sb.Modals(alice); len(ms) != 0 {
		t.Fatalf("after clear: %+v", ms)
	}
}

func TestOversizedAckIsIgnored(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Config{AckDeadline: 100 * time.Millisecond})
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()), slack.OptionAppLevelToken(sb.AppToken()))
	_, u, err := api.StartSocketModeContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := websocket.DefaultDialer.DialContext(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		for {
			var f struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if c.ReadJSON(&f) != nil {
				return
			}
			if f.EnvelopeID != "" {
				// Slack drops ack frames of 20 KiB or more; so does the sandbox.
				_ = c.WriteJSON(map[string]any{"envelope_id": f.EnvelopeID, "payload": map[string]any{"text": strings.Repeat("x", 21000)}})
			}
		}
	}()
	res, err := sb.SlashCommand(ctx, alice, "/leads", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Acked || !res.Failed() {
		t.Errorf("oversized ack counted: %+v", res)
	}
}
