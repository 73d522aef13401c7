package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/report"
	"github.com/leadbot/leadbot/store"
)

// ValueBlocks is the proof-of-value report as a manager reads it (/leadbot value and the
// monthly section of the manager digest): the verdict over all bands, then band by band.
func ValueBlocks(v report.Value) []slack.Block {
	lines := v.Lines()
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "What sending the list changed", false, false)),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*"+lines[0]+"*", false, false), nil, nil),
	}
	for _, l := range lines[1:] {
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, l, false, false), nil, nil))
	}
	if v.Leads > 0 {
		how := fmt.Sprintf("A randomized holdout keeps %.0f %% of eligible leads out of every digest and list; the two arms are compared band by band. "+
			"Conversion is won over every assigned lead; intervals are 95 %% (Newcombe). Export the rows: leadbot export experiment FILE.csv", 100*v.Share)
		if v.Share == 0 {
			how = "The holdout is off now; the figures are from the leads it assigned while it ran. Export the rows: leadbot export experiment FILE.csv"
		}
		blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, how, false, false)))
	}
	return blocks
}

// Value builds the proof-of-value report from the database; share is digest.holdout.
func (s *Service) Value(ctx context.Context, share float64) (report.Value, error) {
	rows, err := s.st.ArmRows(ctx, 0)
	if err != nil {
		return report.Value{}, err
	}
	return report.BuildValue(rows, share), nil
}

// TrendStats is what one emerging-trends run did.
type TrendStats struct {
	Found, Posted, Reflected, AlreadyPosted, Managers int
}

// TrendQuiet is how long a posted rise is not posted again.
const TrendQuiet = 28 * 24 * time.Hour

// RunTrends finds the reasons rising in a segment this week and posts each new one, that the
// model does not reflect yet, to every manager, once.
func (s *Service) RunTrends(ctx context.Context, cfg report.TrendConfig) (TrendStats, error) {
	var stats TrendStats
	ts, err := report.FindTrends(ctx, s.st, s.now(), cfg)
	if err != nil {
		return stats, err
	}
	stats.Found = len(ts)
	var fresh []report.Trend
	for _, t := range ts {
		if t.Reflected {
			stats.Reflected++
			continue
		}
		posted, err := s.st.RecordTrend(ctx, trendAlert(t), s.now(), TrendQuiet)
		if err != nil {
			return stats, err
		}
		if !posted {
			stats.AlreadyPosted++
			continue
		}
		fresh = append(fresh, t)
	}
	if len(fresh) == 0 {
		return stats, nil
	}
	managers, err := s.st.Managers(ctx)
	if err != nil {
		return stats, err
	}
	var errs []error
	for _, m := range managers {
		id, err := s.slackUser(ctx, &m)
		if err != nil || id == "" {
			errs = append(errs, err)
			continue
		}
		if _, _, err := s.sl.Post(ctx, id, slack.MsgOptionText("Reps are reporting something new", false),
			slack.MsgOptionBlocks(TrendBlocks(fresh)...)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m.Email, err))
			continue
		}
		stats.Managers++
	}
	stats.Posted = len(fresh)
	return stats, errors.Join(errs...)
}

// TrendBlocks is the emerging-trends post; segments and labels come from the CRM and the
// configuration, so they are escaped.
func TrendBlocks(ts []report.Trend) []slack.Block {
	blocks := []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Reps are reporting something new", false, false))}
	for _, t := range ts {
		t.Segment, t.Label = Escape(t.Segment), Escape(t.Label)
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, truncate(t.Text(), 2900), false, false), nil, nil))
	}
	blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
		"This week's reasons against the 8 weeks before, segment by segment; shown only when chance is an unlikely explanation (5 % false-discovery rate).", false, false)))
	return blocks
}

func trendAlert(t report.Trend) store.TrendAlert {
	return store.TrendAlert{Column: t.Column, Segment: t.Segment, Reason: t.Reason, Recent: t.Recent, Usual: t.Usual, P: t.P}
}

// KPIBlocks is the shared KPIs as a manager reads them: hot against the rest, the top of each
// digest worked, and which 👎 reasons predicted a loss.
func KPIBlocks(k report.KPIs) []slack.Block {
	lines := k.Lines()
	blocks := []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Shared numbers", false, false))}
	for i, l := range lines {
		if i == 3 {
			blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*When reps gave a reason for 👎, were they right?*", false, false), nil, nil))
		}
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, Escape(truncate(l, 2900)), false, false), nil, nil))
	}
	return blocks
}

// KPIs computes the shared KPIs of the last days days for the hot band starting at hot.
func (s *Service) KPIs(ctx context.Context, days int, hot float64) (report.KPIs, error) {
	until := s.now()
	return report.BuildKPIs(ctx, s.st, until.AddDate(0, 0, -days), until, hot)
}

// runningShare is the held-out share of the running experiment (0: the holdout is off).
func (s *Service) runningShare(ctx context.Context) (float64, error) {
	e, err := s.st.RunningExperiment(ctx)
	if err != nil || e == nil {
		return 0, err
	}
	return e.Share, nil
}

// valueBlocks is the proof of value and the shared KPIs of the last 90 days, for a manager.
func (s *Service) valueBlocks(ctx context.Context) ([]slack.Block, error) {
	share, err := s.runningShare(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.Value(ctx, share)
	if err != nil {
		return nil, err
	}
	k, err := s.KPIs(ctx, 90, report.ConflictHigh)
	if err != nil {
		return nil, err
	}
	return append(ValueBlocks(v), KPIBlocks(k)...), nil
}

// onValue answers /leadbot value: managers read the holdout's uplift and the shared KPIs.
func (s *Service) onValue(ctx context.Context, cmd slack.SlashCommand, rep leadbot.Rep) {
	isManager, err := s.isManager(ctx, rep)
	if err != nil {
		s.log.Error("managers", "err", err)
		s.reply(ctx, cmd, ":warning: "+leadbot.ErrorMessage(err))
		return
	}
	if !isManager {
		s.reply(ctx, cmd, "`/leadbot value` is for sales managers: what sending the list changed, measured against a held-out group. Try `/leadbot stats` for your own figures.")
		return
	}
	blocks, err := s.valueBlocks(ctx)
	if err != nil {
		s.log.Error("value report", "manager", rep.Email, "err", err)
		s.reply(ctx, cmd, ":warning: "+leadbot.ErrorMessage(err))
		return
	}
	s.reply(ctx, cmd, "What sending the list changed", blocks...)
}

// monthlyValue is the value section of the first manager digest of a month (nil otherwise, or
// when the holdout never ran).
func (s *Service) monthlyValue(ctx context.Context, m leadbot.Rep, now time.Time) []slack.Block {
	last, err := s.st.LastSentDigest(ctx, m.ID, "manager")
	if err == nil && last.SentAt != nil && last.SentAt.In(now.Location()).Month() == now.Month() && last.SentAt.Year() == now.Year() {
		return nil
	}
	share, err := s.runningShare(ctx)
	if err != nil {
		s.log.Warn("value section", "err", err)
		return nil
	}
	v, err := s.Value(ctx, share)
	if err != nil || v.Leads == 0 {
		return nil
	}
	return append([]slack.Block{slack.NewDividerBlock()}, ValueBlocks(v)...)
}
