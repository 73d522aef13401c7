package scoring

import (
	"math"
	"sync"
)

// cnode is a tree node packed for fast scoring (32 bytes). A leaf points to itself, so a walk of a
// fixed number of steps ends on the leaf whatever the path length.
type cnode struct {
	thr   float64
	feat  int32    // slot in the row laid out by fillRow
	cat   int32    // index of the category bitset in compiled.cats; 0 (a dummy) for numbers
	child [2]int32 // left, right
	catm  uint32   // all ones for a category split, 0 for a number split
}

// compiled is a GBDT flattened for scoring.
type compiled struct {
	roots  []int32
	depths []int32
	nodes  []cnode
	values []float64 // per node; leaves only
	cats   [][4]uint64
}

// compiledTrees lives outside GBDT's JSON: built on first use, shared by all goroutines.
type compiledTrees struct {
	once sync.Once
	c    *compiled
}

func (g *GBDT) compile() *compiled {
	if g.fast == nil {
		g.fast = &compiledTrees{}
	}
	g.fast.once.Do(func() {
		c := &compiled{cats: make([][4]uint64, 1)}
		for ti := range g.Trees {
			t := &g.Trees[ti]
			base := int32(len(c.nodes))
			for i, nd := range t.Nodes {
				self := base + int32(i)
				cn := cnode{child: [2]int32{self, self}}
				if nd.Feature >= 0 {
					// The row holds every number twice, missing as +Inf in slot 2f and as −Inf
					// in slot 2f+1, so "x ≤ thr" routes missing values the learned way.
					cn.thr, cn.feat = nd.Threshold, 2*int32(nd.Feature)
					cn.child = [2]int32{base + nd.Left, base + nd.Right}
					switch {
					case nd.Cats != nil:
						var bits [4]uint64
						copy(bits[:], nd.Cats)
						cn.cat, cn.catm = int32(len(c.cats)), ^uint32(0)
						c.cats = append(c.cats, bits)
					case nd.MissingLeft:
						cn.feat++
					}
				}
				c.nodes = append(c.nodes, cn)
				v := 0.0
				if nd.Feature < 0 {
					v = nd.Value
				}
				c.values = append(c.values, v)
			}
			c.roots = append(c.roots, base)
			c.depths = append(c.depths, int32(t.depth()))
		}
		g.fast.c = c
	})
	return g.fast.c
}

// next moves from node i one level down for the row starting at rows[off]. The child is chosen
// with integer arithmetic rather than a branch: tree paths are unpredictable, so a branch per node
// would mispredict half the time.
func (c *compiled) next(i int32, rows []float64, off int) int32 {
	n := &c.nodes[i]
	v := rows[off+int(n.feat)]
	// Numbers: thr − v has its sign bit set (go right) exactly when v > thr.
	num := uint32(math.Float64bits(n.thr-v) >> 63)
	// Categories: the level code's bit set means left.
	// (fillRow stores level codes as raw bits in the slot, which saves a float conversion.)
	k := uint32(math.Float64bits(v)) & 255
	cat := 1 - uint32(c.cats[n.cat][k>>6]>>(k&63))&1
	return n.child[((cat&n.catm)|(num&^n.catm))&1]
}

// scoreBlock adds every tree's output for a block of rows (row-major, width w) to out. Four rows
// walk each tree in lockstep: their walks are independent, so the CPU overlaps their chains of
// dependent loads instead of waiting on one.
func (c *compiled) scoreBlock(rows []float64, w int, out []float64) {
	n := len(out)
	vals := c.values
	for t, root := range c.roots {
		d := int(c.depths[t])
		j := 0
		for ; j+4 <= n; j += 4 {
			o := j * w
			i0, i1, i2, i3 := root, root, root, root
			for range d {
				i0 = c.next(i0, rows, o)
				i1 = c.next(i1, rows, o+w)
				i2 = c.next(i2, rows, o+2*w)
				i3 = c.next(i3, rows, o+3*w)
			}
			out[j] += vals[i0]
			out[j+1] += vals[i1]
			out[j+2] += vals[i2]
			out[j+3] += vals[i3]
		}
		for ; j < n; j++ {
			i := root
			for range d {
				i = c.next(i, rows, j*w)
			}
			out[j] += vals[i]
		}
	}
}

// fillRow lays out one row of encoded values for scoring: two slots per column, numbers as they
// are, level codes as the bits of an integer.
func fillRow(row []float64, x *encoded, cat []bool, i int) {
	for k, col := range x.vals {
		v := col[i]
		if cat[k] {
			row[2*k] = math.Float64frombits(uint64(v))
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
	w := 2 * len(x.vals)
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
