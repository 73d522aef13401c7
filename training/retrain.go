package training

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
)

// Store is what training needs from the database (satisfied by *store.Store).
type Store interface {
	TrainingLeads(ctx context.Context) ([]store.TrainingLead, error)
	TrainingFeedback(ctx context.Context) ([]store.TrainingFeedback, error)
	Champion(ctx context.Context) (store.Model, error)
	ModelArtifact(ctx context.Context, version int) ([]byte, error)
	InsertModel(ctx context.Context, m store.NewModel) (store.Model, error)
	// InsertModelPromotedOver stores m as the champion in place of previous, all or nothing, unless
	// another version became champion meanwhile (then it is stored retired, promoted false).
	InsertModelPromotedOver(ctx context.Context, m store.NewModel, previous int) (store.Model, bool, error)
	Retire(ctx context.Context, version int, notes string) error
	RecordScores(ctx context.Context, scores []store.NewScore) error
	CountUnscored(ctx context.Context) (int, error)
}

// Config says how to train.
type Config struct {
	Kind            scoring.Kind
	Seed            uint64
	Leaks           []string
	Types           map[string]scoring.ColumnType
	Missing         []string
	Margin          float64 // ROC AUC a challenger must gain to replace the champion
	HoldoutFraction float64 // latest share of outcomes both models are compared on (0: 0.2)
	Prior           scoring.PriorConfig
	// Force promotes the challenger whatever the comparison says (leadbot train -promote).
	Force bool
	// Columns bound the attribute columns training builds (zero: the defaults).
	Columns ColumnLimits
	// Recency fixes the recency weighting; nil chooses it on validation.
	Recency *Recency
	// NoWeakLabels keeps the reps' votes out of the labels (reasons stay features).
	NoWeakLabels bool
}

// Retrain trains a challenger on every outcome but the latest HoldoutFraction, compares it with
// the champion on those latest outcomes, and promotes it only if it is better by Margin (or there
// is no champion). A promoted challenger's configuration is then refitted on every outcome, so
// the model that scores has seen the newest ones, and every open lead is rescored with whichever
// model is champion after.
func Retrain(ctx context.Context, st Store, cfg Config, log *slog.Logger) (Result, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &retrain{st: st, cfg: cfg, log: log, res: Result{Stages: map[string]float64{}}}
	steps := []struct {
		stage string // the Result.Stages entry its seconds go to; "" for steps not worth timing
		run   func(context.Context) error
	}{
		{"load", r.load},
		{"", r.split},
		{"train", r.train},
		{"validate", r.decide}, // "validate": the name job_runs and the benchmark have always used
		{"refit", r.refit},
		{"", r.store},
		{"score", r.rescore},
	}
	for _, s := range steps {
		t0 := time.Now()
		if err := s.run(ctx); err != nil {
			return r.res, err
		}
		if s.stage != "" {
			r.res.Stages[s.stage] = time.Since(t0).Seconds()
		}
	}
	return r.res, nil
}

// retrain is one run of Retrain: what each step leaves for the next, and the Result it fills in.
type retrain struct {
	st  Store
	cfg Config
	log *slog.Logger
	res Result

	ds          dataset          // load: every lead, as one frame
	champ       *scoring.Model   // load: the champion before (nil if none); store: the one after
	hold        []int            // split: rows of the latest outcomes, which the challenger does not train on
	cut         time.Time        // split: when the earliest hold-out outcome happened
	trainLabels []float64        // split: the outcomes the challenger learns from (NaN elsewhere)
	holdLabels  []float64        // split: the hold-out's outcomes (NaN elsewhere)
	model       *scoring.Model   // train: the challenger; refit: the model to store
	fit         FitReport        // train, refit: how it was fitted
	decision    scoring.Decision // decide: whether the challenger replaces the champion, and why
}

// load reads the champion, every lead with its outcome if it has one, and every feedback vote,
// once: the challenger, the champion's evaluation and the rescoring then all see the same leads.
// The frame keeps the champion's columns whatever the column limits say, so it is judged fairly.
// A champion that cannot be loaded stops the run rather than be replaced unseen.
func (r *retrain) load(ctx context.Context) error {
	current, err := r.st.Champion(ctx)
	switch {
	case err == nil:
		r.res.ChampionVersion = current.Version
		if r.champ, err = loadModel(ctx, r.st, current.Version); err != nil {
			return err
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	leads, err := r.st.TrainingLeads(ctx)
	if err != nil {
		return err
	}
	fb, err := r.st.TrainingFeedback(ctx)
	if err != nil {
		return err
	}
	opt := frameOptions{missing: r.cfg.Missing, limits: r.cfg.Columns}
	if r.champ != nil {
		opt.extra = modelColumns(r.champ)
	}
	r.ds = buildDataset(leads, fb, opt)
	r.res.Leads = len(leads)
	return nil
}

// split sets the latest outcomes aside as the hold-out, so that the challenger and the champion
// are compared on leads the challenger did not train on, and recent ones: the leads they will be
// scoring. With too few outcomes to spare any, there is no hold-out and the challenger trains on
// all.
func (r *retrain) split(context.Context) error {
	leads := r.ds.leads
	var labelled []int
	for i, l := range leads {
		if l.Outcome != nil {
			labelled = append(labelled, i)
		}
	}
	r.res.Outcomes = len(labelled)
	slices.SortStableFunc(labelled, func(a, b int) int { return leads[a].OccurredAt.Compare(*leads[b].OccurredAt) })
	frac := r.cfg.HoldoutFraction
	if frac <= 0 {
		frac = 0.2
	}
	nHold := int(math.Round(float64(len(labelled)) * frac))
	if len(labelled)-nHold < scoring.MinOutcomes {
		nHold = 0 // too few to spare a hold-out: the model (or the prior) trains on all
	}
	r.hold = labelled[len(labelled)-nHold:]
	r.trainLabels = slices.Clone(r.ds.labels)
	r.holdLabels = make([]float64, len(leads))
	for i := range r.holdLabels {
		r.holdLabels[i] = math.NaN()
	}
	for _, i := range r.hold {
		r.holdLabels[i], r.trainLabels[i] = r.ds.labels[i], math.NaN()
	}
	if len(r.hold) > 0 {
		r.cut = *leads[r.hold[0]].OccurredAt
	}
	r.res.Holdout = len(r.hold)
	return nil
}

// train fits the challenger on every outcome outside the hold-out, with the reps' feedback as
// weak labels and the prior's rules for when outcomes are too few. The hold-out is judged as it
// would have been scored: its leads' votes are never the challenger's weak labels, and votes
// given after the hold-out began are not either; the reason features of every lead are only those
// given before its outcome was known (see visibleFeedback).
func (r *retrain) train(ctx context.Context) error {
	fb := r.ds.fb
	if len(r.hold) > 0 {
		skip := make(map[int]bool, len(r.hold))
		for _, i := range r.hold {
			skip[i] = true
		}
		fb = votesBefore(r.ds.fb, r.ds.fbAt, r.cut, skip)
	}
	m, fr, err := fitModel(ctx, fitInput{ds: r.ds, labels: r.trainLabels, fb: fb, fbAt: r.ds.fbAt}, r.cfg)
	if err != nil {
		return err
	}
	r.model, r.fit = m, fr
	r.describe()
	return nil
}

// describe copies what the fitted model is into the Result.
func (r *retrain) describe() {
	rep := r.fit.Report
	r.res.Kind, r.res.UsingPrior, r.res.FeedbackLabels, r.res.FeedbackWeight = r.model.Kind, rep.UsingPrior, rep.WeakLabels, rep.FeedbackWeight
	r.res.Recency = r.fit.Recency
	r.res.Notes = slices.Clone(rep.Notes)
	if r.ds.dropped > 0 {
		r.res.Notes = append(r.res.Notes, fmt.Sprintf("%d rare CRM attributes left out (too few leads carry them, or past the %d most common)", r.ds.dropped, DefaultMaxColumns))
	}
	r.res.ReasonCodes = 0
	for _, c := range r.model.Encoding.Columns {
		if len(c.Name) > len(scoring.ReasonPrefix) && c.Name[:len(scoring.ReasonPrefix)] == scoring.ReasonPrefix {
			r.res.ReasonCodes++
		}
	}
}

// decide says whether the challenger replaces the champion: only when it ranks the hold-out better
// by cfg.Margin, when there is no champion yet, or when cfg.Force says so.
func (r *retrain) decide(context.Context) error {
	d := r.compare()
	if r.cfg.Force && !d.Promote {
		d = scoring.Decision{Promote: true, Reason: "promoted on request (-promote); the comparison said: " + d.Reason}
	}
	r.decision = d
	r.res.Promoted, r.res.Decision = d.Promote, d.Reason
	return nil
}

// compare measures the challenger (and the champion, if any) on the hold-out and applies the
// promotion rule. Without a hold-out there is nothing fair to compare on: the challenger's own
// validation is reported, and it replaces only a champion that does not exist.
func (r *retrain) compare() scoring.Decision {
	if len(r.hold) > 0 {
		r.res.Challenger = r.model.Evaluate(r.ds.frame, r.holdLabels, nil)
		if r.champ != nil {
			m := r.champ.Evaluate(r.ds.frame, r.holdLabels, nil)
			r.res.Champion = &m
		}
		return scoring.Promote(r.res.Champion, r.res.Challenger, r.cfg.Margin)
	}
	r.res.Challenger = r.model.Validation
	switch {
	case r.champ == nil:
		return scoring.Decision{Promote: true, Reason: "no champion yet; too few outcomes for a hold-out, so this model ranks leads until there are more"}
	case r.fit.UsingPrior:
		return scoring.Decision{Reason: "kept the champion: there are too few outcomes to train a better one"}
	default:
		return scoring.Decision{Reason: fmt.Sprintf("kept the champion: %d outcomes leave no recent hold-out to compare on (need %d)", r.res.Outcomes, scoring.MinOutcomes+1)}
	}
}

// refit trains the promoted configuration again on every outcome, the hold-out's included, with
// every knowable vote as a weak label: the hold-out decided whether the configuration is better;
// the model that scores must not miss the newest outcomes, which say most about a moving market.
func (r *retrain) refit(ctx context.Context) error {
	if !r.decision.Promote || len(r.hold) == 0 || r.fit.UsingPrior {
		return nil
	}
	recency := r.fit.Recency
	m, fr, err := fitModel(ctx, fitInput{ds: r.ds, labels: r.ds.labels, fb: r.ds.fb, fbAt: r.ds.fbAt, like: r.model, recency: &recency}, r.cfg)
	if err != nil {
		return fmt.Errorf("refitting the promoted model on every outcome: %w", err)
	}
	r.model, r.fit = m, fr
	r.describe()
	r.res.Refit = &Refit{Outcomes: fr.Outcomes, Added: len(r.hold), Newest: fr.Newest, Weighting: fr.Weighting,
		Summary: fmt.Sprintf("refitted on all %d outcomes, the %d newest (to %s) included; %s", fr.Outcomes, len(r.hold), fr.Newest.Format("2 Jan 2006"), fr.Weighting)}
	return nil
}
