package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
)

// TrainingLead is a lead as training and scoring read it: its CRM fields and, when there is one,
// its outcome.
type TrainingLead struct {
	ID         int64           `db:"id"`
	Account    string          `db:"account"`
	Email      string          `db:"email"`
	Source     string          `db:"source"`
	Status     string          `db:"status"`
	CreatedAt  *time.Time      `db:"created_at"`
	Attributes json.RawMessage `db:"attributes"`
	Outcome    *string         `db:"outcome"`
	OccurredAt *time.Time      `db:"occurred_at"`
	// KnownAt is when the outcome could first be known: when it happened (the CRM's date; leadbot
	// may record it much later, but the rep knew). Feedback given from then on may echo the
	// outcome, so it is never a feature or a label of this lead. Simulations set it to the moment
	// they score a lead at.
	KnownAt *time.Time `db:"known_at"`
	Scored  bool       `db:"scored"` // has a current score
}

// TrainingLeads returns every lead with its outcome, in id order.
func (s *Store) TrainingLeads(ctx context.Context) ([]TrainingLead, error) {
	var out []TrainingLead
	err := s.db.SelectContext(ctx, &out, `
		SELECT l.id, l.account, l.email, l.source, l.status, l.created_at, l.attributes, o.outcome, o.occurred_at,
		       o.occurred_at AS known_at, l.score IS NOT NULL AS scored
		FROM leads l LEFT JOIN outcomes o ON o.lead_id = l.id ORDER BY l.id`)
	return out, translate("TrainingLeads", err)
}

// TrainingFeedback is an active verdict with what training needs of its reason code.
type TrainingFeedback struct {
	LeadID      int64     `db:"lead_id"`
	Verdict     int       `db:"verdict"`
	ReasonCode  *string   `db:"reason_code"`
	DataQuality bool      `db:"data_quality"`
	AccountWide bool      `db:"account_wide"`
	CreatedAt   time.Time `db:"created_at"` // when the rep gave it: what it may be a feature of
}

// TrainingFeedback returns every active verdict.
func (s *Store) TrainingFeedback(ctx context.Context) ([]TrainingFeedback, error) {
	var out []TrainingFeedback
	err := s.db.SelectContext(ctx, &out, `
		SELECT f.lead_id, f.verdict, f.reason_code, COALESCE(c.data_quality, false) AS data_quality, f.account_wide,
		       f.created_at
		FROM feedback f LEFT JOIN reason_codes c ON c.code = f.reason_code
		WHERE f.undone_at IS NULL ORDER BY f.id`)
	return out, translate("TrainingFeedback", err)
}

// CountUnscored counts open leads without an outcome that have no score yet.
func (s *Store) CountUnscored(ctx context.Context) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `
		SELECT count(*) FROM leads l
		WHERE l.status = 'open' AND l.score IS NULL AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.lead_id = l.id)`)
	return n, translate("CountUnscored", err)
}

// InsertModelPromotedOver stores m as the champion in place of version previous (0: there was
// none), all or nothing, but only if previous is still the champion: a retrain decides against the
// champion it loaded, and a version promoted by hand while it trained must not be overridden.
// When the champion changed, m is stored retired with notes saying so and promoted is false.
func (s *Store) InsertModelPromotedOver(ctx context.Context, m NewModel, previous int) (out Model, promoted bool, err error) {
	p, fs, mt, err := m.encode()
	if err != nil {
		return Model{}, false, err
	}
	err = s.Tx(ctx, func(tx *sqlx.Tx) error {
		// Lock the champion row (or, with none, every model row) so a concurrent Promote waits.
		var current int
		err := tx.GetContext(ctx, &current, `SELECT version FROM models WHERE status = 'champion' FOR UPDATE`)
		if errors.Is(err, sql.ErrNoRows) {
			current, err = 0, nil
		}
		if err != nil {
			return err
		}
		status, notes := "champion", m.Notes
		if promoted = current == previous; promoted {
			if _, err := tx.ExecContext(ctx, `UPDATE models SET status = 'retired' WHERE status = 'champion'`); err != nil {
				return err
			}
		} else {
			status = "retired"
			notes = "not promoted: another version became champion while this one trained; " + m.Notes
		}
		return tx.QueryRowxContext(ctx, `
			INSERT INTO models (kind, status, params, feature_schema, metrics, artifact,
			                    training_rows, feedback_rows, notes, promoted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $2 = 'champion' THEN now() END)
			RETURNING version, kind, status, params, feature_schema, metrics,
			          training_rows, feedback_rows, notes, trained_at, promoted_at`,
			m.Kind, status, p, fs, mt, m.Artifact, m.TrainingRows, m.FeedbackRows, notes).StructScan(&out)
	})
	if err != nil {
		return Model{}, false, translate("InsertModelPromotedOver", err)
	}
	return out, promoted, nil
}
