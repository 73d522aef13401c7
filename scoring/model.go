package scoring

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// FormatVersion is the version of the serialised Model; Unmarshal refuses newer versions.
const FormatVersion = 1

// Kind names a model family.
type Kind string

// Model kinds. KindAuto is only a training request: it trains both families and keeps the better.
const (
	KindAuto   Kind = "auto"
	KindLogReg Kind = "logreg"
	KindGBDT   Kind = "gbdt"
	KindPrior  Kind = "prior"
)

// Model is a trained scorer: the fitted encoding plus one model family and its calibration.
// It serialises with json.Marshal and loads with Unmarshal.
type Model struct {
	Format      int         `json:"format"`
	Kind        Kind        `json:"kind"`
	Encoding    *Encoding   `json:"encoding"`
	LogReg      *LogReg     `json:"logreg,omitempty"`
	GBDT        *GBDT       `json:"gbdt,omitempty"`
	Prior       *Prior      `json:"prior,omitempty"`
	Calibration Calibration `json:"calibration"`
	Validation  Metrics     `json:"validation"`    // held-out metrics when it was chosen
	Rows        int         `json:"training_rows"` // rows it was trained on (outcomes and weak labels)
	// Outcomes is how many leads with an outcome (won or lost) it learnt from: with EarlyEstimate,
	// what a card says ("early estimate: 12 outcomes so far").
	Outcomes       int               `json:"outcomes"`
	Units          map[string]string `json:"units,omitempty"`
	FeedbackWeight float64           `json:"feedback_weight,omitempty"`
	Notes          []string          `json:"notes,omitempty"`
}

// EarlyEstimate tells whether the model is the prior, running before there are enough outcomes
// to train: a card should say so, with Outcomes ("early estimate: 12 outcomes so far").
func (m *Model) EarlyEstimate() bool { return m.Kind == KindPrior }

// Unmarshal loads a model saved with json.Marshal.
func Unmarshal(data []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("scoring: reading model: %w", err)
	}
	if m.Format < 1 || m.Format > FormatVersion {
		return nil, fmt.Errorf("scoring: model format %d is not supported by this build (which reads 1..%d); upgrade leadbot", m.Format, FormatVersion)
	}
	if m.Encoding == nil {
		return nil, errors.New("scoring: model has no encoding")
	}
	switch {
	case m.Kind == KindLogReg && m.LogReg != nil, m.Kind == KindGBDT && m.GBDT != nil, m.Kind == KindPrior && m.Prior != nil:
	default:
		return nil, fmt.Errorf("scoring: model of kind %q lacks its parameters", m.Kind)
	}
	m.Encoding.index()
	if m.Prior != nil {
		m.Prior.index()
	}
	return &m, nil
}

// rawRows computes log-odds for every row of an encoded frame, in parallel.
func (m *Model) rawRows(x *encoded) []float64 {
	out := make([]float64, x.n)
	parallelChunks(x.n, func(_, lo, hi int) {
		switch m.Kind {
		case KindLogReg:
			for i := lo; i < hi; i++ {
				out[i] = m.LogReg.raw(m.Encoding, x, i)
			}
		case KindGBDT:
			m.GBDT.rawBlock(m.Encoding, x, lo, hi, out)
		case KindPrior:
			for i := lo; i < hi; i++ {
				out[i] = m.Prior.raw(m.Encoding, x, i)
			}
		}
	})
	return out
}

// Raw returns the uncalibrated log-odds of every row: what explanations add up to.
func (m *Model) Raw(f *Frame) []float64 { return m.rawRows(m.Encoding.encode(f)) }

// Predict returns calibrated probabilities for every row of f: 0.3 means a 30 % chance.
func (m *Model) Predict(f *Frame) []float64 {
	z := m.Raw(f)
	parallelChunks(len(z), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			z[i] = m.Calibration.apply(z[i])
		}
	})
	return z
}

// checkFinite guards against ever handing out a NaN model.
func (m *Model) checkFinite() error {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	if bad(m.Calibration.A) || bad(m.Calibration.B) {
		return errors.New("scoring: calibration is not finite")
	}
	if m.LogReg != nil {
		for _, c := range m.LogReg.Coef {
			if bad(c) {
				return errors.New("scoring: logistic regression has non-finite coefficients")
			}
		}
		if bad(m.LogReg.Intercept) {
			return errors.New("scoring: logistic regression has a non-finite intercept")
		}
	}
	if m.GBDT != nil {
		for _, t := range m.GBDT.Trees {
			for _, nd := range t.Nodes {
				if bad(nd.Value) {
					return errors.New("scoring: a tree has a non-finite leaf")
				}
			}
		}
	}
	return nil
}
