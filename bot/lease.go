package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/leadbot/leadbot/store"
)

// ErrLeaseLost is the cause of a job's context when its lease was lost: it could not be renewed
// before it expired (the database down or unreachable for longer than the lease), or another
// replica holds it now. The job stops; what it did not finish is done by the next run.
var ErrLeaseLost = store.ErrLeaseLost

// DefaultLeaseTTL is how long a job's lease lasts without renewal; it is renewed every third.
const DefaultLeaseTTL = 30 * time.Second

// keepLease renews l every ttl/3 until ctx ends, and cancels the job (cancel, with
// ErrLeaseLost) as soon as the lease is lost or may have expired: the local deadline is counted
// from before each renewal was sent, so it never runs past the database's own expiry. It returns
// when ctx is done.
func keepLease(ctx context.Context, st JobStore, l store.Lease, ttl time.Duration, cancel context.CancelCauseFunc, log *slog.Logger) {
	validUntil := time.Now().Add(ttl) // the claim was sent before now
	every := ttl / 3
	for {
		next := time.Now().Add(every)
		if next.After(validUntil) {
			next = validUntil
		}
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if !time.Now().Before(validUntil) {
			log.Warn("job lease expired before it could be renewed; stopping the job", "job", l.Job, "token", l.Token)
			cancel(fmt.Errorf("job %s: %w (not renewed within %s)", l.Job, ErrLeaseLost, ttl))
			return
		}
		sent := time.Now()
		rctx, rcancel := context.WithDeadline(ctx, validUntil)
		nl, err := st.RenewLease(rctx, l, ttl)
		rcancel()
		switch {
		case errors.Is(err, store.ErrLeaseLost):
			log.Warn("job lease taken by another replica; stopping the job", "job", l.Job, "token", l.Token)
			cancel(fmt.Errorf("job %s: %w", l.Job, ErrLeaseLost))
			return
		case err != nil:
			log.Warn("job lease not renewed; retrying until it expires", "job", l.Job, "until", validUntil, "err", err)
		default:
			l, validUntil = nl, sent.Add(ttl)
		}
	}
}
