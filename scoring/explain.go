package scoring

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Contribution is one source column's share of a score. All one-hot dummies and the missing and
// sentinel indicators of a column are summed into it, so "Lead Source" is one factor.
type Contribution struct {
	Column string  `json:"column"`
	Value  string  `json:"value"`  // the value as a rep reads it: "Reference", "1,240 s", "missing"
	Effect float64 `json:"effect"` // log-odds pushed up (+) or down (−), before calibration
	// Points is the effect in the units the rep sees: the column's share of Probability −
	// BaseProbability (0.12 = 12 points), the calibrated move from the average lead to this one
	// split in proportion to the effects, so the points of all columns add up to it exactly.
	Points     float64 `json:"points"`
	Missing    bool    `json:"missing"`              // the value was missing
	Percentile float64 `json:"percentile,omitempty"` // numbers: share of training leads below, or −1
}

// Explanation says why a lead scored as it did: Base + Σ Effect = Raw and BaseProbability +
// Σ Points = Probability, exactly.
type Explanation struct {
	Kind            Kind           `json:"kind"`
	Base            float64        `json:"base"`             // log-odds of the average lead
	Raw             float64        `json:"raw"`              // the model's log-odds for this lead
	Probability     float64        `json:"probability"`      // calibrated probability
	BaseProbability float64        `json:"base_probability"` // calibrated probability of the average lead
	Contributions   []Contribution `json:"contributions"`    // largest |Effect| first
	// Outcomes is how many outcomes the model learnt from; EarlyEstimate is set while it is the
	// prior, for the card's "early estimate: 12 outcomes so far".
	Outcomes      int  `json:"outcomes"`
	EarlyEstimate bool `json:"early_estimate,omitempty"`
}

// Explain explains row i of f. For many rows use ExplainRows, which encodes the frame once.
func (m *Model) Explain(f *Frame, i int) Explanation {
	return m.ExplainRows(f.Select([]int{i}), nil)[0]
}

// ExplainRows explains the given rows of f (all rows when rows is nil), in parallel.
func (m *Model) ExplainRows(f *Frame, rows []int) []Explanation {
	if rows == nil {
		rows = make([]int, f.Len())
		for i := range rows {
			rows[i] = i
		}
	}
	x := m.Encoding.encode(f)
	out := make([]Explanation, len(rows))
	K := len(m.Encoding.Columns)
	depth := 0
	if m.GBDT != nil {
		for t := range m.GBDT.Trees {
			depth = max(depth, m.GBDT.Trees[t].depth())
		}
	}
	parallelChunks(len(rows), func(_, lo, hi int) {
		phi := make([]float64, K)
		row := make([]float64, K)
		buf := make([]pathElem, (depth+3)*(depth+3))
		for j := lo; j < hi; j++ {
			i := rows[j]
			clear(phi)
			for k := range K {
				row[k] = x.vals[k][i]
			}
			var base float64
			switch m.Kind {
			case KindLogReg:
				base = m.LogReg.shap(m.Encoding, x, i, phi)
			case KindGBDT:
				base = m.GBDT.Base
				for t := range m.GBDT.Trees {
					m.GBDT.Trees[t].shap(row, phi, buf)
				}
			case KindPrior:
				base = m.Prior.explain(m.Encoding, x, i, phi)
			}
			out[j] = m.explanation(base, phi, row)
		}
	})
	return out
}

// explanation renders the per-column effects; Raw is Base + Σφ by construction.
func (m *Model) explanation(base float64, phi, row []float64) Explanation {
	e := Explanation{Kind: m.Kind, Base: base, Raw: base, Outcomes: m.Outcomes, EarlyEstimate: m.EarlyEstimate()}
	for k := range phi {
		e.Raw += phi[k]
	}
	e.Probability = m.Calibration.apply(e.Raw)
	e.BaseProbability = m.Calibration.apply(base)
	slope := m.Calibration.secant(base, e.Raw)
	e.Contributions = make([]Contribution, len(phi))
	for k, s := range m.Encoding.Columns {
		c := Contribution{Column: s.Name, Effect: phi[k], Points: phi[k] * slope, Percentile: -1}
		v := row[k]
		switch {
		case s.isCat():
			c.Missing = v == levelMissing
			c.Value = s.Levels[int(v)]
		case math.IsNaN(v):
			c.Missing, c.Value = true, "missing"
		default:
			c.Value = formatNumber(v, s.Type, m.Units[s.Name])
			c.Percentile = s.percentile(v)
		}
		e.Contributions[k] = c
	}
	slices.SortStableFunc(e.Contributions, func(a, b Contribution) int {
		return cmp.Compare(math.Abs(b.Effect), math.Abs(a.Effect))
	})
	return e
}

// shap computes exact linear SHAP φ = β(x − E[x]) summed per column, returning the base value.
func (m *LogReg) shap(enc *Encoding, x *encoded, i int, phi []float64) float64 {
	base := m.Intercept
	for f, b := range m.Coef {
		base += b * m.Mean[f]
	}
	for k, s := range enc.Columns {
		f, v := m.feature(enc, x, k, i)
		lo, hi := m.Offset[k], m.Offset[k]+s.slots()
		phi[k] = m.Coef[f] * v
		for j := lo; j < hi; j++ {
			phi[k] -= m.Coef[j] * m.Mean[j]
		}
	}
	return base
}

// String renders the factor as a rep reads it: "Lead Source: Reference",
// "Time on website: 1,240 s (top 10 %)", "Country: missing".
func (c Contribution) String() string {
	s := c.Column + ": " + c.Value
	switch {
	case c.Percentile >= 0.9:
		s += fmt.Sprintf(" (top %d %%)", max(1, int(math.Round((1-c.Percentile)*100))))
	case c.Percentile >= 0 && c.Percentile <= 0.1:
		s += fmt.Sprintf(" (bottom %d %%)", max(1, int(math.Round(c.Percentile*100))))
	}
	return s
}

// formatNumber writes 1240 as "1,240", dates as "N days ago", with a unit when configured.
func formatNumber(v float64, typ ColumnType, unit string) string {
	if typ == TypeDate {
		d := int(math.Round(v))
		switch {
		case d == 0:
			return "today"
		case d == 1:
			return "1 day ago"
		case d < 0:
			return fmt.Sprintf("in %d days", -d)
		}
		return fmt.Sprintf("%d days ago", d)
	}
	var s string
	if a := math.Abs(v); a >= 100 || v == math.Trunc(v) {
		s = groupThousands(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
	} else {
		s = strconv.FormatFloat(v, 'f', -1, 64)
		if len(s) > 6 {
			s = strconv.FormatFloat(v, 'g', 3, 64)
		}
	}
	if unit != "" {
		s += " " + unit
	}
	return s
}

func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
