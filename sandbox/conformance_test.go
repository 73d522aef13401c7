package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// The conformance suite drives slack-go's own socketmode and Web API
// clients against the sandbox (docs/slack-protocol.md §6).

func TestEveryEnvelopeTypeDecodesAndIsAcked(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	sales := sb.AddChannel(sandbox.Channel{Name: "sales", Members: []string{alice.ID}, BotMember: true})
	var mu sync.Mutex
	kinds := map[string]bool{}
	b := startBot(t, sb, func(b *testBot, evt socketmode.Event) {
		mu.Lock()
		switch d := evt.Data.(type) {
		case slack.SlashCommand:
			kinds["slash:"+d.Command] = true
		case slack.InteractionCallback:
			kinds[string(d.Type)] = true
			if d.Type == slack.InteractionTypeBlockActions {
				// Open a modal from the click, with notify_on_close.
				mu.Unlock()
				_, err := b.api.OpenView(d.TriggerID, modal("m1", true))
				mu.Lock()
				if err != nil {
					kinds["open_error:"+err.Error()] = true
				}
			}
		case slackevents.EventsAPIEvent:
			switch inner := d.InnerEvent.Data.(type) {
			case *slackevents.AppHomeOpenedEvent:
				kinds["app_home_opened:"+inner.User] = true
			case *slackevents.AppMentionEvent:
				kinds["app_mention:"+inner.Channel] = true
			}
		}
		mu.Unlock()
		_ = b.sm.Ack(*evt.Request)
	})
	if _, err := sb.SlashCommand(ctx, alice, "/leads", ""); err != nil {
		t.Fatal(err)
	}
	_, _, err := b.api.PostMessage(alice.DM, slack.MsgOptionBlocks(slack.NewActionBlock("b1",
		slack.NewButtonBlockElement("go", "1", slack.NewTextBlockObject("plain_text", "Go", false, false)))))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := sb.WaitMessage(ctx, func(m sandbox.Message) bool { return m.Channel == alice.DM })
	if _, err := sb.ClickButton(ctx, alice, msg, "go"); err != nil {
		t.Fatal(err)
	}
	v, err := sb.WaitView(ctx, func(v sandbox.View) bool { return v.CallbackID == "m1" })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.SubmitView(ctx, alice, v, map[string]sandbox.Input{"note": sandbox.Text("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.ClickButton(ctx, alice, msg, "go"); err != nil {
		t.Fatal(err)
	}
	v, _ = sb.WaitView(ctx, func(v sandbox.View) bool { return v.CallbackID == "m1" })
	if _, err := sb.CloseView(ctx, alice, v); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.OpenHome(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sb.Mention(ctx, alice, sales.ID, "hi"); err != nil {
		t.Fatal(err)
	}
	for _, a := range sb.Acks() {
		if a.Failed() {
			t.Errorf("failed delivery %+v", a)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, k := range []string{"slash:/leads", "block_actions", "view_submission", "view_closed",
		"app_home_opened:" + alice.ID, "app_mention:" + sales.ID} {
		if !kinds[k] {
			t.Errorf("bot never saw %s (saw %v)", k, kinds)
		}
	}
	if n := b.count(socketmode.EventTypeErrorBadMessage); n != 0 {
		t.Errorf("%d error_bad_message events", n)
	}
}

// modal is a reason-code style modal with one text input.
func modal(callbackID string, notify bool) slack.ModalViewRequest {
	in := slack.NewInputBlock("note_block", slack.NewTextBlockObject("plain_text", "Note", false, false), nil,
		slack.NewPlainTextInputBlockElement(nil, "note"))
	return slack.ModalViewRequest{Type: slack.VTModal, CallbackID: callbackID, NotifyOnClose: notify,
		Title:  slack.NewTextBlockObject("plain_text", "Why?", false, false),
		Submit: slack.NewTextBlockObject("plain_text", "Submit", false, false),
		Close:  slack.NewTextBlockObject("plain_text", "Cancel", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{in}}}
}

func TestReconnectAfterEachDisconnect(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	b := startBot(t, sb, ackAll)
	b.waitCount(t, ctx, socketmode.EventTypeHello, 1)
	reasons := []sandbox.DisconnectReason{sandbox.DisconnectWarning, sandbox.DisconnectRefreshRequested,
		sandbox.DisconnectLinkDisabled, sandbox.DisconnectTooManyWebsockets}
	for i, reason := range reasons {
		waitConnections(t, ctx, sb, 1)
		if n := sb.Disconnect(reason); n != 1 {
			t.Fatalf("%s: told %d connections", reason, n)
		}
		b.waitCount(t, ctx, socketmode.EventTypeHello, i+2)
		if got := sb.CallCount("apps.connections.open"); got != i+2 {
			t.Errorf("after %s: %d apps.connections.open calls, want %d", reason, got, i+2)
		}
	}
	// The client dropped each old socket itself: one connection remains.
	waitConnections(t, ctx, sb, 1)
}

// waitConnections waits until exactly n Socket Mode connections are open.
func waitConnections(t *testing.T, ctx context.Context, sb *sandbox.Workspace, n int) {
	t.Helper()
	_, err := sb.WaitEvent(ctx, 0, func(sandbox.Event) bool { return sb.Connections() == n })
	if err != nil {
		t.Fatalf("connections = %d, want %d: %v", sb.Connections(), n, err)
	}
}

func TestReconnectWhenPingsStop(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Config{PingInterval: 100 * time.Millisecond})
	ctx := testCtx(t)
	b := startBot(t, sb, ackAll, socketmode.OptionPingInterval(time.Second))
	b.waitCount(t, ctx, socketmode.EventTypeHello, 1)
	sb.PausePings(true)
	// The client's watchdog fires and it reconnects (the new link is
	// silent too, so it keeps trying: resume pings once it has).
	if _, err := sb.WaitEvent(ctx, 0, func(e sandbox.Event) bool {
		return e.Kind == sandbox.EvAPICall && e.Method == "apps.connections.open" && sb.CallCount(e.Method) >= 2
	}); err != nil {
		t.Fatal(err)
	}
	sb.PausePings(false)
	b.waitCount(t, ctx, socketmode.EventTypeHello, 2)
}

func TestTicketIsSingleUseAndConnectionsCapped(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Config{MaxConnections: 2})
	ctx := testCtx(t)
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()), slack.OptionAppLevelToken(sb.AppToken()))
	dial := func() (*websocket.Conn, *http.Response, error) {
		_, u, err := api.StartSocketModeContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return websocket.DefaultDialer.DialContext(ctx, u, http.Header{"Origin": {"https://api.slack.com"}})
	}
	_, u, err := api.StartSocketModeContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "ws://127.0.0.1:") || !strings.Contains(u, "/link/?ticket=") {
		t.Errorf("url = %s", u)
	}
	c1, _, err := websocket.DefaultDialer.DialContext(ctx, u+"&debug_reconnects=true", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	var hello map[string]any
	if err := c1.ReadJSON(&hello); err != nil || hello["type"] != "hello" || hello["num_connections"] != 1.0 {
		t.Fatalf("hello = %v, %v", hello, err)
	}
	if _, resp, err := websocket.DefaultDialer.DialContext(ctx, u, nil); err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("reused ticket: err=%v", err)
	}
	c2, _, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, resp, err := dial(); err == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("third connection over a cap of 2: err=%v", err)
	}
}

func TestAuthErrors(t *testing.T) {
	sb := sandboxtest.Start(t)
	for _, tc := range []struct {
		token, want string
	}{{"", "not_authed"}, {"xoxb-wrong", "invalid_auth"}, {sb.AppToken(), "not_allowed_token_type"}} {
		api := slack.New(tc.token, slack.OptionAPIURL(sb.APIURL()))
		if _, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false)); err == nil || err.Error() != tc.want {
			t.Errorf("token %q: err = %v, want %s", tc.token, err, tc.want)
		}
	}
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()), slack.OptionAppLevelToken("xapp-wrong"))
	if _, _, err := api.StartSocketModeContext(context.Background()); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("wrong app token: %v", err)
	}
	r, err := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL())).AuthTest()
	if err != nil || r.UserID != sb.BotUserID() || r.TeamID != sb.TeamID() {
		t.Errorf("auth.test = %+v, %v", r, err)
	}
}

func TestRateLimitedError(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Config{RateLimits: sandbox.RateLimits{
		PostMessagePerChannel: sandbox.Limit{Rate: 0.5, Burst: 1},
	}})
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	bob := sb.AddUser(sandbox.User{Name: "bob"})
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()))
	if _, _, err := api.PostMessage(alice.DM, slack.MsgOptionText("1", false)); err != nil {
		t.Fatal(err)
	}
	_, _, err := api.PostMessage(alice.DM, slack.MsgOptionText("2", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Fatalf("second post in a channel: %v", err)
	}
	// The budget is per channel.
	if _, _, err := api.PostMessage(bob.DM, slack.MsgOptionText("1", false)); err != nil {
		t.Fatalf("other channel: %v", err)
	}
	sb.Inject429("users.info", 2, 7*time.Second)
	for range 2 {
		_, err := api.GetUserInfo(alice.ID)
		if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
			t.Fatalf("injected: %v", err)
		}
	}
	if _, err := api.GetUserInfo(alice.ID); err != nil {
		t.Fatalf("after the burst: %v", err)
	}
}

func TestTierLimit(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Config{RateLimits: sandbox.RateLimits{Tier4: sandbox.PerMinute(3)}})
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()))
	for i := range 4 {
		_, err := api.GetUserInfo(alice.ID)
		var rl *slack.RateLimitedError
		if i < 3 && err != nil || i == 3 && (!errors.As(err, &rl) || rl.RetryAfter != 20*time.Second) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

// fakeClock is a manually advanced clock for trigger and response_url expiry.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestTriggerIDSingleUseAndExpiry(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	sb := sandboxtest.Start(t, sandbox.Config{Now: clock.Now})
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	triggers := make(chan string, 4)
	b := startBot(t, sb, func(b *testBot, evt socketmode.Event) {
		_ = b.sm.Ack(*evt.Request)
		triggers <- evt.Data.(slack.SlashCommand).TriggerID
	})
	if _, err := sb.SlashCommand(ctx, alice, "/lead", "x"); err != nil {
		t.Fatal(err)
	}
	trig := <-triggers
	if _, err := b.api.OpenView("123.456.abc", modal("m", false)); err == nil || err.Error() != "invalid_trigger_id" {
		t.Errorf("unknown trigger: %v", err)
	}
	if _, err := b.api.OpenView(trig, modal("m", false)); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if _, err := b.api.OpenView(trig, modal("m", false)); err == nil || err.Error() != "exchanged_trigger_id" {
		t.Errorf("reuse: %v", err)
	}
	if _, err := sb.SlashCommand(ctx, alice, "/lead", "y"); err != nil {
		t.Fatal(err)
	}
	trig = <-triggers
	clock.Add(3*time.Second + time.Millisecond)
	if _, err := b.api.OpenView(trig, modal("m", false)); err == nil || err.Error() != "expired_trigger_id" {
		t.Errorf("expired: %v", err)
	}
}
