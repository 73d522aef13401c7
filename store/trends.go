package store

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// ColumnWeight is how much the model leans on one lead column: the mean absolute contribution
// of the column in the latest scores.
type ColumnWeight struct {
	Column   string  `db:"col"`
	Weight   float64 `db:"weight"`
	Distinct int     `db:"distinct_values"`
}

// SegmentColumns returns the categorical lead columns a segment can be cut on (source, and CRM
// attributes with 2 to maxDistinct values among open leads, not all of them numbers), heaviest in
// the model first.
func (s *Store) SegmentColumns(ctx context.Context, maxDistinct int) ([]ColumnWeight, error) {
	var cs []ColumnWeight
	err := s.db.SelectContext(ctx, &cs, `
		WITH cats AS (
		    SELECT 'source' AS col, count(DISTINCT source) AS distinct_values
		    FROM leads WHERE status = 'open' AND source <> ''
		    UNION ALL
		    SELECT a.key, count(DISTINCT a.value)
		    FROM leads l, jsonb_each_text(l.attributes) a
		    WHERE l.status = 'open' AND a.value <> ''
		    GROUP BY a.key
		    HAVING NOT bool_and(a.value ~ '^-?[0-9]+([.][0-9]+)?$') -- a number is not a segment
		), weights AS (
		    SELECT f->>'column' AS col, avg(abs((f->>'value')::float8)) AS weight
		    FROM (SELECT factors FROM scores ORDER BY scored_at DESC, id DESC LIMIT 2000) s,
		         jsonb_array_elements(s.factors->'factors') f
		    GROUP BY 1
		)
		SELECT c.col, coalesce(w.weight, 0) AS weight, c.distinct_values
		FROM cats c LEFT JOIN weights w ON lower(w.col) = lower(c.col)
		WHERE c.distinct_values BETWEEN 2 AND $1
		ORDER BY weight DESC, c.col`, maxDistinct)
	return cs, translate("SegmentColumns", err)
}

// ReasonRate is how often one reason was given to leads of one segment, in the recent window
// and in the baseline before it, with the segment's verdicts in each (the exposure).
type ReasonRate struct {
	Segment        string `db:"segment"`
	Reason         string `db:"reason_code"`
	Label          string `db:"label"`
	Recent         int    `db:"recent"`
	Base           int    `db:"base"`
	RecentVerdicts int    `db:"recent_verdicts"`
	BaseVerdicts   int    `db:"base_verdicts"`
}

// ReasonRates counts, for one segment column, each segment's active verdicts and the reasons
// given (data-quality reports aside: those are about the data, not the market) in
// [recentFrom, until) and in [baseFrom, recentFrom).
func (s *Store) ReasonRates(ctx context.Context, column string, baseFrom, recentFrom, until time.Time) ([]ReasonRate, error) {
	var rs []ReasonRate
	err := s.db.SelectContext(ctx, &rs, `
		WITH f AS (
		    SELECT CASE WHEN $1 = 'source' THEN l.source ELSE l.attributes->>$1 END AS segment,
		           f.reason_code, f.created_at >= $3 AS recent
		    FROM feedback f JOIN leads l ON l.id = f.lead_id
		    WHERE f.undone_at IS NULL AND f.created_at >= $2 AND f.created_at < $4
		), seg AS (
		    SELECT segment, count(*) FILTER (WHERE recent) AS recent_verdicts,
		           count(*) FILTER (WHERE NOT recent) AS base_verdicts
		    FROM f WHERE coalesce(segment, '') <> '' GROUP BY segment
		)
		SELECT f.segment, f.reason_code, rc.label,
		       count(*) FILTER (WHERE f.recent) AS recent, count(*) FILTER (WHERE NOT f.recent) AS base,
		       seg.recent_verdicts, seg.base_verdicts
		FROM f JOIN seg USING (segment) JOIN reason_codes rc ON rc.code = f.reason_code
		WHERE NOT rc.data_quality
		GROUP BY f.segment, f.reason_code, rc.label, seg.recent_verdicts, seg.base_verdicts
		ORDER BY f.segment, f.reason_code`, column, baseFrom, recentFrom, until)
	return rs, translate("ReasonRates", err)
}

// SegmentScore is a segment's mean score over its open leads now and as it stood at a moment.
type SegmentScore struct {
	Segment string   `db:"segment"`
	Now     float64  `db:"now"`
	Then    *float64 `db:"then"`
}

// SegmentScores returns, for one segment column, the mean current score of each segment's open
// leads and the mean of the same leads' latest scores before at (nil: none was scored then).
func (s *Store) SegmentScores(ctx context.Context, column string, at time.Time) ([]SegmentScore, error) {
	var ss []SegmentScore
	err := s.db.SelectContext(ctx, &ss, `
		SELECT segment, avg(now_score) AS now, avg(then_score) AS then FROM (
		    SELECT CASE WHEN $1 = 'source' THEN l.source ELSE l.attributes->>$1 END AS segment,
		           l.score AS now_score,
		           (SELECT sc.probability FROM scores sc
		            WHERE sc.lead_id = l.id AND sc.scored_at < $2
		            ORDER BY sc.scored_at DESC LIMIT 1) AS then_score
		    FROM leads l WHERE l.status = 'open' AND l.score IS NOT NULL
		) x
		WHERE coalesce(segment, '') <> ''
		GROUP BY segment ORDER BY segment`, column, at)
	return ss, translate("SegmentScores", err)
}

// TrendAlert is one emerging trend posted to managers.
type TrendAlert struct {
	Column  string  `db:"segment_column"`
	Segment string  `db:"segment"`
	Reason  string  `db:"reason_code"`
	Recent  int     `db:"recent"`
	Usual   float64 `db:"usual"`
	P       float64 `db:"p_value"`
}

// RecordTrend keeps a trend found at `at` unless the same rise (column, segment, reason) was
// recorded within quiet before; posted is false when it was, so each rise reaches managers once.
func (s *Store) RecordTrend(ctx context.Context, a TrendAlert, at time.Time, quiet time.Duration) (posted bool, err error) {
	err = s.Tx(ctx, func(tx *sqlx.Tx) error {
		// Serialise replicas on the one key, so two cannot both find it new.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('trend:' || $1 || ':' || $2 || ':' || $3))`,
			a.Column, a.Segment, a.Reason); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO trend_alerts (segment_column, segment, reason_code, recent, usual, p_value, posted_at)
			SELECT $1, $2, $3, $4, $5, $6, $7
			WHERE NOT EXISTS (
			    SELECT 1 FROM trend_alerts
			    WHERE segment_column = $1 AND segment = $2 AND reason_code = $3 AND posted_at > $8)`,
			a.Column, a.Segment, a.Reason, a.Recent, a.Usual, a.P, at, at.Add(-quiet))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		posted = n == 1
		return err
	})
	return posted, translate("RecordTrend", err)
}
