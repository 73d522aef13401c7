package bot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
)

// Deliver posts a message once whatever happens to Slack's answers: a lost answer is resolved by
// finding the message by its metadata, a delivery known to be uncertain looks before posting,
// and a fence that refuses posts nothing.
func TestDeliverPostsOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	refused := errors.New("lease lost")
	for _, tc := range []struct {
		name      string
		lose      int  // answers of chat.postMessage lost
		posted    bool // already in Slack before the delivery (an earlier attempt's)
		uncertain bool
		fence     error
		wantMsgs  int
		wantFound bool
		wantErr   error
	}{
		{name: "plain", wantMsgs: 1},
		{name: "answer lost", lose: 1, wantMsgs: 1, wantFound: true},
		{name: "two answers lost", lose: 2, wantMsgs: 1, wantFound: true},
		{name: "earlier attempt landed", posted: true, uncertain: true, wantMsgs: 1, wantFound: true},
		{name: "earlier attempt did not land", uncertain: true, wantMsgs: 1},
		{name: "fenced", fence: refused, wantMsgs: 0, wantErr: refused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := sandboxtest.Start(t, sandbox.Config{RateLimits: sandbox.RateLimits{Disabled: true}})
			ann := sb.AddUser(sandbox.User{Name: "ann", Email: "ann@example.com"})
			s := bot.NewSender(slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL())), bot.SenderConfig{})
			d := bot.Delivery{Channel: ann.ID, Since: time.Now(), Uncertain: tc.uncertain,
				Meta: slack.SlackMetadata{EventType: "leadbot_digest", EventPayload: map[string]any{"key": "digest:1"}}}
			if tc.posted {
				if _, _, err := s.API().PostMessage(ann.ID, slack.MsgOptionText("digest", false), slack.MsgOptionMetadata(d.Meta)); err != nil {
					t.Fatal(err)
				}
			}
			if tc.fence != nil {
				d.Fence = func(context.Context) error { return tc.fence }
			}
			sb.LoseAnswers("chat.postMessage", tc.lose)
			_, ts, found, err := s.Deliver(ctx, d, slack.MsgOptionText("digest", false))
			if !errors.Is(err, tc.wantErr) || found != tc.wantFound {
				t.Fatalf("Deliver: found=%v err=%v, want found=%v err=%v", found, err, tc.wantFound, tc.wantErr)
			}
			msgs := sb.Messages()
			if len(msgs) != tc.wantMsgs || (tc.wantMsgs == 1 && msgs[0].TS != ts) {
				t.Fatalf("%d messages in Slack (ts %q, returned %q), want %d", len(msgs), first(msgs), ts, tc.wantMsgs)
			}
		})
	}
}

func first(ms []sandbox.Message) string {
	if len(ms) == 0 {
		return ""
	}
	return ms[0].TS
}
