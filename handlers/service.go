// Package handlers holds leadbot's Slack surfaces: the daily digest, the feedback buttons and the
// reason modal, and (as they come) slash commands, App Home and manager digests. Block Kit
// builders are pure functions; the rest talks to the database and Slack through the small
// interfaces declared here.
package handlers

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/digest"
	"github.com/leadbot/leadbot/store"
)

// Slack is what the handlers need from Slack (satisfied by *bot.Sender). Unlike the database,
// Slack is an interface here: tests put a Slack that fails in front of the sandbox.
type Slack interface {
	Post(ctx context.Context, channel string, opts ...slack.MsgOption) (string, string, error)
	// Deliver posts a message exactly once, found by its metadata when an attempt's outcome is
	// unknown (bot.Sender.Deliver).
	Deliver(ctx context.Context, d bot.Delivery, opts ...slack.MsgOption) (ch, ts string, found bool, err error)
	Update(ctx context.Context, channel, ts string, opts ...slack.MsgOption) error
	Ephemeral(ctx context.Context, channel, user string, opts ...slack.MsgOption) error
	Respond(ctx context.Context, responseURL string, opts ...slack.MsgOption) error
	Replace(ctx context.Context, responseURL string, opts ...slack.MsgOption) error
	OpenView(ctx context.Context, triggerID string, view slack.ModalViewRequest) error
	DM(ctx context.Context, userID string) (string, error)
	UserByEmail(ctx context.Context, email string) (*slack.User, error)
	UserInfo(ctx context.Context, userID string) (*slack.User, error)
	PublishHome(ctx context.Context, userID string, view slack.HomeTabViewRequest) error
	UploadFile(ctx context.Context, channel, filename, title string, data []byte, threadTS string) error
}

// Config is the part of leadbot's configuration the handlers use.
type Config struct {
	LeadsPerDay    int            // default per rep (a rep's own setting wins); 0: 5
	DeliveryHour   int            // local hour of the digest, 0–23, for reps who set none (the zero Config: 00:00)
	ResendDays     int            // a lead is not re-sent within this many days unless its score rose
	Workdays       []time.Weekday // days digests go out
	DefaultTZ      *time.Location // for reps whose Slack timezone is unknown
	CRMURLTemplate string         // "https://crm.example.com/leads/{id}"; "" for no link
	// LookupEvery is how long a failed Slack lookup by email is cached before it is tried again.
	LookupEvery time.Duration
	// Bands is the rule of hot, warm and cool (zero: 60 % and 30 %, and hot at most a rep's
	// daily list of their open leads; leadbot.BandRule).
	Bands leadbot.BandRule
	// Rescore rescores a lead's account right after a reason is recorded, so the reason moves
	// scores in seconds (nil: only at the next retrain).
	Rescore Rescorer
	// Holdout is the share of eligible leads the randomized holdout keeps out of every digest,
	// "hot now" alert and list (digest.holdout; 0: off).
	Holdout float64
	// Spool keeps the clicks the database cannot take during an outage and writes them, in
	// order, when it is back (nil: the rep is told to try again).
	Spool Spooler
	// Teams configures delivery per team, keyed by the manager's email (default: DMs only).
	Teams map[string]TeamDelivery
	// Metrics counts recorded feedback (nil: not counted).
	Metrics interface{ Feedback(verdict int) }
	// Redraws folds the redraws of one message asked for by a burst of clicks (nil: a
	// bot.Coalescer of the handlers' own, which runs them at once; production gives the one
	// attached to the bot, which queues them behind the clicks waiting).
	Redraws Coalescer
}

// Coalescer runs fn for key with at most one run in flight and one waiting (bot.Coalescer).
type Coalescer interface {
	Do(ctx context.Context, key string, fn func(context.Context))
}

// Service implements the rep loop's surfaces over a Store and Slack.
type Service struct {
	// st is the concrete store: PostgreSQL is the one implementation there will ever be, and
	// tests run against a real one, so an interface would only mirror *store.Store.
	st  *store.Store
	sl  Slack
	cfg Config
	log *slog.Logger
	now func() time.Time
	// plan decides who is due a digest and reserves it.
	plan *digest.Planner
}

// New returns the handlers' service. now is the clock (time.Now in production).
func New(st *store.Store, sl Slack, cfg Config, log *slog.Logger, now func() time.Time) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	// The schedule's defaults (5 leads, Monday to Friday, UTC) are digest.NewPlanner's.
	if cfg.Redraws == nil {
		cfg.Redraws = bot.NewCoalescer()
	}
	if cfg.LookupEvery <= 0 {
		cfg.LookupEvery = 24 * time.Hour
	}
	plan := digest.NewPlanner(st, digest.Config{LeadsPerDay: cfg.LeadsPerDay, DeliveryHour: cfg.DeliveryHour,
		ResendDays: cfg.ResendDays, Workdays: cfg.Workdays, DefaultTZ: cfg.DefaultTZ, MaxLeads: MaxCardsPerMessage}, now)
	return &Service{st: st, sl: sl, cfg: cfg, log: log, now: now, plan: plan}
}

// Register routes the rep loop's actions and views.
func (s *Service) Register(r *bot.Router) {
	r.Action(ActionUp, s.onUp)
	r.UrgentAction(ActionDown, s.onDown) // opens the reason modal: the trigger expires in 3 s
	r.Action(ActionUndo, s.onUndo)
	r.Action(ActionSnooze, s.onSnooze)
	r.Action(ActionUnsnooze, s.onUnsnooze)
	r.Action(ActionOpenCRM, func(context.Context, *slack.InteractionCallback, *slack.BlockAction) {}) // a link: nothing to do
	r.Action(ActionShowLead, s.onShowLead)
	r.Slash(CommandLeads, s.onLeads)
	r.Slash(CommandLead, s.onLead)
	r.Slash(CommandLeadbot, s.onLeadbot)
	r.Fallback = s.onLeadbot
	r.UrgentAction(ActionEditSettings, s.onEditSettings)
	r.ViewSubmission(CallbackSettings, bot.ViewHandler{Validate: checkSettings, Submit: s.onSettingsSubmit})
	r.Event("app_home_opened", s.onHomeOpened)
	r.Event("app_mention", s.onMention)
	r.Event("message", s.onDM)
	r.Action(ActionShare, s.onShare)
	r.ViewSubmission(CallbackReason, bot.ViewHandler{Validate: validateReason, Submit: s.onReasonSubmit})
	r.ViewClosed(CallbackReason, func(ctx context.Context, cb *slack.InteractionCallback) {
		s.log.Debug("reason modal closed; nothing recorded", "user", cb.User.ID)
	})
}

// stateValues are a view submission's values, nil (which reads as empty) when it has no state.
func stateValues(cb *slack.InteractionCallback) map[string]map[string]slack.BlockAction {
	if cb.View.State == nil {
		return nil
	}
	return cb.View.State.Values
}

// checkSettings validates the settings form before the ack: a submission without state is
// refused with a message (validateSettings and onSettingsSubmit read the state unchecked).
func checkSettings(cb *slack.InteractionCallback) map[string]string {
	if cb.View.State == nil {
		return map[string]string{blockHour: "Slack sent the form without its answers: pick an hour and press Save again."}
	}
	return validateSettings(cb)
}

// crmURL fills the CRM link template for a lead.
func (s *Service) crmURL(l leadbot.Lead) string {
	if s.cfg.CRMURLTemplate == "" {
		return ""
	}
	return strings.ReplaceAll(s.cfg.CRMURLTemplate, "{id}", url.PathEscape(l.ExternalID))
}

// location returns the rep's timezone, or the default.
func (s *Service) location(r leadbot.Rep) *time.Location { return s.plan.Location(r) }

// localDay returns the local date of t in loc as midnight UTC (how dates are stored).
func localDay(t time.Time, loc *time.Location) time.Time { return digest.LocalDay(t, loc) }

// hourOf is the local hour of rep's digest (digest.Planner.HourOf).
func (s *Service) hourOf(rep leadbot.Rep) int { return s.plan.HourOf(rep) }

// leadsPerDayOf is how many leads rep's digest holds (digest.Planner.LeadsPerDayOf).
func (s *Service) leadsPerDayOf(rep leadbot.Rep) int { return s.plan.LeadsPerDayOf(rep) }
