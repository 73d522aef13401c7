package training

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
)

// Recency is how much older labels count, as half-lives in days measured back from the start of
// the newest validation window: outcomes by when they happened, weak labels by when the rep voted.
// 0 is no decay. Under a market shift the newest outcomes and the reps' newest votes say more about
// the leads being scored than last year's.
type Recency struct {
	OutcomeHalfLife float64 `json:"outcome_half_life_days,omitempty"`
	VoteHalfLife    float64 `json:"vote_half_life_days,omitempty"`
}

// recencyGrid is what Fit tries beyond no decay; a choice must beat no decay on validation by
// recencyMargin ROC AUC, or the simpler model is kept.
var recencyGrid = []Recency{{OutcomeHalfLife: 180}, {OutcomeHalfLife: 90}, {VoteHalfLife: 30}, {OutcomeHalfLife: 180, VoteHalfLife: 30}}

const recencyMargin = 0.002

// validFraction is the newest share of outcomes scoring.Train validates on; recency weights are 1
// inside it, so that validation figures under different weightings compare.
const validFraction = 0.2

// FitReport says how a model was fitted.
type FitReport struct {
	*scoring.Report
	Recency   Recency         `json:"recency"`
	Tried     []RecencyResult `json:"recency_tried,omitempty"`
	Outcomes  int             `json:"outcomes"`
	Newest    time.Time       `json:"newest_outcome"`
	Attrs     int             `json:"attributes_dropped"` // rare attributes left out by ColumnLimits
	Reasoned  int             `json:"reason_codes"`       // reason-code features the model saw
	Weighting string          `json:"weighting"`          // in words, for the announcement
}

// RecencyResult is one weighting tried, with its validation ROC AUC.
type RecencyResult struct {
	Recency
	AUC float64 `json:"auc"`
}

// fitInput is one fit: the dataset, the labels to learn (NaN for rows it must not learn from),
// the feedback whose votes may be weak labels, and optionally a configuration fixed beforehand.
type fitInput struct {
	ds      dataset
	labels  []float64
	fb      []scoring.Feedback
	fbAt    []time.Time
	like    *scoring.Model // refit this model's family and hyper-parameters
	recency *Recency       // with like: the weighting chosen with it
}

// fitModel trains on in.labels with the reps' votes as weak labels (unless cfg.NoWeakLabels), and
// chooses the recency weighting on validation: first the full search with no decay, then each
// weighting of recencyGrid with the chosen family and hyper-parameters fixed.
func fitModel(ctx context.Context, in fitInput, cfg Config) (*scoring.Model, FitReport, error) {
	tc := scoring.TrainConfig{Kind: cmp.Or(cfg.Kind, scoring.KindAuto), Seed: cfg.Seed,
		Drop: append(slices.Clone(cfg.Leaks), colAccount), Types: cfg.Types, MissingTokens: cfg.Missing,
		TimeColumn: colOccurred, ValidFraction: validFraction, Prior: &cfg.Prior}
	if !cfg.NoWeakLabels {
		tc.Feedback = in.fb
	}
	fr := FitReport{Attrs: in.ds.dropped}
	fr.Outcomes, fr.Newest = outcomeSpan(in.ds, in.labels)
	try := func(tc scoring.TrainConfig, r Recency) (*scoring.Model, *scoring.Report, error) {
		return scoring.Train(ctx, in.ds.frame, in.labels, recencyWeights(in, r), tc)
	}
	var r Recency
	if in.like != nil {
		tc = fixedLike(tc, in.like)
		if cfg.Recency != nil {
			r = *cfg.Recency
		} else if in.recency != nil {
			r = *in.recency
		}
	} else if cfg.Recency != nil {
		r = *cfg.Recency
	}
	m, rep, err := try(tc, r)
	if err != nil {
		return nil, fr, err
	}
	fr.Report, fr.Recency = rep, r
	if in.like == nil && cfg.Recency == nil && !rep.UsingPrior {
		fixed := fixedLike(tc, m)
		fr.Tried = append(fr.Tried, RecencyResult{AUC: rep.Validation.AUC})
		best := rep.Validation.AUC + recencyMargin
		for _, g := range recencyGrid {
			gm, grep, err := try(fixed, g)
			if err != nil {
				return nil, fr, err
			}
			fr.Tried = append(fr.Tried, RecencyResult{Recency: g, AUC: grep.Validation.AUC})
			if grep.Validation.AUC > best {
				m, fr.Report, fr.Recency, best = gm, grep, g, grep.Validation.AUC
			}
		}
	}
	fr.Weighting = fr.Recency.String()
	return m, fr, nil
}

// String words a weighting for people.
func (r Recency) String() string {
	switch {
	case r.OutcomeHalfLife > 0 && r.VoteHalfLife > 0:
		return fmt.Sprintf("outcomes weighted by recency (half-life %g days), votes too (%g days)", r.OutcomeHalfLife, r.VoteHalfLife)
	case r.OutcomeHalfLife > 0:
		return fmt.Sprintf("outcomes weighted by recency (half-life %g days)", r.OutcomeHalfLife)
	case r.VoteHalfLife > 0:
		return fmt.Sprintf("reps' votes weighted by recency (half-life %g days)", r.VoteHalfLife)
	}
	return "every outcome weighted alike"
}

// fixedLike is tc with m's family and hyper-parameters fixed; trees are early-stopped again, on
// the newer validation window.
func fixedLike(tc scoring.TrainConfig, m *scoring.Model) scoring.TrainConfig {
	switch {
	case m.Kind == scoring.KindLogReg && m.LogReg != nil:
		tc.Kind, tc.Lambda = scoring.KindLogReg, m.LogReg.Lambda
	case m.Kind == scoring.KindGBDT && m.GBDT != nil:
		p := m.GBDT.Params
		p.Trees, p.EarlyStop = max(p.Trees*2, 200), 50
		tc.Kind, tc.GBDT = scoring.KindGBDT, &p
	}
	return tc
}

// outcomeSpan counts the outcomes among labels and returns the newest one's time.
func outcomeSpan(ds dataset, labels []float64) (n int, newest time.Time) {
	for i, y := range labels {
		if math.IsNaN(y) {
			continue
		}
		n++
		if t := ds.leads[i].OccurredAt; t != nil && t.After(newest) {
			newest = *t
		}
	}
	return n, newest
}

// recencyWeights are the training weights for r (nil when r decays nothing): 1 for outcomes in
// the validation window (the newest validFraction, by when they happened) and for votes given
// since it began, halving every half-life before it. An older outcome's age runs from when its
// lead arrived (when it has a date), not from when the outcome came: a market moves the leads
// that arrive in it, and a lead that took 120 days to close says as much about that moment as one
// that took 30.
func recencyWeights(in fitInput, r Recency) []float64 {
	if r.OutcomeHalfLife <= 0 && r.VoteHalfLife <= 0 {
		return nil
	}
	leads := in.ds.leads
	var times []time.Time
	for i, y := range in.labels {
		if !math.IsNaN(y) && leads[i].OccurredAt != nil {
			times = append(times, *leads[i].OccurredAt)
		}
	}
	if len(times) == 0 {
		return nil
	}
	slices.SortFunc(times, time.Time.Compare)
	ref := times[len(times)-max(1, int(math.Round(float64(len(times))*validFraction)))]
	decay := func(t time.Time, h float64) float64 {
		if h <= 0 {
			return 1
		}
		return math.Exp2(-max(0, ref.Sub(t).Hours()/24) / h)
	}
	voted := map[int]time.Time{}
	for k, f := range in.fb {
		if f.Vote != 0 && !f.DataQuality && in.fbAt[k].After(voted[f.Lead]) {
			voted[f.Lead] = in.fbAt[k]
		}
	}
	w := make([]float64, len(leads))
	for i, y := range in.labels {
		switch {
		case !math.IsNaN(y) && leads[i].OccurredAt != nil && !leads[i].OccurredAt.Before(ref):
			w[i] = 1 // validation
		case !math.IsNaN(y) && leads[i].OccurredAt != nil:
			w[i] = decay(cmp.Or(leads[i].CreatedAt, leads[i].OccurredAt).UTC(), r.OutcomeHalfLife)
		case math.IsNaN(y) && !voted[i].IsZero():
			w[i] = decay(voted[i], r.VoteHalfLife)
		default:
			w[i] = 1
		}
	}
	return w
}

// Fit trains a model from leads and feedback as Retrain trains the champion it promotes (the same
// frame, the same feedback rules, the same choice of recency weighting), without the database or
// a champion to beat. Each lead's Outcome and KnownAt must say only what was known at the time
// being simulated; feedback given after a lead's KnownAt never reaches it. The simulated sales
// floor (bench/floor) trains through it.
func Fit(ctx context.Context, leads []store.TrainingLead, fb []store.TrainingFeedback, cfg Config) (*scoring.Model, FitReport, error) {
	ds := buildDataset(leads, fb, frameOptions{missing: cfg.Missing, limits: cfg.Columns})
	return fitModel(ctx, fitInput{ds: ds, labels: ds.labels, fb: ds.fb, fbAt: ds.fbAt}, cfg)
}

// Score returns m's probability for each of leads[rows], with the reason features of fb (only
// what was knowable for each lead: feedback given before its KnownAt). To score a lead as it was
// at a moment, set its KnownAt to that moment.
func Score(m *scoring.Model, leads []store.TrainingLead, fb []store.TrainingFeedback, cfg Config, rows []int) []float64 {
	ds := buildDataset(leads, fb, frameOptions{missing: cfg.Missing, columns: modelColumns(m)})
	return m.Predict(ds.frame.Select(rows))
}

// modelColumns are the columns m reads.
func modelColumns(m *scoring.Model) []string {
	cols := make([]string, 0, len(m.Encoding.Columns))
	for _, c := range m.Encoding.Columns {
		cols = append(cols, c.Name)
	}
	return cols
}
