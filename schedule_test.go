package leadbot_test

import (
	"testing"
	"time"

	"github.com/leadbot/leadbot"
)

func TestDigestDue(t *testing.T) {
	weekdays := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	paris, _ := time.LoadLocation("Europe/Paris")
	monday9 := time.Date(2026, 11, 30, 9, 0, 0, 0, paris)
	until := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	paused := leadbot.Rep{PausedUntil: &until}
	tests := []struct {
		name  string
		rep   leadbot.Rep
		local time.Time
		hour  int
		force bool
		want  leadbot.DigestSkip
	}{
		{"a work day at the hour", leadbot.Rep{}, monday9, 9, false, ""},
		{"before the hour", leadbot.Rep{}, monday9.Add(-time.Minute), 9, false, leadbot.SkipNotDue},
		{"later that day", leadbot.Rep{}, monday9.Add(8 * time.Hour), 9, false, ""},
		{"Saturday", leadbot.Rep{}, monday9.AddDate(0, 0, 5), 9, false, leadbot.SkipNotDue},
		{"forced on a Saturday", leadbot.Rep{}, monday9.AddDate(0, 0, 5), 9, true, ""},
		{"paused through today", paused, monday9, 9, false, leadbot.SkipPaused},
		{"paused, even when forced", paused, monday9, 9, true, leadbot.SkipPaused},
		{"the day after the pause", paused, monday9.AddDate(0, 0, 1), 9, false, ""},
	}
	for _, tt := range tests {
		if got := leadbot.DigestDue(tt.rep, tt.local, weekdays, tt.hour, tt.force); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
