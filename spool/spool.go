// Package spool keeps the clicks a rep makes while the database is down (a verdict, a reason,
// Undo, snooze, a settings change), and writes them once, in order, when it is back.
//
// A click whose write fails with EUNAVAILABLE is queued: appended to an append-only file under
// LEADBOT_DATA_DIR (fsynced before the rep is told "saving…", so neither a full memory nor a
// kill -9 loses it) and held in a bounded queue in memory, spilling to the file alone past
// Config.Memory. Run applies the queue in order with backoff while the outage lasts; each click
// carries a key that the database stores with its write (store.ApplySpooled), so a click replayed
// after a crash is written once. A click that cannot be written at all, or not within
// Config.GiveUpAfter, is abandoned and only then is the rep told (Config.Abandoned).
//
// Once the queue holds anything, later clicks queue behind it even if the database answers, so
// that a rep's clicks land in the order they were made.
package spool

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/store"
)

// FileName is the spool's file under the data directory.
const FileName = "click-spool.jsonl"

// Writer applies a spooled click once (satisfied by *store.Store).
type Writer interface {
	ApplySpooled(ctx context.Context, c store.SpooledClick) (applied bool, err error)
}

// Config tunes the spool.
type Config struct {
	Dir         string        // where the file lives (LEADBOT_DATA_DIR); required
	Memory      int           // clicks held in memory; more wait in the file alone (default 10,000)
	GiveUpAfter time.Duration // a click not written within this is abandoned (default 24 h)
	MinBackoff  time.Duration // first wait after a failed attempt (default 100 ms)
	MaxBackoff  time.Duration // longest wait (default 5 s)
	// Abandoned tells the rep that a click was finally not recorded (nil: only logged).
	Abandoned func(ctx context.Context, c store.SpooledClick, err error)
	// Applied is called after a queued click was written (nil: nothing), so the message it was
	// made on can show it.
	Applied func(ctx context.Context, c store.SpooledClick)
	Log     *slog.Logger
	Now     func() time.Time
}

// Spool is the queue of clicks waiting for the database. It is safe for concurrent use.
type Spool struct {
	w   Writer
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	file    *os.File
	mem     []entry // the oldest pending entries, in order
	onDisk  int     // pending entries after mem, kept in the file only
	pending int     // len(mem) + onDisk
	seq     int64
	changed chan struct{} // closed and replaced when pending changes
}

// Open opens (or creates) the spool file in cfg.Dir and loads the clicks still pending in it:
// those a stopped or killed process did not write. Run applies them.
func Open(w Writer, cfg Config) (*Spool, error) {
	if cfg.Dir == "" {
		return nil, leadbot.Errorf(leadbot.EINVALID, "the click spool needs a directory: set LEADBOT_DATA_DIR")
	}
	if cfg.Memory <= 0 {
		cfg.Memory = 10_000
	}
	if cfg.GiveUpAfter <= 0 {
		cfg.GiveUpAfter = 24 * time.Hour
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, leadbot.Errorf(leadbot.EINVALID, "cannot create the click spool's directory %s (LEADBOT_DATA_DIR): %v", cfg.Dir, err)
	}
	path := filepath.Join(cfg.Dir, FileName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, leadbot.Errorf(leadbot.EINVALID, "cannot open the click spool %s: %v (check LEADBOT_DATA_DIR's permissions)", path, err)
	}
	s := &Spool{w: w, cfg: cfg, log: cfg.Log, file: f, changed: make(chan struct{})}
	pending, last, err := readPending(f)
	if err != nil {
		f.Close()
		return nil, leadbot.Errorf(leadbot.EINVALID, "cannot read the click spool %s: %v (move it aside to start without it; its clicks are then lost)", path, err)
	}
	s.seq = last
	s.fill(pending)
	if s.pending > 0 {
		s.log.Info("click spool: clicks from before the restart wait for the database", "clicks", s.pending)
	}
	return s, nil
}

// fill sets the queue to pending (caller holds mu, or is Open).
func (s *Spool) fill(pending []entry) {
	n := min(len(pending), s.cfg.Memory)
	s.mem = append(s.mem[:0], pending[:n]...)
	s.onDisk = len(pending) - n
	s.setPending(len(pending))
}

func (s *Spool) setPending(n int) {
	s.pending = n
	close(s.changed)
	s.changed = make(chan struct{})
}

// Pending is how many clicks wait for the database.
func (s *Spool) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// Wait blocks until no click is pending (or ctx ends).
func (s *Spool) Wait(ctx context.Context) error {
	for {
		s.mu.Lock()
		n, changed := s.pending, s.changed
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// Write is what a handler calls in place of a click's store write: write runs at once unless
// clicks are queued already; when it fails because the database did not answer, the click (c,
// the same write as data) is queued and queued is true: show "saving…", not an error. Any other
// error is write's, for the handler to report as before.
func (s *Spool) Write(ctx context.Context, c store.SpooledClick, write func(context.Context) error) (queued bool, err error) {
	if s.Pending() == 0 {
		err := write(ctx)
		if err == nil || !Unavailable(err) {
			return false, err
		}
		s.log.Warn("click not written (database unavailable); spooled", "key", c.Key, "err", err)
	}
	if err := s.enqueue(c); err != nil {
		return false, err
	}
	return true, nil
}

// Unavailable reports whether a store error means the database did not answer.
func Unavailable(err error) bool {
	return leadbot.ErrorCode(err) == leadbot.EUNAVAILABLE || errors.Is(err, io.EOF) || errors.Is(err, driver.ErrBadConn)
}

// OnApplied sets Config.Applied; call it before Run.
func (s *Spool) OnApplied(fn func(ctx context.Context, c store.SpooledClick)) { s.cfg.Applied = fn }

// OnAbandoned sets Config.Abandoned; call it before Run.
func (s *Spool) OnAbandoned(fn func(ctx context.Context, c store.SpooledClick, err error)) {
	s.cfg.Abandoned = fn
}

// Close closes the file; pending clicks stay in it for the next Open.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.file.Close()
}
