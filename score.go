package leadbot

import (
	"encoding/json"
	"time"
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
