package scoring

import (
	"cmp"
	"context"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
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

// gradPair is one row's gradient and hessian of the log loss, sample weight included.
type gradPair struct{ g, h float64 }

type split struct {
	gain    float64
	feature int
	bin     int
	missL   bool
	cats    []uint64
	left    binStat // the rows that go left
	ok      bool
}

type leafCand struct {
	node   int32
	lo, hi int // rows perm[lo:hi]
	depth  int
	hist   []binStat
	total  binStat
	best   split

	kids   [2]*leafCand // growAll: the children, once split
	chunks []partTask   // growAll: the split's chunk tasks
	todo   atomic.Int32 // growAll: chunk tasks not done yet
}

// The row work is cut into tasks of fixed row counts, never by the number of cores, and partial
// sums are combined in task order, so a fit is bit-for-bit the same on any machine. A task has at
// least rowGrain rows, and at least enough that clearing and merging its histogram stays cheap
// next to filling it; a range is cut in at most maxChunks tasks.
const (
	rowGrain  = 4096
	maxChunks = 16
)

// chunkRows is the rows per task for a range of size rows.
func (t *gbdtTrainer) chunkRows(size int) int {
	g := max(rowGrain, 48*t.nbTot/max(1, len(t.bins)))
	return max(g, (size+maxChunks-1)/maxChunks)
}

// gbdtTrainer holds the binned training data and scratch space of one fit.
type gbdtTrainer struct {
	p           GBDTParams
	bins        [][]uint8
	isCat       []bool
	nb          []int
	off         []int // offset of each column's bins in a histogram
	nbTot       int
	gh          []gradPair // per row, for the rows of the tree's sample
	w           []float64  // sample weights, for the covers TreeSHAP needs
	unitWeights bool
	perm        []int32 // rows of the tree's sample, grouped by node
	tmp         []int32 // partition scratch: the rows going right, at their task's offset
	rest        []int32 // rows left out of the tree's sample, at their chunk's offset
	rowBins     []uint8 // bins row-major: row r's bins are rowBins[r·K : (r+1)·K]
	cols        []int   // columns sampled for this tree
	pool        [][]binStat
	chunks      []sampleChunk // the tree's sample is drawn in chunks of stride rows
	stride      int
	tasks       []partTask
}

// sampleChunk is rows [c·stride, (c+1)·stride) when drawing a tree's sample.
type sampleChunk struct {
	in, out int // rows in the sample (at perm[lo:]) and left out (at rest[lo:])
	total   binStat
	hist    []binStat
}

// partTask partitions perm[lo:hi], part of one node, and builds the histogram of its rows on the
// node's smaller side (hist is nil when neither child can split).
type partTask struct {
	l         *leafCand
	route     Node // the split
	lo, hi    int
	nl, nr    int
	smallLeft bool
	hist      []binStat
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
	// The training scores are kept as e = exp(−score): a tree then multiplies a row's e by its
	// leaf's exp(−value), and p = 1/(1 + e) needs no exponential per row.
	e := make([]float64, n)
	for i := range e {
		e[i] = math.Exp(-m.Init)
	}
	var fv []float64
	if vbins != nil {
		fv = make([]float64, len(vy))
		for i := range fv {
			fv[i] = m.Init
		}
	}
	t.gh = make([]gradPair, n)
	t.perm = make([]int32, n)
	t.tmp = make([]int32, n)
	t.rest = make([]int32, n)
	t.stride = t.chunkRows(n)
	t.chunks = make([]sampleChunk, (n+t.stride-1)/t.stride)
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
	bestLoss, bestIter := math.Inf(1), -1
	var valCurve []float64
	for it := 0; it < p.Trees; it++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		// Tree it draws from rand.NewPCG(Seed, it): one number per row (when subsampling),
		// then one per column (when sampling columns).
		draws := uint64(0)
		if p.Subsample < 1 {
			draws = uint64(n)
		}
		rng := rand.New(pcgAt(p.Seed, uint64(it), draws))
		t.cols = t.cols[:0]
		for k := range bins {
			if p.ColSample >= 1 || rng.Float64() < p.ColSample {
				t.cols = append(t.cols, k)
			}
		}
		root := t.sample(e, y, w, uint64(it))
		tree, leaves := t.grow(root)
		if len(tree.Nodes) == 1 && it > 0 {
			break // nothing left to learn
		}
		t.update(&tree, leaves, e, fv, vbins)
		m.Trees = append(m.Trees, tree)
		if vbins != nil {
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

// sample draws the tree's rows (each with probability Subsample, from rand.NewPCG(Seed, stream)
// jumped ahead to each chunk's first row), computes their gradients and returns the root with its
// histogram, all in one parallel pass over the rows.
func (t *gbdtTrainer) sample(e, y, w []float64, stream uint64) *leafCand {
	n := len(e)
	sub := t.p.Subsample
	for c := range t.chunks {
		t.chunks[c].hist = t.getHist()
	}
	parallelFor(len(t.chunks), func(c int) {
		ch := &t.chunks[c]
		lo, hi := c*t.stride, min(n, (c+1)*t.stride)
		rng := pcgAt(t.p.Seed, stream, uint64(lo))
		in, out := lo, lo
		var tot binStat
		for i := lo; i < hi; i++ {
			if sub < 1 && float64(rng.Uint64()<<11>>11)/(1<<53) >= sub { // rand.Float64
				t.rest[out] = int32(i)
				out++
				continue
			}
			t.perm[in] = int32(i)
			in++
			q := 1 / (1 + e[i])
			g := gradPair{w[i] * (q - y[i]), w[i] * q * (1 - q)}
			t.gh[i] = g
			tot.g += g.g
			tot.h += g.h
			tot.c++
		}
		ch.in, ch.out, ch.total = in-lo, out-lo, tot
		clear(ch.hist)
		t.histRows(ch.hist, t.perm[lo:in])
	})
	root := &leafCand{hist: t.chunks[0].hist, total: t.chunks[0].total, hi: t.chunks[0].in}
	for c := 1; c < len(t.chunks); c++ {
		ch := &t.chunks[c]
		root.hi += copy(t.perm[root.hi:], t.perm[c*t.stride:c*t.stride+ch.in])
		addHist(root.hist, ch.hist)
		root.total.add(ch.total)
		t.pool = append(t.pool, ch.hist)
	}
	return root
}

// update adds the new tree to the training scores e = exp(−score) (sampled rows from their leaf,
// the others by traversal) and the validation scores, and sets the leaves' covers for weighted
// rows.
func (t *gbdtTrainer) update(tree *Tree, leaves []*leafCand, e, fv []float64, vbins [][]uint8) {
	nl, nc := len(leaves), len(t.chunks)
	factor := make([]float64, len(tree.Nodes)) // exp(−value) of each leaf
	for _, l := range leaves {
		factor[l.node] = math.Exp(-tree.Nodes[l.node].Value)
	}
	parallelFor(nl+nc+(len(fv)+rowGrain-1)/rowGrain, func(i int) {
		switch {
		case i < nl:
			l := leaves[i]
			x := factor[l.node]
			for _, r := range t.perm[l.lo:l.hi] {
				e[r] *= x
			}
			if !t.unitWeights {
				var c float64
				for _, r := range t.perm[l.lo:l.hi] {
					c += t.w[r]
				}
				tree.Nodes[l.node].Cover = c
			}
		case i < nl+nc:
			lo := (i - nl) * t.stride
			K := len(t.bins)
			for _, r := range t.rest[lo : lo+t.chunks[i-nl].out] {
				e[r] *= factor[tree.leafRow(t.rowBins[int(r)*K:int(r)*K+K])]
			}
		default:
			lo := (i - nl - nc) * rowGrain
			for j := lo; j < min(len(fv), lo+rowGrain); j++ {
				fv[j] += tree.predictBins(vbins, j)
			}
		}
	})
	var cover func(i int32) float64
	cover = func(i int32) float64 {
		nd := &tree.Nodes[i]
		if nd.Feature >= 0 {
			nd.Cover = cover(nd.Left) + cover(nd.Right)
		}
		return nd.Cover
	}
	cover(0)
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

// leafRow routes one row's bins (row-major: one cache line for most data) to its leaf.
func (t *Tree) leafRow(rb []uint8) int32 {
	j := int32(0)
	for {
		nd := &t.Nodes[j]
		if nd.Feature < 0 {
			return j
		}
		if nd.goesLeftBin(rb[nd.Feature]) {
			j = nd.Left
		} else {
			j = nd.Right
		}
	}
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

// pcgAt returns rand.NewPCG(seed1, seed2) advanced by k draws. PCG's state is a 128-bit linear
// congruential generator, whose k-th state is a·s + c for (a, c) found by repeated squaring.
func pcgAt(seed1, seed2, k uint64) *rand.PCG {
	const (
		mulHi = 2549297995355413924 // math/rand/v2's PCG multiplier and increment
		mulLo = 4865540595714422341
		incHi = 6364136223846793005
		incLo = 1442695040888963407
	)
	mul := func(aHi, aLo, bHi, bLo uint64) (hi, lo uint64) {
		hi, lo = bits.Mul64(aLo, bLo)
		return hi + aHi*bLo + aLo*bHi, lo
	}
	add := func(aHi, aLo, bHi, bLo uint64) (hi, lo uint64) {
		lo, c := bits.Add64(aLo, bLo, 0)
		hi, _ = bits.Add64(aHi, bHi, c)
		return hi, lo
	}
	aHi, aLo, cHi, cLo := uint64(0), uint64(1), uint64(0), uint64(0) // the identity map
	mHi, mLo, iHi, iLo := uint64(mulHi), uint64(mulLo), uint64(incHi), uint64(incLo)
	for ; k > 0; k >>= 1 {
		if k&1 == 1 { // (a, c) ← step ∘ (a, c)
			aHi, aLo = mul(aHi, aLo, mHi, mLo)
			cHi, cLo = mul(cHi, cLo, mHi, mLo)
			cHi, cLo = add(cHi, cLo, iHi, iLo)
		}
		m1Hi, m1Lo := add(mHi, mLo, 0, 1)
		iHi, iLo = mul(iHi, iLo, m1Hi, m1Lo)
		mHi, mLo = mul(mHi, mLo, mHi, mLo)
	}
	hi, lo := mul(aHi, aLo, seed1, seed2)
	hi, lo = add(hi, lo, cHi, cLo)
	return rand.NewPCG(hi, lo)
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

func addHist(dst, src []binStat) {
	src = src[:len(dst)]
	for k := range dst {
		dst[k].add(src[k])
	}
}

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

// grow builds one tree best-first and returns it with its leaves (row ranges in perm). Once the
// tree cannot reach MaxLeaves any more (from the root when MaxLeaves ≥ 2^MaxDepth), the order of
// the splits no longer matters and growAll splits everything left without barriers.
func (t *gbdtTrainer) grow(root *leafCand) (Tree, []*leafCand) {
	p := t.p
	tree := Tree{Nodes: []Node{{Feature: -1}}}
	root.best = t.bestSplit(root)
	leaves := []*leafCand{root}
	var batch []int
	for {
		batch = t.nextBatch(leaves, batch)
		if len(batch) == 0 {
			break
		}
		if len(batch) > 1 || t.cannotFill(leaves) {
			leaves = t.growAll(&tree, leaves, batch)
			break
		}
		leaves = t.splitBatch(&tree, leaves, batch)
	}
	for _, l := range leaves {
		t.putHist(l.hist)
		l.hist = nil
		nd := &tree.Nodes[l.node]
		nd.Value = -l.total.g / (l.total.h + p.L2) * p.LearningRate
		nd.Cover = l.total.c // weighted rows: update sets the sum of weights
	}
	return tree, leaves
}

func (t *gbdtTrainer) splittable(l *leafCand) bool {
	return l.best.ok && (t.p.MaxDepth <= 0 || l.depth < t.p.MaxDepth)
}

// cannotFill reports whether the tree cannot reach MaxLeaves, however it grows from leaves: then
// every splittable leaf will be split, down to MaxDepth, in whatever order (always so when
// MaxLeaves ≥ 2^MaxDepth).
func (t *gbdtTrainer) cannotFill(leaves []*leafCand) bool {
	p := t.p
	maxLeaves := max(2, p.MaxLeaves)
	reach := 0 // most leaves the tree can end with
	for _, l := range leaves {
		switch {
		case !t.splittable(l):
			reach++
		case p.MaxDepth <= 0 || p.MaxDepth-l.depth >= 30:
			return false
		default:
			reach += 1 << (p.MaxDepth - l.depth)
		}
		if reach > maxLeaves {
			return false
		}
	}
	return true
}

// nextBatch returns the leaves to split next: every splittable leaf when the tree cannot reach
// MaxLeaves (the order does not matter then), else the one of largest gain (best-first).
func (t *gbdtTrainer) nextBatch(leaves []*leafCand, batch []int) []int {
	batch = batch[:0]
	if len(leaves) >= max(2, t.p.MaxLeaves) {
		return batch
	}
	best := -1
	for i, l := range leaves {
		if t.splittable(l) {
			batch = append(batch, i)
			if best < 0 || l.best.gain > leaves[best].best.gain {
				best = i
			}
		}
	}
	if len(batch) > 1 && !t.cannotFill(leaves) {
		batch = append(batch[:0], best)
	}
	return batch
}

// node is the tree node of a split, without its children.
func (sp *split) node() Node {
	return Node{Feature: sp.feature, bin: sp.bin, MissingLeft: sp.missL, Cats: sp.cats, Gain: sp.gain}
}

// children returns l's two children, with their totals but no rows yet.
func (l *leafCand) children() (left, right *leafCand) {
	left = &leafCand{depth: l.depth + 1, total: l.best.left}
	right = &leafCand{depth: l.depth + 1, total: l.total}
	right.total.sub(l.best.left)
	return left, right
}

// chunkTasks appends the tasks partitioning l's rows, each with a histogram to fill.
func (t *gbdtTrainer) chunkTasks(tasks []partTask, l *leafCand) []partTask {
	size := l.hi - l.lo
	g := t.chunkRows(size)
	k := (size + g - 1) / g
	smallLeft := 2*l.best.left.c <= l.total.c
	route := l.best.node()
	hist := t.childMaySplit(l)
	for j := range k {
		c := partTask{l: l, route: route, lo: l.lo + j*size/k, hi: l.lo + (j+1)*size/k, smallLeft: smallLeft}
		if hist {
			c.hist = t.getHist()
		}
		tasks = append(tasks, c)
	}
	return tasks
}

// childMaySplit reports whether a child of l may split, so needs histograms: not below MaxDepth,
// and not if both have too few rows.
func (t *gbdtTrainer) childMaySplit(l *leafCand) bool {
	p := t.p
	if p.MaxDepth > 0 && l.depth+1 >= p.MaxDepth {
		return false
	}
	minC := float64(max(1, p.MinSamplesLeaf))
	return l.best.left.c >= 2*minC || l.total.c-l.best.left.c >= 2*minC
}

// splitBatch splits one leaf in two parallel passes: the first partitions its rows in chunks and
// builds the smaller child's histogram chunk by chunk; the second finds the children's splits.
func (t *gbdtTrainer) splitBatch(tree *Tree, leaves []*leafCand, batch []int) []*leafCand {
	for _, i := range batch {
		l := leaves[i]
		left, right := l.children()
		nd := &tree.Nodes[l.node]
		*nd = l.best.node()
		nd.Left, nd.Right = int32(len(tree.Nodes)), int32(len(tree.Nodes)+1)
		left.node, right.node = nd.Left, nd.Right
		tree.Nodes = append(tree.Nodes, Node{Feature: -1}, Node{Feature: -1})
		t.tasks = t.chunkTasks(t.tasks[:0], l)
		par := l.hi-l.lo >= 2048
		forEach(len(t.tasks), par, func(i int) { t.partChunk(&t.tasks[i]) })
		t.finishSplit(l, left, right, t.tasks, par)
		t.putHist(l.hist)
		l.hist = nil
		for _, c := range t.tasks[1:] {
			t.putHist(c.hist)
		}
		leaves[i] = left
		leaves = append(leaves, right)
	}
	return leaves
}

// finishSplit completes a split once its chunk tasks are done: it stitches the chunks' rows,
// merges their histograms (in chunk order) into the smaller child's, derives the larger child's as
// parent − smaller, and finds both children's best splits.
func (t *gbdtTrainer) finishSplit(l, left, right *leafCand, tasks []partTask, par bool) {
	// [left 0 | right 0 → tmp][left 1 | right 1 → tmp]… → [left 0, left 1, …, right 0, right 1, …]
	mid := l.lo + tasks[0].nl
	for _, c := range tasks[1:] {
		mid += copy(t.perm[mid:], t.perm[c.lo:c.lo+c.nl])
	}
	at := mid
	for _, c := range tasks {
		at += copy(t.perm[at:], t.tmp[c.lo:c.lo+c.nr])
	}
	left.lo, left.hi, right.lo, right.hi = l.lo, mid, mid, l.hi
	if tasks[0].hist == nil {
		return // leaves to be
	}
	small, large := left, right
	if !tasks[0].smallLeft {
		small, large = right, left
	}
	small.hist = tasks[0].hist
	for _, c := range tasks[1:] {
		addHist(small.hist, c.hist)
	}
	large.hist = l.hist
	l.hist = nil
	subHist(large.hist, small.hist)
	if par {
		kids := [2]*leafCand{left, right}
		parallelFor(2, func(c int) { kids[c].best = t.bestSplit(kids[c]) })
	} else {
		left.best = t.bestSplit(left)
		right.best = t.bestSplit(right)
	}
}

// grower splits a set of leaves and all their descendants on the workers, with no barrier between
// levels: a worker takes a chunk of some node's rows; the one finishing a node's last chunk
// finishes the split and queues the chunks of the children to split.
type grower struct {
	t       *gbdtTrainer
	mu      sync.Mutex
	cond    sync.Cond
	queue   []*partTask
	pending int // tasks queued or running
}

// growAll splits leaves[batch] and their descendants to the end; only for a tree that cannot reach
// MaxLeaves, whose shape does not depend on the order of the splits. Each node's work is cut and
// summed the same way whatever the order, and nodes are numbered at the end, breadth-first, so
// the tree is the same as grown level by level.
func (t *gbdtTrainer) growAll(tree *Tree, leaves []*leafCand, batch []int) []*leafCand {
	g := &grower{t: t}
	g.cond.L = &g.mu
	for _, i := range batch {
		g.push(leaves[i])
	}
	var wg sync.WaitGroup
	for range workers() - 1 {
		wg.Go(g.work)
	}
	g.work()
	wg.Wait()
	var queue, out []*leafCand
	for i, l := range leaves {
		if slices.Contains(batch, i) {
			queue = append(queue, l)
		} else {
			out = append(out, l)
		}
	}
	for len(queue) > 0 {
		l := queue[0]
		queue = queue[1:]
		if l.kids[0] == nil {
			out = append(out, l)
			continue
		}
		nd := &tree.Nodes[l.node]
		*nd = l.best.node()
		nd.Left, nd.Right = int32(len(tree.Nodes)), int32(len(tree.Nodes)+1)
		l.kids[0].node, l.kids[1].node = nd.Left, nd.Right
		tree.Nodes = append(tree.Nodes, Node{Feature: -1}, Node{Feature: -1})
		queue = append(queue, l.kids[0], l.kids[1])
	}
	return out
}

// push queues the chunk tasks of l's split.
func (g *grower) push(l *leafCand) {
	g.mu.Lock()
	l.chunks = g.t.chunkTasks(nil, l)
	l.todo.Store(int32(len(l.chunks)))
	for i := range l.chunks {
		g.queue = append(g.queue, &l.chunks[i])
	}
	g.pending += len(l.chunks)
	g.mu.Unlock()
	g.cond.Broadcast()
}

func (g *grower) work() {
	g.mu.Lock()
	for {
		for len(g.queue) == 0 && g.pending > 0 {
			g.cond.Wait()
		}
		if len(g.queue) == 0 {
			g.mu.Unlock()
			return
		}
		c := g.queue[len(g.queue)-1] // the newest: its rows are the likeliest in cache
		g.queue = g.queue[:len(g.queue)-1]
		g.mu.Unlock()
		g.t.partChunk(c)
		if c.l.todo.Add(-1) == 0 {
			g.finish(c.l)
		}
		g.mu.Lock()
		if g.pending--; g.pending == 0 {
			g.cond.Broadcast()
		}
	}
}

// finish completes l's split, then queues the children that split further.
func (g *grower) finish(l *leafCand) {
	t := g.t
	left, right := l.children()
	t.finishSplit(l, left, right, l.chunks, false)
	l.kids = [2]*leafCand{left, right}
	g.mu.Lock()
	t.putHist(l.hist)
	l.hist = nil
	for _, c := range l.chunks[1:] {
		t.putHist(c.hist)
	}
	for _, k := range l.kids {
		if !t.splittable(k) {
			t.putHist(k.hist)
			k.hist = nil
		}
	}
	g.mu.Unlock()
	l.chunks = nil
	for _, k := range l.kids {
		if t.splittable(k) {
			g.push(k)
		}
	}
}

// partChunk partitions the task's rows stably into the ones going left (moved to the front of
// perm[lo:hi]) and right (copied to tmp[lo:]), then builds the histogram of the smaller side.
func (t *gbdtTrainer) partChunk(c *partTask) {
	var goLeft [256]uint8
	for b := range t.nb[c.route.Feature] {
		if c.route.goesLeftBin(uint8(b)) {
			goLeft[b] = 1
		}
	}
	bins := t.bins[c.route.Feature]
	nl, nr := c.lo, c.lo
	perm, tmp := t.perm, t.tmp
	for _, r := range perm[c.lo:c.hi] {
		x := int(goLeft[bins[r]])
		perm[nl] = r // nl ≤ the index being read: the rest is still unread
		tmp[nr] = r
		nl += x
		nr += 1 - x
	}
	c.nl, c.nr = nl-c.lo, nr-c.lo
	if c.hist == nil {
		return
	}
	clear(c.hist)
	if c.smallLeft {
		t.histRows(c.hist, perm[c.lo:nl])
	} else {
		t.histRows(c.hist, tmp[c.lo:nr])
	}
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
