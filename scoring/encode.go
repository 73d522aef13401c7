package scoring

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ColumnType is how a source column is turned into model features.
type ColumnType string

// The column types; dates become "days since" at scoring time.
const (
	TypeNumber   ColumnType = "number"
	TypeCategory ColumnType = "category"
	TypeBoolean  ColumnType = "boolean"
	TypeDate     ColumnType = "date"
)

// Reserved category levels: every categorical column has them, so a missing value and a value
// never seen in training both have somewhere to go.
const (
	levelMissing = 0
	levelOther   = 1
)

// ColumnSpec is the fitted encoding of one source column, saved with the model.
type ColumnSpec struct {
	Name string     `json:"name"`
	Type ColumnType `json:"type"`
	// Numbers and dates.
	Median float64 `json:"median,omitempty"`
	Lo     float64 `json:"lo,omitempty"` // models saved before Transform: the linear model clipped to the 1st/99th percentile
	Hi     float64 `json:"hi,omitempty"`
	// How the linear model sees the number (encode_number.go): Transform "linear" or "slog"
	// (signed log1p of (x − Loc)/Spread, for heavy tails), never clipped; a Sentinel value held
	// by many rows at the edge of the range gets its own indicator instead.
	Transform   ColumnTransform `json:"transform,omitempty"`
	Loc         float64         `json:"loc,omitempty"`
	Spread      float64         `json:"spread,omitempty"`
	HasSentinel bool            `json:"has_sentinel,omitempty"`
	Sentinel    float64         `json:"sentinel,omitempty"`
	// IntCodes marks an integer column with few distinct values (a weekday, an OS code): training
	// also tries it as a category and keeps whichever validates better.
	IntCodes bool      `json:"int_codes,omitempty"`
	Pct      []float64 `json:"pct,omitempty"`  // percentiles 1..99 of training values, for "top 10 %"
	Cuts     []float64 `json:"cuts,omitempty"` // histogram bin edges for the trees
	Layout   string    `json:"layout,omitempty"`
	DateRef  float64   `json:"date_ref,omitempty"` // unix days of the training reference time
	Missing  float64   `json:"missing_rate"`
	// Categories and booleans: Levels[0] is "missing", Levels[1] is "other" (rare or unseen).
	Levels []string `json:"levels,omitempty"`

	lookup map[string]int
}

// DroppedColumn records a column left out of the model and why.
type DroppedColumn struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Encoding is the fitted mapping from raw CRM values to features.
type Encoding struct {
	Columns       []ColumnSpec    `json:"columns"`
	MissingTokens []string        `json:"missing_tokens"`
	Dropped       []DroppedColumn `json:"dropped,omitempty"`
}

// EncodeConfig controls how an encoding is fitted.
type EncodeConfig struct {
	Drop          []string              // leaks, identifiers and anything else to exclude
	Types         map[string]ColumnType // overrides of the inferred type
	MinCount      int                   // a category level needs this many rows, else pooled into "other"; 0 = automatic
	MaxLevels     int                   // most levels kept per category; 0 = 100
	MissingTokens []string              // extra values that mean missing
}

var boolWords = map[string]bool{"yes": true, "no": true, "true": true, "false": true, "y": true, "n": true, "t": true, "f": true}

var dateLayouts = []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02", "2006/01/02", "01/02/2006", "02.01.2006"}

// fitEncoding infers a type for every column and fits its encoding on the given frame.
func fitEncoding(f *Frame, cfg EncodeConfig) *Encoding {
	enc := &Encoding{MissingTokens: append([]string(nil), cfg.MissingTokens...)}
	drop := map[string]bool{}
	for _, d := range cfg.Drop {
		drop[strings.TrimSpace(d)] = true
	}
	for j, name := range f.names {
		if drop[name] {
			enc.Dropped = append(enc.Dropped, DroppedColumn{name, "excluded by configuration"})
			continue
		}
		spec, why := fitColumn(name, f.cols[j], f.n, cfg, enc.MissingTokens)
		if why != "" {
			enc.Dropped = append(enc.Dropped, DroppedColumn{name, why})
			continue
		}
		enc.Columns = append(enc.Columns, spec)
	}
	enc.index()
	return enc
}

// valueCounts returns the distinct non-missing raw values with their counts.
func valueCounts(c *column, tokens map[string]bool) (vals []string, counts []int, missing int) {
	if c.numeric {
		m := map[float64]int{}
		for _, x := range c.nums {
			if math.IsNaN(x) {
				missing++
			} else {
				m[x]++
			}
		}
		keys := make([]float64, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			vals = append(vals, strconv.FormatFloat(k, 'g', -1, 64))
			counts = append(counts, m[k])
		}
		return vals, counts, missing
	}
	cnt := make([]int, len(c.dict))
	for _, code := range c.codes {
		cnt[code]++
	}
	missing = cnt[0]
	for i := 1; i < len(c.dict); i++ {
		if cnt[i] == 0 {
			continue
		}
		if tokens[c.dict[i]] {
			missing += cnt[i]
			continue
		}
		vals = append(vals, c.dict[i])
		counts = append(counts, cnt[i])
	}
	return vals, counts, missing
}

func fitColumn(name string, c *column, n int, cfg EncodeConfig, extra []string) (ColumnSpec, string) {
	tokens := map[string]bool{}
	for _, t := range extra {
		tokens[t] = true
	}
	vals, counts, missing := valueCounts(c, tokens)
	present := n - missing
	spec := ColumnSpec{Name: name, Missing: float64(missing) / float64(max(n, 1))}
	switch {
	case present == 0:
		return spec, "always missing"
	case len(vals) == 1 && missing == 0:
		return spec, "constant"
	}
	typ, layout := inferType(vals)
	if t, ok := cfg.Types[name]; ok {
		typ = t
	}
	spec.Type, spec.Layout = typ, layout
	switch typ {
	case TypeNumber, TypeDate:
		xs := make([]float64, 0, present)
		allInt := true
		for i, v := range vals {
			x, ok := parseNumber(v, typ, layout)
			if !ok {
				continue
			}
			if typ == TypeDate {
				spec.DateRef = max(spec.DateRef, x)
			}
			allInt = allInt && x == math.Trunc(x)
			for range counts[i] {
				xs = append(xs, x)
			}
		}
		if len(xs) == 0 {
			return spec, fmt.Sprintf("no value parses as a %s", typ)
		}
		if typ == TypeNumber && allInt && len(vals) >= 50 && float64(len(vals)) >= 0.99*float64(present) {
			return spec, "identifier-like (nearly every value unique)"
		}
		if typ == TypeDate {
			for i := range xs {
				xs[i] = spec.DateRef - xs[i]
			}
		}
		fitNumeric(&spec, xs)
		_, overridden := cfg.Types[name]
		spec.IntCodes = typ == TypeNumber && allInt && !overridden && len(vals) >= 3 && len(vals) <= maxIntCodes
	default:
		if len(vals) >= 50 && float64(len(vals)) > 0.9*float64(present) {
			return spec, "identifier-like (nearly every value unique)"
		}
		fitLevels(&spec, vals, counts, n, cfg)
	}
	return spec, ""
}

// inferType looks at the distinct values only, so it is cheap even for a million rows.
func inferType(vals []string) (ColumnType, string) {
	num, boolean := true, len(vals) <= 2
	for _, v := range vals {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			num = false
		}
		if !boolWords[strings.ToLower(v)] {
			boolean = false
		}
	}
	switch {
	case num:
		return TypeNumber, ""
	case boolean:
		return TypeBoolean, ""
	}
	for _, layout := range dateLayouts {
		ok := true
		for _, v := range vals {
			if _, err := time.Parse(layout, v); err != nil {
				ok = false
				break
			}
		}
		if ok {
			return TypeDate, layout
		}
	}
	return TypeCategory, ""
}

// parseNumber parses a number, or a date as unix days.
func parseNumber(v string, typ ColumnType, layout string) (float64, bool) {
	if typ == TypeDate {
		t, err := time.Parse(layout, v)
		if err != nil {
			return 0, false
		}
		return float64(t.Unix()) / 86400, true
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}

// fitLevels keeps frequent levels and pools the rest into "other".
func fitLevels(spec *ColumnSpec, vals []string, counts []int, n int, cfg EncodeConfig) {
	minCount := cfg.MinCount
	if minCount <= 0 {
		minCount = max(3, min(30, n/1000))
	}
	maxLevels := cfg.MaxLevels
	if maxLevels <= 0 || maxLevels > 126 { // 128 levels with the two reserved: tree scoring packs them in 128 bits
		maxLevels = 100
	}
	idx := make([]int, len(vals))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return strings.Compare(vals[a], vals[b])
	})
	spec.Levels = []string{"missing", "other"}
	for _, i := range idx {
		if counts[i] < minCount || len(spec.Levels) >= maxLevels+2 {
			break
		}
		spec.Levels = append(spec.Levels, vals[i])
	}
}

// droppedNames are the columns the encoding left out, for fitting another encoding alike.
func (e *Encoding) droppedNames() []string {
	out := make([]string, len(e.Dropped))
	for i, d := range e.Dropped {
		out[i] = d.Name
	}
	return out
}

// index rebuilds lookup tables after fitting or unmarshalling.
func (e *Encoding) index() {
	for i := range e.Columns {
		s := &e.Columns[i]
		if s.Levels != nil {
			s.lookup = make(map[string]int, len(s.Levels))
			for k, l := range s.Levels[2:] {
				s.lookup[l] = k + 2
			}
		}
	}
}

// isCat tells whether the column is encoded as level codes.
func (s *ColumnSpec) isCat() bool { return s.Type == TypeCategory || s.Type == TypeBoolean }
