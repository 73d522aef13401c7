package scoring

import "math"

// choose fits every candidate, picks the best on validation, tunes the weak labels' weight for it
// and refits it on every labelled row; the report records every candidate and the choice.
func (s *session) choose(rep *Report) (*Model, *Report, error) {
	cands, err := s.search()
	if err != nil {
		return nil, nil, err
	}
	best := bestCandidate(cands)
	chosen, fw, err := s.feedbackWeight(cands[best])
	if err != nil {
		return nil, nil, err
	}
	rep.FeedbackWeight = fw
	cands[best] = chosen
	for i := range cands {
		cands[i].c.Selected = i == best
	}
	markBestOfKind(cands)

	final, err := s.refit(chosen, rep.FeedbackWeight)
	if err != nil {
		return nil, nil, err
	}
	if s.cfg.KeepCandidates {
		if err := s.refitBestOfKind(cands, best, final, rep.FeedbackWeight); err != nil {
			return nil, nil, err
		}
	}
	for _, c := range cands {
		rep.Candidates = append(rep.Candidates, c.c)
	}
	rep.Chosen, rep.Kind, rep.Validation = chosen.c.Name, chosen.c.Kind, chosen.c.Validation
	final.Notes = rep.Notes
	return final, rep, nil
}

// bestCandidate is the index of the best candidate by better; the first wins a tie, so the choice
// follows the order of the search.
func bestCandidate(cands []fitted) int {
	best := 0
	for i := range cands {
		if better(cands[i].c.Validation, cands[best].c.Validation, cands[i].c.Kind, cands[best].c.Kind) {
			best = i
		}
	}
	return best
}

// feedbackWeight chooses the weight of the weak labels (0, 0.1, 0.3 or 1) on validation, for the
// chosen configuration: votes count only when they raise the validation ROC AUC by more than
// noise. It returns the configuration as fitted with that weight, and the weight.
func (s *session) feedbackWeight(chosen fitted) (fitted, float64, error) {
	if len(s.weakRows) == 0 {
		return chosen, 0, nil
	}
	bestW := 0.0
	for _, fw := range []float64{0.1, 0.3, 1} {
		c, err := s.fit(chosen.spec, fw)
		if err != nil {
			return fitted{}, 0, err
		}
		if c.c.Validation.AUC > chosen.c.Validation.AUC+1e-4 {
			chosen, bestW = c, fw
		}
	}
	return chosen, bestW, nil
}

// refitBestOfKind gives the best candidate of each family its model refitted on every row, so an
// evaluation can score each family; the selected one gets final, which is already refitted.
func (s *session) refitBestOfKind(cands []fitted, best int, final *Model, fw float64) error {
	for i := range cands {
		switch {
		case i == best:
			cands[i].c.Model = final
		case cands[i].c.Best:
			m, err := s.refit(cands[i], fw)
			if err != nil {
				return err
			}
			cands[i].c.Model = m
		}
	}
	return nil
}

// better orders candidates: higher validation ROC AUC; within 0.001 the lower log loss, and the
// logistic regression on a tie, since its explanations are simpler.
func better(a, b Metrics, ka, kb Kind) bool {
	if math.Abs(a.AUC-b.AUC) > 1e-3 {
		return a.AUC > b.AUC
	}
	if ka != kb {
		return ka == KindLogReg
	}
	return a.LogLoss < b.LogLoss
}

// markBestOfKind marks the best candidate of each family, the selected one always being its own
// family's best, so that KeepCandidates refits one model per family and reuses the final one.
func markBestOfKind(cands []fitted) {
	for _, kind := range []Kind{KindLogReg, KindGBDT} {
		bi := -1
		for i := range cands {
			if cands[i].c.Kind == kind && (bi < 0 || cands[i].c.Selected || (!cands[bi].c.Selected && better(cands[i].c.Validation, cands[bi].c.Validation, kind, kind))) {
				bi = i
			}
		}
		if bi >= 0 {
			cands[bi].c.Best = true
		}
	}
}
