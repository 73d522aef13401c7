package training

import (
	"time"

	"github.com/leadbot/leadbot/scoring"
)

// Result is what a retrain did: recorded in job_runs and announced to managers.
type Result struct {
	Version         int              `json:"version"`
	Kind            scoring.Kind     `json:"kind"`
	UsingPrior      bool             `json:"using_prior"`
	Promoted        bool             `json:"promoted"`
	Decision        string           `json:"decision"`
	ChampionVersion int              `json:"champion_version,omitempty"` // the champion before
	Challenger      scoring.Metrics  `json:"challenger"`                 // on the hold-out
	Champion        *scoring.Metrics `json:"champion,omitempty"`         // on the same hold-out
	Leads           int              `json:"leads"`
	Outcomes        int              `json:"outcomes"`
	Holdout         int              `json:"holdout"`
	FeedbackLabels  int              `json:"feedback_labels"`
	ReasonCodes     int              `json:"reason_codes"` // reason-code features the model saw
	FeedbackWeight  float64          `json:"feedback_weight"`
	Recency         Recency          `json:"recency"` // the weighting the stored model was fitted with
	Refit           *Refit           `json:"refit,omitempty"`
	Moves           []Move           `json:"moves,omitempty"` // factors whose weight moved most
	Scored          int              `json:"scored"`
	// ScoreError is why the open leads could not be rescored after the decision (they keep their
	// previous scores until `leadbot score`); the retrain itself stands and is announced.
	ScoreError string             `json:"score_error,omitempty"`
	Stages     map[string]float64 `json:"stages_s"`
	Notes      []string           `json:"notes,omitempty"`
}

// Refit says what the promoted model was refitted on after the comparison: the configuration
// judged on the hold-out, trained again on every outcome, the hold-out's newest ones included.
type Refit struct {
	Outcomes  int       `json:"outcomes"`       // outcomes the stored model learnt from
	Added     int       `json:"added"`          // of them, the hold-out's, which the judged one had not seen
	Newest    time.Time `json:"newest_outcome"` // when the newest of them happened
	Weighting string    `json:"weighting"`      // the recency weighting, in words
	Summary   string    `json:"summary"`        // one sentence for the announcement
}

// Move is a factor whose average effect changed between the old and the new champion.
type Move struct {
	Column string  `json:"column"`
	Before float64 `json:"before"`
	After  float64 `json:"after"`
}
