package scoring

import (
	"context"
	"math"
	"testing"
)

// With one categorical column and a negligible penalty the maximum-likelihood fit is known in
// closed form: each level's log-odds equals the logit of its observed rate.
func TestLogRegMatchesClosedForm(t *testing.T) {
	counts := map[string][2]int{"A": {30, 70}, "B": {60, 40}, "C": {5, 95}} // positives, negatives
	f := NewFrame([]string{"c"})
	var y []float64
	for _, lv := range []string{"A", "B", "C"} {
		c := counts[lv]
		for i := range c[0] + c[1] {
			_ = f.AppendRow([]string{lv})
			y = append(y, b2f(i < c[0]))
		}
	}
	enc := fitEncoding(f, EncodeConfig{MinCount: 1})
	x := enc.encode(f)
	w := ones(len(y))
	m := newLogReg(enc, x, w, 1e-9)
	if err := m.fit(context.Background(), enc, x, y, w); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(y); i += 100 {
		lv, _ := f.Value(i, "c")
		c := counts[lv]
		want := math.Log(float64(c[0]) / float64(c[1]))
		if got := m.raw(enc, x, i); math.Abs(got-want) > 1e-6 {
			t.Errorf("level %s: log-odds %.9f, want %.9f", lv, got, want)
		}
	}
}

// A numeric column with a known optimum: the gradient of the penalised likelihood is zero.
func TestLogRegStationary(t *testing.T) {
	f, y := synthLeads(3000, 7)
	enc := fitEncoding(f, EncodeConfig{Drop: []string{"Lead ID"}})
	x := enc.encode(f)
	w := ones(len(y))
	m := newLogReg(enc, x, w, 1)
	if err := m.fit(context.Background(), enc, x, y, w); err != nil {
		t.Fatal(err)
	}
	g := make([]float64, len(m.Coef))
	var g0 float64
	for i := range y {
		r := sigmoid(m.raw(enc, x, i)) - y[i]
		g0 += r
		for k := range enc.Columns {
			f, v := m.feature(enc, x, k, i)
			g[f] += r * v
		}
	}
	if math.Abs(g0) > 1e-6 {
		t.Errorf("intercept gradient %g", g0)
	}
	for j := range g {
		if d := g[j] + m.Lambda*m.Coef[j]; math.Abs(d) > 1e-6 {
			t.Errorf("gradient[%d] = %g", j, d)
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
