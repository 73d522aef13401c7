package scoring

import "fmt"

// Decision is the outcome of comparing a challenger with the champion.
type Decision struct {
	Promote bool   `json:"promote"`
	Reason  string `json:"reason"`
}

// Promote decides whether a challenger replaces the champion. Both must be measured on the same
// recent hold-out (see Evaluate). The challenger wins only if its ROC AUC beats the champion's by
// at least margin and its log loss is not worse by more than 0.01 (a better ranking bought with
// wild probabilities is no win). champion is nil when there is none yet.
func Promote(champion *Metrics, challenger Metrics, margin float64) Decision {
	switch {
	case challenger.N == 0 || challenger.AUC != challenger.AUC:
		return Decision{false, "the challenger has no hold-out measurement (the hold-out needs won and lost leads)"}
	case champion == nil:
		return Decision{true, fmt.Sprintf("no champion yet; the challenger has ROC AUC %.3f on %d hold-out leads", challenger.AUC, challenger.N)}
	case champion.N != challenger.N:
		return Decision{false, fmt.Sprintf("champion and challenger were measured on different hold-outs (%d vs %d leads); measure both on the same leads", champion.N, challenger.N)}
	}
	gain := challenger.AUC - champion.AUC
	switch {
	case gain < margin:
		return Decision{false, fmt.Sprintf("kept the champion: challenger ROC AUC %.3f vs %.3f (%+.3f) does not beat it by the margin %.3f", challenger.AUC, champion.AUC, gain, margin)}
	case challenger.LogLoss > champion.LogLoss+0.01:
		return Decision{false, fmt.Sprintf("kept the champion: challenger ranks better (%+.3f ROC AUC) but its log loss is worse (%.3f vs %.3f)", gain, challenger.LogLoss, champion.LogLoss)}
	}
	return Decision{true, fmt.Sprintf("promoted: challenger ROC AUC %.3f vs %.3f (%+.3f ≥ margin %.3f), log loss %.3f vs %.3f", challenger.AUC, champion.AUC, gain, margin, challenger.LogLoss, champion.LogLoss)}
}

// Evaluate scores a labelled hold-out frame (labels 0/1, NaN rows skipped) and returns the
// metrics Promote compares.
func (m *Model) Evaluate(f *Frame, labels, weights []float64) Metrics {
	p := m.Predict(f)
	var y, q, w []float64
	for i, l := range labels {
		if l != l {
			continue
		}
		y = append(y, l)
		q = append(q, p[i])
		if weights != nil {
			w = append(w, weights[i])
		} else {
			w = append(w, 1)
		}
	}
	return ComputeMetrics(y, q, w)
}
