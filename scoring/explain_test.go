package scoring

import (
	"strings"
	"testing"
)

func TestContributionWords(t *testing.T) {
	tests := []struct {
		c    Contribution
		want string
	}{
		{Contribution{Column: "Lead Source", Value: "Reference", Percentile: -1}, "Lead Source: Reference"},
		{Contribution{Column: "Time on website", Value: formatNumber(1240, TypeNumber, "s"), Percentile: 0.9}, "Time on website: 1,240 s (top 10 %)"},
		{Contribution{Column: "Visits", Value: formatNumber(0, TypeNumber, ""), Percentile: 0.04}, "Visits: 0 (bottom 4 %)"},
		{Contribution{Column: "Country", Value: "missing", Missing: true, Percentile: -1}, "Country: missing"},
		{Contribution{Column: "Created", Value: formatNumber(3, TypeDate, ""), Percentile: 0.5}, "Created: 3 days ago"},
		{Contribution{Column: "Pages", Value: formatNumber(2.5, TypeNumber, ""), Percentile: 0.5}, "Pages: 2.5"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestRealExplanationWords(t *testing.T) {
	f, y := synthLeads(3000, 21)
	m, _ := trainOK(t, f, y, TrainConfig{Kind: KindLogReg, Units: map[string]string{"Time on website": "s"}})
	var missingRow, refRow = -1, -1
	for i := range f.Len() {
		if _, ok := f.Value(i, "Time on website"); !ok && missingRow < 0 {
			missingRow = i
		}
		_, hasTime := f.Value(i, "Time on website")
		if v, _ := f.Value(i, "Lead Source"); v == "Reference" && hasTime && refRow < 0 {
			refRow = i
		}
	}
	e := m.Explain(f, refRow)
	var words []string
	for _, c := range e.Contributions {
		words = append(words, c.String())
	}
	if text := strings.Join(words, "\n"); !strings.Contains(text, "Lead Source: Reference") {
		t.Errorf("contributions of a Reference lead:\n%s", text)
	}
	e2 := m.Explain(f, missingRow)
	found := false
	for _, c := range e2.Contributions {
		if c.Column == "Time on website" {
			found = c.String() == "Time on website: missing" && c.Missing
		}
	}
	if !found {
		t.Errorf("missing value not rendered as missing: %+v", e2.Contributions)
	}
}
