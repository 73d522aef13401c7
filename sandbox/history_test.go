package sandbox_test

import (
	"testing"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
)

// Message metadata is kept with the message and returned by conversations.history only with
// include_all_metadata, newest first, top-level messages only; malformed metadata is refused.
func TestMessageMetadataInHistory(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Config{RateLimits: sandbox.RateLimits{Disabled: true}})
	ann := sb.AddUser(sandbox.User{Name: "ann", Email: "ann@example.com"})
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()))
	meta := slack.SlackMetadata{EventType: "leadbot_digest", EventPayload: map[string]any{"digest_id": 7, "day": "2030-03-04"}}
	ch, first, err := api.PostMessage(ann.ID, slack.MsgOptionText("digest", false), slack.MsgOptionMetadata(meta))
	if err != nil || ch != ann.DM {
		t.Fatalf("post: %s %v", ch, err)
	}
	if _, _, err := api.PostMessage(ann.ID, slack.MsgOptionText("reply", false), slack.MsgOptionTS(first)); err != nil {
		t.Fatal(err)
	}
	_, second, _ := api.PostMessage(ann.ID, slack.MsgOptionText("plain", false))

	for _, tc := range []struct {
		name     string
		params   slack.GetConversationHistoryParameters
		wantTS   []string
		wantMeta bool
	}{
		{"with metadata", slack.GetConversationHistoryParameters{ChannelID: ann.DM, IncludeAllMetadata: true}, []string{second, first}, true},
		{"without", slack.GetConversationHistoryParameters{ChannelID: ann.DM}, []string{second, first}, false},
		{"oldest exclusive", slack.GetConversationHistoryParameters{ChannelID: ann.DM, Oldest: first, IncludeAllMetadata: true}, []string{second}, false},
		{"oldest inclusive", slack.GetConversationHistoryParameters{ChannelID: ann.DM, Oldest: first, Inclusive: true, IncludeAllMetadata: true}, []string{second, first}, true},
		{"one a page", slack.GetConversationHistoryParameters{ChannelID: ann.DM, Limit: 1}, []string{second}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := api.GetConversationHistory(&tc.params)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var gotMeta bool
			for _, m := range h.Messages {
				got = append(got, m.Timestamp)
				if m.Metadata.EventType == "leadbot_digest" && m.Metadata.EventPayload["digest_id"] == float64(7) {
					gotMeta = true
				}
			}
			if len(got) != len(tc.wantTS) || (len(got) > 0 && got[0] != tc.wantTS[0]) || gotMeta != tc.wantMeta {
				t.Errorf("history = %v (metadata %v), want %v (metadata %v)", got, gotMeta, tc.wantTS, tc.wantMeta)
			}
			if tc.params.Limit == 1 && (!h.HasMore || h.ResponseMetaData.NextCursor == "") {
				t.Errorf("a full page must say there is more: %+v", h)
			}
		})
	}
	if _, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: ann.ID}); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("history of a user id: %v, want channel_not_found", err)
	}
	bad := slack.SlackMetadata{EventType: "", EventPayload: map[string]any{"x": 1}}
	if _, _, err := api.PostMessage(ann.ID, slack.MsgOptionText("x", false), slack.MsgOptionMetadata(bad)); err == nil || err.Error() != "invalid_metadata_schema" {
		t.Errorf("metadata without event_type: %v, want invalid_metadata_schema", err)
	}
}

// A lost answer leaves the call's effect in place while the client sees only a failure.
func TestLoseAnswers(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Config{RateLimits: sandbox.RateLimits{Disabled: true}})
	ann := sb.AddUser(sandbox.User{Name: "ann", Email: "ann@example.com"})
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()))
	sb.LoseAnswers("chat.postMessage", 1)
	if _, _, err := api.PostMessage(ann.ID, slack.MsgOptionText("lost answer", false)); err == nil {
		t.Fatal("the post's answer was to be lost, but it arrived")
	}
	if n := len(sb.Messages()); n != 1 {
		t.Fatalf("the post took effect %d times, want once", n)
	}
	if _, _, err := api.PostMessage(ann.ID, slack.MsgOptionText("answered", false)); err != nil {
		t.Fatalf("only the next answer is lost: %v", err)
	}
}
