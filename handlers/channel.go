package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/digest"
	"github.com/leadbot/leadbot/store"
)

// Delivery modes of a team's daily digest.
const (
	DeliverDM      = "dm"
	DeliverChannel = "channel"
	DeliverBoth    = "both"
)

// TeamDelivery is where a team's digests go.
type TeamDelivery struct {
	Name    string // "EMEA", for the parent post
	Mode    string // dm | channel | both
	Channel string // channel id, for channel and both
}

// setupPrefix marks a failure a person must fix (invite the bot); such digests are not retried
// every tick.
const setupPrefix = "setup: "

// setupError reports whether a Slack error means the channel itself is unusable.
func setupError(err error) bool {
	switch errCode(err) {
	case "not_in_channel", "channel_not_found", "is_archived":
		return true
	}
	return false
}

// teamOf returns the delivery of rep r's team and its manager, if configured.
func (s *Service) teamOf(r leadbot.Rep, byID map[int64]leadbot.Rep) (TeamDelivery, leadbot.Rep, bool) {
	if r.ManagerID == nil {
		return TeamDelivery{}, leadbot.Rep{}, false
	}
	m, ok := byID[*r.ManagerID]
	if !ok {
		return TeamDelivery{}, leadbot.Rep{}, false
	}
	td, ok := s.cfg.Teams[m.Email]
	if !ok || td.Mode == "" || td.Mode == DeliverDM {
		return TeamDelivery{}, leadbot.Rep{}, false
	}
	return td, m, true
}

// runTeam delivers one team's channel digest: a parent post, then a thread reply per rep with
// their leads and the same buttons. With mode both, each rep also gets their DM first, and the
// reply shows the same leads. Nothing is posted when no rep has leads.
func (s *Service) runTeam(ctx context.Context, td TeamDelivery, manager leadbot.Rep, reps []leadbot.Rep, force bool, count digest.Count) error {
	type reply struct {
		rep     leadbot.Rep
		slackID string
		d       store.Digest
	}
	var replies []reply
	var errs []error
	for _, r := range reps {
		var from *store.Digest
		if td.Mode == DeliverBoth {
			if err := s.digestFor(ctx, r, force, count); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", r.Email, err))
				continue
			}
			dm, err := s.st.DigestFor(ctx, r.ID, localDay(s.now(), s.location(r)), "rep")
			if err != nil || dm.Status != "sent" {
				continue // no DM today (no leads, paused, not due): no reply either
			}
			from = &dm
		}
		// Counting the channel copy again would double the stats of a "both" team.
		countChannel := count
		if from != nil {
			countChannel = func(func(*digest.Stats)) {}
		}
		slackID, d, ok, err := s.dueDigest(ctx, r, force, "channel", from, countChannel)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.Email, err))
			continue
		}
		if ok {
			replies = append(replies, reply{r, slackID, d})
		}
	}
	if len(replies) == 0 {
		return joinErrs(errs)
	}
	day := replies[0].d.Day
	post, err := s.st.ReserveTeamPost(ctx, manager.ID, day, td.Channel)
	if err != nil {
		return err
	}
	if post.Status != "sent" {
		name := orDefault(td.Name, "your")
		text := fmt.Sprintf("Today's top leads for the %s team", truncate(name, shortChars))
		if name == "your" {
			text = "Today's top leads for the team"
		}
		blocks := []slack.Block{
			header(text),
			slack.NewContextBlock("how", mrkdwn("One reply per rep below. Only a lead's owner or their manager can give feedback on it.")),
		}
		ch, ts, err := s.sl.Post(ctx, td.Channel, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
		if err != nil {
			if setupError(err) {
				s.channelBlocked(ctx, td, manager, replies[0].d.Day, errCode(err))
				_ = s.st.MarkTeamPost(ctx, post.ID, "", "failed", setupPrefix+errCode(err))
				for _, rp := range replies {
					_ = s.st.MarkDigestFailed(context.WithoutCancel(ctx), rp.d.ID, setupPrefix+errCode(err))
					count(func(st *digest.Stats) { st.Blocked++ })
				}
				return joinErrs(errs)
			}
			_ = s.st.MarkTeamPost(ctx, post.ID, "", "failed", err.Error())
			return err
		}
		post.Channel, post.MessageTS = ch, ts
		if err := s.st.MarkTeamPost(ctx, post.ID, ts, "sent", ""); err != nil {
			return err
		}
	}
	for _, rp := range replies {
		err := s.deliver(ctx, rp.d, count, func() (int, error) { return s.sendReply(ctx, rp.rep, rp.slackID, rp.d, post) })
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rp.rep.Email, err))
		}
	}
	return joinErrs(errs)
}

func joinErrs(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%d failed; first: %w", len(errs), errs[0])
}

// sendReply posts one rep's leads as a reply in the team thread.
func (s *Service) sendReply(ctx context.Context, r leadbot.Rep, slackID string, d store.Digest, post store.TeamPost) (int, error) {
	leads, err := s.st.DigestLeads(ctx, d.ID)
	if err != nil {
		return 0, err
	}
	cards, err := s.cards(ctx, r, leads, d.Day)
	if err == nil {
		cards, err = s.enrich(ctx, cards, d.Day)
	}
	if err != nil {
		return 0, err
	}
	ch, ts, err := s.sl.Post(ctx, post.Channel, slack.MsgOptionTS(post.MessageTS), slack.MsgOptionText(ReplyText(slackID, cards), false),
		slack.MsgOptionBlocks(ReplyBlocks(slackID, cards, s.now())...))
	if err != nil {
		return 0, err
	}
	if err := s.st.MarkDigestSent(context.WithoutCancel(ctx), d.ID, ch, ts); err != nil {
		return 0, fmt.Errorf("reply %d was posted (%s %s) but not recorded: %w", d.ID, ch, ts, err)
	}
	return len(cards), nil
}

// ReplyText is the notification text of a rep's thread reply (it mentions the rep).
func ReplyText(slackID string, cards []Card) string {
	return fmt.Sprintf("<@%s>, your top %d leads today", slackID, len(cards))
}

// ReplyBlocks renders a rep's leads in the team thread.
func ReplyBlocks(slackID string, cards []Card, now time.Time) []slack.Block {
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(ReplyText(slackID, cards)+":"), nil, nil, slack.SectionBlockOptionBlockID("reply_head"))}
	for i, c := range cards {
		if i > 0 {
			blocks = append(blocks, slack.NewDividerBlock())
		}
		blocks = append(blocks, CardBlocks(c, now)...)
	}
	return blocks
}

// channelBlocked tells the managers, once per channel and problem, what to fix.
func (s *Service) channelBlocked(ctx context.Context, td TeamDelivery, manager leadbot.Rep, day time.Time, code string) {
	first, err := s.st.NoticeOnce(ctx, "channel:"+td.Channel+":"+code)
	s.log.Warn("cannot post the team digest to its channel", "team", td.Name, "channel", td.Channel, "slack_error", code)
	if err != nil || !first {
		return
	}
	why := map[string]string{
		"not_in_channel":    "leadbot is not a member of it",
		"channel_not_found": "the channel does not exist or is private and leadbot is not in it",
		"is_archived":       "the channel is archived",
	}[code]
	text := fmt.Sprintf(":warning: I could not post the %s team's digest in <#%s>: %s. Invite me there with `/invite @leadbot` "+
		"(or change the team's channel in the leadbot configuration). The reps' digests are waiting and go out on the next run after that; everyone else was served as usual.",
		Escape(orDefault(td.Name, "")), td.Channel, why)
	text = strings.ReplaceAll(text, "the  team", "the team")
	id, err := s.slackUser(ctx, &manager)
	if err != nil || id == "" {
		return
	}
	if _, _, err := s.sl.Post(ctx, id, slack.MsgOptionText(text, false)); err != nil {
		s.log.Error("could not tell the manager about the channel", "manager", manager.Email, "err", err)
	}
}
