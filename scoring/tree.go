package scoring

// Node is one node of a regression tree. Leaves have Feature −1. Cover is the weighted number of
// training rows that reached the node: TreeSHAP needs it to be exact.
type Node struct {
	Feature     int      `json:"f"`
	Threshold   float64  `json:"t,omitempty"`  // numbers: x ≤ Threshold goes left
	Cats        []uint64 `json:"c,omitempty"`  // categories: level codes whose bit is set go left
	MissingLeft bool     `json:"ml,omitempty"` // numbers: where a missing value goes
	Left        int32    `json:"l,omitempty"`
	Right       int32    `json:"r,omitempty"`
	Value       float64  `json:"v"` // leaf output in log-odds, learning rate included
	Cover       float64  `json:"n"`
	Gain        float64  `json:"g,omitempty"`

	bin int // training only: numeric threshold as a bin index
}

// Tree is one regression tree; Nodes[0] is the root.
type Tree struct {
	Nodes []Node `json:"nodes"`
}

// goesLeft routes an encoded value through an internal node.
func (nd *Node) goesLeft(v float64) bool {
	if nd.Cats != nil {
		c := int(v)
		return c>>6 < len(nd.Cats) && nd.Cats[c>>6]>>(c&63)&1 == 1
	}
	if v != v { // NaN: missing
		return nd.MissingLeft
	}
	return v <= nd.Threshold
}

// goesLeftBin routes a training bin.
func (nd *Node) goesLeftBin(b uint8) bool {
	if nd.Cats != nil {
		return nd.Cats[b>>6]>>(b&63)&1 == 1
	}
	if b == 0 {
		return nd.MissingLeft
	}
	return int(b) <= nd.bin
}

// expected is the cover-weighted mean output: the base value of TreeSHAP.
func (t *Tree) expected() float64 {
	var s float64
	root := t.Nodes[0].Cover
	for i := range t.Nodes {
		if t.Nodes[i].Feature < 0 {
			s += t.Nodes[i].Value * t.Nodes[i].Cover / root
		}
	}
	return s
}

func (t *Tree) depth() int {
	var rec func(i int32) int
	rec = func(i int32) int {
		nd := &t.Nodes[i]
		if nd.Feature < 0 {
			return 0
		}
		return 1 + max(rec(nd.Left), rec(nd.Right))
	}
	return rec(0)
}

// pathElem is an element of TreeSHAP's unique path.
type pathElem struct {
	feature       int
	zero, one, pw float64
}

// shap adds the path-dependent TreeSHAP values of row to phi (Lundberg et al. 2018, Algorithm 2).
// buf must hold (depth+2)² elements.
func (t *Tree) shap(row []float64, phi []float64, buf []pathElem) {
	t.shapRec(row, phi, 0, 0, buf, 1, 1, -1)
}

func (t *Tree) shapRec(row, phi []float64, node int32, depth int, parent []pathElem, pz, po float64, pf int) {
	path := parent[depth+1:]
	copy(path[:depth+1], parent[:depth+1])
	extendPath(path, depth, pz, po, pf)
	nd := &t.Nodes[node]
	if nd.Feature < 0 {
		for i := 1; i <= depth; i++ {
			w := unwoundPathSum(path, depth, i)
			el := &path[i]
			phi[el.feature] += w * (el.one - el.zero) * nd.Value
		}
		return
	}
	hot, cold := nd.Right, nd.Left
	if nd.goesLeft(row[nd.Feature]) {
		hot, cold = nd.Left, nd.Right
	}
	iz, io := 1.0, 1.0
	k := 1
	for ; k <= depth; k++ {
		if path[k].feature == nd.Feature {
			break
		}
	}
	if k <= depth {
		iz, io = path[k].zero, path[k].one
		unwindPath(path, depth, k)
		depth--
	}
	t.shapRec(row, phi, hot, depth+1, path, t.Nodes[hot].Cover/nd.Cover*iz, io, nd.Feature)
	t.shapRec(row, phi, cold, depth+1, path, t.Nodes[cold].Cover/nd.Cover*iz, 0, nd.Feature)
}

func extendPath(p []pathElem, d int, z, o float64, f int) {
	p[d] = pathElem{feature: f, zero: z, one: o}
	if d == 0 {
		p[d].pw = 1
	}
	for i := d - 1; i >= 0; i-- {
		p[i+1].pw += o * p[i].pw * float64(i+1) / float64(d+1)
		p[i].pw = z * p[i].pw * float64(d-i) / float64(d+1)
	}
}

func unwindPath(p []pathElem, d, k int) {
	o, z := p[k].one, p[k].zero
	next := p[d].pw
	for i := d - 1; i >= 0; i-- {
		if o != 0 {
			tmp := p[i].pw
			p[i].pw = next * float64(d+1) / (float64(i+1) * o)
			next = tmp - p[i].pw*z*float64(d-i)/float64(d+1)
		} else {
			p[i].pw = p[i].pw * float64(d+1) / (z * float64(d-i))
		}
	}
	for i := k; i < d; i++ {
		p[i].feature, p[i].zero, p[i].one = p[i+1].feature, p[i+1].zero, p[i+1].one
	}
}

// recip[k] = 1/k: the unique path is short, and multiplying is much cheaper than dividing in the
// innermost loop of TreeSHAP.
var recip = func() (r [130]float64) {
	for k := 1; k < len(r); k++ {
		r[k] = 1 / float64(k)
	}
	return r
}()

// unwoundPathSum is the total weight of the path with element k removed. One-fractions are 0 or 1
// for a single row, which turns the general recurrence into two cheap loops.
func unwoundPathSum(p []pathElem, d, k int) float64 {
	o, z := p[k].one, p[k].zero
	next := p[d].pw
	var total float64
	d1 := float64(d + 1)
	if d+1 >= len(recip) {
		return unwoundPathSumSlow(p, d, k)
	}
	switch {
	case o == 1:
		zr := z * recip[d+1]
		for i := d - 1; i >= 0; i-- {
			tmp := next * d1 * recip[i+1]
			total += tmp
			next = p[i].pw - tmp*zr*float64(d-i)
		}
	case o != 0:
		return unwoundPathSumSlow(p, d, k)
	case z != 0:
		for i := d - 1; i >= 0; i-- {
			total += p[i].pw * recip[d-i]
		}
		total *= d1 / z
	}
	return total
}

func unwoundPathSumSlow(p []pathElem, d, k int) float64 {
	o, z := p[k].one, p[k].zero
	next := p[d].pw
	var total float64
	for i := d - 1; i >= 0; i-- {
		switch {
		case o != 0:
			tmp := next * float64(d+1) / (float64(i+1) * o)
			total += tmp
			next = p[i].pw - tmp*z*float64(d-i)/float64(d+1)
		case z != 0:
			total += p[i].pw / z / (float64(d-i) / float64(d+1))
		}
	}
	return total
}
