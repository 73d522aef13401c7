package scoring

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

// predictBins routes row i of column-major bins to its leaf and returns the leaf's value: how a
// new tree updates the validation scores without float thresholds.
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
