package handlers

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/store"
)

// ActionShare posts a lead card from a private /lead answer to the channel for discussion.
const ActionShare = "lead_share"

// shareBlock is the "Share in channel" button under a private lead card.
func shareBlock(leadID int64) slack.Block {
	id := strconv.FormatInt(leadID, 10)
	return slack.NewActionBlock("share_"+id, slack.NewButtonBlockElement(ActionShare, id, plain("Share in channel")))
}

// sharedCard renders a lead for everyone in a channel: score and reasons, no buttons, no notes.
func (s *Service) sharedCard(ctx context.Context, viewer leadbot.Rep, l leadbot.Lead) ([]slack.Block, error) {
	day := localDay(s.now(), s.location(viewer))
	cards, err := s.cards(ctx, viewer, []leadbot.Lead{l}, day)
	if err == nil {
		cards, err = s.enrich(ctx, cards, day)
	}
	if err != nil {
		return nil, err
	}
	cards[0].Shared = true
	return CardBlocks(cards[0], s.now()), nil
}

// visibleLead resolves a button's lead for the clicking user, who must be a rep allowed to see
// it; otherwise it tells them why privately and returns ok false.
func (s *Service) visibleLead(ctx context.Context, cb *slack.InteractionCallback, value string) (leadbot.Rep, leadbot.Lead, clickTarget, bool) {
	t, ok := targetOf(cb, value)
	if !ok {
		return leadbot.Rep{}, leadbot.Lead{}, t, false
	}
	rep, err := s.st.RepBySlackID(ctx, cb.User.ID)
	if errors.Is(err, store.ErrNotFound) {
		s.tell(ctx, cb.User.ID, t, "I don't know you yet: ask your leadbot admin to import you as a rep.")
		return rep, leadbot.Lead{}, t, false
	}
	if err != nil {
		s.fail(ctx, cb.User.ID, t, err)
		return rep, leadbot.Lead{}, t, false
	}
	l, err := s.st.LeadByID(ctx, t.Lead)
	if errors.Is(err, store.ErrNotFound) {
		s.tell(ctx, cb.User.ID, t, "That lead is no longer in leadbot.")
		return rep, l, t, false
	}
	see := false
	if err == nil {
		see, _, err = s.access(ctx, rep, l)
	}
	if err != nil {
		s.fail(ctx, cb.User.ID, t, err)
		return rep, l, t, false
	}
	if !see {
		s.tell(ctx, cb.User.ID, t, ":lock: That lead belongs to another team.")
		return rep, l, t, false
	}
	return rep, l, t, true
}

func (s *Service) onShare(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) {
	rep, l, t, ok := s.visibleLead(ctx, cb, a.Value)
	if !ok {
		return
	}
	blocks, err := s.sharedCard(ctx, rep, l)
	if err != nil {
		s.fail(ctx, cb.User.ID, t, err)
		return
	}
	intro := fmt.Sprintf("<@%s> shared a lead:", cb.User.ID)
	blocks = append([]slack.Block{slack.NewContextBlock("shared_by", mrkdwn(intro))}, blocks...)
	if _, _, err := s.sl.Post(ctx, t.Channel, slack.MsgOptionText(intro+" "+crm(orDefault(l.Name, l.ExternalID), shortChars), false),
		slack.MsgOptionBlocks(blocks...)); err != nil {
		if setupError(err) {
			s.tell(ctx, cb.User.ID, t, "I can't post in this conversation: invite me with `/invite @leadbot`, then share again.")
			return
		}
		s.fail(ctx, cb.User.ID, t, err)
	}
}

var mentionRE = regexp.MustCompile(`<@[A-Z0-9]+(\|[^>]*)?>`)

// onMention answers "@leadbot <name | email | company>" in a thread with the lead card, under the
// rules of /lead: what the asker may not see is not posted. "@leadbot help" answers with help.
func (s *Service) onMention(ctx context.Context, ev slackevents.EventsAPIEvent) {
	e, ok := ev.InnerEvent.Data.(*slackevents.AppMentionEvent)
	if !ok {
		return
	}
	// Slack retries an event it thinks we missed; answer each mention once.
	if first, err := s.st.NoticeOnce(ctx, "mention:"+e.Channel+":"+e.TimeStamp); err != nil || !first {
		return
	}
	thread := e.ThreadTimeStamp
	if thread == "" {
		thread = e.TimeStamp
	}
	say := func(text string, blocks ...slack.Block) {
		opts := []slack.MsgOption{slack.MsgOptionTS(thread), slack.MsgOptionText(text, false)}
		if len(blocks) > 0 {
			opts = append(opts, slack.MsgOptionBlocks(blocks...))
		}
		if _, _, err := s.sl.Post(ctx, e.Channel, opts...); err != nil {
			s.log.Error("could not answer a mention", "channel", e.Channel, "err", err)
		}
	}
	q := strings.TrimSpace(mentionRE.ReplaceAllString(e.Text, " "))
	if q == "" || strings.EqualFold(q, "help") {
		say(mentionHelp, slack.NewSectionBlock(mrkdwn(mentionHelp), nil, nil))
		return
	}
	rep, err := s.st.RepBySlackID(ctx, e.User)
	if errors.Is(err, store.ErrNotFound) {
		say("I don't know you yet: leadbot knows sales reps from the CRM's rep list, so I can't look leads up for you.")
		return
	}
	if err != nil {
		s.log.Error("mention: look up rep", "err", err)
		return
	}
	found, visible, err := s.search(ctx, rep, q)
	if err != nil {
		s.log.Error("mention: search", "err", err)
		return
	}
	switch {
	case len(found) == 0:
		say(fmt.Sprintf("No lead matches “%s”. Try part of the name, the company, an email or the CRM id.", crm(q, labelChars)))
	case len(visible) == 0:
		say(fmt.Sprintf(":lock: <@%s>, leads matching “%s” are not yours to share here.", e.User, crm(q, labelChars)))
	case len(visible) == 1:
		blocks, err := s.sharedCard(ctx, rep, visible[0])
		if err != nil {
			s.log.Error("mention: card", "err", err)
			return
		}
		say("Lead "+crm(orDefault(visible[0].Name, visible[0].ExternalID), shortChars), blocks...)
	default:
		text, block := MentionList(q, visible)
		say(text, block)
	}
}

// MentionList answers a mention that matched several leads: a short notification text, and a
// section naming the first ten, each name and company cut so that the list fits Slack.
func MentionList(q string, leads []leadbot.Lead) (string, slack.Block) {
	var lines []string
	for _, l := range leads[:min(10, len(leads))] {
		line := "• *" + crm(orDefault(l.Name, l.ExternalID), nameChars) + "*"
		if l.Company != "" {
			line += " (" + crm(l.Company, nameChars) + ")"
		}
		lines = append(lines, line)
	}
	text := fmt.Sprintf("%d of your leads match “%s”", len(leads), crm(q, shortChars))
	body := fmt.Sprintf("%d of your leads match “%s”; mention me with more of the name to see one:\n%s", len(leads), crm(q, labelChars), strings.Join(lines, "\n"))
	return text, slack.NewSectionBlock(mrkdwn(body), nil, nil)
}

const mentionHelp = "Mention me with a lead's name, company, email or CRM id (`@leadbot acme`) and I'll answer in a thread with its score and reasons. " +
	"Only leads you may see are shown. `/lead` does the same privately, and `/leadbot help` lists everything else."
