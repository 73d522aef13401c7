package store

import (
	"context"
	"math"
	"time"

	"github.com/lib/pq"
)

// TeamWeek is one week of a manager's chart: how much the team answered, how often the rep and
// the model agreed, and how the model's hot leads turned out.
type TeamWeek struct {
	Start time.Time // the week's first instant (Monday 00:00 in the manager's zone)
	// Judged counts the team's active 👍/👎 given that week, as Tally.Judged counts them (a
	// data-quality report is a 👎 and counts).
	Judged int `db:"judged"`
	// Scored is the part of Judged given on a scored lead and not reported as bad data, Agreed
	// the part of that where the rep and the model agreed: 👍 on a lead scored ≥ 50 %, 👎 on one
	// scored below (as Tally.Agreed).
	Scored int `db:"scored"`
	Agreed int `db:"agreed"`
	// Hot counts outcomes that occurred that week on the team's leads whose latest score before
	// the outcome was ≥ the hot threshold; HotWon those that were won or converted.
	Hot    int `db:"hot"`
	HotWon int `db:"hot_won"`
}

// Agreement is Agreed/Scored, NaN when nothing scored was judged.
func (w TeamWeek) Agreement() float64 {
	if w.Scored == 0 {
		return math.NaN()
	}
	return float64(w.Agreed) / float64(w.Scored)
}

// Precision is the share of hot leads that converted, NaN when no hot lead had an outcome.
func (w TeamWeek) Precision() float64 {
	if w.Hot == 0 {
		return math.NaN()
	}
	return float64(w.HotWon) / float64(w.Hot)
}

// WeekStart returns the Monday 00:00 in loc of the ISO week that contains t.
func WeekStart(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	back := (int(l.Weekday()) + 6) % 7 // days since Monday
	return time.Date(l.Year(), l.Month(), l.Day()-back, 0, 0, 0, 0, loc)
}

// TeamWeekly returns the manager's team (the reps who report to them, and the manager) week by
// week for the n complete ISO weeks before the week that contains until, oldest first, weeks
// read in loc. Every week is present, empty ones with zeros. hot is the top band's threshold.
//
// The week boundaries are computed here, in Go, and handed to PostgreSQL as instants, so the
// buckets are exact in any zone (DST weeks included) without the database knowing the zone.
func (s *Store) TeamWeekly(ctx context.Context, managerID int64, until time.Time, n int, loc *time.Location, hot float64) ([]TeamWeek, error) {
	if n <= 0 {
		return nil, nil
	}
	bounds, starts := weekBounds(until, n, loc)
	weeks := make([]TeamWeek, n)
	for i := range weeks {
		weeks[i].Start = starts[i]
	}
	var rows []struct {
		Week int `db:"week"`
		TeamWeek
	}
	// width_bucket over the sorted boundaries numbers the weeks 1..n; the range filters keep
	// everything else out.
	err := s.db.SelectContext(ctx, &rows, `
		WITH b AS (SELECT $2::timestamptz[] AS t),
		team AS (SELECT id FROM reps WHERE manager_id = $1 OR id = $1),
		fb AS (
			SELECT width_bucket(f.created_at, b.t) AS week, count(*) AS judged,
			       count(*) FILTER (WHERE f.probability IS NOT NULL AND NOT COALESCE(c.data_quality, false)) AS scored,
			       count(*) FILTER (WHERE f.probability IS NOT NULL AND NOT COALESCE(c.data_quality, false)
			                          AND (f.verdict = 1) = (f.probability >= 0.5)) AS agreed
			FROM b, feedback f
			JOIN team ON team.id = f.rep_id
			LEFT JOIN reason_codes c ON c.code = f.reason_code
			WHERE f.undone_at IS NULL AND f.created_at >= b.t[1] AND f.created_at < b.t[$3 + 1]
			GROUP BY 1),
		oc AS (
			SELECT width_bucket(o.occurred_at, b.t) AS week, count(*) AS hot,
			       count(*) FILTER (WHERE o.outcome IN ('won', 'converted')) AS hot_won
			FROM b, outcomes o
			JOIN leads l ON l.id = o.lead_id
			JOIN team ON team.id = l.owner_id
			JOIN LATERAL (SELECT probability FROM scores s WHERE s.lead_id = o.lead_id AND s.scored_at <= o.occurred_at
			              ORDER BY s.scored_at DESC LIMIT 1) sc ON true
			WHERE sc.probability >= $4 AND o.occurred_at >= b.t[1] AND o.occurred_at < b.t[$3 + 1]
			GROUP BY 1)
		SELECT week, COALESCE(fb.judged, 0) AS judged, COALESCE(fb.scored, 0) AS scored, COALESCE(fb.agreed, 0) AS agreed,
		       COALESCE(oc.hot, 0) AS hot, COALESCE(oc.hot_won, 0) AS hot_won
		FROM fb FULL JOIN oc USING (week)
		ORDER BY week`, managerID, pq.Array(bounds), n, hot)
	if err != nil {
		return nil, translate("TeamWeekly", err)
	}
	for _, r := range rows {
		if r.Week >= 1 && r.Week <= n {
			start := weeks[r.Week-1].Start
			weeks[r.Week-1] = r.TeamWeek
			weeks[r.Week-1].Start = start
		}
	}
	return weeks, nil
}

// weekBounds returns the n+1 boundaries (as RFC 3339 text for a timestamptz[]) of the n
// complete ISO weeks before the week that contains until, read in loc, and the weeks' starts.
func weekBounds(until time.Time, n int, loc *time.Location) (bounds []string, starts []time.Time) {
	end := WeekStart(until, loc)
	bounds, starts = make([]string, n+1), make([]time.Time, n)
	for i := range bounds {
		b := time.Date(end.Year(), end.Month(), end.Day()-7*(n-i), 0, 0, 0, 0, loc)
		bounds[i] = b.Format(time.RFC3339Nano)
		if i < n {
			starts[i] = b
		}
	}
	return bounds, starts
}

// WeekOutcome is an outcome of the score-bands chart: its week (0 is the oldest), the lead's
// last score before it, and whether it converted.
type WeekOutcome struct {
	Week        int     `db:"week"`
	Probability float64 `db:"probability"`
	Positive    bool    `db:"positive"`
}

// TeamOutcomesWeekly returns the outcomes on the team's leads in the n complete ISO weeks
// before the week that contains until (weeks read in loc), each with the lead's last score
// before the outcome, and the weeks' starts. Leads never scored before their outcome are left
// out: there was no call to judge.
func (s *Store) TeamOutcomesWeekly(ctx context.Context, managerID int64, until time.Time, n int, loc *time.Location) ([]WeekOutcome, []time.Time, error) {
	if n <= 0 {
		return nil, nil, nil
	}
	bounds, starts := weekBounds(until, n, loc)
	var out []WeekOutcome
	err := s.db.SelectContext(ctx, &out, `
		WITH b AS (SELECT $2::timestamptz[] AS t)
		SELECT width_bucket(o.occurred_at, b.t) - 1 AS week, sc.probability, o.outcome IN ('won', 'converted') AS positive
		FROM b, outcomes o
		JOIN leads l ON l.id = o.lead_id
		JOIN reps r ON r.id = l.owner_id AND (r.manager_id = $1 OR r.id = $1)
		JOIN LATERAL (SELECT probability FROM scores s WHERE s.lead_id = o.lead_id AND s.scored_at <= o.occurred_at
		              ORDER BY s.scored_at DESC LIMIT 1) sc ON true
		WHERE o.occurred_at >= b.t[1] AND o.occurred_at < b.t[$3 + 1]
		ORDER BY 1`, managerID, pq.Array(bounds), n)
	return out, starts, translate("TeamOutcomesWeekly", err)
}

// PastScore is a score as it was given at a time in the past (the demo's history of what
// leadbot said about leads before their outcomes).
type PastScore struct {
	LeadID      int64
	Probability float64
	ScoredAt    time.Time
}

// RecordPastScores appends scores to the leads' score history at their own times, in one
// statement. The leads' current scores are left as they are: the history is what model health
// and the charts read, each outcome against the lead's last score before it.
func (s *Store) RecordPastScores(ctx context.Context, scores []PastScore) error {
	if len(scores) == 0 {
		return nil
	}
	ids, ps, ats := make([]int64, len(scores)), make([]float64, len(scores)), make([]string, len(scores))
	for i, sc := range scores {
		ids[i], ps[i], ats[i] = sc.LeadID, sc.Probability, sc.ScoredAt.Format(time.RFC3339Nano)
	}
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO scores (lead_id, probability, scored_at)
		SELECT lead_id, probability, scored_at
		FROM unnest($1::bigint[], $2::double precision[], $3::timestamptz[]) AS t(lead_id, probability, scored_at)`,
		pq.Array(ids), pq.Array(ps), pq.Array(ats))
	return translate("RecordPastScores", err)
}
