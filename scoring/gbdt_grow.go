package scoring

import "sync/atomic"

// leafCand is a leaf of the tree being grown: its rows, histogram and best split, kept until it
// is split or the tree is done.
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

// splittable reports whether l may still be split: it has a split worth taking and is above
// MaxDepth.
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
