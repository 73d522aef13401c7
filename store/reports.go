package store

import (
	"context"
	"time"

	"github.com/leadbot/leadbot"
)

// RepActivity is one rep's part of a team report: their tally and when they were last active.
type RepActivity struct {
	RepID       int64   `db:"rep_id"`
	Name        string  `db:"name"`
	Email       string  `db:"email"`
	SlackUserID *string `db:"slack_user_id"`
	Tally
	LastDelivery  *time.Time `db:"last_delivery"`
	FirstDelivery *time.Time `db:"first_delivery"`
	LastFeedback  *time.Time `db:"last_feedback"`
}

// TeamActivity returns the tally of each rep of the manager's team in [since, until), the
// manager last: the statement StatsFor runs for one rep.
func (s *Store) TeamActivity(ctx context.Context, managerID int64, since, until time.Time) ([]RepActivity, error) {
	var out []RepActivity
	err := s.db.SelectContext(ctx, &out, tallyQuery, managerID, since, until, true)
	return out, translate("TeamActivity", err)
}

// ReasonCount is how often a reason code was given.
type ReasonCount struct {
	Code        string `db:"code"`
	Label       string `db:"label"`
	DataQuality bool   `db:"data_quality"`
	Source      string `db:"source"`
	Count       int    `db:"count"`
}

// TeamReasons counts the reason codes the team gave in [since, until), most frequent first;
// bySource splits each count by the leads' source (for data-quality reports).
func (s *Store) TeamReasons(ctx context.Context, managerID int64, since, until time.Time, bySource bool) ([]ReasonCount, error) {
	var out []ReasonCount
	err := s.db.SelectContext(ctx, &out, `
		SELECT c.code, c.label, c.data_quality, CASE WHEN $4 THEN l.source ELSE '' END AS source, count(*) AS count
		FROM feedback f
		JOIN reason_codes c ON c.code = f.reason_code
		JOIN reps r ON r.id = f.rep_id
		JOIN leads l ON l.id = f.lead_id
		WHERE (r.manager_id = $1 OR r.id = $1) AND f.undone_at IS NULL AND f.created_at >= $2 AND f.created_at < $3
		GROUP BY 1, 2, 3, 4
		ORDER BY count(*) DESC, c.code, 4`, managerID, since, until, bySource)
	return out, translate("TeamReasons", err)
}

// Conflict is a verdict that disagrees with the score the rep saw: 👎 on a high score or 👍 on a
// low one, with the outcome when it has arrived.
type Conflict struct {
	FeedbackID  int64      `db:"feedback_id"`
	LeadID      int64      `db:"lead_id"`
	LeadName    string     `db:"lead_name"`
	Company     string     `db:"company"`
	RepName     string     `db:"rep_name"`
	Verdict     int        `db:"verdict"`
	Reason      *string    `db:"reason"`
	Probability float64    `db:"probability"`
	Outcome     *string    `db:"outcome"`
	OccurredAt  *time.Time `db:"occurred_at"`
	CreatedAt   time.Time  `db:"created_at"`
}

// Positive reports whether the conflict's outcome was a success; ok is false while there is none.
func (c Conflict) Positive() (positive, ok bool) {
	if c.Outcome == nil {
		return false, false
	}
	return *c.Outcome == "won" || *c.Outcome == "converted", true
}

// TeamConflicts returns the team's conflicts (every one, for the running tally), newest first:
// 👎 at probability ≥ high, or 👍 at probability < low. Data-quality reports are not judgements
// and are left out.
func (s *Store) TeamConflicts(ctx context.Context, managerID int64, high, low float64) ([]Conflict, error) {
	var out []Conflict
	err := s.db.SelectContext(ctx, &out, `
		SELECT f.id AS feedback_id, l.id AS lead_id, l.name AS lead_name, l.company, r.name AS rep_name,
		       f.verdict, c.label AS reason, f.probability, o.outcome, o.occurred_at, f.created_at
		FROM feedback f
		JOIN reps r ON r.id = f.rep_id
		JOIN leads l ON l.id = f.lead_id
		LEFT JOIN reason_codes c ON c.code = f.reason_code
		LEFT JOIN outcomes o ON o.lead_id = f.lead_id
		WHERE (r.manager_id = $1 OR r.id = $1) AND f.undone_at IS NULL AND f.probability IS NOT NULL
		  AND NOT COALESCE(c.data_quality, false)
		  AND ((f.verdict = -1 AND f.probability >= $2) OR (f.verdict = 1 AND f.probability < $3))
		ORDER BY f.created_at DESC, f.id DESC`, managerID, high, low)
	return out, translate("TeamConflicts", err)
}

// ScoredOutcome pairs a lead's score with its outcome (for model health on recent outcomes).
type ScoredOutcome struct {
	Probability float64 `db:"probability"`
	Positive    bool    `db:"positive"`
}

// RecentScoredOutcomes returns, for outcomes since a time, the lead's latest score recorded before
// the outcome (what the model said before it knew).
func (s *Store) RecentScoredOutcomes(ctx context.Context, since time.Time) ([]ScoredOutcome, error) {
	var out []ScoredOutcome
	err := s.db.SelectContext(ctx, &out, `
		SELECT sc.probability, o.outcome IN ('won', 'converted') AS positive
		FROM outcomes o
		JOIN LATERAL (SELECT probability FROM scores s WHERE s.lead_id = o.lead_id AND s.scored_at <= o.occurred_at
		              ORDER BY s.scored_at DESC LIMIT 1) sc ON true
		WHERE o.occurred_at >= $1`, since)
	return out, translate("RecentScoredOutcomes", err)
}

// ScoreSample returns the probabilities of the scores recorded in [since, until).
func (s *Store) ScoreSample(ctx context.Context, since, until time.Time) ([]float64, error) {
	var out []float64
	err := s.db.SelectContext(ctx, &out, `SELECT probability FROM scores WHERE scored_at >= $1 AND scored_at < $2`, since, until)
	return out, translate("ScoreSample", err)
}

// UnmatchedOwners counts open leads whose owner has no Slack account matched.
func (s *Store) UnmatchedOwners(ctx context.Context, managerID int64) (reps, leads int, err error) {
	err = s.db.QueryRowxContext(ctx, `
		SELECT count(DISTINCT r.id), count(l.id)
		FROM reps r JOIN leads l ON l.owner_id = r.id AND l.status = 'open'
		WHERE (r.manager_id = $1 OR r.id = $1) AND r.slack_user_id IS NULL`, managerID).Scan(&reps, &leads)
	return reps, leads, translate("UnmatchedOwners", err)
}

// Managers returns the reps who manage someone or are flagged as managers.
func (s *Store) Managers(ctx context.Context) ([]leadbot.Rep, error) {
	var rs []leadbot.Rep
	err := s.db.SelectContext(ctx, &rs, `SELECT id, email, name, slack_user_id, manager_id, is_manager, team, timezone, delivery_hour,
	leads_per_day, paused_until, slack_lookup_at, slack_lookup_error FROM reps r
		WHERE is_manager OR EXISTS (SELECT 1 FROM reps m WHERE m.manager_id = r.id) ORDER BY email`)
	return rs, translate("Managers", err)
}

// RepSince returns when the rep was first stored (joined leadbot).
func (s *Store) RepSince(ctx context.Context, repID int64) (time.Time, error) {
	var t time.Time
	err := s.db.GetContext(ctx, &t, `SELECT created_at FROM reps WHERE id = $1`, repID)
	return t, translate("RepSince", err)
}
