package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot/store"
)

// DigestOptions select what a digest run does.
type DigestOptions struct {
	// Force sends now whatever the reps' local hour and work days (leadbot digest --now).
	Force bool
	// RepEmail limits the run to one rep.
	RepEmail string
	// Workers is how many reps are served at once (0: 8). The sender paces Slack calls, so more
	// workers only help while Slack has room.
	Workers int
}

// DigestStats is what a digest run did (recorded in job_runs).
type DigestStats struct {
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

// RunDigests sends today's digest to every rep whose local delivery time has come on a work day
// and who has not had it: one DM per rep per local day, never empty, nothing for paused reps.
// It is safe to run again at any time: a digest is reserved in the database before it is sent,
// and a reserved digest that was not sent (Slack down, a crash) is sent by the next run.
func (s *Service) RunDigests(ctx context.Context, opt DigestOptions) (DigestStats, error) {
	reps, err := s.st.Reps(ctx)
	if err != nil {
		return DigestStats{}, err
	}
	byID := make(map[int64]store.Rep, len(reps))
	for _, r := range reps {
		byID[r.ID] = r
	}
	if opt.RepEmail != "" {
		reps = slices.DeleteFunc(reps, func(r store.Rep) bool { return r.Email != opt.RepEmail })
		if len(reps) == 0 {
			return DigestStats{}, fmt.Errorf("no rep with email %q: import reps first (leadbot import reps FILE.csv)", opt.RepEmail)
		}
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = 8
	}
	var (
		stats    DigestStats
		mu       sync.Mutex
		failures []error
		wg       sync.WaitGroup
		next     atomic.Int64
	)
	count := func(f func(*DigestStats)) { mu.Lock(); f(&stats); mu.Unlock() }
	// The units of work: one rep by DM, or one team whose digest goes to its channel (a team is
	// one unit because its replies hang under one parent post).
	type unit struct {
		who string
		run func() error
	}
	var units []unit
	teams := map[int64][]store.Rep{}
	var order []int64
	for _, r := range reps {
		if _, m, ok := s.teamOf(r, byID); ok {
			if _, seen := teams[m.ID]; !seen {
				order = append(order, m.ID)
			}
			teams[m.ID] = append(teams[m.ID], r)
			continue
		}
		units = append(units, unit{r.Email, func() error { return s.digestFor(ctx, r, opt.Force, count) }})
	}
	for _, mid := range order {
		m := byID[mid]
		td := s.cfg.Teams[m.Email]
		units = append(units, unit{"team of " + m.Email, func() error { return s.runTeam(ctx, td, m, teams[mid], opt.Force, count) }})
	}
	for range min(workers, len(units)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(units) || ctx.Err() != nil {
					return
				}
				if err := units[i].run(); err != nil {
					count(func(st *DigestStats) { st.Failed++ })
					mu.Lock()
					failures = append(failures, fmt.Errorf("%s: %w", units[i].who, err))
					mu.Unlock()
					s.log.Warn("digest not delivered; it will be retried", "to", units[i].who, "err", err)
				}
			}
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		return stats, fmt.Errorf("%d of %d digests failed (they are retried on the next run); first: %w", len(failures), stats.Due, failures[0])
	}
	return stats, ctx.Err()
}

func (s *Service) digestFor(ctx context.Context, r store.Rep, force bool, count func(func(*DigestStats))) error {
	slackID, d, ok, err := s.dueDigest(ctx, r, force, "rep", nil, count)
	if err != nil || !ok {
		return err
	}
	return s.deliver(ctx, d, count, func() (int, error) { return s.sendDigest(ctx, r, slackID, d) })
}

// deliver sends a reserved digest and records the outcome.
func (s *Service) deliver(ctx context.Context, d store.Digest, count func(func(*DigestStats)), send func() (int, error)) error {
	count(func(st *DigestStats) { st.Due++ })
	n, err := send()
	if err != nil {
		if merr := s.st.MarkDigestFailed(context.WithoutCancel(ctx), d.ID, err.Error()); merr != nil {
			s.log.Error("record failed digest", "digest", d.ID, "err", merr)
		}
		return err
	}
	count(func(st *DigestStats) { st.Sent++; st.Leads += n })
	return nil
}

// dueDigest decides whether rep r gets a digest of kind today and reserves it. ok is false (and
// the reason counted) when there is nothing to send: no Slack account, paused, not yet their
// hour, already sent, or no leads. from, for a channel copy of a DM digest, is that digest.
func (s *Service) dueDigest(ctx context.Context, r store.Rep, force bool, kind string, from *store.Digest,
	count func(func(*DigestStats))) (slackID string, d store.Digest, ok bool, err error) {
	if r.IsManager && r.ManagerID == nil && !s.ownsLeads(ctx, r) {
		// A manager who owns no leads gets the manager digest, not a rep digest.
		return "", d, false, nil
	}
	if slackID, err = s.slackUser(ctx, &r); err != nil {
		return "", d, false, err
	}
	if slackID == "" {
		count(func(st *DigestStats) { st.Unmatched++ })
		return "", d, false, nil
	}
	loc := s.location(r)
	now := s.now()
	local := now.In(loc)
	day := localDay(now, loc)
	if r.Paused(day) {
		count(func(st *DigestStats) { st.Paused++ })
		return "", d, false, nil
	}
	if !force && (!slices.Contains(s.cfg.Workdays, local.Weekday()) || local.Hour() < s.hourOf(r)) {
		count(func(st *DigestStats) { st.NotDue++ })
		return "", d, false, nil
	}
	d, err = s.st.DigestFor(ctx, r.ID, day, kind)
	switch {
	case err == nil && d.Status == "sent":
		count(func(st *DigestStats) { st.AlreadySent++ })
		return "", d, false, nil
	case err == nil:
		return slackID, d, true, nil // reserved earlier but not sent: send it now
	case !errors.Is(err, store.ErrNotFound):
		return "", d, false, err
	}
	err = nil // not found: reserve it below
	created := false
	if from != nil {
		d, created, err = s.st.ReserveLinkedDigest(ctx, r.ID, day, kind, from.ID)
	} else {
		limit := s.leadsPerDayOf(r)
		leads, err := s.st.DigestCandidates(ctx, store.CandidateQuery{RepID: r.ID, Day: day,
			Limit: min(limit, MaxCardsPerMessage), ResendDays: s.cfg.ResendDays})
		if err != nil {
			return "", d, false, err
		}
		if len(leads) == 0 {
			count(func(st *DigestStats) { st.NoLeads++ })
			return "", d, false, nil
		}
		d, created, err = s.st.ReserveDigest(ctx, r.ID, day, kind, leads)
	}
	if err != nil {
		return "", d, false, err
	}
	if !created && d.Status == "sent" { // another process got there between our read and our reserve
		count(func(st *DigestStats) { st.AlreadySent++ })
		return "", d, false, nil
	}
	return slackID, d, true, nil
}

// ownsLeads reports whether a rep owns any lead (managers sometimes do).
func (s *Service) ownsLeads(ctx context.Context, r store.Rep) bool {
	ls, err := s.st.DigestCandidates(ctx, store.CandidateQuery{RepID: r.ID, Day: localDay(s.now(), s.location(r)), Limit: 1})
	return err == nil && len(ls) > 0
}

func (s *Service) sendDigest(ctx context.Context, r store.Rep, slackID string, d store.Digest) (int, error) {
	leads, err := s.st.DigestLeads(ctx, d.ID)
	if err != nil {
		return 0, err
	}
	if len(leads) == 0 {
		return 0, errors.New("digest has no leads")
	}
	cards, err := s.cards(ctx, r, leads, d.Day)
	if err != nil {
		return 0, err
	}
	// Posting to the user id opens the DM and returns its D… id (which chat.update needs), so a
	// digest costs one call, not a conversations.open (Tier 3) plus a post.
	ch, ts, err := s.sl.Post(ctx, slackID, slack.MsgOptionText(DigestText(cards), false),
		slack.MsgOptionBlocks(DigestBlocks(r.Name, cards, s.now())...))
	if err != nil {
		return 0, err
	}
	if err := s.st.MarkDigestSent(context.WithoutCancel(ctx), d.ID, ch, ts); err != nil {
		return 0, fmt.Errorf("digest %d was posted (%s %s) but not recorded: %w", d.ID, ch, ts, err)
	}
	return len(cards), nil
}

// cards builds the lead cards as rep sees them on day: current score and reasons, what changed
// since the rep last saw each lead, and the rep's verdict, snooze and the outcome.
func (s *Service) cards(ctx context.Context, viewer store.Rep, leads []store.Lead, day time.Time) ([]Card, error) {
	ids := make([]int64, len(leads))
	for i, l := range leads {
		ids[i] = l.ID
	}
	facts, err := s.st.CardFacts(ctx, viewer, ids, day)
	if err != nil {
		return nil, err
	}
	cards := make([]Card, 0, len(leads))
	for _, l := range leads {
		f := facts[l.ID]
		c := Card{Lead: l, CRMURL: s.crmURL(l), Prev: f.Prev, Verdict: f.Verdict, VerdictBy: f.VerdictBy,
			ReasonLabel: f.ReasonLabel, Snoozed: f.Snoozed, Outcome: f.Outcome}
		if f.Latest != nil {
			c.Factors = f.Latest.Factors()
		}
		cards = append(cards, c)
	}
	return cards, nil
}

// slackUser returns the rep's Slack user id, matching them by email the first time (and again
// after LookupEvery when it failed), and learns their timezone from Slack when it is unknown.
func (s *Service) slackUser(ctx context.Context, r *store.Rep) (string, error) {
	id := r.SlackID()
	if id == "" {
		if r.LookupAt != nil && s.now().Sub(*r.LookupAt) < s.cfg.LookupEvery {
			return "", nil
		}
		u, err := s.sl.UserByEmail(ctx, r.Email)
		if err != nil {
			code := errCode(err)
			if code == "" {
				return "", err
			}
			s.log.Warn("CRM owner has no Slack account with that email; their leads go undelivered", "rep", r.Email, "slack_error", code)
			return "", s.st.SetSlackMatch(ctx, r.ID, "", "", code)
		}
		id = u.ID
		r.SlackUserID = &id
		if r.Timezone == "" {
			r.Timezone = u.TZ
		}
		return id, s.st.SetSlackMatch(ctx, r.ID, id, u.TZ, "")
	}
	if r.Timezone == "" && r.LookupAt == nil {
		u, err := s.sl.UserInfo(ctx, id)
		if err != nil {
			s.log.Warn("users.info failed; using the default timezone", "rep", r.Email, "err", err)
			return id, nil
		}
		r.Timezone = u.TZ
		return id, s.st.SetSlackMatch(ctx, r.ID, "", u.TZ, "")
	}
	return id, nil
}

// errCode returns Slack's error code for an "ok": false answer, or "" for other failures.
func errCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}
