package handlers

import (
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/slackevents"
)

func TestGreeting(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	cases := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2030, 3, 4, 9, 0, 0, 0, la), "Good morning"},
		{time.Date(2030, 3, 4, 12, 0, 0, 0, la), "Good afternoon"},
		{time.Date(2030, 3, 4, 21, 0, 0, 0, la), "Good evening"}, // 05:00 UTC the next day
		{time.Date(2030, 3, 4, 23, 30, 0, 0, la), "Hello"},
		{time.Date(2030, 3, 4, 4, 59, 0, 0, la), "Hello"},
		// The server's clock says nothing of the rep's day: no time of day.
		{time.Date(2030, 3, 4, 21, 0, 0, 0, time.UTC), "Hi"},
		{time.Date(2030, 3, 4, 9, 0, 0, 0, time.Local), "Hi"},
	}
	for _, tc := range cases {
		if got := greeting(tc.at); got != tc.want {
			t.Errorf("greeting(%v) = %q, want %q", tc.at, got, tc.want)
		}
	}
	// The digest greets by the time it is given, in its own location.
	bs := DigestBlocks("Ana López", leadCards(1), time.Date(2030, 3, 4, 21, 0, 0, 0, la))
	checkText(t, textOf(t, bs), []string{"Good evening, Ana."}, []string{"Good morning"})
}

func TestPersonalDM(t *testing.T) {
	cases := []struct {
		name string
		e    slackevents.MessageEvent
		want bool
	}{
		{"a person writes", slackevents.MessageEvent{ChannelType: "im", User: "U1", Channel: "D1", Text: "hello"}, true},
		{"the bot's own digest", slackevents.MessageEvent{ChannelType: "im", User: "U1", Channel: "D1", BotID: "B1"}, false},
		{"an edit", slackevents.MessageEvent{ChannelType: "im", User: "U1", Channel: "D1", SubType: "message_changed"}, false},
		{"a channel message", slackevents.MessageEvent{ChannelType: "channel", User: "U1", Channel: "C1"}, false},
		{"no user", slackevents.MessageEvent{ChannelType: "im", Channel: "D1"}, false},
	}
	for _, tc := range cases {
		if got := personalDM(&tc.e); got != tc.want {
			t.Errorf("%s: personalDM = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// textOf is every text of blocks, one a line.
func textOf(t *testing.T, v any) string {
	t.Helper()
	return strings.Join(jsonStrings(t, v, "text"), "\n")
}
