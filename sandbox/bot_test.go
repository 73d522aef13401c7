package sandbox_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/leadbot/leadbot/sandbox"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// testBot is a minimal slack-go Socket Mode bot used to exercise the
// sandbox with slack-go's own clients.
type testBot struct {
	api    *slack.Client
	sm     *socketmode.Client
	mu     sync.Mutex
	seen   []socketmode.Event
	notify chan struct{}
}

// startBot runs a socketmode client against sb; handle is called for every
// event in its own goroutine (ack it there). It stops when the test ends.
func startBot(t testing.TB, sb *sandbox.Workspace, handle func(b *testBot, evt socketmode.Event), smOpts ...socketmode.Option) *testBot {
	t.Helper()
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()), slack.OptionAppLevelToken(sb.AppToken()))
	b := &testBot{api: api, sm: socketmode.New(api, smOpts...), notify: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = b.sm.RunContext(ctx)
	}()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case evt := <-b.sm.Events:
				b.mu.Lock()
				b.seen = append(b.seen, evt)
				b.mu.Unlock()
				select {
				case b.notify <- struct{}{}:
				default:
				}
				if handle != nil && evt.Request != nil && evt.Request.EnvelopeID != "" {
					wg.Add(1)
					go func() {
						defer wg.Done()
						handle(b, evt)
					}()
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		wg.Wait()
	})
	return b
}

// ackAll acks every envelope without a payload.
func ackAll(b *testBot, evt socketmode.Event) { _ = b.sm.Ack(*evt.Request) }

// count returns how many events of type typ the bot has seen.
func (b *testBot) count(typ socketmode.EventType) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, e := range b.seen {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// waitCount waits until the bot has seen at least n events of type typ.
func (b *testBot) waitCount(t testing.TB, ctx context.Context, typ socketmode.EventType, n int) {
	t.Helper()
	for b.count(typ) < n {
		select {
		case <-b.notify:
		case <-ctx.Done():
			t.Fatalf("waiting for %d %s events: %v (saw %d)", n, typ, ctx.Err(), b.count(typ))
		}
	}
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}
