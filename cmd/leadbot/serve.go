package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/demo"
	"github.com/leadbot/leadbot/digest"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/internal/metrics"
	"github.com/leadbot/leadbot/report"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/spool"
	"github.com/leadbot/leadbot/store"
)

func runServe(ctx context.Context, a *app, args []string) error {
	opt, err := parseServe(a, args)
	if err != nil {
		return err
	}
	st, err := a.openStore(ctx, opt.migrate)
	if err != nil {
		return err
	}
	s := newServer(a, st, opt)
	if err := s.start(ctx); err != nil {
		return err
	}
	runErr := s.wait(ctx)
	if err := s.Close(); runErr == nil {
		runErr = err
	}
	return runErr // the database closes after this, in a.close
}

// serveOptions are serve's flags.
type serveOptions struct {
	migrate   bool // apply pending migrations; otherwise refuse a schema that is not current
	scheduler bool // run the scheduled jobs in this replica
	fakeCRM   bool // run the demo's fake Salesforce org and sync with it (sandbox only)
}

// parseServe reads serve's flags. It is apart from runServe so that -h, which documents the
// start-up and shutdown order, sits next to nothing else.
func parseServe(a *app, args []string) (serveOptions, error) {
	fs := a.newFlags("serve", "serve [flags]", `
Runs leadbot: migrates the database (unless -no-migrate), connects to Slack over Socket Mode,
runs the scheduler (digests at each rep's local hour), and serves /healthz, /readyz and, without
Slack tokens, the sandbox workspace on LEADBOT_HTTP_ADDR. Runs until SIGINT or SIGTERM, then
shuts down in reverse order: stop taking envelopes, finish handlers, stop the scheduler, write
or keep the clicks still spooled from a database outage (LEADBOT_DATA_DIR/click-spool.jsonl,
applied at the next start), stop the HTTP server, close the database.`)
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations; refuse to start if the schema is not current")
	noScheduler := fs.Bool("no-scheduler", false, "do not run scheduled jobs in this replica")
	fakeCRM := fs.Bool("fake-crm", false, "sandbox only: also run a local fake Salesforce org (its leads at /crm/), sync with it every minute and add leads to it from the sandbox page")
	err := parse(fs, args)
	return serveOptions{migrate: !*noMigrate, scheduler: !*noScheduler, fakeCRM: *fakeCRM}, err
}

// server is `leadbot serve` over a database the app opened (and closes after the server): the
// HTTP server (/healthz, /readyz, /metrics, /api/v1/), the sandbox workspace when no Slack tokens
// are set, the scheduler and the Socket Mode bot.
//
// start brings them up and registers each component as it starts; Close stops exactly the
// registered ones, last first, so a start that fails half-way stops what had started (start calls
// Close itself then). Every goroutine the server starts ends when its component is stopped.
type server struct {
	a   *app
	st  *store.Store
	opt serveOptions

	ctx       context.Context // from start until Close has stopped everything
	cancel    context.CancelFunc
	running   []component   // what start started, in order
	failed    chan error    // the first component that stopped on its own while running
	closing   chan struct{} // closed when Close begins
	closeOnce sync.Once
	closeErr  error

	// Set by start's steps, in this order.
	ln         net.Listener
	base       string       // http://host:port of ln
	metricsLn  net.Listener // LEADBOT_METRICS_ADDR's, or nil
	mux        *http.ServeMux
	metricsMux *http.ServeMux // mux, or metricsLn's own
	metrics    *metrics.Metrics
	target     slackTarget
	sb         *sandbox.Workspace // nil with Slack tokens
	rt         *runtime
	sched      *bot.Scheduler
	ready      chan struct{} // closed once rt and sched are set: the sandbox's buttons wait for it
	demoSeeded bool          // the sandbox seeded the demo on this start: its trends are posted once
	fakeCRM    *demo.CRM     // with -fake-crm
}

// component is a running part of the server and how to stop it.
type component struct {
	name string
	stop func() error
}

func newServer(a *app, st *store.Store, opt serveOptions) *server {
	return &server{a: a, st: st, opt: opt, failed: make(chan error, 1), closing: make(chan struct{}), ready: make(chan struct{})}
}

// start brings the server up, in this order: the listener, the HTTP routes, the sandbox (without
// Slack tokens), the fake CRM (with -fake-crm), HTTP serving, the runtime, the scheduler, the bot. ctx bounds the components'
// lifetime: when it ends, the bot disconnects and wait returns. When a step fails, what had
// started is stopped before start returns.
func (s *server) start(ctx context.Context) error {
	s.ctx, s.cancel = context.WithCancel(ctx)
	for _, step := range []func() error{s.listen, s.routes, s.startSandbox, s.startFakeCRM, s.serveHTTP, s.wire, s.startScheduler, s.startBot} {
		if err := step(); err != nil {
			if cerr := s.Close(); cerr != nil {
				err = errors.Join(err, cerr)
			}
			return err
		}
	}
	if s.sb != nil {
		s.a.log.Info("leadbot is running in sandbox mode: open " + s.base)
	} else {
		s.a.log.Info("leadbot is running", "http", s.base, "slack", s.a.cfg.SlackAPIURL)
	}
	return nil
}

// wait blocks until ctx ends (SIGINT or SIGTERM) or a component stops on its own, and returns
// that component's error. The caller then calls Close.
func (s *server) wait(ctx context.Context) error {
	var err error
	select {
	case <-ctx.Done():
	case err = <-s.failed:
	}
	if ctx.Err() != nil {
		s.a.log.Info("shutting down")
	}
	return err
}

// Close stops what start started, last first: the bot (no more envelopes; its handlers finish),
// the scheduler (running jobs are cancelled and waited for), the HTTP server (requests get 10 s),
// the sandbox, the listener. Every component is stopped even when one fails to; their errors are
// returned together. Close is idempotent.
func (s *server) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		var errs []error
		for i := len(s.running) - 1; i >= 0; i-- {
			c := s.running[i]
			if err := c.stop(); err != nil {
				s.a.log.Debug("component stopped", "component", c.name, "err", err)
				errs = append(errs, err)
			} else {
				s.a.log.Debug("component stopped", "component", c.name)
			}
		}
		s.running = nil
		if s.cancel != nil {
			s.cancel()
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// started registers a component that now runs, so that Close stops it; kv go to the debug log.
func (s *server) started(name string, stop func() error, kv ...any) {
	s.running = append(s.running, component{name: name, stop: stop})
	s.a.log.Debug("component started", append([]any{"component", name}, kv...)...)
}

// spawn runs fn in a goroutine. If fn returns while the server runs, its error (nil too) is
// reported on s.failed, which ends wait. join waits for fn and returns its error unless that was
// already reported: stopping a component returns what it said as it stopped, and only that.
func (s *server) spawn(fn func() error) (join func() error) {
	done := make(chan error, 1)
	go func() {
		err := fn()
		select {
		case <-s.closing:
		default:
			select {
			case s.failed <- err:
			default: // another component failed first; that one is reported
			}
			err = nil
		}
		done <- err
	}()
	return func() error { return <-done }
}

// startSandbox, when no Slack tokens are set, mounts a sandbox workspace on the HTTP server and
// makes it match the database (seeding the demo into an empty one) before anything is served, so
// the page never shows a workspace the database disagrees with. The bot's Slack becomes this
// server. The buttons on its page use the runtime and the scheduler once start has made them.
func (s *server) startSandbox() error {
	if !s.a.cfg.Sandbox() {
		return nil
	}
	sb := sandbox.New(sandbox.Config{BotToken: sandboxBotToken, AppToken: sandboxAppToken, BaseURL: s.base,
		Logger: s.a.log.With("component", "sandbox"), Controls: sandboxControls(s)})
	s.sb = sb
	s.started("sandbox", func() error { sb.Close(); return nil })
	h := sb.Handler()
	s.mux.Handle("/api/", h)
	s.mux.Handle("/link/", h)
	s.mux.Handle("/hooks/", h)
	s.mux.Handle("/sandbox/", h) // the sandbox page's assets, JSON and event stream
	s.mux.Handle("/{$}", h)      // the sandbox page
	s.target.apiURL = s.base + "/api/"
	seeded, err := s.a.prepareSandbox(s.ctx, s.st, sb)
	s.demoSeeded = seeded
	return err
}

// wire builds the rep loop (Slack client, sender, handlers, router) that the scheduler's jobs and
// the bot share. It starts nothing; it comes after serveHTTP because in sandbox mode its Slack is
// this server.
func (s *server) wire() error {
	sp, err := s.openSpool()
	if err != nil {
		return err
	}
	rt, err := s.a.newRuntime(s.st, s.target, s.metrics, sp)
	if err != nil {
		sp.Close()
		return err
	}
	s.rt = rt
	s.runSpool(sp, rt.service)
	return nil
}

// openSpool opens the click spool under LEADBOT_DATA_DIR, with the clicks a stopped process left
// in it.
func (s *server) openSpool() (*spool.Spool, error) {
	if err := os.MkdirAll(s.a.cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("click spool: %w (LEADBOT_DATA_DIR must be writable)", err)
	}
	sp, err := spool.Open(s.st, spool.Config{Dir: s.a.cfg.DataDir, Log: s.a.log.With("component", "spool")})
	if err != nil {
		return nil, fmt.Errorf("click spool: %w", err)
	}
	return sp, nil
}

// runSpool writes the spool's clicks until shutdown, redrawing each one's message (or telling
// the rep it was abandoned) through svc; it stops after the bot and the scheduler, which feed it.
func (s *server) runSpool(sp *spool.Spool, svc *handlers.Service) {
	sp.OnApplied(svc.OnSpoolApplied)
	sp.OnAbandoned(svc.OnSpoolAbandoned)
	ctx, stop := context.WithCancel(s.ctx)
	join := s.spawn(func() error {
		if err := sp.Run(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		return nil
	})
	s.started("spool", func() error { stop(); err := join(); return errors.Join(err, sp.Close()) }, "pending", sp.Pending())
}

// startScheduler makes the scheduler, which the sandbox's buttons need from here on (even with
// -no-scheduler: they take the jobs' locks through it), and, unless -no-scheduler, starts the
// scheduled jobs. It starts before the bot so that shutdown, in reverse, stops taking envelopes
// and finishes the handlers before it stops the scheduler, as serve -h says.
func (s *server) startScheduler() error {
	s.sched = bot.NewScheduler(s.st, s.a.log.With("component", "scheduler"))
	close(s.ready)
	if s.demoSeeded {
		// The demo's reps report something new this week: the manager reads it on the first
		// run, as the daily trends job would at 07:00.
		if _, err := s.sched.RunNow(s.ctx, "trends", func(ctx context.Context) (any, error) {
			return s.rt.service.RunTrends(ctx, report.TrendConfig{})
		}); err != nil {
			s.a.log.Warn("demo: emerging trends not posted", "err", err)
		}
	}
	if !s.opt.scheduler {
		return nil
	}
	if err := s.a.scheduleJobs(s.sched, s.st, s.rt); err != nil {
		return err
	}
	s.sched.Start()
	s.started("scheduler", func() error { s.sched.Stop(); return nil })
	return nil
}

// startBot connects over Socket Mode and dispatches envelopes until it is stopped or ctx ends.
// It is the last to start: an envelope may need anything above.
func (s *server) startBot() error {
	b := bot.New(s.rt.botCfg, s.rt.sender.API(), s.rt.router)
	ctx, stop := context.WithCancel(s.ctx)
	join := s.spawn(func() error { return b.Run(ctx) })
	s.started("bot", func() error { stop(); return join() })
	return nil
}

// sandboxControls are the sandbox page's buttons. They run the digest jobs now, through the
// scheduler's lock as `leadbot digest -now` does, so a click never doubles a scheduled run.
// A click while leadbot is still starting waits for s.ready.
func sandboxControls(s *server) []sandbox.Control {
	run := func(ctx context.Context, job string, send func(context.Context, *runtime) (digest.Stats, error)) (string, error) {
		if err := s.waitReady(ctx); err != nil {
			return "", err
		}
		r, sched := s.rt, s.sched
		var stats digest.Stats
		ran, err := sched.RunNow(ctx, job, func(ctx context.Context) (any, error) {
			var err error
			stats, err = send(ctx, r)
			return stats, err
		})
		if !ran && err == nil {
			return "", errors.New("this digest is being sent right now (a scheduled run holds its lock): try again in a minute")
		}
		return digestSummary(stats), err
	}
	cs := []sandbox.Control{
		{Label: "Send today's digests now", Help: "Every rep who has not had today's digest gets it now, whatever their local hour.",
			Run: func(ctx context.Context) (string, error) {
				return run(ctx, "digest", func(ctx context.Context, r *runtime) (digest.Stats, error) {
					return r.service.RunDigests(ctx, handlers.DigestOptions{Force: true})
				})
			}},
		{Label: "Send the manager digest now", Help: "Each manager gets a fresh team report and its chart in their DM now, even if they had one today.",
			Run: func(ctx context.Context) (string, error) {
				var stats digest.Stats
				_, err := run(ctx, "manager_digest", func(ctx context.Context, r *runtime) (digest.Stats, error) {
					var err error
					stats, err = r.service.RunManagerDigests(ctx, handlers.ManagerDigestOptions{Force: true})
					return stats, err
				})
				return managerSummary(stats), err
			}},
	}
	if s.opt.fakeCRM {
		cs = append(cs, fakeCRMControls(s)...)
	}
	return cs
}

// waitReady waits until start has made the runtime and the scheduler, which the sandbox's
// buttons use; a click while leadbot is starting or stopping says so.
func (s *server) waitReady(ctx context.Context) error {
	select {
	case <-s.ready:
		return nil
	case <-s.closing:
		return errors.New("leadbot is shutting down")
	case <-ctx.Done():
		return errors.New("leadbot is still starting: try again in a moment")
	}
}

// managerSummary says what a manager digest run did, in one line: managers get reports, not
// leads.
func managerSummary(s digest.Stats) string {
	msg := fmt.Sprintf("Sent a fresh team report to %d %s", s.Sent, plural(s.Sent, "manager", "managers"))
	if s.Sent > 0 {
		msg += " (in their DM with leadbot)"
	}
	if s.Unmatched > 0 {
		msg += fmt.Sprintf("; %d not found in Slack", s.Unmatched)
	}
	if s.Failed > 0 {
		msg += fmt.Sprintf("; %d failed", s.Failed)
	}
	return msg + "."
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
