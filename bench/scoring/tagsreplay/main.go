// Command tagsreplay measures what rep feedback adds to the model, on real rep notes: the `Tags`
// column of the X Education leads data. Tags that precede the outcome are replayed as reason-coded
// feedback (👍/👎 by the tag's meaning, fixed before looking at outcomes; reachability problems
// with a phone number as data-quality reports); tags that state the outcome itself are left out.
// On the same held-out leads (5-fold stratified cross-validation) it reports ROC AUC of:
//
//	model alone        the strict pre-contact features
//	tags alone (votes) the transparent prior on the votes only: net 👍 − 👎
//	tags alone (codes) a model trained on the reason-code columns only
//	both               the strict features plus the reason-code columns
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/leadbot/leadbot/scoring"
)

// Tags that state the outcome (see ../shared/data/README.md): not feedback, never replayed.
var outcomeTags = map[string]bool{"Closed by Horizzon": true, "Lost to EINS": true, "Lost to Others": true, "Will revert after reading the email": true}

// tagFeedback is how a rep's tag becomes feedback: a vote by its plain meaning, and whether it
// reports bad data rather than judging the lead.
func tagFeedback(tag string) scoring.Feedback {
	fb := scoring.Feedback{Reason: tag}
	switch tag {
	case "invalid number", "wrong number given", "number not provided":
		fb.DataQuality = true
	case "Interested in other courses", "Already a student", "Not doing further education", "Diploma holder (Not Eligible)",
		"Interested  in full time MBA", "Graduation in progress", "University not recognized", "Recognition issue (DEC approval)",
		"in touch with EINS":
		fb.Vote = -1 // does not fit, or went to a competitor
	case "Shall take in the next coming month", "Interested in Next batch", "Lateral student":
		fb.Vote = +1 // intends to buy
	}
	// Reachability ("Ringing", "Busy", "switched off", "opp hangup") and hesitation carry no vote:
	// a rep would record the reason without judging the lead.
	return fb
}

var strictDrop = []string{"Prospect ID", "Lead Number", "Tags", "Lead Quality", "Last Activity", "Last Notable Activity", "Lead Profile",
	"Asymmetrique Activity Index", "Asymmetrique Profile Index", "Asymmetrique Activity Score", "Asymmetrique Profile Score"}

func main() {
	data := flag.String("data", "../shared/data/leads_xeducation.csv", "the X Education leads CSV")
	folds := flag.Int("folds", 5, "cross-validation folds")
	seed := flag.Uint64("seed", 42, "seed")
	all := flag.Bool("all-leads", false, "keep the leads whose tag states the outcome (as untagged leads); by default they are left out, since their absence of a pre-outcome tag is itself a hint of the outcome")
	flag.Parse()
	if err := run(*data, *folds, *seed, *all); err != nil {
		fmt.Fprintln(os.Stderr, "tagsreplay:", err)
		os.Exit(1)
	}
}

func run(path string, k int, seed uint64, all bool) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	frame, err := scoring.ReadCSV(file, append(scoring.DefaultMissingTokens, "Select")...)
	if err != nil {
		return err
	}
	excluded := 0
	if !all {
		var keep []int
		for i := range frame.Len() {
			if tag, _ := frame.Value(i, "Tags"); outcomeTags[tag] {
				excluded++
				continue
			}
			keep = append(keep, i)
		}
		frame = frame.Select(keep)
	}
	n := frame.Len()
	y := make([]float64, n)
	var fb []scoring.Feedback
	var tagged, dq, votes int
	for i := range n {
		v, _ := frame.Value(i, "Converted")
		y[i] = map[string]float64{"1": 1}[v]
		tag, ok := frame.Value(i, "Tags")
		if !ok || outcomeTags[tag] {
			continue
		}
		f := tagFeedback(tag)
		f.Lead = i
		fb = append(fb, f)
		tagged++
		if f.DataQuality {
			dq++
		}
		if f.Vote != 0 {
			votes++
		}
	}
	base := frame.Drop("Converted")
	withFB := scoring.WithFeedback(base, fb, "")
	var reasonCols []string
	for _, c := range withFB.Columns() {
		if strings.HasPrefix(c, scoring.ReasonPrefix) {
			reasonCols = append(reasonCols, c)
		}
	}
	// Only the reason-code columns: drop every original column.
	onlyCodes := withFB.Drop(append(append([]string(nil), base.Columns()...), scoring.VoteColumn)...)

	names := []string{"model alone", "tags alone (votes)", "tags alone (codes)", "both"}
	oof := make([][]float64, len(names))
	for j := range oof {
		oof[j] = make([]float64, n)
	}
	ctx := context.Background()
	for f, ts := range stratifiedFolds(y, k, seed) {
		tr, te := ts[0], ts[1]
		ytr := pick(y, tr)
		cfg := scoring.TrainConfig{Seed: seed, Drop: strictDrop}
		variants := []struct {
			frame *scoring.Frame
			cfg   scoring.TrainConfig
		}{
			{base, cfg},
			{withFB, cfg},
			{onlyCodes, scoring.TrainConfig{Seed: seed}},
			{withFB, cfg},
		}
		for j, v := range variants {
			trainF, testF := v.frame.Select(tr), v.frame.Select(te)
			var m *scoring.Model
			if j == 1 {
				// The prior with no rules and no outcomes: feedback votes only.
				nan := make([]float64, len(tr))
				for i := range nan {
					nan[i] = math.NaN()
				}
				m, _, err = scoring.Train(ctx, trainF.Drop(base.Columns()...), nan, nil, scoring.TrainConfig{Prior: &scoring.PriorConfig{}})
			} else {
				m, _, err = scoring.Train(ctx, trainF, ytr, nil, v.cfg)
			}
			if err != nil {
				return fmt.Errorf("fold %d, %s: %w", f+1, names[j], err)
			}
			p := m.Predict(testF)
			for i, r := range te {
				oof[j][r] = p[i]
			}
		}
		fmt.Fprintf(os.Stderr, "fold %d/%d done\n", f+1, k)
	}
	fmt.Printf("Tags replay on %s: %d leads (%d whose tag states the outcome left out), %d with a pre-outcome tag (%d votes, %d data-quality reports, %d reason codes); %d-fold CV, same held-out leads\n",
		path, n, excluded, tagged, votes, dq, len(reasonCols), k)
	fmt.Printf("%-20s %8s %8s %9s %9s\n", "variant", "ROC AUC", "PR AUC", "log loss", "lift@10%")
	for j, name := range names {
		m := scoring.ComputeMetrics(y, oof[j], nil)
		fmt.Printf("%-20s %8.4f %8.4f %9.4f %9.2f\n", name, m.AUC, m.PRAUC, m.LogLoss, m.LiftAt10)
	}
	fmt.Println("(tags alone (votes) is a ranking, not a probability: its log loss is not meaningful)")
	return nil
}

func pick(v []float64, rows []int) []float64 {
	out := make([]float64, len(rows))
	for j, i := range rows {
		out[j] = v[i]
	}
	return out
}

func stratifiedFolds(y []float64, k int, seed uint64) [][2][]int {
	rng := rand.New(rand.NewPCG(seed, 7))
	fold := make([]int, len(y))
	for _, cls := range []float64{0, 1} {
		var g []int
		for i, v := range y {
			if v == cls {
				g = append(g, i)
			}
		}
		rng.Shuffle(len(g), func(a, b int) { g[a], g[b] = g[b], g[a] })
		for j, i := range g {
			fold[i] = j % k
		}
	}
	out := make([][2][]int, k)
	for i := range y {
		for f := range k {
			if fold[i] == f {
				out[f][1] = append(out[f][1], i)
			} else {
				out[f][0] = append(out[f][0], i)
			}
		}
	}
	return out
}
