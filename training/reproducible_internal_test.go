package training

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/leadbot/leadbot/demo"
	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
)

type demoPeople struct{ n int }

func (p *demoPeople) AddPerson(demo.Person) string { p.n++; return fmt.Sprintf("U%03d", p.n) }

// TestTrainingIsReproducible: the same stored leads, outcomes and feedback give the same model,
// byte for byte. Each lead's attributes come back from PostgreSQL as a map, whose order Go
// randomises; the frame's columns must not follow it.
func TestTrainingIsReproducible(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	if _, err := demo.Seed(ctx, st, &demoPeople{}, demo.Options{Seed: 1, Now: time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	leads, err := st.TrainingLeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := st.TrainingFeedback(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var first []byte
	for i := range 3 {
		ds := buildDataset(leads, fb, frameOptions{})
		m, _, err := scoring.Train(ctx, ds.frame, ds.labels, nil, scoring.TrainConfig{Kind: scoring.KindAuto, Seed: 1,
			Drop: []string{colAccount}, TimeColumn: colOccurred, Feedback: ds.fb})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b
		} else if !bytes.Equal(b, first) {
			t.Fatalf("fit %d differs from the first on the same data", i+1)
		}
	}
}
