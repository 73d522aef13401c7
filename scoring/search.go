package scoring

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// candSpec is one configuration to try.
type candSpec struct {
	kind   Kind
	name   string
	lambda float64
	gbdt   GBDTParams
}

// fitted is a configuration trained on the training split and scored on validation.
type fitted struct {
	spec  candSpec
	c     Candidate
	calib Calibration
	trees int // boosting rounds kept by early stopping
}

// session holds the encoded data shared by every candidate of one Train call.
type session struct {
	ctx      context.Context
	enc      *Encoding
	x        *encoded
	bins     [][]uint8
	y, w     []float64
	cfg      TrainConfig
	units    map[string]string
	train    []int
	valid    []int
	weakRows []int
	// The training and validation splits, gathered once.
	xt, xv         *encoded
	bt, bv         [][]uint8
	yt, wt, yv, wv []float64
}

// specs is the small search: three penalties for the linear model and three tree shapes, all
// early-stopped on validation. Bigger grids buy little on CRM data and cost minutes.
func (s *session) specs() []candSpec {
	var out []candSpec
	if s.cfg.Kind != KindGBDT {
		lambdas := []float64{0.1, 1, 10}
		if s.cfg.Lambda > 0 {
			lambdas = []float64{s.cfg.Lambda}
		}
		for _, l := range lambdas {
			out = append(out, candSpec{kind: KindLogReg, lambda: l, name: fmt.Sprintf("logreg λ=%g", l)})
		}
	}
	if s.cfg.Kind != KindLogReg {
		if s.cfg.GBDT != nil {
			p := *s.cfg.GBDT
			out = append(out, candSpec{kind: KindGBDT, gbdt: p, name: gbdtName(p)})
		} else {
			for _, shape := range []struct {
				leaves, minLeaf, depth int
			}{{15, 20, 6}, {31, 40, 8}, {63, 80, 10}} {
				p := DefaultGBDTParams()
				p.Seed = s.cfg.Seed
				p.Trees, p.EarlyStop, p.LearningRate = 2000, 50, searchLR
				p.MaxLeaves, p.MinSamplesLeaf, p.MaxDepth = shape.leaves, shape.minLeaf, shape.depth
				p.Subsample, p.ColSample = 0.8, 0.8
				out = append(out, candSpec{kind: KindGBDT, gbdt: p, name: gbdtName(p)})
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

func (s *session) search() ([]fitted, error) {
	var out []fitted
	for _, sp := range s.specs() {
		f, err := s.fit(sp, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// subset gathers rows of the encoded data.
func (s *session) subset(rows []int) (*encoded, [][]uint8, []float64, []float64) {
	x := &encoded{n: len(rows), vals: make([][]float64, len(s.x.vals))}
	bins := make([][]uint8, len(s.bins))
	parallelFor(len(s.x.vals), func(k int) {
		v := make([]float64, len(rows))
		b := make([]uint8, len(rows))
		src, sb := s.x.vals[k], s.bins[k]
		for j, i := range rows {
			v[j], b[j] = src[i], sb[i]
		}
		x.vals[k], bins[k] = v, b
	})
	y := make([]float64, len(rows))
	w := make([]float64, len(rows))
	for j, i := range rows {
		y[j], w[j] = s.y[i], s.w[i]
	}
	return x, bins, y, w
}

// trainRows is the training split plus the weak-labelled rows at weight fw.
func (s *session) trainRows(base []int, fw float64) ([]int, []float64) {
	rows := slices.Clone(base)
	scale := make([]float64, len(rows), len(rows)+len(s.weakRows))
	for i := range scale {
		scale[i] = 1
	}
	if fw > 0 {
		for _, i := range s.weakRows {
			rows = append(rows, i)
			scale = append(scale, fw)
		}
	}
	return rows, scale
}

// fit trains one configuration on the training split and scores it on validation.
func (s *session) fit(sp candSpec, fw float64) (fitted, error) {
	if s.xv == nil {
		s.xv, s.bv, s.yv, s.wv = s.subset(s.valid)
	}
	xv, bv, yv, wv := s.xv, s.bv, s.yv, s.wv
	var xt *encoded
	var bt [][]uint8
	var yt, wt []float64
	if fw == 0 && s.xt != nil {
		xt, bt, yt, wt = s.xt, s.bt, s.yt, s.wt
	} else {
		rows, scale := s.trainRows(s.train, fw)
		xt, bt, yt, wt = s.subset(rows)
		for i := range wt {
			wt[i] *= scale[i]
		}
		if fw == 0 {
			s.xt, s.bt, s.yt, s.wt = xt, bt, yt, wt
		}
	}
	m, trees, err := s.train1(sp, xt, bt, yt, wt, bv, yv, wv)
	if err != nil {
		return fitted{}, err
	}
	z := m.rawRows(xv)
	cal := fitPlatt(z, yv, wv)
	p := make([]float64, len(z))
	for i := range z {
		p[i] = cal.apply(z[i])
	}
	met := ComputeMetrics(yv, p, wv)
	name := sp.name
	if sp.kind == KindGBDT {
		name = fmt.Sprintf("%s trees=%d", sp.name, trees)
	}
	if fw > 0 {
		name += fmt.Sprintf(" feedback_weight=%g", fw)
	}
	return fitted{spec: sp, calib: cal, trees: trees, c: Candidate{Name: name, Kind: sp.kind, Validation: met}}, nil
}

// train1 fits one model on the given rows.
func (s *session) train1(sp candSpec, x *encoded, bins [][]uint8, y, w []float64, vbins [][]uint8, vy, vw []float64) (*Model, int, error) {
	m := &Model{Format: FormatVersion, Kind: sp.kind, Encoding: s.enc, Calibration: identityCalibration, Units: s.units, Rows: x.n}
	switch sp.kind {
	case KindLogReg:
		lr := newLogReg(s.enc, x, w, sp.lambda)
		if err := lr.fit(s.ctx, s.enc, x, y, w); err != nil {
			return nil, 0, err
		}
		m.LogReg = lr
		return m, 0, nil
	default:
		g, _, err := fitGBDT(s.ctx, s.enc, bins, y, w, vbins, vy, vw, sp.gbdt)
		if err != nil {
			return nil, 0, err
		}
		g.finish(s.enc)
		m.GBDT = g
		return m, len(g.Trees), nil
	}
}

// refit trains the configuration on every labelled row (and weak label) with the calibration
// and number of trees found on validation.
func (s *session) refit(f fitted, fw float64) (*Model, error) {
	all := slices.Concat(s.train, s.valid)
	slices.Sort(all)
	rows, scale := s.trainRows(all, fw)
	// Free the splits: the refit needs the memory more.
	s.xt, s.bt, s.yt, s.wt, s.xv, s.bv, s.yv, s.wv = nil, nil, nil, nil, nil, nil, nil, nil
	var x *encoded
	var b [][]uint8
	var y, w []float64
	if len(rows) == s.x.n {
		x, b, y, w = s.x, s.bins, s.y, s.w // every row, in order: no copy
	} else {
		x, b, y, w = s.subset(rows)
		for i := range w {
			w[i] *= scale[i]
		}
	}
	sp := f.spec
	if sp.kind == KindGBDT {
		// 25 % more data supports a few more rounds than validation chose.
		sp.gbdt.Trees = max(1, int(math.Round(float64(f.trees)*1.1)))
		sp.gbdt.EarlyStop = 0
	}
	m, _, err := s.train1(sp, x, b, y, w, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	m.Calibration = f.calib
	m.Validation = f.c.Validation
	m.FeedbackWeight = fw
	if err := m.checkFinite(); err != nil {
		return nil, err
	}
	return m, nil
}
