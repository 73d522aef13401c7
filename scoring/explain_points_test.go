package scoring_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/scoring"
)

// wideLeads has leads from under 1 % to over 90 % likely (most near 5 %): one strong number, a
// source, and noise.
func wideLeads(n int) (*scoring.Frame, []float64) {
	rng := rand.New(rand.NewPCG(77, 1))
	f := scoring.NewFrame([]string{"Visits", "Source", "Region"})
	y := make([]float64, n)
	for i := range n {
		v := rng.NormFloat64() * 2
		src := []string{"Web", "Referral", "Event", "Cold"}[rng.IntN(4)]
		z := -3.5 + 1.4*v + map[string]float64{"Referral": 1.2, "Cold": -1.2}[src]
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			y[i] = 1
		}
		_ = f.AppendRow([]string{fmt.Sprintf("%.3f", v), src, fmt.Sprint(rng.IntN(5))})
	}
	return f, y
}

// A factor's strength is read beside the calibrated probability, so it must come from what the
// factor moves that probability: every "strong" factor moves it more than every "slight" one, on
// every lead. Words from log-odds broke this: a log-odds of 1 is a point at 2 % and 25 at 50 %.
func TestStrengthFollowsTheShownProbability(t *testing.T) {
	f, y := wideLeads(3000)
	for _, kind := range []scoring.Kind{scoring.KindLogReg, scoring.KindGBDT} {
		m, _, err := scoring.Train(context.Background(), f, y, nil, scoring.TrainConfig{Kind: kind, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		moved := map[string][2]float64{}  // strength → smallest, largest |points|
		legacy := map[string][2]float64{} // the same for words from log-odds
		for _, e := range m.ExplainRows(f, nil) {
			sum := e.BaseProbability
			for _, c := range e.Contributions {
				sum += c.Points
				fc := leadbot.Factor{Column: c.Column, Value: c.Effect, Points: c.Points}
				track(moved, fc.Strength(), math.Abs(c.Points))
				track(legacy, leadbot.Strength(c.Effect), math.Abs(c.Points))
			}
			if math.Abs(sum-e.Probability) > 1e-9 {
				t.Fatalf("%s: base %.6f + points = %.6f, shown probability %.6f", kind, e.BaseProbability, sum, e.Probability)
			}
		}
		if s, w := moved["strong"], moved["slight"]; s[1] == 0 || w[1] == 0 || s[0] <= w[1] {
			t.Errorf("%s: strong factors move the probability %.4f–%.4f, slight ones %.4f–%.4f", kind, s[0], s[1], w[0], w[1])
		}
		// The data must catch the old words: some "strong" log-odds move the number less than a
		// "slight" one elsewhere.
		if s, w := legacy["strong"], legacy["slight"]; s[0] > w[1] {
			t.Errorf("%s: test data too easy: log-odds words strong from %.4f, slight up to %.4f", kind, s[0], w[1])
		}
	}
}

// track widens the [smallest, largest] range of key by v.
func track(r map[string][2]float64, key string, v float64) {
	x, ok := r[key]
	if !ok {
		x = [2]float64{v, v}
	}
	r[key] = [2]float64{min(x[0], v), max(x[1], v)}
}
