package training

import (
	"time"

	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
)

// knowable reports whether feedback given at t may be a feature or a weak label of lead l: only
// while l's outcome was not yet known. Feedback given once the outcome was known can echo it
// ("lost to a competitor" after the CRM says lost), and a model that learns from it learns the
// outcome, not the lead.
func knowable(l store.TrainingLead, t time.Time) bool {
	return l.KnownAt == nil || t.Before(*l.KnownAt)
}

// visibleFeedback turns stored verdicts into the engine's feedback, one entry per lead it reaches,
// keeping only what was knowable for that lead (see knowable). A reason the rep marked
// account-wide reaches the account's leads that were open when it was given and every lead created
// after, never the account's history: for those it is a reason without a vote, so the rep's 👍/👎
// labels only the lead it was given on. It returns the entries and when each was given.
func visibleFeedback(leads []store.TrainingLead, row map[int64]int, fb []store.TrainingFeedback) ([]scoring.Feedback, []time.Time) {
	var accounts map[string][]int
	var out []scoring.Feedback
	var at []time.Time
	for _, f := range fb {
		i, ok := row[f.LeadID]
		if !ok {
			continue
		}
		reason := ""
		if f.ReasonCode != nil {
			reason = *f.ReasonCode
		}
		if knowable(leads[i], f.CreatedAt) {
			out = append(out, scoring.Feedback{Lead: i, Vote: f.Verdict, Reason: reason, DataQuality: f.DataQuality, Account: leads[i].Account})
			at = append(at, f.CreatedAt)
		}
		if !f.AccountWide || reason == "" || leads[i].Account == "" {
			continue
		}
		if accounts == nil {
			accounts = map[string][]int{}
			for j, l := range leads {
				if l.Account != "" {
					accounts[l.Account] = append(accounts[l.Account], j)
				}
			}
		}
		for _, j := range accounts[leads[i].Account] {
			if j != i && knowable(leads[j], f.CreatedAt) {
				out = append(out, scoring.Feedback{Lead: j, Reason: reason, DataQuality: f.DataQuality, Account: leads[j].Account})
				at = append(at, f.CreatedAt)
			}
		}
	}
	return out, at
}

// votesBefore is fb with the votes that a model trained at cut could not have had taken out
// (given at or after cut, or on a row in skip): they stay reasons, never weak labels. The
// challenger judged on the hold-out must not have learnt from votes on the hold-out's leads.
func votesBefore(fb []scoring.Feedback, at []time.Time, cut time.Time, skip map[int]bool) []scoring.Feedback {
	out := make([]scoring.Feedback, len(fb))
	for k, f := range fb {
		if skip[f.Lead] || (!cut.IsZero() && !at[k].Before(cut)) {
			f.Vote = 0
		}
		out[k] = f
	}
	return out
}
