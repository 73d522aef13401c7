// Package bot is leadbot's running service on Slack: the Socket Mode loop that acknowledges every
// envelope first and works after, the router (slash command, action id, callback id, event type),
// the rate-limited sender everything posts through, and the cron scheduler with its jobs.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// Config describes how to reach Slack.
type Config struct {
	BotToken string // xoxb-…
	AppToken string // xapp-…
	APIURL   string // Web API base ending in "/": https://slack.com/api/ or a sandbox's
	// PingInterval is how long the client waits for Slack's pings before reconnecting (0: 30 s).
	PingInterval time.Duration
	// Connections is how many Socket Mode connections to hold open (0: DefaultConnections;
	// Slack allows 10).
	// Slack spreads the envelopes over them, and each connection decodes and acknowledges its
	// own, on goroutines of its own: decoding an interaction (with the whole message it came
	// from) is the longest step before the ack, so two let two cores decode at once. Measured
	// through the sandbox on an otherwise idle 2-core machine, 1,000 clicks: from 10 users, one
	// connection acked at p50 6-7 ms / p99 21-24 ms, two at p50 5 ms / p99 17-22 ms, three and
	// four no better than two; from 50 users, one at p50 34-35 ms / p99 57-76 ms, two at p50
	// 18 ms / p99 48-55 ms.
	Connections int
	// MaxConcurrent bounds the envelopes worked on at once in each of two lanes (0: one less
	// than the cores, at least 1): interactions (clicks, modal submissions, and the redraws they
	// ask for with Later) in one, slash commands and events in the other. A burst of clicks then
	// keeps at most that many cores busy with its work and leaves the rest to the loops that
	// ack, for the ack is what Slack times; a slow lookup never holds up the clicks, nor a burst
	// of clicks the lookups. Actions that open a modal skip the queue (Router.UrgentAction).
	// Measured on 2 cores with the bot in its own process, 1,000 clicks arriving at 500 a
	// second: one worker acked at p99 15-19 ms, two at p99 28-38 ms (the work finished 0.1-0.3 s
	// later with one). Earlier, with the users in a closed loop and before redraws were folded:
	// 8 workers p99 355 ms, 2 workers 72-115 ms, 1 worker 55-80 ms.
	MaxConcurrent int
	// Later, when set, runs its asks on this bot's work queue (see Coalescer).
	Later *Coalescer
	Log   *slog.Logger
	// Metrics, when set, is told about envelopes and acks.
	Metrics Metrics
	// MaxFrameBytes bounds one Socket Mode frame (0: MaxFrameBytes; negative: no bound).
	MaxFrameBytes int64
}

// DefaultConnections is how many Socket Mode connections a bot holds unless told otherwise.
const DefaultConnections = 2

// Metrics receives the bot's counters (a Prometheus adapter in production; nil is fine).
type Metrics interface {
	Envelope(kind string)
	Ack(kind string, latency time.Duration, err error)
	HandlerPanic(kind string)
}

// NewClient returns the Web API client for cfg (the same one the sender and the socket use).
func NewClient(cfg Config) *slack.Client {
	return slack.New(cfg.BotToken, slack.OptionAPIURL(cfg.APIURL), slack.OptionAppLevelToken(cfg.AppToken))
}

// Bot runs the Socket Mode connection and dispatches envelopes to the routes.
type Bot struct {
	cfg     Config
	log     *slog.Logger
	api     *slack.Client
	sockets []*socketmode.Client
	routes  *Router
	clicks  chan struct{} // the interactions' lane
	others  chan struct{} // the lane of slash commands and events
	work    sync.WaitGroup
}

// New returns a bot that dispatches to routes. Run starts it.
func New(cfg Config, api *slack.Client, routes *Router) *Bot {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = max(1, runtime.GOMAXPROCS(0)-1)
	}
	if cfg.MaxFrameBytes == 0 {
		cfg.MaxFrameBytes = MaxFrameBytes
	}
	opts := []socketmode.Option{socketmode.OptionLog(slogAdapter{cfg.Log.With("component", "socketmode")}),
		socketmode.OptionReadLimit(cfg.MaxFrameBytes)}
	if cfg.PingInterval > 0 {
		opts = append(opts, socketmode.OptionPingInterval(cfg.PingInterval))
	}
	if cfg.Connections <= 0 {
		cfg.Connections = DefaultConnections
	}
	sockets := make([]*socketmode.Client, cfg.Connections)
	for i := range sockets {
		sockets[i] = socketmode.New(api, opts...)
	}
	return &Bot{
		cfg:     cfg,
		log:     cfg.Log,
		api:     api,
		sockets: sockets,
		routes:  routes,
		clicks:  make(chan struct{}, cfg.MaxConcurrent),
		others:  make(chan struct{}, cfg.MaxConcurrent),
	}
}

// Run connects and dispatches until ctx is cancelled, then waits for the handlers that are still
// working (they get their own deadline) and returns. Envelopes are acknowledged in the loop,
// before any work, so a slow handler never makes Slack retry or show the user an error.
func (b *Bot) Run(ctx context.Context) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(b.sockets))
	for _, sock := range b.sockets {
		go func() { errc <- sock.RunContext(runCtx) }()
	}

	// Handlers outlive the loop's ctx by a grace period, so that a click being recorded when
	// SIGTERM arrives is finished rather than lost.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	if later := b.cfg.Later; later != nil {
		// What handlers ask of the Coalescer queues here, behind the envelopes waiting.
		later.attach(func(ask context.Context, fn func(context.Context)) {
			req, _ := RequestFrom(ask)
			b.spawn(workCtx, req, false, fn)
		})
		defer later.attach(nil)
	}

	// One loop per connection acknowledges what arrives on it.
	var loops sync.WaitGroup
	for _, sock := range b.sockets {
		loops.Add(1)
		go func() {
			defer loops.Done()
			for {
				select {
				case <-runCtx.Done():
					return
				case evt := <-sock.Events:
					b.dispatch(workCtx, sock, evt)
				}
			}
		}()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc: // one connection's client gave up: stop them all
		if err != nil && !errors.Is(err, context.Canceled) {
			b.log.Error("Socket Mode stopped", "err", err)
		}
	}
	cancel()
	loops.Wait()
	done := make(chan struct{})
	go func() { b.work.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		b.log.Warn("handlers still running after 10 s; cancelling them")
		stopWork()
		<-done
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("socket mode: %w", err)
	}
	return nil
}

func (b *Bot) dispatch(ctx context.Context, sock *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.log.Debug("connecting to Slack")
		return
	case socketmode.EventTypeConnected:
		b.log.Info("connected to Slack (Socket Mode)")
		return
	case socketmode.EventTypeHello:
		return
	case socketmode.EventTypeConnectionError:
		b.log.Warn("Slack connection error; retrying", "detail", fmt.Sprint(evt.Data))
		return
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("Slack rejected the app token (invalid_auth): check SLACK_APP_TOKEN")
		return
	case socketmode.EventTypeErrorBadMessage:
		b.badMessage(ctx, sock, evt.Data)
		return
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		if e, ok := evt.Data.(*slack.IncomingEventError); ok && isReadLimit(e.ErrorObj) {
			b.log.Error("a Socket Mode frame was larger than the read limit: the connection was closed before it was read (the envelope is lost; Slack may send it again)",
				"limit_bytes", b.cfg.MaxFrameBytes)
			return
		}
		b.log.Warn("Socket Mode error", "type", evt.Type, "detail", fmt.Sprint(evt.Data))
		return
	}
	if evt.Request == nil {
		return
	}
	kind := string(evt.Type)
	if b.cfg.Metrics != nil {
		b.cfg.Metrics.Envelope(kind)
	}
	req := Request{Kind: kind, EnvelopeID: evt.Request.EnvelopeID, RetryAttempt: evt.Request.RetryAttempt}
	out := b.routes.route(evt.Data)
	req.UserID = out.userID
	switch {
	case out.panicked != nil:
		b.log.Error("checking an envelope panicked; answered with a generic error and the bot goes on",
			"type", kind, "envelope", req.EnvelopeID, "user", req.UserID, "panic", fmt.Sprint(out.panicked), "stack", string(out.stack))
		if b.cfg.Metrics != nil {
			b.cfg.Metrics.HandlerPanic(kind)
		}
	case out.refused != "":
		b.log.Warn("malformed envelope refused", "type", kind, "envelope", req.EnvelopeID, "user", req.UserID, "why", out.refused)
	}
	payload, work, urgent := out.payload, out.work, out.urgent
	start := time.Now()
	ackCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	err := sock.AckCtx(ackCtx, evt.Request.EnvelopeID, payload)
	cancel()
	if b.cfg.Metrics != nil {
		b.cfg.Metrics.Ack(kind, time.Since(start), err)
	}
	if err != nil {
		b.log.Error("ack failed", "envelope", req.EnvelopeID, "type", kind, "err", err)
	}
	if work == nil {
		return
	}
	b.spawn(ctx, req, urgent, work)
}

// spawn runs work on a goroutine of its own, in its lane's queue of at most MaxConcurrent unless
// urgent, with the request in its context and a deadline of its own. ctx is the bot's work
// context, which outlives the loop by the shutdown grace period.
func (b *Bot) spawn(ctx context.Context, req Request, urgent bool, work func(context.Context)) {
	b.work.Add(1)
	go func() {
		defer b.work.Done()
		if !urgent { // urgent work (a modal to open within the trigger's 3 s) does not queue
			lane := b.others
			if req.Kind == string(socketmode.EventTypeInteractive) {
				lane = b.clicks
			}
			select {
			case lane <- struct{}{}:
				defer func() { <-lane }()
			case <-ctx.Done():
				return
			}
		}
		defer func() {
			if r := recover(); r != nil {
				b.log.Error("handler panicked; the bot goes on", "type", req.Kind, "user", req.UserID,
					"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				if b.cfg.Metrics != nil {
					b.cfg.Metrics.HandlerPanic(req.Kind)
				}
			}
		}()
		hctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		work(withRequest(hctx, req))
	}()
}

// Request describes the envelope a handler is working on.
type Request struct {
	Kind         string
	EnvelopeID   string
	UserID       string
	RetryAttempt int
}

type requestKey struct{}

func withRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the envelope being handled, if any.
func RequestFrom(ctx context.Context) (Request, bool) {
	r, ok := ctx.Value(requestKey{}).(Request)
	return r, ok
}

// slogAdapter lets slack-go's logger interface write to slog at debug level.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Output(_ int, s string) error {
	a.l.Debug(strings.TrimSpace(s))
	return nil
}

var _ interface{ Output(int, string) error } = slogAdapter{}
