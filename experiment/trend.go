package experiment

import (
	"math"
	"sort"
)

// Count is how often a reason code was given in one segment over a period, out of how many
// verdicts in that segment over the same period (the exposure).
type Count struct {
	Reason, Verdicts int
}

// RiseP is the one-sided p-value that the recent rate of a reason is higher than its baseline
// rate. It is the exact conditional test for two Poisson rates: given the k = recent+base
// reports, the recent ones are Binomial(k, t) under "no change", where t is the recent share
// of the exposure. Exact at every count, so a segment with three reports a week is judged as
// fairly as one with three hundred.
func RiseP(recent, base Count) float64 {
	k := recent.Reason + base.Reason
	if k == 0 || recent.Verdicts <= 0 || base.Verdicts <= 0 {
		return 1
	}
	t := float64(recent.Verdicts) / float64(recent.Verdicts+base.Verdicts)
	return binomUpper(recent.Reason, k, t)
}

// binomUpper is P(X ≥ x) for X ~ Binomial(n, p).
func binomUpper(x, n int, p float64) float64 {
	if x <= 0 {
		return 1
	}
	if x > n {
		return 0
	}
	sum := 0.0
	for i := x; i <= n; i++ {
		sum += math.Exp(logChoose(n, i) + float64(i)*math.Log(p) + float64(n-i)*math.Log1p(-p))
	}
	return math.Min(1, sum)
}

func logChoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// Discoveries returns the indexes of the p-values that pass the Benjamini–Hochberg procedure
// at false-discovery rate q: across all segments and reasons tested on a day, the expected
// share of false alarms among those posted is at most q.
func Discoveries(p []float64, q float64) []int {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	last := -1
	m := float64(len(p))
	for r, i := range idx {
		if p[i] <= q*float64(r+1)/m {
			last = r
		}
	}
	out := append([]int(nil), idx[:last+1]...)
	sort.Ints(out)
	return out
}
