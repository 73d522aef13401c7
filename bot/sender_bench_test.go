package bot_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
)

// BenchmarkSenderWorkspaceLimit posts one message to each of 150 users from 16 workers against
// the sandbox's realistic limits (1 a second per channel, Retry-After in whole seconds) with two
// workspace-wide chat.postMessage limits: the sandbox's default (10 a second, burst 30) and a
// tight one (4 a second, burst 1: a refill faster than the whole-second Retry-After says, which
// is where holding every call for Retry-After lost three quarters of the throughput). It
// reports the share of the allowed throughput reached: the time the limit needs for these posts,
// (150 − burst) / rate, over the time they took. Run once:
//
//	go test ./bot -run '^$' -bench SenderWorkspaceLimit -benchtime 1x
func BenchmarkSenderWorkspaceLimit(b *testing.B) {
	for _, lim := range []sandbox.Limit{{Rate: 10, Burst: 30}, {Rate: 4, Burst: 1}} {
		b.Run(fmt.Sprintf("workspace=%g/s,burst=%d", lim.Rate, lim.Burst), func(b *testing.B) { benchWorkspaceLimit(b, lim) })
	}
}

func benchWorkspaceLimit(b *testing.B, lim sandbox.Limit) {
	const posts, workers = 150, 16
	for range b.N {
		sb := sandboxtest.Start(b, sandbox.Config{RateLimits: sandbox.RateLimits{PostMessageWorkspace: lim}})
		users := make([]sandbox.User, posts)
		for i := range users {
			users[i] = sb.AddUser(sandbox.User{Name: fmt.Sprintf("u%d", i), Email: fmt.Sprintf("u%d@example.com", i)})
		}
		api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()))
		s := bot.NewSender(api, bot.SenderConfig{})
		ctx := context.Background()
		work := make(chan sandbox.User)
		var wg sync.WaitGroup
		start := time.Now()
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for u := range work {
					if _, _, err := s.Post(ctx, u.ID, slack.MsgOptionText("hello", false)); err != nil {
						b.Error(err)
					}
				}
			}()
		}
		for _, u := range users {
			work <- u
		}
		close(work)
		wg.Wait()
		took := time.Since(start)
		ideal := time.Duration(float64(posts-lim.Burst) / lim.Rate * float64(time.Second))
		b.ReportMetric(100*ideal.Seconds()/took.Seconds(), "%allowed")
		b.ReportMetric(float64(sb.CallCount("chat.postMessage")-posts), "429s")
		b.ReportMetric(s.LearnedRate("chat.postMessage"), "learned/s")
	}
}
