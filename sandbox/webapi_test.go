package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func TestUsersAPI(t *testing.T) {
	sb := sandboxtest.Start(t)
	alice := sb.AddUser(sandbox.User{Name: "alice", RealName: "Alice Smith", Email: "Alice@Example.com", TZ: "America/Los_Angeles"})
	mgr := sb.AddUser(sandbox.User{Name: "mona", Email: "mona@example.com", TZ: "Europe/Paris", IsManager: true})
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()))

	u, err := api.GetUserInfo(alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != alice.ID || u.RealName != "Alice Smith" || u.Profile.Email != "Alice@Example.com" || u.TZ != "America/Los_Angeles" ||
		(u.TZOffset != -28800 && u.TZOffset != -25200) || (u.TZLabel != "Pacific Standard Time" && u.TZLabel != "Pacific Daylight Time") {
		t.Errorf("users.info = %+v", u)
	}
	if _, err := api.GetUserInfo("U404"); err == nil || err.Error() != "user_not_found" {
		t.Errorf("unknown user: %v", err)
	}
	byMail, err := api.GetUserByEmail("alice@example.com")
	if err != nil || byMail.ID != alice.ID {
		t.Errorf("lookupByEmail = %+v, %v", byMail, err)
	}
	if _, err := api.GetUserByEmail("nobody@example.com"); err == nil || err.Error() != "users_not_found" {
		t.Errorf("unknown email: %v", err)
	}
	m, _ := api.GetUserInfo(mgr.ID)
	if m.Profile.Title != "Sales Manager" {
		t.Errorf("manager title = %q", m.Profile.Title)
	}
	// Pagination: 3 members (the bot too) in pages of 2.
	all, err := api.GetUsers(slack.GetUsersOptionLimit(2))
	if err != nil || len(all) != 3 {
		t.Errorf("users.list = %d users, %v", len(all), err)
	}
	ch, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{alice.ID}})
	if err != nil || ch.ID != alice.DM {
		t.Errorf("conversations.open = %+v, %v", ch, err)
	}
	if _, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U404"}}); err == nil || err.Error() != "user_not_found" {
		t.Errorf("open with unknown user: %v", err)
	}
}

func TestChannelsAndEphemeral(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	bob := sb.AddUser(sandbox.User{Name: "bob"})
	sales := sb.AddChannel(sandbox.Channel{Name: "sales", Members: []string{alice.ID}, BotMember: true})
	closed := sb.AddChannel(sandbox.Channel{Name: "random", Members: []string{alice.ID}})
	old := sb.AddChannel(sandbox.Channel{Name: "old", BotMember: true})
	sb.ArchiveChannel(old.ID)
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()))
	for ch, want := range map[string]string{closed.ID: "not_in_channel", "C404": "channel_not_found", old.ID: "is_archived"} {
		if _, _, err := api.PostMessage(ch, slack.MsgOptionText("x", false)); err == nil || err.Error() != want {
			t.Errorf("post to %s: %v, want %s", ch, err, want)
		}
	}
	// By name, and in a thread.
	_, ts, err := api.PostMessage("#sales", slack.MsgOptionText("parent", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessage(sales.ID, slack.MsgOptionText("reply", false), slack.MsgOptionTS(ts)); err != nil {
		t.Fatal(err)
	}
	reply, err := sb.WaitMessage(ctx, func(m sandbox.Message) bool { return m.ThreadTS == ts })
	if err != nil || reply.Text != "reply" || reply.Channel != sales.ID {
		t.Errorf("reply = %+v, %v", reply, err)
	}
	if _, err := api.PostEphemeral(sales.ID, bob.ID, slack.MsgOptionText("x", false)); err == nil || err.Error() != "user_not_in_channel" {
		t.Errorf("ephemeral to non-member: %v", err)
	}
	if _, err := api.PostEphemeral(sales.ID, alice.ID, slack.MsgOptionText("psst", false)); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.WaitEphemeral(ctx, func(e sandbox.Ephemeral) bool { return e.Text == "psst" && e.User == alice.ID }); err != nil {
		t.Fatal(err)
	}
	// chat.update wants the DM's id, not the user's, as Slack documents.
	_, dmTS, err := api.PostMessage(alice.ID, slack.MsgOptionText("dm", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessage(alice.ID, dmTS, slack.MsgOptionText("x", false)); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("update by user id: %v", err)
	}
	parent, _ := sb.Message(sales.ID, ts)
	if _, _, err := api.DeleteMessage(sales.ID, ts); err != nil {
		t.Fatal(err)
	}
	if err := sb.WaitDeleted(ctx, parent); err != nil {
		t.Fatal(err)
	}
	// app_mention is delivered only where the bot is a member; a user message
	// is recorded either way.
	if _, _, err := sb.Mention(ctx, alice, closed.ID, "hello"); err != nil {
		t.Fatal(err)
	}
}

func TestResponseURLUsesAndFeed(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	urls := make(chan string, 1)
	startBot(t, sb, func(b *testBot, evt socketmode.Event) {
		_ = b.sm.Ack(*evt.Request)
		urls <- evt.Data.(slack.SlashCommand).ResponseURL
	})
	feedCtx, stop := context.WithCancel(ctx)
	defer stop()
	feed := sb.Subscribe(feedCtx, sb.Seq())
	if _, err := sb.SlashCommand(ctx, alice, "/leads", ""); err != nil {
		t.Fatal(err)
	}
	u := <-urls
	post := func(body any) map[string]any {
		data, _ := json.Marshal(body)
		resp, err := http.Post(u, "application/json", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	for i := range 5 {
		if out := post(map[string]any{"text": "answer", "replace_original": i > 0}); out["ok"] != true {
			t.Fatalf("use %d: %v", i+1, out)
		}
	}
	if out := post(map[string]any{"text": "sixth"}); out["error"] != "used_url" {
		t.Errorf("sixth use: %v", out)
	}
	ephs := sb.Ephemerals()
	if len(ephs) != 1 || len(ephs[0].History) != 5 {
		t.Errorf("ephemerals = %+v", ephs)
	}
	// The feed saw the envelope and the ephemeral, in order.
	var kinds []sandbox.EventKind
	for e := range feed {
		kinds = append(kinds, e.Kind)
		if e.Kind == sandbox.EvEphemeral {
			break
		}
	}
	if !slices.Contains(kinds, sandbox.EvEnvelopeSent) || kinds[len(kinds)-1] != sandbox.EvEphemeral {
		t.Errorf("feed = %v", kinds)
	}
}

func TestPresetUserIDsAreKept(t *testing.T) {
	sb := sandboxtest.Start(t)
	a := sb.AddUser(sandbox.User{ID: "U0ALICE01", Name: "alice"})
	b := sb.AddUser(sandbox.User{ID: "U0ALICE01", Name: "dup"})
	c := sb.AddUser(sandbox.User{Name: "carol"})
	if a.ID != "U0ALICE01" || a.DM != "D0ALICE01" || b.ID == a.ID || b.DM == a.DM || c.ID == "" || c.DM[0] != 'D' {
		t.Errorf("ids: %+v %+v %+v", a, b, c)
	}
	u, err := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL())).GetUserInfo("U0ALICE01")
	if err != nil || u.Name != "alice" {
		t.Errorf("users.info = %+v, %v", u, err)
	}
}
