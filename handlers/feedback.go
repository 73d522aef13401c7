package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/store"
)

// clickTarget is where a click came from and which lead it is about.
type clickTarget struct {
	Lead        int64  `json:"lead"`
	Channel     string `json:"ch"`
	TS          string `json:"ts"`
	ResponseURL string `json:"ru,omitempty"`
	// List is the private list the card was in (see Card.List).
	List []int64 `json:"l,omitempty"`
}

// parseValue reads a button value: "<lead>[:<days>][;<id>,<id>…]".
func parseValue(v string) (lead int64, days int, list []int64, ok bool) {
	head, tail, _ := strings.Cut(v, ";")
	idPart, dayPart, _ := strings.Cut(head, ":")
	lead, err := strconv.ParseInt(idPart, 10, 64)
	if err != nil || lead <= 0 {
		return 0, 0, nil, false
	}
	days, _ = strconv.Atoi(dayPart)
	for _, f := range strings.Split(tail, ",") {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil && id > 0 {
			list = append(list, id)
		}
	}
	return lead, days, list, true
}

func targetOf(cb *slack.InteractionCallback, value string) (clickTarget, bool) {
	lead, _, list, ok := parseValue(value)
	if !ok {
		return clickTarget{}, false
	}
	t := targetAt(cb, lead)
	t.List = list
	return t, true
}

func targetAt(cb *slack.InteractionCallback, leadID int64) clickTarget {
	ch := cb.Container.ChannelID
	if ch == "" {
		ch = cb.Channel.ID
	}
	ts := cb.Container.MessageTs
	if ts == "" {
		ts = cb.Message.Timestamp
	}
	return clickTarget{Lead: leadID, Channel: ch, TS: ts, ResponseURL: cb.ResponseURL}
}

// judge checks that the clicking Slack user may give feedback on the lead (leadbot.CanJudge).
// When they may not, or the lead is gone, it tells them privately and returns ok false; nothing
// is recorded. A failed lookup is reported as one, never as a refusal.
func (s *Service) judge(ctx context.Context, userID string, t clickTarget) (leadbot.Rep, leadbot.Lead, bool) {
	return s.judgeFor(ctx, userID, t, nil)
}

// judgeFor is judge for a click that, should the database not answer, is kept in the spool as
// fallback (nil: the rep is told it failed) and written when the database is back.
func (s *Service) judgeFor(ctx context.Context, userID string, t clickTarget, fallback *store.SpooledClick) (leadbot.Rep, leadbot.Lead, bool) {
	failed := func(err error) (leadbot.Rep, leadbot.Lead, bool) {
		if fallback != nil {
			s.spoolOutage(ctx, userID, t, *fallback, err)
		} else {
			s.fail(ctx, userID, t, err)
		}
		return leadbot.Rep{}, leadbot.Lead{}, false
	}
	lead, err := s.st.LeadByID(ctx, t.Lead)
	if errors.Is(err, store.ErrNotFound) {
		s.tell(ctx, userID, t, ":grey_question: This lead is no longer in leadbot (it was removed or merged in the CRM), so nothing was recorded. Your next digest has current leads.")
		return leadbot.Rep{}, leadbot.Lead{}, false
	}
	if err != nil {
		return failed(err)
	}
	rep, err := s.st.RepBySlackID(ctx, userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return failed(err)
	}
	owner, oerr := s.ownerOf(ctx, lead)
	if oerr != nil {
		return failed(oerr)
	}
	if err == nil && leadbot.CanJudge(rep, lead, owner) {
		return rep, lead, true
	}
	whose := "nobody yet (it is unassigned in the CRM)"
	if owner != nil {
		whose = crm(owner.DisplayName(), shortChars)
		if id := owner.SlackID(); id != "" {
			whose = "<@" + id + ">"
		}
	}
	s.tell(ctx, userID, t, fmt.Sprintf(":lock: This lead belongs to %s. Only they or their manager can give feedback on it, so nothing was recorded.", whose))
	return leadbot.Rep{}, leadbot.Lead{}, false
}

// judgeClick reads a feedback button's value and checks the clicker may judge the lead.
func (s *Service) judgeClick(ctx context.Context, cb *slack.InteractionCallback, value string) (leadbot.Rep, clickTarget, bool) {
	return s.judgeClickFor(ctx, cb, value, nil)
}

// judgeClickFor is judgeClick with a fallback for the spool: fallback builds the click to keep
// from its target when the database does not answer (nil: none).
func (s *Service) judgeClickFor(ctx context.Context, cb *slack.InteractionCallback, value string,
	fallback func(clickTarget) store.SpooledClick) (leadbot.Rep, clickTarget, bool) {
	t, ok := targetOf(cb, value)
	if !ok {
		return leadbot.Rep{}, t, false
	}
	var fb *store.SpooledClick
	if fallback != nil {
		c := fallback(t)
		fb = &c
	}
	rep, _, ok := s.judgeFor(ctx, cb.User.ID, t, fb)
	return rep, t, ok
}

// tell answers the user privately where they clicked.
func (s *Service) tell(ctx context.Context, userID string, t clickTarget, text string) {
	var err error
	switch {
	case t.Channel != "":
		err = s.sl.Ephemeral(ctx, t.Channel, userID, slack.MsgOptionText(text, false))
	case t.ResponseURL != "":
		err = s.sl.Respond(ctx, t.ResponseURL, slack.MsgOptionText(text, false), slack.MsgOptionReplaceOriginal(t.ResponseURL))
	default:
		var ch string
		if ch, err = s.sl.DM(ctx, userID); err == nil {
			_, _, err = s.sl.Post(ctx, ch, slack.MsgOptionText(text, false))
		}
	}
	if err != nil {
		s.log.Error("could not answer the user", "user", userID, "err", err)
	}
}

// fail logs an error with its cause and tells the user what it means for them: the error's
// message for people (leadbot.ErrorMessage), which says whether to try again.
func (s *Service) fail(ctx context.Context, userID string, t clickTarget, err error) {
	s.log.Error("handler failed", "user", userID, "lead", t.Lead, "code", leadbot.ErrorCode(err), "err", err)
	s.tell(ctx, userID, t, ":warning: "+leadbot.ErrorMessage(err)+" Nothing was recorded.")
}

func (s *Service) onUp(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) {
	t, ok := targetOf(cb, a.Value)
	if !ok {
		return
	}
	f := leadbot.NewFeedback{LeadID: t.Lead, Verdict: 1, Channel: t.Channel, MessageTS: t.TS}
	// The common click (the owner or their manager, a first verdict) in one statement; anything
	// else takes the lookups that tell the user why nothing was recorded.
	var created bool
	click := store.SpooledClick{Key: spoolKey(cb, "up", t), Kind: "verdict_by", SlackID: cb.User.ID, Feedback: f}
	queued, err := s.spooled(ctx, cb.User.ID, t, click, func(ctx context.Context) (err error) {
		_, created, err = s.st.RecordFeedbackBy(ctx, cb.User.ID, f)
		return err
	})
	if queued {
		return // "saving…": the message shows it once the database is back
	}
	if err == nil && !created {
		rep, _, ok := s.judge(ctx, cb.User.ID, t)
		if !ok {
			return
		}
		f.RepID = rep.ID
		_, created, err = s.st.RecordFeedback(ctx, f)
	}
	if err != nil {
		s.fail(ctx, cb.User.ID, t, err)
		return
	}
	s.counted(created, 1)
	s.refresh(ctx, cb.User.ID, t)
}

func (s *Service) onUndo(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) {
	rep, t, ok := s.judgeClickFor(ctx, cb, a.Value, func(t clickTarget) store.SpooledClick {
		return store.SpooledClick{Key: spoolKey(cb, "undo", t), Kind: "undo_by", SlackID: cb.User.ID, LeadID: t.Lead}
	})
	if !ok {
		return
	}
	id := t.Lead
	if _, err := s.st.UndoFeedback(ctx, rep.ID, id); err != nil {
		s.fail(ctx, cb.User.ID, t, err)
		return
	}
	// An undone reason no longer moves its account: the scores it moved move back now.
	moved := s.rescoreAfterReason(ctx, id, s.companyOf(ctx, id))
	s.refresh(ctx, cb.User.ID, t)
	s.tellMoved(ctx, cb.User.ID, t, moved)
}

func (s *Service) onSnooze(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) {
	value := a.Value
	if value == "" { // the overflow menu of digests sent before the snooze was a button
		value = a.SelectedOption.Value
	}
	_, days, _, _ := parseValue(value)
	if days <= 0 || days > 365 {
		days = 7
	}
	rep, t, ok := s.judgeClickFor(ctx, cb, value, func(t clickTarget) store.SpooledClick {
		return store.SpooledClick{Key: spoolKey(cb, "snooze", t), Kind: "snooze_by", SlackID: cb.User.ID, LeadID: t.Lead, Until: s.snoozeUntil(days)}
	})
	if !ok {
		return
	}
	id := t.Lead
	until := localDay(s.now(), s.location(rep)).AddDate(0, 0, days)
	if err := s.st.Snooze(ctx, rep.ID, id, until); err != nil {
		s.fail(ctx, cb.User.ID, t, err)
		return
	}
	s.refresh(ctx, cb.User.ID, t)
}

// onUnsnooze ends the rep's snooze of a lead: it ends yesterday, so the lead is back in their
// lists and digests today.
func (s *Service) onUnsnooze(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) {
	rep, t, ok := s.judgeClick(ctx, cb, a.Value)
	if !ok {
		return
	}
	ended := localDay(s.now(), s.location(rep)).AddDate(0, 0, -1)
	if err := s.st.Snooze(ctx, rep.ID, t.Lead, ended); err != nil {
		s.fail(ctx, cb.User.ID, t, err)
		return
	}
	s.refresh(ctx, cb.User.ID, t)
}

// onDown opens the reason modal. It must call views.open within the trigger's three seconds, so
// it does only the access check and one read before.
func (s *Service) onDown(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) {
	t, ok := targetOf(cb, a.Value)
	if !ok {
		return
	}
	id := t.Lead
	_, lead, ok := s.judge(ctx, cb.User.ID, t)
	if !ok {
		return
	}
	codes, err := s.st.ReasonCodes(ctx)
	if err != nil {
		s.fail(ctx, cb.User.ID, t, err)
		return
	}
	meta, _ := json.Marshal(t) // the list fits: at most MaxCardsPerMessage ids, far below 3,000 chars
	if err := s.sl.OpenView(ctx, cb.TriggerID, ReasonModal(lead, codes, string(meta))); err != nil {
		s.log.Error("could not open the reason modal", "user", cb.User.ID, "lead", id, "slack_error", errCode(err), "err", err)
		s.tell(ctx, cb.User.ID, t, openViewFailed(err))
	}
}

func (s *Service) onReasonSubmit(ctx context.Context, cb *slack.InteractionCallback) {
	var t clickTarget
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &t); err != nil || t.Lead == 0 {
		s.log.Error("reason modal with unreadable metadata", "metadata", cb.View.PrivateMetadata, "err", err)
		return
	}
	vals := cb.View.State.Values
	code := vals[blockReason][actionReason].SelectedOption.Value
	accountWide := len(vals[blockScope][actionScope].SelectedOptions) > 0
	note := strings.TrimSpace(vals[blockNote][actionNote].Value)
	fallback := store.SpooledClick{Key: cb.User.ID + "/reason/" + cb.View.ID + "/" + cb.View.Hash, Kind: "verdict_by", SlackID: cb.User.ID,
		Feedback: leadbot.NewFeedback{LeadID: t.Lead, Verdict: -1, ReasonCode: code, Note: note, AccountWide: accountWide}}
	rep, _, ok := s.judgeFor(ctx, cb.User.ID, t, &fallback)
	if !ok {
		return
	}
	if _, err := s.st.ReasonCode(ctx, code); err != nil {
		s.tell(ctx, cb.User.ID, t, fmt.Sprintf(":warning: The reason “%s” is no longer configured, so nothing was recorded. Click :-1: again to pick a current one.", crm(code, reasonChars)))
		return
	}
	_, created, err := s.st.RecordFeedback(ctx, leadbot.NewFeedback{LeadID: t.Lead, RepID: rep.ID, Verdict: -1,
		ReasonCode: code, Note: note, AccountWide: accountWide, Channel: t.Channel, MessageTS: t.TS})
	if err != nil {
		s.fail(ctx, cb.User.ID, t, err)
		return
	}
	s.counted(created, -1)
	moved := s.rescoreAfterReason(ctx, t.Lead, s.companyOf(ctx, t.Lead))
	s.refresh(ctx, cb.User.ID, t)
	s.tellMoved(ctx, cb.User.ID, t, moved)
}

// companyOf is the lead's company, for the words of what a reason moved ("" when unknown).
func (s *Service) companyOf(ctx context.Context, leadID int64) string {
	l, err := s.st.LeadByID(ctx, leadID)
	if err != nil {
		return ""
	}
	return l.Company
}

// counted tells the metrics about a newly recorded verdict.
func (s *Service) counted(created bool, verdict int) {
	if created && s.cfg.Metrics != nil {
		s.cfg.Metrics.Feedback(verdict)
	}
}
