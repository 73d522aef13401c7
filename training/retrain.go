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
	"strings"
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
	// InsertModelPromoted stores m as the champion and retires the old one, all or nothing.
	InsertModelPromoted(ctx context.Context, m store.NewModel) (store.Model, error)
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
	r := &retrain{st: st, cfg: cfg, log: log, res: Result{Stages: map[string]float64{}}}
	steps := []struct {
		stage string // the Result.Stages entry its seconds go to; "" for steps not worth timing
		run   func(context.Context) error
	}{
		{"load", r.load},
		{"", r.split},
		{"train", r.train},
		{"validate", r.decide}, // "validate": the name job_runs and the benchmark have always used
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
	hold        []int            // split: rows of the latest outcomes, which neither model trains on
	trainLabels []float64        // split: the outcomes the challenger learns from (NaN elsewhere)
	holdLabels  []float64        // split: the hold-out's outcomes (NaN elsewhere)
	model       *scoring.Model   // train: the challenger
	report      *scoring.Report  // train: how it was chosen, stored as the version's params
	champ       *scoring.Model   // decide: the champion before (nil if none); store: the one after
	decision    scoring.Decision // decide: whether the challenger replaces the champion, and why
}

// load reads every lead, with its outcome if it has one, and every feedback vote, once: the
// challenger, the champion's evaluation and the rescoring then all see the same leads.
func (r *retrain) load(ctx context.Context) error {
	leads, err := r.st.TrainingLeads(ctx)
	if err != nil {
		return err
	}
	fb, err := r.st.TrainingFeedback(ctx)
	if err != nil {
		return err
	}
	r.ds = buildDataset(leads, fb, r.cfg.Missing)
	r.res.Leads = len(leads)
	return nil
}

// split sets the latest outcomes aside as the hold-out, so that the challenger and the champion
// are compared on leads neither trained on, and recent ones: the leads they will be scoring.
// With too few outcomes to spare any, there is no hold-out and the challenger trains on all.
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
	r.res.Holdout = len(r.hold)
	return nil
}

// train fits the challenger on every outcome outside the hold-out, with the reps' feedback as
// weak labels and the prior's rules for when outcomes are too few. The CRM columns that leak the
// outcome (cfg.Leaks) and the account key are never features.
func (r *retrain) train(ctx context.Context) error {
	tc := scoring.TrainConfig{Kind: cmp.Or(r.cfg.Kind, scoring.KindAuto), Seed: r.cfg.Seed,
		Drop: append(slices.Clone(r.cfg.Leaks), colAccount), Types: r.cfg.Types, MissingTokens: r.cfg.Missing,
		TimeColumn: colOccurred, Feedback: r.ds.fb, Prior: &r.cfg.Prior}
	model, rep, err := scoring.Train(ctx, r.ds.frame, r.trainLabels, nil, tc)
	if err != nil {
		return err
	}
	r.model, r.report = model, rep
	r.res.Kind, r.res.UsingPrior, r.res.FeedbackLabels, r.res.FeedbackWeight = model.Kind, rep.UsingPrior, rep.WeakLabels, rep.FeedbackWeight
	r.res.Notes = rep.Notes
	for _, c := range r.ds.frame.Columns() {
		if strings.HasPrefix(c, scoring.ReasonPrefix) && len(c) > len(scoring.ReasonPrefix) {
			r.res.ReasonCodes++
		}
	}
	return nil
}

// decide loads the champion and says whether the challenger replaces it: only when it ranks the
// hold-out better by cfg.Margin, when there is no champion yet, or when cfg.Force says so. A
// champion that cannot be loaded stops the run rather than be replaced unseen.
func (r *retrain) decide(ctx context.Context) error {
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
	case r.report.UsingPrior:
		return scoring.Decision{Reason: "kept the champion: there are too few outcomes to train a better one"}
	default:
		return scoring.Decision{Reason: fmt.Sprintf("kept the champion: %d outcomes leave no recent hold-out to compare on (need %d)", r.res.Outcomes, scoring.MinOutcomes+1)}
	}
}

// store keeps the challenger as a new version whatever the decision, so that `leadbot models`
// shows every retrain and a refused one can still be promoted by hand. A promoted one is stored
// as champion in the same transaction that retires the old champion: a crash leaves the old
// champion or the new one, never a stored challenger that was meant to replace it. A refused one
// is stored, then retired.
func (r *retrain) store(ctx context.Context) error {
	art, err := json.Marshal(r.model)
	if err != nil {
		return err
	}
	metrics, _ := json.Marshal(r.res.Challenger)
	var mm map[string]float64
	_ = json.Unmarshal(metrics, &mm)
	nm := store.NewModel{Kind: string(r.model.Kind), Params: r.report, FeatureSchema: r.model.Encoding, Metrics: mm,
		Artifact: art, TrainingRows: r.report.Rows, FeedbackRows: len(r.ds.fb), Notes: r.decision.Reason}
	if r.decision.Promote {
		stored, err := r.st.InsertModelPromoted(ctx, nm)
		if err != nil {
			return err
		}
		r.res.Version = stored.Version
		if r.champ != nil {
			r.res.Moves = moves(r.champ, r.model, r.ds.frame)
		}
		r.champ = r.model
	} else {
		stored, err := r.st.InsertModel(ctx, nm)
		if err != nil {
			return err
		}
		r.res.Version = stored.Version
		if err := r.st.Retire(ctx, stored.Version, r.decision.Reason); err != nil {
			return err
		}
	}
	r.log.Info("retrain", "version", r.res.Version, "kind", r.res.Kind, "promoted", r.res.Promoted, "decision", r.res.Decision)
	return nil
}

// rescore scores every open lead with the champion after the decision (the new version if it was
// promoted, the old one otherwise), so that the digests rank by the model the announcement names.
func (r *retrain) rescore(ctx context.Context) error {
	version := r.res.Version
	if !r.decision.Promote {
		version = r.res.ChampionVersion
	}
	var err error
	r.res.Scored, err = scoreOpen(ctx, r.st, r.champ, version, r.ds, false)
	return err
}

// loadModel loads a stored version's model; one that does not decode (written by an older or
// newer leadbot) is an error that says how to get going again.
func loadModel(ctx context.Context, st Store, version int) (*scoring.Model, error) {
	art, err := st.ModelArtifact(ctx, version)
	if err != nil {
		return nil, err
	}
	m, err := scoring.Unmarshal(art)
	if err != nil {
		return nil, fmt.Errorf("champion v%d cannot be loaded (%w): promote another version with `leadbot models promote VERSION`", version, err)
	}
	return m, nil
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
	return scoreWithChampion(ctx, st, cfg, false)
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
	return scoreWithChampion(ctx, st, cfg, true)
}

// scoreWithChampion scores the open leads (onlyNew: those without a score yet) with the champion.
func scoreWithChampion(ctx context.Context, st Store, cfg Config, onlyNew bool) (int, int, error) {
	champ, err := st.Champion(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return 0, 0, errors.New("there is no model yet: run `leadbot train` first (it uses the rule-based prior until there are enough outcomes)")
	}
	if err != nil {
		return 0, 0, err
	}
	m, err := loadModel(ctx, st, champ.Version)
	if err != nil {
		return 0, 0, err
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
