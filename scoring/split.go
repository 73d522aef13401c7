package scoring

import (
	"cmp"
	"math"
	"slices"
)

// timeKeys parses the time column as a date or a number; missing sorts first.
func timeKeys(f *Frame, col string) []float64 {
	n := f.Len()
	out := make([]float64, n)
	var vals []string
	for i := range n {
		v, _ := f.Value(i, col)
		vals = append(vals, v)
	}
	distinct := slices.Compact(slices.Sorted(slices.Values(vals)))
	if len(distinct) > 0 && distinct[0] == "" {
		distinct = distinct[1:]
	}
	typ, layout := inferType(distinct)
	for i, v := range vals {
		x, ok := parseNumber(v, typ, layout)
		if !ok {
			x = math.Inf(-1)
		}
		out[i] = x
	}
	return out
}

// CompareTimes orders two raw time values: as dates or numbers when both parse, as text
// otherwise; missing ("") sorts first.
func CompareTimes(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	}
	typ, layout := inferType([]string{a, b})
	if typ == TypeNumber || typ == TypeDate {
		x, ok1 := parseNumber(a, typ, layout)
		y, ok2 := parseNumber(b, typ, layout)
		if ok1 && ok2 {
			return cmp.Compare(x, y)
		}
	}
	return cmp.Compare(a, b)
}
