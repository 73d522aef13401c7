package scoring

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// TrainConfig says what to train and how. The zero value trains KindAuto with seed 0.
type TrainConfig struct {
	Kind          Kind                  // auto (default), logreg or gbdt
	Seed          uint64                // same data + same seed = same model, on any core count
	Drop          []string              // leak and other columns to exclude
	Types         map[string]ColumnType // overrides of the inferred column types
	Units         map[string]string     // units for rendering numbers, e.g. "s" for seconds
	MissingTokens []string              // extra raw values meaning missing, e.g. "Select"
	TimeColumn    string                // validate on the latest leads by this column
	TimeOrdered   bool                  // rows are in time order: validate on the last ones
	ValidFraction float64               // time-ordered: share of the leads in each forward window; 0 = 0.1
	Folds         int                   // inner folds or forward windows for selection; 0 = 4
	GBDT          *GBDTParams           // fixed tree parameters instead of the small search
	Lambda        float64               // fixed L2 penalty for logreg instead of the search
	Feedback      []Feedback            // rep feedback; the frame must already be WithFeedback
	Prior         *PriorConfig          // when set, too few outcomes yields the prior, not an error
	// KeepCandidates refits the best model of every family on all rows and returns them in
	// Report.Candidates, so an evaluation can score each family.
	KeepCandidates bool
}

// Candidate is one configuration tried during selection.
type Candidate struct {
	Name       string  `json:"name"`
	Kind       Kind    `json:"kind"`
	Validation Metrics `json:"validation"`
	Selected   bool    `json:"selected"`
	Best       bool    `json:"best_of_kind"`
	Model      *Model  `json:"-"` // with KeepCandidates: the best of its kind, refitted on all rows
}

// Report tells how a model was chosen.
type Report struct {
	Rows           int         `json:"rows"`      // labelled rows (outcomes)
	Positives      float64     `json:"positives"` // weighted positives among them
	WeakLabels     int         `json:"weak_labels"`
	FeedbackWeight float64     `json:"feedback_weight"` // weight of a weak label, chosen on validation
	Split          string      `json:"split"`
	Candidates     []Candidate `json:"candidates"`
	Chosen         string      `json:"chosen"`
	Kind           Kind        `json:"kind"`
	Validation     Metrics     `json:"validation"`
	UsingPrior     bool        `json:"using_prior"`
	Notes          []string    `json:"notes"`
}

// Errors Train returns for data it cannot learn from; each message says what to do.
var (
	ErrNoLabels    = errors.New("scoring: no lead has an outcome yet; import outcomes (won/lost) first, or configure a prior to rank leads until then")
	ErrSingleClass = errors.New("scoring: every labelled lead has the same outcome, so there is nothing to tell apart; import both won and lost leads")
)

// Train fits a model on frame with labels (1 won/converted, 0 lost, NaN no outcome yet) and
// optional weights (nil = 1). It returns the model, how it was chosen, or a clear error.
func Train(ctx context.Context, f *Frame, labels, weights []float64, cfg TrainConfig) (*Model, *Report, error) {
	if cfg.Kind == "" {
		cfg.Kind = KindAuto
	}
	if err := checkTrainInput(f.Len(), labels, weights, cfg.Kind); err != nil {
		return nil, nil, err
	}
	w, strong, positives, err := outcomeRows(labels, weights)
	if err != nil {
		return nil, nil, err
	}
	rep := &Report{Rows: len(strong), Positives: positives}
	pos, neg := countOutcomes(labels, strong)
	if len(strong) < MinOutcomes || pos < MinPerClass || neg < MinPerClass {
		return tooFewOutcomes(f, labels, strong, cfg, rep, pos, neg)
	}
	s, err := newSession(ctx, f, labels, w, strong, cfg, rep)
	if err != nil {
		return nil, nil, err
	}
	return s.choose(rep)
}

// checkTrainInput rejects malformed arguments before any work, each with a message saying how to
// call Train instead.
func checkTrainInput(n int, labels, weights []float64, kind Kind) error {
	if len(labels) != n {
		return fmt.Errorf("scoring: %d labels for %d rows; pass one label per lead (NaN when there is no outcome)", len(labels), n)
	}
	if weights != nil && len(weights) != n {
		return fmt.Errorf("scoring: %d weights for %d rows", len(weights), n)
	}
	if kind != KindAuto && kind != KindLogReg && kind != KindGBDT {
		return fmt.Errorf("scoring: unknown model kind %q; use auto, logreg or gbdt", kind)
	}
	return nil
}

// outcomeRows checks every row's weight (1 when weights is nil) and label, and returns the
// weights, the rows the models learn from (an outcome and a positive weight) and their weighted
// positives. It reports the first bad row, so the caller can fix the data.
func outcomeRows(labels, weights []float64) (w []float64, strong []int, positives float64, err error) {
	w = make([]float64, len(labels))
	for i := range labels {
		w[i] = 1
		if weights != nil {
			w[i] = weights[i]
		}
		if math.IsNaN(w[i]) || w[i] < 0 {
			return nil, nil, 0, fmt.Errorf("scoring: weight of row %d is %v; weights must be ≥ 0", i, w[i])
		}
		y := labels[i]
		if math.IsNaN(y) || w[i] == 0 {
			continue
		}
		if y != 0 && y != 1 {
			return nil, nil, 0, fmt.Errorf("scoring: label of row %d is %v; labels must be 0, 1 or NaN", i, y)
		}
		strong = append(strong, i)
		positives += w[i] * y
	}
	return w, strong, positives, nil
}

// countOutcomes counts the won and lost leads among rows (unweighted): the minimums to train are
// about how many leads there are, whatever their weights.
func countOutcomes(labels []float64, rows []int) (pos, neg int) {
	for _, i := range rows {
		if labels[i] == 1 {
			pos++
		} else {
			neg++
		}
	}
	return pos, neg
}

// tooFewOutcomes is Train's answer when the outcomes cannot support a model: the prior when one is
// configured, so that leads are ranked from the first day, else an error saying what is missing.
func tooFewOutcomes(f *Frame, labels []float64, strong []int, cfg TrainConfig, rep *Report, pos, neg int) (*Model, *Report, error) {
	rows := rep.Rows
	why := fmt.Sprintf("%d leads have outcomes (%d won, %d lost); training needs at least %d with %d of each", rows, pos, neg, MinOutcomes, MinPerClass)
	if cfg.Prior != nil {
		m := priorModel(f, labels, strong, *cfg.Prior, cfg.Units)
		rep.UsingPrior, rep.Kind, rep.Chosen = true, KindPrior, "prior"
		rep.Notes = append(rep.Notes, "running on the prior: "+why)
		m.Notes = rep.Notes
		return m, rep, nil
	}
	switch {
	case rows == 0:
		return nil, nil, ErrNoLabels
	case pos == 0 || neg == 0:
		return nil, nil, fmt.Errorf("%w (%d leads, all %s)", ErrSingleClass, rows, map[bool]string{true: "won", false: "lost"}[pos > 0])
	}
	return nil, nil, fmt.Errorf("scoring: too few outcomes to train: %s; import more outcomes or configure a prior", why)
}

// newSession prepares what every candidate shares, once: the weak labels, the fitted encoding, the
// encoded and binned rows, and the validation split.
func newSession(ctx context.Context, f *Frame, labels, w []float64, strong []int, cfg TrainConfig, rep *Report) (*session, error) {
	// Weak labels: rep votes on leads that have no outcome yet.
	weak := weakLabels(f.Len(), cfg.Feedback)
	weakRows := weakLabelRows(labels, weak, w)
	rep.WeakLabels = len(weakRows)
	enc, err := fitTrainEncoding(f, cfg, rep)
	if err != nil {
		return nil, err
	}
	x := enc.encode(f)
	s := &session{ctx: ctx, num: &view{enc: enc, x: x, bins: enc.bins(x)}, y: withWeakLabels(labels, weak), w: w, cfg: cfg,
		units: cfg.Units, strong: strong, weakRows: weakRows}
	if cfg.Kind != KindGBDT {
		s.codes = codesView(f, cfg, enc)
	}
	s.heldVotes = newestVotes(weakRows, s.y)
	s.folds, rep.Split = innerFolds(f, strong, labels, cfg)
	s.timed = strings.HasPrefix(rep.Split, "time-forward")
	return s, nil
}

// codesView is the encoding with every IntCodes column as a category, for the linear model to
// try; nil when there is none.
func codesView(f *Frame, cfg TrainConfig, enc *Encoding) *view {
	types := maps.Clone(cfg.Types)
	if types == nil {
		types = map[string]ColumnType{}
	}
	for _, c := range enc.Columns {
		if c.IntCodes {
			types[c.Name] = TypeCategory
		}
	}
	if len(types) == len(cfg.Types) {
		return nil
	}
	ce := fitEncoding(f, EncodeConfig{Drop: enc.droppedNames(), Types: types, MissingTokens: cfg.MissingTokens})
	return &view{enc: ce, x: ce.encode(f)}
}

// weakLabelRows are the rows without an outcome that rep votes label: they may join training, at
// a weight chosen on validation, but never validation itself.
func weakLabelRows(labels, weak, w []float64) []int {
	var rows []int
	for i := range labels {
		if math.IsNaN(labels[i]) && !math.IsNaN(weak[i]) && w[i] > 0 {
			rows = append(rows, i)
		}
	}
	return rows
}

// newestVotes is the newest third of the weak-labelled rows (the frame holds leads oldest first,
// as training reads them), to hold out when choosing the weak labels' weight: nil unless it
// holds at least minHeldVotes votes of each kind, so that its ROC AUC means something.
func newestVotes(weakRows []int, y []float64) []int {
	held := weakRows[len(weakRows)-len(weakRows)/3:]
	var up, down int
	for _, i := range held {
		if y[i] == 1 {
			up++
		} else {
			down++
		}
	}
	if up < minHeldVotes || down < minHeldVotes {
		return nil
	}
	return held
}

// minHeldVotes is the fewest 👍 (and 👎) among the held-out votes for them to choose a weight.
const minHeldVotes = 20

// withWeakLabels is every row's label, or its weak label when it has no outcome yet, so that one
// target column serves the strong and the weak rows alike.
func withWeakLabels(labels, weak []float64) []float64 {
	y := make([]float64, len(labels))
	for i := range y {
		y[i] = labels[i]
		if math.IsNaN(y[i]) {
			y[i] = weak[i]
		}
	}
	return y
}

// fitTrainEncoding fits the encoding without the configured drops, the vote column (votes are
// labels, not features) and the time column (it orders the validation split); every other column
// it drops becomes a note, so the user learns why it is not used.
func fitTrainEncoding(f *Frame, cfg TrainConfig, rep *Report) (*Encoding, error) {
	drop := append(slices.Clone(cfg.Drop), VoteColumn)
	if cfg.TimeColumn != "" {
		drop = append(drop, cfg.TimeColumn)
	}
	enc := fitEncoding(f, EncodeConfig{Drop: drop, Types: cfg.Types, MissingTokens: cfg.MissingTokens})
	for _, d := range enc.Dropped {
		if d.Reason != "excluded by configuration" {
			rep.Notes = append(rep.Notes, fmt.Sprintf("column %q dropped: %s", d.Name, d.Reason))
		}
	}
	if len(enc.Columns) == 0 {
		return nil, errors.New("scoring: no usable column is left after dropping identifiers, constants and excluded columns; check the drop list")
	}
	return enc, nil
}
