package handlers

import (
	"context"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/chart"
	"github.com/leadbot/leadbot/report"
	"github.com/leadbot/leadbot/store"
)

// The manager chart (drawn by package chart) is uploaded with the manager digest and on
// /leadbot team. This file fetches the team's weeks, hands them to chart and uploads the PNG.

// ChartWeeks is how many complete weeks the chart shows: a quarter, the horizon sales plans in.
const ChartWeeks = 12

// chartWeeks converts the store's weeks into the chart's.
func chartWeeks(rows []store.TeamWeek) []chart.Week {
	weeks := make([]chart.Week, len(rows))
	for i, r := range rows {
		weeks[i] = chart.Week{Start: r.Start, Judged: r.Judged, Scored: r.Scored, Agreed: r.Agreed, Hot: r.Hot, HotWon: r.HotWon}
	}
	return weeks
}

// teamChart renders the manager's chart for the weeks before now; ok is false when there is
// nothing to show.
func (s *Service) teamChart(ctx context.Context, m leadbot.Rep) (data []byte, ok bool, err error) {
	rows, err := s.st.TeamWeekly(ctx, m.ID, s.now(), ChartWeeks, s.location(m), report.ConflictHigh)
	if err != nil {
		return nil, false, err
	}
	weeks := chartWeeks(rows)
	if !chart.HasData(weeks) {
		return nil, false, nil
	}
	data, err = chart.TeamPNG(weeks, report.ConflictHigh)
	return data, err == nil, err
}

// bandsChart renders the score-bands chart (conversion by band, week by week) for the weeks
// before now; ok is false when no lead of the team had an outcome in them.
func (s *Service) bandsChart(ctx context.Context, m leadbot.Rep) (data []byte, ok bool, err error) {
	rows, starts, err := s.st.TeamOutcomesWeekly(ctx, m.ID, s.now(), ChartWeeks, s.location(m))
	if err != nil {
		return nil, false, err
	}
	weeks := bandWeeks(rows, starts)
	if !chart.BandsHaveData(weeks) {
		return nil, false, nil
	}
	data, err = chart.BandsPNG(weeks, report.BandLabels())
	return data, err == nil, err
}

// bandWeeks counts the outcomes of each week by band (report.Band) and conversion.
func bandWeeks(rows []store.WeekOutcome, starts []time.Time) []chart.BandWeek {
	weeks := make([]chart.BandWeek, len(starts))
	for i, st := range starts {
		weeks[i].Start = st
	}
	for _, r := range rows {
		if r.Week < 0 || r.Week >= len(weeks) {
			continue
		}
		b := report.Band(r.Probability)
		weeks[r.Week].N[b]++
		if r.Positive {
			weeks[r.Week].Won[b]++
		}
	}
	return weeks
}

// uploadTeamChart uploads the manager's chart into channel (their DM) and reports whether a
// chart went up. Every failure is logged here and never fails the caller.
func (s *Service) uploadTeamChart(ctx context.Context, m leadbot.Rep, channel string) bool {
	return s.putTeamChart(ctx, m, func(context.Context) (string, error) { return channel, nil })
}

// chartToDM uploads the manager's chart into their DM for /leadbot team, whose answer is
// ephemeral (files cannot be). The answer waits for it, to say truthfully where the chart is,
// but not for long.
func (s *Service) chartToDM(ctx context.Context, m leadbot.Rep, userID string) bool {
	ctx, cancel := context.WithTimeout(ctx, chartWait)
	defer cancel()
	return s.putTeamChart(ctx, m, func(ctx context.Context) (string, error) { return s.sl.DM(ctx, userID) })
}

// chartWait bounds how long /leadbot team's answer waits for the chart's upload.
const chartWait = 20 * time.Second

// putTeamChart renders the charts (the team's, then the score bands') and uploads those that
// have something to show into the conversation channel returns (asked only then, so a new team
// costs no conversations.open). It reports whether any went up.
func (s *Service) putTeamChart(ctx context.Context, m leadbot.Rep, channel func(context.Context) (string, error)) bool {
	day := s.now().In(s.location(m)).Format("2006-01-02")
	type png struct {
		name, title string
		data        []byte
	}
	var pngs []png
	for _, c := range []struct {
		name, title string
		draw        func(context.Context, leadbot.Rep) ([]byte, bool, error)
	}{{"leadbot-team-" + day + ".png", chart.Title, s.teamChart}, {"leadbot-bands-" + day + ".png", chart.BandsTitle, s.bandsChart}} {
		data, ok, err := c.draw(ctx, m)
		if err != nil {
			s.log.Error("team chart", "chart", c.name, "manager", m.Email, "err", err)
		}
		if ok {
			pngs = append(pngs, png{c.name, c.title, data})
		}
	}
	if len(pngs) == 0 {
		return false
	}
	ch, err := channel(ctx)
	if err != nil {
		s.log.Error("team chart: conversation", "manager", m.Email, "err", err)
		return false
	}
	sent := false
	for _, p := range pngs {
		if err := s.sl.UploadFile(ctx, ch, p.name, p.title, p.data, ""); err != nil {
			s.log.Error("upload team chart", "chart", p.name, "manager", m.Email, "channel", ch, "err", err)
			continue
		}
		sent = true
	}
	return sent
}
