package experiment

import (
	"math"
	"testing"
)

func TestAssignIsStableAndIndependentOfOrder(t *testing.T) {
	first := map[int64]Arm{}
	for id := int64(1); id <= 1000; id++ {
		first[id] = Assign(7, id, 0.1)
	}
	for id := int64(1000); id >= 1; id-- { // another replica, another order
		if got := Assign(7, id, 0.1); got != first[id] {
			t.Fatalf("lead %d: %s then %s", id, first[id], got)
		}
	}
	moved := 0
	for id := int64(1); id <= 1000; id++ {
		if Assign(8, id, 0.1) != first[id] {
			moved++
		}
	}
	if moved == 0 {
		t.Fatal("a new experiment drew the same arms as the old one")
	}
}

// TestAssignBalancedWithinBands draws 10,000 leads spread over three bands and checks, band by
// band, that the held-out count is what a 10 % share gives within chance: the chi-square
// statistic of each band (one degree of freedom) stays under 10.83, its 0.1 % critical value,
// and the sum over bands under 16.27 (three degrees of freedom, 0.1 %).
func TestAssignBalancedWithinBands(t *testing.T) {
	const share = 0.10
	bands := []string{"hot", "warm", "cool"}
	held := map[string]int{}
	all := map[string]int{}
	for id := int64(1); id <= 10000; id++ {
		b := bands[(id*7919)%3] // bands as scoring would leave them: unrelated to the id's hash
		all[b]++
		if Assign(42, id, share) == HeldOut {
			held[b]++
		}
	}
	total := 0.0
	for _, b := range bands {
		n := float64(all[b])
		e1, e0 := n*share, n*(1-share)
		o1 := float64(held[b])
		chi := sq(o1-e1)/e1 + sq((n-o1)-e0)/e0
		total += chi
		if chi > 10.83 {
			t.Errorf("band %s: %d of %d held out (expected %.0f), chi² %.2f", b, held[b], all[b], e1, chi)
		}
	}
	if total > 16.27 {
		t.Errorf("chi² over bands %.2f", total)
	}
}

func TestUniformIsInUnitInterval(t *testing.T) {
	for id := int64(-5); id < 5000; id++ {
		u := Uniform(1, id)
		if u < 0 || u >= 1 || math.IsNaN(u) {
			t.Fatalf("Uniform(1, %d) = %v", id, u)
		}
	}
}

func TestCheckShare(t *testing.T) {
	for _, ok := range []float64{0, 0.05, 0.1, 0.5} {
		if err := CheckShare(ok); err != nil {
			t.Errorf("%v refused: %v", ok, err)
		}
	}
	for _, bad := range []float64{-0.1, 0.6, 1, math.NaN()} {
		if err := CheckShare(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
