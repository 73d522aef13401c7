package scoring

import (
	"math"
	"sync"
)

// cnode is a tree node packed for fast scoring (32 bytes). A leaf points to itself, so a walk of a
// fixed number of steps ends on the leaf whatever the path length.
type cnode struct {
	thr   float64  // numbers: the threshold; categories: the bits of the left set's levels 0–63
	hi    uint64   // categories: the left set's levels 64–127
	feat  int32    // slot in the row laid out by fillRow
	child [2]int32 // left, right
	catm  uint32   // all ones for a category split, 0 for a number split
}

// compiled is a GBDT flattened for scoring.
type compiled struct {
	roots     []int32
	depths    []int32
	leafStart []int32 // per tree: nodes from here on are leaves
	nodes     []cnode
	values    []float64 // per node; leaves only
}

// compiledTrees lives outside GBDT's JSON: built on first use, shared by all goroutines.
type compiledTrees struct {
	once sync.Once
	c    *compiled
}

func (g *GBDT) compile() *compiled {
	g.fast.once.Do(func() {
		c := &compiled{}
		for ti := range g.Trees {
			t := &g.Trees[ti]
			// Internal nodes first, then leaves: "index ≥ leafStart" tells a walk it has ended.
			pos := make([]int32, len(t.Nodes))
			base := int32(len(c.nodes))
			next := base
			for i, nd := range t.Nodes {
				if nd.Feature >= 0 {
					pos[i] = next
					next++
				}
			}
			leafStart := next
			for i, nd := range t.Nodes {
				if nd.Feature < 0 {
					pos[i] = next
					next++
				}
			}
			c.nodes = append(c.nodes, make([]cnode, len(t.Nodes))...)
			c.values = append(c.values, make([]float64, len(t.Nodes))...)
			for i, nd := range t.Nodes {
				self := pos[i]
				cn := cnode{child: [2]int32{self, self}}
				if nd.Feature >= 0 {
					// The row holds every number twice, missing as +Inf in slot 2f and as −Inf
					// in slot 2f+1, so "x ≤ thr" routes missing values the learned way.
					cn.thr, cn.feat = nd.Threshold, 2*int32(nd.Feature)
					cn.child = [2]int32{pos[nd.Left], pos[nd.Right]}
					switch {
					case nd.Cats != nil:
						var bits [2]uint64
						copy(bits[:], nd.Cats)
						cn.thr, cn.hi, cn.catm = math.Float64frombits(bits[0]), bits[1], ^uint32(0)
					case nd.MissingLeft:
						cn.feat++
					}
				} else {
					c.values[self] = nd.Value
				}
				c.nodes[self] = cn
			}
			c.roots = append(c.roots, pos[0])
			c.leafStart = append(c.leafStart, leafStart)
			c.depths = append(c.depths, int32(t.depth()))
		}
		g.fast.c = c
	})
	return g.fast.c
}

// step returns the child of n for a row whose slots feat and feat+1 hold v and v2. The child is
// chosen with integer arithmetic rather than a branch: tree paths are unpredictable, so a branch
// per node would mispredict half the time. It is small enough to be inlined.
func step(n *cnode, v, v2 float64) int32 {
	// Numbers: thr − v has its sign bit set (go right) exactly when v > thr.
	num := uint32(math.Float64bits(n.thr-v) >> 63)
	// Categories: the row holds the level as one bit in two words; any common bit with the
	// node's left set means left.
	both := math.Float64bits(v)&math.Float64bits(n.thr) | math.Float64bits(v2)&n.hi
	cat := 1 - uint32((both|-both)>>63)
	return n.child[((cat&n.catm)|(num&^n.catm))&1]
}

// scoreBlock adds every tree's output for a block of rows (row-major, width w) to out. Four rows
// walk each tree in lockstep: their walks are independent, so the CPU overlaps their chains of
// dependent loads instead of waiting on one.
func (c *compiled) scoreBlock(rows []float64, w int, out []float64) {
	n := len(out)
	vals, nodes := c.values, c.nodes
	for t, root := range c.roots {
		d := int(c.depths[t])
		ls := c.leafStart[t]
		j := 0
		for ; j+4 <= n; j += 4 {
			o := j * w
			i0, i1, i2, i3 := root, root, root, root
			for range d {
				n0, n1, n2, n3 := &nodes[i0], &nodes[i1], &nodes[i2], &nodes[i3]
				f0, f1, f2, f3 := o+int(n0.feat), o+w+int(n1.feat), o+2*w+int(n2.feat), o+3*w+int(n3.feat)
				i0 = step(n0, rows[f0], rows[f0+1])
				i1 = step(n1, rows[f1], rows[f1+1])
				i2 = step(n2, rows[f2], rows[f2+1])
				i3 = step(n3, rows[f3], rows[f3+1])
				if (i0-ls)|(i1-ls)|(i2-ls)|(i3-ls) >= 0 {
					break // all four on leaves (leaf-wise trees are rarely full depth)
				}
			}
			out[j] += vals[i0]
			out[j+1] += vals[i1]
			out[j+2] += vals[i2]
			out[j+3] += vals[i3]
		}
		for ; j < n; j++ {
			i := root
			for range d {
				n := &nodes[i]
				f := j*w + int(n.feat)
				i = step(n, rows[f], rows[f+1])
			}
			out[j] += vals[i]
		}
	}
}

// fillRow lays out one row of encoded values for scoring: two slots per column (plus one spare at
// the end). A number is stored as itself twice, a missing number as +Inf and −Inf; a level code
// c as the bit 1<<c across the two slots read as 128 bits.
func fillRow(row []float64, x *encoded, cat []bool, i int) {
	for k, col := range x.vals {
		v := col[i]
		if cat[k] {
			c := uint(v) & 127
			row[2*k] = math.Float64frombits(uint64(1) << c & -uint64(1-c>>6))
			row[2*k+1] = math.Float64frombits(uint64(1) << (c & 63) & -uint64(c>>6))
			continue
		}
		if v != v {
			row[2*k], row[2*k+1] = math.Inf(1), math.Inf(-1)
		} else {
			row[2*k], row[2*k+1] = v, v
		}
	}
}

// rawBlock scores rows [lo,hi) of encoded data, a cache-sized block at a time.
func (g *GBDT) rawBlock(enc *Encoding, x *encoded, lo, hi int, out []float64) {
	c := g.compile()
	const block = 32 // rows: a block (2 slots × 8 bytes × columns each) stays in L1 while every tree is walked
	w := 2*len(x.vals) + 1
	rows := make([]float64, block*w)
	cat := make([]bool, len(x.vals))
	for k := range cat {
		cat[k] = enc.Columns[k].isCat()
	}
	for b := lo; b < hi; b += block {
		e := min(hi, b+block)
		for i := b; i < e; i++ {
			fillRow(rows[(i-b)*w:(i-b+1)*w], x, cat, i)
			out[i] = g.Init
		}
		c.scoreBlock(rows[:(e-b)*w], w, out[b:e])
	}
}
