package report

import (
	"context"
	"fmt"
	"time"

	"github.com/leadbot/leadbot/experiment"
	"github.com/leadbot/leadbot/store"
)

// KPIStore is what the shared KPIs read (satisfied by *store.Store).
type KPIStore interface {
	RepKPIs(ctx context.Context, since, until time.Time, hot float64, top int) ([]store.RepKPI, error)
	ReasonOutcomes(ctx context.Context, since time.Time) ([]store.ReasonOutcome, error)
}

// KPIs are the numbers sales and operations share: what the leads leadbot called hot became
// against the rest, whether the top of each digest was worked, and, once outcomes arrive, which
// reasons reps give for a 👎 reliably predict a loss.
type KPIs struct {
	Since, Until time.Time
	Team         store.RepKPI // the sum over Reps (RepID 0)
	Reps         []store.RepKPI
	Reasons      []ReasonCall // every rep together, one per reason code
	ByRep        []ReasonCall // per rep and reason
}

// ReasonCall says, for one reason code (and one rep, or all), whether reps giving it were right.
type ReasonCall struct {
	store.ReasonOutcome
	LossRate experiment.Interval // lost over resolved, Wilson 95 %
	Expected float64             // the loss rate the model's scores implied (1 − mean score)
	Verdict  string              // "reps right", "model right" or "not clear yet"
}

// DigestTop is how many first places of a digest count as "the top" whose working is measured.
const DigestTop = 3

// BuildKPIs computes the shared KPIs for [since, until); hot is the probability the hot band
// starts at.
func BuildKPIs(ctx context.Context, st KPIStore, since, until time.Time, hot float64) (KPIs, error) {
	k := KPIs{Since: since, Until: until}
	var err error
	if k.Reps, err = st.RepKPIs(ctx, since, until, hot, DigestTop); err != nil {
		return k, err
	}
	for _, r := range k.Reps {
		t := &k.Team
		t.HotLeads, t.HotWon, t.HotRevenue, t.HotPipeline = t.HotLeads+r.HotLeads, t.HotWon+r.HotWon, t.HotRevenue+r.HotRevenue, t.HotPipeline+r.HotPipeline
		t.RestLeads, t.RestWon, t.RestRevenue, t.RestPipe = t.RestLeads+r.RestLeads, t.RestWon+r.RestWon, t.RestRevenue+r.RestRevenue, t.RestPipe+r.RestPipe
		t.TopSent, t.TopWorked = t.TopSent+r.TopSent, t.TopWorked+r.TopWorked
	}
	ros, err := st.ReasonOutcomes(ctx, since)
	if err != nil {
		return k, err
	}
	for _, ro := range ros {
		c := judgeReason(ro)
		if ro.RepID == nil {
			k.Reasons = append(k.Reasons, c)
		} else {
			k.ByRep = append(k.ByRep, c)
		}
	}
	return k, nil
}

func judgeReason(ro store.ReasonOutcome) ReasonCall {
	c := ReasonCall{ReasonOutcome: ro, LossRate: experiment.Wilson(ro.Lost, ro.Resolved, experiment.Z95), Expected: 1 - ro.MeanScore}
	switch {
	case ro.Resolved < 5:
		c.Verdict = "not clear yet"
	case c.LossRate.Low > c.Expected:
		c.Verdict = "reps right"
	case c.LossRate.High < c.Expected:
		c.Verdict = "model right"
	default:
		c.Verdict = "not clear yet"
	}
	return c
}

// Lines are the KPIs in a manager's words.
func (k KPIs) Lines() []string {
	t := k.Team
	if t.HotLeads+t.RestLeads == 0 {
		return []string{"No lead was sent in this period, so there is nothing to measure yet."}
	}
	lines := []string{
		fmt.Sprintf("Leads leadbot called hot: %s of %s won (%s), revenue %s; the rest: %s of %s (%s), revenue %s.",
			experiment.Thousands(t.HotWon), experiment.Thousands(t.HotLeads), ratePct(t.HotWon, t.HotLeads), money(t.HotRevenue),
			experiment.Thousands(t.RestWon), experiment.Thousands(t.RestLeads), ratePct(t.RestWon, t.RestLeads), money(t.RestRevenue)),
		fmt.Sprintf("Pipeline from hot leads %s, from the rest %s.", money(t.HotPipeline), money(t.RestPipe)),
		fmt.Sprintf("The top %d of each digest: %s of %s worked within 14 days (%s).", DigestTop,
			experiment.Thousands(t.TopWorked), experiment.Thousands(t.TopSent), ratePct(t.TopWorked, t.TopSent)),
	}
	for _, c := range k.Reasons {
		lines = append(lines, c.Line())
	}
	return lines
}

// Line is one reason's call: "No budget: 42 of 45 lost (93 %, 95 % CI 82–98 %), the model
// expected 38 %: reps right."
func (c ReasonCall) Line() string {
	who := c.Label
	if c.RepName != "" {
		who = c.RepName + ", " + c.Label
	}
	return fmt.Sprintf("%s: %d of %d lost (%.0f %%, 95 %% CI %.0f–%.0f %%), the model expected %.0f %%: %s.",
		who, c.Lost, c.Resolved, 100*c.LossRate.Estimate, 100*c.LossRate.Low, 100*c.LossRate.High, 100*c.Expected, c.Verdict)
}

func ratePct(k, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", 100*float64(k)/float64(n))
}

func money(v float64) string { return experiment.Thousands(int(v + 0.5)) }
