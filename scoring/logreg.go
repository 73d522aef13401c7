package scoring

import "math"

// LogReg is an L2-regularised logistic regression over the encoded columns. Every row has exactly
// one active feature per column: a standardised number, its missing indicator or its sentinel
// indicator, or one category dummy. That keeps training O(rows × columns) and makes exact linear
// SHAP a per-column sum.
type LogReg struct {
	Lambda    float64   `json:"lambda"`
	Intercept float64   `json:"intercept"`
	Coef      []float64 `json:"coef"`
	Mean      []float64 `json:"mean"`   // E[x] of every feature over the training rows (weighted)
	Offset    []int     `json:"offset"` // first feature of each column
	Center    []float64 `json:"center"` // numeric columns: mean of the transformed values
	Scale     []float64 `json:"scale"`  // numeric columns: standard deviation of the transformed values
	Iter      int       `json:"iterations"`
}

// Feature slots of a numeric column, from its offset: the standardised value, the missing
// indicator and, when the column has a sentinel, the sentinel indicator.
const (
	slotValue    = 0
	slotMissing  = 1
	slotSentinel = 2
)

// slots is how many features column s takes.
func (s *ColumnSpec) slots() int {
	switch {
	case s.isCat():
		return len(s.Levels)
	case s.HasSentinel:
		return 3
	}
	return 2
}

// newLogReg lays out the features for the encoding and fits the standardisation over the present,
// non-sentinel values.
func newLogReg(enc *Encoding, x *encoded, w []float64, lambda float64) *LogReg {
	m := &LogReg{Lambda: lambda, Offset: make([]int, len(enc.Columns)), Center: make([]float64, len(enc.Columns)), Scale: make([]float64, len(enc.Columns))}
	p := 0
	for k := range enc.Columns {
		s := &enc.Columns[k]
		m.Offset[k] = p
		p += s.slots()
		if s.isCat() {
			continue
		}
		var sw, sx, sxx float64
		for i, v := range x.vals[k] {
			if math.IsNaN(v) || s.isSentinel(v) {
				continue
			}
			v = s.linear(v)
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
	s := &enc.Columns[k]
	switch {
	case s.isCat():
		return m.Offset[k] + int(v), 1
	case math.IsNaN(v):
		return m.Offset[k] + slotMissing, 1
	case s.isSentinel(v):
		return m.Offset[k] + slotSentinel, 1
	}
	return m.Offset[k] + slotValue, (s.linear(v) - m.Center[k]) / m.Scale[k]
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
