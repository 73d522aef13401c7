package store

import (
	"context"
	"time"
)

// RepKPI is one rep's shared figures over a period: the leads leadbot sent them, split by
// whether they were hot when sent, with what those leads became.
type RepKPI struct {
	RepID       int64   `db:"rep_id"`
	RepName     string  `db:"rep_name"`
	ManagerID   *int64  `db:"manager_id"`
	HotLeads    int     `db:"hot_leads"`
	HotWon      int     `db:"hot_won"`
	HotRevenue  float64 `db:"hot_revenue"`  // won amount
	HotPipeline float64 `db:"hot_pipeline"` // amount of every outcome with one, won or lost
	RestLeads   int     `db:"rest_leads"`
	RestWon     int     `db:"rest_won"`
	RestRevenue float64 `db:"rest_revenue"`
	RestPipe    float64 `db:"rest_pipeline"`
	TopSent     int     `db:"top_sent"`   // leads in the first `top` places of a digest
	TopWorked   int     `db:"top_worked"` // of them, judged or with an outcome within 14 days
}

// RepKPIs returns, per rep, the leads delivered in [since, until): hot when the probability at
// delivery was at least hot, and the first top places of each digest with whether the rep worked
// them (any verdict, undone or not, or a CRM outcome, within 14 days of the delivery).
func (s *Store) RepKPIs(ctx context.Context, since, until time.Time, hot float64, top int) ([]RepKPI, error) {
	var out []RepKPI
	err := s.db.SelectContext(ctx, &out, `
		WITH d AS (
		    SELECT DISTINCT ON (dv.rep_id, dv.lead_id) dv.rep_id, dv.lead_id, dv.position, dv.created_at,
		           coalesce(dv.probability, 0) >= $3 AS hot
		    FROM deliveries dv
		    WHERE dv.created_at >= $1 AND dv.created_at < $2
		    ORDER BY dv.rep_id, dv.lead_id, dv.created_at
		), x AS (
		    SELECT d.*, o.outcome IN ('won', 'converted') AS won,
		           CASE WHEN o.outcome IN ('won', 'converted') THEN coalesce(o.amount, 0) ELSE 0 END AS revenue,
		           coalesce(o.amount, 0) AS pipeline,
		           (EXISTS (SELECT 1 FROM feedback f WHERE f.rep_id = d.rep_id AND f.lead_id = d.lead_id
		                    AND f.created_at < d.created_at + interval '14 days')
		            OR o.occurred_at < d.created_at + interval '14 days') AS worked
		    FROM d LEFT JOIN outcomes o ON o.lead_id = d.lead_id
		)
		SELECT r.id AS rep_id, r.name AS rep_name, r.manager_id,
		       count(*) FILTER (WHERE hot) AS hot_leads,
		       count(*) FILTER (WHERE hot AND won) AS hot_won,
		       coalesce(sum(revenue) FILTER (WHERE hot), 0)::float8 AS hot_revenue,
		       coalesce(sum(pipeline) FILTER (WHERE hot), 0)::float8 AS hot_pipeline,
		       count(*) FILTER (WHERE NOT hot) AS rest_leads,
		       count(*) FILTER (WHERE NOT hot AND won) AS rest_won,
		       coalesce(sum(revenue) FILTER (WHERE NOT hot), 0)::float8 AS rest_revenue,
		       coalesce(sum(pipeline) FILTER (WHERE NOT hot), 0)::float8 AS rest_pipeline,
		       count(*) FILTER (WHERE position < $4) AS top_sent,
		       count(*) FILTER (WHERE position < $4 AND coalesce(worked, false)) AS top_worked
		FROM x JOIN reps r ON r.id = x.rep_id
		GROUP BY r.id, r.name, r.manager_id
		ORDER BY r.name, r.id`, since, until, hot, top)
	return out, translate("RepKPIs", err)
}

// ReasonOutcome is, for one reason code given with a 👎, how many of those leads have an
// outcome and how many of them were lost, with the mean score the model gave them when judged.
type ReasonOutcome struct {
	Reason    string  `db:"reason_code"`
	Label     string  `db:"label"`
	RepID     *int64  `db:"rep_id"` // nil: every rep together
	RepName   string  `db:"rep_name"`
	Resolved  int     `db:"resolved"`
	Lost      int     `db:"lost"`
	MeanScore float64 `db:"mean_score"` // the model's mean probability at the verdict
}

// ReasonOutcomes returns, for 👎 verdicts (active, not data-quality, on a lead the model had
// scored) given since, per reason code and per rep and reason, the leads that have an outcome and
// how many were lost.
func (s *Store) ReasonOutcomes(ctx context.Context, since time.Time) ([]ReasonOutcome, error) {
	var out []ReasonOutcome
	err := s.db.SelectContext(ctx, &out, `
		SELECT f.reason_code, rc.label, CASE WHEN GROUPING(r.id) = 0 THEN r.id END AS rep_id,
		       CASE WHEN GROUPING(r.id) = 0 THEN min(r.name) ELSE '' END AS rep_name,
		       count(*) AS resolved,
		       count(*) FILTER (WHERE o.outcome NOT IN ('won', 'converted')) AS lost,
		       avg(f.probability) AS mean_score
		FROM feedback f
		JOIN reason_codes rc ON rc.code = f.reason_code
		JOIN reps r ON r.id = f.rep_id
		JOIN outcomes o ON o.lead_id = f.lead_id
		WHERE f.verdict = -1 AND f.undone_at IS NULL AND NOT rc.data_quality AND f.created_at >= $1
		  AND f.probability IS NOT NULL -- what the model said when the rep disagreed
		  AND f.created_at <= o.occurred_at
		GROUP BY GROUPING SETS ((f.reason_code, rc.label), (f.reason_code, rc.label, r.id))
		ORDER BY f.reason_code, rep_id NULLS FIRST`, since)
	return out, translate("ReasonOutcomes", err)
}
