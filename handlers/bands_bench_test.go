package handlers

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/store"
)

// BenchmarkBandsFor measures what the bands add to a redraw: the reads that place a rep's hot
// cut (their best HotMost+1 open leads; with a share, HotMost/HotShare+1) among 2,000 open
// leads, against the reads every redraw already makes for a five-lead digest (Service.cards).
//
//	go test ./handlers -run '^$' -bench BenchmarkBandsFor -benchtime 200x
func BenchmarkBandsFor(b *testing.B) {
	ctx := context.Background()
	db := pgtest.NewDB(b)
	st := store.New(db)
	rep, err := st.UpsertRep(ctx, store.NewRep{Email: "ann@example.com", Name: "Ann", SlackUserID: "U1"})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var scores []store.NewScore
	var five []leadbot.Lead
	for i := range 2000 {
		l, err := st.UpsertLead(ctx, store.NewLead{ExternalID: fmt.Sprint("L", i), Name: fmt.Sprint("Lead ", i), OwnerID: &rep.ID,
			Attributes: map[string]any{"Industry": "Retail", "Visits": i % 40}})
		if err != nil {
			b.Fatal(err)
		}
		scores = append(scores, store.NewScore{LeadID: l.ID, Probability: r.Float64(), Factors: leadbot.Factors{}})
		if i < 5 {
			five = append(five, l)
		}
	}
	if err := st.RecordScores(ctx, scores); err != nil {
		b.Fatal(err)
	}
	// Planner statistics, as autovacuum keeps them on a live database (without them a fresh
	// table is planned blind, and the figure is the planner's, not the query's).
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	day := cardNow
	for _, bc := range []struct {
		name string
		rule leadbot.BandRule
	}{{"daily list", leadbot.BandRule{}}, {"share 0.1", leadbot.BandRule{HotShare: 0.1}}} {
		s := New(st, nil, Config{Bands: bc.rule}, nil, nil)
		b.Run("bands/"+bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.bandsFor(ctx, rep, day); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	s := New(st, nil, Config{}, nil, nil)
	b.Run("cards of a five-lead digest", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.cards(ctx, rep, five, day); err != nil {
				b.Fatal(err)
			}
		}
	})
}
