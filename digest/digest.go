// Package digest decides who gets a daily digest and reserves it: the rule of who is due
// (leadbot.DigestDue) applied to each rep in their own timezone, the choice of their leads, and
// the reservation in the database that makes a digest go out once a rep and day whatever fails.
// It knows nothing of Slack: handlers render a reserved digest and post it, and Run spreads the
// work over a few workers.
package digest

import (
	"context"
	"errors"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/store"
)

// Config is the configured schedule of digests (LEADBOT_CONFIG digest:).
type Config struct {
	LeadsPerDay  int            // default per rep (a rep's own setting wins); 0: 5
	DeliveryHour int            // local hour, 0–23, for reps who set none
	ResendDays   int            // a lead is not re-sent within this many days unless its score rose
	Workdays     []time.Weekday // days digests go out (none: Monday to Friday)
	DefaultTZ    *time.Location // for reps whose timezone is unknown (nil: UTC)
	MaxLeads     int            // the most leads one message holds (0: no cap)
}

// Stats is what a digest run did (recorded in job_runs).
type Stats struct {
	Due         int `json:"due"`
	Sent        int `json:"sent"`
	Leads       int `json:"leads"`
	NoLeads     int `json:"no_leads"`
	Paused      int `json:"paused"`
	NotDue      int `json:"not_due"`
	AlreadySent int `json:"already_sent"`
	Unmatched   int `json:"unmatched"`
	Blocked     int `json:"blocked"` // channel digests waiting for the bot to be invited
	Failed      int `json:"failed"`
}

// Count adds to a run's Stats; it is safe to call from the run's workers at once.
type Count func(func(*Stats))

// Planner applies the schedule to reps and reserves their digests.
type Planner struct {
	st  *store.Store
	cfg Config
	now func() time.Time
}

// NewPlanner returns a Planner over st; now is the clock.
func NewPlanner(st *store.Store, cfg Config, now func() time.Time) *Planner {
	if cfg.LeadsPerDay <= 0 {
		cfg.LeadsPerDay = 5
	}
	if len(cfg.Workdays) == 0 {
		cfg.Workdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	if cfg.DefaultTZ == nil {
		cfg.DefaultTZ = time.UTC
	}
	return &Planner{st: st, cfg: cfg, now: now}
}

// Location returns the rep's timezone, or the configured default.
func (p *Planner) Location(r leadbot.Rep) *time.Location {
	if r.Timezone != "" {
		if loc, err := time.LoadLocation(r.Timezone); err == nil {
			return loc
		}
	}
	return p.cfg.DefaultTZ
}

// LocalDay returns t's date in loc as midnight UTC (how days are stored).
func LocalDay(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// Today is the rep's current local date.
func (p *Planner) Today(r leadbot.Rep) time.Time { return LocalDay(p.now(), p.Location(r)) }

// HourOf is the local hour of rep's digest: their own setting, else the configured default.
func (p *Planner) HourOf(r leadbot.Rep) int {
	if r.DeliveryHour != nil {
		return *r.DeliveryHour
	}
	return p.cfg.DeliveryHour
}

// LeadsPerDayOf is how many leads rep's digest holds: their own setting, else the default.
func (p *Planner) LeadsPerDayOf(r leadbot.Rep) int {
	if r.LeadsPerDay != nil && *r.LeadsPerDay > 0 {
		return *r.LeadsPerDay
	}
	return p.cfg.LeadsPerDay
}

// Reserve decides whether rep r gets a digest of kind today and reserves it. ok is false (and
// the reason counted) when there is nothing to send: paused, not yet their hour, already sent,
// or no leads. from, for a channel copy of a DM digest, is that digest. A digest reserved
// earlier and not sent (Slack down, a crash) is returned to be sent now.
func (p *Planner) Reserve(ctx context.Context, r leadbot.Rep, force bool, kind string, from *store.Digest, count Count) (d store.Digest, ok bool, err error) {
	loc := p.Location(r)
	switch leadbot.DigestDue(r, p.now().In(loc), p.cfg.Workdays, p.HourOf(r), force) {
	case leadbot.SkipPaused:
		count(func(st *Stats) { st.Paused++ })
		return d, false, nil
	case leadbot.SkipNotDue:
		count(func(st *Stats) { st.NotDue++ })
		return d, false, nil
	}
	day := LocalDay(p.now(), loc)
	d, err = p.st.DigestFor(ctx, r.ID, day, kind)
	switch {
	case err == nil && d.Status == "sent":
		count(func(st *Stats) { st.AlreadySent++ })
		return d, false, nil
	case err == nil:
		return d, true, nil
	case !errors.Is(err, store.ErrNotFound):
		return d, false, err
	}
	d, created, err := p.reserve(ctx, r, day, kind, from, count)
	if err != nil || d.ID == 0 {
		return d, false, err
	}
	if !created && d.Status == "sent" { // another process got there between our read and our reserve
		count(func(st *Stats) { st.AlreadySent++ })
		return d, false, nil
	}
	return d, true, nil
}

// reserve writes the digest of day: the channel copy of from, or the rep's top leads now (none:
// nothing reserved, d.ID is 0).
func (p *Planner) reserve(ctx context.Context, r leadbot.Rep, day time.Time, kind string, from *store.Digest, count Count) (store.Digest, bool, error) {
	if from != nil {
		return p.st.ReserveLinkedDigest(ctx, r.ID, day, kind, from.ID)
	}
	limit := p.LeadsPerDayOf(r)
	if p.cfg.MaxLeads > 0 {
		limit = min(limit, p.cfg.MaxLeads)
	}
	leads, err := p.st.DigestCandidates(ctx, store.CandidateQuery{RepID: r.ID, Day: day, Limit: limit, ResendDays: p.cfg.ResendDays})
	if err != nil {
		return store.Digest{}, false, err
	}
	if len(leads) == 0 {
		count(func(st *Stats) { st.NoLeads++ })
		return store.Digest{}, false, nil
	}
	return p.st.ReserveDigest(ctx, r.ID, day, kind, leads)
}

// OwnsLeads reports whether a rep owns any open lead (managers sometimes do).
func (p *Planner) OwnsLeads(ctx context.Context, r leadbot.Rep) (bool, error) {
	ls, err := p.st.DigestCandidates(ctx, store.CandidateQuery{RepID: r.ID, Day: p.Today(r), Limit: 1})
	return len(ls) > 0, err
}
