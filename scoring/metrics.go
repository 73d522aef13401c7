package scoring

import (
	"cmp"
	"math"
	"slices"
)

// Metrics are the figures a scoring model is judged by. All are sample-weighted.
type Metrics struct {
	N         int     `json:"n"`
	Positives float64 `json:"positives"` // weighted count of positive labels
	AUC       float64 `json:"auc"`       // ROC AUC; ties count half
	PRAUC     float64 `json:"pr_auc"`    // average precision, as scikit-learn computes it
	LogLoss   float64 `json:"log_loss"`
	Brier     float64 `json:"brier"`
	PrecAt10  float64 `json:"precision_at_10"` // precision in the top 10 % of scores
	LiftAt10  float64 `json:"lift_at_10"`      // PrecAt10 over the base rate
	ECE       float64 `json:"ece"`             // expected calibration error, 10 equal-width bins
}

// ComputeMetrics computes Metrics for labels y (0/1), probabilities p and weights w (nil = 1).
func ComputeMetrics(y, p, w []float64) Metrics {
	n := len(y)
	m := Metrics{N: n}
	if n == 0 {
		return m
	}
	W, P := m.addPointwise(y, p, w)
	idx := rankByScore(p[:n])
	m.AUC, m.PRAUC = rankAUCs(y, p, w, idx, W, P)
	m.PrecAt10, m.LiftAt10 = topDecile(y, w, idx, W, P)
	return m
}

// weightAt is row i's weight, 1 when there are no weights, so unweighted callers need not build
// a slice of ones.
func weightAt(w []float64, i int) float64 {
	if w == nil {
		return 1
	}
	return w[i]
}

// addPointwise sets the metrics that score each row on its own (positives, log loss, Brier,
// calibration error) in one pass, and returns the total weight W and weighted positives P the
// ranking metrics need.
func (m *Metrics) addPointwise(y, p, w []float64) (W, P float64) {
	ece := make([][3]float64, 10) // per probability bin: weight, positives, predicted positives
	for i := range y {
		wi := weightAt(w, i)
		W += wi
		P += wi * y[i]
		q := min(max(p[i], 1e-15), 1-1e-15) // log loss stays finite for confident mistakes
		m.LogLoss -= wi * (y[i]*math.Log(q) + (1-y[i])*math.Log(1-q))
		m.Brier += wi * (p[i] - y[i]) * (p[i] - y[i])
		b := min(9, max(0, int(p[i]*10)))
		ece[b][0] += wi
		ece[b][1] += wi * y[i]
		ece[b][2] += wi * p[i]
	}
	m.Positives = P
	m.LogLoss /= W
	m.Brier /= W
	for _, b := range ece {
		if b[0] > 0 {
			m.ECE += math.Abs(b[1]-b[2]) / W
		}
	}
	return W, P
}

// rankByScore returns the rows by descending score; stable so that ties keep file order, as the
// peers do.
func rankByScore(p []float64) []int {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(p[b], p[a]) })
	return idx
}

// rankAUCs computes ROC AUC and average precision in one walk down the ranking idx, a tie group
// at a time, so that tied scores count as one threshold whatever their order. AUC is NaN with a
// single class: no ranking can be judged then.
func rankAUCs(y, p, w []float64, idx []int, W, P float64) (auc, ap float64) {
	n := len(idx)
	N := W - P
	var tp, fp, prevRecall float64
	for s := 0; s < n; {
		e := s
		var dtp, dfp float64
		for e < n && p[idx[e]] == p[idx[s]] {
			wi := weightAt(w, idx[e])
			dtp += wi * y[idx[e]]
			dfp += wi * (1 - y[idx[e]])
			e++
		}
		// Positives in this tie group beat the negatives ranked below and tie with their own.
		auc += dtp * (N - fp - dfp)
		auc += 0.5 * dtp * dfp
		tp += dtp
		fp += dfp
		if P > 0 && tp+fp > 0 {
			recall := tp / P
			ap += (recall - prevRecall) * tp / (tp + fp)
			prevRecall = recall
		}
		s = e
	}
	if P > 0 && N > 0 {
		return auc / (P * N), ap
	}
	return math.NaN(), ap
}

// topDecile is the precision among the top 10 % of the ranking idx (at least one row) and its lift
// over the base rate P/W: what a rep working the best-scored leads first gets.
func topDecile(y, w []float64, idx []int, W, P float64) (prec, lift float64) {
	k := max(1, int(math.Round(float64(len(idx))*0.1)))
	var tw, ty float64
	for _, i := range idx[:k] {
		tw += weightAt(w, i)
		ty += weightAt(w, i) * y[i]
	}
	if tw > 0 {
		prec = ty / tw
	}
	if P > 0 {
		lift = prec / (P / W)
	}
	return prec, lift
}

// aucRaw is the weighted ROC AUC of scores f (ties count half): what selection compares, cheap
// enough to compute after every boosting round.
func aucRaw(y, f, w []float64) float64 {
	idx := make([]int, len(f))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(f[b], f[a]) })
	var W, P float64
	for i := range y {
		W += weightAt(w, i)
		P += weightAt(w, i) * y[i]
	}
	auc, _ := rankAUCs(y, f, w, idx, W, P)
	return auc
}
