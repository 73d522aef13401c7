package handlers

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

func (s *Service) onHomeOpened(ctx context.Context, ev slackevents.EventsAPIEvent) {
	e, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || e.Tab != "home" {
		return
	}
	if err := s.publishHome(ctx, e.User); err != nil {
		s.log.Error("publish App Home", "user", e.User, "err", err)
	}
}

// refreshHome republishes a rep's Home tab after a change (settings, pause); failures are logged.
func (s *Service) refreshHome(ctx context.Context, repID int64) {
	rep, err := s.st.RepByID(ctx, repID)
	if err != nil || rep.SlackID() == "" {
		return
	}
	if err := s.publishHome(ctx, rep.SlackID()); err != nil {
		s.log.Warn("refresh App Home", "rep", rep.Email, "err", err)
	}
}

func (s *Service) publishHome(ctx context.Context, userID string) error {
	view, err := s.homeView(ctx, userID)
	if err != nil {
		return err
	}
	return s.sl.PublishHome(ctx, userID, view)
}

// homeView builds the Home tab: my top leads, my settings, my feedback and how it was used, the
// current model.
func (s *Service) homeView(ctx context.Context, userID string) (slack.HomeTabViewRequest, error) {
	rep, err := s.st.RepBySlackID(ctx, userID)
	if err != nil {
		return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewHeaderBlock(plain("Welcome to leadbot")),
			slack.NewSectionBlock(mrkdwn("leadbot doesn't know you yet: it knows sales reps from the CRM's rep list. "+
				"Ask your leadbot admin to import you (`leadbot import reps`) with the email of this Slack account."), nil, nil),
			slack.NewSectionBlock(mrkdwn(HelpText), nil, nil),
		}}}, nil
	}
	if ok, err := s.isManager(ctx, rep); err != nil {
		return slack.HomeTabViewRequest{}, err
	} else if ok {
		return s.managerHomeView(ctx, rep)
	}
	blocks := []slack.Block{slack.NewHeaderBlock(plain("Your leads"))}
	leads, err := s.st.TopLeads(ctx, rep.ID, localDay(s.now(), s.location(rep)), 5)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	if len(leads) == 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn("No open leads right now."), nil, nil))
	} else {
		day := localDay(s.now(), s.location(rep))
		cards, err := s.cards(ctx, rep, leads, day)
		if err != nil {
			return slack.HomeTabViewRequest{}, err
		}
		if cards, err = s.enrich(ctx, cards, day); err != nil {
			return slack.HomeTabViewRequest{}, err
		}
		for i, c := range cards {
			c.ReadOnly = true // feedback happens in the digest, where the message updates in place
			if i > 0 {
				blocks = append(blocks, slack.NewDividerBlock())
			}
			blocks = append(blocks, CardBlocks(c, s.now())...)
		}
		blocks = append(blocks, slack.NewContextBlock("leads_hint", mrkdwn("`/leads` shows them with the feedback buttons.")))
	}
	blocks = append(blocks, slack.NewHeaderBlock(plain("Settings")))
	blocks = append(blocks, s.settingsBlocks(rep)...)
	stats, err := s.statsText(ctx, rep)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	blocks = append(blocks, slack.NewHeaderBlock(plain("Your feedback")), slack.NewSectionBlock(mrkdwn(stats), nil, nil))
	mb, err := s.modelBlocks(ctx)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	blocks = append(blocks, mb...)
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}, nil
}

// modelBlocks are Home's model section: its health in plain words, the same as in the manager
// digest, then the admin's line.
func (s *Service) modelBlocks(ctx context.Context) ([]slack.Block, error) {
	h, err := s.health(ctx)
	if err != nil {
		return nil, err
	}
	m, merr := s.st.Champion(ctx)
	return []slack.Block{slack.NewHeaderBlock(plain("The model")), slack.NewSectionBlock(mrkdwn(HealthText(h)), nil, nil),
		slack.NewContextBlock("model_admin", mrkdwn(adminModelText(m, merr)))}, nil
}
