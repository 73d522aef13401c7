package scoring

import (
	"math"
	"strings"
	"testing"
)

func TestEncodingInfersTypesAndDrops(t *testing.T) {
	f, _ := synthLeads(2000, 1)
	f = WithFeedback(f, nil, "")
	f.setNumeric("Constant", make([]float64, f.Len()))
	enc := fitEncoding(f, EncodeConfig{Drop: []string{"Noise", VoteColumn}})
	types := map[string]ColumnType{}
	for _, s := range enc.Columns {
		types[s.Name] = s.Type
	}
	want := map[string]ColumnType{"Time on website": TypeNumber, "Lead Source": TypeCategory, "Do Not Email": TypeBoolean}
	for k, v := range want {
		if types[k] != v {
			t.Errorf("%s: type %q, want %q", k, types[k], v)
		}
	}
	dropped := map[string]string{}
	for _, d := range enc.Dropped {
		dropped[d.Name] = d.Reason
	}
	for name, reason := range map[string]string{"Noise": "configuration", "Lead ID": "identifier", "Constant": "constant"} {
		if !strings.Contains(dropped[name], reason) {
			t.Errorf("%s dropped for %q, want %q", name, dropped[name], reason)
		}
	}
	for _, s := range enc.Columns {
		if s.Name == "Lead Source" {
			if s.Levels[0] != "missing" || s.Levels[1] != "other" {
				t.Errorf("reserved levels %v", s.Levels[:2])
			}
			for _, l := range s.Levels {
				if l == "Rare" {
					t.Log("Rare kept (frequent enough in this sample)")
				}
			}
		}
		if s.Name == "Time on website" && math.Abs(s.Missing-0.3) > 0.05 {
			t.Errorf("missing rate %.2f", s.Missing)
		}
	}
}

func TestRareLevelsPooledAndUnseenMapped(t *testing.T) {
	f := NewFrame([]string{"c"})
	for i := range 100 {
		v := "common"
		if i%50 == 0 {
			v = "rare"
		}
		_ = f.AppendRow([]string{v})
	}
	enc := fitEncoding(f, EncodeConfig{MinCount: 5})
	s := enc.Columns[0]
	if len(s.Levels) != 3 || s.Levels[2] != "common" {
		t.Fatalf("levels %v", s.Levels)
	}
	g := NewFrame([]string{"c", "brand new column"})
	for _, r := range [][]string{{"rare", "x"}, {"never seen", "y"}, {"", "z"}, {"common", ""}} {
		_ = g.AppendRow(r)
	}
	x := enc.encode(g)
	want := []float64{levelOther, levelOther, levelMissing, 2}
	for i, w := range want {
		if x.vals[0][i] != w {
			t.Errorf("row %d: level %v, want %v", i, x.vals[0][i], w)
		}
	}
	// A frame without the column at all scores as missing.
	x = enc.encode(NewFrame([]string{"other"}))
	if x.n != 0 || len(x.vals) != 1 {
		t.Errorf("encode of empty frame: %+v", x)
	}
}

func TestDatesBecomeDaysSince(t *testing.T) {
	f := NewFrame([]string{"created"})
	for _, d := range []string{"2024-01-01", "2024-01-11", "2024-01-31", ""} {
		_ = f.AppendRow([]string{d})
	}
	enc := fitEncoding(f, EncodeConfig{})
	if enc.Columns[0].Type != TypeDate {
		t.Fatalf("type %q", enc.Columns[0].Type)
	}
	x := enc.encode(f)
	if x.vals[0][0] != 30 || x.vals[0][2] != 0 || !math.IsNaN(x.vals[0][3]) {
		t.Errorf("days since = %v", x.vals[0])
	}
	f.Now = 1706745600 // 2024-02-01
	x = enc.encode(f)
	if x.vals[0][2] != 1 {
		t.Errorf("with Now: %v", x.vals[0])
	}
}
