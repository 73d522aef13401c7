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
	"github.com/leadbot/leadbot/internal/slacklimit"
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
	lead, err := s.st.LeadByID(ctx, t.Lead)
	if errors.Is(err, store.ErrNotFound) {
		s.tell(ctx, userID, t, ":grey_question: This lead is no longer in leadbot (it was removed or merged in the CRM), so nothing was recorded. Your next digest has current leads.")
		return leadbot.Rep{}, leadbot.Lead{}, false
	}
	if err != nil {
		s.fail(ctx, userID, t, err)
		return leadbot.Rep{}, leadbot.Lead{}, false
	}
	rep, err := s.st.RepBySlackID(ctx, userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.fail(ctx, userID, t, err)
		return leadbot.Rep{}, leadbot.Lead{}, false
	}
	owner, oerr := s.ownerOf(ctx, lead)
	if oerr != nil {
		s.fail(ctx, userID, t, oerr)
		return leadbot.Rep{}, leadbot.Lead{}, false
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
	t, ok := targetOf(cb, value)
	if !ok {
		return leadbot.Rep{}, t, false
	}
	rep, _, ok := s.judge(ctx, cb.User.ID, t)
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
	_, created, err := s.st.RecordFeedbackBy(ctx, cb.User.ID, f)
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
	rep, t, ok := s.judgeClick(ctx, cb, a.Value)
	if !ok {
		return
	}
	id := t.Lead
	if _, err := s.st.UndoFeedback(ctx, rep.ID, id); err != nil {
		s.fail(ctx, cb.User.ID, t, err)
		return
	}
	s.refresh(ctx, cb.User.ID, t)
}

func (s *Service) onSnooze(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) {
	value := a.Value
	if value == "" { // the overflow menu of digests sent before the snooze was a button
		value = a.SelectedOption.Value
	}
	rep, t, ok := s.judgeClick(ctx, cb, value)
	if !ok {
		return
	}
	id := t.Lead
	_, days, _, _ := parseValue(value)
	if days <= 0 || days > 365 {
		days = 7
	}
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

// openViewFailed tells the rep why the reasons form did not open, as what it is: only an
// expired trigger or a slow or busy Slack is worth another click; a form Slack refuses (a
// leadbot bug) is refused again on every click, so saying "try again" would send them round.
func openViewFailed(err error) string {
	switch code := errCode(err); {
	case code == "expired_trigger_id" || code == "exchanged_trigger_id" || code == "invalid_trigger_id":
		return ":hourglass: Slack took too long to open the reasons form. Please click :-1: again."
	case transient(code):
		return ":hourglass: Slack did not open the reasons form (it was busy or could not be reached). Please click :-1: again in a moment."
	default:
		return fmt.Sprintf(":warning: Slack refused the reasons form for this lead (%s): that is a fault in leadbot, logged for the admin, "+
			"and clicking again will not help. Nothing was recorded.", Escape(code))
	}
}

// transient reports whether a Slack error code ("" for no answer at all: a timeout, a lost
// connection) may go away on its own; invalid_blocks, invalid_arguments and the like never do.
func transient(code string) bool {
	switch code {
	case "", "ratelimited", "rate_limited", "internal_error", "fatal_error", "request_timeout", "service_unavailable", "team_added_to_org":
		return true
	}
	return false
}

// redrawFailed tells the user their click was recorded although its message could not be
// redrawn (saying "nothing was recorded" there would be false), and whether that is Slack
// being busy or a message Slack refuses, which no retry fixes.
func (s *Service) redrawFailed(ctx context.Context, userID string, t clickTarget, err error) {
	code := errCode(err)
	s.log.Error("could not redraw after a click", "user", userID, "lead", t.Lead, "slack_error", code, "err", err)
	text := ":warning: Recorded, but the message could not be updated just now. `/lead` shows the lead as it now is."
	if !transient(code) {
		text = fmt.Sprintf(":warning: Recorded, but Slack refused the updated message (%s): that is a fault in leadbot, logged for the admin. "+
			"`/lead` shows the lead as it now is.", Escape(code))
	}
	s.tell(ctx, userID, t, text)
}

// ReasonModal is the 👎 form: a reason code (required), a note, and whether it applies to the
// whole account.
func ReasonModal(lead leadbot.Lead, codes []leadbot.ReasonCode, metadata string) slack.ModalViewRequest {
	var opts []*slack.OptionBlockObject
	var dq []*slack.OptionBlockObject
	for _, c := range codes {
		o := slack.NewOptionBlockObject(c.Code, plain(orDefault(c.Label, c.Code)), nil)
		if c.DataQuality {
			dq = append(dq, o)
		} else {
			opts = append(opts, o)
		}
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Pick a reason"), actionReason)
	opts, dq = opts[:min(len(opts), slacklimit.SelectOptions)], dq[:min(len(dq), slacklimit.SelectOptions)]
	switch {
	case len(dq) > 0 && len(opts) > 0:
		sel.OptionGroups = []*slack.OptionGroupBlockObject{
			slack.NewOptionGroupBlockElement(plain("About the lead"), opts...),
			slack.NewOptionGroupBlockElement(plain("About the data (not held against the lead)"), dq...),
		}
	case len(dq) > 0: // Slack refuses an option group without options
		sel.OptionGroups = []*slack.OptionGroupBlockObject{
			slack.NewOptionGroupBlockElement(plain("About the data (not held against the lead)"), dq...),
		}
	default:
		sel.Options = opts
	}
	// Slack marks the optional inputs "(optional)" itself: the placeholder need not say it.
	note := slack.NewPlainTextInputBlockElement(plain("What should the model know?"), actionNote)
	note.Multiline = true
	note.MaxLength = slacklimit.InputMaxLength
	noteBlock := slack.NewInputBlock(blockNote, plain("Note"), nil, note)
	noteBlock.Optional = true
	scope := slack.NewCheckboxGroupsBlockElement(actionScope,
		slack.NewOptionBlockObject("yes", mrkdwn("Applies to the whole account"), scopeDescription(lead)))
	scopeBlock := slack.NewInputBlock(blockScope, plain("Scope"), nil, scope)
	scopeBlock.Optional = true
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackReason,
		Title:           plainMax("Not a good lead?", slacklimit.ModalTitle),
		Submit:          plainMax("Record", slacklimit.ModalTitle),
		Close:           plainMax("Cancel", slacklimit.ModalTitle),
		PrivateMetadata: metadata,
		NotifyOnClose:   true,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(mrkdwn(fmt.Sprintf("Why is *%s*%s not a good lead right now?",
				crm(orDefault(lead.Name, lead.ExternalID), 200), companySuffix(lead))), nil, nil),
			reasonBlock(sel),
			noteBlock,
			scopeBlock,
		}},
	}
}

// reasonBlock is the reason picker, required, as Slack shows it: an input marked optional
// reads "Reason (optional)" and then refused an empty form, so the rep was told one thing and
// made to do another. Slack's client now stops an empty submission with its own "required"
// message; the hint says why, and validateReason still answers a submission that gets through.
func reasonBlock(sel *slack.SelectBlockElement) *slack.InputBlock {
	return slack.NewInputBlock(blockReason, plain("Reason"), plain("Pick one: the reason is what the model learns from."), sel)
}

func companySuffix(l leadbot.Lead) string {
	if l.Company == "" {
		return ""
	}
	return " (" + crm(l.Company, 200) + ")"
}

// scopeDescription is the account checkbox's description, within an option description's 75
// characters whatever the company is called: the company's name is what is cut.
func scopeDescription(l leadbot.Lead) *slack.TextBlockObject {
	const before, after = "Every lead at ", " gets this reason"
	company := crm(orDefault(l.Company, "this company"), slacklimit.OptionDesc-len(before)-len(after))
	return mrkdwnMax(before+company+after, slacklimit.OptionDesc)
}

// validateReason runs before the ack: the modal stays open with an error until a reason is picked.
// A submission without state (malformed, or not from Slack) is answered like an empty one,
// never dereferenced.
func validateReason(cb *slack.InteractionCallback) map[string]string {
	vals := stateValues(cb)
	v := vals[blockReason][actionReason]
	if v.SelectedOption.Value == "" {
		return map[string]string{blockReason: "Pick a reason: it is what the model learns from."}
	}
	if n := vals[blockNote][actionNote].Value; len([]rune(n)) > slacklimit.InputMaxLength {
		return map[string]string{blockNote: "Keep the note under 3,000 characters."}
	}
	return nil
}

func (s *Service) onReasonSubmit(ctx context.Context, cb *slack.InteractionCallback) {
	var t clickTarget
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &t); err != nil || t.Lead == 0 {
		s.log.Error("reason modal with unreadable metadata", "metadata", cb.View.PrivateMetadata, "err", err)
		return
	}
	rep, _, ok := s.judge(ctx, cb.User.ID, t)
	if !ok {
		return
	}
	vals := cb.View.State.Values
	code := vals[blockReason][actionReason].SelectedOption.Value
	if _, err := s.st.ReasonCode(ctx, code); err != nil {
		s.tell(ctx, cb.User.ID, t, fmt.Sprintf(":warning: The reason “%s” is no longer configured, so nothing was recorded. Click :-1: again to pick a current one.", crm(code, reasonChars)))
		return
	}
	accountWide := len(vals[blockScope][actionScope].SelectedOptions) > 0
	_, created, err := s.st.RecordFeedback(ctx, leadbot.NewFeedback{LeadID: t.Lead, RepID: rep.ID, Verdict: -1,
		ReasonCode: code, Note: strings.TrimSpace(vals[blockNote][actionNote].Value), AccountWide: accountWide,
		Channel: t.Channel, MessageTS: t.TS})
	if err != nil {
		s.fail(ctx, cb.User.ID, t, err)
		return
	}
	s.counted(created, -1)
	s.refresh(ctx, cb.User.ID, t)
}

// refresh redraws the message the click came from so that everyone who sees it sees the new
// state: a digest is rebuilt whole and updated in place; a private answer (a lookup) is replaced
// through its response_url.
func (s *Service) refresh(ctx context.Context, userID string, t clickTarget) {
	if t.Channel != "" && t.TS != "" {
		d, err := s.st.DigestByMessage(ctx, t.Channel, t.TS)
		if err == nil {
			// Behind the clicks already waiting: those on this digest are folded into this redraw.
			s.cfg.Redraws.Do(ctx, "digest:"+strconv.FormatInt(d.ID, 10), func(ctx context.Context) {
				if err := s.redrawDigest(ctx, d, t.ResponseURL); err != nil {
					s.redrawFailed(ctx, userID, t, err)
				}
			})
			return
		}
		if !errors.Is(err, store.ErrNotFound) {
			s.redrawFailed(ctx, userID, t, err)
			return
		}
	}
	if t.ResponseURL == "" {
		return
	}
	rep, err := s.st.RepBySlackID(ctx, userID)
	if err != nil {
		s.redrawFailed(ctx, userID, t, err)
		return
	}
	ids := t.List
	if len(ids) == 0 {
		ids = []int64{t.Lead}
	}
	leads, err := s.leadsByID(ctx, ids)
	if err != nil {
		s.redrawFailed(ctx, userID, t, err)
		return
	}
	blocks, text, err := s.listBlocks(ctx, rep, leads, "", len(t.List) > 0)
	if err != nil {
		s.redrawFailed(ctx, userID, t, err)
		return
	}
	if err := s.sl.Respond(ctx, t.ResponseURL, slack.MsgOptionText(text, false),
		slack.MsgOptionBlocks(blocks...), slack.MsgOptionReplaceOriginal(t.ResponseURL)); err != nil {
		s.log.Error("could not update the private answer", "user", userID, "err", err)
	}
}

// redrawDigest rebuilds a digest message from the database and replaces it: through the
// click's response_url when there is one (see Sender.Replace: a burst of clicks would exhaust
// chat.update's workspace-wide limit), else, or when Slack refuses the URL, with chat.update.
func (s *Service) redrawDigest(ctx context.Context, d store.Digest, responseURL string) error {
	rep, err := s.st.RepByID(ctx, d.RepID)
	if err != nil {
		return err
	}
	leads, err := s.st.DigestLeads(ctx, d.ID)
	if err != nil {
		return err
	}
	cards, err := s.cards(ctx, rep, leads, d.Day)
	if err != nil {
		return err
	}
	if cards, err = s.enrich(ctx, cards, localDay(s.now(), s.location(rep))); err != nil {
		return err
	}
	// The greeting stays the one the digest went out with, in the rep's time zone: a click at
	// 9 PM does not turn "Good morning" into "Good evening".
	sent := s.now()
	if d.SentAt != nil {
		sent = *d.SentAt
	}
	text, blocks := slack.MsgOptionText(DigestText(cards), false),
		slack.MsgOptionBlocks(DigestBlocks(rep.Name, cards, sent.In(s.location(rep)))...)
	if responseURL != "" {
		err := s.sl.Replace(ctx, responseURL, text, blocks)
		if err == nil || ctx.Err() != nil {
			return err
		}
		s.log.Info("response_url refused the redraw; using chat.update", "digest", d.ID, "err", err)
	}
	return s.sl.Update(ctx, d.Channel, d.MessageTS, text, blocks)
}

// counted tells the metrics about a newly recorded verdict.
func (s *Service) counted(created bool, verdict int) {
	if created && s.cfg.Metrics != nil {
		s.cfg.Metrics.Feedback(verdict)
	}
}
