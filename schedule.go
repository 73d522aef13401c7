package leadbot

import (
	"slices"
	"time"
)

// DigestSkip says why a rep gets no digest now ("" when they are due one).
type DigestSkip string

// Why a rep gets no digest.
const (
	SkipPaused DigestSkip = "paused"  // the rep paused their digests
	SkipNotDue DigestSkip = "not_due" // not a work day, or not yet their delivery hour
)

// DigestDue is the rule of who is due a digest: one a local day, on a work day, from the rep's
// delivery hour on, and nothing while they are paused. local is now in the rep's timezone;
// force (leadbot digest --now) sends whatever the day and hour, but never to a paused rep.
func DigestDue(r Rep, local time.Time, workdays []time.Weekday, hour int, force bool) DigestSkip {
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	if r.Paused(day) {
		return SkipPaused
	}
	if !force && (!slices.Contains(workdays, local.Weekday()) || local.Hour() < hour) {
		return SkipNotDue
	}
	return ""
}
