package store

import (
	"context"
	"database/sql"
)

// AccountLead is a lead of one account as the quick rescoring after a reason reads it: what
// training reads, plus the name and current score the rep is told about.
type AccountLead struct {
	TrainingLead
	Name  string   `db:"name"`
	Score *float64 `db:"score"`
}

// AccountLeads returns the lead leadID and every other lead of its account (open or not: closed
// ones carry account-wide reasons too), in id order. A lead without an account comes back alone.
func (s *Store) AccountLeads(ctx context.Context, leadID int64) ([]AccountLead, error) {
	var out []AccountLead
	err := s.db.SelectContext(ctx, &out, `
		SELECT l.id, l.account, l.email, l.source, l.status, l.created_at, l.attributes, o.outcome, o.occurred_at,
		       o.occurred_at AS known_at, l.score IS NOT NULL AS scored, l.name, l.score
		FROM leads l LEFT JOIN outcomes o ON o.lead_id = l.id
		WHERE l.id = $1
		   OR l.account <> '' AND l.account = (SELECT account FROM leads WHERE id = $1)
		ORDER BY l.id`, leadID)
	if err == nil && len(out) == 0 {
		return nil, translate("AccountLeads", sql.ErrNoRows)
	}
	return out, translate("AccountLeads", err)
}

// AccountFeedback returns every active verdict on the lead leadID and the other leads of its
// account, as TrainingFeedback does for all leads.
func (s *Store) AccountFeedback(ctx context.Context, leadID int64) ([]TrainingFeedback, error) {
	var out []TrainingFeedback
	err := s.db.SelectContext(ctx, &out, `
		SELECT f.lead_id, f.verdict, f.reason_code, COALESCE(c.data_quality, false) AS data_quality, f.account_wide,
		       f.created_at
		FROM feedback f JOIN leads l ON l.id = f.lead_id
		LEFT JOIN reason_codes c ON c.code = f.reason_code
		WHERE f.undone_at IS NULL
		  AND (l.id = $1 OR l.account <> '' AND l.account = (SELECT account FROM leads WHERE id = $1))
		ORDER BY f.id`, leadID)
	return out, translate("AccountFeedback", err)
}
