package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/digest"
	"github.com/leadbot/leadbot/report"
	"github.com/leadbot/leadbot/store"
)

// TeamBlocks renders a team report (the manager digest, /leadbot team).
func TeamBlocks(managerName string, r report.Team) []slack.Block {
	return append([]slack.Block{slack.NewHeaderBlock(plain("Your team's week with leadbot"))}, teamSections(r)...)
}

// teamSections are a team report's blocks under its header: the manager digest, /leadbot team
// and the manager's Home show the same ones.
func teamSections(r report.Team) []slack.Block {
	var b []slack.Block
	add := func(text string) {
		b = append(b, slack.NewSectionBlock(mrkdwn(truncate(text, 3000)), nil, nil))
	}
	b = append(b, slack.NewContextBlock("period", mrkdwn(fmt.Sprintf("%s – %s", date(r.Since), date(r.Until.Add(-time.Second))))))
	add("*This week*: " + TallyText(r.Total))
	var lines []string
	for _, a := range r.Reps {
		if a.Delivered == 0 && a.Judged+a.Undone+a.Snoozed == 0 {
			continue
		}
		lines = append(lines, fmt.Sprintf("• %s: %s", who(a), TallyText(a.Tally)))
	}
	if len(lines) > 0 {
		add("*Feedback by rep*\n" + strings.Join(lines, "\n"))
	}
	if len(r.TopReasons) > 0 {
		var rs []string
		for _, c := range r.TopReasons[:min(5, len(r.TopReasons))] {
			rs = append(rs, fmt.Sprintf("%s (%d)", Escape(c.Label), c.Count))
		}
		add("*Top reasons for :-1:*\n" + strings.Join(rs, " · "))
	}
	b = append(b, slack.NewDividerBlock())
	tally := fmt.Sprintf("*Model vs team* – where they disagree. Resolved so far: model right *%d*, team right *%d*; %d awaiting an outcome.", r.ModelRight, r.RepRight, r.Pending)
	var cl []string
	for _, c := range r.Conflicts[:min(8, len(r.Conflicts))] {
		v := fmt.Sprintf(":-1: on a %s lead", percent(c.Probability))
		if c.Verdict > 0 {
			v = fmt.Sprintf(":+1: on a %s lead", percent(c.Probability))
		}
		line := fmt.Sprintf("• *%s*%s – %s %s", Escape(orDefault(c.LeadName, "a lead")), companyOf(c.Company), Escape(c.RepName), v)
		if c.Reason != nil {
			line += " (" + Escape(*c.Reason) + ")"
		}
		if modelRight, ok := report.ConflictWinner(c); ok {
			if modelRight {
				line += fmt.Sprintf(" → %s: *model was right*", *c.Outcome)
			} else {
				line += fmt.Sprintf(" → %s: *%s was right*", *c.Outcome, Escape(c.RepName))
			}
		}
		cl = append(cl, line)
	}
	if len(cl) == 0 {
		cl = []string{"No disagreements: the team and the model agree so far."}
	}
	add(tally + "\n" + strings.Join(cl, "\n"))
	if len(r.DataQuality) > 0 {
		var dq []string
		for _, c := range r.DataQuality[:min(8, len(r.DataQuality))] {
			dq = append(dq, fmt.Sprintf("• %s from *%s*: %d", Escape(c.Label), Escape(orDefault(c.Source, "unknown source")), c.Count))
		}
		add("*Data quality reports* (not held against the leads)\n" + strings.Join(dq, "\n"))
	}
	add(HealthText(r.Health))
	if len(r.Stalled) > 0 {
		var ss []string
		for _, a := range r.Stalled {
			ss = append(ss, who(a))
		}
		add(":zzz: *Stopped answering* (leads sent, no feedback for two weeks): " + strings.Join(ss, ", "))
	}
	return b
}

func who(a store.RepActivity) string {
	if a.SlackUserID != nil && *a.SlackUserID != "" {
		return "<@" + *a.SlackUserID + ">"
	}
	return Escape(orDefault(a.Name, a.Email))
}

func companyOf(c string) string {
	if c == "" {
		return ""
	}
	return " (" + Escape(c) + ")"
}

func (s *Service) onTeam(ctx context.Context, cmd slack.SlashCommand, rep leadbot.Rep) {
	if s.st == nil {
		return
	}
	isManager, err := s.isManager(ctx, rep)
	if err != nil {
		s.log.Error("managers", "err", err)
		return
	}
	if !isManager {
		s.reply(ctx, cmd, "`/leadbot team` is for sales managers: it shows the team's feedback and where the team and the model disagree. Try `/leadbot stats` for your own.")
		return
	}
	r, err := report.Build(ctx, s.st, rep.ID, s.now())
	if err != nil {
		s.log.Error("team report", "manager", rep.Email, "err", err)
		s.reply(ctx, cmd, ":warning: Sorry, leadbot could not build the report (logged for the admin).")
		return
	}
	blocks := TeamBlocks(rep.Name, r)
	// Files cannot be ephemeral: the chart goes to the manager's DM, and the answer says so.
	if s.chartToDM(ctx, rep, cmd.UserID) {
		blocks = append(blocks, slack.NewContextBlock("chart", mrkdwn(":chart_with_upwards_trend: The charts of the team's last weeks (the team and the model, hot leads against the rest) are in your DM with leadbot.")))
	}
	s.reply(ctx, cmd, "Your team's week with leadbot", blocks...)
}

// ManagerDigestOptions select what a manager digest run does.
type ManagerDigestOptions struct {
	Force bool   // send now, whatever the schedule
	Spec  string // cron spec read in each manager's timezone (default: Mondays 08:00)
}

// RunManagerDigests sends each manager their team report when their schedule (read in their own
// timezone) has come round since their last one. One per manager per local day at most.
func (s *Service) RunManagerDigests(ctx context.Context, opt ManagerDigestOptions) (digest.Stats, error) {
	var stats digest.Stats
	if s.st == nil {
		return stats, nil
	}
	spec := opt.Spec
	if spec == "" {
		spec = "0 8 * * 1"
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return stats, fmt.Errorf("schedules.manager_digest %q: %w", spec, err)
	}
	managers, err := s.st.Managers(ctx)
	if err != nil {
		return stats, err
	}
	var errs []error
	for _, m := range managers {
		if err := s.managerDigest(ctx, m, sched, opt.Force, &stats); err != nil {
			stats.Failed++
			errs = append(errs, fmt.Errorf("%s: %w", m.Email, err))
		}
	}
	return stats, errors.Join(errs...)
}

// managerDue reports whether the schedule fired since the manager's last digest, or, for a
// manager who never had one, since they joined leadbot; never further back than a week. So the
// first digest comes at the schedule's next time, not at whichever quarter-hour the server
// happened to start in.
func (s *Service) managerDue(ctx context.Context, m leadbot.Rep, sched cron.Schedule, now time.Time) (bool, error) {
	from := now.AddDate(0, 0, -7)
	last, err := s.st.LastSentDigest(ctx, m.ID, "manager")
	switch {
	case err == nil && last.SentAt != nil:
		from = later(from, *last.SentAt)
	case err == nil || errors.Is(err, store.ErrNotFound):
		joined, err := s.st.RepSince(ctx, m.ID)
		if err != nil {
			return false, err
		}
		from = later(from, joined)
	default:
		return false, err
	}
	return !sched.Next(from.In(now.Location())).After(now), nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (s *Service) managerDigest(ctx context.Context, m leadbot.Rep, sched cron.Schedule, force bool, stats *digest.Stats) error {
	slackID, err := s.slackUser(ctx, &m)
	if err != nil {
		return err
	}
	if slackID == "" {
		stats.Unmatched++
		return nil
	}
	loc := s.location(m)
	now := s.now().In(loc)
	day := localDay(now, loc)
	if !force {
		due, err := s.managerDue(ctx, m, sched, now)
		if err != nil {
			return err
		}
		if !due {
			stats.NotDue++
			return nil
		}
	}
	d, created, err := s.st.ReserveDigest(ctx, m.ID, day, "manager", nil)
	if err != nil {
		return err
	}
	// A forced run (the demo button, digest -now -managers) always sends a fresh report: the
	// manager asked for it now. The schedule's run sends one a day at most.
	if !created && d.Status == "sent" && !force {
		stats.AlreadySent++
		return nil
	}
	stats.Due++
	r, err := report.Build(ctx, s.st, m.ID, s.now())
	if err != nil {
		return err
	}
	blocks := TeamBlocks(m.Name, r)
	if extra := s.monthlyValue(ctx, m, now); len(extra)+len(blocks) <= 50 {
		blocks = append(blocks, extra...)
	}
	opts := []slack.MsgOption{slack.MsgOptionText("Your team's week with leadbot", false), slack.MsgOptionBlocks(blocks...)}
	ch, err := s.postManagerDigest(ctx, d, slackID, opts)
	if err != nil {
		return err
	}
	stats.Sent++
	// The chart follows the report in the DM: after it, not in its thread, where it would hide
	// behind "1 reply". Best effort: a chart that fails is logged, the digest stands.
	s.uploadTeamChart(ctx, m, ch)
	return nil
}

// postManagerDigest sends a manager's report. The scheduled one goes exactly once, as the rep
// digests do (the lease's fence, metadata, a lookup before any resend, the record retried); a
// fresh copy asked for on demand (the demo button, digest -now -managers) of a digest already
// sent is a plain post, recorded as the digest's message. It returns the DM's channel.
func (s *Service) postManagerDigest(ctx context.Context, d store.Digest, slackID string, opts []slack.MsgOption) (string, error) {
	if d.Status != "sent" {
		if _, err := s.postDigest(ctx, d, slackID, 1, opts...); err != nil {
			return "", err
		}
		sent, err := s.st.DigestByID(ctx, d.ID)
		return sent.Channel, err
	}
	ch, ts, err := s.sl.Post(ctx, slackID, opts...)
	if err != nil {
		return "", err // the copy already sent stands
	}
	return ch, s.st.MarkDigestSent(context.WithoutCancel(ctx), d.ID, ch, ts)
}
