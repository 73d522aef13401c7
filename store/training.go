package store

import (
	"context"
	"encoding/json"
	"time"
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
	Scored     bool            `db:"scored"` // has a current score
}

// TrainingLeads returns every lead with its outcome, in id order.
func (s *Store) TrainingLeads(ctx context.Context) ([]TrainingLead, error) {
	var out []TrainingLead
	err := s.db.SelectContext(ctx, &out, `
		SELECT l.id, l.account, l.email, l.source, l.status, l.created_at, l.attributes, o.outcome, o.occurred_at,
		       l.score IS NOT NULL AS scored
		FROM leads l LEFT JOIN outcomes o ON o.lead_id = l.id ORDER BY l.id`)
	return out, translate("TrainingLeads", err)
}

// TrainingFeedback is an active verdict with what training needs of its reason code.
type TrainingFeedback struct {
	LeadID      int64   `db:"lead_id"`
	Verdict     int     `db:"verdict"`
	ReasonCode  *string `db:"reason_code"`
	DataQuality bool    `db:"data_quality"`
	AccountWide bool    `db:"account_wide"`
}

// TrainingFeedback returns every active verdict.
func (s *Store) TrainingFeedback(ctx context.Context) ([]TrainingFeedback, error) {
	var out []TrainingFeedback
	err := s.db.SelectContext(ctx, &out, `
		SELECT f.lead_id, f.verdict, f.reason_code, COALESCE(c.data_quality, false) AS data_quality, f.account_wide
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
