package handlers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot/scoring"
)

// Announcement is what the managers are told after a retrain or a rollback.
type Announcement struct {
	Version         int
	Kind            string
	Promoted        bool
	Rollback        bool
	Decision        string
	ChampionVersion int     // the champion before
	AUCBefore       float64 // champion on the hold-out; NaN when none
	AUCAfter        float64 // challenger on the hold-out; NaN when none
	Holdout         int
	Outcomes        int
	FeedbackLabels  int
	ReasonCodes     int
	UsingPrior      bool
	Moves           []FactorMove
	Refit           string // what the promoted model was refitted on, in one sentence ("" when not)
}

// moveWords says how a factor's average weight changed, in a lead's favour or against it, not
// as log-odds: weights of one sign that grew count "more", that shrank "less".
func moveWords(before, after float64) string {
	switch {
	case before >= 0 && after >= 0 && after > before:
		return "now counts more in a lead's favour"
	case before >= 0 && after >= 0:
		return "now counts less in a lead's favour"
	case before <= 0 && after <= 0 && after < before:
		return "now counts more against a lead"
	case before <= 0 && after <= 0:
		return "now counts less against a lead"
	case after > 0:
		return "now counts in a lead's favour (it counted against)"
	default:
		return "now counts against a lead (it counted in its favour)"
	}
}

// FactorMove is a factor whose average weight changed.
type FactorMove struct {
	Column        string
	Before, After float64
}

// AnnouncementBlocks words a retrain for managers: what changed and how much came from the team.
func AnnouncementBlocks(a Announcement) ([]slack.Block, string) {
	var title, body string
	switch {
	case a.Rollback:
		title = fmt.Sprintf("Model rolled back to v%d", a.Version)
		body = fmt.Sprintf("Leads are scored by *v%d* again (it replaced v%d). %s", a.Version, a.ChampionVersion, Escape(a.Decision))
	case a.Promoted:
		title = fmt.Sprintf("New model v%d is live", a.Version)
		body = Escape(orDefault(a.Decision, fmt.Sprintf("Leads are scored by v%d from now on.", a.Version)))
	default:
		title = fmt.Sprintf("Model v%d was trained but not promoted", a.Version)
		body = Escape(orDefault(a.Decision, fmt.Sprintf("Leads are still scored by v%d.", a.ChampionVersion)))
	}
	var lines []string
	if !a.Rollback {
		// Ranking quality is the AUC, in words a manager reads: the chance that a lead that
		// converted was ranked above one that did not (50 % is a coin toss).
		if !math.IsNaN(a.AUCBefore) && !math.IsNaN(a.AUCAfter) {
			lines = append(lines, fmt.Sprintf("On the %d latest outcomes, a lead that converted was ranked above one that did not %s of the time with v%d, %s with v%d (a coin toss: 50 %%).",
				a.Holdout, spacedPercent(a.AUCBefore), a.ChampionVersion, spacedPercent(a.AUCAfter), a.Version))
		} else if !math.IsNaN(a.AUCAfter) {
			lines = append(lines, fmt.Sprintf("On the %d latest outcomes, a lead that converted was ranked above one that did not %s of the time (a coin toss: 50 %%).",
				a.Holdout, spacedPercent(a.AUCAfter)))
		}
		if a.Refit != "" && a.Promoted {
			lines = append(lines, Escape(a.Refit))
		}
		if a.UsingPrior {
			lines = append(lines, fmt.Sprintf("Only %d outcomes so far: leads are ranked by transparent rules plus your team's feedback until there are enough to learn from.", a.Outcomes))
		}
		lines = append(lines, fmt.Sprintf("From the team: *%d* :+1:/:-1: used as labels, *%d* reason codes used as lead features, next to %d CRM outcomes.", a.FeedbackLabels, a.ReasonCodes, a.Outcomes))
		if len(a.Moves) > 0 && a.Promoted {
			var ms []string
			for _, m := range a.Moves {
				ms = append(ms, columnWords(m.Column)+" "+moveWords(m.Before, m.After))
			}
			lines = append(lines, "What moved most: "+strings.Join(ms, "; "))
		}
	}
	blocks := []slack.Block{header(title), slack.NewSectionBlock(mrkdwn(body), nil, nil)}
	if len(lines) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(strings.Join(lines, "\n")), nil, nil))
	}
	return blocks, title
}

// columnWords names a model column for people: a reason-code feature as the reason in words
// ("the reason “No budget”"), not "Reason: no_budget".
func columnWords(col string) string {
	if code, ok := strings.CutPrefix(col, scoring.ReasonPrefix); ok {
		return "the reason “" + crm(humanize(code), reasonChars) + "”"
	}
	return crm(col, shortChars)
}

// Announce posts an announcement to the managers' channel or, when none is configured, to each
// manager by DM. A channel the bot is not in is reported once, with what to do.
func (s *Service) Announce(ctx context.Context, channel string, a Announcement) error {
	blocks, title := AnnouncementBlocks(a)
	opts := []slack.MsgOption{slack.MsgOptionText(title, false), slack.MsgOptionBlocks(blocks...)}
	if channel != "" {
		_, _, err := s.sl.Post(ctx, channel, opts...)
		if code := errCode(err); code == "not_in_channel" || code == "channel_not_found" || code == "is_archived" {
			return fmt.Errorf("cannot post to the managers' channel %s (%s): invite the bot there with /invite @leadbot, or change managers_channel", channel, code)
		}
		return err
	}
	if s.st == nil {
		return nil
	}
	managers, err := s.st.Managers(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range managers {
		if id, err := s.slackUser(ctx, &m); err != nil || id == "" {
			continue
		} else if _, _, err := s.sl.Post(ctx, id, opts...); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
