package scoring

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// choose scores every candidate on the inner folds, picks one by the one-standard-error rule,
// tunes the weak labels' weight for it and refits it on every labelled row, calibrated on its
// out-of-fold scores; the report records every candidate and the choice.
func (s *session) choose(rep *Report) (*Model, *Report, error) {
	var cands []fitted
	for _, sp := range s.specs() {
		f, err := s.evaluate(sp, 0)
		if err != nil {
			return nil, nil, err
		}
		cands = append(cands, f)
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
	final, err := s.refit(chosen, fw)
	if err != nil {
		return nil, nil, err
	}
	if s.cfg.KeepCandidates {
		if err := s.refitBestOfKind(cands, best, final, fw); err != nil {
			return nil, nil, err
		}
	}
	for _, c := range cands {
		rep.Candidates = append(rep.Candidates, c.c)
	}
	if chosen.spec.codes {
		rep.Notes = append(rep.Notes, "integer codes treated as categories (chosen on validation): "+strings.Join(codeColumns(s.num.enc), ", "))
	}
	rep.Chosen, rep.Kind, rep.Validation = chosen.c.Name, chosen.c.Kind, chosen.c.Validation
	final.Notes = rep.Notes
	return final, rep, nil
}

// bestCandidate applies the one-standard-error rule: the best is the highest mean validation ROC
// AUC over the folds, and the simplest candidate (lowest rank: the linear model before the trees,
// a stronger penalty before a weaker one, smaller trees before bigger) whose paired shortfall
// from it is within one standard error is chosen. A family is preferred only when the data cannot
// tell the two apart, never by a fixed margin.
func bestCandidate(cands []fitted) int {
	top := 0
	for i := range cands {
		if meanOf(cands[i].aucs) > meanOf(cands[top].aucs) {
			top = i
		}
	}
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cands[a].spec.rank - cands[b].spec.rank })
	for _, i := range order {
		d := make([]float64, len(cands[i].aucs))
		for j := range d {
			d[j] = cands[top].aucs[j] - cands[i].aucs[j]
		}
		if withinOneSE(d) {
			return i
		}
	}
	return top
}

// feedbackWeights are the weights a weak label is tried at, against an outcome's 1.
var feedbackWeights = []float64{0, 0.1, 0.3, 1, 3, 10}

// feedbackWeight chooses the weight of the weak labels for the chosen configuration. Outcomes
// veto: the weight with the best mean validation ROC AUC over the folds is found, and any weight
// whose paired shortfall from it is beyond one standard error is out. Among the others the newest
// votes decide (voteAUC): the folds validate on outcomes, which arrive weeks after the leads, so
// they cannot see what only this month's votes know (a market that moved), and on them the
// fresher signal looked worthless. Without enough held-out votes the best mean decides, as the
// outcomes alone can. It returns the configuration as fitted with that weight, and the weight.
func (s *session) feedbackWeight(chosen fitted) (fitted, float64, error) {
	if len(s.weakRows) == 0 {
		return chosen, 0, nil
	}
	fits := []fitted{chosen} // weight 0: as evaluated
	top := 0
	for i, fw := range feedbackWeights[1:] {
		c, err := s.evaluate(chosen.spec, fw)
		if err != nil {
			return fitted{}, 0, err
		}
		fits = append(fits, c)
		if meanOf(c.aucs) > meanOf(fits[top].aucs)+1e-4 {
			top = i + 1
		}
	}
	if len(s.heldVotes) == 0 {
		return fits[top], feedbackWeights[top], nil
	}
	best, bestAUC := top, -1.0
	for i, f := range fits {
		d := make([]float64, len(f.aucs))
		for j := range d {
			d[j] = fits[top].aucs[j] - f.aucs[j]
		}
		if i != top && !withinOneSE(d) {
			continue
		}
		a, err := s.voteAUC(f, feedbackWeights[i])
		if err != nil {
			return fitted{}, 0, err
		}
		if a > bestAUC+1e-4 {
			best, bestAUC = i, a
		}
	}
	return fits[best], feedbackWeights[best], nil
}

// voteAUC is how well configuration f, trained on every outcome and the older weak labels at
// weight fw, ranks the newest votes it did not see: their 👍 above their 👎.
func (s *session) voteAUC(f fitted, fw float64) (float64, error) {
	v := s.viewOf(f.spec)
	older := s.weakRows[:len(s.weakRows)-len(s.heldVotes)] // heldVotes are weakRows' newest
	rows, scale := withWeak(s.strong, older, fw)
	x, b, y, w := s.gather(v, rows, scale)
	sp := f.spec
	if sp.kind == KindGBDT {
		sp.gbdt.Trees, sp.gbdt.EarlyStop = max(1, int(math.Round(float64(f.trees)*s.refitScale()))), 0
	}
	m, _, err := s.train1(sp, v, x, b, y, w, nil, nil, nil)
	if err != nil {
		return 0, err
	}
	xv, _, yv, wv := s.gather(v, s.heldVotes, nil)
	return aucRaw(yv, m.rawRows(xv), wv), nil
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

// markBestOfKind marks the best candidate of each family by the same rule, the selected one
// always being its own family's best, so that KeepCandidates refits one model per family.
func markBestOfKind(cands []fitted) {
	for _, kind := range []Kind{KindLogReg, KindGBDT} {
		var idx []int
		sel := -1
		for i := range cands {
			if cands[i].c.Kind == kind {
				idx = append(idx, i)
				if cands[i].c.Selected {
					sel = i
				}
			}
		}
		if len(idx) == 0 {
			continue
		}
		if sel < 0 {
			sub := make([]fitted, len(idx))
			for j, i := range idx {
				sub[j] = cands[i]
			}
			sel = idx[bestCandidate(sub)]
		}
		cands[sel].c.Best = true
	}
}

// codeColumns names the columns marked IntCodes.
func codeColumns(enc *Encoding) []string {
	var out []string
	for _, c := range enc.Columns {
		if c.IntCodes {
			out = append(out, fmt.Sprintf("%q", c.Name))
		}
	}
	return out
}
