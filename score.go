package leadbot

import (
	"encoding/json"
	"math"
	"slices"
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

// Band is what a score means to a rep: what to do with the lead, not a number to decode.
type Band string

// The bands, best first.
const (
	Hot  Band = "hot"
	Warm Band = "warm"
	Cool Band = "cool"
)

// BandRule is the one rule that turns calibrated probabilities into bands, for every surface
// (the rep's cards, the manager's chart). A fixed cut ("hot from 60 %") stops meaning anything
// when scores inflate: every lead of a digest read "hot" at 93–98 %. So hot is bounded twice:
// by the probability (HotMin, on calibrated scores) and by what a rep can act on — at most
// HotMost of their open leads and at most HotShare of them — and the ties at the cut are left
// out rather than let in, so the bound is never passed.
type BandRule struct {
	HotMin   float64 // a hot lead is at least this likely (0: 0.6)
	WarmMin  float64 // a warm lead is at least this likely (0: 0.3)
	HotMost  int     // at most this many of a rep's open leads are hot (0: the rep's daily list)
	HotShare float64 // and at most this share of them (0: no share bound)
}

// Bands are a rep's cut-offs under a BandRule: p ≥ Hot is hot, p ≥ Warm warm, the rest cool.
// HotLeads is how many of the rep's open leads are hot.
type Bands struct {
	Hot, Warm float64
	HotLeads  int
}

// WithDefaults fills the rule's unset fields; dailyList is the rep's leads per digest.
func (r BandRule) WithDefaults(dailyList int) BandRule {
	if r.HotMin <= 0 {
		r.HotMin = 0.6
	}
	if r.WarmMin <= 0 {
		r.WarmMin = 0.3
	}
	if r.HotMost <= 0 {
		r.HotMost = max(dailyList, 1)
	}
	return r
}

// Floors are the cut-offs of the probabilities alone, for a lead seen without its rep's other
// leads (nothing known of the capacity bound).
func (r BandRule) Floors() Bands {
	r = r.WithDefaults(1)
	return Bands{Hot: r.HotMin, Warm: r.WarmMin, HotLeads: -1}
}

// MostHot is how many of open leads may be hot under the capacity bounds.
func (r BandRule) MostHot(open int) int {
	k := r.HotMost
	if r.HotShare > 0 {
		k = min(k, int(math.Floor(r.HotShare*float64(open)+1e-9)))
	}
	return max(k, 0)
}

// For computes a rep's bands from the scores of their open leads (in any order; open is how
// many open leads they have, at least len(scores): a caller may pass only the top ones). The
// rule should have its defaults filled (WithDefaults).
func (r BandRule) For(scores []float64, open int) Bands {
	s := slices.Sorted(slices.Values(scores))
	slices.Reverse(s)
	k := r.MostHot(max(open, len(s)))
	hot := r.HotMin
	if k < len(s) && s[k] >= hot {
		// The (k+1)-th best would be hot: the cut goes just above it, ties excluded.
		hot = math.Inf(1)
		for _, p := range s[:k] {
			if p > s[k] {
				hot = p // the smallest score strictly above the first one left out
			}
		}
	}
	b := Bands{Hot: hot, Warm: min(r.WarmMin, hot)}
	for _, p := range s {
		if p >= hot {
			b.HotLeads++
		}
	}
	return b
}

// Of is the band of probability p.
func (b Bands) Of(p float64) Band {
	switch {
	case p >= b.Hot:
		return Hot
	case p >= b.Warm:
		return Warm
	}
	return Cool
}
