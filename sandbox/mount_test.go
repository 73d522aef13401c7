package sandbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// A workspace mounted in someone else's server learns its address from
// the first request and hands out URLs on it.
func TestHandlerMountedElsewhere(t *testing.T) {
	sb := sandbox.New(sandbox.Config{})
	mux := http.NewServeMux()
	mux.Handle("/api/", sb.Handler())
	mux.Handle("/link/", sb.Handler())
	mux.Handle("/hooks/", sb.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("page")) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(sb.Close)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(srv.URL+"/api/"), slack.OptionAppLevelToken(sb.AppToken()))
	sm := socketmode.New(api)
	runCtx, stop := context.WithCancel(ctx)
	go func() {
		for {
			var evt socketmode.Event
			select {
			case evt = <-sm.Events:
			case <-runCtx.Done():
				return
			}
			if cmd, ok := evt.Data.(slack.SlashCommand); ok {
				_ = sm.Ack(*evt.Request)
				_, _, _ = api.PostMessage("", slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeInChannel),
					slack.MsgOptionText("for everyone", false))
			}
		}
	}()
	done := make(chan struct{})
	go func() { defer close(done); _ = sm.RunContext(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
	if _, err := sb.SlashCommand(ctx, alice, "/leads", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.WaitMessage(ctx, func(m sandbox.Message) bool { return m.Text == "for everyone" }); err != nil {
		t.Fatal(err)
	}
	if sb.APIURL() != srv.URL+"/api/" {
		t.Errorf("APIURL = %s, want %s/api/", sb.APIURL(), srv.URL)
	}
}

// A client that ignores a disconnect frame is cut off after the grace.
func TestDisconnectGraceClosesIgnoringClient(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Config{DisconnectGrace: 50 * time.Millisecond})
	ctx := testCtx(t)
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
	frames := make(chan map[string]any, 4)
	go func() {
		defer close(frames)
		for {
			var f map[string]any
			if c.ReadJSON(&f) != nil {
				return
			}
			frames <- f
		}
	}()
	if f := <-frames; f["type"] != "hello" {
		t.Fatalf("first frame %v", f)
	}
	sb.Disconnect(sandbox.DisconnectWarning)
	if f := <-frames; f["type"] != "disconnect" || f["reason"] != "warning" {
		t.Fatalf("frame %v", f)
	}
	for range frames { // closed by the server
	}
	waitConnections(t, ctx, sb, 0)
}
