package leadbot

import (
	"encoding/json"
	"time"
)

// Factor is one reason behind a score: a source column's contribution in log-odds (Value) and in
// the probability points the rep sees (Points: 0.12 = 12 points), with the words a rep reads
// ("Lead Source: Reference"). Factors stored before Points existed have Points 0.
type Factor struct {
	Column string  `json:"column"`
	Label  string  `json:"label"`
	Value  float64 `json:"value"`
	Points float64 `json:"points,omitempty"`
}

// Factors is what is stored with every score: the model's base value and every factor, so that
// the contributions and the base add up to the score's log-odds, and the points and
// BaseProbability to its probability.
type Factors struct {
	Base            float64  `json:"base"`
	BaseProbability float64  `json:"base_probability,omitempty"`
	Factors         []Factor `json:"factors"`
	// Prior is true when the score came from the transparent prior, not a trained model: an
	// early estimate, from Outcomes outcomes so far.
	Prior    bool `json:"prior,omitempty"`
	Outcomes int  `json:"outcomes,omitempty"`
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
