package training

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
)

// store keeps the model as a new version whatever the decision, so that `leadbot models` shows
// every retrain and a refused one can still be promoted by hand. A promoted one is stored as
// champion in the same transaction that retires the champion it was compared with, and only if
// that one is still champion: a version promoted by hand during the retrain stays. A refused one
// is stored, then retired.
func (r *retrain) store(ctx context.Context) error {
	art, err := json.Marshal(r.model)
	if err != nil {
		return err
	}
	metrics, _ := json.Marshal(r.res.Challenger)
	var mm map[string]float64
	_ = json.Unmarshal(metrics, &mm)
	nm := store.NewModel{Kind: string(r.model.Kind), Params: r.fit, FeatureSchema: r.model.Encoding, Metrics: mm,
		Artifact: art, TrainingRows: r.fit.Rows, FeedbackRows: len(r.ds.fb), Notes: r.decision.Reason}
	if r.decision.Promote {
		stored, promoted, err := r.st.InsertModelPromotedOver(ctx, nm, r.res.ChampionVersion)
		if err != nil {
			return err
		}
		r.res.Version = stored.Version
		if !promoted {
			r.res.Promoted = false
			r.res.Decision = "not promoted: another version was promoted while this one trained (" + r.decision.Reason + ")"
			r.decision.Promote = false // rescore scores with the version promoted by hand
		} else {
			if r.champ != nil {
				r.res.Moves = moves(r.champ, r.model, r.ds.frame)
			}
			r.champ = r.model
		}
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
// promoted; otherwise the champion as it is now, which a hand promotion during the retrain may
// have changed), so that the digests rank by the model the announcement names. A failure here
// does not undo the decision, which is stored: it is reported in the Result (ScoreError) and the
// run returns normally, so that the managers still hear of the new model.
func (r *retrain) rescore(ctx context.Context) error {
	version, m, err := r.res.Version, r.champ, error(nil)
	if !r.decision.Promote {
		version, m, err = r.currentChampion(ctx)
	}
	n := 0
	if err == nil {
		n, err = scoreOpen(ctx, r.st, m, version, r.ds, false)
	}
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		r.res.ScoreError = fmt.Sprintf("open leads keep their previous scores (%v); run `leadbot score` to rescore them", err)
		r.log.Error("retrain: rescoring failed after the decision", "version", version, "err", err)
		return nil
	}
	r.res.Scored = n
	return nil
}

// currentChampion is the champion now: the one the retrain compared with, unless another was
// promoted meanwhile (then it is loaded). Without one, there is nothing to score with.
func (r *retrain) currentChampion(ctx context.Context) (int, *scoring.Model, error) {
	current, err := r.st.Champion(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return 0, nil, nil
	case err != nil:
		return 0, nil, err
	case current.Version == r.res.ChampionVersion && r.champ != nil:
		return current.Version, r.champ, nil
	}
	m, err := loadModel(ctx, r.st, current.Version)
	return current.Version, m, err
}

// loadModel loads a stored version's model; one that does not decode (written by an older or
// newer leadbot) is an error that says how to get going again.
func loadModel(ctx context.Context, st interface {
	ModelArtifact(context.Context, int) ([]byte, error)
}, version int) (*scoring.Model, error) {
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
func scoreOpen(ctx context.Context, st interface {
	RecordScores(context.Context, []store.NewScore) error
}, m *scoring.Model, version int, ds dataset, onlyNew bool) (int, error) {
	var rows []int
	for i, l := range ds.leads {
		if l.Outcome == nil && l.Status == "open" && !(onlyNew && l.Scored) {
			rows = append(rows, i)
		}
	}
	if len(rows) == 0 || m == nil {
		return 0, nil
	}
	scores := newScores(m, version, ds, rows)
	return len(scores), st.RecordScores(ctx, scores)
}

// newScores scores ds's rows with m, with their reasons.
func newScores(m *scoring.Model, version int, ds dataset, rows []int) []store.NewScore {
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
	return scores
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
// The frame holds only the columns the champion reads, however many attributes the leads carry.
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
	ds := buildDataset(leads, fb, frameOptions{missing: cfg.Missing, columns: modelColumns(m)})
	n, err := scoreOpen(ctx, st, m, champ.Version, ds, onlyNew)
	return n, champ.Version, err
}
