package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/store"
)

// Slash commands, all answered privately.
const (
	CommandLeads   = "/leads"
	CommandLead    = "/lead"
	CommandLeadbot = "/leadbot"
	// ActionShowLead opens one lead from a pick list.
	ActionShowLead = "lead_show"
)

// reply answers a slash command privately through its response_url.
func (s *Service) reply(ctx context.Context, cmd slack.SlashCommand, text string, blocks ...slack.Block) {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	if err := s.sl.Respond(ctx, cmd.ResponseURL, opts...); err != nil {
		s.log.Error("could not answer a slash command", "command", cmd.Command, "user", cmd.UserID, "err", err)
	}
}

// whoIs returns the rep behind a Slack user, or answers that leadbot does not know them.
func (s *Service) whoIs(ctx context.Context, cmd slack.SlashCommand) (leadbot.Rep, bool) {
	rep, err := s.st.RepBySlackID(ctx, cmd.UserID)
	if errors.Is(err, store.ErrNotFound) {
		s.reply(ctx, cmd, "I don't know you yet: leadbot knows sales reps from the CRM's rep list. "+
			"Ask your leadbot admin to import you (`leadbot import reps`) with the email of your Slack account.")
		return rep, false
	}
	if err != nil {
		s.log.Error("look up rep", "user", cmd.UserID, "err", err)
		s.reply(ctx, cmd, ":warning: Sorry, leadbot could not look you up (a problem on our side, logged for the admin).")
		return rep, false
	}
	return rep, true
}

// search finds leads matching q and, among them, those viewer may see. found is only used to
// tell "no such lead" from "not yours"; nothing of it is shown.
func (s *Service) search(ctx context.Context, viewer leadbot.Rep, q string) (found, visible []leadbot.Lead, err error) {
	if found, err = s.st.SearchLeads(ctx, q, 50); err != nil {
		return nil, nil, err
	}
	for _, l := range found {
		see, _, err := s.access(ctx, viewer, l)
		if err != nil {
			return nil, nil, err
		}
		if see {
			visible = append(visible, l)
		}
	}
	return found, visible, nil
}

func (s *Service) leadsByID(ctx context.Context, ids []int64) ([]leadbot.Lead, error) {
	var out []leadbot.Lead
	for _, id := range ids {
		l, err := s.st.LeadByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// listBlocks renders leads as cards for viewer; inList carries the list in the buttons so that
// a click redraws the whole list.
func (s *Service) listBlocks(ctx context.Context, viewer leadbot.Rep, leads []leadbot.Lead, title string, inList bool) ([]slack.Block, string, error) {
	day := localDay(s.now(), s.location(viewer))
	cards, err := s.cards(ctx, viewer, leads, day)
	if err == nil {
		cards, err = s.enrich(ctx, cards, day)
	}
	if err != nil {
		return nil, "", err
	}
	var ids []int64
	for _, l := range leads {
		ids = append(ids, l.ID)
	}
	var blocks []slack.Block
	if title != "" {
		blocks = append(blocks, header(title))
	}
	for i, c := range cards {
		if inList {
			c.List = ids
		}
		_, judge, err := s.access(ctx, viewer, c.Lead)
		if err != nil {
			return nil, "", err
		}
		c.ReadOnly = !judge
		if i > 0 {
			blocks = append(blocks, slack.NewDividerBlock())
		}
		blocks = append(blocks, CardBlocks(c, s.now())...)
	}
	text := fmt.Sprintf("%d leads", len(cards))
	if len(cards) == 1 {
		text = "Lead " + crm(orDefault(cards[0].Lead.Name, cards[0].Lead.ExternalID), shortChars)
	}
	return blocks, text, nil
}

func (s *Service) onLeads(ctx context.Context, cmd slack.SlashCommand) {
	rep, ok := s.whoIs(ctx, cmd)
	if !ok {
		return
	}
	if s.ManagerLeads(ctx, cmd, rep) { // a manager's /leads is the team's top leads by rep
		return
	}
	n := s.leadsPerDayOf(rep)
	if arg := strings.TrimSpace(cmd.Text); arg != "" {
		v, err := strconv.Atoi(arg)
		if err != nil || v < 1 {
			s.reply(ctx, cmd, fmt.Sprintf("`/leads %s`: give a number of leads, e.g. `/leads 10` (at most %d), or nothing for your usual %d.", Escape(arg), MaxCardsPerMessage, s.leadsPerDayOf(rep)))
			return
		}
		n = v
	}
	n = min(n, MaxCardsPerMessage)
	leads, err := s.st.TopLeads(ctx, rep.ID, localDay(s.now(), s.location(rep)), n)
	if err != nil {
		s.log.Error("top leads", "rep", rep.Email, "err", err)
		s.reply(ctx, cmd, ":warning: Sorry, leadbot could not read your leads (logged for the admin).")
		return
	}
	if len(leads) == 0 {
		s.reply(ctx, cmd, "You have no open leads right now. New leads arrive with the next CRM import; snoozed leads come back on their date.")
		return
	}
	blocks, _, err := s.listBlocks(ctx, rep, leads, fmt.Sprintf("Your top %d leads right now", len(leads)), true)
	if err != nil {
		s.log.Error("render leads", "rep", rep.Email, "err", err)
		return
	}
	s.reply(ctx, cmd, fmt.Sprintf("Your top %d leads right now", len(leads)), blocks...)
}

func (s *Service) onLead(ctx context.Context, cmd slack.SlashCommand) {
	rep, ok := s.whoIs(ctx, cmd)
	if !ok {
		return
	}
	q := strings.TrimSpace(cmd.Text)
	if q == "" {
		s.reply(ctx, cmd, "Look a lead up by name, email, company or CRM id: `/lead jane@acme.com`, `/lead acme`, `/lead 00Q5e00001`.")
		return
	}
	found, visible, err := s.search(ctx, rep, q)
	if err != nil {
		s.log.Error("search leads", "q", q, "err", err)
		s.reply(ctx, cmd, ":warning: Sorry, the search failed (logged for the admin).")
		return
	}
	switch {
	case len(found) == 0:
		s.reply(ctx, cmd, fmt.Sprintf("No lead matches “%s”. Try part of the name or the company (`/lead acme`), a full email, or the CRM id.", Escape(q)))
	case len(visible) == 0:
		s.reply(ctx, cmd, fmt.Sprintf(":lock: Leads matching “%s” belong to other teams, so I can't show them. Ask their owner or your manager.", Escape(q)))
	case len(visible) == 1:
		blocks, err := s.leadDetail(ctx, rep, visible[0])
		if err != nil {
			s.log.Error("lead detail", "lead", visible[0].ID, "err", err)
			return
		}
		s.reply(ctx, cmd, "Lead "+crm(orDefault(visible[0].Name, visible[0].ExternalID), shortChars), blocks...)
	default:
		s.reply(ctx, cmd, fmt.Sprintf("%d leads match “%s”", len(visible), crm(q, shortChars)), pickList(q, visible)...)
	}
}

// pickList shows several matches, one line and a Show button each.
func pickList(q string, leads []leadbot.Lead) []slack.Block {
	const most = 10
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(fmt.Sprintf("%d leads match “%s”:", len(leads), crm(q, labelChars))), nil, nil)}
	for _, l := range leads[:min(most, len(leads))] {
		line := "*" + crm(orDefault(l.Name, l.ExternalID), nameChars) + "*"
		if l.Company != "" {
			line += " · " + crm(l.Company, nameChars)
		}
		if l.Score != nil {
			line += " · " + percent(*l.Score)
		} else {
			line += " · _" + unscored(l) + "_"
		}
		btn := slack.NewButtonBlockElement(ActionShowLead, strconv.FormatInt(l.ID, 10), plain("Show"))
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(line), nil, slack.NewAccessory(btn),
			slack.SectionBlockOptionBlockID("pick_"+strconv.FormatInt(l.ID, 10))))
	}
	if len(leads) > most {
		blocks = append(blocks, slack.NewContextBlock("more", mrkdwn(fmt.Sprintf("…and %d more: add words to narrow the search.", len(leads)-most))))
	}
	return blocks
}

// unscored says why a lead has no score: only open leads are scored, and a new one waits for
// the next scoring run.
func unscored(l leadbot.Lead) string {
	if st := strings.TrimSpace(l.Status); st != "" && !strings.EqualFold(st, "open") {
		return "no score: closed (" + crm(st, shortChars) + "), and only open leads are scored"
	}
	return "no score yet: it arrived after the last scoring run"
}

func (s *Service) onShowLead(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) {
	rep, l, t, ok := s.visibleLead(ctx, cb, a.Value)
	if !ok {
		return
	}
	blocks, err := s.leadDetail(ctx, rep, l)
	if err != nil {
		s.fail(ctx, cb.User.ID, t, err)
		return
	}
	if err := s.sl.Respond(ctx, cb.ResponseURL, slack.MsgOptionText("Lead "+crm(orDefault(l.Name, l.ExternalID), shortChars), false),
		slack.MsgOptionBlocks(blocks...), slack.MsgOptionReplaceOriginal(cb.ResponseURL)); err != nil {
		s.log.Error("show lead", "err", err)
	}
}

// leadDetail is the /lead answer: the card (with what changed since the previous score), the
// feedback history and the outcome.
func (s *Service) leadDetail(ctx context.Context, viewer leadbot.Rep, l leadbot.Lead) ([]slack.Block, error) {
	blocks, _, err := s.listBlocks(ctx, viewer, []leadbot.Lead{l}, "", false)
	if err != nil {
		return nil, err
	}
	// A held-out lead looked up by name is shown (the rep asked for it), and the contact is kept
	// for the holdout's report; a no-op for every other lead.
	if err := s.st.RecordLookup(ctx, l.ID, &viewer.ID); err != nil {
		s.log.Warn("record holdout lookup", "lead", l.ID, "err", err)
	}
	if scores, err := s.st.LatestScores(ctx, l.ID, 2); err == nil && len(scores) == 2 && l.Score != nil {
		if ch := Changed(scores[1], *l.Score, scores[0].Factors()); ch != "" {
			blocks = append(blocks, slack.NewContextBlock("changed", mrkdwn(":arrows_counterclockwise: Since the previous score: "+ch)))
		}
	}
	history, err := s.st.FeedbackOnLead(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	_, judge, err := s.access(ctx, viewer, l)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, f := range history[:min(8, len(history))] {
		who := "someone"
		if r, err := s.st.RepByID(ctx, f.RepID); err == nil {
			who = crm(orDefault(r.Name, r.Email), shortChars)
		}
		v := ":+1:"
		if f.Verdict < 0 {
			v = ":-1:"
			if rc := f.Reason(); rc != "" {
				if c, err := s.st.ReasonCode(ctx, rc); err == nil && c.Label != "" {
					rc = c.Label
				} else {
					rc = humanize(rc) // a code no longer configured: its words, not the code
				}
				v += " " + crm(rc, reasonChars)
			}
		}
		line := fmt.Sprintf("%s %s by %s", date(f.CreatedAt), v, who)
		if f.UndoneAt != nil {
			line = "~" + line + "~ (undone)"
		}
		if f.Note != "" && f.UndoneAt == nil && (f.RepID == viewer.ID || judge) {
			line += ": _" + crm(f.Note, 200) + "_"
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		lines = []string{"No feedback yet."}
	}
	blocks = append(blocks, slack.NewDividerBlock(),
		slack.NewSectionBlock(mrkdwn("*Feedback history*\n"+strings.Join(lines, "\n")), nil, nil, slack.SectionBlockOptionBlockID("history")),
		shareBlock(l.ID))
	return blocks, nil
}
