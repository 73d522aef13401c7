package demo

import (
	"math"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/store"
)

// pastScore is what leadbot said about a closed lead the day after it came in, long before its
// outcome: the CRM fields' part of the rule with some noise, and no knowledge of a leadership
// change (nothing in the CRM says so). So model health and the charts have a first run's worth
// of history: hot leads converting more, and the accounts only reps knew about scored too high.
func (s *seeder) pastScore(l leadbot.Lead, a *account, f fields) {
	logit := f.logit(a)
	if a.leadershipChange {
		logit += 2.0 // what the CRM could not show
	}
	logit = 0.9*logit + 0.6*s.scoreRng.NormFloat64()
	s.past = append(s.past, store.PastScore{LeadID: l.ID, Probability: 1 / (1 + math.Exp(-logit)), ScoredAt: f.created.AddDate(0, 0, 1)})
}
