package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/report"
	"github.com/leadbot/leadbot/store"
)

// HelpText lists every command.
const HelpText = `*leadbot* sends you your best leads every work day, with the reasons behind each score. Your :+1: / :-1: teaches the model.

*Commands* (only you see the answers)
• ` + "`/leads [N]`" + ` – your top leads right now
• ` + "`/lead <name | email | company | id>`" + ` – one lead: score, reasons, feedback history, outcome
• ` + "`/leadbot stats`" + ` – your feedback and how often you and the model agreed
• ` + "`/leadbot settings`" + ` – delivery hour, leads per day, pause
• ` + "`/leadbot pause [until YYYY-MM-DD]`" + ` – no digests until then (two weeks if no date)
• ` + "`/leadbot resume`" + ` – digests again from the next work day
• ` + "`/leadbot team`" + ` – for managers: your team's feedback, conflicts with the model, and who was right
• ` + "`/leadbot value`" + ` – for managers: what sending the list changed (the randomized holdout) and the shared numbers
• ` + "`/leadbot help`" + ` – this help`

func (s *Service) onLeadbot(ctx context.Context, cmd slack.SlashCommand) {
	sub, rest, _ := strings.Cut(strings.TrimSpace(cmd.Text), " ")
	sub = strings.ToLower(sub)
	if cmd.Command != CommandLeadbot || sub == "" || sub == "help" {
		s.reply(ctx, cmd, HelpText, slack.NewSectionBlock(mrkdwn(HelpText), nil, nil))
		return
	}
	rep, ok := s.whoIs(ctx, cmd)
	if !ok {
		return
	}
	switch sub {
	case "stats":
		s.replyStats(ctx, cmd, rep)
	case "settings":
		s.reply(ctx, cmd, "Your settings", s.settingsBlocks(rep)...)
	case "pause":
		s.pause(ctx, cmd, rep, strings.TrimSpace(rest))
	case "resume":
		st := store.RepSettings{DeliveryHour: rep.DeliveryHour, LeadsPerDay: rep.LeadsPerDay}
		if err := s.st.UpdateRepSettings(ctx, rep.ID, st); err != nil {
			s.log.Error("resume", "rep", rep.Email, "err", err)
			s.reply(ctx, cmd, ":warning: Sorry, that did not work (logged for the admin).")
			return
		}
		s.reply(ctx, cmd, fmt.Sprintf(":arrow_forward: Digests are back on: the next one comes on your next work day at %02d:00.", s.hourOf(rep)))
		s.refreshHome(ctx, rep.ID)
	case "team":
		s.onTeam(ctx, cmd, rep)
	case "value":
		s.onValue(ctx, cmd, rep)
	default:
		msg := fmt.Sprintf("I don't know `/leadbot %s`.\n\n%s", Escape(sub), HelpText)
		s.reply(ctx, cmd, msg, slack.NewSectionBlock(mrkdwn(msg), nil, nil))
	}
}

func (s *Service) pause(ctx context.Context, cmd slack.SlashCommand, rep leadbot.Rep, arg string) {
	today := localDay(s.now(), s.location(rep))
	until := today.AddDate(0, 0, 14)
	if arg != "" {
		arg = strings.TrimSpace(strings.TrimPrefix(arg, "until"))
		d, err := time.Parse("2006-01-02", arg)
		if err != nil || !d.After(today) {
			s.reply(ctx, cmd, fmt.Sprintf("`/leadbot pause until %s`: give a future date as YYYY-MM-DD, e.g. `/leadbot pause until %s`.",
				Escape(arg), today.AddDate(0, 0, 7).Format("2006-01-02")))
			return
		}
		until = d
	}
	st := store.RepSettings{DeliveryHour: rep.DeliveryHour, LeadsPerDay: rep.LeadsPerDay, PausedUntil: &until}
	if err := s.st.UpdateRepSettings(ctx, rep.ID, st); err != nil {
		s.log.Error("pause", "rep", rep.Email, "err", err)
		s.reply(ctx, cmd, ":warning: Sorry, that did not work (logged for the admin).")
		return
	}
	s.reply(ctx, cmd, fmt.Sprintf(":double_vertical_bar: Paused: no digests until %s (inclusive). `/leadbot resume` turns them back on earlier.", date(until)))
	s.refreshHome(ctx, rep.ID)
}

func (s *Service) replyStats(ctx context.Context, cmd slack.SlashCommand, rep leadbot.Rep) {
	text, err := s.statsText(ctx, rep)
	if err != nil {
		s.log.Error("stats", "rep", rep.Email, "err", err)
		s.reply(ctx, cmd, ":warning: Sorry, leadbot could not compute your stats (logged for the admin).")
		return
	}
	s.reply(ctx, cmd, text, slack.NewSectionBlock(mrkdwn(text), nil, nil))
}

// statsText is a rep's last week in words, over the window of the manager's report, so that a
// rep and their manager read the same figures.
func (s *Service) statsText(ctx context.Context, rep leadbot.Rep) (string, error) {
	now := s.now()
	st, err := s.st.StatsFor(ctx, rep.ID, now.Add(-report.Window), now)
	if err != nil {
		return "", err
	}
	return StatsText(st), nil
}

// StatsText words a rep's tally of the last 7 days.
func StatsText(st store.RepStats) string {
	text := "*Your last 7 days*\n" + TallyText(st)
	if st.Judged == 0 {
		return text + "\nA :+1: or :-1: on a lead takes one click and teaches the model what the data can't show."
	}
	if a := agreementText(st, "You"); a != "" {
		text += "\n" + a
	}
	return text + fmt.Sprintf(" %d of your reasons will be features of the next model.", st.Reasons)
}

// Settings modal ids.
const (
	ActionEditSettings = "settings_edit"
	CallbackSettings   = "settings"
	blockHour          = "hour_block"
	actionHour         = "delivery_hour"
	blockCount         = "count_block"
	actionCount        = "leads_per_day"
	blockPause         = "pause_block"
	actionPause        = "paused_until"
)

// settingsText says the rep's settings; those the rep never set follow the configured defaults and say so.
func (s *Service) settingsText(rep leadbot.Rep) string {
	hour, n := fmt.Sprintf("*%02d:00*", s.hourOf(rep)), fmt.Sprintf("*%d* leads a day", s.leadsPerDayOf(rep))
	if rep.DeliveryHour == nil {
		hour += " (the default)"
	}
	if rep.LeadsPerDay == nil {
		n += " (the default)"
	}
	t := fmt.Sprintf("*Your settings*\nDigest at %s, %s time, on work days · %s", hour, orDefault(rep.Timezone, "default"), n)
	if rep.PausedUntil != nil {
		t += fmt.Sprintf("\n:double_vertical_bar: Paused until %s", date(*rep.PausedUntil))
	}
	return t
}

func (s *Service) settingsBlocks(rep leadbot.Rep) []slack.Block {
	btn := slack.NewButtonBlockElement(ActionEditSettings, strconv.FormatInt(rep.ID, 10), plain("Change settings"))
	return []slack.Block{slack.NewSectionBlock(mrkdwn(s.settingsText(rep)), nil, slack.NewAccessory(btn), slack.SectionBlockOptionBlockID("settings"))}
}

// SettingsModal edits delivery hour, leads per day and pause, starting from the rep's current
// hour and count (theirs, or the defaults they follow).
func SettingsModal(rep leadbot.Rep, hourNow, leadsNow int) slack.ModalViewRequest {
	var hours []*slack.OptionBlockObject
	for h := range 24 { // all of them: an imported or default hour may be any
		hours = append(hours, slack.NewOptionBlockObject(strconv.Itoa(h), plain(fmt.Sprintf("%02d:00", h)), nil))
	}
	hour := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Hour"), actionHour, hours...)
	hour.InitialOption = slack.NewOptionBlockObject(strconv.Itoa(hourNow), plain(fmt.Sprintf("%02d:00", hourNow)), nil)
	var counts []*slack.OptionBlockObject
	for n := 1; n <= MaxCardsPerMessage; n++ {
		counts = append(counts, slack.NewOptionBlockObject(strconv.Itoa(n), plain(strconv.Itoa(n)), nil))
	}
	count := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Leads"), actionCount, counts...)
	lpd := min(leadsNow, MaxCardsPerMessage)
	count.InitialOption = slack.NewOptionBlockObject(strconv.Itoa(lpd), plain(strconv.Itoa(lpd)), nil)
	pause := slack.NewDatePickerBlockElement(actionPause)
	if rep.PausedUntil != nil {
		pause.InitialDate = rep.PausedUntil.Format("2006-01-02")
	}
	pauseBlock := slack.NewInputBlock(blockPause, plain("Pause digests until"), plain("Leave empty for no pause"), pause)
	pauseBlock.Optional = true
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackSettings, Title: plain("Your leadbot settings"),
		Submit: plain("Save"), Close: plain("Cancel"), PrivateMetadata: strconv.FormatInt(rep.ID, 10),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock(blockHour, plain("Digest time (your timezone)"), nil, hour),
			slack.NewInputBlock(blockCount, plain("Leads per digest"), nil, count),
			pauseBlock,
		}},
	}
}

func (s *Service) onEditSettings(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) {
	rep, err := s.st.RepBySlackID(ctx, cb.User.ID)
	if err != nil {
		s.tell(ctx, cb.User.ID, targetAt(cb, 0), "I don't know you yet: ask your leadbot admin to import you as a rep.")
		return
	}
	if err := s.sl.OpenView(ctx, cb.TriggerID, SettingsModal(rep, s.hourOf(rep), s.leadsPerDayOf(rep))); err != nil {
		s.log.Error("open settings", "rep", rep.Email, "err", err)
	}
}

func validateSettings(cb *slack.InteractionCallback) map[string]string {
	v := cb.View.State.Values
	errs := map[string]string{}
	if h, err := strconv.Atoi(v[blockHour][actionHour].SelectedOption.Value); err != nil || h < 0 || h > 23 {
		errs[blockHour] = "Pick an hour."
	}
	if n, err := strconv.Atoi(v[blockCount][actionCount].SelectedOption.Value); err != nil || n < 1 || n > MaxCardsPerMessage {
		errs[blockCount] = fmt.Sprintf("Pick 1 to %d leads.", MaxCardsPerMessage)
	}
	if d := v[blockPause][actionPause].SelectedDate; d != "" {
		if _, err := time.Parse("2006-01-02", d); err != nil {
			errs[blockPause] = "Pick a date."
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func (s *Service) onSettingsSubmit(ctx context.Context, cb *slack.InteractionCallback) {
	rep, err := s.st.RepBySlackID(ctx, cb.User.ID)
	if err != nil {
		s.log.Warn("settings from an unknown user", "user", cb.User.ID)
		return
	}
	v := cb.View.State.Values
	h, _ := strconv.Atoi(v[blockHour][actionHour].SelectedOption.Value)
	n, _ := strconv.Atoi(v[blockCount][actionCount].SelectedOption.Value)
	st := store.RepSettings{DeliveryHour: &h, LeadsPerDay: &n}
	if d := v[blockPause][actionPause].SelectedDate; d != "" {
		t, _ := time.Parse("2006-01-02", d)
		if t.After(localDay(s.now(), s.location(rep)).AddDate(0, 0, -1)) {
			st.PausedUntil = &t
		}
	}
	if err := s.st.UpdateRepSettings(ctx, rep.ID, st); err != nil {
		s.log.Error("save settings", "rep", rep.Email, "err", err)
		return
	}
	s.refreshHome(ctx, rep.ID)
}
