package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/digest"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/httpapi"
	"github.com/leadbot/leadbot/internal/metrics"
	"github.com/leadbot/leadbot/sandbox"
)

func runServe(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("serve", "serve [flags]", `
Runs leadbot: migrates the database (unless -no-migrate), connects to Slack over Socket Mode,
runs the scheduler (digests at each rep's local hour), and serves /healthz, /readyz and, without
Slack tokens, the sandbox workspace on LEADBOT_HTTP_ADDR. Runs until SIGINT or SIGTERM, then
shuts down in reverse order: stop taking envelopes, finish handlers, stop the scheduler, stop the
HTTP server, close the database.`)
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations; refuse to start if the schema is not current")
	noScheduler := fs.Bool("no-scheduler", false, "do not run scheduled jobs in this replica")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := a.openStore(ctx, !*noMigrate)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on LEADBOT_HTTP_ADDR %s: %w (is another leadbot running? set LEADBOT_HTTP_ADDR to a free port)", a.cfg.HTTPAddr, err)
	}
	base := "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(pctx); err != nil {
			a.log.Warn("readiness check failed", "err", err)
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})

	m := metrics.New()
	if c, err := st.Champion(ctx); err == nil {
		m.ModelVersion(c.Version)
	}
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("/api/v1/", httpapi.New(httpapi.Deps{Store: st, Token: a.cfg.File.APIToken,
		Log: a.log.With("component", "webhooks"), Metrics: m}))
	if a.cfg.File.APIToken == "" {
		a.log.Info("the CRM webhook API (/api/v1/) is off: set LEADBOT_API_TOKEN to turn it on")
	}

	target := a.slackFor()
	// rt and sched are made after the sandbox (the bot needs its URL); the page's controls use them
	// once they are set.
	var rt *runtime
	var sched *bot.Scheduler
	started := make(chan struct{}) // closed once rt and sched are set
	if a.cfg.Sandbox() {
		sb := sandbox.New(sandbox.Config{BotToken: sandboxBotToken, AppToken: sandboxAppToken, BaseURL: base,
			Logger: a.log.With("component", "sandbox"), Controls: sandboxControls(&rt, &sched, started)})
		a.onClose(sb.Close)
		h := sb.Handler()
		mux.Handle("/api/", h)
		mux.Handle("/link/", h)
		mux.Handle("/hooks/", h)
		mux.Handle("/sandbox/", h) // the sandbox page's assets, JSON and event stream
		mux.Handle("/{$}", h)      // the sandbox page
		target.apiURL = base + "/api/"
		if err := a.prepareSandbox(ctx, st, sb); err != nil {
			return err
		}
	}

	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	httpErr := make(chan error, 1)
	go func() { httpErr <- srv.Serve(ln) }()

	rt, err = a.newRuntime(st, target, m)
	if err != nil {
		return err
	}
	b := bot.New(rt.botCfg, rt.sender.API(), rt.router)
	botCtx, stopBot := context.WithCancel(ctx)
	defer stopBot()
	botDone := make(chan error, 1)
	go func() { botDone <- b.Run(botCtx) }()

	sched = bot.NewScheduler(st, a.log.With("component", "scheduler"))
	close(started)
	if !*noScheduler {
		if err := a.scheduleJobs(sched, st, rt); err != nil {
			return err
		}
		sched.Start()
	}

	if a.cfg.Sandbox() {
		a.log.Info("leadbot is running in sandbox mode: open " + base)
	} else {
		a.log.Info("leadbot is running", "http", base, "slack", a.cfg.SlackAPIURL)
	}

	var runErr error
	select {
	case <-ctx.Done():
		a.log.Info("shutting down")
	case err := <-httpErr:
		runErr = fmt.Errorf("HTTP server: %w", err)
	case err := <-botDone:
		runErr = err
		botDone <- err
	}
	// Reverse order of start-up: envelopes, handlers, scheduler, HTTP; the database closes last
	// (a.close, after we return).
	stopBot()
	if err := <-botDone; err != nil && runErr == nil {
		runErr = err
	}
	sched.Stop()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) && runErr == nil {
		runErr = err
	}
	return runErr
}

// sandboxControls are the sandbox page's buttons. They run the digest jobs now, through the
// scheduler's lock as `leadbot digest -now` does, so a click never doubles a scheduled run.
// A click while leadbot is still starting waits for started.
func sandboxControls(rt **runtime, sched **bot.Scheduler, started <-chan struct{}) []sandbox.Control {
	run := func(ctx context.Context, job string, send func(context.Context, *runtime) (digest.Stats, error)) (string, error) {
		select {
		case <-started:
		case <-ctx.Done():
			return "", errors.New("leadbot is still starting: try again in a moment")
		}
		r, s := *rt, *sched
		var stats digest.Stats
		ran, err := s.RunNow(ctx, job, func(ctx context.Context) (any, error) {
			var err error
			stats, err = send(ctx, r)
			return stats, err
		})
		if !ran && err == nil {
			return "", errors.New("this digest is being sent right now (a scheduled run holds its lock): try again in a minute")
		}
		return digestSummary(stats), err
	}
	return []sandbox.Control{
		{Label: "Send today's digests now", Help: "Every rep who has not had today's digest gets it now, whatever their local hour.",
			Run: func(ctx context.Context) (string, error) {
				return run(ctx, "digest", func(ctx context.Context, r *runtime) (digest.Stats, error) {
					return r.service.RunDigests(ctx, handlers.DigestOptions{Force: true})
				})
			}},
		{Label: "Send the manager digest now", Help: "Each manager gets their team report now.",
			Run: func(ctx context.Context) (string, error) {
				return run(ctx, "manager_digest", func(ctx context.Context, r *runtime) (digest.Stats, error) {
					return r.service.RunManagerDigests(ctx, handlers.ManagerDigestOptions{Force: true})
				})
			}},
	}
}

// digestSummary says what a digest run did, in one line.
func digestSummary(s digest.Stats) string {
	msg := fmt.Sprintf("Sent %d %s with %d %s", s.Sent, plural(s.Sent, "digest", "digests"), s.Leads, plural(s.Leads, "lead", "leads"))
	var more []string
	for _, x := range []struct {
		n    int
		what string
	}{{s.AlreadySent, "already had today's"}, {s.NoLeads, "had no leads to send"}, {s.Paused, "paused"},
		{s.Unmatched, "not found in Slack"}, {s.Blocked, "waiting for the bot in their channel"}, {s.Failed, "failed"}} {
		if x.n > 0 {
			more = append(more, fmt.Sprintf("%d %s", x.n, x.what))
		}
	}
	if len(more) > 0 {
		msg += " (" + strings.Join(more, ", ") + ")"
	}
	return msg + "."
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func runMigrate(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("migrate", "migrate", `
Applies every pending database migration, under an advisory lock so that replicas starting at the
same time apply each one exactly once, and exits.`)
	if err := parse(fs, args); err != nil {
		return err
	}
	_, err := a.openStore(ctx, true)
	if err == nil {
		a.log.Info("database schema is current")
	}
	return err
}
