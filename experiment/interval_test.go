package experiment

import (
	"encoding/json"
	"math"
	"testing"
)

// The references are the published figures of Newcombe (1998): "Two-sided confidence intervals
// for the single proportion" (Wilson, method 3) and "Interval estimation for the difference
// between independent proportions" (method 10), to the four decimals printed there.
func TestWilsonMatchesNewcombe(t *testing.T) {
	cases := []struct {
		k, n      int
		low, high float64
	}{
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0, 0.1611},
		{1, 29, 0.0061, 0.1718},
	}
	for _, c := range cases {
		got := Wilson(c.k, c.n, Z95)
		if !near(got.Low, c.low) || !near(got.High, c.high) {
			t.Errorf("Wilson(%d/%d) = %.4f–%.4f, want %.4f–%.4f", c.k, c.n, got.Low, got.High, c.low, c.high)
		}
	}
}

func TestDiffProportionsMatchesNewcombe(t *testing.T) {
	cases := []struct {
		k1, n1, k2, n2 int
		low, high      float64
	}{
		{56, 70, 48, 80, 0.0524, 0.3339},
		{9, 10, 3, 10, 0.1705, 0.8090},
	}
	for _, c := range cases {
		got := DiffProportions(c.k1, c.n1, c.k2, c.n2, Z95)
		if !near(got.Low, c.low) || !near(got.High, c.high) {
			t.Errorf("diff(%d/%d − %d/%d) = %.4f–%.4f, want %.4f–%.4f", c.k1, c.n1, c.k2, c.n2, got.Low, got.High, c.low, c.high)
		}
	}
}

func TestDiffMeansWelch(t *testing.T) {
	// Two samples whose Welch standard error is 1 exactly: means 3 and 1, variances 8 and 8 on
	// 16 values each (8/16 + 8/16 = 1).
	x := []float64{1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5}
	y := []float64{-1, 3, -1, 3, -1, 3, -1, 3, -1, 3, -1, 3, -1, 3, -1, 3}
	got := DiffMeans(x, y, Z95)
	v := 4.0 * 16 / 15 // sample variance of ±2 around the mean
	se := math.Sqrt(v/16 + v/16)
	if !near(got.Estimate, 2) || !near(got.Low, 2-Z95*se) || !near(got.High, 2+Z95*se) {
		t.Fatalf("DiffMeans = %+v, want 2 ± %.4f", got, Z95*se)
	}
	if one := DiffMeans([]float64{1}, y, Z95); !math.IsNaN(one.Low) {
		t.Fatalf("one value on a side has no interval, got %+v", one)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.00006 }

func TestIntervalJSONHasNullForMissingBounds(t *testing.T) {
	b, err := json.Marshal(DiffMeans([]float64{1}, []float64{2, 3}, Z95))
	if err != nil || string(b) != `{"estimate":-1.5,"high":null,"low":null}` {
		t.Fatalf("%s %v", b, err)
	}
}
