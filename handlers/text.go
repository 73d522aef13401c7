package handlers

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Escape makes CRM text safe inside mrkdwn: Slack reads <…> as links and mentions (<!channel>
// would ping everyone) and & as the start of an entity, so those three become entities.
func Escape(s string) string {
	return mrkdwnEscaper.Replace(s)
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// truncate shortens s to at most n characters (not bytes), with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// percent formats a probability as a whole percentage: 0.724 → "72%".
func percent(p float64) string { return strconv.Itoa(int(math.Round(p*100))) + "%" }

// band names a probability range for reps: what to do with the lead, not a number to decode.
func band(p float64) string {
	switch {
	case p >= 0.6:
		return "hot"
	case p >= 0.3:
		return "warm"
	default:
		return "cool"
	}
}

// age says how long ago t was, in the largest sensible unit.
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 48*time.Hour:
		if d < 24*time.Hour {
			return "today"
		}
		return "yesterday"
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	case d < 2*365*24*time.Hour:
		return fmt.Sprintf("%d months ago", int(d.Hours()/24/30))
	default:
		return fmt.Sprintf("%d years ago", int(d.Hours()/24/365))
	}
}

// date formats a date the way a rep reads it: "Mon 3 Mar".
func date(t time.Time) string { return t.Format("Mon 2 Jan") }
