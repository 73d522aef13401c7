package leadbot

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestBandRuleFor(t *testing.T) {
	inflated := []float64{0.98, 0.97, 0.97, 0.96, 0.95, 0.95, 0.94, 0.93, 0.93, 0.93}
	cases := []struct {
		name       string
		rule       BandRule
		scores     []float64
		open       int
		wantHot    int
		wantBands  string // the band of each score, in order
		wantCutoff float64
	}{
		{name: "inflated scores: hot is the daily list, not everything", rule: BandRule{HotMost: 3}, scores: inflated,
			wantHot: 3, wantBands: "hot hot hot warm warm warm warm warm warm warm", wantCutoff: 0.97},
		{name: "a tie at the cut is left out", rule: BandRule{HotMost: 2}, scores: inflated,
			wantHot: 1, wantBands: "hot warm warm warm warm warm warm warm warm warm", wantCutoff: 0.98},
		{name: "a share of the open leads", rule: BandRule{HotMost: 5, HotShare: 0.1}, scores: inflated[:5], open: 40,
			wantHot: 4, wantBands: "hot hot hot hot warm", wantCutoff: 0.96},
		{name: "few scores above the floor: the floor cuts", rule: BandRule{HotMost: 5}, scores: []float64{0.9, 0.61, 0.59, 0.3, 0.1},
			wantHot: 2, wantBands: "hot hot warm warm cool", wantCutoff: 0.6},
		{name: "a share of nothing: no hot lead", rule: BandRule{HotMost: 5, HotShare: 0.1}, scores: []float64{0.9, 0.8}, open: 9,
			wantHot: 0, wantBands: "warm warm", wantCutoff: math.Inf(1)},
		{name: "all tied", rule: BandRule{HotMost: 2}, scores: []float64{0.9, 0.9, 0.9},
			wantHot: 0, wantBands: "warm warm warm", wantCutoff: math.Inf(1)},
		{name: "no leads", rule: BandRule{}, wantHot: 0, wantCutoff: 0.6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.rule.WithDefaults(5).For(tc.scores, tc.open)
			var got string
			for i, p := range tc.scores {
				if i > 0 {
					got += " "
				}
				got += string(b.Of(p))
			}
			if b.HotLeads != tc.wantHot || got != tc.wantBands || b.Hot != tc.wantCutoff {
				t.Errorf("For = %+v (%s), want %d hot from %v (%s)", b, got, tc.wantHot, tc.wantCutoff, tc.wantBands)
			}
		})
	}
}

// TestBandRuleBounds: over random books and rules, hot never passes the capacity bound or the
// floor, the bands are monotone in the score, and HotLeads counts the hot leads.
func TestBandRuleBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 5))
	for range 2000 {
		rule := BandRule{HotMin: r.Float64() * 0.9, HotMost: r.IntN(12), HotShare: r.Float64() * 0.5}.WithDefaults(1 + r.IntN(12))
		scores := make([]float64, r.IntN(200))
		for i := range scores {
			scores[i] = math.Round(r.Float64()*40) / 40 // many ties
		}
		open := len(scores) + r.IntN(100)
		b := rule.For(scores, open)
		hot := 0
		for _, p := range scores {
			if b.Of(p) == Hot {
				hot++
				if p < rule.HotMin {
					t.Fatalf("%+v: %v is hot under the floor %v", b, p, rule.HotMin)
				}
			}
			for _, q := range scores {
				if q > p && b.Of(p) == Hot && b.Of(q) != Hot {
					t.Fatalf("%+v: %v hot but %v not", b, p, q)
				}
			}
		}
		if hot != b.HotLeads || hot > rule.MostHot(open) {
			t.Fatalf("%+v under %+v with %d open: %d hot, at most %d allowed", b, rule, open, hot, rule.MostHot(open))
		}
	}
}
