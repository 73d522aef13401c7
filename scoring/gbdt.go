package scoring

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
)

// GBDTParams are the hyper-parameters of the gradient-boosted trees.
type GBDTParams struct {
	Trees          int     `json:"trees"`            // most boosting rounds
	LearningRate   float64 `json:"learning_rate"`    // shrinkage of every leaf
	MaxDepth       int     `json:"max_depth"`        // deepest split
	MaxLeaves      int     `json:"max_leaves"`       // leaves per tree; grown best-first
	MinSamplesLeaf int     `json:"min_samples_leaf"` // fewest training rows in a leaf
	MinHessian     float64 `json:"min_hessian"`      // smallest Σ p(1−p)·w in a leaf
	L2             float64 `json:"l2"`               // L2 penalty on leaf values
	Subsample      float64 `json:"subsample"`        // share of rows per tree (1 = all)
	ColSample      float64 `json:"colsample"`        // share of columns per tree (1 = all)
	EarlyStop      int     `json:"early_stop"`       // stop after this many rounds without a better validation loss; 0 = off
	Seed           uint64  `json:"seed"`
}

// DefaultGBDTParams are sensible for CRM data of a few thousand to a few million leads.
func DefaultGBDTParams() GBDTParams {
	return GBDTParams{Trees: 1000, LearningRate: 0.1, MaxDepth: 8, MaxLeaves: 31, MinSamplesLeaf: 20,
		MinHessian: 1e-3, L2: 1, Subsample: 1, ColSample: 1, EarlyStop: 30}
}

// GBDT is a fitted ensemble for binary log loss: raw = Init + Σ trees.
type GBDT struct {
	Params GBDTParams `json:"params"`
	Init   float64    `json:"init"`
	Trees  []Tree     `json:"trees"`
	Base   float64    `json:"base"` // Init + Σ expected tree outputs: the TreeSHAP base value

	fast compiledTrees // built once on first use; safe for concurrent Predict calls
}

// binStat accumulates one histogram bin: gradient, hessian and row count.
type binStat struct{ g, h, c float64 }

func (a *binStat) add(b binStat) { a.g += b.g; a.h += b.h; a.c += b.c }
func (a *binStat) sub(b binStat) { a.g -= b.g; a.h -= b.h; a.c -= b.c }

type split struct {
	gain    float64
	feature int
	bin     int
	missL   bool
	cats    []uint64
	ok      bool
}

type leafCand struct {
	node   int32
	lo, hi int
	depth  int
	hist   []binStat
	total  binStat
	best   split
}

// gbdtTrainer holds the binned training data and scratch space of one fit.
type gbdtTrainer struct {
	p           GBDTParams
	bins        [][]uint8
	isCat       []bool
	nb          []int
	off         []int // offset of each column's bins in a histogram
	nbTot       int
	ghw         []binStat // per row: gradient, hessian, 1
	w           []float64 // sample weights, for the covers TreeSHAP needs
	unitWeights bool
	perm        []int32 // rows of the tree's sample, grouped by node
	tmp         []int32
	rowBins     []uint8 // bins row-major: row r's bins are rowBins[r·K : (r+1)·K]
	active      []bool  // columns sampled for this tree
	pool        [][]binStat
}

// fitGBDT trains on binned columns; valid (may be nil) drives early stopping.
func fitGBDT(ctx context.Context, enc *Encoding, bins [][]uint8, y, w []float64, vbins [][]uint8, vy, vw []float64, p GBDTParams) (*GBDT, []float64, error) {
	n := len(y)
	t := &gbdtTrainer{p: p, bins: bins}
	for k := range enc.Columns {
		s := &enc.Columns[k]
		t.isCat = append(t.isCat, s.isCat())
		t.nb = append(t.nb, s.nbins())
		t.off = append(t.off, t.nbTot)
		t.nbTot += s.nbins()
	}
	var sw, sy float64
	for i := range n {
		sw += w[i]
		sy += w[i] * y[i]
	}
	m := &GBDT{Params: p, Init: logit(min(max(sy/sw, 1e-6), 1-1e-6))}
	f := make([]float64, n)
	for i := range f {
		f[i] = m.Init
	}
	var fv []float64
	if vbins != nil {
		fv = make([]float64, len(vy))
		for i := range fv {
			fv[i] = m.Init
		}
	}
	t.ghw = make([]binStat, n)
	t.perm = make([]int32, 0, n)
	t.tmp = make([]int32, n)
	K := len(bins)
	t.rowBins = make([]uint8, n*K)
	parallelChunks(n, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			for k := range K {
				t.rowBins[i*K+k] = bins[k][i]
			}
		}
	})
	t.w = w
	t.unitWeights = true
	for _, v := range w {
		t.unitWeights = t.unitWeights && v == 1
	}
	t.active = make([]bool, len(bins))
	bestLoss, bestIter := math.Inf(1), -1
	var valCurve []float64
	for it := 0; it < p.Trees; it++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		parallelChunks(n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				q := sigmoid(f[i])
				t.ghw[i] = binStat{w[i] * (q - y[i]), w[i] * q * (1 - q), 1}
			}
		})
		rng := rand.New(rand.NewPCG(p.Seed, uint64(it)))
		t.perm = t.perm[:0]
		for i := range n {
			if p.Subsample >= 1 || rng.Float64() < p.Subsample {
				t.perm = append(t.perm, int32(i))
			}
		}
		for k := range t.active {
			t.active[k] = p.ColSample >= 1 || rng.Float64() < p.ColSample
		}
		tree, leaves := t.grow()
		if len(tree.Nodes) == 1 && it > 0 {
			break // nothing left to learn
		}
		// Update training scores: rows in the sample from their leaf, the rest by traversal.
		inSample := len(t.perm) == n
		for _, lf := range leaves {
			v := tree.Nodes[lf.node].Value
			for _, r := range t.perm[lf.lo:lf.hi] {
				f[r] += v
			}
		}
		if !inSample {
			seen := make([]bool, n)
			for _, r := range t.perm {
				seen[r] = true
			}
			parallelChunks(n, func(_, lo, hi int) {
				for i := lo; i < hi; i++ {
					if !seen[i] {
						f[i] += tree.predictBins(bins, i)
					}
				}
			})
		}
		m.Trees = append(m.Trees, tree)
		if vbins != nil {
			for i := range fv {
				fv[i] += tree.predictBins(vbins, i)
			}
			loss := logLossRaw(vy, fv, vw)
			valCurve = append(valCurve, loss)
			if loss < bestLoss-1e-12 {
				bestLoss, bestIter = loss, it
			}
			if p.EarlyStop > 0 && it-bestIter >= p.EarlyStop {
				break
			}
		}
	}
	if vbins != nil && bestIter >= 0 && p.EarlyStop > 0 {
		m.Trees = m.Trees[:bestIter+1]
		m.Params.Trees = bestIter + 1
	}
	m.Base = m.Init
	for i := range m.Trees {
		m.Base += m.Trees[i].expected()
	}
	return m, valCurve, nil
}

func logLossRaw(y, f, w []float64) float64 {
	var s, sw float64
	for i := range y {
		z := f[i]
		s += w[i] * (math.Max(z, 0) + math.Log1p(math.Exp(-math.Abs(z))) - y[i]*z)
		sw += w[i]
	}
	return s / sw
}

func (t *Tree) predictBins(bins [][]uint8, i int) float64 {
	j := int32(0)
	for {
		nd := &t.Nodes[j]
		if nd.Feature < 0 {
			return nd.Value
		}
		if nd.goesLeftBin(bins[nd.Feature][i]) {
			j = nd.Left
		} else {
			j = nd.Right
		}
	}
}

func (t *gbdtTrainer) getHist() []binStat {
	if k := len(t.pool); k > 0 {
		h := t.pool[k-1]
		t.pool = t.pool[:k-1]
		clear(h)
		return h
	}
	return make([]binStat, t.nbTot)
}

// buildHist accumulates the histogram of rows perm[lo:hi]. It walks rows, not columns: each row's
// bins are contiguous (rowBins), so one pass reads each gradient and row once. Large nodes are split
// in two fixed halves summed in a fixed order, which uses both cores and stays deterministic.
func (t *gbdtTrainer) buildHist(h []binStat, lo, hi int) {
	if hi-lo < 4096 {
		t.histRows(h, lo, hi)
		return
	}
	mid := lo + (hi-lo)/2
	h2 := t.getHist()
	parallelFor(2, func(part int) {
		if part == 0 {
			t.histRows(h, lo, mid)
		} else {
			t.histRows(h2, mid, hi)
		}
	})
	for k := range h {
		h[k].add(h2[k])
	}
	t.pool = append(t.pool, h2)
}

// histTotal sums one column's bins: every row falls in exactly one bin of each column.
func (t *gbdtTrainer) histTotal(h []binStat) binStat {
	var s binStat
	for _, b := range h[:t.nb[0]] {
		s.add(b)
	}
	return s
}

func (t *gbdtTrainer) histRows(h []binStat, lo, hi int) {
	K := len(t.bins)
	off := t.off
	for _, r := range t.perm[lo:hi] {
		g := t.ghw[r]
		rb := t.rowBins[int(r)*K : int(r)*K+K]
		for k, b := range rb {
			s := &h[off[k]+int(b)]
			s.g += g.g
			s.h += g.h
			s.c += g.c
		}
	}
}

// grow builds one tree best-first and returns it with its leaves (row ranges in perm).
func (t *gbdtTrainer) grow() (Tree, []*leafCand) {
	p := t.p
	root := &leafCand{lo: 0, hi: len(t.perm), hist: t.getHist()}
	t.buildHist(root.hist, 0, len(t.perm))
	root.total = t.histTotal(root.hist)
	tree := Tree{Nodes: []Node{{Feature: -1}}}
	root.best = t.bestSplit(root)
	leaves := []*leafCand{root}
	for len(leaves) < max(2, p.MaxLeaves) {
		bi := -1
		for i, l := range leaves {
			if l.best.ok && (p.MaxDepth <= 0 || l.depth < p.MaxDepth) && (bi < 0 || l.best.gain > leaves[bi].best.gain) {
				bi = i
			}
		}
		if bi < 0 {
			break
		}
		l := leaves[bi]
		sp := l.best
		nd := &tree.Nodes[l.node]
		nd.Feature, nd.bin, nd.MissingLeft, nd.Cats, nd.Gain = sp.feature, sp.bin, sp.missL, sp.cats, sp.gain
		// Stable partition of the node's rows.
		b := t.bins[sp.feature]
		nl := t.partition(nd, b, l.lo, l.hi)
		left := &leafCand{lo: l.lo, hi: nl, depth: l.depth + 1}
		right := &leafCand{lo: nl, hi: l.hi, depth: l.depth + 1}
		small, large := left, right
		if nl-l.lo > l.hi-nl {
			small, large = right, left
		}
		small.hist = t.getHist()
		t.buildHist(small.hist, small.lo, small.hi)
		large.hist = l.hist // parent − small, in place
		for k := range large.hist {
			large.hist[k].sub(small.hist[k])
		}
		small.total = t.histTotal(small.hist)
		large.total = l.total
		large.total.sub(small.total)
		left.node = int32(len(tree.Nodes))
		right.node = left.node + 1
		nd.Left, nd.Right = left.node, right.node
		tree.Nodes = append(tree.Nodes, Node{Feature: -1}, Node{Feature: -1})
		if small.hi-small.lo >= 1024 {
			parallelFor(2, func(c int) { // the two children are independent
				l := []*leafCand{left, right}[c]
				l.best = t.bestSplit(l)
			})
		} else {
			left.best = t.bestSplit(left)
			right.best = t.bestSplit(right)
		}
		leaves[bi] = left
		leaves = append(leaves, right)
	}
	for _, l := range leaves {
		t.pool = append(t.pool, l.hist)
		l.hist = nil
	}
	// Leaf values from the leaf totals; covers (weighted rows) from the leaves up.
	for _, l := range leaves {
		nd := &tree.Nodes[l.node]
		nd.Value = -l.total.g / (l.total.h + p.L2) * p.LearningRate
		if t.unitWeights {
			nd.Cover = l.total.c
			continue
		}
		for _, r := range t.perm[l.lo:l.hi] {
			nd.Cover += t.w[r]
		}
	}
	var cover func(i int32) float64
	cover = func(i int32) float64 {
		nd := &tree.Nodes[i]
		if nd.Feature >= 0 {
			nd.Cover = cover(nd.Left) + cover(nd.Right)
		}
		return nd.Cover
	}
	cover(0)
	return tree, leaves
}

// partition reorders perm[lo:hi] stably into the rows going left, then right, and returns where
// the right ones start. Large nodes are done as two halves in parallel and stitched, which gives
// exactly the serial result.
func (t *gbdtTrainer) partition(nd *Node, b []uint8, lo, hi int) int {
	half := func(lo, hi int) (nl, nr int) {
		nl = lo
		for _, r := range t.perm[lo:hi] {
			if nd.goesLeftBin(b[r]) {
				t.perm[nl] = r
				nl++
			} else {
				t.tmp[lo+nr] = r
				nr++
			}
		}
		return nl - lo, nr
	}
	if hi-lo < 8192 {
		nl, nr := half(lo, hi)
		copy(t.perm[lo+nl:hi], t.tmp[lo:lo+nr])
		return lo + nl
	}
	mid := lo + (hi-lo)/2
	var nl, nr [2]int
	parallelFor(2, func(c int) {
		if c == 0 {
			nl[0], nr[0] = half(lo, mid)
		} else {
			nl[1], nr[1] = half(mid, hi)
		}
	})
	// [left A | right A → tmp][left B | right B → tmp] → [left A, left B, right A, right B]
	copy(t.perm[lo+nl[0]:], t.perm[mid:mid+nl[1]])
	split := lo + nl[0] + nl[1]
	copy(t.perm[split:], t.tmp[lo:lo+nr[0]])
	copy(t.perm[split+nr[0]:hi], t.tmp[mid:mid+nr[1]])
	return split
}

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
	for k := range t.bins {
		if !t.active[k] {
			continue
		}
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
					best = split{gain: g, feature: k, bin: b, ok: true}
				}
			}
			// ...or to the left.
			if miss.c > 0 && right.c > 0 {
				ll := left
				ll.add(miss)
				if valid(ll, right) {
					if g := t.score(ll.g, ll.h) + t.score(right.g, right.h) - parent; g > best.gain {
						best = split{gain: g, feature: k, bin: b, missL: true, ok: true}
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
	var left binStat
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
			bestGain, bestJ = g, j
		}
	}
	if bestJ < 0 {
		return
	}
	cats := make([]uint64, (len(h)+63)/64)
	for _, b := range levels[:bestJ+1] {
		cats[b>>6] |= 1 << (b & 63)
	}
	*best = split{gain: bestGain, feature: k, cats: cats, ok: true}
}

// finish sets the float thresholds from the bin cuts, so prediction needs no binning.
func (m *GBDT) finish(enc *Encoding) {
	for ti := range m.Trees {
		for ni := range m.Trees[ti].Nodes {
			nd := &m.Trees[ti].Nodes[ni]
			if nd.Feature >= 0 && nd.Cats == nil {
				cuts := enc.Columns[nd.Feature].Cuts
				nd.Threshold = cuts[nd.bin-1]
			}
		}
	}
}
