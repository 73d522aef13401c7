package scoring

import (
	"slices"
	"sync"
)

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

// work runs chunk tasks until none is queued or running; the newest queued task goes first, so a
// worker tends to stay on the rows it just touched.
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
