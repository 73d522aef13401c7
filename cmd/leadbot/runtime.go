package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/digest"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/internal/metrics"
	"github.com/leadbot/leadbot/report"
	"github.com/leadbot/leadbot/store"
	"github.com/leadbot/leadbot/training"
)

// slackTarget is where leadbot's Slack traffic goes: real Slack, or a sandbox workspace.
type slackTarget struct {
	apiURL, botToken, appToken string
}

// sandboxTokens are the tokens a sandbox workspace started by leadbot accepts.
const (
	sandboxBotToken = "xoxb-sandbox"
	sandboxAppToken = "xapp-sandbox"
)

// slackFor returns the configured Slack, or the sandbox served at LEADBOT_HTTP_ADDR when no
// tokens are set.
func (a *app) slackFor() slackTarget {
	if a.cfg.Sandbox() {
		return slackTarget{apiURL: "http://" + a.cfg.HTTPAddr + "/api/", botToken: sandboxBotToken, appToken: sandboxAppToken}
	}
	return slackTarget{apiURL: a.cfg.SlackAPIURL, botToken: a.cfg.SlackBotToken, appToken: a.cfg.SlackAppToken}
}

// runtime is the rep loop wired together: the Slack client and sender, the handlers' service and
// the router.
type runtime struct {
	botCfg  bot.Config
	sender  *bot.Sender
	service *handlers.Service
	router  *bot.Router
	metrics *metrics.Metrics // nil outside serve: every method is a no-op then
}

// newRuntime wires the rep loop. sp keeps clicks during a database outage (nil outside serve).
func (a *app) newRuntime(st *store.Store, t slackTarget, m *metrics.Metrics, sp handlers.Spooler) (*runtime, error) {
	f := a.cfg.File
	loc, err := time.LoadLocation(f.Digest.DefaultTZ)
	if err != nil {
		return nil, fmt.Errorf("digest.default_timezone: %w", err)
	}
	var days []time.Weekday
	for _, d := range f.Digest.Workdays {
		days = append(days, time.Weekday(d))
	}
	teams := map[string]handlers.TeamDelivery{}
	for _, t := range f.Teams {
		teams[strings.ToLower(strings.TrimSpace(t.Manager))] = handlers.TeamDelivery{Name: t.Name, Mode: t.Delivery, Channel: t.Channel}
	}
	bcfg := bot.Config{BotToken: t.botToken, AppToken: t.appToken, APIURL: t.apiURL, Log: a.log.With("component", "bot")}
	scfg := bot.SenderConfig{Log: a.log.With("component", "sender")}
	if m != nil { // not a typed nil in the interfaces
		bcfg.Metrics, scfg.Metrics = m, m
	}
	w := handlers.Wire(st, handlers.Wiring{Bot: bcfg, Sender: scfg, Handlers: handlers.Config{
		LeadsPerDay:    f.Digest.LeadsPerDay,
		DeliveryHour:   f.Digest.DeliveryHour,
		ResendDays:     f.Digest.ResendDays,
		Workdays:       days,
		DefaultTZ:      loc,
		CRMURLTemplate: f.CRMURLTemplate,
		Metrics:        feedbackMetrics(m),
		Teams:          teams,
		Bands: leadbot.BandRule{HotMin: f.Digest.Bands.HotMin, WarmMin: f.Digest.Bands.WarmMin,
			HotMost: f.Digest.Bands.HotMost, HotShare: f.Digest.Bands.HotShare},
		Holdout: f.Digest.Holdout,
		Spool:   sp,
		Rescore: func(ctx context.Context, leadID int64) (training.AccountRescore, error) {
			return training.RescoreAccount(ctx, st, leadID, a.trainingConfig())
		},
	}, Log: a.log.With("component", "handlers"), Now: time.Now})
	return &runtime{botCfg: w.Bot, sender: w.Sender, service: w.Service, router: w.Router, metrics: m}, nil
}

// scheduleJobs adds the scheduled jobs to s.
func (a *app) scheduleJobs(s *bot.Scheduler, st *store.Store, rt *runtime) error {
	if err := s.Add("digest", a.cfg.File.Schedules.Digest, rt.metrics.WrapJob("digest", func(ctx context.Context) (any, error) {
		stats, err := rt.service.RunDigests(ctx, handlers.DigestOptions{})
		rt.metrics.DigestSent(stats.Sent)
		rt.metrics.DigestFailed(stats.Failed)
		rt.metrics.LeadsDelivered(stats.Leads)
		return stats, err
	})); err != nil {
		return err
	}
	// Manager digests follow schedules.manager_digest in each manager's own timezone, so the job
	// ticks every 15 minutes and the service decides who is due.
	if err := s.Add("manager_digest", "*/15 * * * *", rt.metrics.WrapJob("manager_digest", func(ctx context.Context) (any, error) {
		return rt.service.RunManagerDigests(ctx, handlers.ManagerDigestOptions{Spec: a.cfg.File.Schedules.ManagerDigest})
	})); err != nil {
		return err
	}
	// Leads that arrive by import or webhook are scored within minutes, not at the nightly retrain:
	// a digest only carries scored leads.
	if err := s.Add("score_new", a.cfg.File.Schedules.ScoreNew, rt.metrics.WrapJob("score_new", func(ctx context.Context) (any, error) {
		n, v, err := training.ScoreNew(ctx, st, a.trainingConfig())
		return map[string]int{"scored": n, "model": v}, err
	})); err != nil {
		return err
	}
	// Emerging trends: once a day, the reasons rising in a segment go to managers, each rise once.
	if err := s.Add("trends", a.cfg.File.Schedules.Trends, rt.metrics.WrapJob("trends", func(ctx context.Context) (any, error) {
		return rt.service.RunTrends(ctx, report.TrendConfig{})
	})); err != nil {
		return err
	}
	if err := a.scheduleCRM(s, st, rt); err != nil { // crm_sync or hot_now (cmd/leadbot/crm.go)
		return err
	}
	return s.Add("retrain", a.cfg.File.Schedules.Retrain, rt.metrics.WrapJob("retrain", func(ctx context.Context) (any, error) {
		return a.retrainAndAnnounce(ctx, st, rt)
	}))
}

// retrainAndAnnounce is the scheduled retrain: train, gate, rescore, then tell the managers.
func (a *app) retrainAndAnnounce(ctx context.Context, st *store.Store, rt *runtime) (training.Result, error) {
	r, err := training.Retrain(ctx, st, a.trainingConfig(), a.log.With("component", "training"))
	if err != nil {
		return r, err
	}
	if r.Promoted {
		rt.metrics.ModelVersion(r.Version)
	}
	if err := rt.service.Announce(ctx, a.cfg.File.ManagersChannel, announcement(r)); err != nil {
		a.log.Warn("retrain not announced", "err", err)
	}
	return r, nil
}

func runDigest(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("digest", "digest -now [-rep EMAIL] [-managers]", `
Sends the daily rep digests now, whatever the reps' local hour and work days, to every rep who
has not had today's digest (or to one rep with -rep); with -managers, the managers' team digests
instead. It is the same job the scheduler runs, under the same lock, so it never sends a digest
twice. Without Slack tokens it sends through the sandbox workspace of a running 'leadbot serve'.`)
	now := fs.Bool("now", false, "send now (required: the scheduler sends at each rep's local hour)")
	rep := fs.String("rep", "", "only this rep (email)")
	managers := fs.Bool("managers", false, "send the managers' team digests")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !*now {
		fs.Usage()
		return fmt.Errorf("%w: say -now to send digests now", errUsage)
	}
	st, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	t := a.slackFor()
	rt, err := a.newRuntime(st, t, nil, nil)
	if err != nil {
		return err
	}
	if a.cfg.Sandbox() {
		if _, err := rt.sender.API().AuthTestContext(ctx); err != nil {
			return fmt.Errorf("no Slack tokens are set and no sandbox answers at %s (%v): start `leadbot serve` first, or set SLACK_BOT_TOKEN and SLACK_APP_TOKEN", t.apiURL, err)
		}
	}
	sched := bot.NewScheduler(st, a.log)
	var stats digest.Stats
	job, run := "digest", func(ctx context.Context) (any, error) {
		var err error
		stats, err = rt.service.RunDigests(ctx, handlers.DigestOptions{Force: true, RepEmail: *rep})
		return stats, err
	}
	if *managers {
		job, run = "manager_digest", func(ctx context.Context) (any, error) {
			var err error
			stats, err = rt.service.RunManagerDigests(ctx, handlers.ManagerDigestOptions{Force: true})
			return stats, err
		}
	}
	ran, err := sched.RunNow(ctx, job, run)
	if !ran && err == nil {
		return fmt.Errorf("a digest run is in progress elsewhere (another leadbot holds its lock): try again in a minute")
	}
	fmt.Fprintf(a.stdout, "sent %d digests with %d leads (%d reps had no leads to send, %d already had today's, %d paused, %d not matched in Slack, %d failed)\n",
		stats.Sent, stats.Leads, stats.NoLeads, stats.AlreadySent, stats.Paused, stats.Unmatched, stats.Failed)
	return err
}

// feedbackMetrics avoids a typed nil in the handlers' interface.
func feedbackMetrics(m *metrics.Metrics) interface{ Feedback(int) } {
	if m == nil {
		return nil
	}
	return m
}
