// Package handlers holds leadbot's Slack surfaces: the daily digest, the feedback buttons and the
// reason modal, and (as they come) slash commands, App Home and manager digests. Block Kit
// builders are pure functions; the rest talks to the database and Slack through the small
// interfaces declared here.
package handlers

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/store"
)

// Store is what the handlers need from the database (satisfied by *store.Store).
type Store interface {
	Reps(ctx context.Context) ([]store.Rep, error)
	RepByID(ctx context.Context, id int64) (store.Rep, error)
	RepBySlackID(ctx context.Context, slackID string) (store.Rep, error)
	SetSlackMatch(ctx context.Context, repID int64, slackID, tz, lookupErr string) error

	LeadByID(ctx context.Context, id int64) (store.Lead, error)
	DigestCandidates(ctx context.Context, q store.CandidateQuery) ([]store.Lead, error)
	LatestScores(ctx context.Context, leadID int64, n int) ([]store.Score, error)
	CardFacts(ctx context.Context, viewer store.Rep, leadIDs []int64, day time.Time) (map[int64]store.CardFacts, error)

	ReserveDigest(ctx context.Context, repID int64, day time.Time, kind string, leads []store.Lead) (store.Digest, bool, error)
	ReserveLinkedDigest(ctx context.Context, repID int64, day time.Time, kind string, from int64) (store.Digest, bool, error)
	ReserveTeamPost(ctx context.Context, managerID int64, day time.Time, channel string) (store.TeamPost, error)
	MarkTeamPost(ctx context.Context, id int64, ts, status, errText string) error
	NoticeOnce(ctx context.Context, key string) (bool, error)
	DigestFor(ctx context.Context, repID int64, day time.Time, kind string) (store.Digest, error)
	DigestByMessage(ctx context.Context, channel, ts string) (store.Digest, error)
	DigestLeads(ctx context.Context, digestID int64) ([]store.Lead, error)
	MarkDigestSent(ctx context.Context, id int64, channel, ts string) error
	MarkDigestFailed(ctx context.Context, id int64, errText string) error

	RecordFeedback(ctx context.Context, f store.NewFeedback) (store.Feedback, bool, error)
	RecordFeedbackBy(ctx context.Context, slackID string, f store.NewFeedback) (store.Feedback, bool, error)
	ActiveFeedback(ctx context.Context, repID, leadID int64) (store.Feedback, error)
	UndoFeedback(ctx context.Context, repID, leadID int64) (bool, error)
	Snooze(ctx context.Context, repID, leadID int64, until time.Time) error
	ReasonCodes(ctx context.Context) ([]store.ReasonCode, error)
	ReasonCode(ctx context.Context, code string) (store.ReasonCode, error)
}

// Slack is what the handlers need from Slack (satisfied by *bot.Sender).
type Slack interface {
	Post(ctx context.Context, channel string, opts ...slack.MsgOption) (string, string, error)
	Update(ctx context.Context, channel, ts string, opts ...slack.MsgOption) error
	Ephemeral(ctx context.Context, channel, user string, opts ...slack.MsgOption) error
	Respond(ctx context.Context, responseURL string, opts ...slack.MsgOption) error
	Replace(ctx context.Context, responseURL string, opts ...slack.MsgOption) error
	OpenView(ctx context.Context, triggerID string, view slack.ModalViewRequest) error
	DM(ctx context.Context, userID string) (string, error)
	UserByEmail(ctx context.Context, email string) (*slack.User, error)
	UserInfo(ctx context.Context, userID string) (*slack.User, error)
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
	// Teams configures delivery per team, keyed by the manager's email (default: DMs only).
	Teams map[string]TeamDelivery
	// Metrics counts recorded feedback (nil: not counted).
	Metrics interface{ Feedback(verdict int) }
}

// Service implements the rep loop's surfaces over a Store and Slack.
type Service struct {
	st  Store
	lk  LookupStore
	rs  ReportStore
	sl  Slack
	cfg Config
	log *slog.Logger
	now func() time.Time
	// redraws keeps the redraws of one digest message in order and folds bursts together.
	redraws *redraws
}

// New returns the handlers' service. now is the clock (time.Now in production).
func New(st interface {
	Store
	LookupStore
	ReportStore
}, sl Slack, cfg Config, log *slog.Logger, now func() time.Time) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	if cfg.DefaultTZ == nil {
		cfg.DefaultTZ = time.UTC
	}
	if cfg.LeadsPerDay <= 0 {
		cfg.LeadsPerDay = 5
	}
	if len(cfg.Workdays) == 0 {
		cfg.Workdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	if cfg.LookupEvery <= 0 {
		cfg.LookupEvery = 24 * time.Hour
	}
	return &Service{st: st, lk: st, rs: st, sl: sl, cfg: cfg, log: log, now: now, redraws: &redraws{}}
}

// Register routes the rep loop's actions and views.
func (s *Service) Register(r *bot.Router) {
	r.Action(ActionUp, s.onUp)
	r.UrgentAction(ActionDown, s.onDown) // opens the reason modal: the trigger expires in 3 s
	r.Action(ActionUndo, s.onUndo)
	r.Action(ActionSnooze, s.onSnooze)
	r.Action(ActionOpenCRM, func(context.Context, *slack.InteractionCallback, *slack.BlockAction) {}) // a link: nothing to do
	r.Action(ActionShowLead, s.onShowLead)
	r.Slash(CommandLeads, s.onLeads)
	r.Slash(CommandLead, s.onLead)
	r.Slash(CommandLeadbot, s.onLeadbot)
	r.Fallback = s.onLeadbot
	r.UrgentAction(ActionEditSettings, s.onEditSettings)
	r.ViewSubmission(CallbackSettings, bot.ViewHandler{Validate: validateSettings, Submit: s.onSettingsSubmit})
	r.Event("app_home_opened", s.onHomeOpened)
	r.Event("app_mention", s.onMention)
	r.Action(ActionShare, s.onShare)
	r.ViewSubmission(CallbackReason, bot.ViewHandler{Validate: validateReason, Submit: s.onReasonSubmit})
	r.ViewClosed(CallbackReason, func(ctx context.Context, cb *slack.InteractionCallback) {
		s.log.Debug("reason modal closed; nothing recorded", "user", cb.User.ID)
	})
}

// crmURL fills the CRM link template for a lead.
func (s *Service) crmURL(l store.Lead) string {
	if s.cfg.CRMURLTemplate == "" {
		return ""
	}
	return strings.ReplaceAll(s.cfg.CRMURLTemplate, "{id}", l.ExternalID)
}

// location returns the rep's timezone, or the default.
func (s *Service) location(r store.Rep) *time.Location {
	if r.Timezone != "" {
		if loc, err := time.LoadLocation(r.Timezone); err == nil {
			return loc
		}
	}
	return s.cfg.DefaultTZ
}

// localDay returns the rep's current local date as midnight UTC (how dates are stored).
func localDay(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// hourOf is the local hour of rep's digest: their own setting, else the configured default.
func (s *Service) hourOf(rep store.Rep) int {
	if rep.DeliveryHour != nil {
		return *rep.DeliveryHour
	}
	return s.cfg.DeliveryHour
}

// leadsPerDayOf is how many leads rep's digest holds: their own setting, else the configured
// default.
func (s *Service) leadsPerDayOf(rep store.Rep) int {
	if rep.LeadsPerDay != nil && *rep.LeadsPerDay > 0 {
		return *rep.LeadsPerDay
	}
	return s.cfg.LeadsPerDay
}
