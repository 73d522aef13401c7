package demo

import (
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/experiment"
	"github.com/leadbot/leadbot/store"
)

// The demo's past holdout: from 210 to 35 days ago, a fifth of the leads that came in were held
// out of every digest, and they converted less (holdoutEffect on the log-odds), so that
// /leadbot value has an uplift with its interval to show on a first run. The experiment is over:
// with digest.holdout at 0 (the default) no open lead is held out.
const (
	holdoutShare  = 0.2
	holdoutEffect = 0.7
	holdoutID     = 1 // the draw's experiment id: the demo's is the database's first
)

func (s *seeder) holdoutStart() time.Time { return s.now.AddDate(0, 0, -210) }
func (s *seeder) holdoutStop() time.Time  { return s.now.AddDate(0, 0, -35) }

// holdoutArm is the lead's arm in the past holdout ("" when it came in outside it).
func (s *seeder) holdoutArm(l leadbot.Lead, f fields) experiment.Arm {
	if f.created.Before(s.holdoutStart()) || !f.created.Before(s.holdoutStop()) {
		return ""
	}
	return experiment.Assign(holdoutID, l.ID, holdoutShare)
}

// recordArm keeps the lead's assignment, with the score leadbot gave it then (its past score).
func (s *seeder) recordArm(l leadbot.Lead, f fields, arm experiment.Arm) {
	if arm == "" {
		return
	}
	p := s.past[len(s.past)-1].Probability
	s.arms = append(s.arms, store.PastArm{LeadID: l.ID, Arm: string(arm), Band: string(leadbot.BandRule{}.Floors().Of(p)),
		Score: p, AssignedAt: f.created.Add(24 * time.Hour)})
	if arm == experiment.HeldOut {
		s.stats.HeldOut++
	} else {
		s.stats.Treated++
	}
}
