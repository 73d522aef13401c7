package sandbox_test

import (
	"sync"
	"testing"

	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func TestOverflowAndSelectPayloads(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	got := make(chan slack.InteractionCallback, 2)
	b := startBot(t, sb, func(b *testBot, evt socketmode.Event) {
		_ = b.sm.Ack(*evt.Request)
		if cb, ok := evt.Data.(slack.InteractionCallback); ok {
			got <- cb
		}
	})
	opt := func(v string) *slack.OptionBlockObject {
		return slack.NewOptionBlockObject(v, slack.NewTextBlockObject("plain_text", v, false, false), nil)
	}
	overflow := slack.NewOverflowBlockElement("snooze", opt("1d"), opt("1w"))
	_, _, err := b.api.PostMessage(alice.DM, slack.MsgOptionBlocks(
		slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*Acme*", false, false), nil, slack.NewAccessory(overflow), slack.SectionBlockOptionBlockID("lead_7"))))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := sb.WaitMessage(ctx, func(m sandbox.Message) bool { return m.Channel == alice.DM })
	if _, err := sb.SelectOverflow(ctx, alice, msg, "snooze", "1w"); err != nil {
		t.Fatal(err)
	}
	cb := <-got
	a := cb.ActionCallback.BlockActions[0]
	if a.ActionID != "snooze" || a.BlockID != "lead_7" || a.SelectedOption.Value != "1w" || a.Type != "overflow" {
		t.Errorf("overflow action = %+v", a)
	}
	if _, err := sb.SelectOverflow(ctx, alice, msg, "snooze", "1y"); err == nil {
		t.Error("picked an option the menu does not have")
	}

	// A select on the Home tab: the action carries the view and its state.
	hour := slack.NewOptionsSelectBlockElement("static_select", nil, "hour", opt("8"), opt("9"))
	_, err = b.api.PublishView(alice.ID, slack.HomeTabViewRequest{Type: slack.VTHomeTab,
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewActionBlock("settings", hour)}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	home, _ := sb.Home(alice)
	if _, err := sb.SelectOption(ctx, alice, home, "hour", "9"); err != nil {
		t.Fatal(err)
	}
	cb = <-got
	a = cb.ActionCallback.BlockActions[0]
	if cb.Container.Type != "view" || cb.View.ID != home.ID || a.SelectedOption.Value != "9" ||
		cb.View.State.Values["settings"]["hour"].SelectedOption.Value != "9" {
		t.Errorf("home select: container %+v action %+v state %+v", cb.Container, a, cb.View.State)
	}
}

func TestConcurrentUsers(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	startBot(t, sb, func(b *testBot, evt socketmode.Event) {
		_ = b.sm.Ack(*evt.Request, map[string]any{"text": "ok"})
	})
	var wg sync.WaitGroup
	for i := range 20 {
		u := sb.AddUser(sandbox.User{Name: "rep" + string(rune('a'+i))})
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := sb.SlashCommand(ctx, u, "/leads", ""); err != nil || r.Failed() {
				t.Errorf("%s: %+v %v", u.Name, r, err)
			}
			if _, err := sb.OpenHome(ctx, u); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(sb.Ephemerals()); n != 20 {
		t.Errorf("%d ephemeral answers, want 20", n)
	}
	if n := len(sb.AckLatencies()); n != 40 {
		t.Errorf("%d acks, want 40", n)
	}
}

func TestClickButtonByValueOrBlock(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	got := make(chan slack.BlockAction, 3)
	b := startBot(t, sb, func(b *testBot, evt socketmode.Event) {
		// Record before acking: the click returns on the ack, so the
		// records keep the order of the clicks.
		if cb, ok := evt.Data.(slack.InteractionCallback); ok {
			got <- *cb.ActionCallback.BlockActions[0]
		}
		_ = b.sm.Ack(*evt.Request)
	})
	_, _, err := b.api.PostMessage(alice.DM, slack.MsgOptionBlocks(
		slack.NewActionBlock("lead_1", button("lead_up", "1")),
		slack.NewActionBlock("lead_2", button("lead_up", "2"))))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := sb.WaitMessage(ctx, func(m sandbox.Message) bool { return m.Channel == alice.DM })
	for _, click := range []func() (sandbox.AckResult, error){
		func() (sandbox.AckResult, error) { return sb.ClickButton(ctx, alice, msg, "lead_up") },
		func() (sandbox.AckResult, error) { return sb.ClickButtonValue(ctx, alice, msg, "lead_up", "2") },
		func() (sandbox.AckResult, error) { return sb.ClickButton(ctx, alice, msg, "lead_2/lead_up") },
	} {
		if _, err := click(); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []string{"lead_1", "lead_2", "lead_2"} {
		if a := <-got; a.BlockID != want {
			t.Errorf("click %d went to %s, want %s", i, a.BlockID, want)
		}
	}
	if _, err := sb.ClickButtonValue(ctx, alice, msg, "lead_up", "3"); err == nil {
		t.Error("clicked a button that is not there")
	}
}
