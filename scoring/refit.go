package scoring

import "math"

// refit trains the configuration on every labelled row (and weak label) with the number of trees
// found on the folds, and calibrates that model, the one that will score.
func (s *session) refit(f fitted, fw float64) (*Model, error) {
	v := s.viewOf(f.spec)
	var x *encoded
	var b [][]uint8
	var y, w []float64
	if len(s.strong) == v.x.n && (fw == 0 || len(s.weakRows) == 0) {
		x, b, y, w = v.x, v.bins, s.y, s.w // every row, in order: no copy
	} else {
		rows, scale := s.trainRows(s.strong, fw)
		x, b, y, w = s.gather(v, rows, scale)
	}
	sp := f.spec
	if sp.kind == KindGBDT {
		// More rows support more rounds: scale the folds' choice by how many more rows the refit
		// has than the folds' training sets on average (4/3 for 4 folds).
		sp.gbdt.Trees = max(1, int(math.Round(float64(f.trees)*s.refitScale())))
		sp.gbdt.EarlyStop = 0
	}
	m, _, err := s.train1(sp, v, x, b, y, w, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	m.Calibration = s.calibrate(m, v, f)
	m.Validation = f.c.Validation
	m.FeedbackWeight = fw
	m.Outcomes = len(s.strong)
	if err := m.checkFinite(); err != nil {
		return nil, err
	}
	return m, nil
}

// calibrate is Platt scaling for the refitted model m, cross-fitted: A and B are fitted on the
// out-of-fold scores of this configuration, each from a model that never saw the lead it scored.
// With stratified folds every fold model has the refit's base rate, so (A, B) carry over as they
// are. Forward windows do not: each window's model learnt from earlier leads only, at an older
// base rate, and carrying its B over boosted a refit that already learnt the newer rate a second
// time. There the slope A is kept and B is fitted on m's own scores over the latest window, so
// that the mean probability of the model that scores equals the newest observed rate.
func (s *session) calibrate(m *Model, v *view, f fitted) Calibration {
	if !s.timed || f.calib == identityCalibration {
		return f.calib
	}
	target := s.folds[len(s.folds)-1].valid
	z := m.rawRows(v.x)
	zt := make([]float64, len(target))
	for j, i := range target {
		zt[j] = z[i]
	}
	y, w := s.labelsOf(target)
	return Calibration{A: f.calib.A, B: fitIntercept(zt, y, w, f.calib.A, f.calib.B)}
}

// refitScale is the refit's rows over the mean rows the folds trained on.
func (s *session) refitScale() float64 {
	var n float64
	for _, fd := range s.folds {
		n += float64(len(fd.train)) / float64(len(s.folds))
	}
	return max(1, float64(len(s.strong))/n)
}
