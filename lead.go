package leadbot

import (
	"encoding/json"
	"fmt"
	"time"
)

// Lead is a CRM lead as leadbot keeps it, with its current score.
type Lead struct {
	ID         int64           `db:"id"`
	ExternalID string          `db:"external_id"`
	Name       string          `db:"name"`
	Company    string          `db:"company"`
	Account    string          `db:"account"`
	Email      string          `db:"email"`
	OwnerID    *int64          `db:"owner_id"`
	Source     string          `db:"source"`
	Status     string          `db:"status"`
	CreatedAt  *time.Time      `db:"created_at"`
	Attributes json.RawMessage `db:"attributes"`
	Score      *float64        `db:"score"`
	ScoreModel *int            `db:"score_model"`
	ScoredAt   *time.Time      `db:"scored_at"`
	ImportedAt time.Time       `db:"imported_at"`
	UpdatedAt  time.Time       `db:"updated_at"`
}

// Attrs decodes the lead's CRM attributes as strings (numbers and booleans formatted).
func (l Lead) Attrs() map[string]string {
	var raw map[string]any
	_ = json.Unmarshal(l.Attributes, &raw)
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case nil:
			out[k] = ""
		case string:
			out[k] = v
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

// Outcome is what finally became of a lead, as the CRM reports it.
type Outcome struct {
	LeadID     int64     `db:"lead_id"`
	Outcome    string    `db:"outcome"` // won, lost, converted or disqualified
	OccurredAt time.Time `db:"occurred_at"`
	Amount     *float64  `db:"amount"`
}

// Positive reports whether the outcome counts as a success (won or converted).
func (o Outcome) Positive() bool { return PositiveOutcome(o.Outcome) }

// PositiveOutcome reports whether an outcome name counts as a success: the training label.
func PositiveOutcome(outcome string) bool { return outcome == "won" || outcome == "converted" }
