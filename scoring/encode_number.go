package scoring

import (
	"math"
	"slices"
)

// ColumnTransform is how the linear model turns a number into a feature. Nothing is clipped: a
// later value outside the training range keeps moving the score (in the monotone transform's
// direction) instead of being frozen at a bound.
type ColumnTransform string

// The transforms; "" is a model saved before transforms existed, which clipped to [Lo, Hi].
const (
	TransformLinear ColumnTransform = "linear"
	TransformSLog   ColumnTransform = "slog" // sign(u)·log(1+|u|), u = (x − Loc)/Spread
)

// Sentinel and transform rules: a value held by at least sentinelShare of the present rows at the
// minimum or maximum of the range (pdays = −1 or 999, "0 previous contacts") is a sentinel; a
// column whose 1 % or 99 % percentile lies more than heavyTail robust deviations from the median
// is heavy-tailed. maxIntCodes is the most distinct integers a column may have to be tried as a
// category.
const (
	sentinelShare = 0.1
	heavyTail     = 3.5
	maxIntCodes   = 31
)

// fitNumeric keeps percentiles (for words), histogram cuts (for the trees) and the linear model's
// view: the sentinel, if any, and the transform of the other values.
func fitNumeric(spec *ColumnSpec, xs []float64) {
	slices.Sort(xs)
	spec.Median = quantile(xs, 0.5)
	spec.Pct = make([]float64, 99)
	for i := range spec.Pct {
		spec.Pct[i] = quantile(xs, float64(i+1)/100)
	}
	rest := fitSentinel(spec, xs)
	fitTransform(spec, rest)
	spec.Cuts = histogramCuts(xs)
}

// quantile is the p-quantile of sorted xs (nearest rank).
func quantile(xs []float64, p float64) float64 {
	return xs[min(len(xs)-1, int(p*float64(len(xs))))]
}

// fitSentinel marks the edge value held by the most rows when it holds at least sentinelShare of
// them and at least two other values exist, and returns the sorted values without it.
func fitSentinel(spec *ColumnSpec, xs []float64) []float64 {
	n := len(xs)
	lo, hi := xs[0], xs[n-1]
	nlo, _ := slices.BinarySearch(xs, math.Nextafter(lo, math.Inf(1)))
	first, _ := slices.BinarySearch(xs, hi)
	nhi := n - first
	distinct := len(slices.Compact(slices.Clone(xs)))
	if distinct < 3 {
		return xs
	}
	switch {
	case nlo >= nhi && float64(nlo) >= sentinelShare*float64(n):
		spec.HasSentinel, spec.Sentinel = true, lo
		return xs[nlo:]
	case nhi > nlo && float64(nhi) >= sentinelShare*float64(n):
		spec.HasSentinel, spec.Sentinel = true, hi
		return xs[:first]
	}
	return xs
}

// fitTransform chooses linear or signed log for the sorted non-sentinel values: signed log when a
// 1 % tail lies more than heavyTail robust deviations (IQR/1.349) from the median.
func fitTransform(spec *ColumnSpec, xs []float64) {
	spec.Transform, spec.Loc, spec.Spread = TransformLinear, 0, 1
	med := quantile(xs, 0.5)
	s := (quantile(xs, 0.75) - quantile(xs, 0.25)) / 1.349
	if s <= 0 {
		s = stdDev(xs)
	}
	if s <= 0 {
		return
	}
	if max(quantile(xs, 0.99)-med, med-quantile(xs, 0.01)) > heavyTail*s {
		spec.Transform, spec.Loc, spec.Spread = TransformSLog, med, s
	}
}

func stdDev(xs []float64) float64 {
	var m, v float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return math.Sqrt(v / float64(len(xs)))
}

// linear is the value the linear model standardises for present number x: the transform, or the
// legacy clipping for models saved before transforms.
func (s *ColumnSpec) linear(x float64) float64 {
	switch s.Transform {
	case TransformLinear:
		return x
	case TransformSLog:
		u := (x - s.Loc) / s.Spread
		return math.Copysign(math.Log1p(math.Abs(u)), u)
	}
	return min(max(x, s.Lo), s.Hi)
}

// isSentinel tells whether a present number is the column's sentinel.
func (s *ColumnSpec) isSentinel(x float64) bool { return s.HasSentinel && x == s.Sentinel }

// histogramCuts are the bin edges for the trees: between every pair of distinct values when there
// are few, else quantile cuts over the rows, so a heavy value takes one bin instead of several.
func histogramCuts(xs []float64) []float64 {
	var cuts []float64
	distinct := slices.Compact(slices.Clone(xs))
	const maxCuts = 254
	if len(distinct) <= maxCuts+1 {
		for i := 0; i+1 < len(distinct); i++ {
			cuts = append(cuts, midpoint(distinct[i], distinct[i+1]))
		}
		return cuts
	}
	for k := 1; k <= maxCuts; k++ {
		i := k * len(xs) / (maxCuts + 1)
		if i <= 0 || i >= len(xs) {
			continue
		}
		c := xs[i]
		if xs[i-1] != xs[i] {
			c = midpoint(xs[i-1], xs[i])
		}
		if len(cuts) == 0 || c > cuts[len(cuts)-1] {
			cuts = append(cuts, c)
		}
	}
	return cuts
}

func midpoint(a, b float64) float64 {
	m := a + (b-a)/2
	if m >= b { // adjacent floats
		m = a
	}
	return m
}
