package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Factor is one reason behind a score: a source column's contribution in log-odds, with the
// words a rep reads ("Lead Source: Reference").
type Factor struct {
	Column string  `json:"column"`
	Label  string  `json:"label"`
	Value  float64 `json:"value"`
}

// Factors is what is stored with every score: the model's base value and every factor, so that
// the contributions and the base add up to the score's log-odds.
type Factors struct {
	Base    float64  `json:"base"`
	Factors []Factor `json:"factors"`
	// Prior is true when the score came from the transparent prior, not a trained model.
	Prior bool `json:"prior,omitempty"`
}

// Score is one scoring of one lead.
type Score struct {
	ID           int64     `db:"id"`
	LeadID       int64     `db:"lead_id"`
	ModelVersion *int      `db:"model_version"`
	Probability  float64   `db:"probability"`
	FactorsJSON  []byte    `db:"factors"`
	ScoredAt     time.Time `db:"scored_at"`
}

// Factors decodes the stored factors.
func (s Score) Factors() Factors {
	var f Factors
	_ = json.Unmarshal(s.FactorsJSON, &f)
	return f
}

// NewScore is a score to record.
type NewScore struct {
	LeadID       int64
	ModelVersion *int
	Probability  float64
	Factors      Factors
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
				return translate(err)
			}
		}
		if _, err := stmt.ExecContext(ctx); err != nil {
			stmt.Close()
			return translate(err)
		}
		if err := stmt.Close(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO scores (lead_id, model_version, probability, factors)
			SELECT n.lead_id, n.model_version, n.probability, n.factors FROM new_scores n
			JOIN leads l ON l.id = n.lead_id`); err != nil {
			return translate(err)
		}
		_, err = tx.ExecContext(ctx, `
			UPDATE leads l SET score = n.probability, score_model = n.model_version, scored_at = now()
			FROM new_scores n WHERE l.id = n.lead_id`)
		return translate(err)
	})
}

// LatestScores returns up to n most recent scores of a lead, newest first.
func (s *Store) LatestScores(ctx context.Context, leadID int64, n int) ([]Score, error) {
	var ss []Score
	err := s.db.SelectContext(ctx, &ss, `
		SELECT id, lead_id, model_version, probability, factors, scored_at FROM scores
		WHERE lead_id = $1 ORDER BY scored_at DESC, id DESC LIMIT $2`, leadID, n)
	return ss, translate(err)
}

// Outcome is a CRM outcome of a lead.
type Outcome struct {
	LeadID     int64     `db:"lead_id"`
	Outcome    string    `db:"outcome"`
	OccurredAt time.Time `db:"occurred_at"`
	Amount     *float64  `db:"amount"`
}

// Positive reports whether the outcome counts as a success (won or converted).
func (o Outcome) Positive() bool { return o.Outcome == "won" || o.Outcome == "converted" }

// OutcomeOf returns a lead's outcome, or ErrNotFound.
func (s *Store) OutcomeOf(ctx context.Context, leadID int64) (Outcome, error) {
	var o Outcome
	err := s.db.GetContext(ctx, &o, `SELECT lead_id, outcome, occurred_at, amount::float8 AS amount FROM outcomes WHERE lead_id = $1`, leadID)
	return o, translate(err)
}

// RecordOutcome creates or replaces a lead's outcome.
func (s *Store) RecordOutcome(ctx context.Context, o Outcome, source string) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO outcomes (lead_id, outcome, occurred_at, amount, source) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (lead_id) DO UPDATE SET outcome = EXCLUDED.outcome, occurred_at = EXCLUDED.occurred_at,
		    amount = EXCLUDED.amount, source = EXCLUDED.source, recorded_at = now()
		WHERE (outcomes.outcome, outcomes.occurred_at, outcomes.amount) IS DISTINCT FROM
		      (EXCLUDED.outcome, EXCLUDED.occurred_at, EXCLUDED.amount)`,
		o.LeadID, o.Outcome, o.OccurredAt, o.Amount, source)
	return translate(err)
}
