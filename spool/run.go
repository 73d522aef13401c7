package spool

import (
	"context"

	"github.com/leadbot/leadbot/internal/wait"
)

// Run applies pending clicks in order until ctx ends: each is retried with backoff while the
// database does not answer, and abandoned (the rep told) when it cannot be written or has waited
// longer than GiveUpAfter.
func (s *Spool) Run(ctx context.Context) error {
	backoff := s.cfg.MinBackoff
	for {
		e, ok, err := s.head()
		if err != nil {
			return err
		}
		if !ok {
			if err := s.idle(ctx); err != nil {
				return err
			}
			continue
		}
		applied, err := s.w.ApplySpooled(ctx, *e.Click)
		switch {
		case err == nil:
			backoff = s.cfg.MinBackoff
			if err := s.done(e, false); err != nil {
				return err
			}
			if applied && s.cfg.Applied != nil {
				s.cfg.Applied(context.WithoutCancel(ctx), *e.Click)
			}
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case !Unavailable(err) || s.cfg.Now().Sub(e.At) > s.cfg.GiveUpAfter:
			s.abandon(ctx, e, err)
			if err := s.done(e, true); err != nil {
				return err
			}
			continue
		}
		s.log.Debug("click spool: database still unavailable", "pending", s.Pending(), "retry_in", backoff)
		if err := wait.Sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(2*backoff, s.cfg.MaxBackoff)
	}
}

// idle waits until a click is queued.
func (s *Spool) idle(ctx context.Context) error {
	s.mu.Lock()
	n, changed := s.pending, s.changed
	s.mu.Unlock()
	if n > 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-changed:
		return nil
	}
}

func (s *Spool) abandon(ctx context.Context, e entry, err error) {
	s.log.Error("click spool: click abandoned; the rep is told", "key", e.Click.Key, "kind", e.Click.Kind, "queued_at", e.At, "err", err)
	if s.cfg.Abandoned != nil {
		s.cfg.Abandoned(context.WithoutCancel(ctx), *e.Click, err)
	}
}
