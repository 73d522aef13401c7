package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot/store"
)

// After a click: the message it came from is redrawn, for everyone who sees it.

// refresh redraws the message the click came from so that everyone who sees it sees the new
// state: a digest or a "hot now" DM is rebuilt whole and updated in place; a private answer (a
// lookup) is replaced through its response_url.
func (s *Service) refresh(ctx context.Context, userID string, t clickTarget) {
	if t.Channel != "" && t.TS != "" {
		d, err := s.st.DigestByMessage(ctx, t.Channel, t.TS)
		if err == nil {
			// Behind the clicks already waiting: those on this digest are folded into this redraw.
			s.cfg.Redraws.Do(ctx, "digest:"+strconv.FormatInt(d.ID, 10), func(ctx context.Context) {
				if err := s.redrawDigest(ctx, d, t.ResponseURL); err != nil {
					s.redrawFailed(ctx, userID, t, err)
				}
			})
			return
		}
		if !errors.Is(err, store.ErrNotFound) {
			s.redrawFailed(ctx, userID, t, err)
			return
		}
		if a, err := s.st.HotAlertByMessage(ctx, t.Channel, t.TS); err == nil {
			s.cfg.Redraws.Do(ctx, "hot:"+strconv.FormatInt(a.LeadID, 10), func(ctx context.Context) {
				if err := s.redrawHot(ctx, a, t.ResponseURL); err != nil {
					s.redrawFailed(ctx, userID, t, err)
				}
			})
			return
		} else if !errors.Is(err, store.ErrNotFound) {
			s.redrawFailed(ctx, userID, t, err)
			return
		}
	}
	if t.ResponseURL == "" {
		return
	}
	rep, err := s.st.RepBySlackID(ctx, userID)
	if err != nil {
		s.redrawFailed(ctx, userID, t, err)
		return
	}
	ids := t.List
	if len(ids) == 0 {
		ids = []int64{t.Lead}
	}
	leads, err := s.leadsByID(ctx, ids)
	if err != nil {
		s.redrawFailed(ctx, userID, t, err)
		return
	}
	blocks, text, err := s.listBlocks(ctx, rep, leads, "", len(t.List) > 0)
	if err != nil {
		s.redrawFailed(ctx, userID, t, err)
		return
	}
	if err := s.sl.Respond(ctx, t.ResponseURL, slack.MsgOptionText(text, false),
		slack.MsgOptionBlocks(blocks...), slack.MsgOptionReplaceOriginal(t.ResponseURL)); err != nil {
		s.log.Error("could not update the private answer", "user", userID, "err", err)
	}
}

// redrawDigest rebuilds a digest message from the database and replaces it (replaceMessage).
func (s *Service) redrawDigest(ctx context.Context, d store.Digest, responseURL string) error {
	rep, err := s.st.RepByID(ctx, d.RepID)
	if err != nil {
		return err
	}
	leads, err := s.st.DigestLeads(ctx, d.ID)
	if err != nil {
		return err
	}
	cards, err := s.cards(ctx, rep, leads, d.Day)
	if err != nil {
		return err
	}
	if cards, err = s.enrich(ctx, cards, localDay(s.now(), s.location(rep))); err != nil {
		return err
	}
	// The greeting stays the one the digest went out with, in the rep's time zone: a click at
	// 9 PM does not turn "Good morning" into "Good evening".
	sent := s.now()
	if d.SentAt != nil {
		sent = *d.SentAt
	}
	return s.replaceMessage(ctx, responseURL, d.Channel, d.MessageTS, slack.MsgOptionText(DigestText(cards), false),
		slack.MsgOptionBlocks(DigestBlocks(rep.Name, cards, sent.In(s.location(rep)))...))
}

// replaceMessage replaces the message (channel, ts) a click came from: through the click's
// response_url when there is one (see Sender.Replace: a burst of clicks would exhaust
// chat.update's workspace-wide limit), else, or when Slack refuses the URL, with chat.update.
func (s *Service) replaceMessage(ctx context.Context, responseURL, channel, ts string, text, blocks slack.MsgOption) error {
	if responseURL != "" {
		err := s.sl.Replace(ctx, responseURL, text, blocks)
		if err == nil || ctx.Err() != nil {
			return err
		}
		s.log.Info("response_url refused the redraw; using chat.update", "channel", channel, "ts", ts, "err", err)
	}
	return s.sl.Update(ctx, channel, ts, text, blocks)
}

// redrawFailed tells the user their click was recorded although its message could not be
// redrawn (saying "nothing was recorded" there would be false), and whether that is Slack
// being busy or a message Slack refuses, which no retry fixes.
func (s *Service) redrawFailed(ctx context.Context, userID string, t clickTarget, err error) {
	code := errCode(err)
	s.log.Error("could not redraw after a click", "user", userID, "lead", t.Lead, "slack_error", code, "err", err)
	text := ":warning: Recorded, but the message could not be updated just now. `/lead` shows the lead as it now is."
	if !transient(code) {
		text = fmt.Sprintf(":warning: Recorded, but Slack refused the updated message (%s): that is a fault in leadbot, logged for the admin. "+
			"`/lead` shows the lead as it now is.", Escape(code))
	}
	s.tell(ctx, userID, t, text)
}
