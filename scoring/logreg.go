package scoring

import "math"

// LogReg is an L2-regularised logistic regression over the encoded columns. Every row has exactly
// one active feature per column: a standardised number or its missing indicator, or one category
// dummy. That keeps training O(rows × columns) and makes exact linear SHAP a per-column sum.
type LogReg struct {
	Lambda    float64   `json:"lambda"`
	Intercept float64   `json:"intercept"`
	Coef      []float64 `json:"coef"`
	Mean      []float64 `json:"mean"`   // E[x] of every feature over the training rows (weighted)
	Offset    []int     `json:"offset"` // first feature of each column
	Center    []float64 `json:"center"` // numeric columns: mean of clipped values
	Scale     []float64 `json:"scale"`  // numeric columns: standard deviation of clipped values
	Iter      int       `json:"iterations"`
}

// newLogReg lays out the features for the encoding and fits the standardisation.
func newLogReg(enc *Encoding, x *encoded, w []float64, lambda float64) *LogReg {
	m := &LogReg{Lambda: lambda, Offset: make([]int, len(enc.Columns)), Center: make([]float64, len(enc.Columns)), Scale: make([]float64, len(enc.Columns))}
	p := 0
	for k := range enc.Columns {
		s := &enc.Columns[k]
		m.Offset[k] = p
		if s.isCat() {
			p += len(s.Levels)
			continue
		}
		p += 2
		var sw, sx, sxx float64
		for i, v := range x.vals[k] {
			if math.IsNaN(v) {
				continue
			}
			v = min(max(v, s.Lo), s.Hi)
			sw += w[i]
			sx += w[i] * v
			sxx += w[i] * v * v
		}
		if sw > 0 {
			m.Center[k] = sx / sw
			m.Scale[k] = math.Sqrt(max(0, sxx/sw-m.Center[k]*m.Center[k]))
		}
		if m.Scale[k] < 1e-12 {
			m.Scale[k] = 1
		}
	}
	m.Coef = make([]float64, p)
	m.Mean = make([]float64, p)
	return m
}

// feature returns the active feature of column k in row i and its value.
func (m *LogReg) feature(enc *Encoding, x *encoded, k, i int) (int, float64) {
	v := x.vals[k][i]
	if enc.Columns[k].isCat() {
		return m.Offset[k] + int(v), 1
	}
	if math.IsNaN(v) {
		return m.Offset[k] + 1, 1
	}
	s := &enc.Columns[k]
	return m.Offset[k], (min(max(v, s.Lo), s.Hi) - m.Center[k]) / m.Scale[k]
}

// raw returns the log-odds of row i.
func (m *LogReg) raw(enc *Encoding, x *encoded, i int) float64 {
	z := m.Intercept
	for k := range enc.Columns {
		f, v := m.feature(enc, x, k, i)
		z += m.Coef[f] * v
	}
	return z
}
