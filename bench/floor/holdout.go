package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/leadbot/leadbot/experiment"
	value "github.com/leadbot/leadbot/report"
	"github.com/leadbot/leadbot/store"
)

// The holdout arm: on the leads the floor scored, the list (the hot band by the hybrid model at
// arrival: its top fifth) is sent to reps, and a sent lead converts with sendEffect more
// log-odds (it is worked sooner and harder). The randomized holdout keeps holdoutShare of the
// eligible leads out; report.BuildValue estimates the uplift from the arms, and the check is
// whether its 95 % interval holds the simulated truth: the mean, over the hot leads, of
// σ(logit + sendEffect) − σ(logit).
const (
	holdoutShare = 0.10
	sendEffect   = 0.8
	hotShare     = 0.20
)

// holdoutArm draws the experiment's arms and outcomes draws times (a new experiment id and
// outcome seed each) and prints how often the report's interval covered the truth.
func holdoutArm(s *scored, draws int, seed uint64) (coverage float64) {
	p := s.p[weakArr]
	cut := slices.Sorted(slices.Values(p))[int(float64(len(p))*(1-hotShare))]
	truth, hot := 0.0, 0
	for k, q := range p {
		if q >= cut {
			full := s.p[ceilFull][k]
			truth += sigmoid(full+sendEffect) - sigmoid(full)
			hot++
		}
	}
	truth /= float64(hot)
	covered, est := 0, 0.0
	at := time.Unix(0, 0)
	for d := range draws {
		rng := rand.New(rand.NewPCG(seed, uint64(d)))
		var rows []store.ArmRow
		for k, q := range p {
			band := "rest"
			if q >= cut {
				band = "hot"
			}
			arm := experiment.Assign(int64(d+1), int64(k), holdoutShare)
			logit := s.p[ceilFull][k]
			if band == "hot" && arm == experiment.Treated {
				logit += sendEffect
			}
			r := store.ArmRow{LeadID: int64(k), Arm: string(arm), Band: band, AssignedAt: at}
			if rng.Float64() < sigmoid(logit) {
				won := "won"
				r.Outcome, r.OccurredAt = &won, &at
			}
			rows = append(rows, r)
		}
		v := value.BuildValue(rows, holdoutShare)
		for _, u := range v.Bands {
			if u.Band == "hot" {
				est += u.Conversion.Estimate / float64(draws)
				if u.Conversion.Low <= truth && truth <= u.Conversion.High {
					covered++
				}
			}
		}
	}
	coverage = float64(covered) / float64(draws)
	fmt.Printf("holdout arm (%.0f %% held out, %d hot leads sent with %+.1f log-odds): the hot band's 95 %% interval held the simulated uplift (%+.1f points) in %.1f %% of %d draws (≥ 90 %%); mean estimate %+.1f points\n",
		100*holdoutShare, hot, sendEffect, 100*truth, 100*coverage, draws, 100*est)
	return coverage
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
