package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/config"
	"github.com/leadbot/leadbot/crm"
	"github.com/leadbot/leadbot/crmsync"
	"github.com/leadbot/leadbot/crmsync/hubspot"
	"github.com/leadbot/leadbot/crmsync/salesforce"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/store"
	"github.com/leadbot/leadbot/training"
)

func runCRM(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("crm", "crm sync|check|fields [flags]", `
Connects leadbot to Salesforce (SALESFORCE_CONSUMER_KEY and its credentials) or HubSpot
(HUBSPOT_TOKEN), configured under crm: in LEADBOT_CONFIG.

  sync     pull the leads and outcomes that changed (and write scores back, when enabled)
  check    test the credentials, permissions, objects, fields and API budget, saying what to fix
  fields   print the custom fields an admin creates for the write-back

Run 'leadbot crm COMMAND -h' for a command's flags.`)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("%w: say sync, check or fields", errUsage)
	}
	rest := fs.Args()[1:]
	switch fs.Arg(0) {
	case "sync":
		return runCRMSync(ctx, a, rest)
	case "check":
		return runCRMCheck(ctx, a, rest)
	case "fields":
		return runCRMFields(a, rest)
	}
	fs.Usage()
	return fmt.Errorf("%w: unknown crm command %q: say sync, check or fields", errUsage, fs.Arg(0))
}

func runCRMSync(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("crm sync", "crm sync [--full] [--dry-run]", `
Pulls the Leads and Opportunities that changed since the last sync (the same job the scheduler
runs every crm.schedule, under the same lock), imports them as 'leadbot import' would, scores the
new ones, and writes scores back when crm.salesforce.write_back.enabled is set. Records that cannot be imported are
listed with their CRM id; the others are imported.`)
	full := fs.Bool("full", false, "pull every record, not only the changed ones (the cursors still move on)")
	dry := fs.Bool("dry-run", false, "pull and check everything, write nothing (neither leadbot nor the CRM)")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, syncers, err := a.openCRM(ctx)
	if err != nil {
		return err
	}
	var stats map[string]crmsync.Stats
	ran, err := bot.NewScheduler(st, a.log).RunNow(ctx, "crm_sync", func(ctx context.Context) (any, error) {
		stats, err = syncAll(ctx, syncers, crmsync.Options{Full: *full, DryRun: *dry, Score: func(ctx context.Context) error {
			_, _, err := training.ScoreNew(ctx, st, a.trainingConfig())
			return err
		}})
		return stats, err
	})
	for _, s := range syncers {
		if st, ok := stats[s.name]; ok {
			fmt.Fprintf(a.stdout, "%s: ", s.name)
			printSync(a.stdout, st, *dry)
		}
	}
	if err != nil {
		return err
	}
	if !ran {
		return errors.New("a CRM sync is running elsewhere (another leadbot holds its lock): try again in a minute")
	}
	return nil
}

// openCRM opens the store and builds the sync of each configured CRM, for the crm commands.
func (a *app) openCRM(ctx context.Context) (*store.Store, []syncer, error) {
	st, err := a.openStore(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	syncers, err := a.crmSyncers(st, nil)
	return st, syncers, err
}

// syncer is one CRM's sync (*crmsync.Salesforce, *crmsync.HubSpot).
type syncer struct {
	name string
	crm  interface {
		Sync(context.Context, crmsync.Options) (crmsync.Stats, error)
		Check(context.Context) []crmsync.Check
	}
}

// syncAll syncs each configured CRM in turn; a failure stops the run with what was done so far.
func syncAll(ctx context.Context, syncers []syncer, opt crmsync.Options) (map[string]crmsync.Stats, error) {
	out := map[string]crmsync.Stats{}
	for _, s := range syncers {
		st, err := s.crm.Sync(ctx, opt)
		out[s.name] = st
		if err != nil {
			return out, fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return out, nil
}

// crmSyncers builds the sync of each configured CRM; none configured is an error saying how.
func (a *app) crmSyncers(st *store.Store, m *crmsync.Metrics) ([]syncer, error) {
	c := a.cfg.File.CRM
	var out []syncer
	if c.Salesforce.Enabled() {
		sf, err := a.salesforceSync(st, m)
		if err != nil {
			return nil, err
		}
		out = append(out, syncer{"salesforce", sf})
	}
	if h := c.HubSpot; h.Enabled() {
		budget := &crmsync.Budget{Store: st, System: "hubspot", Share: c.BudgetShare, Now: time.Now, Log: a.log}
		if m != nil {
			budget.Gauge = m.Remaining.WithLabelValues("hubspot")
		}
		var wb *crmsync.WriteBackFields
		if h.WriteBack.Enabled {
			d := crmsync.DefaultHubSpotWriteBack()
			wb = overrideFields(d, h.WriteBack)
		}
		out = append(out, syncer{"hubspot", &crmsync.HubSpot{Store: st, Log: a.log.With("component", "crm_sync"), Now: time.Now, Metrics: m,
			Client: hubspot.New(hubspot.Config{BaseURL: h.BaseURL, Token: h.Token, Budget: budget, OnCall: m.OnCall("hubspot")}),
			Config: crmsync.HubSpotConfig{Mapping: crm.MergeMappings(h.Columns), Attributes: h.Attributes.Fields(), AttributeNames: h.Attributes.Names(), WonStages: h.WonStages,
				LostStages: h.LostStages, Overlap: c.Overlap, Missing: a.cfg.File.Import.Missing, WriteBack: wb}}})
	}
	if len(out) == 0 {
		return nil, errors.New("no CRM is configured: set SALESFORCE_CONSUMER_KEY with SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY (JWT bearer) or SALESFORCE_CONSUMER_SECRET (client credentials), or HUBSPOT_TOKEN; see the README's \"Connect Salesforce\" and \"Connect HubSpot\"")
	}
	return out, nil
}

func printSync(w io.Writer, s crmsync.Stats, dry bool) {
	verb := "synced"
	if dry {
		verb = "dry run, nothing written:"
	}
	fmt.Fprintf(w, "%s %d records pulled: %d new leads, %d updated, %d unchanged, %d closed (deleted or merged), %d outcomes; %d written back, %d write-backs failed; %d API calls\n",
		verb, s.Pulled, s.New, s.Updated, s.Unchanged, s.Deleted, s.Outcomes, s.Written, s.WriteFailed, s.Calls)
	if s.BudgetStop {
		fmt.Fprintln(w, "stopped at leadbot's share of the daily API allowance (crm.budget_share): the next run resumes where this one stopped")
	}
	for i, r := range s.Rejects {
		if i == maxShown {
			fmt.Fprintf(w, "… and %d more\n", len(s.Rejects)-maxShown)
			break
		}
		fmt.Fprintf(w, "  %s %s: %s\n", r.Object, r.ID, r.Reason)
	}
}

// salesforceSync builds the Salesforce sync from the configuration; m may be nil.
func (a *app) salesforceSync(st *store.Store, m *crmsync.Metrics) (*crmsync.Salesforce, error) {
	c := a.cfg.File.CRM
	sfc := c.Salesforce
	auth := salesforce.Auth{LoginURL: sfc.LoginURL, ConsumerKey: sfc.ConsumerKey, Username: sfc.Username, ConsumerSecret: sfc.ConsumerSecret}
	if sfc.PrivateKey != "" {
		k, err := salesforce.ParsePrivateKey(sfc.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("SALESFORCE_PRIVATE_KEY: %w", err)
		}
		auth.PrivateKey = k
	}
	budget := &crmsync.Budget{Store: st, System: "salesforce", Share: c.BudgetShare, Now: time.Now, Log: a.log}
	if m != nil {
		budget.Gauge = m.Remaining.WithLabelValues("salesforce")
	}
	client := salesforce.New(salesforce.Config{Auth: auth, Version: sfc.APIVersion, Budget: budget, OnCall: m.OnCall("salesforce")})
	return &crmsync.Salesforce{Client: client, Store: st, Log: a.log.With("component", "crm_sync"), Now: time.Now, Metrics: m,
		Config: crmsync.SalesforceConfig{
			Mapping: crm.MergeMappings(sfc.Columns), Attributes: sfc.Attributes.Fields(), AttributeNames: sfc.Attributes.Names(), LostStatuses: sfc.LostStatuses,
			WonStages: sfc.WonStages, LostStages: sfc.LostStages,
			Overlap: c.Overlap, BatchSize: sfc.BatchSize, Missing: a.cfg.File.Import.Missing, WriteBack: writeBackFields(sfc.WriteBack),
		}}, nil
}

// writeBackFields turns the configuration into field names: "" keeps the default, "-" leaves one out.
func writeBackFields(w config.WriteBackConfig) *crmsync.WriteBackFields {
	if !w.Enabled {
		return nil
	}
	return overrideFields(crmsync.DefaultWriteBackFields(), w)
}

func overrideFields(f crmsync.WriteBackFields, w config.WriteBackConfig) *crmsync.WriteBackFields {
	for _, p := range []struct {
		dst *string
		v   string
	}{{&f.Score, w.Score}, {&f.Band, w.Band}, {&f.Reasons, w.Reasons}, {&f.Model, w.Model}, {&f.ScoredAt, w.ScoredAt}, {&f.Verdict, w.Verdict}} {
		switch p.v {
		case "":
		case "-":
			*p.dst = ""
		default:
			*p.dst = p.v
		}
	}
	if w.ReasonsLength > 0 {
		f.ReasonsLength = w.ReasonsLength
	}
	return &f
}

// scheduleCRM adds the crm_sync job (pull, score what arrived, send "hot now") when a CRM is
// configured, and otherwise a hot_now job for leads that arrive by webhook.
func (a *app) scheduleCRM(s *bot.Scheduler, st *store.Store, rt *runtime) error {
	var m *crmsync.Metrics
	if rt.metrics != nil {
		m = crmsync.NewMetrics(rt.metrics.Registry())
	}
	if c := a.cfg.File.CRM; !c.Salesforce.Enabled() && !c.HubSpot.Enabled() {
		return s.Add("hot_now", "* * * * *", rt.metrics.WrapJob("hot_now", func(ctx context.Context) (any, error) {
			return a.sendHotNow(ctx, rt)
		}))
	}
	run, err := a.crmSyncRun(st, rt, m)
	if err != nil {
		return err
	}
	return s.Add("crm_sync", a.cfg.File.CRM.Schedule, rt.metrics.WrapJob("crm_sync", func(ctx context.Context) (any, error) {
		return run(ctx)
	}))
}

// crmRun is what one crm_sync run did.
type crmRun struct {
	Sync   map[string]crmsync.Stats `json:"sync"`
	Scored int                      `json:"scored"`
	HotNow handlers.HotNowStats     `json:"hot_now"`
}

// crmSyncRun builds the crm_sync job's work: sync each CRM, scoring what arrived between the pull
// and the write-back (rather than at the next score_new, so that the CRM gets the score and a
// hot lead is sent this run), then send "hot now". m may be nil.
func (a *app) crmSyncRun(st *store.Store, rt *runtime, m *crmsync.Metrics) (func(context.Context) (crmRun, error), error) {
	syncers, err := a.crmSyncers(st, m)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (crmRun, error) {
		var r crmRun
		scoreNew := func(ctx context.Context) error {
			n, _, err := training.ScoreNew(ctx, st, a.trainingConfig())
			r.Scored += n
			return err
		}
		var err error
		if r.Sync, err = syncAll(ctx, syncers, crmsync.Options{Score: scoreNew}); err != nil {
			return r, err
		}
		r.HotNow, err = a.sendHotNow(ctx, rt)
		return r, err
	}, nil
}

// hotNowOptions are crm.hot_now's settings, with the hot band's floor.
func (a *app) hotNowOptions() handlers.HotNowOptions {
	c := a.cfg.File.CRM.HotNow
	return handlers.HotNowOptions{Hot: a.cfg.File.Digest.Bands.HotMin, PerDay: c.PerDay, QuietFrom: c.QuietFrom, QuietUntil: c.QuietUntil, Window: c.Window}
}

// sendHotNow sends the leads that arrived and scored hot, unless crm.hot_now.disabled.
func (a *app) sendHotNow(ctx context.Context, rt *runtime) (handlers.HotNowStats, error) {
	if a.cfg.File.CRM.HotNow.Disabled {
		return handlers.HotNowStats{}, nil
	}
	return rt.service.SendHotNow(ctx, a.hotNowOptions())
}

func runCRMCheck(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("crm check", "crm check", `
Signs in to the CRM as the sync will, and checks the API allowance and leadbot's share of it,
the objects and fields the sync reads, and (with the write-back on) the fields it writes:
present, editable by the integration user, long enough. Each failed line says what to fix.`)
	if err := parse(fs, args); err != nil {
		return err
	}
	_, syncers, err := a.openCRM(ctx)
	if err != nil {
		return err
	}
	var checks []crmsync.Check
	for _, s := range syncers {
		checks = append(checks, s.crm.Check(ctx)...)
	}
	failed := 0
	for _, c := range checks {
		mark := "ok  "
		if !c.OK {
			mark, failed = "FAIL", failed+1
		}
		fmt.Fprintf(a.stdout, "%s %s\n", mark, c.What)
		if !c.OK && c.Fix != "" {
			fmt.Fprintf(a.stdout, "     → %s\n", c.Fix)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d checks failed: fix them (above) and run 'leadbot crm check' again", failed)
	}
	fmt.Fprintln(a.stdout, "all checks passed: 'leadbot crm sync --dry-run' shows what a sync would import")
	return nil
}

func runCRMFields(a *app, args []string) error {
	fs := a.newFlags("crm fields", "crm fields", `
Prints the custom fields an admin creates on the Salesforce Lead object (Setup → Object Manager
→ Lead → Fields & Relationships → New) for the write-back, with their types and lengths, named as
crm.salesforce.write_back names them. Give the integration user Edit on each (field-level
security), and keep them read-only for everyone else: leadbot overwrites them.`)
	if err := parse(fs, args); err != nil {
		return err
	}
	f := writeBackFields(config.WriteBackConfig{Enabled: true})
	if w := a.cfg.File.CRM.Salesforce.WriteBack; w.Enabled {
		f = writeBackFields(w)
	}
	fmt.Fprintf(a.stdout, "Salesforce, object Lead:\n  %-24s %-14s %s\n", "API name", "type", "holds")
	for _, s := range f.Specs() {
		fmt.Fprintf(a.stdout, "  %-24s %-14s %s\n", s.Name, s.Type, s.Holds)
	}
	h := overrideFields(crmsync.DefaultHubSpotWriteBack(), a.cfg.File.CRM.HubSpot.WriteBack)
	fmt.Fprintf(a.stdout, "\nHubSpot, contact properties (Settings → Properties → Create property; group \"leadbot\"):\n  %-24s %-28s %s\n", "internal name", "field type", "holds")
	for _, s := range crmsync.HubSpotSpecs(*h) {
		fmt.Fprintf(a.stdout, "  %-24s %-28s %s\n", s.Name, s.Type, s.Holds)
	}
	return nil
}
