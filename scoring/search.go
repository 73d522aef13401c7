package scoring

import (
	"context"
	"fmt"
	"slices"
)

// candSpec is one configuration to try. rank orders them by simplicity: within noise of the best,
// selection takes the lowest rank.
type candSpec struct {
	kind   Kind
	name   string
	lambda float64
	codes  bool // the linear model sees integer codes (IntCodes columns) as categories
	gbdt   GBDTParams
	rank   int
}

// view is one encoding of the frame and its encoded (and, for the trees, binned) rows.
type view struct {
	enc  *Encoding
	x    *encoded
	bins [][]uint8
}

// session holds the encoded data shared by every candidate of one Train call.
type session struct {
	ctx      context.Context
	num      *view // numbers as numbers
	codes    *view // integer codes as categories, for the linear model; nil when no column has them
	y, w     []float64
	cfg      TrainConfig
	units    map[string]string
	strong   []int  // rows with an outcome
	folds    []fold // inner validation
	timed    bool   // the folds are forward windows
	weakRows []int
	// heldVotes are the newest third of weakRows (frame order: leads oldest first), held out to
	// choose the weak labels' weight on; nil when too few, or one-sided (newestVotes).
	heldVotes []int
}

// lambdas are the L2 penalties tried, strongest (simplest) first.
var lambdas = []float64{100, 10, 1, 0.1}

// specs is the small search: four penalties for the linear model, each with integer codes as
// numbers and (when there are any) as categories, and three tree shapes whose number of trees is
// chosen on the folds. Bigger grids buy little on CRM data and cost minutes.
func (s *session) specs() []candSpec {
	var out []candSpec
	if s.cfg.Kind != KindGBDT {
		ls := lambdas
		if s.cfg.Lambda > 0 {
			ls = []float64{s.cfg.Lambda}
		}
		for _, l := range ls {
			out = append(out, candSpec{kind: KindLogReg, lambda: l, name: fmt.Sprintf("logreg λ=%g", l), rank: len(out)})
			if s.codes != nil {
				out = append(out, candSpec{kind: KindLogReg, lambda: l, codes: true, name: fmt.Sprintf("logreg λ=%g codes as categories", l), rank: len(out)})
			}
		}
	}
	if s.cfg.Kind != KindLogReg {
		if s.cfg.GBDT != nil {
			p := *s.cfg.GBDT
			out = append(out, candSpec{kind: KindGBDT, gbdt: p, name: gbdtName(p), rank: len(out)})
		} else {
			for _, shape := range []struct{ leaves, minLeaf, depth int }{{15, 20, 6}, {31, 40, 8}, {63, 80, 10}} {
				p := DefaultGBDTParams()
				p.Seed = s.cfg.Seed
				p.Trees, p.EarlyStop, p.LearningRate = 2000, 50, searchLR
				p.MaxLeaves, p.MinSamplesLeaf, p.MaxDepth = shape.leaves, shape.minLeaf, shape.depth
				p.Subsample, p.ColSample = 0.8, 0.8
				out = append(out, candSpec{kind: KindGBDT, gbdt: p, name: gbdtName(p), rank: len(out)})
			}
		}
	}
	return out
}

// searchLR is the learning rate of the tree search. 0.05 gained about 0.001 ROC AUC on the
// benchmark data but needs twice the trees, so twice the time to train, score and explain.
const searchLR = 0.1

func gbdtName(p GBDTParams) string {
	return fmt.Sprintf("gbdt leaves=%d depth=%d min_leaf=%d lr=%g", p.MaxLeaves, p.MaxDepth, p.MinSamplesLeaf, p.LearningRate)
}

// viewOf is the encoding a configuration trains on.
func (s *session) viewOf(sp candSpec) *view {
	if sp.codes {
		return s.codes
	}
	return s.num
}

// gather copies rows of a view, with their labels and weights (times scale when given).
func (s *session) gather(v *view, rows []int, scale []float64) (*encoded, [][]uint8, []float64, []float64) {
	x := &encoded{n: len(rows), vals: make([][]float64, len(v.x.vals))}
	var bins [][]uint8
	if v.bins != nil {
		bins = make([][]uint8, len(v.bins))
	}
	parallelFor(len(v.x.vals), func(k int) {
		vals := make([]float64, len(rows))
		for j, i := range rows {
			vals[j] = v.x.vals[k][i]
		}
		x.vals[k] = vals
		if bins != nil {
			b := make([]uint8, len(rows))
			for j, i := range rows {
				b[j] = v.bins[k][i]
			}
			bins[k] = b
		}
	})
	y := make([]float64, len(rows))
	w := make([]float64, len(rows))
	for j, i := range rows {
		y[j], w[j] = s.y[i], s.w[i]
		if scale != nil {
			w[j] *= scale[j]
		}
	}
	return x, bins, y, w
}

// trainRows is base plus the weak-labelled rows at weight fw, with each row's weight factor.
func (s *session) trainRows(base []int, fw float64) ([]int, []float64) {
	return withWeak(base, s.weakRows, fw)
}

// withWeak is base plus the rows weak at weight fw (none at 0), with each row's weight factor.
func withWeak(base, weak []int, fw float64) ([]int, []float64) {
	rows := slices.Clone(base)
	scale := make([]float64, len(rows), len(rows)+len(weak))
	for i := range scale {
		scale[i] = 1
	}
	if fw > 0 {
		for _, i := range weak {
			rows = append(rows, i)
			scale = append(scale, fw)
		}
	}
	return rows, scale
}

// train1 fits one model of configuration sp on the given rows; for trees, the validation rows
// (vbins may be nil) give the AUC after every round, and every round grown is kept.
func (s *session) train1(sp candSpec, v *view, x *encoded, bins [][]uint8, y, w []float64, vbins [][]uint8, vy, vw []float64) (*Model, []float64, error) {
	m := &Model{Format: FormatVersion, Kind: sp.kind, Encoding: v.enc, Calibration: identityCalibration, Units: s.units, Rows: x.n}
	if sp.kind == KindLogReg {
		lr := newLogReg(v.enc, x, w, sp.lambda)
		if err := lr.fit(s.ctx, v.enc, x, y, w); err != nil {
			return nil, nil, err
		}
		m.LogReg = lr
		return m, nil, nil
	}
	g, curve, err := fitGBDTCurve(s.ctx, v.enc, bins, y, w, vbins, vy, vw, sp.gbdt)
	if err != nil {
		return nil, nil, err
	}
	g.finish(v.enc)
	m.GBDT = g
	return m, curve, nil
}
