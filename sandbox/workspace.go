package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxEvents bounds the change feed kept in memory for a long-running sandbox.
const maxEvents = 100_000

// Workspace is a local Slack workspace with one installed app (the bot).
// All methods are safe for concurrent use.
type Workspace struct {
	cfg Config
	log *slog.Logger

	// Fixed identities of the app and its bot user.
	appID, botID, botUserID string

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	events  []Event       // change feed, events[i].Seq == firstSeq+i
	seq     uint64

	nextID       map[byte]int
	lastTS       int64
	users        []*User
	usersByID    map[string]*User
	channels     map[string]*Channel
	chanOrder    []string
	messages     []*Message
	ephemerals   []*Ephemeral
	views        map[string]*View
	modals       map[string][]string // user → stack of view ids, root first
	home         map[string]string   // user → home view id
	calls        []APICall
	acks         []AckResult
	triggers     map[string]*trigger
	tickets      map[string]bool // ticket → used
	responseURLs map[string]*responseURL
	baseURL      string
	emptyNotice  string // what the page says while no one is in the workspace ("": its default)

	limiter *limiter
	sock    socketState
	uploads fileState // files the bot uploaded (files.go)

	pingsOff atomic.Bool
	closed   chan struct{}
	closeMu  sync.Once
	wg       sync.WaitGroup
	srv      *http.Server
}

// New creates a workspace; serve it with Handler or use Start.
func New(cfg Config) *Workspace {
	cfg = cfg.withDefaults()
	w := &Workspace{
		cfg:          cfg,
		log:          cfg.Logger,
		appID:        "A0SANDBOX",
		botID:        "B0SANDBOX",
		botUserID:    "U0SANDBOT",
		changed:      make(chan struct{}),
		nextID:       map[byte]int{},
		usersByID:    map[string]*User{},
		channels:     map[string]*Channel{},
		views:        map[string]*View{},
		modals:       map[string][]string{},
		home:         map[string]string{},
		triggers:     map[string]*trigger{},
		tickets:      map[string]bool{},
		responseURLs: map[string]*responseURL{},
		uploads:      fileState{byID: map[string]*File{}, byKey: map[string]*File{}},
		baseURL:      strings.TrimSuffix(cfg.BaseURL, "/"),
		closed:       make(chan struct{}),
	}
	w.limiter = newLimiter(cfg.RateLimits)
	w.sock.init()
	bot := &User{ID: w.botUserID, Name: cfg.BotName, RealName: cfg.BotName, TZ: "America/New_York", IsBot: true}
	w.users = append(w.users, bot)
	w.usersByID[bot.ID] = bot
	return w
}

// Start creates a workspace and serves it on cfg.BaseURL's host, or on a
// free 127.0.0.1 port when BaseURL is empty. Close stops it.
func Start(cfg Config) (*Workspace, error) {
	addr := "127.0.0.1:0"
	if cfg.BaseURL != "" {
		addr = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSuffix(cfg.BaseURL, "/"), "http://"), "https://")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen: %w", err)
	}
	return Serve(ln, cfg), nil
}

// Serve creates a workspace and serves it on ln until Close.
func Serve(ln net.Listener, cfg Config) *Workspace {
	cfg.BaseURL = "http://" + ln.Addr().String()
	w := New(cfg)
	w.srv = &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 10 * time.Second}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		if err := w.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			w.log.Error("sandbox: serve", "err", err)
		}
	}()
	return w
}

// Close drops every connection, stops the server (if Start started it) and
// all background work. It is idempotent.
func (w *Workspace) Close() {
	w.closeMu.Do(func() {
		close(w.closed)
		w.sock.closeAll()
		if w.srv != nil {
			// Close, not Shutdown: a test sandbox has nothing worth draining,
			// and Shutdown waits seconds on connections a client dialled but
			// never used.
			_ = w.srv.Close()
		}
	})
	w.wg.Wait()
}

// Handler serves the Web API under /api/, Socket Mode under /link/ and
// response_url hooks under /hooks/, and the sandbox page: the page at /,
// its assets, JSON endpoints and event stream under /sandbox/. Mount it at
// the root of a server.
func (w *Workspace) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", w.serveAPI)
	mux.HandleFunc("/link/", w.serveLink)
	mux.HandleFunc("/hooks/", w.serveHook)
	mux.HandleFunc("/", w.servePage)
	mux.HandleFunc("/sandbox/page/", w.serveAsset)
	mux.Handle("/sandbox/api/", w.pageAPI())
	mux.HandleFunc("/sandbox/events", w.serveEvents)
	return mux
}

// APIURL is the Web API base for slack.OptionAPIURL / SLACK_API_URL,
// with the trailing slash slack-go needs.
func (w *Workspace) APIURL() string { return w.base() + "/api/" }

// BotToken is the xoxb- token the Web API accepts.
func (w *Workspace) BotToken() string { return w.cfg.BotToken }

// AppToken is the xapp- token apps.connections.open accepts.
func (w *Workspace) AppToken() string { return w.cfg.AppToken }

// TeamID is the workspace's team id.
func (w *Workspace) TeamID() string { return w.cfg.TeamID }

// BotUserID is the bot user's id ("U…"), as auth.test reports it.
func (w *Workspace) BotUserID() string { return w.botUserID }

// Config returns the effective configuration (with defaults applied).
func (w *Workspace) Config() Config { return w.cfg }

func (w *Workspace) base() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.baseURL
}

// learnBase records the server's address from the first request when the
// handler is mounted without a configured BaseURL.
func (w *Workspace) learnBase(r *http.Request) {
	w.mu.Lock()
	if w.baseURL == "" && r.Host != "" {
		w.baseURL = "http://" + r.Host
	}
	w.mu.Unlock()
}

// newID returns the next id with Slack's prefix letter, e.g. "U00000001".
// Caller holds mu.
func (w *Workspace) newID(prefix byte) string {
	w.nextID[prefix]++
	return fmt.Sprintf("%c%08X", prefix, w.nextID[prefix])
}

// newTS returns a unique, increasing message ts "<unix>.<6 digits>".
// Caller holds mu.
func (w *Workspace) newTS() string {
	now := time.Now().UnixMicro()
	if now <= w.lastTS {
		now = w.lastTS + 1
	}
	w.lastTS = now
	return fmt.Sprintf("%d.%06d", now/1e6, now%1e6)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// emit appends to the change feed and wakes every waiter. Caller holds mu.
func (w *Workspace) emit(e Event) {
	w.seq++
	e.Seq = w.seq
	e.At = time.Now()
	w.events = append(w.events, e)
	if len(w.events) > maxEvents {
		w.events = append([]Event(nil), w.events[len(w.events)-maxEvents/2:]...)
	}
	close(w.changed)
	w.changed = make(chan struct{})
}

// Seq is the sequence number of the latest event; pass it to WaitEvent or
// EventsSince to look only at what happens next.
func (w *Workspace) Seq() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq
}

// EventsSince returns the events after seq still held in memory.
func (w *Workspace) EventsSince(seq uint64) []Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.eventsSinceLocked(seq)
}

func (w *Workspace) eventsSinceLocked(seq uint64) []Event {
	if len(w.events) == 0 {
		return nil
	}
	first := w.events[0].Seq
	i := 0
	if seq >= first {
		i = int(seq - first + 1)
	}
	if i >= len(w.events) {
		return nil
	}
	return append([]Event(nil), w.events[i:]...)
}

// Subscribe streams every event after seq until ctx ends, then closes the
// channel. It never drops events: a slow reader only delays itself.
func (w *Workspace) Subscribe(ctx context.Context, seq uint64) <-chan Event {
	out := make(chan Event, 64)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer close(out)
		for {
			w.mu.Lock()
			evs := w.eventsSinceLocked(seq)
			ch := w.changed
			w.mu.Unlock()
			for _, e := range evs {
				select {
				case out <- e:
					seq = e.Seq
				case <-ctx.Done():
					return
				case <-w.closed:
					return
				}
			}
			if len(evs) > 0 {
				continue
			}
			select {
			case <-ch:
			case <-ctx.Done():
				return
			case <-w.closed:
				return
			}
		}
	}()
	return out
}

// waitFor calls check after every change until it reports done or ctx
// ends; it is how every Wait method avoids sleeping. check runs without
// the lock (it snapshots what it needs), so predicates may call back into
// the workspace.
func (w *Workspace) waitFor(ctx context.Context, what string, check func() bool) error {
	for {
		w.mu.Lock()
		ch := w.changed // taken before check, so no change is missed
		w.mu.Unlock()
		if check() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("sandbox: waiting for %s: %w", what, ctx.Err())
		case <-w.closed:
			return fmt.Errorf("sandbox: waiting for %s: workspace closed", what)
		}
	}
}

// WaitEvent waits for an event after seq that matches pred.
func (w *Workspace) WaitEvent(ctx context.Context, seq uint64, pred func(Event) bool) (Event, error) {
	var got Event
	err := w.waitFor(ctx, "event", func() bool {
		for _, e := range w.EventsSince(seq) {
			if pred(e) {
				got = e
				return true
			}
			seq = e.Seq
		}
		return false
	})
	return got, err
}
