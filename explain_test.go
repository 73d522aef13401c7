package leadbot_test

import (
	"testing"

	"github.com/leadbot/leadbot"
)

func TestFactorStrengthFromPoints(t *testing.T) {
	for _, tt := range []struct {
		f    leadbot.Factor
		want string
	}{
		{leadbot.Factor{Value: 1.2, Points: 0.02}, "slight"},    // log-odds 1.2 near 2 %: two points
		{leadbot.Factor{Value: 0.28, Points: 0.07}, "moderate"}, // log-odds 0.28 near 50 %: seven points
		{leadbot.Factor{Value: -0.6, Points: -0.15}, "strong"},
		{leadbot.Factor{Value: 0.1, Points: 0.10}, "strong"},
		{leadbot.Factor{Value: 0.1, Points: 0.0299}, "slight"},
		{leadbot.Factor{Value: 1.1}, "strong"}, // stored before points: worded from log-odds
		{leadbot.Factor{}, "slight"},
	} {
		if got := tt.f.Strength(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestTopRanksByPoints(t *testing.T) {
	f := leadbot.Factors{Factors: []leadbot.Factor{
		{Column: "a", Value: 1.5, Points: 0.04}, {Column: "b", Value: 0.5, Points: 0.09}, {Column: "c", Value: -2, Points: -0.01},
		{Column: "d", Value: -0.4, Points: -0.05},
	}}
	ups, downs := f.Top(1, 1)
	if len(ups) != 1 || ups[0].Column != "b" || len(downs) != 1 || downs[0].Column != "d" {
		t.Errorf("ups %+v downs %+v: want b and d, the largest moves of the shown probability", ups, downs)
	}
}
