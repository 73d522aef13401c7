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
	wt := func(i int) float64 {
		if w == nil {
			return 1
		}
		return w[i]
	}
	var W, P float64
	ece := make([][3]float64, 10)
	for i := range n {
		wi := wt(i)
		W += wi
		P += wi * y[i]
		q := min(max(p[i], 1e-15), 1-1e-15)
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
	// Rank by descending score; stable so that ties keep file order, as the peers do.
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(p[b], p[a]) })
	N := W - P
	var tp, fp, auc, ap, prevRecall float64
	for s := 0; s < n; {
		e := s
		var dtp, dfp float64
		for e < n && p[idx[e]] == p[idx[s]] {
			wi := wt(idx[e])
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
		m.AUC = auc / (P * N)
	} else {
		m.AUC = math.NaN()
	}
	m.PRAUC = ap
	k := max(1, int(math.Round(float64(n)*0.1)))
	var tw, ty float64
	for _, i := range idx[:k] {
		tw += wt(i)
		ty += wt(i) * y[i]
	}
	if tw > 0 {
		m.PrecAt10 = ty / tw
	}
	if P > 0 {
		m.LiftAt10 = m.PrecAt10 / (P / W)
	}
	return m
}
