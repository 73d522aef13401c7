package demo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/leadbot/leadbot/demo"
	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
	"github.com/leadbot/leadbot/training"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type fakeSlack struct{ n int }

func (f *fakeSlack) AddPerson(p demo.Person) string { f.n++; return fmt.Sprintf("U%03d", f.n) }

var today = time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)

func TestSeedIsDeterministicAndLearnable(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	start := time.Now()
	s1, err := demo.Seed(ctx, st, &fakeSlack{}, demo.Options{Seed: 7, Now: today})
	if err != nil {
		t.Fatal(err)
	}
	seeded := time.Since(start)
	if s1.Reps != 4 || s1.Leads != 3000 || s1.Outcomes+s1.Open != 3000 || s1.Open < 150 || s1.Won < 200 || s1.LeadershipChanges == 0 {
		t.Fatalf("seed: %+v", s1)
	}
	// Same seed, same world.
	st2 := store.New(pgtest.NewDB(t))
	s2, err := demo.Seed(ctx, st2, &fakeSlack{}, demo.Options{Seed: 7, Now: today})
	if err != nil || s2 != s1 {
		t.Fatalf("second seed differs: %+v vs %+v (%v)", s2, s1, err)
	}
	if _, err := demo.Seed(ctx, st, &fakeSlack{}, demo.Options{Seed: 7, Now: today}); err == nil {
		t.Fatal("seeding a database with reps must be refused")
	}
	start = time.Now()
	r, err := training.Retrain(ctx, st, training.Config{Kind: scoring.KindLogReg, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded in %v, first model in %v: %+v", seeded, time.Since(start), r.Challenger)
	if !r.Promoted || r.Challenger.AUC < 0.7 || r.Scored != s1.Open {
		t.Fatalf("first model: promoted=%v AUC %.3f scored %d", r.Promoted, r.Challenger.AUC, r.Scored)
	}
}
