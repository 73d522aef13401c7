package handlers

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/leadbot/leadbot/report"
	"github.com/leadbot/leadbot/store"
)

// Model health is worded once, here, in the words of a sales team: does "hot" still mean
// something? Every surface (the manager digest, /leadbot team, every Home) says HealthText of
// the same report.Health. Model kinds, versions and ROC AUC are for admins: only the model line
// at the bottom of Home (adminModelText) and the CLI name them.

// HealthText says how the model is doing, in plain words.
func HealthText(h report.Health) string {
	var parts []string
	switch {
	case h.HotN > 0 && h.RestN > 0:
		hot, rest := h.HotRate(), h.RestRate()
		s := fmt.Sprintf("Of the leads leadbot called hot in the last %d days, *%s* converted, against %s of the rest",
			report.HealthDays, spaced(hot), spaced(rest))
		if rest > 0 {
			s += fmt.Sprintf(" (%.1f×)", hot/rest)
		}
		parts = append(parts, s+fmt.Sprintf(": %s and %s had an outcome.", plural(h.HotN, "hot lead", "hot leads"), plural(h.RestN, "other", "others")))
	case h.HotN > 0:
		parts = append(parts, fmt.Sprintf("Of the %s leadbot called hot that had an outcome in the last %d days, *%s* converted.",
			plural(h.HotN, "lead", "leads"), report.HealthDays, spaced(h.HotRate())))
	case h.RestN > 0:
		parts = append(parts, fmt.Sprintf("None of the %s with an outcome in the last %d days had been called hot, so there is nothing yet to say whether hot leads convert more (%s of them converted).",
			plural(h.RestN, "lead", "leads"), report.HealthDays, spaced(h.RestRate())))
	case h.Version == 0:
		parts = append(parts, "No trained model yet: transparent rules rank the leads until enough outcomes arrive.")
	default:
		parts = append(parts, fmt.Sprintf("No lead leadbot scored has had an outcome in the last %d days yet: the first outcomes will show whether hot leads convert more.", report.HealthDays))
	}
	if !math.IsNaN(h.PSI) {
		switch {
		case h.PSI > 0.25:
			parts = append(parts, "This week's scores look very different from the month before's: new kinds of leads, or a change in the CRM data — worth a look.")
		case h.PSI > 0.1:
			parts = append(parts, "This week's scores have shifted a little from the month before's.")
		default:
			parts = append(parts, "This week's scores look like the month before's.")
		}
	}
	if h.UnmatchedReps > 0 {
		parts = append(parts, fmt.Sprintf(":warning: %d reps with %d open leads have no Slack account matched by email: their leads are not delivered.", h.UnmatchedReps, h.UnmatchedLeads))
	}
	return "*Model health*\n" + strings.Join(parts, " ")
}

// plural says "1 lead", "2 leads".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// spaced formats a share as "41 %".
func spaced(p float64) string { return fmt.Sprintf("%d %%", int(math.Round(p*100))) }

// health measures the model as every surface shows it.
func (s *Service) health(ctx context.Context) (report.Health, error) {
	return report.MeasureHealth(ctx, s.st, s.now())
}

// adminModelText is the model line at the bottom of Home, for the admin: version, kind, when it
// was trained and its hold-out figures.
func adminModelText(m store.Model, err error) string {
	if err != nil {
		return "Model: none trained yet (rules rank the leads)."
	}
	txt := fmt.Sprintf("Model v%d (%s), trained %s on %d leads and %d pieces of feedback", m.Version, m.Kind, date(m.TrainedAt), m.TrainingRows, m.FeedbackRows)
	mt := m.MetricsMap()
	if auc, ok := mt["auc"]; ok {
		txt += fmt.Sprintf(" · hold-out ROC AUC %.2f", auc)
	}
	if p, ok := mt["precision_at_10"]; ok {
		txt += fmt.Sprintf(" · precision in the top 10 %%: %s", spaced(p))
	}
	return txt + " · `leadbot models` for more."
}
