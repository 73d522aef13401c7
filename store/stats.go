package store

import (
	"context"
	"time"
)

// Tally is the one set of feedback figures every surface shows (the rep's /leadbot stats and
// Home, the manager digest, /leadbot team and the manager's Home), for one rep over a window
// [since, until). It is computed by one statement (tallyQuery), so no two surfaces can disagree.
type Tally struct {
	Delivered int `db:"delivered"` // leads delivered in digests
	// Judged counts the active verdicts given in the window: a verdict later undone is not one.
	// Judged = Up + Down always; a data-quality report is a 👎 and counts.
	Judged  int `db:"judged"`
	Up      int `db:"up"`
	Down    int `db:"down"`
	Undone  int `db:"undone"`  // verdicts given in the window and since withdrawn (apart from Judged)
	Snoozed int `db:"snoozed"` // leads the rep snoozed in the window (not verdicts)
	// Agreed counts the judged leads, scored and not reported as bad data, where the rep and the
	// model agreed: 👍 on a lead scored ≥ 50 %, 👎 on one scored below; Scored is how many could.
	Scored  int `db:"scored"`
	Agreed  int `db:"agreed"`
	Reasons int `db:"reasons"` // judged with a reason code (a model feature after the next retrain)
}

// RepStats is a rep's tally.
type RepStats = Tally

// StatsFor returns a rep's tally for [since, until).
func (s *Store) StatsFor(ctx context.Context, repID int64, since, until time.Time) (RepStats, error) {
	var rows []RepActivity
	err := s.db.SelectContext(ctx, &rows, tallyQuery, repID, since, until, false)
	if err != nil || len(rows) == 0 {
		return RepStats{}, translate("StatsFor", err)
	}
	return rows[0].Tally, nil
}

// tallyQuery computes the tally of rep $1 (with $4, of every rep reporting to $1 too) in
// [$2, $3), and when each last had a delivery and gave feedback.
const tallyQuery = `
		SELECT r.id AS rep_id, r.name, r.email, r.slack_user_id,
		       (SELECT count(*) FROM deliveries d WHERE d.rep_id = r.id AND d.created_at >= $2 AND d.created_at < $3) AS delivered,
		       COALESCE(f.judged, 0) AS judged, COALESCE(f.up, 0) AS up, COALESCE(f.down, 0) AS down,
		       COALESCE(f.undone, 0) AS undone, COALESCE(f.scored, 0) AS scored, COALESCE(f.agreed, 0) AS agreed,
		       COALESCE(f.reasons, 0) AS reasons,
		       (SELECT count(*) FROM snoozes z WHERE z.rep_id = r.id AND z.created_at >= $2 AND z.created_at < $3) AS snoozed,
		       (SELECT max(d.created_at) FROM deliveries d WHERE d.rep_id = r.id AND d.created_at < $3) AS last_delivery,
		       (SELECT min(d.created_at) FROM deliveries d WHERE d.rep_id = r.id) AS first_delivery,
		       (SELECT max(f.created_at) FROM feedback f WHERE f.rep_id = r.id AND f.created_at < $3) AS last_feedback
		FROM reps r
		LEFT JOIN LATERAL (
			SELECT count(*) FILTER (WHERE f.undone_at IS NULL) AS judged,
			       count(*) FILTER (WHERE f.undone_at IS NULL AND f.verdict = 1) AS up,
			       count(*) FILTER (WHERE f.undone_at IS NULL AND f.verdict = -1) AS down,
			       count(*) FILTER (WHERE f.undone_at IS NOT NULL) AS undone,
			       count(*) FILTER (WHERE f.undone_at IS NULL AND f.probability IS NOT NULL AND NOT COALESCE(c.data_quality, false)) AS scored,
			       count(*) FILTER (WHERE f.undone_at IS NULL AND f.probability IS NOT NULL AND NOT COALESCE(c.data_quality, false)
			                          AND (f.verdict = 1) = (f.probability >= 0.5)) AS agreed,
			       count(*) FILTER (WHERE f.undone_at IS NULL AND f.reason_code IS NOT NULL) AS reasons
			FROM feedback f LEFT JOIN reason_codes c ON c.code = f.reason_code
			WHERE f.rep_id = r.id AND f.created_at >= $2 AND f.created_at < $3) f ON true
		WHERE r.id = $1 OR ($4 AND r.manager_id = $1)
		ORDER BY r.id = $1, r.name, r.email`

// Add returns the sum of two tallies (a team's is the sum of its reps').
func (t Tally) Add(u Tally) Tally {
	return Tally{Delivered: t.Delivered + u.Delivered, Judged: t.Judged + u.Judged, Up: t.Up + u.Up, Down: t.Down + u.Down,
		Undone: t.Undone + u.Undone, Snoozed: t.Snoozed + u.Snoozed, Scored: t.Scored + u.Scored, Agreed: t.Agreed + u.Agreed,
		Reasons: t.Reasons + u.Reasons}
}
