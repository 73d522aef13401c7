package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/leadbot/leadbot/sandbox"
)

// userFlags collects repeated -user name:email[:tz[:manager]] flags.
type userFlags []sandbox.User

func (u *userFlags) String() string { return fmt.Sprint(len(*u), " users") }

func (u *userFlags) Set(s string) error {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || parts[0] == "" {
		return errors.New("want name:email[:tz[:manager]]")
	}
	user := sandbox.User{Name: parts[0], Email: parts[1]}
	if len(parts) > 2 {
		user.TZ = parts[2]
	}
	if len(parts) > 3 {
		user.IsManager = parts[3] == "manager"
	}
	*u = append(*u, user)
	return nil
}

// runSandbox runs a local Slack workspace alone until ctx ends and prints
// what a bot needs to reach it.
func runSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, flags := newSandboxFlags(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected arguments %q: %w", fs.Args(), errUsage)
	}
	level := slog.LevelInfo
	if *flags.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	users := flags.users
	if len(users) == 0 {
		users = defaultSandboxUsers()
	}
	var fake *standaloneCRM
	if *flags.fakeCRM {
		var err error
		if fake, err = startStandaloneCRM(users); err != nil {
			return err
		}
		defer fake.Close()
	}
	sb, err := sandbox.Start(sandbox.Config{
		BaseURL:  "http://" + *flags.addr,
		BotToken: *flags.botToken, AppToken: *flags.appToken, TeamName: *flags.team,
		RateLimits: sandbox.RateLimits{Disabled: *flags.noLimits},
		Logger:     logger, Controls: fake.controls(),
	})
	if err != nil {
		return err
	}
	defer sb.Close()
	added := printSandbox(stdout, sb, users)
	if fake != nil {
		if err := fake.print(stdout, added); err != nil {
			return err
		}
	}
	if *flags.verbose {
		logEvents(ctx, sb, logger)
	}
	<-ctx.Done()
	return nil
}

// sandboxFlags are the sandbox command's flags.
type sandboxFlags struct {
	addr, botToken, appToken, team *string
	noLimits, verbose, fakeCRM     *bool
	users                          userFlags
}

// newSandboxFlags declares the sandbox command's flags. The usage text is how someone pointing
// another bot at the sandbox learns the round trip through an env file, so it is kept whole.
func newSandboxFlags(stderr io.Writer) (*flag.FlagSet, *sandboxFlags) {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &sandboxFlags{
		addr:     fs.String("addr", "127.0.0.1:0", "listen address (port 0: a free port)"),
		botToken: fs.String("bot-token", "xoxb-sandbox", "bot token the Web API accepts"),
		appToken: fs.String("app-token", "xapp-sandbox", "app-level token apps.connections.open accepts"),
		team:     fs.String("team", "sandbox", "workspace name"),
		noLimits: fs.Bool("no-rate-limits", false, "never answer 429 (Slack's limits apply by default)"),
		verbose:  fs.Bool("v", false, "log every API call, envelope and change to stderr"),
		fakeCRM:  fs.Bool("fake-crm", false, "also run a fake Salesforce org whose leads the users own, and print what leadbot needs to sync with it"),
	}
	fs.Var(&f.users, "user", "add a user, name:email[:tz[:manager]] (repeatable; default: alice and a manager)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: leadbot sandbox [flags]

Runs a local Slack workspace (Web API + Socket Mode on loopback) so a bot can be
tried without a Slack app. It prints SLACK_API_URL, SLACK_BOT_TOKEN and
SLACK_APP_TOKEN: set them in the bot's environment (any slack-go bot works),
e.g. 'leadbot sandbox > sb.env' and, in another shell,
'env $(grep = sb.env) leadbot serve'.

With -fake-crm it also runs a fake Salesforce org (leadbot's test double of
the REST API) with the users as its users, and prints SALESFORCE_* and a
LEADBOT_CONFIG that point leadbot's sync at it; the sandbox page gets a button
that adds a lead in it. Import the users as reps first, as the printed
comment says ('leadbot import reps …'), so that the leads' owners are known.

Flags:
`)
		fs.PrintDefaults()
	}
	return fs, f
}

// defaultSandboxUsers are the users of a sandbox started without -user: alice and a manager.
func defaultSandboxUsers() userFlags {
	return userFlags{
		{Name: "alice", RealName: "Alice Rep", Email: "alice@example.com", TZ: "America/New_York"},
		{Name: "mona", RealName: "Mona Manager", Email: "mona@example.com", TZ: "America/New_York", IsManager: true},
	}
}

// printSandbox adds the users and prints what a bot needs: the environment lines first, as
// KEY=value so that `grep =` picks them out of the file, then one comment line per user. It
// returns the users as added (with their ids).
func printSandbox(stdout io.Writer, sb *sandbox.Workspace, users userFlags) []sandbox.User {
	var added []sandbox.User
	fmt.Fprintf(stdout, "SLACK_API_URL=%s\nSLACK_BOT_TOKEN=%s\nSLACK_APP_TOKEN=%s\n", sb.APIURL(), sb.BotToken(), sb.AppToken())
	for _, u := range users {
		u = sb.AddUser(u)
		role := "rep"
		if u.IsManager {
			role = "manager"
		}
		fmt.Fprintf(stdout, "# user %s %s <%s> %s DM %s (%s)\n", u.ID, u.Name, u.Email, u.TZ, u.DM, role)
		added = append(added, u)
	}
	return added
}

// logEvents logs every change in the workspace until ctx ends: with -v, the sandbox is a trace of
// what the bot did.
func logEvents(ctx context.Context, sb *sandbox.Workspace, logger *slog.Logger) {
	for e := range sb.Subscribe(ctx, 0) {
		logger.Debug("sandbox event", "kind", e.Kind, "method", e.Method, "user", e.User,
			"channel", e.Channel, "ts", e.TS, "view", e.ViewID, "envelope", e.EnvelopeID, "detail", e.Detail)
	}
}
