package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot/internal/slacklimit"
	"github.com/leadbot/leadbot/store"
	"github.com/leadbot/leadbot/training"
)

// Rescorer rescores a lead's account with the current champion after a reason was recorded
// (training.RescoreAccount with the app's training configuration).
type Rescorer func(ctx context.Context, leadID int64) (training.AccountRescore, error)

// rescoreAfterReason moves the scores a reason changes before the message is redrawn, so the
// card the rep looks at already shows the new score; it returns what to tell the rep about the
// account's other leads ("" when nothing else moved, or no model can rescore yet).
func (s *Service) rescoreAfterReason(ctx context.Context, leadID int64, company string) string {
	if s.cfg.Rescore == nil {
		return ""
	}
	r, err := s.cfg.Rescore(ctx, leadID)
	if errors.Is(err, store.ErrNotFound) {
		return "" // no model yet: the next retrain learns the reason
	}
	if err != nil {
		s.log.Warn("rescore after a reason", "lead", leadID, "err", err)
		return ""
	}
	return MovedText(company, r)
}

// MovedText is the line a rep reads after a reason (or its Undo) moved the account's other
// leads: "2 other leads at Summit Nimbus moved down: Sam Tanaka 93 % → 61 %, Li Wu 80 % → 58 %."
func MovedText(company string, r training.AccountRescore) string {
	if len(r.Others) == 0 {
		return ""
	}
	down, up := 0, 0
	var parts []string
	for i, m := range r.Others {
		if m.Delta() < 0 {
			down++
		} else {
			up++
		}
		if i < 5 {
			before := "no score"
			if m.Before != nil {
				before = spacedPercent(*m.Before)
			}
			parts = append(parts, fmt.Sprintf("%s %s → %s", crm(orDefault(m.Name, "a lead"), shortChars), before, spacedPercent(m.After)))
		}
	}
	dir := "moved"
	switch {
	case up == 0:
		dir = "moved down"
	case down == 0:
		dir = "moved up"
	}
	n := fmt.Sprintf("%d other leads", len(r.Others))
	if len(r.Others) == 1 {
		n = "1 other lead"
	}
	at := ""
	if company != "" {
		at = " at " + crm(company, shortChars)
	}
	more := ""
	if len(r.Others) > len(parts) {
		more = fmt.Sprintf(" and %d more", len(r.Others)-len(parts))
	}
	return slacklimit.Truncate(fmt.Sprintf(":arrows_counterclockwise: %s%s %s: %s%s.", n, at, dir, strings.Join(parts, ", "), more), slacklimit.SectionText)
}

func spacedPercent(p float64) string { return fmt.Sprintf("%.0f %%", 100*p) }

// tellMoved tells the rep, privately where the click was, what the reason moved.
func (s *Service) tellMoved(ctx context.Context, userID string, t clickTarget, text string) {
	if text == "" {
		return
	}
	if t.Channel != "" {
		if err := s.sl.Ephemeral(ctx, t.Channel, userID, slack.MsgOptionText(text, false)); err != nil {
			s.log.Warn("tell what moved", "user", userID, "err", err)
		}
		return
	}
	s.tell(ctx, userID, clickTarget{}, text) // a private list: a DM, never over the list itself
}
