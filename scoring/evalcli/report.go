package evalcli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadbot/leadbot/scoring"
)

// evalResult is one model's out-of-sample figures.
type evalResult struct {
	Model string `json:"model"`
	scoring.Metrics
}

// writeJSON prints the selected model's figures at the top level, for scripts, with each family's
// under "candidates".
func writeJSON(w io.Writer, results []evalResult, o *outOfSample, how string, start time.Time) error {
	sel := results[len(results)-1]
	out := map[string]any{
		"model": majority(o.chosen), "auc": sel.AUC, "pr_auc": sel.PRAUC, "log_loss": sel.LogLoss, "brier": sel.Brier,
		"precision_at_10": sel.PrecAt10, "lift_at_10": sel.LiftAt10, "ece": sel.ECE,
		"n": sel.N, "positives": sel.Positives, "split": how, "chosen": o.chosen,
		"candidates": results[:len(results)-1], "notes": o.notes, "seconds": time.Since(start).Seconds(),
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(out)
}

// writeTable prints a summary line, the training notes and one aligned row per model, for people.
func writeTable(w io.Writer, data string, features int, results []evalResult, o *outOfSample, how string) error {
	sel := results[len(results)-1]
	fmt.Fprintf(w, "%s: %d leads, %.0f positive (%.1f %%), %d feature columns; %s\n", data, sel.N, sel.Positives, 100*sel.Positives/float64(max(1, sel.N)), features, how)
	for _, n := range o.notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tROC AUC\tPR AUC\tlog loss\tBrier\tprec@10%\tlift@10%\tECE\t")
	for _, r := range results {
		name := r.Model
		if name == "selected" {
			name = fmt.Sprintf("selected (%s)", describeChosen(o.chosen))
		}
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.3f\t%.2f\t%.4f\t\n", name, r.AUC, r.PRAUC, r.LogLoss, r.Brier, r.PrecAt10, r.LiftAt10, r.ECE)
	}
	return tw.Flush()
}

// majority is the family selected in the most folds (the first in logreg, gbdt, prior order on a
// tie): the one kind the JSON report can name.
func majority(m map[scoring.Kind]int) scoring.Kind {
	var best scoring.Kind
	for _, k := range []scoring.Kind{scoring.KindLogReg, scoring.KindGBDT, scoring.KindPrior} {
		if m[k] > m[best] {
			best = k
		}
	}
	return best
}

// describeChosen says how many folds selected each family, e.g. "logreg ×3, gbdt ×2", since the
// folds need not agree.
func describeChosen(m map[scoring.Kind]int) string {
	var parts []string
	for _, k := range []scoring.Kind{scoring.KindLogReg, scoring.KindGBDT} {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s ×%d", k, m[k]))
		}
	}
	return strings.Join(parts, ", ")
}
