package scoring

import (
	"maps"
	"math"
	"slices"
)

// MinOutcomes and MinPerClass are how many labelled leads training needs: at least 200 with at
// least 20 won and 20 lost. Below that a validation split of 20 % holds only a handful of each
// class, too few to tell a real model from noise, so leads are ranked by the transparent prior.
const (
	MinOutcomes = 200
	MinPerClass = 20
)

// PriorRule is one configured engagement or fit rule.
type PriorRule struct {
	Column string `json:"column"`
	// Kind is "engagement" (behaviour: visits, time on site, email opens) or "fit" (who the lead
	// is: industry, size, role); it only labels the rule.
	Kind string `json:"kind"`
	// Weight, for a number column, is the log-odds between the lowest and the highest lead:
	// the effect is Weight × (percentile − ½).
	Weight float64 `json:"weight,omitempty"`
	// Values, for a category column, gives the log-odds of each listed value.
	Values map[string]float64 `json:"values,omitempty"`
}

// PriorConfig configures the prior used before there are enough outcomes to train.
type PriorConfig struct {
	// BaseRate is the share of leads expected to win, used while no lead has an outcome (0 means
	// DefaultPriorBaseRate); once some have, the observed rate takes over.
	BaseRate      float64            `json:"base_rate,omitempty"`
	Rules         []PriorRule        `json:"rules"`
	VoteWeight    float64            `json:"vote_weight"`    // log-odds per net 👍; 0 means 1
	ReasonWeights map[string]float64 `json:"reason_weights"` // log-odds per reason code given
}

// DefaultPriorBaseRate is the win rate assumed before any outcome when none is configured: a
// B2B lead list converts a few to a few tens of percent, and 10 % keeps an average lead out of
// the "hot" band until outcomes say otherwise.
const DefaultPriorBaseRate = 0.1

// Prior is a fitted transparent ranking: a sum of configured rule effects and rep feedback, with
// Base set so that the average lead's rules add up to the base rate's log-odds.
type Prior struct {
	Config PriorConfig `json:"config"`
	Base   float64     `json:"base"`
}

// fitPrior builds a prior over the rule columns and feedback columns of f.
func fitPrior(f *Frame, cfg PriorConfig, baseRate float64) (*Encoding, *Prior) {
	if cfg.VoteWeight == 0 {
		cfg.VoteWeight = 1
	}
	keep := map[string]bool{VoteColumn: true}
	for _, r := range cfg.Rules {
		keep[r.Column] = true
	}
	for code := range cfg.ReasonWeights {
		keep[ReasonPrefix+code] = true
	}
	var drop []string
	for _, c := range f.Columns() {
		if !keep[c] {
			drop = append(drop, c)
		}
	}
	enc := fitEncoding(f.Drop(drop...), EncodeConfig{MinCount: 1, MaxLevels: 126})
	// A column that is constant or absent today (no feedback yet) must still be scored later.
	have := map[string]bool{}
	for _, s := range enc.Columns {
		have[s.Name] = true
	}
	for _, name := range slices.Sorted(maps.Keys(keep)) {
		if have[name] {
			continue
		}
		spec := ColumnSpec{Name: name, Type: TypeNumber}
		for _, r := range cfg.Rules {
			if r.Column == name && r.Values != nil {
				spec.Type = TypeCategory
				spec.Levels = append([]string{"missing", "other"}, slices.Sorted(maps.Keys(r.Values))...)
			}
		}
		enc.Columns = append(enc.Columns, spec)
	}
	enc.Dropped = nil
	enc.index()
	p := &Prior{Config: cfg}
	x := enc.encode(f)
	var mean float64 // the rules' mean effect over every lead, labelled or not
	for i := range f.Len() {
		for k := range enc.Columns {
			if s := &enc.Columns[k]; !isFeedbackColumn(s.Name) {
				mean += p.effect(s, x.vals[k][i]) / float64(f.Len())
			}
		}
	}
	p.Base = logit(baseRate) - mean
	return enc, p
}

// isFeedbackColumn tells the vote and reason columns from the configured rules'.
func isFeedbackColumn(name string) bool {
	return name == VoteColumn || len(name) > len(ReasonPrefix) && name[:len(ReasonPrefix)] == ReasonPrefix
}

// priorModel is the prior for frame f, told the truth by whatever outcomes there are: its base
// is the observed win rate (smoothed toward the configured one, which alone counts while there
// are none), and with at least minPriorClass won and lost leads a Platt calibration fitted on
// them scales the configured rules (slope between 0.05, so the rules still rank, and 4) to
// what the outcomes support.
func priorModel(f *Frame, labels []float64, strong []int, cfg PriorConfig, units map[string]string) *Model {
	r0 := cfg.BaseRate
	if !(r0 > 0 && r0 < 1) {
		r0 = DefaultPriorBaseRate
	}
	pos, neg := countOutcomes(labels, strong)
	rate := (float64(pos) + 2*r0) / float64(pos+neg+2)
	enc, pr := fitPrior(f, cfg, rate)
	m := &Model{Format: FormatVersion, Kind: KindPrior, Encoding: enc, Prior: pr, Calibration: identityCalibration, Units: units,
		Rows: len(strong), Outcomes: len(strong)}
	if pos < minPriorClass || neg < minPriorClass {
		return m
	}
	z0 := m.rawRows(enc.encode(f.Select(strong)))
	y := make([]float64, len(strong))
	for j, i := range strong {
		y[j] = labels[i]
	}
	w := ones(len(y))
	a := min(4, max(0.05, fitPlatt(z0, y, w).A))
	m.Calibration = Calibration{A: a, B: fitIntercept(z0, y, w, a, 0)}
	return m
}

// minPriorClass is how many won and lost leads the prior's calibration needs.
const minPriorClass = 10

// ones is n weights of 1.
func ones(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

func (p *Prior) index() {}

// effect is the prior's log-odds contribution of column s with encoded value v.
func (p *Prior) effect(s *ColumnSpec, v float64) float64 {
	if s.Name == VoteColumn {
		if math.IsNaN(v) {
			return 0
		}
		return p.Config.VoteWeight * v
	}
	if len(s.Name) > len(ReasonPrefix) && s.Name[:len(ReasonPrefix)] == ReasonPrefix {
		if math.IsNaN(v) {
			return 0
		}
		return p.Config.ReasonWeights[s.Name[len(ReasonPrefix):]] * v
	}
	for _, r := range p.Config.Rules {
		if r.Column != s.Name {
			continue
		}
		if s.isCat() {
			return r.Values[s.Levels[int(v)]]
		}
		if math.IsNaN(v) {
			return 0
		}
		return r.Weight * (s.percentile(v) - 0.5)
	}
	return 0
}

func (p *Prior) raw(enc *Encoding, x *encoded, i int) float64 {
	z := p.Base
	for k := range enc.Columns {
		z += p.effect(&enc.Columns[k], x.vals[k][i])
	}
	return z
}

func (p *Prior) explain(enc *Encoding, x *encoded, i int, phi []float64) float64 {
	for k := range enc.Columns {
		phi[k] = p.effect(&enc.Columns[k], x.vals[k][i])
	}
	return p.Base
}
