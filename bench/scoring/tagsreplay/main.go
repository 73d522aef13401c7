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
	frame, excluded, err := loadLeads(path, all)
	if err != nil {
		return err
	}
	y, fb, c := replayTags(frame)
	v := newVariants(frame.Drop("Converted"), fb)
	oof, err := crossValidate(v, y, k, seed)
	if err != nil {
		return err
	}
	fmt.Printf("Tags replay on %s: %d leads (%d whose tag states the outcome left out), %d with a pre-outcome tag (%d votes, %d data-quality reports, %d reason codes); %d-fold CV, same held-out leads\n",
		path, len(y), excluded, c.tagged, c.votes, c.dataQuality, v.reasonCodes, k)
	fmt.Printf("%-20s %8s %8s %9s %9s\n", "variant", "ROC AUC", "PR AUC", "log loss", "lift@10%")
	for j, name := range variantNames {
		m := scoring.ComputeMetrics(y, oof[j], nil)
		fmt.Printf("%-20s %8.4f %8.4f %9.4f %9.2f\n", name, m.AUC, m.PRAUC, m.LogLoss, m.LiftAt10)
	}
	fmt.Println("(tags alone (votes) is a ranking, not a probability: its log loss is not meaningful)")
	return nil
}

// loadLeads reads the leads and, unless all, leaves out those whose tag states the outcome:
// their lack of a pre-outcome tag would itself hint at the outcome (see -all-leads).
func loadLeads(path string, all bool) (frame *scoring.Frame, excluded int, err error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer file.Close()
	frame, err = scoring.ReadCSV(file, append(scoring.DefaultMissingTokens, "Select")...)
	if err != nil || all {
		return frame, 0, err
	}
	var keep []int
	for i := range frame.Len() {
		if tag, _ := frame.Value(i, "Tags"); outcomeTags[tag] {
			excluded++
			continue
		}
		keep = append(keep, i)
	}
	return frame.Select(keep), excluded, nil
}

// tagCounts say what the replay found, for the report's first line.
type tagCounts struct{ tagged, votes, dataQuality int }

// replayTags reads the labels (Converted) and turns every pre-outcome tag into the feedback a rep
// would have given on that lead.
func replayTags(frame *scoring.Frame) (y []float64, fb []scoring.Feedback, c tagCounts) {
	y = make([]float64, frame.Len())
	for i := range y {
		v, _ := frame.Value(i, "Converted")
		y[i] = map[string]float64{"1": 1}[v]
		tag, ok := frame.Value(i, "Tags")
		if !ok || outcomeTags[tag] {
			continue
		}
		f := tagFeedback(tag)
		f.Lead = i
		fb = append(fb, f)
		c.tagged++
		if f.DataQuality {
			c.dataQuality++
		}
		if f.Vote != 0 {
			c.votes++
		}
	}
	return y, fb, c
}

// variantNames are the compared variants, in the order of the report (and of crossValidate's
// out-of-fold predictions).
var variantNames = []string{"model alone", "tags alone (votes)", "tags alone (codes)", "both"}

// variants are the frames the variants train on, built once: the features, the features with the
// feedback columns, and the reason-code columns alone.
type variants struct {
	base, withFB, onlyCodes *scoring.Frame
	reasonCodes             int // reason-code columns the feedback added
}

func newVariants(base *scoring.Frame, fb []scoring.Feedback) variants {
	v := variants{base: base, withFB: scoring.WithFeedback(base, fb, "")}
	for _, c := range v.withFB.Columns() {
		if strings.HasPrefix(c, scoring.ReasonPrefix) {
			v.reasonCodes++
		}
	}
	// Only the reason-code columns: drop every original column.
	v.onlyCodes = v.withFB.Drop(append(append([]string(nil), base.Columns()...), scoring.VoteColumn)...)
	return v
}

// crossValidate trains every variant on each fold's training leads and predicts its held-out
// ones, so all variants are scored on the same leads; oof[j] are variant j's predictions.
func crossValidate(v variants, y []float64, k int, seed uint64) ([][]float64, error) {
	oof := make([][]float64, len(variantNames))
	for j := range oof {
		oof[j] = make([]float64, len(y))
	}
	for f, ts := range stratifiedFolds(y, k, seed) {
		tr, te := ts[0], ts[1]
		for j := range variantNames {
			m, err := v.fit(j, tr, pick(y, tr), seed)
			if err != nil {
				return nil, fmt.Errorf("fold %d, %s: %w", f+1, variantNames[j], err)
			}
			p := m.Predict(v.frame(j).Select(te))
			for i, r := range te {
				oof[j][r] = p[i]
			}
		}
		fmt.Fprintf(os.Stderr, "fold %d/%d done\n", f+1, k)
	}
	return oof, nil
}

// frame is what variant j trains and predicts on.
func (v variants) frame(j int) *scoring.Frame {
	return []*scoring.Frame{v.base, v.withFB, v.onlyCodes, v.withFB}[j]
}

// fit trains variant j on the rows tr. The feature variants drop the columns that are not known
// before contact; the votes variant is the prior with no rules and no outcomes, feedback votes
// only, which is what a team without a model would rank by.
func (v variants) fit(j int, tr []int, ytr []float64, seed uint64) (*scoring.Model, error) {
	ctx := context.Background()
	trainF := v.frame(j).Select(tr)
	switch j {
	case 1:
		nan := make([]float64, len(tr))
		for i := range nan {
			nan[i] = math.NaN()
		}
		m, _, err := scoring.Train(ctx, trainF.Drop(v.base.Columns()...), nan, nil, scoring.TrainConfig{Prior: &scoring.PriorConfig{}})
		return m, err
	case 2:
		m, _, err := scoring.Train(ctx, trainF, ytr, nil, scoring.TrainConfig{Seed: seed})
		return m, err
	}
	m, _, err := scoring.Train(ctx, trainF, ytr, nil, scoring.TrainConfig{Seed: seed, Drop: strictDrop})
	return m, err
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
