package report

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/leadbot/leadbot/experiment"
	"github.com/leadbot/leadbot/store"
)

// TrendStore is what the emerging-trends check reads and writes (satisfied by *store.Store).
type TrendStore interface {
	SegmentColumns(ctx context.Context, maxDistinct int) ([]store.ColumnWeight, error)
	ReasonRates(ctx context.Context, column string, baseFrom, recentFrom, until time.Time) ([]store.ReasonRate, error)
	SegmentScores(ctx context.Context, column string, at time.Time) ([]store.SegmentScore, error)
}

// TrendConfig tunes the check. The zero value takes the defaults.
type TrendConfig struct {
	Columns     int     // segment columns tested, heaviest in the model first (0: 4)
	MaxDistinct int     // a column with more values is not a segment (0: 30)
	FDR         float64 // false-discovery rate across every segment and reason tested (0: 0.05)
	MinRecent   int     // reports a week below which nothing is a trend (0: 3)
	// Reflected is the relative fall of a segment's mean score that means the model already
	// weighs the rise (0: 0.10).
	Reflected float64
}

func (c TrendConfig) withDefaults() TrendConfig {
	if c.Columns == 0 {
		c.Columns = 4
	}
	if c.MaxDistinct == 0 {
		c.MaxDistinct = 30
	}
	if c.FDR == 0 {
		c.FDR = 0.05
	}
	if c.MinRecent == 0 {
		c.MinRecent = 3
	}
	if c.Reflected == 0 {
		c.Reflected = 0.10
	}
	return c
}

// The windows compared: the last 7 days against the 8 weeks before them.
const (
	TrendRecent   = 7 * 24 * time.Hour
	TrendBaseline = 8 * 7 * 24 * time.Hour
)

// Trend is a reason code rising in one segment, clear after the false-discovery control.
type Trend struct {
	Column, Segment, Reason, Label string
	Recent                         int     // reports in the last 7 days
	Usual                          float64 // what the baseline rate predicts for the recent verdicts
	P                              float64
	ScoreNow, ScoreThen            float64 // the segment's mean score now and 7 days ago
	Reflected                      bool    // the model already moved
}

// FindTrends tests every (segment, reason) of the columns the model leans on most, and returns
// the rises that pass Benjamini–Hochberg at cfg.FDR, reflected or not.
func FindTrends(ctx context.Context, st TrendStore, now time.Time, cfg TrendConfig) ([]Trend, error) {
	cfg = cfg.withDefaults()
	cols, err := st.SegmentColumns(ctx, cfg.MaxDistinct)
	if err != nil {
		return nil, err
	}
	recentFrom := now.Add(-TrendRecent)
	var cands []Trend
	var ps []float64
	for _, c := range cols[:min(len(cols), cfg.Columns)] {
		rates, err := st.ReasonRates(ctx, c.Column, recentFrom.Add(-TrendBaseline), recentFrom, now)
		if err != nil {
			return nil, err
		}
		for _, r := range rates {
			recent := experiment.Count{Reason: r.Recent, Verdicts: r.RecentVerdicts}
			base := experiment.Count{Reason: r.Base, Verdicts: r.BaseVerdicts}
			ps = append(ps, experiment.RiseP(recent, base)) // every test counts in the FDR
			cands = append(cands, Trend{Column: c.Column, Segment: r.Segment, Reason: r.Reason, Label: r.Label,
				Recent: r.Recent, Usual: usual(r), P: ps[len(ps)-1]})
		}
	}
	var out []Trend
	for _, i := range experiment.Discoveries(ps, cfg.FDR) {
		if t := cands[i]; t.Recent >= cfg.MinRecent && float64(t.Recent) > t.Usual {
			out = append(out, t)
		}
	}
	return reflect(ctx, st, out, recentFrom, cfg.Reflected)
}

func usual(r store.ReasonRate) float64 {
	if r.BaseVerdicts == 0 {
		return 0
	}
	return float64(r.Base) * float64(r.RecentVerdicts) / float64(r.BaseVerdicts)
}

// reflect marks the trends whose segment's mean score already fell by the given share.
func reflect(ctx context.Context, st TrendStore, ts []Trend, at time.Time, share float64) ([]Trend, error) {
	byCol := map[string]map[string]store.SegmentScore{}
	for i, t := range ts {
		if byCol[t.Column] == nil {
			ss, err := st.SegmentScores(ctx, t.Column, at)
			if err != nil {
				return nil, err
			}
			byCol[t.Column] = map[string]store.SegmentScore{}
			for _, s := range ss {
				byCol[t.Column][s.Segment] = s
			}
		}
		s, ok := byCol[t.Column][t.Segment]
		if ok && s.Then != nil {
			ts[i].ScoreNow, ts[i].ScoreThen = s.Now, *s.Then
			ts[i].Reflected = s.Now <= *s.Then*(1-share)
		}
	}
	return ts, nil
}

// Text is the post a manager reads, in the words of the issue that asked for it.
func (t Trend) Text() string {
	label := strings.ToLower(t.Label[:1]) + t.Label[1:]
	lo, hi := math.Floor(t.Usual), math.Ceil(t.Usual)
	usual := fmt.Sprintf("usual: %.0f–%.0f", lo, hi)
	if lo == hi {
		usual = fmt.Sprintf("usual: about %.0f", lo)
	}
	lead := "leads"
	if t.Recent == 1 {
		lead = "lead"
	}
	s := fmt.Sprintf("Reps marked %d %s %s “%s” this week (%s).", t.Recent, t.Segment, lead, label, usual)
	if t.Reflected {
		return s + fmt.Sprintf(" The model has already lowered these leads (mean score %.0f %% → %.0f %%).", 100*t.ScoreThen, 100*t.ScoreNow)
	}
	return s + " The model does not know yet; the next retrain will weigh it."
}
