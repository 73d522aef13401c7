package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// shiftedSmooth is a smooth additive rule, which trees learn over many rounds, in time order with
// the base rate moving up by shift in the latest share of the rows.
func shiftedSmooth(n int, latest, shift float64, seed uint64) (*Frame, []float64) {
	rng := rand.New(rand.NewPCG(seed, 5))
	f := NewFrame([]string{"a", "b", "c"})
	y := make([]float64, n)
	for i := range n {
		a, b, c := rng.Float64()*2-1, rng.Float64()*2-1, rng.Float64()
		z := -2 + 1.5*a + 1.5*b*b
		if float64(i) >= (1-latest)*float64(n) {
			z += shift
		}
		y[i] = b2f(rng.Float64() < sigmoid(z))
		_ = f.AppendRow([]string{fmtF(a), fmtF(b), fmtF(c)})
	}
	return f, y
}

// shiftedXOR is xorData's rule in time order with the base rate moving up in the latest share of
// the rows: the ranking is the same throughout, only the level moves.
func shiftedXOR(n int, strength, latest, shift float64, seed uint64) (*Frame, []float64) {
	rng := rand.New(rand.NewPCG(seed, 4))
	f := NewFrame([]string{"a", "b", "c"})
	y := make([]float64, n)
	for i := range n {
		a, b, c := rng.Float64()*2-1, rng.Float64()*2-1, rng.Float64()
		z := -2.5
		if (a > 0) == (b > 0) {
			z += strength
		}
		if float64(i) >= (1-latest)*float64(n) {
			z += shift
		}
		y[i] = b2f(rng.Float64() < sigmoid(z))
		_ = f.AppendRow([]string{fmtF(a), fmtF(b), fmtF(c)})
	}
	return f, y
}

// The calibration must be that of the model that scores. Fitting it on a model trained without
// the newest leads (whose base rate moved up) and applying it to the refit on every lead boosted
// the newest rate twice: the mean probability of the newest leads overshot their observed rate.
func TestCalibrationIsFittedForTheModelUsed(t *testing.T) {
	for _, kind := range []Kind{KindLogReg, KindGBDT} {
		t.Run(string(kind), func(t *testing.T) {
			f, y := shiftedXOR(6000, 2.5, 0.2, 1.5, 7)
			m, _ := trainOK(t, f, y, TrainConfig{Kind: kind, Seed: 1, TimeOrdered: true})
			p := m.Predict(f)
			var sp, sy, n float64
			for i := len(y) - len(y)/10; i < len(y); i++ {
				sp, sy, n = sp+p[i], sy+y[i], n+1
			}
			if math.Abs(sp/n-sy/n) > 0.02 {
				t.Errorf("newest leads: mean probability %.3f, observed rate %.3f (calibration %+v)", sp/n, sy/n, m.Calibration)
			}
		})
	}
}

// Stratified folds: the cross-fitted calibration keeps the refit's probabilities in line with the
// rate on fresh leads from the same market.
func TestCrossFittedCalibrationOnFreshLeads(t *testing.T) {
	f, y := synthLeads(4000, 21)
	tf, ty := synthLeads(4000, 22)
	for _, kind := range []Kind{KindLogReg, KindGBDT} {
		m, _ := trainOK(t, f, y, TrainConfig{Kind: kind, Seed: 2})
		p := m.Predict(tf)
		var sp, sy float64
		for i := range p {
			sp, sy = sp+p[i], sy+ty[i]
		}
		if d := math.Abs(sp-sy) / float64(len(p)); d > 0.015 {
			t.Errorf("%s: fresh leads: mean probability off the observed rate by %.4f", kind, d)
		}
		if ece := ComputeMetrics(ty, p, nil).ECE; ece > 0.05 {
			t.Errorf("%s: ECE on fresh leads %.4f, want ≤ 0.05", kind, ece)
		}
	}
}

// The trees' count is chosen on ranking: a newest window whose base rate moved makes log loss
// worse from the first tree on, which stopped boosting at one tree; AUC does not move with it.
func TestTreesDoNotCollapseWhenTheBaseRateMoves(t *testing.T) {
	f, y := shiftedSmooth(5000, 0.2, 3, 3)
	m, rep := trainOK(t, f, y, TrainConfig{Kind: KindGBDT, Seed: 1, TimeOrdered: true})
	n := len(m.GBDT.Trees)
	t.Logf("%d trees (%s)", n, rep.Chosen)
	if n < 10 {
		t.Errorf("%d trees (%s)", n, rep.Chosen)
	}
}

// fittedWith is a candidate with per-fold AUCs, for the selection rule.
func fittedWith(kind Kind, rank int, aucs ...float64) fitted {
	return fitted{spec: candSpec{kind: kind, rank: rank, name: fmt.Sprint(kind, rank)}, aucs: aucs, c: Candidate{Kind: kind}}
}

// The one-standard-error rule: the simplest candidate within the noise of the best, and never a
// family by a fixed margin (the old rule took the linear model whenever it was within 0.001 of the
// trees, even when the trees were better on every fold).
func TestOneStandardErrorRule(t *testing.T) {
	tests := []struct {
		name  string
		cands []fitted
		want  int
	}{
		{"trees better on every fold", []fitted{fittedWith(KindLogReg, 0, 0.800, 0.810, 0.790, 0.805), fittedWith(KindGBDT, 1, 0.8009, 0.8109, 0.7909, 0.8059)}, 1},
		{"within noise: simpler", []fitted{fittedWith(KindLogReg, 0, 0.80, 0.83, 0.79, 0.81), fittedWith(KindGBDT, 1, 0.82, 0.81, 0.80, 0.815)}, 0},
		{"clearly better trees", []fitted{fittedWith(KindLogReg, 0, 0.70, 0.71, 0.69, 0.70), fittedWith(KindGBDT, 1, 0.80, 0.81, 0.79, 0.80)}, 1},
		{"stronger penalty within noise", []fitted{fittedWith(KindLogReg, 1, 0.801, 0.799, 0.80, 0.80), fittedWith(KindLogReg, 0, 0.800, 0.800, 0.801, 0.799)}, 1},
	}
	for _, tt := range tests {
		if got := bestCandidate(tt.cands); got != tt.want {
			t.Errorf("%s: chose %d, want %d", tt.name, got, tt.want)
		}
	}
}

// chooseRounds takes the best mean over the folds, a fold that stopped early keeping its last AUC.
func TestChooseRounds(t *testing.T) {
	curves := [][]float64{{-0.6, -0.7, -0.75, -0.74}, {-0.6, -0.65, -0.7, -0.72, -0.73, -0.72}}
	if got := chooseRounds(curves); got != 5 {
		t.Errorf("chose %d rounds, want 5", got)
	}
}
