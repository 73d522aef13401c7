package store

import (
	"context"
	"time"
)

// SaidReason is a reason a rep gave that bears on a lead: given on the lead itself, or on
// another lead of its account for the whole account.
type SaidReason struct {
	LeadID      int64     `db:"lead_id"`
	RepID       int64     `db:"rep_id"`
	RepName     string    `db:"rep_name"`
	RepEmail    string    `db:"rep_email"`
	Reason      string    `db:"reason_code"`
	AccountWide bool      `db:"account_wide"`
	CreatedAt   time.Time `db:"created_at"`
}

// ReasonsSaid returns the active reasons that bear on the lead leadID, newest first: those given
// on it, and those given account-wide on another lead of its account.
func (s *Store) ReasonsSaid(ctx context.Context, leadID int64) ([]SaidReason, error) {
	var out []SaidReason
	err := s.db.SelectContext(ctx, &out, `
		SELECT f.lead_id, f.rep_id, r.name AS rep_name, r.email AS rep_email, f.reason_code, f.account_wide, f.created_at
		FROM feedback f
		JOIN leads l ON l.id = f.lead_id
		JOIN reps r ON r.id = f.rep_id
		WHERE f.undone_at IS NULL AND f.reason_code IS NOT NULL
		  AND (f.lead_id = $1
		       OR (f.account_wide AND l.account <> '' AND l.account = (SELECT account FROM leads WHERE id = $1)))
		ORDER BY f.created_at DESC, f.id DESC`, leadID)
	return out, translate("ReasonsSaid", err)
}
