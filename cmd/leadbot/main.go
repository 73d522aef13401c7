// Command leadbot is the one binary: the Slack bot service and the tools around it.
//
// main is thin: it reads the configuration once, sets up logging, and hands a value of type app to
// the subcommand. app is the composition root: the one place that knows every concrete type.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/leadbot/leadbot/config"
)

// command is one subcommand of leadbot.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

// commands lists every subcommand; `leadbot` alone runs serve.
func commands() []command {
	return []command{
		{"serve", "run the bot, its scheduler and the HTTP server (the default)", runServe},
		{"migrate", "apply pending database migrations and exit", runMigrate},
		{"import", "import leads, outcomes or reps from a CRM export (CSV)", runImport},
		{"digest", "send the daily rep digests now", runDigest},
		{"train", "train a new model version; promote it only if it is better", runTrain},
		{"score", "score every open lead with the champion model", runScore},
		{"explain", "print one lead's score and the reasons behind it", runExplain},
		{"models", "list model versions; promote or roll back", runModels},
		{"export", "export feedback, scores, outcomes or holdout assignments as CSV (spreadsheet, BI)", runExport},
		{"report", "print the holdout's uplift (value) or the reasons rising this week (trends)", runReport},
		{"crm", "sync with Salesforce or HubSpot; check the connection; list the fields to create", runCRM},
		{"manifest", "print the Slack app manifest (create the app from it at api.slack.com/apps)", runManifest},
		{"eval", "evaluate the scoring models on any CSV (no database needed)", func(ctx context.Context, a *app, args []string) error {
			return runEval(ctx, args, a.stdout, a.stderr)
		}},
		{"sandbox", "run a local Slack workspace alone, for pointing a bot at it", func(ctx context.Context, a *app, args []string) error {
			return runSandbox(ctx, args, a.stdout, a.stderr)
		}},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		usage(stdout)
		return 0
	}
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == name {
			cmd = &c
			break
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "leadbot: unknown command %q\n\n", name)
		usage(stderr)
		return 2
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "leadbot: configuration:\n%v\n", err)
		return 2
	}
	a := newApp(cfg, stdout, stderr)
	err = cmd.run(ctx, a, args)
	a.close()
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "leadbot %s: %v\n", name, err)
		return 1
	}
}

// errUsage marks an error whose message (already printed) was about how the command was called.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprint(w, `leadbot scores CRM leads, sends each sales rep their best leads in Slack with the
reasons, learns from their 👍/👎, and retrains.

Usage: leadbot [command] [flags]     (no command: serve)

Commands:
`)
	cs := commands()
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].name == "serve" && cs[j].name != "serve" })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'leadbot COMMAND -h' for a command's flags.

Environment:
  DATABASE_URL        PostgreSQL DSN (unset: embedded PostgreSQL under LEADBOT_DATA_DIR)
  SLACK_BOT_TOKEN     xoxb- bot token        } unset: the local sandbox workspace
  SLACK_APP_TOKEN     xapp- app-level token  }
  SLACK_API_URL       Slack Web API base (default https://slack.com/api/)
  LEADBOT_HTTP_ADDR   health, metrics and sandbox page (default 127.0.0.1:8080)
  LEADBOT_CONFIG      YAML file: column mappings, schedules, teams, scoring and prior rules
  LEADBOT_DATA_DIR    embedded database, the click spool of a database outage (default ./.leadbot)
  LEADBOT_API_TOKEN   bearer token for the CRM webhooks under /api/v1/ (unset: webhooks off)
  LEADBOT_API_RATE    webhook requests a second per client (default 10; off), LEADBOT_API_BURST (20)
  LEADBOT_METRICS_AUTH  /metrics: auto (token beyond loopback), token or none
  LEADBOT_METRICS_ADDR  serve /metrics on its own (private) address instead
  SALESFORCE_CONSUMER_KEY, SALESFORCE_USERNAME, SALESFORCE_PRIVATE_KEY   Salesforce (JWT bearer);
                      or SALESFORCE_CONSUMER_SECRET (client credentials) instead of the last two
  HUBSPOT_TOKEN       a HubSpot private app's access token
  LOG_FORMAT          text or json (default: text on a terminal, json otherwise)
  LOG_LEVEL           debug, info, warn, error (default info)
Secrets also accept NAME_FILE (a file holding the value).
`)
}
