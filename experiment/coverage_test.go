package experiment

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestUpliftIntervalCoversTheTruth simulates 200 seeded experiments of 4,000 leads with a known
// effect of sending the list (hot leads convert at 20 % held out and 26 % sent, warm at 8 % and
// 10 %): the leads are drawn into arms by Assign at a 10 % share, outcomes are drawn from the
// truth, and the report's 95 % interval for each band's difference must contain the true one in
// at least 90 % of seeds (it should be near 95 %).
func TestUpliftIntervalCoversTheTruth(t *testing.T) {
	type band struct {
		name        string
		held, treat float64
	}
	bands := []band{{"hot", 0.20, 0.26}, {"warm", 0.08, 0.10}}
	const seeds, leads, share = 200, 4000, 0.10
	covered := map[string]int{}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		groups := map[string]*[2]Group{}
		for _, b := range bands {
			groups[b.name] = &[2]Group{}
		}
		for id := int64(1); id <= leads; id++ {
			b := bands[rng.IntN(len(bands))]
			arm, rate := 0, b.treat
			if Assign(int64(seed+1), id, share) == HeldOut {
				arm, rate = 1, b.held
			}
			g := &groups[b.name][arm]
			g.Leads++
			if rng.Float64() < rate {
				g.Won++
			}
		}
		for _, b := range bands {
			g := groups[b.name]
			u := Compare(b.name, g[0], g[1], share)
			truth := b.treat - b.held
			if u.Conversion.Low <= truth && truth <= u.Conversion.High && !math.IsNaN(u.Conversion.Estimate) {
				covered[b.name]++
			}
		}
	}
	for _, b := range bands {
		rate := float64(covered[b.name]) / seeds
		t.Logf("%s: the interval covered the true uplift in %.1f %% of %d seeds", b.name, 100*rate, seeds)
		if rate < 0.90 {
			t.Errorf("%s: coverage %.1f %%, want ≥ 90 %%", b.name, 100*rate)
		}
	}
}
