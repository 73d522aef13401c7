package scoring

import (
	"cmp"
	"slices"
)

// binStat accumulates one histogram bin: gradient, hessian and row count.
type binStat struct{ g, h, c float64 }

// add and sub merge and split bins: the building blocks of histogram sums and differences.
func (a *binStat) add(b binStat) { a.g += b.g; a.h += b.h; a.c += b.c }
func (a *binStat) sub(b binStat) { a.g -= b.g; a.h -= b.h; a.c -= b.c }

// gradPair is one row's gradient and hessian of the log loss, sample weight included.
type gradPair struct{ g, h float64 }

// split is the best way found to cut a leaf: on which feature and where, where missing values
// go, and the totals of the rows going left (the right side is the leaf's total minus them).
type split struct {
	gain    float64
	feature int
	bin     int
	missL   bool
	cats    []uint64
	left    binStat // the rows that go left
	ok      bool
}

// getHist returns a histogram from the pool; its contents are stale.
func (t *gbdtTrainer) getHist() []binStat {
	if k := len(t.pool); k > 0 {
		h := t.pool[k-1]
		t.pool = t.pool[:k-1]
		return h
	}
	return make([]binStat, t.nbTot)
}

// putHist returns a histogram to the pool; nil is no histogram.
func (t *gbdtTrainer) putHist(h []binStat) {
	if h != nil {
		t.pool = append(t.pool, h)
	}
}

// addHist adds src to dst bin by bin: merging chunk histograms, in chunk order so sums are
// reproducible.
func addHist(dst, src []binStat) {
	src = src[:len(dst)]
	for k := range dst {
		dst[k].add(src[k])
	}
}

// subHist subtracts src from dst bin by bin: the larger child's histogram is its parent's minus
// the smaller child's, which halves the rows to scan.
func subHist(dst, src []binStat) {
	src = src[:len(dst)]
	for k := range dst {
		dst[k].sub(src[k])
	}
}

// histRows adds rows to h, for the sampled columns. It walks rows, not columns: each row's bins
// are contiguous (rowBins), so one pass reads each gradient and row once.
func (t *gbdtTrainer) histRows(h []binStat, rows []int32) {
	K := len(t.bins)
	off, cols := t.off, t.cols
	for _, r := range rows {
		g := t.gh[r]
		rb := t.rowBins[int(r)*K : int(r)*K+K]
		for _, k := range cols {
			s := &h[off[k]+int(rb[k])]
			s.g += g.g
			s.h += g.h
			s.c++
		}
	}
}

// score is a side's contribution to the regularised log-loss reduction, G²/(H + L2): a split's
// gain is its two sides' scores minus the parent's.
func (t *gbdtTrainer) score(g, h float64) float64 { return g * g / (h + t.p.L2) }

// bestSplit scans every sampled column's histogram for the split with the largest gain.
func (t *gbdtTrainer) bestSplit(l *leafCand) split {
	p := t.p
	minC := float64(max(1, p.MinSamplesLeaf))
	if l.total.c < 2*minC {
		return split{}
	}
	parent := t.score(l.total.g, l.total.h)
	best := split{}
	valid := func(a, b binStat) bool {
		return a.c >= minC && b.c >= minC && a.h >= p.MinHessian && b.h >= p.MinHessian
	}
	for _, k := range t.cols {
		h := l.hist[t.off[k] : t.off[k]+t.nb[k]]
		if t.isCat[k] {
			t.bestCatSplit(k, h, l.total, parent, &best, valid)
			continue
		}
		miss := h[0]
		var left binStat
		for b := 1; b < len(h)-1; b++ {
			left.add(h[b])
			if left.c == 0 {
				continue
			}
			right := l.total
			right.sub(left)
			right.sub(miss)
			// Missing values to the right...
			lr := right
			lr.add(miss)
			if valid(left, lr) {
				if g := t.score(left.g, left.h) + t.score(lr.g, lr.h) - parent; g > best.gain {
					best = split{gain: g, feature: k, bin: b, left: left, ok: true}
				}
			}
			// ...or to the left.
			if miss.c > 0 && right.c > 0 {
				ll := left
				ll.add(miss)
				if valid(ll, right) {
					if g := t.score(ll.g, ll.h) + t.score(right.g, right.h) - parent; g > best.gain {
						best = split{gain: g, feature: k, bin: b, missL: true, left: ll, ok: true}
					}
				}
			}
		}
	}
	if best.ok && best.gain <= 1e-12 {
		return split{}
	}
	return best
}

// bestCatSplit orders the levels by gradient/hessian ratio and scans prefixes (the optimal
// partition for a convex loss, as in LightGBM and scikit-learn); a smoothing term keeps rare
// levels near the middle.
func (t *gbdtTrainer) bestCatSplit(k int, h []binStat, total binStat, parent float64, best *split, valid func(a, b binStat) bool) {
	const smooth = 10
	levels := make([]int, 0, len(h))
	for b := range h {
		if h[b].c > 0 {
			levels = append(levels, b)
		}
	}
	if len(levels) < 2 {
		return
	}
	slices.SortStableFunc(levels, func(a, b int) int {
		return cmp.Compare(h[a].g/(h[a].h+smooth), h[b].g/(h[b].h+smooth))
	})
	var left, bestLeft binStat
	bestJ := -1
	bestGain := best.gain
	for j := 0; j < len(levels)-1; j++ {
		left.add(h[levels[j]])
		right := total
		right.sub(left)
		if !valid(left, right) {
			continue
		}
		if g := t.score(left.g, left.h) + t.score(right.g, right.h) - parent; g > bestGain {
			bestGain, bestJ, bestLeft = g, j, left
		}
	}
	if bestJ < 0 {
		return
	}
	cats := make([]uint64, (len(h)+63)/64)
	for _, b := range levels[:bestJ+1] {
		cats[b>>6] |= 1 << (b & 63)
	}
	*best = split{gain: bestGain, feature: k, cats: cats, left: bestLeft, ok: true}
}
