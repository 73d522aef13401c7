package scoring

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

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

// newGBDTTrainer lays out the histogram of every column and allocates the scratch space of a fit
// on n rows once, so the boosting rounds allocate nothing per row.
func newGBDTTrainer(enc *Encoding, bins [][]uint8, w []float64, p GBDTParams, n int) *gbdtTrainer {
	t := &gbdtTrainer{p: p, bins: bins}
	for k := range enc.Columns {
		s := &enc.Columns[k]
		t.isCat = append(t.isCat, s.isCat())
		t.nb = append(t.nb, s.nbins())
		t.off = append(t.off, t.nbTot)
		t.nbTot += s.nbins()
	}
	t.gh = make([]gradPair, n)
	t.perm = make([]int32, n)
	t.tmp = make([]int32, n)
	t.rest = make([]int32, n)
	t.stride = t.chunkRows(n)
	t.chunks = make([]sampleChunk, (n+t.stride-1)/t.stride)
	t.rowBins = rowMajor(bins, n)
	t.w = w
	t.unitWeights = true
	for _, v := range w {
		t.unitWeights = t.unitWeights && v == 1
	}
	return t
}

// rowMajor copies the column-major bins row by row: building a histogram then reads one row's bins
// from one cache line instead of one line per column.
func rowMajor(bins [][]uint8, n int) []uint8 {
	K := len(bins)
	rb := make([]uint8, n*K)
	parallelChunks(n, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			for k := range K {
				rb[i*K+k] = bins[k][i]
			}
		}
	})
	return rb
}

// filled returns n copies of v: the starting scores of the training or validation rows.
func filled(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// growTree draws the columns and rows of round it and grows its tree on them. Round it draws from
// rand.NewPCG(Seed, it): one number per row (when subsampling), then one per column (when sampling
// columns), so that its draws depend on the seed and the round only, not on earlier rounds.
func (t *gbdtTrainer) growTree(it int, e, y, w []float64) (Tree, []*leafCand) {
	p := t.p
	draws := uint64(0)
	if p.Subsample < 1 {
		draws = uint64(len(y))
	}
	rng := rand.New(pcgAt(p.Seed, uint64(it), draws))
	t.cols = t.cols[:0]
	for k := range t.bins {
		if p.ColSample >= 1 || rng.Float64() < p.ColSample {
			t.cols = append(t.cols, k)
		}
	}
	root := t.sample(e, y, w, uint64(it))
	return t.grow(root)
}

// baseValue is Init plus every tree's cover-weighted mean output: the expected raw score over the
// training rows, which TreeSHAP explanations start from.
func (m *GBDT) baseValue() float64 {
	b := m.Init
	for i := range m.Trees {
		b += m.Trees[i].expected()
	}
	return b
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
