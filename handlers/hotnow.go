package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/store"
)

// HotNowOptions configure the "hot now" DMs.
type HotNowOptions struct {
	PerDay     int           // at most this many a rep a local day (0: 3)
	QuietFrom  int           // no DM from this local hour …
	QuietUntil int           // … until this one (both 0: 19 and 8)
	Window     time.Duration // how long after it arrived a lead is still "now" (0: 1h)
	Hot        float64       // the hot band's floor (0: 0.6, the cards' "hot")
}

// HotNowStats count one run.
type HotNowStats struct {
	Sent      int `json:"sent"`
	Capped    int `json:"capped"`    // the rep had their share today, or the lead was already sent
	Quiet     int `json:"quiet"`     // the rep's evening or night: the digest will carry it
	Unmatched int `json:"unmatched"` // the owner has no Slack account found by email
	Paused    int `json:"paused"`
	Failed    int `json:"failed"`
	HeldOut   int `json:"held_out"` // in the randomized holdout's held-out arm: never pushed
}

func (o *HotNowOptions) defaults() {
	if o.PerDay == 0 {
		o.PerDay = 3
	}
	if o.QuietFrom == 0 && o.QuietUntil == 0 {
		o.QuietFrom, o.QuietUntil = 19, 8
	}
	if o.Window == 0 {
		o.Window = time.Hour
	}
	if o.Hot == 0 {
		o.Hot = 0.6
	}
}

// QuietAt reports whether local (a rep's local time) falls in the quiet hours, when no "hot
// now" DM is sent.
func (o HotNowOptions) QuietAt(local time.Time) bool {
	o.defaults()
	return quiet(local.Hour(), o.QuietFrom, o.QuietUntil)
}

// quiet reports whether hour falls in [from, until), across midnight when from > until.
func quiet(hour, from, until int) bool {
	if from == until {
		return false
	}
	if from < until {
		return hour >= from && hour < until
	}
	return hour >= from || hour < until
}

// SendHotNow sends each lead that arrived (by sync or webhook) and scored hot to its owner, as
// one card with its reasons and the digest's buttons: reserved first (once per lead, at most
// PerDay a rep a day), never in the rep's quiet hours. A judged lead leaves the digests anyway;
// an unjudged one may come again in the next digest, as the issue asks.
func (s *Service) SendHotNow(ctx context.Context, opt HotNowOptions) (HotNowStats, error) {
	opt.defaults()
	var st HotNowStats
	leads, err := s.st.HotCandidates(ctx, opt.Window, opt.Hot)
	if err != nil {
		return st, err
	}
	reps := map[int64]*leadbot.Rep{}
	for _, l := range leads {
		r := reps[*l.OwnerID]
		if r == nil {
			rep, err := s.st.RepByID(ctx, *l.OwnerID)
			if err != nil {
				return st, err
			}
			r = &rep
			reps[rep.ID] = r
		}
		if err := s.hotOne(ctx, r, l, opt, &st); err != nil {
			return st, err
		}
	}
	return st, nil
}

func (s *Service) hotOne(ctx context.Context, r *leadbot.Rep, l leadbot.Lead, opt HotNowOptions, st *HotNowStats) error {
	now := s.now()
	local := now.In(s.location(*r))
	day := localDay(now, s.location(*r))
	switch {
	case r.Paused(day):
		st.Paused++
		return nil
	case quiet(local.Hour(), opt.QuietFrom, opt.QuietUntil):
		st.Quiet++
		return nil
	}
	slackID, err := s.slackUser(ctx, r)
	if err != nil {
		return err
	}
	if slackID == "" {
		st.Unmatched++
		return nil
	}
	if held, err := s.heldOut(ctx, l); err != nil {
		return err
	} else if held {
		st.HeldOut++ // the randomized holdout: never pushed
		return nil
	}
	ok, err := s.st.ReserveHotAlert(ctx, l.ID, r.ID, day, opt.PerDay)
	if err != nil {
		return err
	}
	if !ok {
		st.Capped++
		return nil
	}
	text, blocks, err := s.hotMessage(ctx, *r, l, now)
	if err != nil {
		return err
	}
	ch, ts, err := s.sl.Post(ctx, slackID, text, blocks)
	errText := ""
	if err != nil {
		st.Failed++
		errText = err.Error()
		s.log.Warn("hot-now DM failed; it is tried again next run", "rep", r.Email, "lead", l.ID, "err", err)
	} else {
		st.Sent++
	}
	return s.st.MarkHotAlert(context.WithoutCancel(ctx), l.ID, ch, ts, errText)
}

// redrawHot rebuilds a "hot now" message after a click on it, header and all, and replaces it
// (replaceMessage).
func (s *Service) redrawHot(ctx context.Context, a store.HotAlert, responseURL string) error {
	rep, err := s.st.RepByID(ctx, a.RepID)
	if err != nil {
		return err
	}
	l, err := s.st.LeadByID(ctx, a.LeadID)
	if err != nil {
		return err
	}
	text, blocks, err := s.hotMessage(ctx, rep, l, s.now())
	if err != nil {
		return err
	}
	return s.replaceMessage(ctx, responseURL, a.Channel, a.MessageTS, text, blocks)
}

// hotMessage is the "hot now" DM of lead l for rep r as of now: the digest's card, as the rep's
// day has it, under the "hot now" header.
func (s *Service) hotMessage(ctx context.Context, r leadbot.Rep, l leadbot.Lead, now time.Time) (text, blocks slack.MsgOption, err error) {
	day := localDay(now, s.location(r))
	cards, err := s.cards(ctx, r, []leadbot.Lead{l}, day)
	if err == nil {
		cards, err = s.enrich(ctx, cards, day)
	}
	if err != nil {
		return nil, nil, err
	}
	return slack.MsgOptionText(HotNowText(cards[0], now), false), slack.MsgOptionBlocks(HotNowBlocks(cards[0], now)...), nil
}

// HotNowBlocks is the "hot now" message: a header, then the digest's card for the lead.
func HotNowBlocks(c Card, now time.Time) []slack.Block {
	header, intro := ":fire: Hot lead just in", "It arrived a moment ago and scores in your hot band."
	if changed(c, now) {
		header, intro = ":fire: A lead just turned hot", "It changed in the CRM a moment ago and now scores in your hot band."
	}
	return append([]slack.Block{
		slack.NewHeaderBlock(plainEmoji(header)),
		slack.NewContextBlock("hot_intro", mrkdwn(intro+" Your :+1: / :-1: teaches the model.")),
	}, CardBlocks(c, now)...)
}

// changed reports whether a "hot now" lead is an older lead that changed rather than one that
// just arrived: the CRM created it more than a day ago.
func changed(c Card, now time.Time) bool {
	return c.Lead.CreatedAt != nil && c.Lead.CreatedAt.Before(now.Add(-24*time.Hour))
}

// HotNowText is the notification text of a "hot now" DM.
func HotNowText(c Card, now time.Time) string {
	what := "Hot lead just in"
	if changed(c, now) {
		what = "A lead just turned hot"
	}
	return fmt.Sprintf("%s: %s", what, Escape(orDefault(c.Lead.Name, c.Lead.ExternalID)))
}
