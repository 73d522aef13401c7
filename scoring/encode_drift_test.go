package scoring

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// sentinelFrame has "pdays" = 999 on share of the rows ("never contacted") and 1..30 elsewhere,
// the fewer days since the last contact the likelier a win, plus a noise column.
func sentinelFrame(n int, share float64, seed uint64) (*Frame, []float64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	f := NewFrame([]string{"pdays", "noise"})
	y := make([]float64, n)
	for i := range n {
		d, z := 999, -2.0
		if rng.Float64() >= share {
			d = 1 + rng.IntN(30)
			z = 2 - 0.15*float64(d)
		}
		y[i] = b2f(rng.Float64() < sigmoid(z))
		_ = f.AppendRow([]string{fmt.Sprint(d), fmt.Sprint(rng.IntN(7))})
	}
	return f, y
}

// fitLogRegOn fits the linear model on f with a small penalty and returns it with its encoding.
func fitLogRegOn(t *testing.T, f *Frame, y []float64) (*LogReg, *Encoding) {
	t.Helper()
	enc := fitEncoding(f, EncodeConfig{})
	x := enc.encode(f)
	w := ones(len(y))
	m := newLogReg(enc, x, w, 0.1)
	if err := m.fit(context.Background(), enc, x, y, w); err != nil {
		t.Fatal(err)
	}
	return m, enc
}

// rawOf scores one value of the first column (the others missing) with the fitted model.
func rawOf(m *LogReg, enc *Encoding, col, v string) float64 {
	f := NewFrame([]string{col})
	_ = f.AppendRow([]string{v})
	return m.raw(enc, enc.encode(f), 0)
}

// A sentinel held by so many rows that the 1st and 99th percentiles are both 999 used to turn the
// column into a constant (winsorised to [999, 999]): its signal was lost.
func TestSentinelAtBothPercentilesKeepsSignal(t *testing.T) {
	f, y := sentinelFrame(20000, 0.993, 5)
	m, enc := fitLogRegOn(t, f, y)
	s := enc.Columns[0]
	if s.Pct[0] != 999 || s.Pct[98] != 999 {
		t.Fatalf("test data: p1 %v, p99 %v; want both 999", s.Pct[0], s.Pct[98])
	}
	if !s.HasSentinel || s.Sentinel != 999 {
		t.Errorf("sentinel not detected: has %v value %v", s.HasSentinel, s.Sentinel)
	}
	never, recent, stale := rawOf(m, enc, "pdays", "999"), rawOf(m, enc, "pdays", "2"), rawOf(m, enc, "pdays", "28")
	if !(recent > stale+0.5 && recent > never+1) {
		t.Errorf("pdays carries no signal: log-odds at 2 days %.3f, 28 days %.3f, never %.3f", recent, stale, never)
	}
}

// A later value outside the training range must keep moving the score, not be frozen at a bound.
func TestOutOfRangeValuesAreNotFrozen(t *testing.T) {
	tests := []struct {
		name string
		gen  func(rng *rand.Rand) float64 // the training value
	}{
		{"uniform", func(rng *rand.Rand) float64 { return rng.Float64() * 100 }},
		{"heavy tail", func(rng *rand.Rand) float64 { return rng.ExpFloat64() * rng.ExpFloat64() * 20 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(9, 9))
			f := NewFrame([]string{"visits"})
			var y []float64
			for range 4000 {
				v := tt.gen(rng)
				y = append(y, b2f(rng.Float64() < sigmoid(-1+0.02*v)))
				_ = f.AppendRow([]string{fmtF(v)})
			}
			m, enc := fitLogRegOn(t, f, y)
			top := enc.Columns[0].Pct[98]
			a, b, c := rawOf(m, enc, "visits", fmtF(top)), rawOf(m, enc, "visits", fmtF(2*top)), rawOf(m, enc, "visits", fmtF(4*top))
			if !(a < b && b < c) {
				t.Errorf("%s transform: log-odds at p99 %.4f, ×2 %.4f, ×4 %.4f; want increasing", enc.Columns[0].Transform, a, b, c)
			}
		})
	}
}

// Integer columns with few distinct values are marked as candidates for a category; wide ones
// and ones whose type is configured are not.
func TestIntCodesMarked(t *testing.T) {
	f := NewFrame([]string{"os", "visits", "fixed"})
	rng := rand.New(rand.NewPCG(1, 1))
	for range 2000 {
		_ = f.AppendRow([]string{fmt.Sprint(1 + rng.IntN(8)), fmt.Sprint(rng.IntN(400)), fmt.Sprint(rng.IntN(5))})
	}
	enc := fitEncoding(f, EncodeConfig{Types: map[string]ColumnType{"fixed": TypeNumber}})
	want := map[string]bool{"os": true, "visits": false, "fixed": false}
	for _, s := range enc.Columns {
		if s.IntCodes != want[s.Name] {
			t.Errorf("%s: IntCodes %v, want %v", s.Name, s.IntCodes, want[s.Name])
		}
	}
}

// An integer code seen as a category: a code never seen in training goes to "other", a missing
// one to "missing", never to a neighbour's level.
func TestUnseenIntegerCodeIsOther(t *testing.T) {
	f := NewFrame([]string{"os"})
	for i := range 800 {
		_ = f.AppendRow([]string{fmt.Sprint(1 + i%8)})
	}
	enc := fitEncoding(f, EncodeConfig{Types: map[string]ColumnType{"os": TypeCategory}})
	g := NewFrame([]string{"os"})
	for _, v := range []string{"3", "9", ""} {
		_ = g.AppendRow([]string{v})
	}
	x := enc.encode(g)
	s := enc.Columns[0]
	if got := s.Levels[int(x.vals[0][0])]; got != "3" {
		t.Errorf("seen code 3 encoded as %q", got)
	}
	if x.vals[0][1] != levelOther || x.vals[0][2] != levelMissing {
		t.Errorf("unseen code → level %v, missing → level %v; want other (%d) and missing (%d)", x.vals[0][1], x.vals[0][2], levelOther, levelMissing)
	}
}
