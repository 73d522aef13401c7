package training_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
	"github.com/leadbot/leadbot/training"
)

// shiftedWorld is world plus a "Region" the CRM started filling in late: only the leads whose
// outcomes fall in the newest 20 % (and the open ones) carry "North", and they convert far more.
func shiftedWorld(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	rep, err := st.UpsertRep(ctx, store.NewRep{Email: "ann@example.com", Name: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 7))
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1500 {
		visits := rng.IntN(20)
		region := "South"
		logit := -2 + 0.25*float64(visits)
		if i >= 960 {
			region = "North"
			logit += 2.5
		}
		created := base.AddDate(0, 0, i/10)
		l, err := st.UpsertLead(ctx, store.NewLead{ExternalID: fmt.Sprintf("L%05d", i), Name: fmt.Sprintf("Lead %d", i),
			Company: fmt.Sprintf("Co %d", i%50), OwnerID: &rep.ID, CreatedAt: &created, Attributes: map[string]any{"Visits": visits, "Region": region}})
		if err != nil {
			t.Fatal(err)
		}
		if i < 1200 {
			o := map[bool]string{true: "won", false: "lost"}[rng.Float64() < 1/(1+math.Exp(-logit))]
			if err := st.RecordOutcome(ctx, leadbot.Outcome{LeadID: l.ID, Outcome: o, OccurredAt: created.AddDate(0, 1, 0)}, "test"); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestPromotedModelHasSeenTheNewestOutcomes: the challenger is judged without the newest 20 % of
// outcomes, but the model promoted to score is refitted on all of them: it knows the region the
// newest outcomes brought, and says so in the Result.
func TestPromotedModelHasSeenTheNewestOutcomes(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	shiftedWorld(t, st)
	r, err := training.Retrain(ctx, st, training.Config{Kind: scoring.KindLogReg, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Promoted || r.Holdout != 240 || r.Refit == nil || r.Refit.Outcomes != 1200 || r.Refit.Added != 240 || r.Refit.Summary == "" {
		t.Fatalf("retrain: promoted %v, hold-out %d, refit %+v", r.Promoted, r.Holdout, r.Refit)
	}
	champ, err := st.Champion(ctx)
	if err != nil || champ.Version != r.Version || champ.TrainingRows != 1200 {
		t.Fatalf("champion v%d trained on %d rows (%v); want v%d on all 1200 outcomes", champ.Version, champ.TrainingRows, err, r.Version)
	}
	art, _ := st.ModelArtifact(ctx, champ.Version)
	m, err := scoring.Unmarshal(art)
	if err != nil {
		t.Fatal(err)
	}
	seen := false
	for _, c := range m.Encoding.Columns {
		seen = seen || c.Name == "Region"
	}
	if !seen {
		t.Fatalf("the promoted model does not know the column only the newest outcomes vary: %+v", m.Encoding.Columns)
	}
}

// promotingStore promotes another version by hand just before the retrain stores its champion.
type promotingStore struct {
	*store.Store
	manual int
}

func (s *promotingStore) InsertModelPromotedOver(ctx context.Context, m store.NewModel, previous int) (store.Model, bool, error) {
	v, err := s.InsertModel(ctx, store.NewModel{Kind: m.Kind, Artifact: m.Artifact, Notes: "by hand"})
	if err != nil {
		return store.Model{}, false, err
	}
	s.manual = v.Version
	if err := s.Promote(ctx, v.Version, "promoted by hand"); err != nil {
		return store.Model{}, false, err
	}
	return s.Store.InsertModelPromotedOver(ctx, m, previous)
}

// failingScores refuses to record scores, as a database that went away after the promotion.
type failingScores struct{ *store.Store }

func (failingScores) RecordScores(context.Context, []store.NewScore) error {
	return errors.New("connection reset")
}

func TestRetrainFaults(t *testing.T) {
	ctx := context.Background()
	cfg := training.Config{Kind: scoring.KindLogReg, Seed: 1}
	t.Run("a manual promote during the retrain stays", func(t *testing.T) {
		st := store.New(pgtest.NewDB(t))
		world(t, st, 600, 500, true, 11)
		ps := &promotingStore{Store: st}
		r, err := training.Retrain(ctx, ps, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		champ, err := st.Champion(ctx)
		if err != nil || champ.Version != ps.manual || r.Promoted {
			t.Fatalf("champion v%d (%v), retrain promoted %v; want the hand-promoted v%d to stay", champ.Version, err, r.Promoted, ps.manual)
		}
		if m, _ := st.ModelByVersion(ctx, r.Version); m.Status != "retired" {
			t.Fatalf("the retrain's version is %s, want retired", m.Status)
		}
		open, _ := st.OpenLeads(ctx)
		if r.Scored != 100 || r.ScoreError != "" || open[0].ScoreModel == nil || *open[0].ScoreModel != ps.manual {
			t.Fatalf("rescored %d leads (%s), scores from v%v; want 100 from the hand-promoted v%d", r.Scored, r.ScoreError, open[0].ScoreModel, ps.manual)
		}
	})
	t.Run("a rescoring failure after promotion is reported, not fatal", func(t *testing.T) {
		st := store.New(pgtest.NewDB(t))
		world(t, st, 600, 500, true, 12)
		r, err := training.Retrain(ctx, failingScores{st}, cfg, nil)
		if err != nil {
			t.Fatalf("Retrain failed, so nothing is announced: %v", err)
		}
		if !r.Promoted || r.Version == 0 || r.ScoreError == "" {
			t.Fatalf("result: promoted %v v%d, score error %q", r.Promoted, r.Version, r.ScoreError)
		}
		if champ, _ := st.Champion(ctx); champ.Version != r.Version {
			t.Fatalf("champion v%d, want v%d", champ.Version, r.Version)
		}
	})
}

// TestReasonsAfterTheOutcomeAreNotFeatures: reps tag lost leads "competitor" the day after the CRM
// marks them lost. Echoing the outcome, the tag would rank the hold-out perfectly; given after
// the outcome was known it must not be a feature of those labelled rows at all.
func TestReasonsAfterTheOutcomeAreNotFeatures(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	leads := world(t, st, 600, 500, true, 13)
	rep, _ := st.RepByEmail(ctx, "ann@example.com")
	for _, l := range leads[:500] {
		o, err := st.OutcomeOf(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.Outcome != "lost" {
			continue
		}
		if _, _, err := st.RecordFeedback(ctx, leadbot.NewFeedback{LeadID: l.ID, RepID: rep.ID, Verdict: leadbot.Down,
			ReasonCode: "competitor", CreatedAt: o.OccurredAt.Add(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := training.Retrain(ctx, st, training.Config{Kind: scoring.KindLogReg, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.ReasonCodes != 0 || r.Challenger.AUC > 0.95 {
		t.Fatalf("a reason given after the outcome reached labelled rows: %d reason features, hold-out AUC %.3f", r.ReasonCodes, r.Challenger.AUC)
	}
}
