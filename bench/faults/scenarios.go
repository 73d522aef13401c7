package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/internal/netfault"
	"github.com/leadbot/leadbot/internal/wait"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/store"
)

// result is what one fault did to one digest day, counted from Slack's side and the database's.
type result struct {
	Fault string
	Reps  int
	Sent  int // reps who have their digest in Slack
	Lost  int // reps who have none after the fault cleared and the job ran again
	Dup   int // messages beyond the first in any rep's DM
	Acked int // digests recorded as sent, with the ts of the message in Slack
	Late  int // reps whose digest went out only on a run after the faulty one
	Took  time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("| %-44s | %4d | %4d | %4d | %4d | %5d | %4d | %6.1f s |", r.Fault, r.Reps, r.Sent, r.Lost, r.Dup, r.Acked, r.Late, r.Took.Seconds())
}

const header = "| fault | reps | sent | lost | duplicated | acked | late | took |\n|---|---|---|---|---|---|---|---|"

// fixture is one fault's world: a fresh database and Slack, replica a, and what happened.
type fixture struct {
	sb      *sandbox.Workspace
	dsn     string
	a       *world
	reps    int
	log     *slog.Logger
	restart func() (dsn string, err error) // stops and starts PostgreSQL for real (nil: not available)
	first   map[string]bool                // reps served by the first run
}

// fault is one delivery fault: run does the job's runs under it; the first run it makes must
// end with f.firstRunDone.
type fault struct {
	name string
	run  func(ctx context.Context, f *fixture) error
}

func (f *fixture) firstRunDone() {
	f.first = map[string]bool{}
	for _, m := range f.sb.Messages() {
		f.first[m.Channel] = true
	}
}

// rerun runs the job again (the next tick) with a new replica, as after a restart, until it ran.
func (f *fixture) rerun(ctx context.Context) error {
	b, err := newWorld(f.sb, f.dsn, 6*time.Second, nil, f.log)
	if err != nil {
		return err
	}
	defer b.Close()
	for {
		ran, err := b.digest(ctx, 8)
		if ran || err != nil {
			return err
		}
		if err := tick(ctx); err != nil {
			return err
		}
	}
}

// tick waits for a scheduler's next attempt.
func tick(ctx context.Context) error { return wait.Sleep(ctx, 100*time.Millisecond) }

// restoreAfterRefusals restores the proxy once clients have been refused n more times.
func restoreAfterRefusals(ctx context.Context, w *world, n int) {
	start, _ := w.px.Refused()
	go func() {
		for {
			got, changed := w.px.Refused()
			if got-start >= n {
				w.px.Restore()
				return
			}
			select {
			case <-changed:
			case <-ctx.Done():
				w.px.Restore()
				return
			}
		}
	}()
}

// failingRenewals is a JobStore whose lease renewals never reach the database: the lease's own
// connection lost while the others work (the advisory lock's failure in issue 18).
type failingRenewals struct{ *store.Store }

func (f failingRenewals) RenewLease(ctx context.Context, l store.Lease, ttl time.Duration) (store.Lease, error) {
	return l, errors.New("connection reset by peer")
}

var faults = []fault{
	{"none", func(ctx context.Context, f *fixture) error {
		_, err := f.a.digest(ctx, 8)
		f.firstRunDone()
		return err
	}},
	{"Slack's answer lost (1 post in 10)", func(ctx context.Context, f *fixture) error {
		f.sb.LoseAnswers("chat.postMessage", f.reps/10)
		_, err := f.a.digest(ctx, 8)
		f.firstRunDone()
		return err
	}},
	{"PostgreSQL cut before post / before record", func(ctx context.Context, f *fixture) error {
		cut := func(i int) {
			f.a.px.Cut()
			restoreAfterRefusals(ctx, f.a, 3)
		}
		f.a.sl.hooks(func(i int) {
			if i%10 == 3 {
				cut(i)
			}
		}, func(i int, _ error) {
			if i%10 == 7 {
				cut(i)
			}
		})
		_, _ = f.a.digest(ctx, 8) // digests whose mark met the cut fail this run
		f.firstRunDone()
		f.a.sl.hooks(nil, nil)
		return f.rerun(ctx)
	}},
	{"kill between Slack's answer and the record", func(ctx context.Context, f *fixture) error {
		jobCtx, kill := context.WithCancel(ctx)
		f.a.sl.hooks(nil, func(i int, _ error) {
			if i == f.reps/2 {
				f.a.px.Cut() // nothing more reaches the database from this process
				kill()
			}
		})
		_, _ = f.a.digest(jobCtx, 8)
		f.firstRunDone()
		f.a.px.Restore()
		// The dead process's lease runs out (set in the past rather than waited for).
		if _, err := f.a.db.ExecContext(ctx, `UPDATE job_leases SET expires_at = now() - interval '1 second'`); err != nil {
			return err
		}
		return f.rerun(ctx)
	}},
	{"two replicas; one loses its lease mid-run", func(ctx context.Context, f *fixture) error {
		// Slack's answers take 200 ms, so replica a is still sending when its lease (1.5 s, never
		// renewed: its connection for that is gone) runs out; b takes over at its next tick.
		f.sb.SetLatency(200 * time.Millisecond)
		a, err := newWorld(f.sb, f.dsn, 1500*time.Millisecond, func(st *store.Store) bot.JobStore { return failingRenewals{st} }, f.log)
		if err != nil {
			return err
		}
		defer a.Close()
		_, err = a.digest(ctx, 4)
		if !errors.Is(err, bot.ErrLeaseLost) {
			f.log.Warn("replica a did not lose its lease mid-run (too few reps to outlast it?)", "err", err)
		}
		f.firstRunDone()
		f.sb.SetLatency(0)
		return f.rerun(ctx)
	}},
	{"PostgreSQL stopped and restarted, twice", func(ctx context.Context, f *fixture) error {
		if f.restart == nil {
			return errSkip
		}
		restart := func() {
			f.a.px.Cut()
			dsn, err := f.restart()
			if err != nil {
				f.log.Error("restart PostgreSQL", "err", err)
			}
			_, target, _ := netfault.DSN(dsn, 0)
			f.a.px.SetTarget(target)
			f.dsn = dsn
			f.a.px.Restore()
		}
		// Once after a sending mark, before its post; once after a post, before its record.
		f.a.sl.hooks(func(i int) {
			if i == 2*f.reps/3 {
				restart()
			}
		}, func(i int, _ error) {
			if i == f.reps/3 {
				restart()
			}
		})
		_, _ = f.a.digest(ctx, 8)
		f.firstRunDone()
		f.a.sl.hooks(nil, nil)
		return f.rerun(ctx)
	}},
}

var errSkip = errors.New("skipped: needs a PostgreSQL this program started")
