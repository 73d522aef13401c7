// Package evalcli implements `leadbot eval`: an offline benchmark of the scoring engine on any
// CSV, with no database. It lives beside scoring so that benchmarks can run it without the
// composition root.
package evalcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
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

// Run implements `leadbot eval` with its arguments (without the word "eval").
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	file, err := os.Open(o.data)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	defer file.Close()
	start := time.Now()
	frame, labels, err := o.readLabelled(file)
	if err != nil {
		return err
	}
	features := frame.Drop(o.target)
	cfg, err := o.trainConfig(frame)
	if err != nil {
		return err
	}
	tests, how, err := o.testSets(frame, labels, &cfg)
	if err != nil {
		return err
	}
	oos, err := crossFit(ctx, features, labels, tests, cfg, stderr, start)
	if err != nil {
		return err
	}
	results := oos.metrics(labels)
	if o.asJSON {
		return writeJSON(stdout, results, oos, how, start)
	}
	return writeTable(stdout, o.data, len(features.Columns()), results, oos, how)
}

// evalOptions are the flags of one run.
type evalOptions struct {
	data, target, positive string
	drop, missing          string // comma-separated lists
	split                  string // cv or time
	folds                  int
	timeCol                string
	kind                   scoring.Kind
	asJSON                 bool
	seed                   uint64
}

// parseFlags reads and checks the flags, so that a bad command line fails before the CSV is read.
func parseFlags(args []string, stderr io.Writer) (*evalOptions, error) {
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
		return nil, err
	}
	if *data == "" || *target == "" {
		fs.Usage()
		return nil, errors.New("eval: --data and --target are required")
	}
	if *split != "cv" && *split != "time" {
		return nil, fmt.Errorf("eval: --split must be cv or time, not %q", *split)
	}
	kind := scoring.Kind(*model)
	if kind != scoring.KindAuto && kind != scoring.KindLogReg && kind != scoring.KindGBDT {
		return nil, fmt.Errorf("eval: --model must be auto, logreg or gbdt, not %q", *model)
	}
	return &evalOptions{data: *data, target: *target, positive: *positive, drop: *drop, missing: *missing, split: *split,
		folds: *folds, timeCol: *timeCol, kind: kind, asJSON: *asJSON, seed: *seed}, nil
}

// readLabelled reads the CSV, with the extra missing tokens on top of the defaults, and maps the
// target to labels; it names the columns when the target is not one of them, the likeliest typo.
func (o *evalOptions) readLabelled(r io.Reader) (*scoring.Frame, []float64, error) {
	tokens := slices.Clone(scoring.DefaultMissingTokens)
	tokens = append(tokens, splitList(o.missing)...)
	frame, err := scoring.ReadCSV(r, tokens...)
	if err != nil {
		return nil, nil, fmt.Errorf("eval: %s: %w", o.data, err)
	}
	if !slices.Contains(frame.Columns(), o.target) {
		return nil, nil, fmt.Errorf("eval: no column %q in %s; columns are: %s", o.target, o.data, strings.Join(frame.Columns(), ", "))
	}
	labels, err := parseLabels(frame, o.target, o.positive)
	if err != nil {
		return nil, nil, err
	}
	return frame, labels, nil
}

// trainConfig is what every fold trains with. KeepCandidates is set so that each family's best
// model is scored too, not only the selected one.
func (o *evalOptions) trainConfig(frame *scoring.Frame) (scoring.TrainConfig, error) {
	cfg := scoring.TrainConfig{Kind: o.kind, Seed: o.seed, Drop: splitList(o.drop), MissingTokens: splitList(o.missing), KeepCandidates: true}
	if o.timeCol != "" {
		if !slices.Contains(frame.Columns(), o.timeCol) {
			return cfg, fmt.Errorf("eval: no column %q for --time-column", o.timeCol)
		}
		cfg.TimeColumn = o.timeCol
	}
	return cfg, nil
}

// splitList parses a comma-separated flag, ignoring blanks, so that "a, b," means a and b.
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

// b2f is 1 for true and 0 for false: a label from a comparison.
func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
