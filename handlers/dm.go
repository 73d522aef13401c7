package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// dmAnswer is the one line a plain-text DM to the bot gets: leadbot answers commands and
// buttons, and says so rather than leave "hello" unanswered.
const dmAnswer = "Hi! I don't read messages, but `/leadbot help` lists what I can do: `/leads` for your top leads, `/lead acme` to look one up."

// onDM answers a person's plain-text DM to the bot (message.im) with dmAnswer. Bot messages
// (its own digests among them) and subtypes (edits, deletions, joins) are not a person
// writing, and a message Slack delivers twice is answered once.
func (s *Service) onDM(ctx context.Context, ev slackevents.EventsAPIEvent) {
	e, ok := ev.InnerEvent.Data.(*slackevents.MessageEvent)
	if !ok || !personalDM(e) {
		return
	}
	if first, err := s.st.NoticeOnce(ctx, "dm:"+e.Channel+":"+e.TimeStamp); err != nil || !first {
		return
	}
	opts := []slack.MsgOption{slack.MsgOptionText(dmAnswer, false)}
	if e.ThreadTimeStamp != "" {
		opts = append(opts, slack.MsgOptionTS(e.ThreadTimeStamp))
	}
	if _, _, err := s.sl.Post(ctx, e.Channel, opts...); err != nil {
		s.log.Error("could not answer a DM", "user", e.User, "err", err)
	}
}

// personalDM reports whether a message event is a person writing to the bot in its DM.
func personalDM(e *slackevents.MessageEvent) bool {
	return e.ChannelType == "im" && e.SubType == "" && e.BotID == "" && e.User != "" && e.Channel != ""
}

// greeting greets by the hour of t in its own location: pass the rep's local time ("Good
// morning" at 9 PM was the fault). A time in the server's own zone (time.UTC, time.Local) says
// nothing of the rep's day, so it gets a greeting without a time of day.
func greeting(t time.Time) string {
	if loc := t.Location(); loc == time.UTC || loc == time.Local {
		return "Hi"
	}
	switch h := t.Hour(); {
	case h >= 5 && h < 12:
		return "Good morning"
	case h >= 12 && h < 18:
		return "Good afternoon"
	case h >= 18 && h < 23:
		return "Good evening"
	}
	return "Hello"
}

// greet is the digest's first words: the greeting and the rep's first name.
func greet(repName string, local time.Time) string {
	g := greeting(local)
	if first := firstName(repName); first != "" {
		g += ", " + crm(first, shortChars)
	}
	return g
}

func firstName(name string) string {
	var first string
	_, _ = fmt.Sscan(name, &first)
	return first
}
