package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/spool"
	"github.com/leadbot/leadbot/store"
)

// Spooler keeps the clicks the database cannot take during an outage and writes them when it is
// back (*spool.Spool).
type Spooler interface {
	Write(ctx context.Context, c store.SpooledClick, write func(context.Context) error) (queued bool, err error)
}

// spoolKey names one click once: the same click delivered twice (Slack's retries) is one entry.
func spoolKey(cb *slack.InteractionCallback, what string, t clickTarget) string {
	return fmt.Sprintf("%s/%s/%d/%s/%s", cb.User.ID, what, t.Lead, t.TS, cb.ActionTs)
}

// spooled runs write; when the database does not answer and a spool is configured, the click c is
// kept instead and the rep told it is being saved. queued is true then.
func (s *Service) spooled(ctx context.Context, userID string, t clickTarget, c store.SpooledClick, write func(context.Context) error) (queued bool, err error) {
	if s.cfg.Spool == nil {
		return false, write(ctx)
	}
	c.Feedback.Channel, c.Feedback.MessageTS = t.Channel, t.TS // for the redraw once it is written
	if queued, err = s.cfg.Spool.Write(ctx, c, write); queued {
		s.tell(ctx, userID, clickTarget{Channel: t.Channel}, savingText)
	}
	return queued, err
}

// spoolOutage handles a click whose reads already failed with err: when the database did not
// answer and a spool is configured, c is kept and the rep told it is being saved; otherwise the
// rep is told the click failed.
func (s *Service) spoolOutage(ctx context.Context, userID string, t clickTarget, c store.SpooledClick, err error) {
	if s.cfg.Spool != nil && spool.Unavailable(err) {
		if _, qerr := s.spooled(ctx, userID, t, c, func(context.Context) error { return err }); qerr == nil {
			return
		}
	}
	s.fail(ctx, userID, t, err)
}

const savingText = ":hourglass_flowing_sand: Saving… leadbot's database is briefly unavailable. Your click is kept and shows on the message as soon as it is recorded: no need to click again."

// OnSpoolApplied redraws the message a queued click was made on, once it is written.
func (s *Service) OnSpoolApplied(ctx context.Context, c store.SpooledClick) {
	lead := c.LeadID
	if lead == 0 {
		lead = c.Feedback.LeadID
	}
	if c.Feedback.Channel == "" || c.Feedback.MessageTS == "" {
		return
	}
	s.refresh(ctx, c.SlackID, clickTarget{Lead: lead, Channel: c.Feedback.Channel, TS: c.Feedback.MessageTS})
}

// OnSpoolAbandoned tells the rep that a click was finally not recorded, and what to do.
func (s *Service) OnSpoolAbandoned(ctx context.Context, c store.SpooledClick, err error) {
	if c.SlackID == "" {
		return
	}
	msg := fmt.Sprintf(":warning: A click you made at a moment leadbot's database was down could not be recorded (%s). Please click again on the message.",
		leadbot.ErrorMessage(err))
	s.tell(ctx, c.SlackID, clickTarget{Channel: c.Feedback.Channel}, msg)
}

// snoozeUntil is the day a snooze of days ends for a rep known only by Slack id (during an
// outage the rep's timezone cannot be read: UTC's day).
func (s *Service) snoozeUntil(days int) time.Time {
	return s.now().UTC().Truncate(24*time.Hour).AddDate(0, 0, days)
}
