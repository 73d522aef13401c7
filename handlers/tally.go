package handlers

import (
	"fmt"
	"strings"

	"github.com/leadbot/leadbot/store"
)

// TallyText words a tally the same way on every surface (/leadbot stats, Home, the manager
// digest, /leadbot team): "5 sent · 2 judged (:+1: 1, :-1: 1) · 1 undone · 1 snoozed". Judged
// counts active verdicts only; undos and snoozes are said apart, and only when there are any.
func TallyText(t store.Tally) string {
	parts := []string{fmt.Sprintf("%d sent", t.Delivered), fmt.Sprintf("%d judged (:+1: %d, :-1: %d)", t.Judged, t.Up, t.Down)}
	if t.Undone > 0 {
		parts = append(parts, fmt.Sprintf("%d undone", t.Undone))
	}
	if t.Snoozed > 0 {
		parts = append(parts, fmt.Sprintf("%d snoozed", t.Snoozed))
	}
	return strings.Join(parts, " · ")
}

// agreementText says how often the rep (or team) and the model agreed, or nothing.
func agreementText(t store.Tally, who string) string {
	if t.Scored == 0 {
		return ""
	}
	return fmt.Sprintf("%s and the model agreed on %d of %d scored leads (%s).", who, t.Agreed, t.Scored, percent(float64(t.Agreed)/float64(t.Scored)))
}
