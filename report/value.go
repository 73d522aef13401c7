package report

import (
	"fmt"
	"slices"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/experiment"
	"github.com/leadbot/leadbot/store"
)

// Value is the proof-of-value report: treated against held-out leads, band by band and over all
// bands, from the randomized holdout's assignments and the outcomes that followed.
type Value struct {
	Share   float64             // the running experiment's held-out share (0: off)
	Leads   int                 // assigned leads, every experiment
	Bands   []experiment.Uplift // in band order, hot first; bands with no lead left out
	Overall experiment.Uplift   // every band together (bands are balanced, so this is fair)
	Lookups int                 // held-out leads a rep looked up by name anyway
}

// bandOrder is the order bands are reported in; a band not named here comes after.
var bandOrder = []string{"hot", "warm", "cool"}

// BuildValue adds the assigned leads up into the report. share is the running experiment's
// held-out share (0 when none runs); it sizes the "about N more leads" estimate.
func BuildValue(rows []store.ArmRow, share float64) Value {
	v := Value{Share: share, Leads: len(rows)}
	groups := map[string]*[2]experiment.Group{}
	var all [2]experiment.Group
	var seen []string
	for _, r := range rows {
		g, ok := groups[r.Band]
		if !ok {
			g = &[2]experiment.Group{}
			groups[r.Band] = g
			seen = append(seen, r.Band)
		}
		arm := 0
		if r.Arm == string(experiment.HeldOut) {
			arm = 1
			v.Lookups += min(r.Lookups, 1)
		}
		add(&g[arm], r)
		add(&all[arm], r)
	}
	if share == 0 {
		share = observedShare(all)
	}
	for _, b := range orderBands(seen) {
		g := groups[b]
		v.Bands = append(v.Bands, experiment.Compare(b, g[0], g[1], share))
	}
	v.Overall = experiment.Compare("all", all[0], all[1], share)
	return v
}

func add(g *experiment.Group, r store.ArmRow) {
	g.Leads++
	won := r.Outcome != nil && leadbot.PositiveOutcome(*r.Outcome)
	amount := 0.0
	if won {
		g.Won++
		if r.Amount != nil {
			amount = *r.Amount
		}
	}
	g.Amounts = append(g.Amounts, amount)
	if r.OccurredAt != nil && !r.OccurredAt.Before(r.AssignedAt) {
		g.Days = append(g.Days, r.OccurredAt.Sub(r.AssignedAt).Hours()/24)
	}
}

func observedShare(all [2]experiment.Group) float64 {
	n := all[0].Leads + all[1].Leads
	if n == 0 {
		return 0.1
	}
	return float64(all[1].Leads) / float64(n)
}

func orderBands(seen []string) []string {
	var out []string
	for _, b := range bandOrder {
		if slices.Contains(seen, b) {
			out = append(out, b)
		}
	}
	for _, s := range seen {
		if !slices.Contains(bandOrder, s) {
			out = append(out, s)
		}
	}
	return out
}

// Lines is the report in a manager's words: a headline, then one verdict per band.
func (v Value) Lines() []string {
	if v.Leads == 0 {
		if v.Share == 0 {
			return []string{"The holdout is off, so leadbot cannot yet show what sending the list changed. " +
				"Set digest.holdout (for example 0.10) to keep a random tenth of eligible leads out of digests and measure it."}
		}
		return []string{fmt.Sprintf("The holdout is on (%.0f %% of eligible leads held out) but no lead has been assigned yet: the next digests will start it.", 100*v.Share)}
	}
	lines := []string{v.Overall.Verdict()}
	for _, b := range v.Bands {
		lines = append(lines, b.Verdict())
	}
	if v.Lookups > 0 {
		lines = append(lines, fmt.Sprintf("%s held-out leads were looked up by a rep anyway; they stay in the held-out arm (the estimate is conservative).", experiment.Thousands(v.Lookups)))
	}
	return lines
}

// Since formats how long ago an experiment started, for the report's heading.
func Since(start, now time.Time) string {
	d := int(now.Sub(start).Hours() / 24)
	if d < 1 {
		return "today"
	}
	if d == 1 {
		return "1 day ago"
	}
	return fmt.Sprintf("%d days ago", d)
}
