package store

import (
	"context"
	"encoding/json"

	"github.com/jmoiron/sqlx"
	"github.com/leadbot/leadbot"
	"github.com/lib/pq"
)

// NewScore is a score to record.
type NewScore struct {
	LeadID       int64
	ModelVersion *int
	Probability  float64
	Factors      leadbot.Factors
}

// RecordScores appends the scores to the history and makes them the leads' current scores, in
// one transaction (a reader never sees half a rescoring). The rows go through COPY into a
// temporary table and two set-based statements, so rescoring 200,000 leads is seconds, not the
// minutes 400,000 single statements would take.
func (s *Store) RecordScores(ctx context.Context, scores []NewScore) error {
	if len(scores) == 0 {
		return nil
	}
	return s.Tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE new_scores (
			lead_id bigint, model_version int, probability double precision, factors jsonb) ON COMMIT DROP`); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, pq.CopyIn("new_scores", "lead_id", "model_version", "probability", "factors"))
		if err != nil {
			return err
		}
		for _, sc := range scores {
			b, err := json.Marshal(sc.Factors)
			if err != nil {
				stmt.Close()
				return err
			}
			if _, err := stmt.ExecContext(ctx, sc.LeadID, sc.ModelVersion, sc.Probability, string(b)); err != nil {
				stmt.Close()
				return translate("RecordScores", err)
			}
		}
		if _, err := stmt.ExecContext(ctx); err != nil {
			stmt.Close()
			return translate("RecordScores", err)
		}
		if err := stmt.Close(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO scores (lead_id, model_version, probability, factors)
			SELECT n.lead_id, n.model_version, n.probability, n.factors FROM new_scores n
			JOIN leads l ON l.id = n.lead_id`); err != nil {
			return translate("RecordScores", err)
		}
		_, err = tx.ExecContext(ctx, `
			UPDATE leads l SET score = n.probability, score_model = n.model_version, scored_at = now()
			FROM new_scores n WHERE l.id = n.lead_id`)
		return translate("RecordScores", err)
	})
}

// LatestScores returns up to n most recent scores of a lead, newest first.
func (s *Store) LatestScores(ctx context.Context, leadID int64, n int) ([]leadbot.Score, error) {
	var ss []leadbot.Score
	err := s.db.SelectContext(ctx, &ss, `
		SELECT id, lead_id, model_version, probability, factors, scored_at FROM scores
		WHERE lead_id = $1 ORDER BY scored_at DESC, id DESC LIMIT $2`, leadID, n)
	return ss, translate("LatestScores", err)
}

// OutcomeOf returns a lead's outcome, or ErrNotFound.
func (s *Store) OutcomeOf(ctx context.Context, leadID int64) (leadbot.Outcome, error) {
	var o leadbot.Outcome
	err := s.db.GetContext(ctx, &o, `SELECT lead_id, outcome, occurred_at, amount::float8 AS amount FROM outcomes WHERE lead_id = $1`, leadID)
	return o, translate("OutcomeOf", err)
}

// RecordOutcome creates or replaces a lead's outcome.
func (s *Store) RecordOutcome(ctx context.Context, o leadbot.Outcome, source string) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO outcomes (lead_id, outcome, occurred_at, amount, source) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (lead_id) DO UPDATE SET outcome = EXCLUDED.outcome, occurred_at = EXCLUDED.occurred_at,
		    amount = EXCLUDED.amount, source = EXCLUDED.source, recorded_at = now()
		WHERE (outcomes.outcome, outcomes.occurred_at, outcomes.amount) IS DISTINCT FROM
		      (EXCLUDED.outcome, EXCLUDED.occurred_at, EXCLUDED.amount)`,
		o.LeadID, o.Outcome, o.OccurredAt, o.Amount, source)
	return translate("RecordOutcome", err)
}
