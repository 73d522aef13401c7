// Package sandbox is a local Slack: the Web API and Socket Mode served over
// loopback HTTP and WebSocket, faithful enough that an unmodified slack-go
// bot (or any other Socket Mode client) can run against it by pointing its
// API URL at [Workspace.APIURL] and using the tokens in [Config].
//
// A Workspace holds a small model of a Slack team (users, DMs, channels,
// messages with their history, ephemeral messages, modals and Home tabs),
// records every call the bot makes, and offers a driver so Go tests can act
// as users (run slash commands, click buttons, submit modals, open the Home
// tab) and wait on the outcome without sleeping:
//
//	sb := sandboxtest.Start(t) // package sandbox/sandboxtest
//	alice := sb.AddUser(sandbox.User{Name: "alice", Email: "alice@example.com"})
//	// start the bot with slack.OptionAPIURL(sb.APIURL()) and
//	// slack.OptionAppLevelToken(sb.AppToken()), then:
//	res, err := sb.SlashCommand(ctx, alice, "/leads", "")
//	msg, err := sb.WaitMessage(ctx, func(m sandbox.Message) bool { return m.Channel == alice.DM })
//
// To serve a workspace from an existing HTTP server (the bot's own page,
// say), create it with New and mount Handler at the root of the server's
// paths /api/, /link/ and /hooks/; Subscribe gives a live feed of every
// change for pages that follow the workspace.
//
// The wire details it honours (and the traps it avoids) are listed in
// docs/slack-protocol.md; this package imports nothing else from leadbot.
package sandbox
