package demo

import (
	"context"
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

// judgeable is a lead a rep could have given a verdict on, with what the verdict draws from.
type judgeable struct {
	lead     leadbot.Lead
	owner    int64
	industry string
	created  time.Time
	p        float64 // the rule's probability
	outcome  int     // 1 won, -1 lost, 0 open
}

// trendIndustry is where the demo's emerging trend is: this week, reps lose Finance leads to a
// competitor far more often than in the eight weeks before.
const trendIndustry = "Finance"

// verdicts are the reps' 👍/👎 of the last ten weeks, given 2–5 days after a lead came in (a
// lead's outcome comes 10 days in at the earliest, so every verdict is given while it is open),
// mostly right about the outcome to come; a 👎 gives a reason, one in twenty "competitor",
// except on this week's Finance leads, where most do (and this week the reps went through every
// Finance lead of the fortnight).
func (s *seeder) verdicts(ctx context.Context) error {
	weekAgo := s.now.AddDate(0, 0, -7)
	for _, j := range s.pool {
		at := j.created.AddDate(0, 0, 2+s.verdictRng.IntN(4))
		keep, spike := s.verdictRng.Float64() < 0.8, false
		if j.industry == trendIndustry && !j.created.Before(s.now.AddDate(0, 0, -14)) {
			// This week the reps went through every Finance lead of the last fortnight, and
			// found most of them gone to a competitor.
			at, keep, spike = s.now.AddDate(0, 0, -6).Add(time.Duration(s.verdictRng.IntN(5*24))*time.Hour), true, true
		}
		if s.judged[j.lead.ID] || at.Before(s.now.AddDate(0, 0, -70)) || !at.Before(s.now) || !keep {
			continue
		}
		down := s.verdictRng.Float64() > j.p+0.15
		switch {
		case spike:
			down = s.verdictRng.Float64() < 0.9
		case j.outcome != 0:
			down = (j.outcome < 0) == (s.verdictRng.Float64() < 0.8)
		}
		f := leadbot.NewFeedback{LeadID: j.lead.ID, RepID: j.owner, Verdict: leadbot.Up, CreatedAt: at}
		if down {
			f.Verdict, f.ReasonCode = leadbot.Down, s.reason(spike && !at.Before(weekAgo))
		}
		if _, _, err := s.st.RecordFeedback(ctx, f); err != nil {
			return err
		}
		s.judged[j.lead.ID] = true
		s.stats.Verdicts++
	}
	return nil
}

// reason draws a 👎's reason; spike is this week's Finance, lost to a competitor.
func (s *seeder) reason(spike bool) string {
	if spike && s.verdictRng.Float64() < 0.95 {
		return "competitor"
	}
	switch r := s.verdictRng.Float64(); {
	case r < 0.05:
		return "competitor"
	case r < 0.40:
		return "no_budget"
	case r < 0.65:
		return "bad_timing"
	case r < 0.85:
		return "not_a_fit"
	}
	return "no_authority"
}
