// Package report computes what managers read about their team: the week's activity and
// verdicts, the reasons reps give, conflicts between the model and the reps and who was right,
// data-quality reports, reps who stopped answering, and the model's health (accuracy on recent
// outcomes, drift of the scores). It reads the database through the small Store interface and
// knows nothing of Slack: handlers render a Team, tests assert its numbers.
package report

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
)

// Store is what a team report reads from the database (satisfied by *store.Store).
type Store interface {
	Managers(ctx context.Context) ([]leadbot.Rep, error)
	TeamActivity(ctx context.Context, managerID int64, since, until time.Time) ([]store.RepActivity, error)
	TeamReasons(ctx context.Context, managerID int64, since, until time.Time, bySource bool) ([]store.ReasonCount, error)
	TeamConflicts(ctx context.Context, managerID int64, high, low float64) ([]store.Conflict, error)
	RecentScoredOutcomes(ctx context.Context, since time.Time) ([]store.ScoredOutcome, error)
	ScoreSample(ctx context.Context, since, until time.Time) ([]float64, error)
	UnmatchedOwners(ctx context.Context, managerID int64) (reps, leads int, err error)
	Champion(ctx context.Context) (store.Model, error)
	LastSentDigest(ctx context.Context, repID int64, kind string) (store.Digest, error)
}

// Thresholds of a conflict: a 👎 at or above High, a 👍 below Low.
const (
	ConflictHigh = 0.6
	ConflictLow  = 0.3
	// StalledAfter: a rep who was sent leads but gave no feedback for this long has stopped answering.
	StalledAfter = 14 * 24 * time.Hour
	// Window is the span every tally covers, on every surface: the last seven days.
	Window = 7 * 24 * time.Hour
)

// Team is a manager's weekly picture of their team. Every number is computed here, from the
// database, so a test can assert each one.
type Team struct {
	Since, Until time.Time
	Reps         []store.RepActivity
	Total        store.Tally         // the team's figures: the sum of the reps' tallies
	TopReasons   []store.ReasonCount // judgements, most frequent first
	DataQuality  []store.ReasonCount // data-quality reports by source
	Conflicts    []store.Conflict    // all open and resolved conflicts, newest first
	ModelRight   int                 // resolved conflicts where the model was right
	RepRight     int                 // … where the rep was right
	Pending      int                 // conflicts whose outcome has not arrived
	Stalled      []store.RepActivity // reps who stopped answering
	Health       Health
}

// Health is how the model is doing on recent outcomes. Hot… and Rest… are what every surface
// says in plain words; AUC and Version are for admins.
type Health struct {
	Version  int // 0: no trained model (the rule-based prior ranks leads)
	Outcomes int // outcomes in the last HealthDays with a score from before them
	// HotN counts those outcomes on leads leadbot called hot (Hot) before the outcome, HotWon the
	// converted ones among them; RestN and RestWon the same for every other lead.
	HotN, HotWon   int
	RestN, RestWon int
	AUC            float64 // NaN when there are not both classes
	TopBandPrec    float64 // HotWon/HotN; NaN if none
	TopBandN       int     // = HotN
	PSI            float64 // drift: this week's scores against the four weeks before; NaN if too few
	UnmatchedReps  int
	UnmatchedLeads int
}

// HealthDays is how far back model health looks for outcomes.
const HealthDays = 90

// Hot reports whether leadbot calls a lead scored p hot: the one place the report and the
// charts decide it (it becomes the root package's band rule when that lands).
func Hot(p float64) bool { return p >= ConflictHigh }

// Band is the score band of a lead scored p, in the charts' order: 0 hot, 1 warm, 2 cool.
func Band(p float64) int {
	switch {
	case Hot(p):
		return 0
	case p >= ConflictLow:
		return 1
	default:
		return 2
	}
}

// BandLabels name the bands as the charts' legend says them.
func BandLabels() [3]string {
	hi, lo := int(math.Round(ConflictHigh*100)), int(math.Round(ConflictLow*100))
	return [3]string{fmt.Sprintf("Hot (%d %%+)", hi), fmt.Sprintf("Warm (%d–%d %%)", lo, hi), fmt.Sprintf("Cool (under %d %%)", lo)}
}

// HotRate is the share of hot leads that converted, RestRate that of the others; NaN when none.
func (h Health) HotRate() float64  { return rate(h.HotWon, h.HotN) }
func (h Health) RestRate() float64 { return rate(h.RestWon, h.RestN) }

func rate(k, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	return float64(k) / float64(n)
}

// ConflictWinner says whose call was right in a conflict: the model scored high and the lead converted, or low and it did not.
func ConflictWinner(c store.Conflict) (modelRight, resolved bool) {
	pos, ok := c.Positive()
	if !ok {
		return false, false
	}
	modelSaidYes := c.Verdict < 0 // a 👎 conflict means the model scored high
	return pos == modelSaidYes, true
}

// Build computes a manager's report for the week ending at until.
func Build(ctx context.Context, st Store, managerID int64, until time.Time) (Team, error) {
	r := Team{Since: until.Add(-Window), Until: until}
	var err error
	if r.Reps, err = st.TeamActivity(ctx, managerID, r.Since, r.Until); err != nil {
		return r, err
	}
	for _, a := range r.Reps {
		r.Total = r.Total.Add(a.Tally)
		// Stalled: still being sent leads, sent them for at least two weeks, silent for two weeks.
		if a.LastDelivery != nil && until.Sub(*a.LastDelivery) < StalledAfter &&
			a.FirstDelivery != nil && until.Sub(*a.FirstDelivery) >= StalledAfter &&
			(a.LastFeedback == nil || until.Sub(*a.LastFeedback) >= StalledAfter) {
			r.Stalled = append(r.Stalled, a)
		}
	}
	reasons, err := st.TeamReasons(ctx, managerID, r.Since, r.Until, false)
	if err != nil {
		return r, err
	}
	for _, c := range reasons {
		if !c.DataQuality {
			r.TopReasons = append(r.TopReasons, c)
		}
	}
	bySource, err := st.TeamReasons(ctx, managerID, r.Since, r.Until, true)
	if err != nil {
		return r, err
	}
	for _, c := range bySource {
		if c.DataQuality {
			r.DataQuality = append(r.DataQuality, c)
		}
	}
	if r.Conflicts, err = st.TeamConflicts(ctx, managerID, ConflictHigh, ConflictLow); err != nil {
		return r, err
	}
	for _, c := range r.Conflicts {
		switch modelRight, ok := ConflictWinner(c); {
		case !ok:
			r.Pending++
		case modelRight:
			r.ModelRight++
		default:
			r.RepRight++
		}
	}
	r.Health, err = modelHealth(ctx, st, managerID, until)
	return r, err
}

// modelHealth measures the champion on recent outcomes, the drift of this week's scores, and the
// team's owners without Slack.
func modelHealth(ctx context.Context, st Store, managerID int64, until time.Time) (Health, error) {
	h, err := MeasureHealth(ctx, st, until)
	if err != nil {
		return h, err
	}
	h.UnmatchedReps, h.UnmatchedLeads, err = st.UnmatchedOwners(ctx, managerID)
	return h, err
}

// HealthStore is what MeasureHealth reads.
type HealthStore interface {
	RecentScoredOutcomes(ctx context.Context, since time.Time) ([]store.ScoredOutcome, error)
	ScoreSample(ctx context.Context, since, until time.Time) ([]float64, error)
	Champion(ctx context.Context) (store.Model, error)
}

// MeasureHealth measures the champion on the outcomes of the last HealthDays (each against the
// lead's last score before it) and the drift of this week's scores: the figures every surface
// words the same way, a rep's Home as much as a manager's digest.
func MeasureHealth(ctx context.Context, st HealthStore, until time.Time) (Health, error) {
	h := Health{AUC: math.NaN(), TopBandPrec: math.NaN(), PSI: math.NaN()}
	if m, err := st.Champion(ctx); err == nil {
		h.Version = m.Version
	} else if !errors.Is(err, store.ErrNotFound) {
		return h, err
	}
	so, err := st.RecentScoredOutcomes(ctx, until.AddDate(0, 0, -HealthDays))
	if err != nil {
		return h, err
	}
	h.Outcomes = len(so)
	var y, p []float64
	for _, o := range so {
		v := 0.0
		if o.Positive {
			v = 1
		}
		y, p = append(y, v), append(p, o.Probability)
		if Hot(o.Probability) {
			h.HotN, h.HotWon = h.HotN+1, h.HotWon+int(v)
		} else {
			h.RestN, h.RestWon = h.RestN+1, h.RestWon+int(v)
		}
	}
	if won := h.HotWon + h.RestWon; won > 0 && won < len(y) {
		h.AUC = scoring.ComputeMetrics(y, p, nil).AUC
	}
	h.TopBandN, h.TopBandPrec = h.HotN, h.HotRate()
	week := until.AddDate(0, 0, -7)
	cur, err := st.ScoreSample(ctx, week, until)
	if err != nil {
		return h, err
	}
	ref, err := st.ScoreSample(ctx, week.AddDate(0, 0, -28), week)
	if err != nil {
		return h, err
	}
	h.PSI = PSI(ref, cur)
	return h, nil
}

// PSI is the population stability index of cur against ref over ten equal-width probability
// bins, with a small floor per bin so that an empty bin does not make it infinite. Under 0.1 is
// stable, 0.1–0.25 a moderate shift, above 0.25 a large one. NaN with fewer than 50 scores a side.
func PSI(ref, cur []float64) float64 {
	if len(ref) < 50 || len(cur) < 50 {
		return math.NaN()
	}
	hist := func(xs []float64) [10]float64 {
		var h [10]float64
		for _, x := range xs {
			h[min(9, max(0, int(x*10)))]++
		}
		for i := range h {
			h[i] = math.Max(h[i]/float64(len(xs)), 1e-4)
		}
		return h
	}
	a, b := hist(ref), hist(cur)
	var psi float64
	for i := range a {
		psi += (b[i] - a[i]) * math.Log(b[i]/a[i])
	}
	return psi
}
