package sandbox_test

import (
	"encoding/json"
	"testing"

	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func TestConnectAndHello(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	b := startBot(t, sb, ackAll)
	b.waitCount(t, ctx, socketmode.EventTypeHello, 1)
	if err := sb.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := sb.CallCount("apps.connections.open"); n != 1 {
		t.Errorf("apps.connections.open calls = %d, want 1", n)
	}
}

func TestSlashCommandAckIsResponse(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice", Email: "alice@example.com"})
	got := make(chan slack.SlashCommand, 1)
	startBot(t, sb, func(b *testBot, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			got <- evt.Data.(slack.SlashCommand)
			_ = b.sm.Ack(*evt.Request, map[string]any{"text": "3 new leads"})
		}
	})
	res, err := sb.SlashCommand(ctx, alice, "/leads", "today")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Acked || res.Late {
		t.Fatalf("ack = %+v", res)
	}
	cmd := <-got
	if cmd.Command != "/leads" || cmd.Text != "today" || cmd.UserID != alice.ID || cmd.ChannelID != alice.DM || cmd.TriggerID == "" {
		t.Errorf("slash command = %+v", cmd)
	}
	eph, err := sb.WaitEphemeral(ctx, func(e sandbox.Ephemeral) bool { return e.User == alice.ID })
	if err != nil {
		t.Fatal(err)
	}
	if eph.Text != "3 new leads" || eph.Source != "slash_ack" {
		t.Errorf("ephemeral = %+v", eph)
	}
}

func TestButtonClickUpdatesMessage(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	actions := make(chan slack.InteractionCallback, 1)
	b := startBot(t, sb, func(b *testBot, evt socketmode.Event) {
		_ = b.sm.Ack(*evt.Request)
		if cb, ok := evt.Data.(slack.InteractionCallback); ok {
			actions <- cb
			_, _, _, _ = b.api.UpdateMessage(cb.Container.ChannelID, cb.Container.MessageTs,
				slack.MsgOptionText("👍 recorded", false), slack.MsgOptionBlocks())
		}
	})
	btn := slack.NewButtonBlockElement("lead_up", "42", slack.NewTextBlockObject("plain_text", ":+1:", true, false))
	_, _, err := b.api.PostMessage(alice.ID, slack.MsgOptionText("Your leads", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("lead_42", btn)))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sb.WaitMessage(ctx, func(m sandbox.Message) bool { return m.Channel == alice.DM })
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Blocks.BlockSet) != 1 {
		t.Fatalf("blocks = %s", msg.RawBlocks)
	}
	res, err := sb.ClickButton(ctx, alice, msg, "lead_up")
	if err != nil || !res.Acked {
		t.Fatalf("click: %+v, %v", res, err)
	}
	cb := <-actions
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) != 1 {
		t.Fatalf("callback = %+v", cb)
	}
	a := cb.ActionCallback.BlockActions[0]
	if a.ActionID != "lead_up" || a.BlockID != "lead_42" || a.Value != "42" || cb.User.ID != alice.ID {
		t.Errorf("action = %+v", a)
	}
	up, err := sb.WaitUpdate(ctx, msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if up.Text != "👍 recorded" || up.Version() != 1 || len(up.History) != 2 {
		t.Errorf("updated = %+v", up)
	}
	var blocks []json.RawMessage
	_ = json.Unmarshal(up.RawBlocks, &blocks)
	if len(blocks) != 0 {
		t.Errorf("blocks after update = %s", up.RawBlocks)
	}
}
