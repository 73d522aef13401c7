package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// synthLeads makes a CRM-like frame: a skewed engagement number with 30 % missing, a lead source
// with a rare level, a yes/no column, a noise column, and a non-linear rule behind the label.
func synthLeads(n int, seed uint64) (*Frame, []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	f := NewFrame([]string{"Time on website", "Lead Source", "Do Not Email", "Noise", "Lead ID"})
	y := make([]float64, n)
	sources := []string{"Reference", "Google", "Olark Chat", "Direct", "Rare"}
	for i := range n {
		t := math.Exp(rng.NormFloat64()*1.2 + 5)
		src := sources[min(len(sources)-1, int(math.Abs(rng.NormFloat64())*1.5))]
		dne := "No"
		if rng.Float64() < 0.2 {
			dne = "Yes"
		}
		z := -1.0 + 0.9*math.Log(t/150)
		z += map[string]float64{"Reference": 2, "Google": 0.3, "Olark Chat": -0.8}[src]
		if dne == "Yes" {
			z -= 1
		}
		ts := strconv.FormatFloat(math.Round(t), 'f', -1, 64)
		if rng.Float64() < 0.3 {
			ts = ""
			z += 0.7 // missingness carries signal
		}
		if rng.Float64() < sigmoid(z) {
			y[i] = 1
		}
		_ = f.AppendRow([]string{ts, src, dne, fmt.Sprint(rng.IntN(5)), fmt.Sprintf("L%07d", i)})
	}
	return f, y
}

// xorData has a label that no linear model can learn: y = 1 when a and b have the same sign.
func xorData(n int, seed uint64) (*Frame, []float64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	f := NewFrame([]string{"a", "b", "c"})
	y := make([]float64, n)
	for i := range n {
		a, b, c := rng.Float64()*2-1, rng.Float64()*2-1, rng.Float64()
		if (a > 0) == (b > 0) {
			y[i] = 1
		}
		if rng.Float64() < 0.05 {
			y[i] = 1 - y[i]
		}
		_ = f.AppendRow([]string{fmtF(a), fmtF(b), fmtF(c)})
	}
	return f, y
}

func fmtF(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
