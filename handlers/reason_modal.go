package handlers

import (
	"fmt"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/internal/slacklimit"
)

// The 👎 reason form: its blocks within Slack's limits, its validation before the ack, and what
// the rep is told when Slack does not open it.

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
