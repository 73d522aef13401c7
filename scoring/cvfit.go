package scoring

import (
	"fmt"
	"math"
)

// fitted is a configuration scored on every inner fold.
type fitted struct {
	spec  candSpec
	c     Candidate
	aucs  []float64 // validation ROC AUC per fold
	trees int       // trees: rounds chosen on the folds
	// The folds' validation rows, fold after fold, with their out-of-fold raw scores: what the
	// calibration of the refitted model is fitted on.
	rows  []int
	oof   []float64
	calib Calibration // Platt on the out-of-fold scores
}

// evaluate fits configuration sp on every fold's training rows (plus the weak labels at weight
// fw) and scores its validation rows.
func (s *session) evaluate(sp candSpec, fw float64) (fitted, error) {
	v := s.viewOf(sp)
	per := make([][]float64, len(s.folds))
	models := make([]*Model, len(s.folds))
	xvs := make([]*encoded, len(s.folds))
	var curves [][]float64
	for j, fd := range s.folds {
		rows, scale := s.trainRows(fd.train, fw)
		xt, bt, yt, wt := s.gather(v, rows, scale)
		xv, bv, yv, wv := s.gather(v, fd.valid, nil)
		m, curve, err := s.train1(sp, v, xt, bt, yt, wt, bv, yv, wv)
		if err != nil {
			return fitted{}, err
		}
		models[j], xvs[j] = m, xv
		curves = append(curves, curve)
	}
	out := fitted{spec: sp}
	if sp.kind == KindGBDT {
		out.trees = chooseRounds(curves)
	}
	for j, m := range models {
		if sp.kind == KindGBDT {
			m = truncated(m, out.trees)
		}
		per[j] = m.rawRows(xvs[j])
	}
	s.score(&out, per, fw)
	return out, nil
}

// score sets the per-fold AUCs, the pooled out-of-fold scores, their Platt calibration and the
// candidate's validation metrics (on every fold's rows, calibrated). Forward windows get one
// intercept each (fitPlattWindows), stratified folds one for all.
func (s *session) score(f *fitted, per [][]float64, fw float64) {
	var y, w []float64
	ys, ws := make([][]float64, len(s.folds)), make([][]float64, len(s.folds))
	for j, fd := range s.folds {
		ys[j], ws[j] = s.labelsOf(fd.valid)
		f.aucs = append(f.aucs, aucRaw(ys[j], per[j], ws[j]))
		f.rows = append(f.rows, fd.valid...)
		f.oof = append(f.oof, per[j]...)
		y, w = append(y, ys[j]...), append(w, ws[j]...)
	}
	var bs []float64
	if s.timed {
		f.calib, bs = fitPlattWindows(per, ys, ws)
	} else {
		f.calib = fitPlatt(f.oof, y, w)
	}
	p := make([]float64, 0, len(f.oof))
	for j := range per {
		c := f.calib
		if bs != nil {
			c.B = bs[j]
		}
		for _, z := range per[j] {
			p = append(p, c.apply(z))
		}
	}
	name := f.spec.name
	if f.spec.kind == KindGBDT {
		name = fmt.Sprintf("%s trees=%d", name, f.trees)
	}
	if fw > 0 {
		name += fmt.Sprintf(" feedback_weight=%g", fw)
	}
	f.c = Candidate{Name: name, Kind: f.spec.kind, Validation: ComputeMetrics(y, p, w)}
}

// labelsOf is the labels and weights of rows.
func (s *session) labelsOf(rows []int) (y, w []float64) {
	y, w = make([]float64, len(rows)), make([]float64, len(rows))
	for j, i := range rows {
		y[j], w[j] = s.y[i], s.w[i]
	}
	return y, w
}

// truncated is m with its first n trees only.
func truncated(m *Model, n int) *Model {
	g := &GBDT{Params: m.GBDT.Params, Init: m.GBDT.Init, Trees: m.GBDT.Trees[:min(n, len(m.GBDT.Trees))]}
	g.Params.Trees = len(g.Trees)
	g.Base = g.baseValue()
	c := *m
	c.GBDT = g
	return &c
}

// chooseRounds picks the number of trees from every fold's validation AUC curve (−AUC per round;
// a fold that stopped early keeps its last value): the round with the best mean AUC over the
// folds. Ranking, not log loss, so a window whose base rate moved cannot stop the search at one
// tree; and the mean's argmax rather than the one-standard-error rule, because forward windows
// disagree (on bank-full one window's AUC falls below 0.5 as trees are added while the latest
// rises), so the paired error is wide and the rule collapsed to a single tree.
func chooseRounds(curves [][]float64) int {
	n := 0
	for _, c := range curves {
		n = max(n, len(c))
	}
	best, bestMean := 0, math.Inf(-1)
	for t := range n {
		var m float64
		for _, c := range curves {
			m -= c[min(t, len(c)-1)]
		}
		if m /= float64(len(curves)); m > bestMean+1e-12 {
			best, bestMean = t, m
		}
	}
	return best + 1
}

// withinOneSE tells whether paired differences d (best minus candidate, one per fold) are within
// one standard error of zero: the candidate is not worse than the best beyond noise.
func withinOneSE(d []float64) bool {
	k := float64(len(d))
	var m, v float64
	for _, x := range d {
		m += x
	}
	m /= k
	if k < 2 {
		return m <= 0
	}
	for _, x := range d {
		v += (x - m) * (x - m)
	}
	se := math.Sqrt(v / (k - 1) / k)
	return m <= se
}

// meanOf is the mean of xs.
func meanOf(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
