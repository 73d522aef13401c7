package training_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
	"github.com/leadbot/leadbot/training"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// world makes n leads whose conversion follows a known rule on "Visits" and "Industry"; signal
// false hides the rule (the attributes are noise), as in a CRM that did not export them yet.
func world(t *testing.T, st *store.Store, n, labelled int, signal bool, seed uint64) []leadbot.Lead {
	t.Helper()
	ctx := context.Background()
	rep, err := st.UpsertRep(ctx, store.NewRep{Email: "ann@example.com", Name: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	inds := []string{"Retail", "Software", "Finance", "Health"}
	var leads []leadbot.Lead
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		visits := rng.IntN(20)
		ind := inds[rng.IntN(len(inds))]
		logit := -2 + 0.25*float64(visits)
		if ind == "Software" {
			logit += 1.5
		}
		won := rng.Float64() < 1/(1+math.Exp(-logit))
		attrs := map[string]any{"Visits": visits, "Industry": ind}
		if !signal {
			attrs = map[string]any{"Visits": rng.IntN(20), "Industry": inds[rng.IntN(len(inds))]}
		}
		created := base.AddDate(0, 0, i/10)
		l, err := st.UpsertLead(ctx, store.NewLead{ExternalID: fmt.Sprintf("L%05d", i), Name: fmt.Sprintf("Lead %d", i),
			Company: fmt.Sprintf("Co %d", i%50), OwnerID: &rep.ID, Source: "Web", CreatedAt: &created, Attributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		if i < labelled {
			o := "lost"
			if won {
				o = "won"
			}
			if err := st.RecordOutcome(ctx, leadbot.Outcome{LeadID: l.ID, Outcome: o, OccurredAt: created.AddDate(0, 1, 0)}, "test"); err != nil {
				t.Fatal(err)
			}
		}
		leads = append(leads, l)
	}
	return leads
}

func TestRetrainPromotesBetterRefusesWorse(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	cfg := training.Config{Kind: scoring.KindLogReg, Seed: 1, Margin: 0.02}

	// v1 on noise: promoted, since there is no champion; scores every open lead.
	world(t, st, 1500, 1200, false, 1)
	r1, err := training.Retrain(ctx, st, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r1.Promoted || r1.Holdout != 240 || r1.Scored != 300 {
		t.Fatalf("first retrain: %+v", r1)
	}
	// The CRM now exports the real signal: v2 is much better on the same recent hold-out.
	if _, err := st.DB().ExecContext(ctx, `DELETE FROM outcomes; DELETE FROM scores; UPDATE leads SET score = NULL, score_model = NULL; DELETE FROM leads; DELETE FROM reps`); err != nil {
		t.Fatal(err)
	}
	world(t, st, 1500, 1200, true, 2)
	r2, err := training.Retrain(ctx, st, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r2.Promoted || r2.Champion == nil || r2.Challenger.AUC < r2.Champion.AUC+0.1 || r2.ChampionVersion != r1.Version {
		t.Fatalf("better challenger not promoted: %+v (champion %+v)", r2, r2.Champion)
	}
	if len(r2.Moves) == 0 {
		t.Error("no factor moves reported for the announcement")
	}
	// Retraining on the same data gains nothing: refused, champion kept, scores still from v2.
	r3, err := training.Retrain(ctx, st, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r3.Promoted {
		t.Fatalf("a challenger that is not better by the margin was promoted: %s", r3.Decision)
	}
	champ, err := st.Champion(ctx)
	if err != nil || champ.Version != r2.Version {
		t.Fatalf("champion = v%d (%v), want v%d", champ.Version, err, r2.Version)
	}
	c3, err := st.ModelByVersion(ctx, r3.Version)
	if err != nil || c3.Status != "retired" || c3.Notes == "" {
		t.Fatalf("refused challenger: %+v %v", c3, err)
	}
	open, _ := st.OpenLeads(ctx)
	if len(open) != 300 || open[0].ScoreModel == nil || *open[0].ScoreModel != r2.Version {
		t.Fatalf("open leads not scored by the champion: %d leads, model %v", len(open), open[0].ScoreModel)
	}
	sc, _ := st.LatestScores(ctx, open[0].ID, 1)
	f := sc[0].Factors()
	sum := f.Base
	for _, x := range f.Factors {
		sum += x.Value
	}
	if len(f.Factors) == 0 || f.Factors[0].Label == "" || math.IsNaN(sum) {
		t.Fatalf("stored factors: %+v", f)
	}
}

func TestRetrainOnThePriorWithFewOutcomes(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	world(t, st, 300, 40, true, 3)
	cfg := training.Config{Seed: 1, Prior: scoring.PriorConfig{Rules: []scoring.PriorRule{{Column: "Visits", Kind: "engagement", Weight: 2}}}}
	r, err := training.Retrain(ctx, st, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r.UsingPrior || !r.Promoted || r.Scored != 260 {
		t.Fatalf("prior retrain: %+v", r)
	}
	open, _ := st.OpenLeads(ctx)
	sc, _ := st.LatestScores(ctx, open[0].ID, 1)
	if !sc[0].Factors().Prior {
		t.Fatal("scores from the prior are not marked as such")
	}
}

func TestTwoSchedulersRetrainOnce(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	world(t, st, 600, 500, true, 4)
	cfg := training.Config{Kind: scoring.KindLogReg, Seed: 1}
	// Two replicas tick at the same moment; the job's advisory lock lets one of them train.
	a, b := bot.NewScheduler(st, nil), bot.NewScheduler(st, nil)
	gate := make(chan struct{})
	done := make(chan bool, 2)
	for _, s := range []*bot.Scheduler{a, b} {
		go func() {
			ran, err := s.RunNow(ctx, "retrain", func(ctx context.Context) (any, error) {
				<-gate // hold the lock until the other replica has given up
				return training.Retrain(ctx, st, cfg, nil)
			})
			if err != nil {
				t.Error(err)
			}
			done <- ran
		}()
	}
	// The replica that did not get the lock returns at once; only then is the winner let go, so the
	// loser cannot have come second after the winner finished.
	if first := <-done; first {
		t.Fatal("a replica ran the retrain while the other held the lock")
	}
	close(gate)
	if second := <-done; !second {
		t.Fatal("neither replica retrained")
	}
	ms, _ := st.Models(ctx)
	if len(ms) != 1 {
		t.Fatalf("%d model versions after two simultaneous ticks, want 1", len(ms))
	}
}

func TestScoreNewScoresOnlyLeadsWithoutAScore(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	world(t, st, 600, 500, true, 5)
	if _, err := training.Retrain(ctx, st, training.Config{Kind: scoring.KindLogReg, Seed: 1}, nil); err != nil {
		t.Fatal(err)
	}
	// A webhook brings a new lead after the rescoring.
	rep, _ := st.RepByEmail(ctx, "ann@example.com")
	fresh, err := st.UpsertLead(ctx, store.NewLead{ExternalID: "NEW-1", Name: "New Lead", OwnerID: &rep.ID,
		Attributes: map[string]any{"Visits": 15, "Industry": "Software"}})
	if err != nil {
		t.Fatal(err)
	}
	n, v, err := training.ScoreNew(ctx, st, training.Config{})
	if err != nil || n != 1 || v == 0 {
		t.Fatalf("ScoreNew: %d leads with v%d, %v; want exactly the new one", n, v, err)
	}
	got, _ := st.LeadByID(ctx, fresh.ID)
	if got.Score == nil || got.ScoreModel == nil || *got.ScoreModel != v {
		t.Fatalf("new lead not scored: %+v", got)
	}
	if n, _, _ := training.ScoreNew(ctx, st, training.Config{}); n != 0 {
		t.Fatalf("second ScoreNew scored %d leads, want 0", n)
	}
}

func TestScoreNewTrainsWhenThereIsNoModel(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	world(t, st, 300, 30, true, 6) // few outcomes: the prior
	n, v, err := training.ScoreNew(ctx, st, training.Config{Seed: 1})
	if err != nil || n != 270 || v == 0 {
		t.Fatalf("ScoreNew on a fresh install: %d leads, v%d, %v", n, v, err)
	}
}
