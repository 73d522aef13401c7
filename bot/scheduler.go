package bot

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/robfig/cron/v3"
)

// JobStore is what the scheduler needs from the database: advisory locks and the job_runs log.
type JobStore interface {
	TryLock(ctx context.Context, key int64) (release func(), ok bool, err error)
	StartJobRun(ctx context.Context, job, host string) (int64, error)
	FinishJobRun(ctx context.Context, id int64, outcome, errText string, details any) error
}

// JobFunc does one run of a job and returns what to record about it.
type JobFunc func(ctx context.Context) (details any, err error)

// Scheduler runs jobs on cron schedules. A run that is still going when its next tick comes is
// skipped (cron's SkipIfStillRunning), a panic is recovered and recorded as a failure, and each
// run takes a PostgreSQL advisory lock named after the job, so that when several replicas run
// the same schedule exactly one of them does the work.
type Scheduler struct {
	cron  *cron.Cron
	store JobStore
	log   *slog.Logger
	host  string
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

// Start starts the schedule.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling, cancels running jobs, and waits until they have returned.
func (s *Scheduler) Stop() {
	done := s.cron.Stop()
	s.stop()
	<-done.Done()
}

// LockKey is the advisory lock a job holds while it runs.
func LockKey(job string) int64 {
	h := fnv.New64a()
	h.Write([]byte("leadbot-job:" + job))
	return int64(h.Sum64() >> 1)
}

// RunNow runs a job once, under its lock, and records the run. ran is false when another replica
// holds the lock (the run is then not recorded: the holder records its own).
func (s *Scheduler) RunNow(ctx context.Context, name string, fn JobFunc) (ran bool, err error) {
	release, ok, err := s.store.TryLock(ctx, LockKey(name))
	if err != nil {
		return false, fmt.Errorf("lock for job %s: %w", name, err)
	}
	if !ok {
		s.log.Debug("job is running elsewhere; skipped", "job", name)
		return false, nil
	}
	defer release()
	id, err := s.store.StartJobRun(ctx, name, s.host)
	if err != nil {
		return false, err
	}
	start := time.Now()
	details, err := safeRun(ctx, fn)
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
