package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
	"github.com/leadbot/leadbot/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestSchedulerRecordsPanicsAndFailures(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	s := bot.NewScheduler(st, nil)
	ran, err := s.RunNow(ctx, "boom", func(context.Context) (any, error) { panic("kaboom") })
	if !ran || err == nil || !strings.Contains(err.Error(), "kaboom") {
		t.Fatalf("panicking job: ran=%v err=%v", ran, err)
	}
	runs, _ := st.JobRuns(ctx, "boom", 1)
	if len(runs) != 1 || runs[0].Outcome != "failed" || !strings.Contains(runs[0].Error, "kaboom") {
		t.Fatalf("recorded: %+v", runs)
	}
	// The scheduler goes on: the next run of another job works.
	if ran, err := s.RunNow(ctx, "fine", func(context.Context) (any, error) { return map[string]int{"n": 1}, nil }); !ran || err != nil {
		t.Fatalf("next job: %v %v", ran, err)
	}
	if err := s.Add("bad", "every now and then", func(context.Context) (any, error) { return nil, nil }); err == nil {
		t.Fatal("a bad cron spec was accepted")
	}
}

func TestSenderRetriesServerErrorsAndWaitsOut429(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n := calls.Add(1); n {
		case 1:
			http.Error(w, "upstream", http.StatusBadGateway)
		case 2:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": "D1", "ts": "1.000001"})
		}
	}))
	defer srv.Close()
	api := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/"))
	s := bot.NewSender(api, bot.SenderConfig{})
	start := time.Now()
	ch, ts, err := s.Post(context.Background(), "U1", slack.MsgOptionText("hi", false))
	if err != nil || ch != "D1" || ts != "1.000001" {
		t.Fatalf("post: %q %q %v", ch, ts, err)
	}
	if calls.Load() != 3 || time.Since(start) < time.Second {
		t.Fatalf("%d calls in %v: want a retry after the 502 and a 1 s wait after the 429", calls.Load(), time.Since(start))
	}
	// Slack's own errors are not retried: they would fail again.
	calls.Store(100)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":false,"error":"channel_not_found"}`))
	})
	_, _, err = s.Post(context.Background(), "C404", slack.MsgOptionText("hi", false))
	if bot.ErrorCode(err) != "channel_not_found" || calls.Load() != 101 {
		t.Fatalf("permanent error: %v after %d calls", err, calls.Load()-100)
	}
}

// runBot runs a bot on r until the test ends, once all its connections (cfg.Connections, or
// DefaultConnections) are open.
func runBot(t *testing.T, sb *sandbox.Workspace, cfg bot.Config, api *slack.Client, r *bot.Router) {
	t.Helper()
	b := bot.New(cfg, api, r)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	conns := cfg.Connections
	if conns <= 0 {
		conns = bot.DefaultConnections
	}
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := sb.WaitConnected(wctx, conns); err != nil {
		t.Fatal(err)
	}
}

// botSandbox starts a sandbox workspace with one user, ann, and returns cfg pointed at it (its
// tokens and API URL filled in) with the client for it.
func botSandbox(t *testing.T, cfg bot.Config) (*sandbox.Workspace, sandbox.User, bot.Config, *slack.Client) {
	t.Helper()
	sb := sandboxtest.Start(t)
	u := sb.AddUser(sandbox.User{Name: "ann", Email: "ann@example.com"})
	cfg.BotToken, cfg.AppToken, cfg.APIURL = sb.BotToken(), sb.AppToken(), sb.APIURL()
	return sb, u, cfg, bot.NewClient(cfg)
}

func TestHandlerPanicDoesNotStopTheBot(t *testing.T) {
	// Two connections: the envelopes are spread over both, and both loops ack.
	sb, u, cfg, api := botSandbox(t, bot.Config{Connections: 2})
	r := bot.NewRouter()
	handled := make(chan string, 4)
	r.Slash("/boom", func(context.Context, slack.SlashCommand) { panic("handler bug") })
	r.Slash("/ok", func(_ context.Context, c slack.SlashCommand) { handled <- c.Text })
	runBot(t, sb, cfg, api, r)
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if ack, err := sb.SlashCommand(wctx, u, "/boom", ""); err != nil || ack.Failed() {
		t.Fatalf("panicking command not acked: %v %+v", err, ack)
	}
	if ack, err := sb.SlashCommand(wctx, u, "/ok", "still alive"); err != nil || ack.Failed() {
		t.Fatalf("after a panic: %v %+v", err, ack)
	}
	select {
	case got := <-handled:
		if got != "still alive" {
			t.Fatalf("handled %q", got)
		}
	case <-wctx.Done():
		t.Fatal("the bot stopped handling after a panic")
	}
}

func TestLaterFoldsAsksWaitingInTheQueue(t *testing.T) {
	// Given no bot, a Coalescer runs fn at once.
	ran := false
	bot.NewCoalescer().Do(context.Background(), "k", func(context.Context) { ran = true })
	if !ran {
		t.Fatal("a Coalescer outside the bot did not run fn")
	}

	// One worker: a run asked for by a handler waits at least until that handler is done.
	later := bot.NewCoalescer()
	sb, u, cfg, api := botSandbox(t, bot.Config{MaxConcurrent: 1, Later: later})
	r := bot.NewRouter()
	redrawn := make(chan string, 8)
	r.Slash("/ask", func(ctx context.Context, c slack.SlashCommand) {
		n, _ := strconv.Atoi(c.Text)
		for range n {
			later.Do(ctx, "k", func(ctx context.Context) {
				if req, _ := bot.RequestFrom(ctx); req.UserID != u.ID {
					t.Errorf("Later ran with the request of %q, want %q", req.UserID, u.ID)
				}
				redrawn <- c.Text
			})
		}
	})
	runBot(t, sb, cfg, api, r)
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	ask := func(n string) string {
		t.Helper()
		if ack, err := sb.SlashCommand(wctx, u, "/ask", n); err != nil || ack.Failed() {
			t.Fatalf("/ask not acked: %v %+v", err, ack)
		}
		select {
		case got := <-redrawn:
			return got
		case <-wctx.Done():
			t.Fatal("Later never ran")
			return ""
		}
	}
	// Three asks while the first run waits for the worker: one run. Had they queued three, the
	// next run to come would be one of theirs rather than the next ask's.
	if got := ask("3"); got != "3" {
		t.Fatalf("first run asked by /ask %s, want 3", got)
	}
	if got := ask("1"); got != "1" {
		t.Fatalf("second run asked by /ask %s, want 1: the asks made while a run waited were not folded", got)
	}
}

// TestSlowSlashCommandDoesNotHoldUpClicks: slash commands and interactions are worked on in
// lanes of their own, so with one worker a lane, a click's work runs while a lookup is still
// being worked on.
func TestSlowSlashCommandDoesNotHoldUpClicks(t *testing.T) {
	sb, u, cfg, api := botSandbox(t, bot.Config{MaxConcurrent: 1})
	r := bot.NewRouter()
	release, clicked := make(chan struct{}), make(chan struct{}, 1)
	r.Slash("/slow", func(ctx context.Context, c slack.SlashCommand) { <-release })
	r.Action("go", func(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) { clicked <- struct{}{} })
	runBot(t, sb, cfg, api, r)
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ch, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{u.ID}})
	if err != nil {
		t.Fatal(err)
	}
	_, ts, err := api.PostMessageContext(ctx, ch.ID, slack.MsgOptionBlocks(
		slack.NewActionBlock("b", slack.NewButtonBlockElement("go", "1", slack.NewTextBlockObject(slack.PlainTextType, "Go", false, false)))))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := sb.Message(ch.ID, ts)
	if !ok {
		t.Fatal("posted message not found")
	}
	for range 2 { // both held in the slash commands' lane: one working, one waiting
		if ack, err := sb.SlashCommand(ctx, u, "/slow", ""); err != nil || ack.Failed() {
			t.Fatalf("/slow not acked: %v %+v", err, ack)
		}
	}
	if ack, err := sb.ClickButton(ctx, u, m, "b/go"); err != nil || ack.Failed() {
		t.Fatalf("click not acked: %v %+v", err, ack)
	}
	select {
	case <-clicked:
	case <-ctx.Done():
		t.Fatal("the click's work waited behind the slash commands")
	}
}
