package scoring

import (
	"context"
	"math"
)

// fitGBDT trains on binned columns; the validation rows vbins, vy, vw (vbins may be nil) drive
// early stopping on log loss and the model keeps the rounds up to the best. It also returns the
// validation loss after every round (nil without validation).
func fitGBDT(ctx context.Context, enc *Encoding, bins [][]uint8, y, w []float64, vbins [][]uint8, vy, vw []float64, p GBDTParams) (*GBDT, []float64, error) {
	m, stop, err := boost(ctx, enc, bins, y, w, vbins, vy, vw, p, logLossRaw)
	if err != nil {
		return nil, nil, err
	}
	stop.keepBest(m)
	m.Base = m.baseValue()
	return m, stop.curve, nil
}

// fitGBDTCurve trains like fitGBDT but stops on the validation ROC AUC (which a shift of one
// window's base rate cannot move, unlike log loss) and keeps every round grown, so the caller can
// pick the number of trees from several windows' curves. The curve is −AUC after every round.
func fitGBDTCurve(ctx context.Context, enc *Encoding, bins [][]uint8, y, w []float64, vbins [][]uint8, vy, vw []float64, p GBDTParams) (*GBDT, []float64, error) {
	m, stop, err := boost(ctx, enc, bins, y, w, vbins, vy, vw, p, func(y, f, w []float64) float64 { return -aucRaw(y, f, w) })
	if err != nil {
		return nil, nil, err
	}
	m.Base = m.baseValue()
	return m, stop.curve, nil
}

// boost grows trees until p.Trees, nothing is left to learn, or the validation loss has not
// improved for p.EarlyStop rounds.
func boost(ctx context.Context, enc *Encoding, bins [][]uint8, y, w []float64, vbins [][]uint8, vy, vw []float64, p GBDTParams, loss func(y, f, w []float64) float64) (*GBDT, *earlyStopping, error) {
	t := newGBDTTrainer(enc, bins, w, p, len(y))
	m := &GBDT{Params: p, Init: baseLogOdds(y, w)}
	// The training scores are kept as e = exp(−score): a tree then multiplies a row's e by its
	// leaf's exp(−value), and p = 1/(1 + e) needs no exponential per row.
	e := filled(len(y), math.Exp(-m.Init))
	var fv []float64
	if vbins != nil {
		fv = filled(len(vy), m.Init)
	}
	stop := &earlyStopping{patience: p.EarlyStop, bestLoss: math.Inf(1), bestIter: -1}
	for it := 0; it < p.Trees; it++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		tree, leaves := t.growTree(it, e, y, w)
		if len(tree.Nodes) == 1 && it > 0 {
			break // nothing left to learn
		}
		t.update(&tree, leaves, e, fv, vbins)
		m.Trees = append(m.Trees, tree)
		if vbins != nil && stop.observe(it, loss(vy, fv, vw)) {
			break
		}
	}
	return m, stop, nil
}

// earlyStopping tracks the validation loss round by round, so boosting stops once more trees stop
// helping and the model keeps only the rounds up to the best one.
type earlyStopping struct {
	patience int     // rounds without a better loss before stopping; 0 = never stop
	bestLoss float64 // lowest validation loss so far
	bestIter int     // round of bestLoss; −1 before any
	curve    []float64
}

// observe records the validation loss after round it and reports whether to stop. A loss must beat the
// best by more than rounding noise to count as better.
func (s *earlyStopping) observe(it int, loss float64) bool {
	s.curve = append(s.curve, loss)
	if loss < s.bestLoss-1e-12 {
		s.bestLoss, s.bestIter = loss, it
	}
	return s.patience > 0 && it-s.bestIter >= s.patience
}

// keepBest drops the rounds after the best validation loss, when stopping early: they only fit
// noise. Without validation nothing was observed and every round is kept.
func (s *earlyStopping) keepBest(m *GBDT) {
	if s.bestIter >= 0 && s.patience > 0 {
		m.Trees = m.Trees[:s.bestIter+1]
		m.Params.Trees = s.bestIter + 1
	}
}

// logLossRaw is the weighted mean log loss of raw scores f, computed stably for large |f|: the
// validation loss early stopping watches.
func logLossRaw(y, f, w []float64) float64 {
	var s, sw float64
	for i := range y {
		z := f[i]
		s += w[i] * (math.Max(z, 0) + math.Log1p(math.Exp(-math.Abs(z))) - y[i]*z)
		sw += w[i]
	}
	return s / sw
}
