package handlers

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/digest"
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

// RunDigests sends today's digest to every rep whose local delivery time has come on a work day
// and who has not had it: one DM per rep per local day, never empty, nothing for paused reps.
// It is safe to run again at any time: a digest is reserved in the database before it is sent,
// and a reserved digest that was not sent (Slack down, a crash) is sent by the next run.
func (s *Service) RunDigests(ctx context.Context, opt DigestOptions) (digest.Stats, error) {
	reps, err := s.st.Reps(ctx)
	if err != nil {
		return digest.Stats{}, err
	}
	byID := make(map[int64]leadbot.Rep, len(reps))
	for _, r := range reps {
		byID[r.ID] = r
	}
	if opt.RepEmail != "" {
		reps = slices.DeleteFunc(reps, func(r leadbot.Rep) bool { return r.Email != opt.RepEmail })
		if len(reps) == 0 {
			return digest.Stats{}, leadbot.Errorf(leadbot.ENOTFOUND, "no rep with email %q: import reps first (leadbot import reps FILE.csv)", opt.RepEmail)
		}
	}
	return digest.Run(ctx, s.digestUnits(ctx, reps, byID, opt.Force), opt.Workers, func(who string, err error) {
		s.log.Warn("digest not delivered; it will be retried", "to", who, "err", err)
	})
}

// digestUnits is the work of a digest run: a DM for each rep, and one unit for each team whose
// digest goes to its channel.
func (s *Service) digestUnits(ctx context.Context, reps []leadbot.Rep, byID map[int64]leadbot.Rep, force bool) []digest.Unit {
	var units []digest.Unit
	teams := map[int64][]leadbot.Rep{}
	var order []int64
	for _, r := range reps {
		if _, m, ok := s.teamOf(r, byID); ok {
			if _, seen := teams[m.ID]; !seen {
				order = append(order, m.ID)
			}
			teams[m.ID] = append(teams[m.ID], r)
			continue
		}
		units = append(units, digest.Unit{Who: r.Email, Run: func(count digest.Count) error { return s.digestFor(ctx, r, force, count) }})
	}
	for _, mid := range order {
		m := byID[mid]
		td := s.cfg.Teams[m.Email]
		units = append(units, digest.Unit{Who: "team of " + m.Email, Run: func(count digest.Count) error {
			return s.runTeam(ctx, td, m, teams[mid], force, count)
		}})
	}
	return units
}

func (s *Service) digestFor(ctx context.Context, r leadbot.Rep, force bool, count digest.Count) error {
	slackID, d, ok, err := s.dueDigest(ctx, r, force, "rep", nil, count)
	if err != nil || !ok {
		return err
	}
	return s.deliver(ctx, d, count, func() (int, error) { return s.sendDigest(ctx, r, slackID, d) })
}

// deliver sends a reserved digest and records the outcome: a failure Slack gave for certain is
// recorded as failed; a post whose outcome is unknown keeps its sending mark, so the retry looks
// for the message before posting; an attempt that never reached Slack (the lease lost, the
// database down) and a post that could not be recorded change nothing.
func (s *Service) deliver(ctx context.Context, d store.Digest, count digest.Count, send func() (int, error)) error {
	count(func(st *digest.Stats) { st.Due++ })
	n, err := send()
	if err != nil {
		var mark func(context.Context, int64, string) error
		switch {
		case errors.Is(err, errNotMarked):
		case errors.Is(err, bot.ErrOutcomeUnknown):
			mark = s.st.MarkDigestUnknown
		default:
			mark = s.st.MarkDigestFailed
		}
		if mark != nil {
			if merr := mark(context.WithoutCancel(ctx), d.ID, err.Error()); merr != nil {
				s.log.Error("record failed digest", "digest", d.ID, "err", merr)
			}
		}
		return err
	}
	count(func(st *digest.Stats) { st.Sent++; st.Leads += n })
	return nil
}

// errNotMarked wraps the failures after which the digest's record must stay as it is.
var errNotMarked = errors.New("not recorded")

// dueDigest finds rep r's Slack account and has the planner decide and reserve their digest of
// kind (digest.Planner.Reserve). ok is false when there is nothing to send.
func (s *Service) dueDigest(ctx context.Context, r leadbot.Rep, force bool, kind string, from *store.Digest,
	count digest.Count) (slackID string, d store.Digest, ok bool, err error) {
	if r.IsManager && r.ManagerID == nil {
		// A manager who owns no leads gets the manager digest, not a rep digest.
		if owns, err := s.plan.OwnsLeads(ctx, r); err != nil || !owns {
			return "", d, false, err
		}
	}
	if slackID, err = s.slackUser(ctx, &r); err != nil {
		return "", d, false, err
	}
	if slackID == "" {
		count(func(st *digest.Stats) { st.Unmatched++ })
		return "", d, false, nil
	}
	// The randomized holdout draws the rep's leads as they first become eligible; the planner's
	// candidates then leave the held-out ones out.
	if err := s.assignRep(ctx, r.ID); err != nil {
		return "", d, false, err
	}
	d, ok, err = s.plan.Reserve(ctx, r, force, kind, from, count)
	return slackID, d, ok, err
}

func (s *Service) sendDigest(ctx context.Context, r leadbot.Rep, slackID string, d store.Digest) (int, error) {
	leads, err := s.st.DigestLeads(ctx, d.ID)
	if err != nil {
		return 0, err
	}
	if len(leads) == 0 {
		return 0, errors.New("digest has no leads")
	}
	cards, err := s.cards(ctx, r, leads, d.Day)
	if err == nil {
		cards, err = s.enrich(ctx, cards, d.Day) // capacity bands, teammates' words
	}
	if err != nil {
		return 0, err
	}
	// Posting to the user id opens the DM and returns its D… id (which chat.update needs), so a
	// digest costs one call, not a conversations.open (Tier 3) plus a post.
	return s.postDigest(ctx, d, slackID, len(cards), slack.MsgOptionText(DigestText(cards), false),
		slack.MsgOptionBlocks(DigestBlocks(r.Name, cards, s.now().In(s.location(r)))...))
}

// cards builds the lead cards as rep sees them on day: current score and reasons, what changed
// since the rep last saw each lead, and the rep's verdict, snooze and the outcome.
func (s *Service) cards(ctx context.Context, viewer leadbot.Rep, leads []leadbot.Lead, day time.Time) ([]Card, error) {
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
func (s *Service) slackUser(ctx context.Context, r *leadbot.Rep) (string, error) {
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
