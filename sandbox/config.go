package sandbox

import (
	"context"
	"log/slog"
	"time"
)

// Config describes a workspace. The zero value is a realistic workspace:
// Slack's rate limits, 10 s pings, a 3 s ack deadline and Slack's
// event-retry schedule.
type Config struct {
	// BotToken is the xoxb- token the Web API accepts (default "xoxb-sandbox").
	BotToken string
	// AppToken is the xapp- token apps.connections.open accepts (default "xapp-sandbox").
	AppToken string
	// TeamID and TeamName name the workspace (defaults "T0SANDBOX", "sandbox").
	TeamID, TeamName string
	// BotName is the bot user's name (default "leadbot").
	BotName string

	// BaseURL is the public http://host:port the workspace is reached at; it
	// is used for response_url values handed out by the driver. Start fills
	// it in; when the handler is mounted elsewhere, set it, or the first
	// request's Host is used.
	BaseURL string

	// RateLimits configures 429s; the zero value is realistic.
	RateLimits RateLimits

	// PingInterval is how often WebSocket pings are sent (default 10 s, as
	// Slack does; slack-go reconnects after 30 s without one).
	PingInterval time.Duration
	// AckDeadline is how long an envelope may wait for its ack (default 3 s).
	AckDeadline time.Duration
	// EventRetryDelays are the waits before each re-delivery of an unacked
	// events_api envelope, counted from the missed deadline (default
	// Slack's: immediately, 1 min, 5 min). Tests compress them.
	EventRetryDelays []time.Duration
	// TriggerTTL is how long a trigger_id stays valid (default 3 s).
	TriggerTTL time.Duration
	// MaxConnections caps concurrent Socket Mode connections (default 10).
	MaxConnections int
	// RandomSpread sends each envelope to a random connection instead of
	// round-robin (round-robin keeps tests deterministic).
	RandomSpread bool
	// DisconnectGrace is how long a connection sent a disconnect frame may
	// linger before the server closes it (default 10 s).
	DisconnectGrace time.Duration

	// Now is the clock for trigger_id and response_url expiry (default
	// time.Now); tests substitute a fake clock to expire them without
	// sleeping. Socket Mode timing always uses the real clock.
	Now func() time.Time

	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger

	// Controls are buttons the sandbox page at / shows besides the
	// workspace, supplied by the program that embeds it (e.g. "Send today's
	// digests now"); the page runs one on click and shows what it returns.
	Controls []Control
}

// Control is a button of the sandbox page that runs something in the
// embedding program.
type Control struct {
	// Label is the button's text; Help a one-line explanation shown with it.
	Label, Help string
	// Run does the work; its message (or error) is shown on the page.
	Run func(ctx context.Context) (string, error)
}

// Limit is a token bucket: Rate requests per second on average, Burst at once.
type Limit struct {
	Rate  float64
	Burst int
}

// PerMinute is a Limit of n requests per minute with a burst of n, which is
// how Slack's per-minute tiers behave in practice.
func PerMinute(n int) Limit { return Limit{Rate: float64(n) / 60, Burst: n} }

// RateLimits configures the 429s the Web API returns. Zero fields take
// Slack's values; a Limit with a negative Rate is unlimited.
type RateLimits struct {
	// Disabled turns all rate limiting off (injected 429s still apply).
	Disabled bool
	// Tier1..Tier4 are Slack's tiers (1, 20, 50, 100 per minute).
	Tier1, Tier2, Tier3, Tier4 Limit
	// PostMessagePerChannel is chat.postMessage's per-channel budget
	// (default 1 per second with a burst of 3).
	PostMessagePerChannel Limit
	// PostMessageWorkspace is chat.postMessage's workspace-wide cap; Slack
	// does not publish it (default 10 per second, burst 30).
	PostMessageWorkspace Limit
	// Methods overrides the limit of individual methods by name.
	Methods map[string]Limit
}

// methodTier is Slack's documented tier per method (slack-protocol.md §4.2).
// apps.connections.open is documented as both Tier 1 and Tier 3; Tier 3 is
// used so that reconnect storms in tests are not throttled to one a minute.
var methodTier = map[string]int{
	"auth.test":             4,
	"apps.connections.open": 3,
	"chat.postMessage":      4, // plus the special per-channel limit
	"chat.update":           3,
	"chat.postEphemeral":    4,
	"chat.delete":           3,
	"conversations.open":    3,
	"conversations.info":    3,
	"users.info":            4,
	"users.list":            2,
	"users.lookupByEmail":   3,
	"views.open":            4,
	"views.update":          4,
	"views.push":            4,
	"views.publish":         4,
}

func (c Config) withDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.BotToken, "xoxb-sandbox")
	def(&c.AppToken, "xapp-sandbox")
	def(&c.TeamID, "T0SANDBOX")
	def(&c.TeamName, "sandbox")
	def(&c.BotName, "leadbot")
	if c.PingInterval <= 0 {
		c.PingInterval = 10 * time.Second
	}
	if c.AckDeadline <= 0 {
		c.AckDeadline = 3 * time.Second
	}
	if c.EventRetryDelays == nil {
		c.EventRetryDelays = []time.Duration{100 * time.Millisecond, time.Minute, 5 * time.Minute}
	}
	if c.TriggerTTL <= 0 {
		c.TriggerTTL = 3 * time.Second
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = 10
	}
	if c.DisconnectGrace <= 0 {
		c.DisconnectGrace = 10 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	r := &c.RateLimits
	defl := func(l *Limit, v Limit) {
		if l.Rate == 0 && l.Burst == 0 {
			*l = v
		}
	}
	defl(&r.Tier1, PerMinute(1))
	defl(&r.Tier2, PerMinute(20))
	defl(&r.Tier3, PerMinute(50))
	defl(&r.Tier4, PerMinute(100))
	defl(&r.PostMessagePerChannel, Limit{Rate: 1, Burst: 3})
	defl(&r.PostMessageWorkspace, Limit{Rate: 10, Burst: 30})
	return c
}
