package experiment

import (
	"strings"
	"testing"
)

func group(leads, won int) Group {
	g := Group{Leads: leads, Won: won}
	for i := range leads {
		a := 0.0
		if i < won {
			a = 1000
		}
		g.Amounts = append(g.Amounts, a)
	}
	return g
}

func TestCompareClearVerdict(t *testing.T) {
	u := Compare("hot", group(620, 180), group(620, 130), 0.5)
	if !u.Clear() {
		t.Fatalf("29 %% against 21 %% on 1,240 leads (half held out) should be clear: %+v", u.Conversion)
	}
	v := u.Verdict()
	for _, want := range []string{"Sending the list raised conversion of hot leads from 21 % to 29 %", "95 % CI", "1,240 leads"} {
		if !strings.Contains(v, want) {
			t.Errorf("verdict %q lacks %q", v, want)
		}
	}
	if u.NeededMoreOutcomes != 0 {
		t.Errorf("a clear result needs no more leads, got %d", u.NeededMoreOutcomes)
	}
}

func TestCompareNotEnoughData(t *testing.T) {
	u := Compare("warm", group(90, 10), group(10, 1), 0.1)
	if u.Clear() {
		t.Fatalf("100 leads cannot be clear: %+v", u.Conversion)
	}
	if u.NeededMoreOutcomes < 100 {
		t.Errorf("needed more = %d, expected hundreds at a 10 %% share", u.NeededMoreOutcomes)
	}
	if v := u.Verdict(); !strings.Contains(v, "Not enough data yet: about ") {
		t.Errorf("verdict %q", v)
	}
	if v := Compare("cool", group(5, 0), Group{}, 0.1).Verdict(); !strings.Contains(v, "needs both arms") {
		t.Errorf("verdict with an empty arm: %q", v)
	}
}

func TestAmountDifference(t *testing.T) {
	u := Compare("hot", group(200, 60), group(200, 20), 0.5)
	if !near(u.AmountPerLead.Estimate, 200) { // (60−20)·1000/200
		t.Fatalf("amount per lead = %+v", u.AmountPerLead)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1240: "-1,240"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q", n, got)
		}
	}
}
