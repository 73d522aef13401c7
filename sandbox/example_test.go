package sandbox_test

import (
	"context"
	"fmt"
	"time"

	"github.com/leadbot/leadbot/sandbox"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// A bot under test needs only the API URL and the two tokens; the test
// then acts as a user and waits on the outcome.
func Example() {
	sb, err := sandbox.Start(sandbox.Config{})
	if err != nil {
		panic(err)
	}
	defer sb.Close()
	alice := sb.AddUser(sandbox.User{Name: "alice", Email: "alice@example.com", TZ: "Europe/Paris"})

	// The bot: unchanged slack-go code, pointed at the sandbox.
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()), slack.OptionAppLevelToken(sb.AppToken()))
	client := socketmode.New(api)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() { _ = client.RunContext(ctx) }()
	go func() {
		for evt := range client.Events {
			if cmd, ok := evt.Data.(slack.SlashCommand); ok {
				_ = client.Ack(*evt.Request)
				_, _, _ = api.PostMessage(cmd.UserID, slack.MsgOptionText("Your top leads: Acme", false))
			}
		}
	}()

	// The test: run /leads as alice and wait for the DM.
	if _, err := sb.SlashCommand(ctx, alice, "/leads", ""); err != nil {
		panic(err)
	}
	msg, err := sb.WaitMessage(ctx, func(m sandbox.Message) bool { return m.Channel == alice.DM })
	if err != nil {
		panic(err)
	}
	fmt.Println(msg.Text)
	// Output: Your top leads: Acme
}
