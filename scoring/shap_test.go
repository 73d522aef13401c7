package scoring

import (
	"math"
	"testing"
)

// TestExplanationsAddUp checks Base + Σ contributions = the model's raw log-odds to 1e-9, for
// both families, on rows with missing values and unseen categories.
func TestExplanationsAddUp(t *testing.T) {
	f, y := synthLeads(2500, 11)
	g := NewFrame([]string{"Time on website", "Lead Source", "Do Not Email", "Noise", "Lead ID"})
	_ = g.AppendRow([]string{"", "Never seen before", "", "9", "X"})
	_ = g.AppendRow([]string{"99999", "Reference", "Yes", "", ""})
	for _, kind := range []Kind{KindLogReg, KindGBDT} {
		m, _ := trainOK(t, f, y, TrainConfig{Kind: kind, Seed: 2})
		for _, fr := range []*Frame{f.Select([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), g} {
			raw := m.Raw(fr)
			p := m.Predict(fr)
			for i, e := range m.ExplainRows(fr, nil) {
				sum := e.Base
				for _, c := range e.Contributions {
					sum += c.Effect
				}
				if math.Abs(sum-raw[i]) > 1e-9 || math.Abs(e.Raw-raw[i]) > 1e-9 {
					t.Errorf("%s row %d: base+Σ = %.12f, raw %.12f", kind, i, sum, raw[i])
				}
				if math.Abs(e.Probability-p[i]) > 1e-12 {
					t.Errorf("%s row %d: probability %v vs Predict %v", kind, i, e.Probability, p[i])
				}
				if len(e.Contributions) != len(m.Encoding.Columns) {
					t.Errorf("%d contributions for %d columns", len(e.Contributions), len(m.Encoding.Columns))
				}
			}
		}
	}
}

// shapleyBrute computes exact Shapley values of the game v over M players.
func shapleyBrute(M int, v func(mask int) float64) []float64 {
	phi := make([]float64, M)
	fact := func(n int) float64 {
		r := 1.0
		for i := 2; i <= n; i++ {
			r *= float64(i)
		}
		return r
	}
	for k := range M {
		for mask := 0; mask < 1<<M; mask++ {
			if mask&(1<<k) != 0 {
				continue
			}
			s := 0
			for b := mask; b != 0; b &= b - 1 {
				s++
			}
			wt := fact(s) * fact(M-s-1) / fact(M)
			phi[k] += wt * (v(mask|1<<k) - v(mask))
		}
	}
	return phi
}

// condExpect is E[tree | x_S] with the cover-weighted path expectation TreeSHAP explains.
func condExpect(t *Tree, row []float64, mask int, node int32) float64 {
	nd := &t.Nodes[node]
	if nd.Feature < 0 {
		return nd.Value
	}
	if mask&(1<<nd.Feature) != 0 {
		if nd.goesLeft(row[nd.Feature]) {
			return condExpect(t, row, mask, nd.Left)
		}
		return condExpect(t, row, mask, nd.Right)
	}
	l, r := &t.Nodes[nd.Left], &t.Nodes[nd.Right]
	return (l.Cover*condExpect(t, row, mask, nd.Left) + r.Cover*condExpect(t, row, mask, nd.Right)) / nd.Cover
}

func TestTreeSHAPMatchesBruteForce(t *testing.T) {
	f, y := synthLeads(2000, 12)
	p := DefaultGBDTParams()
	p.Trees, p.EarlyStop, p.MaxLeaves, p.MaxDepth, p.Subsample = 8, 0, 12, 5, 0.7
	m, _ := trainOK(t, f, y, TrainConfig{Kind: KindGBDT, GBDT: &p, Seed: 4})
	M := len(m.Encoding.Columns)
	x := m.Encoding.encode(f)
	for i := range 20 {
		row := make([]float64, M)
		for k := range M {
			row[k] = x.vals[k][i]
		}
		want := shapleyBrute(M, func(mask int) float64 {
			s := m.GBDT.Init
			for ti := range m.GBDT.Trees {
				s += condExpect(&m.GBDT.Trees[ti], row, mask, 0)
			}
			return s
		})
		e := m.ExplainRows(f, []int{i})[0]
		for k, s := range m.Encoding.Columns {
			var got float64
			for _, c := range e.Contributions {
				if c.Column == s.Name {
					got = c.Effect
				}
			}
			if math.Abs(got-want[k]) > 1e-9 {
				t.Errorf("row %d %s: TreeSHAP %.12f, brute force %.12f", i, s.Name, got, want[k])
			}
		}
	}
}

func TestLinearSHAPMatchesBruteForce(t *testing.T) {
	f, y := synthLeads(2000, 13)
	m, _ := trainOK(t, f, y, TrainConfig{Kind: KindLogReg, Seed: 4})
	lr, enc := m.LogReg, m.Encoding
	M := len(enc.Columns)
	x := enc.encode(f)
	for i := range 20 {
		// Interventional game: columns outside S take their training expectation.
		want := shapleyBrute(M, func(mask int) float64 {
			s := lr.Intercept
			for k, spec := range enc.Columns {
				lo, hi := lr.Offset[k], lr.Offset[k]+spec.slots()
				if mask&(1<<k) != 0 {
					fi, v := lr.feature(enc, x, k, i)
					s += lr.Coef[fi] * v
					continue
				}
				for j := lo; j < hi; j++ {
					s += lr.Coef[j] * lr.Mean[j]
				}
			}
			return s
		})
		e := m.ExplainRows(f, []int{i})[0]
		for k, s := range enc.Columns {
			for _, c := range e.Contributions {
				if c.Column == s.Name && math.Abs(c.Effect-want[k]) > 1e-9 {
					t.Errorf("row %d %s: %.12f vs brute force %.12f", i, s.Name, c.Effect, want[k])
				}
			}
		}
	}
}
