package sandbox_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// leadBot is a small bot shaped like leadbot's Slack surface: digest
// buttons, a reason modal, a slash command answered through response_url
// and a Home tab.
func leadBot(t *testing.T, sb *sandbox.Workspace) *testBot {
	reasonModal := func(title, meta string) slack.ModalViewRequest {
		opts := []*slack.OptionBlockObject{
			slack.NewOptionBlockObject("no_budget", slack.NewTextBlockObject("plain_text", "No budget", false, false), nil),
			slack.NewOptionBlockObject("other", slack.NewTextBlockObject("plain_text", "Other", false, false), nil),
		}
		sel := slack.NewOptionsSelectBlockElement("static_select", nil, "reason", opts...)
		note := slack.NewInputBlock("note_block", slack.NewTextBlockObject("plain_text", "Note", false, false), nil,
			slack.NewPlainTextInputBlockElement(nil, "note"))
		note.Optional = true
		return slack.ModalViewRequest{Type: slack.VTModal, CallbackID: "reason", PrivateMetadata: meta,
			Title:  slack.NewTextBlockObject("plain_text", title, false, false),
			Submit: slack.NewTextBlockObject("plain_text", "Save", false, false),
			Blocks: slack.Blocks{BlockSet: []slack.Block{
				slack.NewInputBlock("reason_block", slack.NewTextBlockObject("plain_text", "Reason", false, false), nil, sel),
				note}}}
	}
	return startBot(t, sb, func(b *testBot, evt socketmode.Event) {
		switch d := evt.Data.(type) {
		case slack.SlashCommand:
			_ = b.sm.Ack(*evt.Request)
			_, _, _ = b.api.PostMessage("", slack.MsgOptionResponseURL(d.ResponseURL, slack.ResponseTypeEphemeral),
				slack.MsgOptionText("Your top leads: Acme", false))
		case slack.InteractionCallback:
			switch d.Type {
			case slack.InteractionTypeBlockActions:
				_ = b.sm.Ack(*evt.Request)
				a := d.ActionCallback.BlockActions[0]
				switch a.ActionID {
				case "lead_up":
					_, _, _ = b.api.PostMessage("", slack.MsgOptionReplaceOriginal(d.ResponseURL),
						slack.MsgOptionText("👍 recorded", false))
				case "lead_down":
					meta := d.Container.ChannelID + "|" + d.Container.MessageTs
					// Slack refuses a 25-character title; the bot then retries.
					if _, err := b.api.OpenView(d.TriggerID, reasonModal(strings.Repeat("x", 25), meta)); err == nil || err.Error() != "invalid_arguments" {
						t.Errorf("long title: %v", err)
					}
					if _, err := b.api.OpenView(d.TriggerID, reasonModal("Why 👎?", meta)); err != nil {
						t.Errorf("open: %v", err)
					}
				}
			case slack.InteractionTypeViewSubmission:
				vals := d.View.State.Values
				reason := vals["reason_block"]["reason"].SelectedOption.Value
				note := vals["note_block"]["note"].Value
				if reason == "other" && note == "" {
					_ = b.sm.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"note_block": "Tell us why"}))
					return
				}
				_ = b.sm.Ack(*evt.Request)
				ch, ts, _ := strings.Cut(d.View.PrivateMetadata, "|")
				_, _, _, _ = b.api.UpdateMessage(ch, ts, slack.MsgOptionText("👎 recorded: "+reason+" ("+note+")", false),
					slack.MsgOptionBlocks())
			default:
				_ = b.sm.Ack(*evt.Request)
			}
		case slackevents.EventsAPIEvent:
			_ = b.sm.Ack(*evt.Request)
			if e, ok := d.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok {
				_, _ = b.api.PublishView(e.User, slack.HomeTabViewRequest{Type: slack.VTHomeTab,
					Blocks: slack.Blocks{BlockSet: []slack.Block{section("My leads")}}}, "")
			}
		default:
			_ = b.sm.Ack(*evt.Request)
		}
	})
}

func postDigest(t *testing.T, b *testBot, u sandbox.User) {
	t.Helper()
	_, _, err := b.api.PostMessage(u.ID, slack.MsgOptionText("Your leads", false), slack.MsgOptionBlocks(
		section("*Acme* — 0.91"),
		slack.NewActionBlock("lead_42", button("lead_up", "42"), button("lead_down", "42"))))
	if err != nil {
		t.Fatal(err)
	}
}

func TestDriverClickThroughMessageAndModal(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice", Email: "alice@example.com"})
	b := leadBot(t, sb)
	postDigest(t, b, alice)
	msg, err := sb.WaitMessage(ctx, func(m sandbox.Message) bool { return m.Channel == alice.DM && m.Text == "Your leads" })
	if err != nil {
		t.Fatal(err)
	}

	// 👎 opens the reason modal.
	if _, err := sb.ClickButton(ctx, alice, msg, "lead_down"); err != nil {
		t.Fatal(err)
	}
	modal, err := sb.WaitView(ctx, func(v sandbox.View) bool { return v.User == alice.ID && v.CallbackID == "reason" })
	if err != nil {
		t.Fatal(err)
	}
	if modal.Title != "Why 👎?" {
		t.Errorf("title = %q", modal.Title)
	}
	// A required input cannot be left empty, as in Slack's client.
	if _, err := sb.SubmitView(ctx, alice, modal, nil); !errors.Is(err, sandbox.ErrRequired) {
		t.Errorf("empty submit: %v", err)
	}
	// "Other" without a note: the bot answers response_action errors.
	res, err := sb.SubmitView(ctx, alice, modal, map[string]sandbox.Input{"reason": sandbox.Options("other")})
	if err != nil {
		t.Fatal(err)
	}
	if res.ResponseAction != "errors" || res.Errors["note_block"] != "Tell us why" {
		t.Fatalf("ack = %+v", res)
	}
	if ms := sb.Modals(alice); len(ms) != 1 || ms[0].Errors["note_block"] == "" {
		t.Fatalf("modal after errors = %+v", ms)
	}
	// With a note the modal closes and the digest message is updated.
	res, err = sb.SubmitView(ctx, alice, modal, map[string]sandbox.Input{"note": sandbox.Text("no budget till Q3")})
	if err != nil || res.ResponseAction != "" || res.Failed() {
		t.Fatalf("submit: %+v, %v", res, err)
	}
	if ms := sb.Modals(alice); len(ms) != 0 {
		t.Errorf("modal still open: %+v", ms)
	}
	up, err := sb.WaitUpdate(ctx, msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if up.Text != "👎 recorded: other (no budget till Q3)" {
		t.Errorf("updated text = %q", up.Text)
	}
	if _, err := sb.ClickButton(ctx, alice, up, "lead_up"); err == nil {
		t.Error("clicked a button the update removed")
	}
}

func TestDriverResponseURLAndHome(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	b := leadBot(t, sb)

	// /leads answers later through response_url, ephemerally.
	if _, err := sb.SlashCommand(ctx, alice, "/leads", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.WaitEphemeral(ctx, func(e sandbox.Ephemeral) bool {
		return e.User == alice.ID && e.Source == "response_url" && strings.Contains(e.Text, "Acme")
	}); err != nil {
		t.Fatal(err)
	}

	// 👍 replaces the original message through response_url.
	postDigest(t, b, alice)
	msg, err := sb.WaitMessage(ctx, func(m sandbox.Message) bool { return m.Channel == alice.DM })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.ClickButton(ctx, alice, msg, "lead_up"); err != nil {
		t.Fatal(err)
	}
	up, err := sb.WaitUpdate(ctx, msg, func(m sandbox.Message) bool { return m.Text == "👍 recorded" })
	if err != nil {
		t.Fatal(err)
	}
	if up.History[1].By != "response_url" {
		t.Errorf("history = %+v", up.History)
	}

	// Opening Home publishes it.
	if _, err := sb.OpenHome(ctx, alice); err != nil {
		t.Fatal(err)
	}
	home, err := sb.WaitView(ctx, func(v sandbox.View) bool { return v.Type == "home" && v.User == alice.ID })
	if err != nil {
		t.Fatal(err)
	}
	if len(home.Blocks.BlockSet) != 1 {
		t.Errorf("home blocks = %s", home.Raw)
	}
}
