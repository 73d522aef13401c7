package leadbot

import (
	"math"
	"sort"
)

// The one path from a model's explanation to what a rep reads: scoring computes every column's
// contribution, training stores them as Factors with each score, and every surface (the card,
// `leadbot explain`) picks and words them with Top and Factor.Strength.

// Top picks the factors a rep reads: the up largest positive contributions and the down largest
// negative ones, each strongest first (by points when the factors have them).
func (f Factors) Top(up, down int) (ups, downs []Factor) {
	for _, x := range f.Factors {
		switch {
		case x.size() > 0:
			ups = append(ups, x)
		case x.size() < 0:
			downs = append(downs, x)
		}
	}
	sort.SliceStable(ups, func(i, j int) bool { return ups[i].size() > ups[j].size() })
	sort.SliceStable(downs, func(i, j int) bool { return downs[i].size() < downs[j].size() })
	return ups[:min(up, len(ups))], downs[:min(down, len(downs))]
}

// size is what a factor is ranked by: its points, or its log-odds when stored without points.
func (f Factor) size() float64 {
	if f.Points != 0 {
		return f.Points
	}
	return f.Value
}

// Strength words the factor for a rep from what it moves the probability beside it: see
// StrengthPoints. A factor stored before points existed is worded from its log-odds (Strength).
func (f Factor) Strength() string {
	if f.Points != 0 || f.Value == 0 {
		return StrengthPoints(f.Points)
	}
	return Strength(f.Value)
}

// StrengthPoints words a contribution in probability points (0.12 = 12 points): "strong" from
// 10 points, "moderate" from 3, else "slight". Points are the factor's share of the shown
// probability's move from the average lead, so a strong factor always moves the number the rep
// reads more than a moderate one, and a moderate more than a slight one.
func StrengthPoints(p float64) string {
	switch a := math.Abs(p); {
	case a >= 0.10-1e-12:
		return "strong"
	case a >= 0.03-1e-12:
		return "moderate"
	}
	return "slight"
}

// Strength words a contribution in log-odds: "strong" (at least 1, about ×2.7 in odds),
// "moderate" (at least 0.3) or "slight". Kept for factors stored without points: the same
// log-odds moves a probability near 2 % by a point and one near 50 % by 25, so words from
// log-odds can call "strong" a factor that moves the shown number less than a "slight" one.
func Strength(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1:
		return "strong"
	case a >= 0.3:
		return "moderate"
	}
	return "slight"
}
