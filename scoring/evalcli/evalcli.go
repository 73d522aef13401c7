// Package evalcli implements `leadbot eval`: an offline benchmark of the scoring engine on any
// CSV, with no database. It lives beside scoring so that benchmarks can run it without the
// composition root.
package evalcli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadbot/leadbot/scoring"
)

const evalUsage = `Usage: leadbot eval --data FILE.csv --target COL [flags]

Measures the scoring engine on any CSV export, offline (no database, no Slack): it trains the
candidate models on part of the data and reports how well they rank and how well their
probabilities are calibrated on the rest.

  --split cv     k-fold cross-validation, stratified by the target (default)
  --split time   train on the earliest 80 % (file order, or --time-column) and test on the latest 20 %

Metrics per candidate and for the selected model: ROC AUC, PR AUC (average precision), log loss,
Brier score, precision and lift in the top 10 %%, and expected calibration error (ECE).

Flags:
`

// evalResult is one model's out-of-sample figures.
type evalResult struct {
	Model string `json:"model"`
	scoring.Metrics
}

// Run implements `leadbot eval` with its arguments (without the word "eval").
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, strings.ReplaceAll(evalUsage, "%%", "%"))
		fs.PrintDefaults()
	}
	data := fs.String("data", "", "the CSV `FILE` to evaluate on (comma, semicolon or tab separated, with a header line)")
	target := fs.String("target", "", "the `COLUMN` holding the outcome")
	positive := fs.String("positive", "", "value of --target that counts as a win (default: 1, true, yes, won, converted)")
	drop := fs.String("drop", "", "comma-separated `COLUMNS` to exclude (identifiers, leaks)")
	missing := fs.String("missing", "", "comma-separated extra `VALUES` meaning missing, e.g. \"Select,NA\"")
	split := fs.String("split", "cv", "cv (k-fold) or time (earliest 80 % → latest 20 %)")
	folds := fs.Int("folds", 5, "folds for --split cv")
	timeCol := fs.String("time-column", "", "column giving each lead's time, for --split time and for validation inside training")
	model := fs.String("model", "auto", "auto, logreg or gbdt")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the table")
	seed := fs.Uint64("seed", 42, "random seed (folds, subsampling)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" || *target == "" {
		fs.Usage()
		return errors.New("eval: --data and --target are required")
	}
	if *split != "cv" && *split != "time" {
		return fmt.Errorf("eval: --split must be cv or time, not %q", *split)
	}
	kind := scoring.Kind(*model)
	if kind != scoring.KindAuto && kind != scoring.KindLogReg && kind != scoring.KindGBDT {
		return fmt.Errorf("eval: --model must be auto, logreg or gbdt, not %q", *model)
	}
	tokens := slices.Clone(scoring.DefaultMissingTokens)
	tokens = append(tokens, splitList(*missing)...)
	file, err := os.Open(*data)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	defer file.Close()
	start := time.Now()
	frame, err := scoring.ReadCSV(file, tokens...)
	if err != nil {
		return fmt.Errorf("eval: %s: %w", *data, err)
	}
	if !slices.Contains(frame.Columns(), *target) {
		return fmt.Errorf("eval: no column %q in %s; columns are: %s", *target, *data, strings.Join(frame.Columns(), ", "))
	}
	labels, err := parseLabels(frame, *target, *positive)
	if err != nil {
		return err
	}
	features := frame.Drop(*target)
	cfg := scoring.TrainConfig{Kind: kind, Seed: *seed, Drop: splitList(*drop), MissingTokens: splitList(*missing), KeepCandidates: true}
	if *timeCol != "" {
		if !slices.Contains(frame.Columns(), *timeCol) {
			return fmt.Errorf("eval: no column %q for --time-column", *timeCol)
		}
		cfg.TimeColumn = *timeCol
	}
	var testSets [][2][]int // train rows, test rows
	var rows []int
	for i, l := range labels {
		if !math.IsNaN(l) {
			rows = append(rows, i)
		}
	}
	how := ""
	if *split == "time" {
		ordered := timeOrder(frame, rows, *timeCol)
		cut := int(float64(len(ordered)) * 0.8)
		testSets = append(testSets, [2][]int{ordered[:cut], ordered[cut:]})
		cfg.TimeOrdered = true
		how = "time: earliest 80 % → latest 20 %"
		if *timeCol != "" {
			how += " by " + *timeCol
		}
	} else {
		if *folds < 2 {
			return errors.New("eval: --folds must be at least 2")
		}
		testSets = stratifiedFolds(rows, labels, *folds, *seed)
		how = fmt.Sprintf("cv: %d stratified folds", *folds)
	}
	// Out-of-sample predictions per family and for the selected model.
	oof := map[string][]float64{}
	chosen := map[scoring.Kind]int{}
	var evalRows []int
	var notes []string
	for k, ts := range testSets {
		trainF, testF := features.Select(ts[0]), features.Select(ts[1])
		m, rep, err := scoring.Train(ctx, trainF, pick(labels, ts[0]), nil, cfg)
		if err != nil {
			return fmt.Errorf("eval: fold %d: %w", k+1, err)
		}
		if k == 0 {
			notes = rep.Notes
		}
		chosen[m.Kind]++
		add := func(name string, mm *scoring.Model) {
			p := mm.Predict(testF)
			if oof[name] == nil {
				oof[name] = make([]float64, len(labels))
			}
			for j, i := range ts[1] {
				oof[name][i] = p[j]
			}
		}
		add("selected", m)
		for _, c := range rep.Candidates {
			if c.Best && c.Model != nil {
				add(string(c.Kind), c.Model)
			}
		}
		evalRows = append(evalRows, ts[1]...)
		fmt.Fprintf(stderr, "eval: fold %d/%d: chose %s (%s) in %s\n", k+1, len(testSets), m.Kind, rep.Chosen, time.Since(start).Round(time.Millisecond))
	}
	slices.Sort(evalRows)
	y := pick(labels, evalRows)
	var results []evalResult
	for _, name := range []string{"logreg", "gbdt", "selected"} {
		if p, ok := oof[name]; ok {
			results = append(results, evalResult{Model: name, Metrics: scoring.ComputeMetrics(y, pick(p, evalRows), nil)})
		}
	}
	sel := results[len(results)-1]
	selKind := majority(chosen)
	if *asJSON {
		out := map[string]any{
			"model": selKind, "auc": sel.AUC, "pr_auc": sel.PRAUC, "log_loss": sel.LogLoss, "brier": sel.Brier,
			"precision_at_10": sel.PrecAt10, "lift_at_10": sel.LiftAt10, "ece": sel.ECE,
			"n": sel.N, "positives": sel.Positives, "split": how, "chosen": chosen,
			"candidates": results[:len(results)-1], "notes": notes, "seconds": time.Since(start).Seconds(),
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		return enc.Encode(out)
	}
	fmt.Fprintf(stdout, "%s: %d leads, %.0f positive (%.1f %%), %d feature columns; %s\n", *data, sel.N, sel.Positives, 100*sel.Positives/float64(max(1, sel.N)), len(features.Columns()), how)
	for _, n := range notes {
		fmt.Fprintf(stdout, "  note: %s\n", n)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tROC AUC\tPR AUC\tlog loss\tBrier\tprec@10%\tlift@10%\tECE\t")
	for _, r := range results {
		name := r.Model
		if name == "selected" {
			name = fmt.Sprintf("selected (%s)", describeChosen(chosen))
		}
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.3f\t%.2f\t%.4f\t\n", name, r.AUC, r.PRAUC, r.LogLoss, r.Brier, r.PrecAt10, r.LiftAt10, r.ECE)
	}
	return tw.Flush()
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseLabels maps the target column to 1/0 (NaN when missing).
func parseLabels(f *scoring.Frame, target, positive string) ([]float64, error) {
	yes := map[string]bool{"1": true, "true": true, "yes": true, "y": true, "won": true, "converted": true, "win": true}
	no := map[string]bool{"0": true, "false": true, "no": true, "n": true, "lost": true, "lose": true, "not converted": true}
	out := make([]float64, f.Len())
	for i := range out {
		v, ok := f.Value(i, target)
		switch {
		case !ok:
			out[i] = math.NaN()
		case positive != "":
			out[i] = b2f(v == positive)
		case yes[strings.ToLower(v)]:
			out[i] = 1
		case no[strings.ToLower(v)]:
			out[i] = 0
		default:
			return nil, fmt.Errorf("eval: target value %q on row %d is not a recognised outcome; say which value is a win with --positive", v, i+2)
		}
	}
	return out, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

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

func majority(m map[scoring.Kind]int) scoring.Kind {
	var best scoring.Kind
	for _, k := range []scoring.Kind{scoring.KindLogReg, scoring.KindGBDT, scoring.KindPrior} {
		if m[k] > m[best] {
			best = k
		}
	}
	return best
}

func describeChosen(m map[scoring.Kind]int) string {
	var parts []string
	for _, k := range []scoring.Kind{scoring.KindLogReg, scoring.KindGBDT} {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s ×%d", k, m[k]))
		}
	}
	return strings.Join(parts, ", ")
}
