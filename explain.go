package leadbot

import (
	"math"
	"sort"
)

// The one path from a model's explanation to what a rep reads: scoring computes every column's
// contribution, training stores them as Factors with each score, and every surface (the card,
// `leadbot explain`) picks and words them with Top and Strength.

// Top picks the factors a rep reads: the up largest positive contributions and the down largest
// negative ones, each strongest first.
func (f Factors) Top(up, down int) (ups, downs []Factor) {
	for _, x := range f.Factors {
		switch {
		case x.Value > 0:
			ups = append(ups, x)
		case x.Value < 0:
			downs = append(downs, x)
		}
	}
	sort.SliceStable(ups, func(i, j int) bool { return ups[i].Value > ups[j].Value })
	sort.SliceStable(downs, func(i, j int) bool { return downs[i].Value < downs[j].Value })
	return ups[:min(up, len(ups))], downs[:min(down, len(downs))]
}

// Strength words a contribution for a rep, who cares whether a reason matters a lot: "strong"
// (at least 1 in log-odds, about ×2.7 in odds), "moderate" (at least 0.3, about ×1.35) or
// "slight".
func Strength(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1:
		return "strong"
	case a >= 0.3:
		return "moderate"
	}
	return "slight"
}
