package training

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"

	"github.com/leadbot/leadbot/store"
)

// AccountStore is what RescoreAccount needs from the database (satisfied by *store.Store).
type AccountStore interface {
	Champion(ctx context.Context) (store.Model, error)
	ModelArtifact(ctx context.Context, version int) ([]byte, error)
	AccountLeads(ctx context.Context, leadID int64) ([]store.AccountLead, error)
	AccountFeedback(ctx context.Context, leadID int64) ([]store.TrainingFeedback, error)
	RecordScores(ctx context.Context, scores []store.NewScore) error
}

// Moved is a lead whose score the rescoring changed. Before is nil when it had no score.
type Moved struct {
	LeadID int64
	Name   string
	Before *float64
	After  float64
}

// Delta is After − Before (After when there was no score before).
func (m Moved) Delta() float64 {
	if m.Before == nil {
		return m.After
	}
	return m.After - *m.Before
}

// AccountRescore is what a rescoring after a reason did.
type AccountRescore struct {
	Version int    // the champion that scored
	Account string // the account key ("" when the lead has none)
	Scored  int    // open leads rescored, the lead itself included
	Lead    *Moved // the lead the reason was given on, when it is open
	// Others are the account's other open leads whose shown probability moved by at least
	// MinMove, the largest move first: what the rep is told ("2 other leads at … moved down").
	Others []Moved
}

// MinMove is the smallest change of probability RescoreAccount reports: half a percentage point,
// below which the rounded percentage a rep sees does not change.
const MinMove = 0.005

// RescoreAccount rescores the lead leadID and the other open leads of its account with the
// current champion and every reason the reps have given (account-wide ones included), stores the
// new scores, and returns what moved. Call it right after a reason is recorded, so that the
// rep's judgement moves scores in seconds, not at the next retrain.
//
// A lead without an account is rescored alone. Without a champion it does nothing and says so
// with an error wrapping store.ErrNotFound.
//
// The feedback handler calls it after the reason is recorded (after the ack, in the goroutine
// that answers the rep), with the lead the reason was given on:
//
//	r, err := training.RescoreAccount(ctx, st, leadID, cfg)
//	// len(r.Others) other leads at the lead's company moved; for each, Name, *Before → After,
//	// e.g. "2 other leads at Summit Nimbus moved down: Sam Tanaka 93 % → 61 %".
func RescoreAccount(ctx context.Context, st AccountStore, leadID int64, cfg Config) (AccountRescore, error) {
	champ, err := st.Champion(ctx)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return AccountRescore{}, errors.Join(errors.New("there is no model yet to rescore with: run `leadbot train`"), err)
		}
		return AccountRescore{}, err
	}
	m, err := loadModel(ctx, st, champ.Version)
	if err != nil {
		return AccountRescore{}, err
	}
	al, err := st.AccountLeads(ctx, leadID)
	if err != nil {
		return AccountRescore{}, err
	}
	fb, err := st.AccountFeedback(ctx, leadID)
	if err != nil {
		return AccountRescore{}, err
	}
	leads := make([]store.TrainingLead, len(al))
	var rows []int
	for i, l := range al {
		leads[i] = l.TrainingLead
		if l.Outcome == nil && l.Status == "open" {
			rows = append(rows, i)
		}
	}
	out := AccountRescore{Version: champ.Version, Account: al[0].Account}
	if len(rows) == 0 {
		return out, nil
	}
	ds := buildDataset(leads, fb, frameOptions{missing: cfg.Missing, columns: modelColumns(m)})
	scores := newScores(m, champ.Version, ds, rows)
	if err := st.RecordScores(ctx, scores); err != nil {
		return out, err
	}
	out.Scored = len(scores)
	for j, i := range rows {
		mv := Moved{LeadID: al[i].ID, Name: al[i].Name, Before: al[i].Score, After: scores[j].Probability}
		switch {
		case al[i].ID == leadID:
			out.Lead = &mv
		case math.Abs(mv.Delta()) >= MinMove:
			out.Others = append(out.Others, mv)
		}
	}
	slices.SortStableFunc(out.Others, func(a, b Moved) int {
		return cmp.Or(cmp.Compare(math.Abs(b.Delta()), math.Abs(a.Delta())), cmp.Compare(a.LeadID, b.LeadID))
	})
	return out, nil
}
