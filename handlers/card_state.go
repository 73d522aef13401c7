package handlers

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// The bottom of a lead card: its buttons, or the state that replaces them (a verdict with Undo,
// a snooze with Undo, what became of a closed lead).

// closed words what became of a lead the CRM closed ("" for an open lead): its outcome, or its
// status when the CRM closed it without one.
func (c Card) closed(now time.Time) string {
	if o := c.Outcome; o != nil {
		mark := ":checkered_flag:"
		if !o.Positive() {
			mark = ":no_entry_sign:"
		}
		return fmt.Sprintf("%s *%s* %s: a closed lead takes no feedback.", mark, crm(titleCase(o.Outcome), shortChars), age(now, o.OccurredAt))
	}
	if st := strings.TrimSpace(c.Lead.Status); st != "" && !strings.EqualFold(st, "open") {
		return fmt.Sprintf(":lock: Closed in the CRM (status *%s*): a closed lead takes no feedback.", crm(st, shortChars))
	}
	return ""
}

// titleCase capitalises the first letter of s ("won" → "Won", "été" → "Été").
func titleCase(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// snoozedBlock says until when the lead is snoozed, with Undo for the one who snoozed it.
func snoozedBlock(c Card, id string) slack.Block {
	text := ":zzz: Snoozed until " + date(*c.Snoozed) + ": it will not be in your digests until then."
	var undo *slack.Accessory
	if !c.ReadOnly && !c.Shared {
		undo = slack.NewAccessory(slack.NewButtonBlockElement(ActionUnsnooze, c.value(""), plain("Undo snooze")))
	}
	return slack.NewSectionBlock(mrkdwn(text), nil, undo, slack.SectionBlockOptionBlockID("snoozed_"+id))
}

func verdictBlock(c Card, id string) slack.Block {
	text := ":+1: recorded"
	if c.Verdict.Verdict < 0 {
		text = ":-1: " + crm(orDefault(c.ReasonLabel, humanize(c.Verdict.Reason())), reasonChars)
		if c.Verdict.AccountWide {
			text += " _(whole account)_"
		}
	}
	if c.VerdictBy != "" {
		text += " · by " + crm(c.VerdictBy, shortChars)
	}
	if c.Verdict.Note != "" && !c.Shared {
		text += "\n> " + crm(c.Verdict.Note, 300)
	}
	var undo *slack.Accessory
	if !c.ReadOnly && !c.Shared && c.VerdictBy == "" {
		undo = slack.NewAccessory(slack.NewButtonBlockElement(ActionUndo, c.value(""), plain("Undo")))
	}
	return slack.NewSectionBlock(mrkdwn(text), nil, undo,
		slack.SectionBlockOptionBlockID("verdict_"+id))
}

func actionsBlock(c Card, id string) slack.Block {
	up := slack.NewButtonBlockElement(ActionUp, c.value(""), plainEmoji(":+1: Good lead"))
	up.Style = slack.StylePrimary
	// "Not a good lead…" is what the button opens: the form asking why (not a snooze).
	down := slack.NewButtonBlockElement(ActionDown, c.value(""), plainEmoji(":-1: Not a good lead…"))
	// A labelled button, not an overflow ⋯: a button's value holds the list (2,000 characters)
	// where an option's holds 150.
	snooze := slack.NewButtonBlockElement(ActionSnooze, c.value(":7"), plainEmoji(":zzz: Snooze a week"))
	elems := []slack.BlockElement{up, down}
	if c.link() {
		open := slack.NewButtonBlockElement(ActionOpenCRM, id, plain("Open in CRM"))
		open.URL = c.CRMURL
		elems = append(elems, open)
	}
	elems = append(elems, snooze)
	return slack.NewActionBlock("actions_"+id, elems...)
}
