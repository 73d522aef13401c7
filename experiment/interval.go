package experiment

import (
	"encoding/json"
	"math"
)

// Z95 is the normal quantile of a two-sided 95 % interval.
const Z95 = 1.959963984540054

// Interval is an estimate with its 95 % confidence interval.
type Interval struct {
	Estimate, Low, High float64
}

// Wilson is the Wilson score interval of a proportion k/n (Wilson 1927): unlike the textbook
// p ± z·se it stays inside [0, 1] and keeps its coverage for small n and rates near 0 or 1,
// which is what a holdout of a few hundred leads gives.
func Wilson(k, n int, z float64) Interval {
	if n <= 0 {
		return Interval{Estimate: math.NaN(), Low: 0, High: 1}
	}
	p := float64(k) / float64(n)
	nn := float64(n)
	z2 := z * z
	centre := (p + z2/(2*nn)) / (1 + z2/nn)
	half := z / (1 + z2/nn) * math.Sqrt(p*(1-p)/nn+z2/(4*nn*nn))
	return Interval{Estimate: p, Low: math.Max(0, centre-half), High: math.Min(1, centre+half)}
}

// DiffProportions is the difference k1/n1 − k2/n2 with Newcombe's hybrid score interval
// (Newcombe 1998, method 10), built from the two Wilson intervals. It is the interval the
// uplift report uses: good coverage at small counts, no bootstrap to seed or repeat.
func DiffProportions(k1, n1, k2, n2 int, z float64) Interval {
	a, b := Wilson(k1, n1, z), Wilson(k2, n2, z)
	d := a.Estimate - b.Estimate
	if n1 <= 0 || n2 <= 0 {
		return Interval{Estimate: math.NaN(), Low: -1, High: 1}
	}
	lo := d - math.Sqrt(sq(a.Estimate-a.Low)+sq(b.High-b.Estimate))
	hi := d + math.Sqrt(sq(a.High-a.Estimate)+sq(b.Estimate-b.Low))
	return Interval{Estimate: d, Low: lo, High: hi}
}

// DiffMeans is the difference of two sample means with Welch's interval (unequal variances),
// for won amount per lead and days to outcome. With fewer than two values on a side it has no
// interval and says so with NaN bounds.
func DiffMeans(x, y []float64, z float64) Interval {
	mx, vx := meanVar(x)
	my, vy := meanVar(y)
	d := mx - my
	if len(x) < 2 || len(y) < 2 {
		return Interval{Estimate: d, Low: math.NaN(), High: math.NaN()}
	}
	se := math.Sqrt(vx/float64(len(x)) + vy/float64(len(y)))
	return Interval{Estimate: d, Low: d - z*se, High: d + z*se}
}

func meanVar(x []float64) (mean, variance float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if len(x) < 2 {
		return mean, math.NaN()
	}
	for _, v := range x {
		variance += sq(v - mean)
	}
	return mean, variance / float64(len(x)-1)
}

func sq(v float64) float64 { return v * v }

// MarshalJSON writes the interval with null for a bound it does not have (NaN).
func (i Interval) MarshalJSON() ([]byte, error) {
	f := func(v float64) any {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	}
	return json.Marshal(map[string]any{"estimate": f(i.Estimate), "low": f(i.Low), "high": f(i.High)})
}
