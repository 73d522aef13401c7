package scoring

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// fold is one inner validation of selection: fit on train, score valid (rows of the frame).
type fold struct{ train, valid []int }

// defaultFolds is how many inner folds or forward windows selection uses when TrainConfig.Folds
// is 0: enough for a standard error, few enough to keep a retrain within minutes.
const defaultFolds = 4

// innerFolds cuts the labelled rows for selection. When time is known (TimeColumn or TimeOrdered)
// they are k forward windows over the latest leads, each validated on one window and trained on
// everything before it, so every choice is judged on later leads than it learnt from, several
// times; otherwise k stratified folds. A window holding one class is skipped; with fewer than two
// usable windows the folds are stratified instead, and how says so.
func innerFolds(f *Frame, strong []int, labels []float64, cfg TrainConfig) (folds []fold, how string) {
	k := cfg.Folds
	if k <= 1 {
		k = defaultFolds
	}
	frac := cfg.ValidFraction
	if frac <= 0 || frac*float64(k) >= 0.8 {
		frac = 0.1
	}
	if cfg.TimeColumn != "" || cfg.TimeOrdered {
		rows := slices.Clone(strong)
		by := "file order"
		if cfg.TimeColumn != "" {
			t := timeKeys(f, cfg.TimeColumn)
			slices.SortStableFunc(rows, func(a, b int) int { return cmp.Compare(t[a], t[b]) })
			by = fmt.Sprintf("%q", cfg.TimeColumn)
		}
		folds = forwardWindows(rows, labels, k, frac)
		if len(folds) >= 2 {
			return folds, fmt.Sprintf("time-forward: %d windows of the latest %.0f %% of leads (by %s), each trained on the leads before it", len(folds), frac*100, by)
		}
		how = "stratified: "
	}
	folds = stratifiedFolds(strong, labels, k, cfg.Seed)
	return folds, how + fmt.Sprintf("%d stratified folds", k)
}

// forwardWindows is k windows of frac of the time-ordered rows each, the last one ending with the
// latest lead; a window is kept only when it and its training rows hold both classes.
func forwardWindows(rows []int, labels []float64, k int, frac float64) []fold {
	n := len(rows)
	size := max(1, int(math.Round(float64(n)*frac)))
	var out []fold
	for j := k; j >= 1; j-- {
		lo, hi := n-j*size, n-(j-1)*size
		if lo <= 0 {
			continue
		}
		va, tr := rows[lo:hi], slices.Clone(rows[:lo])
		if !bothClasses(labels, va) || !bothClasses(labels, tr) {
			continue
		}
		slices.Sort(tr)
		out = append(out, fold{train: tr, valid: va})
	}
	return out
}

// bothClasses tells whether rows hold at least one won and one lost lead.
func bothClasses(labels []float64, rows []int) bool {
	var pos, neg bool
	for _, i := range rows {
		pos = pos || labels[i] == 1
		neg = neg || labels[i] == 0
	}
	return pos && neg
}

// stratifiedFolds deals each class's shuffled rows round-robin into k folds.
func stratifiedFolds(strong []int, labels []float64, k int, seed uint64) []fold {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	of := make(map[int]int, len(strong))
	for _, cls := range []float64{0, 1} {
		var g []int
		for _, i := range strong {
			if labels[i] == cls {
				g = append(g, i)
			}
		}
		rng.Shuffle(len(g), func(a, b int) { g[a], g[b] = g[b], g[a] })
		for j, i := range g {
			of[i] = j % k
		}
	}
	out := make([]fold, k)
	for _, i := range strong {
		for j := range out {
			if of[i] == j {
				out[j].valid = append(out[j].valid, i)
			} else {
				out[j].train = append(out[j].train, i)
			}
		}
	}
	for j := range out {
		slices.Sort(out[j].train)
		slices.Sort(out[j].valid)
	}
	return out
}
