package scoring

import (
	"math"
	"slices"
	"strconv"
)

// encoded holds one float64 column per spec: the number (NaN when missing, dates as days since)
// or the category level code.
type encoded struct {
	n    int
	vals [][]float64
}

// encode applies the fitted encoding to any frame. Columns the model has never seen are ignored;
// columns it needs but the frame lacks are all missing; unseen categories map to "other".
func (e *Encoding) encode(f *Frame) *encoded {
	out := &encoded{n: f.n, vals: make([][]float64, len(e.Columns))}
	tokens := map[string]bool{}
	numericToken := false // a missing token that looks like a number ("-1") must be checked per value
	for _, t := range e.MissingTokens {
		tokens[t] = true
		if _, err := strconv.ParseFloat(t, 64); err == nil {
			numericToken = true
		}
	}
	parallelFor(len(e.Columns), func(k int) {
		s := &e.Columns[k]
		j, ok := f.index[s.Name]
		if !ok {
			v := make([]float64, f.n)
			fill := math.NaN()
			if s.isCat() {
				fill = levelMissing
			}
			for i := range v {
				v[i] = fill
			}
			out.vals[k] = v
			return
		}
		c := f.cols[j]
		ref := s.DateRef
		if f.Now != 0 {
			ref = float64(f.Now) / 86400
		}
		switch {
		case s.Type == TypeNumber && c.numeric && !numericToken:
			out.vals[k] = c.nums // shared, read-only: no copy for the common case
		case c.numeric:
			// Encode each distinct number once: formatting a million floats is slow.
			memo := map[float64]float64{}
			v := make([]float64, f.n)
			for i, x := range c.nums {
				if math.IsNaN(x) {
					v[i] = s.fromString("", true, tokens, ref)
					continue
				}
				e, ok := memo[x]
				if !ok {
					e = s.fromString(strconv.FormatFloat(x, 'g', -1, 64), false, tokens, ref)
					memo[x] = e
				}
				v[i] = e
			}
			out.vals[k] = v
		default:
			table := make([]float64, len(c.dict))
			for code, str := range c.dict {
				table[code] = s.fromString(str, code == 0, tokens, ref)
			}
			v := make([]float64, f.n)
			for i, code := range c.codes {
				v[i] = table[code]
			}
			out.vals[k] = v
		}
	})
	return out
}

// fromString encodes one raw value.
func (s *ColumnSpec) fromString(v string, missing bool, tokens map[string]bool, ref float64) float64 {
	missing = missing || tokens[v]
	if s.isCat() {
		if missing {
			return levelMissing
		}
		if l, ok := s.lookup[v]; ok {
			return float64(l)
		}
		return levelOther
	}
	if missing {
		return math.NaN()
	}
	x, ok := parseNumber(v, s.Type, s.Layout)
	if !ok {
		return math.NaN()
	}
	if s.Type == TypeDate {
		return ref - x
	}
	return x
}

// bins maps encoded values to histogram bins for tree training: 0 is missing for numbers, and
// categories use their level code.
func (e *Encoding) bins(x *encoded) [][]uint8 {
	out := make([][]uint8, len(e.Columns))
	parallelFor(len(e.Columns), func(k int) {
		s := &e.Columns[k]
		b := make([]uint8, x.n)
		for i, v := range x.vals[k] {
			switch {
			case s.isCat():
				b[i] = uint8(v)
			case !math.IsNaN(v):
				lo, _ := slices.BinarySearch(s.Cuts, v)
				b[i] = uint8(lo + 1)
			}
		}
		out[k] = b
	})
	return out
}

// nbins is the number of histogram bins of column k.
func (s *ColumnSpec) nbins() int {
	if s.isCat() {
		return len(s.Levels)
	}
	return len(s.Cuts) + 2
}

// percentile returns the share of training values below x, in [0,1].
func (s *ColumnSpec) percentile(x float64) float64 {
	if len(s.Pct) == 0 {
		return 0.5
	}
	i, _ := slices.BinarySearch(s.Pct, x)
	return float64(i) / 100
}
