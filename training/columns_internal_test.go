package training

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
)

// ordinaryLeads are n leads with seven CRM attributes, a fifth of them with an outcome.
func ordinaryLeads(n int) []store.TrainingLead {
	rng := rand.New(rand.NewPCG(3, 3))
	inds := []string{"Software", "Retail", "Finance", "Health", "Education", "Logistics"}
	out := make([]store.TrainingLead, n)
	for i := range out {
		visits := rng.IntN(30)
		attrs, _ := json.Marshal(map[string]any{"Visits": visits, "Time on site": rng.IntN(3000), "Industry": inds[rng.IntN(6)],
			"Size": fmt.Sprint(rng.IntN(5)), "Country": []string{"UK", "DE", "US", ""}[rng.IntN(4)], "Title": []string{"CEO", "CTO", "VP"}[rng.IntN(3)],
			"Opened email": rng.IntN(2) == 0})
		out[i] = store.TrainingLead{ID: int64(i + 1), Account: fmt.Sprintf("co %d", i%20000), Status: "open", Attributes: attrs}
		if i%5 == 0 {
			o := "lost"
			if rng.Float64() < 0.1+0.02*float64(visits) {
				o = "won"
			}
			at := day(i / 300)
			out[i].Outcome, out[i].OccurredAt, out[i].KnownAt = &o, &at, &at
		}
	}
	return out
}

// giantAttributes is one lead's attributes: n distinct keys, as the webhook POST of 1.5 MB that
// pushed `serve` past 6 GB.
func giantAttributes(n int) json.RawMessage {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"attr_%06d":"v%d"`, i, i)
	}
	b.WriteByte('}')
	return json.RawMessage(b.String())
}

func withGiant(leads []store.TrainingLead, attrs int) []store.TrainingLead {
	out := append([]store.TrainingLead(nil), leads...)
	out[1].Attributes = giantAttributes(attrs) // an open lead
	return out
}

// TestOneLeadCannotMultiplyTheColumns: a lead with 5,000 attributes of its own adds no column to
// the frame training builds, and at most MaxColumns attributes become columns at all.
func TestOneLeadCannotMultiplyTheColumns(t *testing.T) {
	leads := ordinaryLeads(2000)
	plain := len(buildDataset(leads, nil, frameOptions{}).frame.Columns())
	for _, c := range []struct {
		name   string
		limits ColumnLimits
		want   int
	}{
		{"default limits", ColumnLimits{}, plain},
		{"max 3 attribute columns", ColumnLimits{MaxColumns: 3}, plain - 4},
	} {
		ds := buildDataset(withGiant(leads, 5000), nil, frameOptions{limits: c.limits})
		if got := len(ds.frame.Columns()); got != c.want || ds.dropped < 5000 {
			t.Errorf("%s: %d columns (%d attributes dropped), want %d", c.name, got, ds.dropped, c.want)
		}
	}
}

// BenchmarkColumnsBounded trains (logistic regression) and scores 100,000 ordinary leads, then
// the same with one of them carrying 100,000 attributes: B/op of the two must stay within 1.5×.
//
//	go test ./training -run XXX -bench ColumnsBounded -benchtime 1x -benchmem
func BenchmarkColumnsBounded(b *testing.B) {
	ordinary := ordinaryLeads(100_000)
	for _, c := range []struct {
		name  string
		leads []store.TrainingLead
	}{{"ordinary", ordinary}, {"one-lead-100k-attributes", withGiant(ordinary, 100_000)}} {
		var m *scoring.Model
		b.Run("train/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ds := buildDataset(c.leads, nil, frameOptions{})
				var err error
				m, _, err = scoring.Train(context.Background(), ds.frame, ds.labels, nil, scoring.TrainConfig{Kind: scoring.KindLogReg,
					Lambda: 1, Drop: []string{colAccount}, TimeColumn: colOccurred})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("score/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			rows := make([]int, len(c.leads))
			for i := range rows {
				rows[i] = i
			}
			for b.Loop() {
				if p := Score(m, c.leads, nil, Config{}, rows); len(p) != len(rows) {
					b.Fatal(len(p))
				}
			}
		})
	}
}
