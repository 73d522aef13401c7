package scoring

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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
	ValidFraction float64               // share held out for validation; 0 = 0.2
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
	n := f.Len()
	if len(labels) != n {
		return nil, nil, fmt.Errorf("scoring: %d labels for %d rows; pass one label per lead (NaN when there is no outcome)", len(labels), n)
	}
	if weights != nil && len(weights) != n {
		return nil, nil, fmt.Errorf("scoring: %d weights for %d rows", len(weights), n)
	}
	if cfg.Kind == "" {
		cfg.Kind = KindAuto
	}
	if cfg.Kind != KindAuto && cfg.Kind != KindLogReg && cfg.Kind != KindGBDT {
		return nil, nil, fmt.Errorf("scoring: unknown model kind %q; use auto, logreg or gbdt", cfg.Kind)
	}
	w := make([]float64, n)
	rep := &Report{}
	var strong []int
	for i := range n {
		w[i] = 1
		if weights != nil {
			w[i] = weights[i]
		}
		if math.IsNaN(w[i]) || w[i] < 0 {
			return nil, nil, fmt.Errorf("scoring: weight of row %d is %v; weights must be ≥ 0", i, w[i])
		}
		y := labels[i]
		if math.IsNaN(y) || w[i] == 0 {
			continue
		}
		if y != 0 && y != 1 {
			return nil, nil, fmt.Errorf("scoring: label of row %d is %v; labels must be 0, 1 or NaN", i, y)
		}
		strong = append(strong, i)
		rep.Positives += w[i] * y
	}
	rep.Rows = len(strong)
	var pos, neg int
	for _, i := range strong {
		if labels[i] == 1 {
			pos++
		} else {
			neg++
		}
	}
	enough := len(strong) >= MinOutcomes && pos >= MinPerClass && neg >= MinPerClass
	if !enough {
		why := fmt.Sprintf("%d leads have outcomes (%d won, %d lost); training needs at least %d with %d of each", len(strong), pos, neg, MinOutcomes, MinPerClass)
		if cfg.Prior != nil {
			enc, pr := fitPrior(f, *cfg.Prior, 0)
			m := &Model{Format: FormatVersion, Kind: KindPrior, Encoding: enc, Prior: pr, Calibration: identityCalibration, Units: cfg.Units, Rows: len(strong)}
			rep.UsingPrior, rep.Kind, rep.Chosen = true, KindPrior, "prior"
			rep.Notes = append(rep.Notes, "running on the prior: "+why)
			m.Notes = rep.Notes
			return m, rep, nil
		}
		switch {
		case len(strong) == 0:
			return nil, nil, ErrNoLabels
		case pos == 0 || neg == 0:
			return nil, nil, fmt.Errorf("%w (%d leads, all %s)", ErrSingleClass, len(strong), map[bool]string{true: "won", false: "lost"}[pos > 0])
		}
		return nil, nil, fmt.Errorf("scoring: too few outcomes to train: %s; import more outcomes or configure a prior", why)
	}

	// Weak labels: rep votes on leads that have no outcome yet.
	weak := weakLabels(n, cfg.Feedback)
	var weakRows []int
	for i := range n {
		if math.IsNaN(labels[i]) && !math.IsNaN(weak[i]) && w[i] > 0 {
			weakRows = append(weakRows, i)
		}
	}
	rep.WeakLabels = len(weakRows)

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
		return nil, nil, errors.New("scoring: no usable column is left after dropping identifiers, constants and excluded columns; check the drop list")
	}
	x := enc.encode(f)
	bins := enc.bins(x)
	y := make([]float64, n)
	for i := range n {
		y[i] = labels[i]
		if math.IsNaN(y[i]) {
			y[i] = weak[i]
		}
	}

	tr, va, split := splitRows(f, strong, labels, cfg)
	rep.Split = split
	s := &session{ctx: ctx, enc: enc, x: x, bins: bins, y: y, w: w, cfg: cfg, units: cfg.Units}
	s.valid = va
	s.train = tr
	s.weakRows = weakRows

	cands, err := s.search()
	if err != nil {
		return nil, nil, err
	}
	best := 0
	for i := range cands {
		if better(cands[i].c.Validation, cands[best].c.Validation, cands[i].c.Kind, cands[best].c.Kind) {
			best = i
		}
	}
	// Weak-label weight on validation, for the chosen configuration.
	chosen := cands[best]
	if len(weakRows) > 0 {
		bestW := 0.0
		for _, fw := range []float64{0.1, 0.3, 1} {
			c, err := s.fit(chosen.spec, fw)
			if err != nil {
				return nil, nil, err
			}
			if c.c.Validation.AUC > chosen.c.Validation.AUC+1e-4 {
				chosen, bestW = c, fw
			}
		}
		rep.FeedbackWeight = bestW
		cands[best] = chosen
	}
	for i := range cands {
		cands[i].c.Selected = i == best
	}
	markBestOfKind(cands)

	final, err := s.refit(chosen, rep.FeedbackWeight)
	if err != nil {
		return nil, nil, err
	}
	if cfg.KeepCandidates {
		for i := range cands {
			switch {
			case i == best:
				cands[i].c.Model = final
			case cands[i].c.Best:
				if cands[i].c.Model, err = s.refit(cands[i], rep.FeedbackWeight); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	for _, c := range cands {
		rep.Candidates = append(rep.Candidates, c.c)
	}
	rep.Chosen, rep.Kind, rep.Validation = chosen.c.Name, chosen.c.Kind, chosen.c.Validation
	final.Notes = rep.Notes
	return final, rep, nil
}

// better orders candidates: higher validation ROC AUC; within 0.001 the lower log loss, and the
// logistic regression on a tie, since its explanations are simpler.
func better(a, b Metrics, ka, kb Kind) bool {
	if math.Abs(a.AUC-b.AUC) > 1e-3 {
		return a.AUC > b.AUC
	}
	if ka != kb {
		return ka == KindLogReg
	}
	return a.LogLoss < b.LogLoss
}

func markBestOfKind(cands []fitted) {
	for _, kind := range []Kind{KindLogReg, KindGBDT} {
		bi := -1
		for i := range cands {
			if cands[i].c.Kind == kind && (bi < 0 || cands[i].c.Selected || (!cands[bi].c.Selected && better(cands[i].c.Validation, cands[bi].c.Validation, kind, kind))) {
				bi = i
			}
		}
		if bi >= 0 {
			cands[bi].c.Best = true
		}
	}
}

// splitRows holds out the latest labelled rows when time is known, else a stratified random
// share, for validation.
func splitRows(f *Frame, strong []int, labels []float64, cfg TrainConfig) (train, valid []int, how string) {
	frac := cfg.ValidFraction
	if frac <= 0 || frac >= 1 {
		frac = 0.2
	}
	rows := slices.Clone(strong)
	if cfg.TimeColumn != "" || cfg.TimeOrdered {
		how = "time-forward: validated on the latest 20 % of leads (file order)"
		if cfg.TimeColumn != "" {
			t := timeKeys(f, cfg.TimeColumn)
			slices.SortStableFunc(rows, func(a, b int) int { return cmp.Compare(t[a], t[b]) })
			how = fmt.Sprintf("time-forward: validated on the latest 20 %% of leads by %q", cfg.TimeColumn)
		}
		if frac != 0.2 {
			how = fmt.Sprintf("time-forward, %.0f %% held out", frac*100)
		}
		cut := len(rows) - max(1, int(math.Round(float64(len(rows))*frac)))
		va := rows[cut:]
		var p int
		for _, i := range va {
			p += int(labels[i])
		}
		if p > 0 && p < len(va) {
			tr := rows[:cut]
			slices.Sort(tr)
			return tr, va, how
		}
		how = "stratified random 20 % (the latest leads hold one outcome only)"
	} else {
		how = "stratified random 20 %"
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	for _, cls := range []float64{0, 1} {
		var g []int
		for _, i := range rows {
			if labels[i] == cls {
				g = append(g, i)
			}
		}
		rng.Shuffle(len(g), func(a, b int) { g[a], g[b] = g[b], g[a] })
		k := int(math.Round(float64(len(g)) * frac))
		valid = append(valid, g[:k]...)
		train = append(train, g[k:]...)
	}
	slices.Sort(train)
	slices.Sort(valid)
	return train, valid, how
}

// timeKeys parses the time column as a date or a number; missing sorts first.
func timeKeys(f *Frame, col string) []float64 {
	n := f.Len()
	out := make([]float64, n)
	var vals []string
	for i := range n {
		v, _ := f.Value(i, col)
		vals = append(vals, v)
	}
	distinct := slices.Compact(slices.Sorted(slices.Values(vals)))
	if len(distinct) > 0 && distinct[0] == "" {
		distinct = distinct[1:]
	}
	typ, layout := inferType(distinct)
	for i, v := range vals {
		x, ok := parseNumber(v, typ, layout)
		if !ok {
			x = math.Inf(-1)
		}
		out[i] = x
	}
	return out
}

// CompareTimes orders two raw time values: as dates or numbers when both parse, as text
// otherwise; missing ("") sorts first.
func CompareTimes(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	}
	typ, layout := inferType([]string{a, b})
	if typ == TypeNumber || typ == TypeDate {
		x, ok1 := parseNumber(a, typ, layout)
		y, ok2 := parseNumber(b, typ, layout)
		if ok1 && ok2 {
			return cmp.Compare(x, y)
		}
	}
	return cmp.Compare(a, b)
}
