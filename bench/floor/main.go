// Command floor is a simulated sales floor for leadbot's learning loop: about 20 months of leads at
// 120 a week over 1,500 accounts, whose conversion follows CRM columns plus factors only reps know
// (an account's leadership change from a random day on for 15 % of accounts; per lead, no budget
// and an internal champion), with a market shift of ±1.5 log-odds on three of seven industries
// part-way through. Reps judge about half the leads 2–5 days after arrival, with reason codes when
// they know a hidden factor, "bad data" for the 6 % scrambled rows and noisy gut calls otherwise;
// outcomes arrive 30–120 days late. Every 4 weeks the model is retrained and scored on the next
// 4 weeks, at arrival and again after the reps judged (5 days on).
//
// It trains through training.Fit and scores through training.Score: the frame, the feedback rules
// (what was knowable when, account-wide reasons), the column limits, the recency weighting and
// scoring.Train that Retrain uses in production, without the database and without the champion
// gate (every retrain is used).
//
// It also gives the floor a randomized holdout (holdout.go): the hot leads are "sent" and convert
// more when they are; the uplift report's interval is checked against the simulated truth.
//
//	go run ./bench/floor [-seed 1] [-seeds 1] [-kind auto|logreg|gbdt] [-no-recency] [-holdout-draws 200] [-v]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
	"github.com/leadbot/leadbot/training"
)

const (
	firstRetrain = 120 // days of history before the first model
	every        = 28  // days between retrains, and the window each model scores
	judgedAfter  = 5   // days after arrival at which "after judgement" scores a lead
)

// Segments of the scored leads: all, before the shift, its first 120 days, after them.
var segments = []string{"overall", "before", "during", "after"}

func segment(t time.Time) string {
	switch d := t.Sub(start).Hours() / 24; {
	case d < shiftDay:
		return "before"
	case d < shiftDay+120:
		return "during"
	}
	return "after"
}

// Series are the scores compared: a name and, per lead scored, its probability.
const (
	modelArr   = "model alone"
	reasonsArr = "+ reason features, at arrival"
	weakArr    = "+ weak labels, at arrival"
	reasonsJdg = "+ reason features, after judgement"
	weakJdg    = "+ weak labels, after judgement"
	ceilFull   = "ceiling: true logit"
	ceilCRM    = "ceiling: true logit without rep-only factors"
)

var series = []string{modelArr, reasonsArr, weakArr, reasonsJdg, weakJdg, ceilFull, ceilCRM}

type scored struct {
	y   []float64
	seg []string
	p   map[string][]float64
}

func main() {
	seed := flag.Uint64("seed", 1, "simulation and training seed (the first, with -seeds)")
	seeds := flag.Int("seeds", 1, "run this many seeds (seed, seed+1, …) and print the mean gains too")
	kind := flag.String("kind", "auto", "model family: auto, logreg or gbdt")
	verbose := flag.Bool("v", false, "print each retrain")
	noRecency := flag.Bool("no-recency", false, "never weight by recency (what the choice on validation adds)")
	draws := flag.Int("holdout-draws", 200, "randomized-holdout experiments drawn on each seed's scored leads (0: none)")
	flag.Parse()
	var sum [3]float64
	for k := range *seeds {
		t0 := time.Now()
		sd := *seed + uint64(k)
		w := newWorld(sd)
		cfg := training.Config{Kind: scoring.Kind(*kind), Seed: sd}
		if *noRecency {
			cfg.Recency = &training.Recency{}
		}
		out, err := run(context.Background(), w, cfg, *verbose)
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		fmt.Printf("== seed %d\n", sd)
		g := report(w, out, time.Since(t0))
		if *draws > 0 {
			holdoutArm(out, *draws, sd)
		}
		for i := range sum {
			sum[i] += g[i] / float64(*seeds)
		}
	}
	if *seeds > 1 {
		fmt.Printf("mean over %d seeds: weak labels at arrival %+.4f (≥ +0.015), after judgement %+.4f (≥ +0.03), at arrival in the 120 days after the shift %+.4f (≥ +0.02)\n",
			*seeds, sum[0], sum[1], sum[2])
	}
}

// run retrains every 4 weeks from firstRetrain on and scores each next window.
func run(ctx context.Context, w *world, cfg training.Config, verbose bool) (*scored, error) {
	out := &scored{p: map[string][]float64{}}
	for d := firstRetrain; d+every <= days; d += every {
		now, end := day(float64(d)), day(float64(d+every))
		leads, fb := w.snapshot(now)
		reasons := cfg
		reasons.NoWeakLabels = true
		alone, _, err := training.Fit(ctx, leads, nil, cfg)
		if err != nil {
			return nil, err
		}
		withReasons, _, err := training.Fit(ctx, leads, fb, reasons)
		if err != nil {
			return nil, err
		}
		withWeak, fr, err := training.Fit(ctx, leads, fb, cfg)
		if err != nil {
			return nil, err
		}
		if verbose {
			fmt.Printf("day %3d: %5d leads, %4d outcomes, %4d votes; %s, weak labels %d at weight %g; %s\n",
				d, len(leads), fr.Outcomes, len(fb), withWeak.Kind, fr.WeakLabels, fr.FeedbackWeight, fr.Weighting)
		}
		all, allFb := w.snapshot(end.Add(judgedAfter * 24 * time.Hour))
		var rows []int
		for i := range all {
			if t := *all[i].CreatedAt; !t.Before(now) && t.Before(end) {
				rows = append(rows, i)
			}
		}
		arrival, judged := asOf(all, rows, 0), asOf(all, rows, judgedAfter*24*time.Hour)
		add := func(name string, p []float64) { out.p[name] = append(out.p[name], p...) }
		add(modelArr, training.Score(alone, arrival, nil, cfg, rows))
		add(reasonsArr, training.Score(withReasons, arrival, allFb, cfg, rows))
		add(weakArr, training.Score(withWeak, arrival, allFb, cfg, rows))
		add(reasonsJdg, training.Score(withReasons, judged, allFb, cfg, rows))
		add(weakJdg, training.Score(withWeak, judged, allFb, cfg, rows))
		for _, i := range rows {
			l := w.leads[i]
			out.y = append(out.y, map[bool]float64{true: 1, false: 0}[l.won])
			out.seg = append(out.seg, segment(l.arrival))
			out.p[ceilFull] = append(out.p[ceilFull], l.full)
			out.p[ceilCRM] = append(out.p[ceilCRM], l.crm)
		}
	}
	return out, nil
}

// asOf is leads with the scored rows as they were at arrival + after: no outcome, and only the
// feedback given before that moment reaches them (training's rule: nothing after KnownAt).
func asOf(leads []store.TrainingLead, rows []int, after time.Duration) []store.TrainingLead {
	out := slices.Clone(leads)
	for _, i := range rows {
		t := out[i].CreatedAt.Add(after)
		out[i].Outcome, out[i].OccurredAt, out[i].KnownAt = nil, nil, &t
	}
	return out
}

// report prints ROC AUC per series and segment, and the gains over the model alone; it returns
// the three targeted gains.
func report(w *world, s *scored, took time.Duration) [3]float64 {
	fmt.Printf("simulated floor: %d leads over %d accounts, %d judgements; %d leads scored by %d models (shift on day %d)\n",
		len(w.leads), accounts, len(w.votes), len(s.y), (days-firstRetrain)/every, shiftDay)
	fmt.Printf("%-46s", "ROC AUC")
	for _, g := range segments {
		fmt.Printf(" %8s", g)
	}
	fmt.Println()
	auc := map[string]map[string]float64{}
	for _, name := range series {
		auc[name] = map[string]float64{}
		fmt.Printf("%-46s", name)
		for _, g := range segments {
			var y, p []float64
			for k := range s.y {
				if g == "overall" || s.seg[k] == g {
					y, p = append(y, s.y[k]), append(p, s.p[name][k])
				}
			}
			auc[name][g] = scoring.ComputeMetrics(y, p, nil).AUC
			fmt.Printf(" %8.4f", auc[name][g])
		}
		fmt.Println()
	}
	fmt.Println("gain over the model alone:")
	for _, name := range []string{reasonsArr, weakArr, reasonsJdg, weakJdg} {
		fmt.Printf("%-46s", name)
		for _, g := range segments {
			fmt.Printf(" %+8.4f", auc[name][g]-auc[modelArr][g])
		}
		fmt.Println()
	}
	fmt.Printf("targets: weak labels at arrival %+.4f (≥ +0.015), after judgement %+.4f (≥ +0.03), at arrival in the 120 days after the shift %+.4f (≥ +0.02)\n",
		auc[weakArr]["overall"]-auc[modelArr]["overall"], auc[weakJdg]["overall"]-auc[modelArr]["overall"], auc[weakArr]["during"]-auc[modelArr]["during"])
	fmt.Printf("took %.0f s\n", took.Seconds())
	return [3]float64{auc[weakArr]["overall"] - auc[modelArr]["overall"], auc[weakJdg]["overall"] - auc[modelArr]["overall"], auc[weakArr]["during"] - auc[modelArr]["during"]}
}
