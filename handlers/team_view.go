package handlers

import (
	"context"
	"fmt"
	"strconv"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/report"
)

// A manager's own surfaces: Home is the team view, /leads the team's top leads by rep.

// isManager reports whether rep manages a team (or is flagged as a manager).
func (s *Service) isManager(ctx context.Context, rep leadbot.Rep) (bool, error) {
	managers, err := s.st.Managers(ctx)
	if err != nil {
		return false, err
	}
	for _, m := range managers {
		if m.ID == rep.ID {
			return true, nil
		}
	}
	return false, nil
}

// managerHomeView is a manager's Home: the team's week (figures, disagreements and who was
// right, model health, reps who stopped answering), always current; then the team's top leads
// hint, the manager's settings and the admin's model line.
func (s *Service) managerHomeView(ctx context.Context, m leadbot.Rep) (slack.HomeTabViewRequest, error) {
	r, err := report.Build(ctx, s.st, m.ID, s.now())
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	blocks := []slack.Block{slack.NewHeaderBlock(plain("Your team this week"))}
	blocks = append(blocks, teamSections(r)...)
	blocks = append(blocks, slack.NewContextBlock("team_hint", mrkdwn("`/leads` shows the team's top leads by rep; `/leadbot team` sends this report with the chart to your DM.")))
	blocks = append(blocks, slack.NewHeaderBlock(plain("Settings")))
	blocks = append(blocks, s.settingsBlocks(m)...)
	mc, merr := s.st.Champion(ctx)
	blocks = append(blocks, slack.NewDividerBlock(), slack.NewContextBlock("model_admin", mrkdwn(adminModelText(mc, merr))))
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}, nil
}

// TeamLeadsPerRep is how many of each rep's top leads a manager's /leads shows.
const TeamLeadsPerRep = 3

// ManagerLeads answers /leads for a manager with the team's top open leads by rep, each with a
// Show button that opens the lead (where the manager may judge it). It reports whether it
// answered: false for someone who manages nobody, whose /leads is the rep's own list.
//
// The /leads command (slash.go) calls it first: `if s.ManagerLeads(ctx, cmd, rep) { return }`.
func (s *Service) ManagerLeads(ctx context.Context, cmd slack.SlashCommand, m leadbot.Rep) bool {
	blocks, ok, err := s.TeamLeadsBlocks(ctx, m)
	switch {
	case err != nil:
		s.log.Error("team top leads", "manager", m.Email, "err", err)
		s.reply(ctx, cmd, ":warning: Sorry, leadbot could not read the team's leads (logged for the admin).")
		return true
	case !ok:
		return false
	}
	s.reply(ctx, cmd, teamLeadsTitle, blocks...)
	return true
}

const teamLeadsTitle = "Your team's top leads right now"

// TeamLeadsBlocks are a manager's /leads answer: each rep's top open leads; ok is false when m
// manages nobody.
func (s *Service) TeamLeadsBlocks(ctx context.Context, m leadbot.Rep) (blocks []slack.Block, ok bool, err error) {
	team, err := s.st.TeamOf(ctx, m.ID)
	if err != nil || len(team) == 0 {
		return nil, false, err
	}
	blocks = []slack.Block{slack.NewHeaderBlock(plain(teamLeadsTitle))}
	for _, rep := range append(team, m) { // the manager's own leads last, when they have any
		leads, err := s.st.TopLeads(ctx, rep.ID, localDay(s.now(), s.location(rep)), TeamLeadsPerRep)
		if err != nil {
			return nil, false, err
		}
		if rep.ID == m.ID && len(leads) == 0 {
			continue
		}
		blocks = append(blocks, teamLeadBlocks(rep, leads)...)
	}
	hint := slack.NewContextBlock("team_leads_hint", mrkdwn(fmt.Sprintf("The top %d open leads of each rep. *Show* opens a lead with its reasons and buttons.", TeamLeadsPerRep)))
	return append(blocks[:min(len(blocks), 49)], hint), true, nil
}

// teamLeadBlocks are one rep's part of a manager's /leads: their name, then one line and a Show
// button per lead.
func teamLeadBlocks(rep leadbot.Rep, leads []leadbot.Lead) []slack.Block {
	name := Escape(orDefault(rep.Name, rep.Email))
	if len(leads) == 0 {
		return []slack.Block{slack.NewSectionBlock(mrkdwn("*"+name+"*: no open leads right now."), nil, nil)}
	}
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn("*"+name+"*"), nil, nil, slack.SectionBlockOptionBlockID("team_rep_"+strconv.FormatInt(rep.ID, 10)))}
	for _, l := range leads {
		line := "• " + Escape(orDefault(l.Name, l.ExternalID))
		if l.Company != "" {
			line += " · " + Escape(l.Company)
		}
		if l.Score != nil {
			line += fmt.Sprintf(" · %s likely to convert", percent(*l.Score))
		}
		btn := slack.NewButtonBlockElement(ActionShowLead, strconv.FormatInt(l.ID, 10), plain("Show"))
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(line), nil, slack.NewAccessory(btn),
			slack.SectionBlockOptionBlockID("pick_"+strconv.FormatInt(l.ID, 10))))
	}
	return blocks
}
