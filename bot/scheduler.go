package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/leadbot/leadbot/store"
)

// JobStore is what the scheduler needs from the database: job leases and the job_runs log
// (satisfied by *store.Store).
type JobStore interface {
	ClaimLease(ctx context.Context, job, holder string, ttl time.Duration) (store.Lease, bool, error)
	RenewLease(ctx context.Context, l store.Lease, ttl time.Duration) (store.Lease, error)
	ReleaseLease(ctx context.Context, l store.Lease) error
	StartLeasedRun(ctx context.Context, l store.Lease) (int64, error)
	FinishJobRun(ctx context.Context, id int64, outcome, errText string, details any) error
	CloseDeadRuns(ctx context.Context, job string) (int, error)
}

// JobFunc does one run of a job and returns what to record about it.
type JobFunc func(ctx context.Context) (details any, err error)

// Scheduler runs jobs on cron schedules. A run that is still going when its next tick comes is
// skipped (cron's SkipIfStillRunning), a panic is recovered and recorded as a failure, and each
// run holds the job's lease (a row in job_leases, store.ClaimLease), so that when several
// replicas run the same schedule exactly one of them does the work. The lease is renewed while
// the job runs; the job's context is cancelled (cause ErrLeaseLost) the moment it may have been
// lost, and the context carries it (store.LeaseFrom) so that each send can be fenced by it.
type Scheduler struct {
	cron  *cron.Cron
	store JobStore
	log   *slog.Logger
	host  string
	ttl   time.Duration
	ctx   context.Context
	stop  context.CancelFunc
}

// NewScheduler returns a scheduler; times in cron specs are UTC.
func NewScheduler(store JobStore, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	host, _ := os.Hostname()
	ctx, stop := context.WithCancel(context.Background())
	cl := cronLogger{log}
	return &Scheduler{
		cron:  cron.New(cron.WithLocation(time.UTC), cron.WithChain(cron.SkipIfStillRunning(cl))),
		store: store,
		log:   log,
		host:  fmt.Sprintf("%s/%d", host, os.Getpid()),
		ttl:   DefaultLeaseTTL,
		ctx:   ctx,
		stop:  stop,
	}
}

// Add schedules job name on spec (five-field cron, or @every 5m).
func (s *Scheduler) Add(name, spec string, fn JobFunc) error {
	_, err := s.cron.AddFunc(spec, func() {
		if _, err := s.RunNow(s.ctx, name, fn); err != nil {
			s.log.Error("job failed", "job", name, "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("schedule %s %q: %w", name, spec, err)
	}
	return nil
}

// SetLeaseTTL sets how long a job's lease lasts without renewal (default DefaultLeaseTTL); call
// it before Start. A shorter lease hands a dead replica's job over sooner; each send needs a
// third of it left, so it must be well above the time one Slack call takes.
func (s *Scheduler) SetLeaseTTL(ttl time.Duration) {
	if ttl > 0 {
		s.ttl = ttl
	}
}

// Start closes the runs that dead processes left "running", then starts the schedule.
func (s *Scheduler) Start() {
	if n, err := s.store.CloseDeadRuns(s.ctx, ""); err != nil {
		s.log.Warn("could not close the job runs of dead processes; the next run of each job will", "err", err)
	} else if n > 0 {
		s.log.Info("closed job runs left running by processes that died", "runs", n)
	}
	s.cron.Start()
}

// Stop stops scheduling, cancels running jobs, and waits until they have returned.
func (s *Scheduler) Stop() {
	done := s.cron.Stop()
	s.stop()
	<-done.Done()
}

// RunNow runs a job once, under its lease, and records the run. ran is false when another
// replica holds the lease (the run is then not recorded: the holder records its own).
func (s *Scheduler) RunNow(ctx context.Context, name string, fn JobFunc) (ran bool, err error) {
	lease, ok, err := s.store.ClaimLease(ctx, name, s.host, s.ttl)
	if err != nil {
		return false, fmt.Errorf("claim the lease of job %s: %w", name, err)
	}
	if !ok {
		s.log.Debug("job is running elsewhere; skipped", "job", name)
		return false, nil
	}
	defer func() {
		if err := s.store.ReleaseLease(context.WithoutCancel(ctx), lease); err != nil {
			s.log.Warn("release job lease; it expires by itself", "job", name, "err", err)
		}
	}()
	if n, err := s.store.CloseDeadRuns(ctx, name); err != nil {
		s.log.Warn("close dead runs", "job", name, "err", err)
	} else if n > 0 {
		s.log.Info("closed runs of this job left running by processes that died", "job", name, "runs", n)
	}
	id, err := s.store.StartLeasedRun(ctx, lease)
	if err != nil {
		return false, err
	}
	start := time.Now()
	details, err := s.underLease(ctx, lease, fn)
	outcome, errText := "ok", ""
	if err != nil {
		outcome, errText = "failed", err.Error()
	}
	if ferr := s.store.FinishJobRun(context.WithoutCancel(ctx), id, outcome, errText, details); ferr != nil {
		s.log.Error("record job run", "job", name, "err", ferr)
	}
	s.log.Info("job finished", "job", name, "outcome", outcome, "took", time.Since(start).Round(time.Millisecond).String(), "details", details)
	return true, err
}

// underLease runs fn with a context that carries the lease and ends when it is lost, keeping the
// lease renewed meanwhile.
func (s *Scheduler) underLease(ctx context.Context, lease store.Lease, fn JobFunc) (any, error) {
	lease.Margin = s.ttl / 3 // a send needs a third of the term left: the time it may take
	jobCtx, cancel := context.WithCancelCause(store.WithLease(ctx, lease))
	kept := make(chan struct{})
	go func() { defer close(kept); keepLease(jobCtx, s.store, lease, s.ttl, cancel, s.log) }()
	details, err := safeRun(jobCtx, fn)
	lost := context.Cause(jobCtx)
	cancel(nil)
	<-kept
	if errors.Is(lost, ErrLeaseLost) {
		err = errors.Join(lost, err)
	}
	return details, err
}

func safeRun(ctx context.Context, fn JobFunc) (details any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return fn(ctx)
}

type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
