package scoring

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestWithFeedbackAccountWideAndDataQuality(t *testing.T) {
	f := NewFrame([]string{"Company"})
	for _, c := range []string{"Acme", "Acme", "Beta", "Acme"} {
		_ = f.AppendRow([]string{c})
	}
	fb := []Feedback{
		{Lead: 0, Vote: -1, Reason: "no_budget", AccountWide: true},
		{Lead: 2, Vote: +1, Reason: "champion"},
		{Lead: 2, Vote: -1, Reason: "wrong_contact", DataQuality: true},
		{Lead: 9, Vote: 1}, // out of range: ignored
	}
	g := WithFeedback(f, fb, "Company")
	if len(f.Columns()) != 1 {
		t.Fatal("WithFeedback changed its input")
	}
	col := func(name string, i int) string { v, _ := g.Value(i, name); return v }
	for i, want := range []string{"1", "1", "0", "1"} {
		if got := col(ReasonPrefix+"no_budget", i); got != want {
			t.Errorf("row %d no_budget = %q, want %q", i, got, want)
		}
	}
	if col(VoteColumn, 2) != "1" || col(VoteColumn, 0) != "-1" || col(VoteColumn, 1) != "0" {
		t.Errorf("votes %q %q %q", col(VoteColumn, 0), col(VoteColumn, 1), col(VoteColumn, 2))
	}
	w := weakLabels(4, fb)
	if w[0] != 0 || w[2] != 1 || !math.IsNaN(w[1]) {
		t.Errorf("weak labels %v (data-quality must not count)", w)
	}
	if w := weakLabels(1, []Feedback{{Lead: 0, Vote: -1, DataQuality: true}}); !math.IsNaN(w[0]) {
		t.Error("a data-quality report became a label")
	}
}

func TestPriorBeforeEnoughOutcomes(t *testing.T) {
	f, y := synthLeads(150, 31)
	fb := []Feedback{{Lead: 0, Vote: 1, Reason: "champion"}, {Lead: 1, Vote: -1, Reason: "no_budget"}}
	g := WithFeedback(f, fb, "")
	prior := &PriorConfig{Rules: []PriorRule{
		{Column: "Time on website", Kind: "engagement", Weight: 2},
		{Column: "Lead Source", Kind: "fit", Values: map[string]float64{"Reference": 1.5}},
	}, ReasonWeights: map[string]float64{"no_budget": -2}}
	m, rep, err := Train(context.Background(), g, y, nil, TrainConfig{Prior: prior})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.UsingPrior || m.Kind != KindPrior || !strings.Contains(rep.Notes[0], "150 leads have outcomes") || !strings.Contains(rep.Notes[0], "200") {
		t.Fatalf("report %+v", rep)
	}
	e := m.ExplainRows(g, []int{0, 1})
	if e[0].Raw <= e[1].Raw {
		t.Errorf("👍 lead %.2f should outrank 👎 lead %.2f", e[0].Raw, e[1].Raw)
	}
	for _, ex := range e {
		sum := ex.Base
		for _, c := range ex.Contributions {
			sum += c.Effect
		}
		if math.Abs(sum-ex.Raw) > 1e-12 {
			t.Errorf("prior explanation does not add up")
		}
	}
	// Scoring later with feedback the prior never saw still works, via the saved encoding.
	later := WithFeedback(f, []Feedback{{Lead: 3, Vote: 1}, {Lead: 3, Reason: "no_budget"}}, "")
	p := m.Predict(later)
	if len(p) != f.Len() || math.IsNaN(p[3]) {
		t.Errorf("prior predictions %v", p[:4])
	}
}

func TestWeakLabelsAndReasonFeatures(t *testing.T) {
	f, y := synthLeads(1500, 41)
	labels := append([]float64(nil), y...)
	var fb []Feedback
	for i := 1000; i < 1500; i++ {
		labels[i] = math.NaN() // no outcome yet; the rep voted
		v := -1
		if y[i] == 1 {
			v = 1
		}
		fb = append(fb, Feedback{Lead: i, Vote: v})
	}
	g := WithFeedback(f, fb, "")
	m, rep, err := Train(context.Background(), g, labels, nil, TrainConfig{Kind: KindLogReg, Feedback: fb})
	if err != nil {
		t.Fatal(err)
	}
	if rep.WeakLabels != 500 || rep.Rows != 1000 {
		t.Errorf("weak %d strong %d", rep.WeakLabels, rep.Rows)
	}
	for _, s := range m.Encoding.Columns {
		if s.Name == VoteColumn {
			t.Error("votes must be labels, not features")
		}
	}
}

// TestFeedbackWeightFromTheNewestVotes chooses the weak labels' weight on the newest votes, held
// out, among the weights the outcomes do not refute. The market moved after the outcomes: an
// industry that made no difference now does, and only the votes on the newest leads say so. The
// outcomes alone see nothing to gain from the votes (weight 0); the held-out votes do, and weigh
// them as far as the outcomes do not refute it. Coin-flip votes stay light.
func TestFeedbackWeightFromTheNewestVotes(t *testing.T) {
	weight := func(coin bool) float64 {
		rng := rand.New(rand.NewPCG(47, 1))
		f := NewFrame([]string{"Visits", "Industry"})
		labels := make([]float64, 1400)
		var fb []Feedback
		for i := range labels {
			z, ind := rng.NormFloat64(), []string{"Retail", "Software"}[rng.IntN(2)]
			_ = f.AppendRow([]string{strconv.FormatFloat(z, 'f', 3, 64), ind})
			logit := -0.5 + 0.8*z
			if i >= 800 && ind == "Software" { // the market moved: Software buys now
				logit += 2
			}
			hit := rng.Float64() < 1/(1+math.Exp(-logit))
			if i < 800 {
				labels[i] = map[bool]float64{true: 1, false: 0}[hit]
				continue
			}
			labels[i] = math.NaN() // no outcome yet; the rep voted
			if coin {
				hit = rng.IntN(2) == 0
			}
			fb = append(fb, Feedback{Lead: i, Vote: map[bool]int{true: 1, false: -1}[hit]})
		}
		_, rep, err := Train(context.Background(), WithFeedback(f, fb, ""), labels, nil, TrainConfig{Kind: KindLogReg, Feedback: fb})
		if err != nil {
			t.Fatal(err)
		}
		return rep.FeedbackWeight
	}
	if w := weight(false); w < 0.3 {
		t.Errorf("votes that know the market moved weigh %g; want at least 0.3 (the outcomes alone gave 0)", w)
	}
	if w := weight(true); w > 0.1 {
		t.Errorf("coin-flip votes weigh %g; want at most 0.1", w)
	}
}

func TestNewestVotesNeedsBothKinds(t *testing.T) {
	rows := make([]int, 150)
	y := make([]float64, 150)
	for i := range rows {
		rows[i] = i
		y[i] = float64(i % 2)
	}
	if h := newestVotes(rows, y); len(h) != 50 || h[0] != 100 {
		t.Fatalf("held %v; want the newest 50", h)
	}
	for i := 100; i < 150; i++ {
		y[i] = 1
	}
	if h := newestVotes(rows, y); h != nil {
		t.Fatalf("held %d votes, all 👍; want none", len(h))
	}
}
