package scoring

import "slices"

// Feedback is one rep's judgement of a lead: 👍 (+1) / 👎 (−1) and an optional reason code.
type Feedback struct {
	Lead        int    // row of the lead in the frame being trained or scored
	Vote        int    // +1, −1, or 0 for a reason without a vote
	Reason      string // reason code, e.g. "no_budget"; "" for none
	DataQuality bool   // "bad data", "wrong contact", "duplicate": never a label
	Account     string // the lead's account key; needed when AccountWide
	AccountWide bool   // the rep said the reason applies to every lead of the account
}

// Feedback columns added by WithFeedback.
const (
	// VoteColumn holds each lead's net 👍 − 👎 (data-quality reports excluded). Models never use
	// it as a feature (votes are labels); the prior does.
	VoteColumn = "Rep vote"
	// ReasonPrefix starts the name of a reason-code column: how many times the code was given for
	// the lead, or for its account when the rep marked it account-wide.
	ReasonPrefix = "Reason: "
)

// WithFeedback returns f plus feedback columns: VoteColumn and one ReasonPrefix+code column per
// reason code. accountColumn names the column holding the account key of each lead; account-wide
// reasons reach every lead whose account matches. f itself is not changed.
//
// Use it both when training and when scoring, with the feedback known at that time, so the model
// sees the same columns in both. always names reason codes whose column is added even when no
// feedback gives them: when scoring, the model's, so that a batch of leads no rep gave that
// reason for reads 0 ("nobody said so"), as in training, not missing.
func WithFeedback(f *Frame, fb []Feedback, accountColumn string, always ...string) *Frame {
	g := f.Drop() // a new column list sharing f's storage
	n := f.Len()
	votes := make([]float64, n)
	reasons := map[string][]float64{}
	for _, c := range always {
		reasons[c] = make([]float64, n)
	}
	var accounts map[string][]int
	for _, b := range fb {
		if b.Lead < 0 || b.Lead >= n {
			continue
		}
		if !b.DataQuality {
			votes[b.Lead] += float64(sign(b.Vote))
		}
		if b.Reason == "" {
			continue
		}
		r := reasons[b.Reason]
		if r == nil {
			r = make([]float64, n)
			reasons[b.Reason] = r
		}
		if !b.AccountWide {
			r[b.Lead]++
			continue
		}
		if accounts == nil {
			accounts = map[string][]int{}
			for i := range n {
				if a, ok := f.Value(i, accountColumn); ok {
					accounts[a] = append(accounts[a], i)
				}
			}
		}
		key := b.Account
		if key == "" {
			key, _ = f.Value(b.Lead, accountColumn)
		}
		rows := accounts[key]
		if key == "" || len(rows) == 0 {
			rows = []int{b.Lead}
		}
		for _, i := range rows {
			r[i]++
		}
	}
	g.setNumeric(VoteColumn, votes)
	codes := make([]string, 0, len(reasons))
	for c := range reasons {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		g.setNumeric(ReasonPrefix+c, reasons[c])
	}
	return g
}

// setNumeric adds (or replaces) a numeric column.
func (f *Frame) setNumeric(name string, vals []float64) {
	c := &column{numeric: true, nums: vals}
	if j, ok := f.index[name]; ok {
		f.cols[j] = c
		return
	}
	f.names = append(f.names, name)
	f.cols = append(f.cols, c)
	f.index[name] = len(f.cols) - 1
}

// weakLabels turns votes into labels for leads without an outcome: 1 for a net 👍, 0 for a net
// 👎, NaN otherwise. Data-quality feedback never counts.
func weakLabels(n int, fb []Feedback) []float64 {
	net := make([]int, n)
	for _, b := range fb {
		if b.Lead >= 0 && b.Lead < n && !b.DataQuality {
			net[b.Lead] += sign(b.Vote)
		}
	}
	out := make([]float64, n)
	for i, v := range net {
		switch {
		case v > 0:
			out[i] = 1
		case v < 0:
			out[i] = 0
		default:
			out[i] = nan
		}
	}
	return out
}

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
