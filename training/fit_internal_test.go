package training

import (
	"math"
	"testing"
	"time"

	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
)

// TestRecencyWeights: outcomes in the validation window (the newest fifth) and votes given since
// it began weigh 1; older ones halve every half-life, an outcome's age counted from its lead's
// arrival; a data-quality report is never a vote.
func TestRecencyWeights(t *testing.T) {
	// Ten outcomes on days 0, 10, …, 90: validation holds the newest two, from day 80.
	var leads []store.TrainingLead
	labels := make([]float64, 0, 13)
	for i := range 10 {
		at := day(10 * i)
		leads = append(leads, store.TrainingLead{ID: int64(i + 1), OccurredAt: &at})
		labels = append(labels, float64(i%2))
	}
	leads[1].CreatedAt = ptr(day(0)) // closed on day 10: its age runs from its arrival
	for i := range 3 {               // open leads with votes (or none)
		leads = append(leads, store.TrainingLead{ID: int64(11 + i)})
		labels = append(labels, math.NaN())
	}
	fb := []scoring.Feedback{{Lead: 10, Vote: 1}, {Lead: 11, Vote: -1}, {Lead: 12, Vote: -1, DataQuality: true}}
	at := []time.Time{day(20), day(85), day(20)}
	in := fitInput{ds: dataset{leads: leads}, labels: labels, fb: fb, fbAt: at}
	for _, c := range []struct {
		r    Recency
		want map[int]float64
	}{
		{Recency{}, nil},
		{Recency{OutcomeHalfLife: 40}, map[int]float64{0: 0.25, 1: 0.25, 4: 0.5, 8: 1, 9: 1, 10: 1, 11: 1, 12: 1}},
		{Recency{VoteHalfLife: 30}, map[int]float64{0: 1, 10: 0.25, 11: 1, 12: 1}},
	} {
		w := recencyWeights(in, c.r)
		if c.want == nil {
			if w != nil {
				t.Errorf("%v: weights %v, want none", c.r, w)
			}
			continue
		}
		for i, want := range c.want {
			if math.Abs(w[i]-want) > 1e-9 {
				t.Errorf("%v: row %d weight %.4f, want %.4f", c.r, i, w[i], want)
			}
		}
	}
}

// TestBadDataIsNeverAWeakLabel: a 👎 with a data-quality reason on an open lead is a report about
// the data; through Fit it labels nothing, while a plain 👎 does.
func TestBadDataIsNeverAWeakLabel(t *testing.T) {
	leads := ordinaryLeads(3000)
	for _, c := range []struct {
		dq   bool
		want int
	}{{true, 0}, {false, 100}} {
		var fb []store.TrainingFeedback
		for i := 1; len(fb) < 100; i += 5 { // open leads: i%5 != 0
			code := "bad_data"
			fb = append(fb, store.TrainingFeedback{LeadID: int64(i + 1), Verdict: -1, ReasonCode: &code, DataQuality: c.dq, CreatedAt: day(1)})
		}
		_, fr, err := Fit(t.Context(), leads, fb, Config{Kind: scoring.KindLogReg, Seed: 1, Recency: &Recency{}})
		if err != nil {
			t.Fatal(err)
		}
		if fr.WeakLabels != c.want {
			t.Errorf("data quality %v: %d weak labels, want %d", c.dq, fr.WeakLabels, c.want)
		}
	}
}
