package training

import (
	"cmp"
	"context"
	"encoding/json"
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
	Promote(ctx context.Context, version int, notes string) error
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
}

// Result is what a retrain did: recorded in job_runs and announced to managers.
type Result struct {
	Version         int                `json:"version"`
	Kind            scoring.Kind       `json:"kind"`
	UsingPrior      bool               `json:"using_prior"`
	Promoted        bool               `json:"promoted"`
	Decision        string             `json:"decision"`
	ChampionVersion int                `json:"champion_version,omitempty"` // the champion before
	Challenger      scoring.Metrics    `json:"challenger"`                 // on the hold-out
	Champion        *scoring.Metrics   `json:"champion,omitempty"`         // on the same hold-out
	Leads           int                `json:"leads"`
	Outcomes        int                `json:"outcomes"`
	Holdout         int                `json:"holdout"`
	FeedbackLabels  int                `json:"feedback_labels"`
	ReasonCodes     int                `json:"reason_codes"` // reason-code features the model saw
	FeedbackWeight  float64            `json:"feedback_weight"`
	Moves           []Move             `json:"moves,omitempty"` // factors whose weight moved most
	Scored          int                `json:"scored"`
	Stages          map[string]float64 `json:"stages_s"`
	Notes           []string           `json:"notes,omitempty"`
}

// Move is a factor whose average effect changed between the old and the new champion.
type Move struct {
	Column string  `json:"column"`
	Before float64 `json:"before"`
	After  float64 `json:"after"`
}

// Retrain trains a challenger on every outcome but the latest HoldoutFraction, compares it with
// the champion on those latest outcomes, promotes it only if it is better by Margin (or there is
// no champion), and rescores every open lead with whichever model is champion after.
func Retrain(ctx context.Context, st Store, cfg Config, log *slog.Logger) (Result, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	res := Result{Stages: map[string]float64{}}
	stage := func(name string, start time.Time) { res.Stages[name] = time.Since(start).Seconds() }

	t0 := time.Now()
	leads, err := st.TrainingLeads(ctx)
	if err != nil {
		return res, err
	}
	fb, err := st.TrainingFeedback(ctx)
	if err != nil {
		return res, err
	}
	ds := buildDataset(leads, fb, cfg.Missing)
	stage("load", t0)
	res.Leads = len(leads)

	// The hold-out: the latest outcomes, which neither model trains on.
	var labelled []int
	for i, l := range leads {
		if l.Outcome != nil {
			labelled = append(labelled, i)
		}
	}
	res.Outcomes = len(labelled)
	slices.SortStableFunc(labelled, func(a, b int) int { return leads[a].OccurredAt.Compare(*leads[b].OccurredAt) })
	frac := cfg.HoldoutFraction
	if frac <= 0 {
		frac = 0.2
	}
	nHold := int(math.Round(float64(len(labelled)) * frac))
	if len(labelled)-nHold < scoring.MinOutcomes {
		nHold = 0 // too few to spare a hold-out: the model (or the prior) trains on all
	}
	hold := labelled[len(labelled)-nHold:]
	trainLabels := slices.Clone(ds.labels)
	holdLabels := make([]float64, len(leads))
	for i := range holdLabels {
		holdLabels[i] = math.NaN()
	}
	for _, i := range hold {
		holdLabels[i], trainLabels[i] = ds.labels[i], math.NaN()
	}
	res.Holdout = len(hold)
	frame := ds.frame

	t0 = time.Now()
	tc := scoring.TrainConfig{Kind: cmp.Or(cfg.Kind, scoring.KindAuto), Seed: cfg.Seed, Drop: append(slices.Clone(cfg.Leaks), colAccount),
		Types: cfg.Types, MissingTokens: cfg.Missing, TimeColumn: colOccurred, Feedback: ds.fb, Prior: &cfg.Prior}
	model, rep, err := scoring.Train(ctx, frame, trainLabels, nil, tc)
	if err != nil {
		return res, err
	}
	stage("train", t0)
	res.Kind, res.UsingPrior, res.FeedbackLabels, res.FeedbackWeight = model.Kind, rep.UsingPrior, rep.WeakLabels, rep.FeedbackWeight
	res.Notes = rep.Notes
	for _, c := range frame.Columns() {
		if len(c) > len(scoring.ReasonPrefix) && c[:len(scoring.ReasonPrefix)] == scoring.ReasonPrefix {
			res.ReasonCodes++
		}
	}

	t0 = time.Now()
	var champ *scoring.Model
	current, err := st.Champion(ctx)
	switch {
	case err == nil:
		res.ChampionVersion = current.Version
		art, err := st.ModelArtifact(ctx, current.Version)
		if err != nil {
			return res, err
		}
		if champ, err = scoring.Unmarshal(art); err != nil {
			return res, fmt.Errorf("champion v%d cannot be loaded (%w): promote another version with `leadbot models promote VERSION`", current.Version, err)
		}
	case !errors.Is(err, store.ErrNotFound):
		return res, err
	}
	var decision scoring.Decision
	if len(hold) > 0 {
		res.Challenger = model.Evaluate(frame, holdLabels, nil)
		if champ != nil {
			m := champ.Evaluate(frame, holdLabels, nil)
			res.Champion = &m
		}
		decision = scoring.Promote(res.Champion, res.Challenger, cfg.Margin)
	} else {
		res.Challenger = model.Validation
		switch {
		case champ == nil:
			decision = scoring.Decision{Promote: true, Reason: "no champion yet; too few outcomes for a hold-out, so this model ranks leads until there are more"}
		case rep.UsingPrior:
			decision = scoring.Decision{Reason: "kept the champion: there are too few outcomes to train a better one"}
		default:
			decision = scoring.Decision{Reason: fmt.Sprintf("kept the champion: %d outcomes leave no recent hold-out to compare on (need %d)", len(labelled), scoring.MinOutcomes+1)}
		}
	}
	if cfg.Force && !decision.Promote {
		decision = scoring.Decision{Promote: true, Reason: "promoted on request (-promote); the comparison said: " + decision.Reason}
	}
	res.Promoted, res.Decision = decision.Promote, decision.Reason
	stage("validate", t0)

	art, err := json.Marshal(model)
	if err != nil {
		return res, err
	}
	metrics, _ := json.Marshal(res.Challenger)
	var mm map[string]float64
	_ = json.Unmarshal(metrics, &mm)
	stored, err := st.InsertModel(ctx, store.NewModel{Kind: string(model.Kind), Params: rep, FeatureSchema: model.Encoding,
		Metrics: mm, Artifact: art, TrainingRows: rep.Rows, FeedbackRows: len(ds.fb), Notes: decision.Reason})
	if err != nil {
		return res, err
	}
	res.Version = stored.Version
	if decision.Promote {
		if err := st.Promote(ctx, stored.Version, decision.Reason); err != nil {
			return res, err
		}
		if champ != nil {
			res.Moves = moves(champ, model, frame)
		}
		champ = model
	} else if err := st.Retire(ctx, stored.Version, decision.Reason); err != nil {
		return res, err
	}
	log.Info("retrain", "version", res.Version, "kind", res.Kind, "promoted", res.Promoted, "decision", res.Decision)

	t0 = time.Now()
	version := res.Version
	if !decision.Promote {
		version = res.ChampionVersion
	}
	if res.Scored, err = scoreOpen(ctx, st, champ, version, ds, false); err != nil {
		return res, err
	}
	stage("score", t0)
	return res, nil
}

// scoreOpen scores every open lead without an outcome with m and records probabilities and reasons.
// With onlyNew, only leads that have no score yet are scored (leads that arrived since the last
// rescoring, by import or webhook).
func scoreOpen(ctx context.Context, st Store, m *scoring.Model, version int, ds dataset, onlyNew bool) (int, error) {
	var rows []int
	for i, l := range ds.leads {
		if l.Outcome == nil && l.Status == "open" && !(onlyNew && l.Scored) {
			rows = append(rows, i)
		}
	}
	if len(rows) == 0 || m == nil {
		return 0, nil
	}
	sub := ds.frame.Select(rows)
	probs := m.Predict(sub)
	expl := m.ExplainRows(sub, nil)
	v := &version
	if version == 0 {
		v = nil
	}
	scores := make([]store.NewScore, len(rows))
	for j, i := range rows {
		scores[j] = store.NewScore{LeadID: ds.leads[i].ID, ModelVersion: v, Probability: probs[j], Factors: factors(expl[j], m.Kind == scoring.KindPrior)}
	}
	return len(scores), st.RecordScores(ctx, scores)
}

// moves compares the mean absolute effect of each column under the old and new model, over (a
// sample of) the leads, and returns the five that moved most.
func moves(old, cur *scoring.Model, f *scoring.Frame) []Move {
	n := min(f.Len(), 2000)
	rows := make([]int, n)
	step := max(1, f.Len()/max(n, 1))
	for i := range rows {
		rows[i] = min(i*step, f.Len()-1)
	}
	sub := f.Select(rows)
	mean := func(m *scoring.Model) map[string]float64 {
		out := map[string]float64{}
		for _, e := range m.ExplainRows(sub, nil) {
			for _, c := range e.Contributions {
				out[c.Column] += math.Abs(c.Effect) / float64(n)
			}
		}
		return out
	}
	a, b := mean(old), mean(cur)
	var ms []Move
	for c := range b {
		ms = append(ms, Move{Column: c, Before: a[c], After: b[c]})
	}
	for c := range a {
		if _, ok := b[c]; !ok {
			ms = append(ms, Move{Column: c, Before: a[c]})
		}
	}
	slices.SortFunc(ms, func(x, y Move) int {
		return cmp.Or(cmp.Compare(math.Abs(y.After-y.Before), math.Abs(x.After-x.Before)), cmp.Compare(x.Column, y.Column))
	})
	return ms[:min(5, len(ms))]
}

// Rescore scores every open lead with the current champion (leadbot score) and returns how many
// and the champion's version.
func Rescore(ctx context.Context, st Store, cfg Config) (int, int, error) {
	return rescore(ctx, st, cfg, false)
}

// ScoreNew scores the open leads that have no score yet (imported or sent by a webhook since the
// last rescoring), so that they reach the digests without waiting for the nightly retrain.
func ScoreNew(ctx context.Context, st Store, cfg Config) (int, int, error) {
	// The job runs every few minutes: most runs find nothing and should cost one query.
	if n, err := st.CountUnscored(ctx); err != nil || n == 0 {
		return 0, 0, err
	}
	// A fresh install that imported leads but never trained: train now (on the prior, when there
	// are too few outcomes) rather than leave every lead out of the digests until the night.
	if _, err := st.Champion(ctx); errors.Is(err, store.ErrNotFound) {
		r, err := Retrain(ctx, st, cfg, nil)
		return r.Scored, r.Version, err
	}
	return rescore(ctx, st, cfg, true)
}

func rescore(ctx context.Context, st Store, cfg Config, onlyNew bool) (int, int, error) {
	champ, err := st.Champion(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return 0, 0, errors.New("there is no model yet: run `leadbot train` first (it uses the rule-based prior until there are enough outcomes)")
	}
	if err != nil {
		return 0, 0, err
	}
	art, err := st.ModelArtifact(ctx, champ.Version)
	if err != nil {
		return 0, 0, err
	}
	m, err := scoring.Unmarshal(art)
	if err != nil {
		return 0, 0, fmt.Errorf("champion v%d cannot be loaded (%w): promote another version with `leadbot models promote VERSION`", champ.Version, err)
	}
	leads, err := st.TrainingLeads(ctx)
	if err != nil {
		return 0, 0, err
	}
	fb, err := st.TrainingFeedback(ctx)
	if err != nil {
		return 0, 0, err
	}
	n, err := scoreOpen(ctx, st, m, champ.Version, buildDataset(leads, fb, cfg.Missing), onlyNew)
	return n, champ.Version, err
}
