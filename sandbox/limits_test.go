package sandbox_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
	"github.com/slack-go/slack"
)

func section(text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", text, false, false), nil, nil)
}

func button(actionID, value string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, value, slack.NewTextBlockObject("plain_text", "Go", false, false))
}

func TestMessageLimits(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Config{RateLimits: sandbox.RateLimits{Disabled: true}})
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()))
	many := func(n int) []slack.Block {
		var bs []slack.Block
		for range n {
			bs = append(bs, section("x"))
		}
		return bs
	}
	long := func(n int) string { return strings.Repeat("a", n) }
	for _, tc := range []struct {
		name   string
		blocks []slack.Block
		want   string // "" = accepted
	}{
		{"50 blocks", many(50), ""},
		{"51 blocks", many(51), "invalid_blocks"},
		{"section 3000", []slack.Block{section(long(3000))}, ""},
		{"section 3001", []slack.Block{section(long(3001))}, "invalid_blocks"},
		{"action_id 255", []slack.Block{slack.NewActionBlock("b", button(long(255), "v"))}, ""},
		{"action_id 256", []slack.Block{slack.NewActionBlock("b", button(long(256), "v"))}, "invalid_blocks"},
		{"block_id 256", []slack.Block{slack.NewActionBlock(long(256), button("a", "v"))}, "invalid_blocks"},
		{"value 2000", []slack.Block{slack.NewActionBlock("b", button("a", long(2000)))}, ""},
		{"value 2001", []slack.Block{slack.NewActionBlock("b", button("a", long(2001)))}, "invalid_blocks"},
		{"duplicate block_id", []slack.Block{slack.NewActionBlock("b", button("a", "v")), slack.NewActionBlock("b", button("c", "v"))}, "invalid_blocks"},
	} {
		_, _, err := api.PostMessage(alice.DM, slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(tc.blocks...))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s: err = %q, want %q", tc.name, got, tc.want)
		}
		var se slack.SlackErrorResponse
		if tc.want == "invalid_blocks" && (!errors.As(err, &se) || len(se.ResponseMetadata.Messages) == 0 ||
			!strings.Contains(se.ResponseMetadata.Messages[0], "json-pointer:/blocks")) {
			t.Errorf("%s: no json-pointer detail in %+v", tc.name, se)
		}
	}
	if _, _, err := api.PostMessage(alice.DM); err == nil || err.Error() != "no_text" {
		t.Errorf("empty message: %v", err)
	}
	// chat.update validates too.
	_, ts, err := api.PostMessage(alice.DM, slack.MsgOptionText("ok", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessage(alice.DM, ts, slack.MsgOptionBlocks(many(51)...)); err == nil || err.Error() != "invalid_blocks" {
		t.Errorf("update with 51 blocks: %v", err)
	}
	if _, _, _, err := api.UpdateMessage(alice.DM, "1.000001", slack.MsgOptionText("x", false)); err == nil || err.Error() != "message_not_found" {
		t.Errorf("update unknown ts: %v", err)
	}
}

func TestViewLimits(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Config{RateLimits: sandbox.RateLimits{Disabled: true}})
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()))
	home := func(n int, meta string) slack.HomeTabViewRequest {
		var bs []slack.Block
		for range n {
			bs = append(bs, section("x"))
		}
		return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: bs}, PrivateMetadata: meta}
	}
	for _, tc := range []struct {
		name string
		view slack.HomeTabViewRequest
		want string
	}{
		{"100 blocks", home(100, ""), ""},
		{"101 blocks", home(101, ""), "invalid_arguments"},
		{"metadata 3000", home(1, strings.Repeat("m", 3000)), ""},
		{"metadata 3001", home(1, strings.Repeat("m", 3001)), "invalid_arguments"},
	} {
		_, err := api.PublishView(alice.ID, tc.view, "")
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s: err = %q, want %q", tc.name, got, tc.want)
		}
	}
	// Modal title: 24 characters at most (checked before the trigger is spent).
	m := modal("m", false)
	m.Title = slack.NewTextBlockObject("plain_text", strings.Repeat("t", 25), false, false)
	_, err := api.OpenView("1.2.abc", m)
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		t.Fatalf("bad trigger: %v", err)
	}
	v, err := api.PublishView(alice.ID, home(1, ""), "")
	if err != nil {
		t.Fatal(err)
	}
	if v.State == nil || v.State.Values == nil || v.ID == "" || v.Hash == "" {
		t.Errorf("published view = %+v", v)
	}
	if _, err := api.PublishView(alice.ID, home(1, ""), "stale-hash"); err == nil || err.Error() != "hash_conflict" {
		t.Errorf("stale hash: %v", err)
	}
}
