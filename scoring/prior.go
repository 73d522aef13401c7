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
	Rules         []PriorRule        `json:"rules"`
	VoteWeight    float64            `json:"vote_weight"`    // log-odds per net 👍; 0 means 1
	ReasonWeights map[string]float64 `json:"reason_weights"` // log-odds per reason code given
}

// Prior is a fitted transparent ranking: a sum of configured rule effects and rep feedback. Its
// output is a rank, not a calibrated probability.
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
	if baseRate > 0 && baseRate < 1 {
		p.Base = logit(baseRate)
	}
	return enc, p
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
