package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/leadbot/leadbot/internal/wait"
	"github.com/slack-go/slack"
)

// SenderConfig tunes the sender's pacing and retries.
type SenderConfig struct {
	// PerChannel is the sustained messages per second per channel (Slack: about 1) and Burst the
	// short burst allowed above it.
	PerChannel float64
	Burst      int
	// Attempts bounds retries of transient failures (5xx, network) per call; 429s are waited out
	// for as long as ctx allows and do not count.
	Attempts int
	Log      *slog.Logger
	Metrics  SenderMetrics
}

// SenderMetrics receives the sender's counters (nil is fine).
type SenderMetrics interface {
	SlackCall(method string, err error)
	RateLimited(method string, retryAfter time.Duration)
}

// Sender is what everything that posts to Slack goes through. It paces messages per channel,
// paces each method by the rate it learns from Slack's 429s (pacer), retries a refused call after
// its Retry-After, retries transient errors with backoff, and never drops a message silently: a
// call either succeeds or returns the error for the caller to record and retry.
type Sender struct {
	api *slack.Client
	cfg SenderConfig
	log *slog.Logger

	mu       sync.Mutex
	channels map[string]time.Time // channel → earliest time the next message may go
	pacers   map[string]*pacer    // method → its learned pace
	dms      map[string]string    // user → DM channel id
}

// NewSender returns a sender over api.
func NewSender(api *slack.Client, cfg SenderConfig) *Sender {
	if cfg.PerChannel <= 0 {
		cfg.PerChannel = 1
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 3
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 5
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Sender{api: api, cfg: cfg, log: cfg.Log, channels: map[string]time.Time{},
		pacers: map[string]*pacer{}, dms: map[string]string{}}
}

// API returns the underlying client (for calls the sender does not wrap).
func (s *Sender) API() *slack.Client { return s.api }

// pace blocks until channel may take another message: a token bucket kept as "the time the
// bucket is full again minus the burst", which needs one timestamp per channel.
func (s *Sender) pace(ctx context.Context, channel string) error {
	if channel == "" {
		return nil
	}
	interval := time.Duration(float64(time.Second) / s.cfg.PerChannel)
	s.mu.Lock()
	now := time.Now()
	next := s.channels[channel]
	if floor := now.Add(-time.Duration(s.cfg.Burst-1) * interval); next.Before(floor) {
		next = floor
	}
	pause := next.Sub(now)
	s.channels[channel] = next.Add(interval)
	s.mu.Unlock()
	return wait.Sleep(ctx, pause)
}

// pacerFor returns method's pacer.
func (s *Sender) pacerFor(method string) *pacer {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pacers[method]
	if p == nil {
		p = newPacer(time.Now)
		s.pacers[method] = p
	}
	return p
}

// LearnedRate returns the calls a second the sender has learned method may make (0: it has not
// been refused yet, so it is not paced).
func (s *Sender) LearnedRate(method string) float64 { return s.pacerFor(method).current() }

// call runs fn with the sender's rules for method (and channel, for pacing; "" for none).
// retryMargin is added to Retry-After before a refused call is sent again.
const retryMargin = 50 * time.Millisecond

func (s *Sender) call(ctx context.Context, method, channel string, fn func(context.Context) error) error {
	if err := s.pace(ctx, channel); err != nil {
		return err
	}
	backoff := 200 * time.Millisecond
	pc := s.pacerFor(method)
	for attempt := 1; ; {
		start, err := pc.wait(ctx)
		if err != nil {
			return err
		}
		err = fn(ctx)
		if s.cfg.Metrics != nil {
			s.cfg.Metrics.SlackCall(method, err)
		}
		if err == nil {
			pc.ok(start)
			return nil
		}
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) {
			// Only this call waits its Retry-After; the others keep the pace, which the 429
			// has just lowered.
			pc.limited(start)
			// A little past Retry-After: on the boundary itself the bucket may be a hair short
			// of a token (a retry at exactly 1 s drew a second 429 from the channel's 1 a second).
			pause := max(rl.RetryAfter, 100*time.Millisecond) + retryMargin
			s.log.Debug("Slack rate limit: retrying after Retry-After", "method", method, "retry_after", pause, "rate", pc.current())
			if s.cfg.Metrics != nil {
				s.cfg.Metrics.RateLimited(method, pause)
			}
			if err := wait.Sleep(ctx, pause); err != nil {
				return err
			}
			continue
		}
		if !transient(err) || attempt >= s.cfg.Attempts {
			return fmt.Errorf("%s: %w", method, err)
		}
		s.log.Warn("Slack call failed; retrying", "method", method, "attempt", attempt, "err", err)
		if err := wait.Sleep(ctx, backoff); err != nil {
			return err
		}
		backoff *= 2
		attempt++
	}
}

// transient reports whether a failed call may succeed if repeated: server errors and network
// failures, not Slack's own "ok": false answers (channel_not_found and the like), which repeat.
func transient(err error) bool {
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return sc.Retryable()
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err == "internal_error" || se.Err == "fatal_error" || se.Err == "service_unavailable"
	}
	return errors.Is(err, net.ErrClosed)
}

// ErrorCode returns Slack's error code ("channel_not_found", …) of err, or "".
func ErrorCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// Post posts a message and returns the channel and ts Slack gave it.
func (s *Sender) Post(ctx context.Context, channel string, opts ...slack.MsgOption) (string, string, error) {
	var ch, ts string
	err := s.call(ctx, "chat.postMessage", channel, func(ctx context.Context) error {
		var err error
		ch, ts, err = s.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	return ch, ts, err
}

// Update replaces a message in place.
func (s *Sender) Update(ctx context.Context, channel, ts string, opts ...slack.MsgOption) error {
	return s.call(ctx, "chat.update", "", func(ctx context.Context) error {
		_, _, _, err := s.api.UpdateMessageContext(ctx, channel, ts, opts...)
		return err
	})
}

// Replace replaces the message an interaction came from through the interaction's response_url.
// It redraws a message the way Update does, but it is not under chat.update's Tier 3 limit (50
// calls a minute for the whole workspace), which a burst of clicks would exhaust at once; and
// Slack answers it with {"ok":true} instead of echoing the whole message back. A response_url
// takes 5 uses within 30 minutes: Slack's answer after that ("used_url", "expired_url") is
// returned as an error, and the caller falls back to Update.
func (s *Sender) Replace(ctx context.Context, responseURL string, opts ...slack.MsgOption) error {
	return s.call(ctx, "response_url", "", func(ctx context.Context) error {
		_, _, err := s.api.PostMessageContext(ctx, "", append(opts, slack.MsgOptionReplaceOriginal(responseURL))...)
		return err
	})
}

// Ephemeral posts a message only user sees.
func (s *Sender) Ephemeral(ctx context.Context, channel, user string, opts ...slack.MsgOption) error {
	return s.call(ctx, "chat.postEphemeral", "", func(ctx context.Context) error {
		_, err := s.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
}

// Respond answers through a response_url (slash commands and message actions).
func (s *Sender) Respond(ctx context.Context, responseURL string, opts ...slack.MsgOption) error {
	return s.call(ctx, "response_url", "", func(ctx context.Context) error {
		_, _, err := s.api.PostMessageContext(ctx, "", append(opts, slack.MsgOptionResponseURL(responseURL, slack.ResponseTypeEphemeral))...)
		return err
	})
}

// OpenView opens a modal. It is not retried after a transient failure: the trigger id expires
// three seconds after the click, so a retry would fail anyway.
func (s *Sender) OpenView(ctx context.Context, triggerID string, view slack.ModalViewRequest) error {
	_, err := s.api.OpenViewContext(ctx, triggerID, view)
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.SlackCall("views.open", err)
	}
	if err != nil {
		return fmt.Errorf("views.open: %w", err)
	}
	return nil
}

// PublishHome publishes a user's App Home tab.
func (s *Sender) PublishHome(ctx context.Context, userID string, view slack.HomeTabViewRequest) error {
	return s.call(ctx, "views.publish", "", func(ctx context.Context) error {
		_, err := s.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: userID, View: view})
		return err
	})
}

// DM returns the id of the direct-message channel with user, opening it once and caching it.
func (s *Sender) DM(ctx context.Context, userID string) (string, error) {
	s.mu.Lock()
	ch, ok := s.dms[userID]
	s.mu.Unlock()
	if ok {
		return ch, nil
	}
	err := s.call(ctx, "conversations.open", "", func(ctx context.Context) error {
		c, _, _, err := s.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}})
		if err == nil {
			ch = c.ID
		}
		return err
	})
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.dms[userID] = ch
	s.mu.Unlock()
	return ch, nil
}

// UserByEmail looks a Slack user up by email.
func (s *Sender) UserByEmail(ctx context.Context, email string) (*slack.User, error) {
	var u *slack.User
	err := s.call(ctx, "users.lookupByEmail", "", func(ctx context.Context) error {
		var err error
		u, err = s.api.GetUserByEmailContext(ctx, email)
		return err
	})
	return u, err
}

// UserInfo returns a Slack user (with their timezone).
func (s *Sender) UserInfo(ctx context.Context, userID string) (*slack.User, error) {
	var u *slack.User
	err := s.call(ctx, "users.info", "", func(ctx context.Context) error {
		var err error
		u, err = s.api.GetUserInfoContext(ctx, userID)
		return err
	})
	return u, err
}
