package evalcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/leadbot/leadbot/scoring"
)

// testSets cuts the labelled rows into (train rows, test rows) pairs as --split asks and says how,
// for the report. A time split also tells Train that its rows are in time order, so that its own
// validation looks forward too.
func (o *evalOptions) testSets(frame *scoring.Frame, labels []float64, cfg *scoring.TrainConfig) ([][2][]int, string, error) {
	var rows []int
	for i, l := range labels {
		if !math.IsNaN(l) {
			rows = append(rows, i)
		}
	}
	if o.split == "time" {
		ordered := timeOrder(frame, rows, o.timeCol)
		cut := int(float64(len(ordered)) * 0.8)
		cfg.TimeOrdered = true
		how := "time: earliest 80 % → latest 20 %"
		if o.timeCol != "" {
			how += " by " + o.timeCol
		}
		return [][2][]int{{ordered[:cut], ordered[cut:]}}, how, nil
	}
	if o.folds < 2 {
		return nil, "", errors.New("eval: --folds must be at least 2")
	}
	return stratifiedFolds(rows, labels, o.folds, o.seed), fmt.Sprintf("cv: %d stratified folds", o.folds), nil
}

// outOfSample gathers every fold's test predictions, per family and for the selected model, so
// that the metrics are computed once over every test row rather than averaged over folds.
type outOfSample struct {
	pred   map[string][]float64 // per model name, indexed by row of the frame
	chosen map[scoring.Kind]int // how many folds selected each family
	rows   []int                // the rows predicted, sorted
	notes  []string             // the first fold's training notes
}

// crossFit trains on each pair's train rows and predicts its test rows, reporting progress on
// stderr since a fold can take a while on a large file.
func crossFit(ctx context.Context, features *scoring.Frame, labels []float64, tests [][2][]int, cfg scoring.TrainConfig, stderr io.Writer, start time.Time) (*outOfSample, error) {
	o := &outOfSample{pred: map[string][]float64{}, chosen: map[scoring.Kind]int{}}
	for k, ts := range tests {
		trainF, testF := features.Select(ts[0]), features.Select(ts[1])
		m, rep, err := scoring.Train(ctx, trainF, pick(labels, ts[0]), nil, cfg)
		if err != nil {
			return nil, fmt.Errorf("eval: fold %d: %w", k+1, err)
		}
		if k == 0 {
			o.notes = rep.Notes
		}
		o.chosen[m.Kind]++
		o.add("selected", m, testF, ts[1], len(labels))
		for _, c := range rep.Candidates {
			if c.Best && c.Model != nil {
				o.add(string(c.Kind), c.Model, testF, ts[1], len(labels))
			}
		}
		o.rows = append(o.rows, ts[1]...)
		fmt.Fprintf(stderr, "eval: fold %d/%d: chose %s (%s) in %s\n", k+1, len(tests), m.Kind, rep.Chosen, time.Since(start).Round(time.Millisecond))
	}
	slices.Sort(o.rows)
	return o, nil
}

// add records m's predictions of the test frame, whose rows are rows of the whole frame of n rows.
func (o *outOfSample) add(name string, m *scoring.Model, test *scoring.Frame, rows []int, n int) {
	p := m.Predict(test)
	if o.pred[name] == nil {
		o.pred[name] = make([]float64, n)
	}
	for j, i := range rows {
		o.pred[name][i] = p[j]
	}
}

// metrics scores each family's and the selected model's predictions on every test row; the
// selected model comes last.
func (o *outOfSample) metrics(labels []float64) []evalResult {
	y := pick(labels, o.rows)
	var results []evalResult
	for _, name := range []string{"logreg", "gbdt", "selected"} {
		if p, ok := o.pred[name]; ok {
			results = append(results, evalResult{Model: name, Metrics: scoring.ComputeMetrics(y, pick(p, o.rows), nil)})
		}
	}
	return results
}

// pick gathers v at rows, to hand one fold's labels or predictions to Train and ComputeMetrics.
func pick(v []float64, rows []int) []float64 {
	out := make([]float64, len(rows))
	for j, i := range rows {
		out[j] = v[i]
	}
	return out
}

// stratifiedFolds deals each class's shuffled rows round-robin into k folds.
func stratifiedFolds(rows []int, labels []float64, k int, seed uint64) [][2][]int {
	rng := rand.New(rand.NewPCG(seed, 42))
	fold := map[int]int{}
	for _, cls := range []float64{0, 1} {
		var g []int
		for _, i := range rows {
			if labels[i] == cls {
				g = append(g, i)
			}
		}
		rng.Shuffle(len(g), func(a, b int) { g[a], g[b] = g[b], g[a] })
		for j, i := range g {
			fold[i] = j % k
		}
	}
	out := make([][2][]int, k)
	for _, i := range rows {
		for f := range k {
			if fold[i] == f {
				out[f][1] = append(out[f][1], i)
			} else {
				out[f][0] = append(out[f][0], i)
			}
		}
	}
	return out
}

// timeOrder sorts rows by the time column (dates or numbers; missing first), or keeps file order.
func timeOrder(f *scoring.Frame, rows []int, col string) []int {
	out := slices.Clone(rows)
	if col == "" {
		return out
	}
	key := make(map[int]string, len(rows))
	for _, i := range rows {
		key[i], _ = f.Value(i, col)
	}
	slices.SortStableFunc(out, func(a, b int) int { return scoring.CompareTimes(key[a], key[b]) })
	return out
}
