package handlers_test

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/digest"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/internal/netfault"
	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
	"github.com/leadbot/leadbot/spool"
	"github.com/leadbot/leadbot/store"
	"github.com/leadbot/leadbot/training"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// clock is a settable time source for the handlers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// env is one end-to-end world: a sandbox Slack workspace, a fresh database, and the real bot
// (socket mode, router, sender, handlers) connected to the workspace through SLACK_API_URL.
type env struct {
	t     testing.TB
	ctx   context.Context
	sb    *sandbox.Workspace
	st    *store.Store
	svc   *handlers.Service
	clock *clock
	sched *bot.Scheduler
	// botPID is the bot's process when it runs in one of its own (botProcess), else 0.
	botPID int
	// px cuts the database away from the handlers (withOutage), else nil.
	px *netfault.Proxy
}

// monday0930 is a Monday, 09:30 UTC (10:30 in Paris, 01:30 in Los Angeles).
var monday0930 = time.Date(2030, 3, 4, 9, 30, 0, 0, time.UTC)

// envConfig is what a test world is made of; options adjust it.
type envConfig struct {
	handlers handlers.Config
	sandbox  sandbox.Config
	sender   bot.SenderConfig
	timeout  time.Duration
	logLevel slog.Level
	// botBinary, when set, is a built leadbot: the bot runs as `leadbot serve` in a process of
	// its own, as in production, instead of in the test's process.
	botBinary string
	// rescore wires training.RescoreAccount, as production does.
	rescore bool
	// outage puts the store behind a proxy that can cut the database away, and a click spool
	// in front of it, as serve has.
	outage bool
}

// withOutage puts a fault proxy between the handlers' store and PostgreSQL (env.px) and the
// click spool in front of the store, as in production.
func withOutage() envOption { return func(c *envConfig) { c.outage = true } }

// withHoldout turns the randomized holdout on at the given share.
func withHoldout(share float64) envOption { return func(c *envConfig) { c.handlers.Holdout = share } }

// withRescore makes a recorded reason rescore the lead's account at once, as in production.
func withRescore() envOption { return func(c *envConfig) { c.rescore = true } }

// envOption adjusts a test world.
type envOption func(*envConfig)

// withTeams routes the given teams' digests (the map may be filled in after the world exists).
func withTeams(teams map[string]handlers.TeamDelivery) envOption {
	return func(c *envConfig) { c.handlers.Teams = teams }
}

// realisticSlack keeps Slack's rate limits and the sender's real pacing (for benchmarks).
func realisticSlack(timeout time.Duration) envOption {
	return func(c *envConfig) {
		c.sandbox, c.sender, c.timeout, c.logLevel = sandbox.Config{}, bot.SenderConfig{}, timeout, slog.LevelError
	}
}

// unlimitedSlack turns the sandbox's rate limits off but keeps the sender's pacing.
func unlimitedSlack(timeout time.Duration) envOption {
	return func(c *envConfig) {
		c.sandbox.RateLimits.Disabled, c.sender, c.timeout, c.logLevel = true, bot.SenderConfig{}, timeout, slog.LevelError
	}
}

// botProcess runs the bot as `leadbot serve` from the binary at path, in a process of its own.
func botProcess(path string) envOption { return func(c *envConfig) { c.botBinary = path } }

// buildLeadbot builds cmd/leadbot into a temporary directory and returns its path.
func buildLeadbot(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "leadbot")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/leadbot").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build ./cmd/leadbot: %v\n%s", err, out)
	}
	return bin
}

// startServe runs `leadbot serve` against the sandbox and the test's database (already migrated;
// no scheduler, so that only the test sends digests), configured as the in-process bot is, and
// stops it with SIGTERM when the test ends. Variables such as GOGC pass through from the test's
// environment. exited is closed when the process ends.
func startServe(tb testing.TB, cfg envConfig, sb *sandbox.Workspace) (pid int, exited <-chan struct{}) {
	tb.Helper()
	dir := tb.TempDir()
	conf := filepath.Join(dir, "leadbot.yaml")
	yaml := fmt.Sprintf("crm_url_template: %q\ndigest:\n  resend_days: %d\n", cfg.handlers.CRMURLTemplate, cfg.handlers.ResendDays)
	if err := os.WriteFile(conf, []byte(yaml), 0o600); err != nil {
		tb.Fatal(err)
	}
	level := map[slog.Level]string{slog.LevelDebug: "debug", slog.LevelInfo: "info", slog.LevelWarn: "warn"}[cfg.logLevel]
	cmd := exec.Command(cfg.botBinary, "serve", "-no-migrate", "-no-scheduler")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+pgtest.DSN(tb), "LEADBOT_CONFIG="+conf, "LEADBOT_DATA_DIR="+dir,
		"LEADBOT_HTTP_ADDR=127.0.0.1:0", "LOG_LEVEL="+cmp.Or(level, "error"),
		"SLACK_BOT_TOKEN="+sb.BotToken(), "SLACK_APP_TOKEN="+sb.AppToken(), "SLACK_API_URL="+sb.APIURL())
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	done, gone := make(chan error, 1), make(chan struct{})
	go func() { done <- cmd.Wait(); close(gone) }()
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("leadbot serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			tb.Errorf("leadbot serve did not stop within 30 s of SIGTERM")
		}
	})
	return cmd.Process.Pid, gone
}

func newEnv(tb testing.TB, opts ...envOption) *env {
	tb.Helper()
	cfg := envConfig{
		handlers: handlers.Config{ResendDays: 7, DeliveryHour: 9, CRMURLTemplate: "https://crm.example.com/lead/{id}"},
		sandbox:  sandbox.Config{RateLimits: sandbox.RateLimits{Disabled: true}},
		sender:   bot.SenderConfig{PerChannel: 50, Burst: 50},
		timeout:  60 * time.Second,
		logLevel: slog.LevelWarn,
	}
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	tb.Cleanup(cancel)
	sb := sandboxtest.Start(tb, cfg.sandbox)
	st := store.New(pgtest.NewDB(tb))
	var px *netfault.Proxy
	var sp *spool.Spool
	if cfg.outage {
		st, px, sp = faultyStore(tb, cfg.timeout)
		cfg.handlers.Spool = sp
	}
	if cfg.rescore {
		cfg.handlers.Rescore = func(ctx context.Context, leadID int64) (training.AccountRescore, error) {
			return training.RescoreAccount(ctx, st, leadID, training.Config{})
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	clk := &clock{t: monday0930}
	cfg.sender.Log = log
	w := handlers.Wire(st, handlers.Wiring{
		Bot:    bot.Config{BotToken: sb.BotToken(), AppToken: sb.AppToken(), APIURL: sb.APIURL(), Log: log},
		Sender: cfg.sender, Handlers: cfg.handlers, Log: log, Now: clk.Now,
	})
	bcfg, sender, svc, router := w.Bot, w.Sender, w.Service, w.Router
	api := sender.API()
	var botPID int
	connectCtx := ctx
	if cfg.botBinary != "" {
		var exited <-chan struct{}
		botPID, exited = startServe(tb, cfg, sb)
		var cancel context.CancelFunc
		connectCtx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-exited: // it will never connect: fail now, not at the timeout
				cancel()
			case <-connectCtx.Done():
			}
		}()
	} else {
		b := bot.New(bcfg, api, router)
		runCtx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = b.Run(runCtx) }()
		tb.Cleanup(func() { stop(); <-done })
	}
	// Wait for all the bot's connections, so that envelopes are spread over them from the first.
	if err := sb.WaitConnected(connectCtx, bot.DefaultConnections); err != nil {
		tb.Fatalf("bot did not connect to the sandbox: %v", err)
	}
	if sp != nil {
		sp.OnApplied(svc.OnSpoolApplied)
		sp.OnAbandoned(svc.OnSpoolAbandoned)
		runCtx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = sp.Run(runCtx) }()
		tb.Cleanup(func() { stop(); <-done; sp.Close() })
	}
	return &env{t: tb, ctx: ctx, sb: sb, st: st, svc: svc, clock: clk, sched: bot.NewScheduler(st, log), botPID: botPID, px: px}
}

// faultyStore opens the test's database again through a fault proxy, and a click spool on it.
func faultyStore(tb testing.TB, timeout time.Duration) (*store.Store, *netfault.Proxy, *spool.Spool) {
	tb.Helper()
	px, err := netfault.Start("")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { px.Close() })
	dsn, target, err := netfault.DSN(pgtest.DSN(tb), px.Port())
	if err != nil {
		tb.Fatal(err)
	}
	px.SetTarget(target)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	st, err := store.Open(ctx, dsn+" connect_timeout=2")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	sp, err := spool.Open(st, spool.Config{Dir: tb.TempDir(), MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	return st, px, sp
}

// rep creates a rep in Slack and in the CRM's rep list.
func (e *env) rep(name, tz string, manager *leadbot.Rep) (sandbox.User, leadbot.Rep) {
	e.t.Helper()
	email := strings.ToLower(name) + "@example.com"
	u := e.sb.AddUser(sandbox.User{Name: strings.ToLower(name), RealName: name, Email: email, TZ: tz, IsManager: manager == nil})
	nr := store.NewRep{Email: email, Name: name, SlackUserID: u.ID, Timezone: tz, IsManager: manager == nil}
	if manager != nil {
		nr.ManagerEmail = manager.Email
	}
	r, err := e.st.UpsertRep(e.ctx, nr)
	if err != nil {
		e.t.Fatal(err)
	}
	return u, r
}

// lead creates a scored lead owned by owner.
func (e *env) lead(extID, name, company string, owner leadbot.Rep, p float64) leadbot.Lead {
	e.t.Helper()
	created := monday0930.AddDate(0, 0, -12)
	l, err := e.st.UpsertLead(e.ctx, store.NewLead{ExternalID: extID, Name: name, Company: company, OwnerID: &owner.ID,
		Source: "Web", CreatedAt: &created, Attributes: map[string]any{"Industry": "Retail"}})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.RecordScores(e.ctx, []store.NewScore{{LeadID: l.ID, Probability: p, Factors: leadbot.Factors{Base: -0.5,
		Factors: []leadbot.Factor{
			{Column: "Lead Source", Label: "Lead Source: Reference", Value: 1.2},
			{Column: "Time on website", Label: "Time on website: 1,240 s (top 10 %)", Value: 0.4},
			{Column: "Country", Label: "Country: missing", Value: -0.35},
		}}}}); err != nil {
		e.t.Fatal(err)
	}
	l, _ = e.st.LeadByID(e.ctx, l.ID)
	return l
}

// digest runs the digest job the way the scheduler does.
func (e *env) digest(opt handlers.DigestOptions) digest.Stats {
	e.t.Helper()
	var stats digest.Stats
	ran, err := e.sched.RunNow(e.ctx, "digest", func(ctx context.Context) (any, error) {
		var err error
		stats, err = e.svc.RunDigests(ctx, opt)
		return stats, err
	})
	if err != nil || !ran {
		e.t.Fatalf("digest run: ran=%v err=%v", ran, err)
	}
	return stats
}

// dmTo waits for the bot's newest message in the user's DM.
func (e *env) dmTo(u sandbox.User) sandbox.Message {
	e.t.Helper()
	m, err := e.sb.WaitMessage(e.ctx, func(m sandbox.Message) bool { return m.Channel == u.DM })
	if err != nil {
		e.t.Fatalf("no DM to %s: %v", u.Name, err)
	}
	return m
}

// messagesIn counts the bot's messages in a channel.
func (e *env) messagesIn(channel string) int {
	n := 0
	for _, m := range e.sb.Messages() {
		if m.Channel == channel && !m.Deleted {
			n++
		}
	}
	return n
}
