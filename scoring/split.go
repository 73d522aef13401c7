package scoring

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// splitRows holds out the latest labelled rows when time is known, else a stratified random
// share, for validation.
func splitRows(f *Frame, strong []int, labels []float64, cfg TrainConfig) (train, valid []int, how string) {
	frac := cfg.ValidFraction
	if frac <= 0 || frac >= 1 {
		frac = 0.2
	}
	rows := slices.Clone(strong)
	if cfg.TimeColumn != "" || cfg.TimeOrdered {
		how = "time-forward: validated on the latest 20 % of leads (file order)"
		if cfg.TimeColumn != "" {
			t := timeKeys(f, cfg.TimeColumn)
			slices.SortStableFunc(rows, func(a, b int) int { return cmp.Compare(t[a], t[b]) })
			how = fmt.Sprintf("time-forward: validated on the latest 20 %% of leads by %q", cfg.TimeColumn)
		}
		if frac != 0.2 {
			how = fmt.Sprintf("time-forward, %.0f %% held out", frac*100)
		}
		cut := len(rows) - max(1, int(math.Round(float64(len(rows))*frac)))
		va := rows[cut:]
		var p int
		for _, i := range va {
			p += int(labels[i])
		}
		if p > 0 && p < len(va) {
			tr := rows[:cut]
			slices.Sort(tr)
			return tr, va, how
		}
		how = "stratified random 20 % (the latest leads hold one outcome only)"
	} else {
		how = "stratified random 20 %"
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	for _, cls := range []float64{0, 1} {
		var g []int
		for _, i := range rows {
			if labels[i] == cls {
				g = append(g, i)
			}
		}
		rng.Shuffle(len(g), func(a, b int) { g[a], g[b] = g[b], g[a] })
		k := int(math.Round(float64(len(g)) * frac))
		valid = append(valid, g[:k]...)
		train = append(train, g[k:]...)
	}
	slices.Sort(train)
	slices.Sort(valid)
	return train, valid, how
}

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
