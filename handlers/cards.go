package handlers

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/internal/slacklimit"
)

// Action ids of the lead card.
const (
	ActionUp      = "feedback_up"
	ActionDown    = "feedback_down"
	ActionSnooze  = "snooze"
	ActionUndo    = "feedback_undo"
	ActionOpenCRM = "open_crm"
	// ActionUnsnooze undoes a snooze.
	ActionUnsnooze = "snooze_undo"
	// CallbackReason is the callback id of the 👎 reason modal.
	CallbackReason = "feedback_reason"
)

// Block and action ids inside the reason modal.
const (
	blockReason  = "reason_block"
	actionReason = "reason_code"
	blockNote    = "note_block"
	actionNote   = "note"
	blockScope   = "scope_block"
	actionScope  = "account_wide"
)

// MaxCardsPerMessage keeps a digest within Slack's 50 blocks: a header and an intro, then at
// most three blocks a lead and a divider between two (2 + 3n + n−1 ≤ 50).
const MaxCardsPerMessage = (slacklimit.MessageBlocks - 1) / 4

// Card is everything one lead card shows. Building it reads the database; rendering it does not.
type Card struct {
	Lead    leadbot.Lead
	Factors leadbot.Factors
	// Prev is the score the rep saw last time (for "what changed"), if any.
	Prev *leadbot.Score
	// Verdict is the viewer's active verdict on the lead, if any.
	Verdict     *leadbot.Feedback
	VerdictBy   string // who gave it, when not the viewer
	ReasonLabel string
	Snoozed     *time.Time
	Outcome     *leadbot.Outcome
	CRMURL      string
	// ReadOnly hides the feedback buttons (someone else's lead shown to a manager, a shared card).
	ReadOnly bool
	// Shared is a card posted for a channel to discuss: no buttons and no private notes.
	Shared bool
	// Said are the reasons teammates gave on the lead (Service.withSaid), worded in the
	// reason-code factors; without them those factors name the reason alone.
	Said []Said
	// Bands are the cut-offs of the lead owner's bands (Service.banded); nil reads the
	// probabilities alone (leadbot.BandRule.Floors).
	Bands *leadbot.Bands
	// List, on cards of a private list (/leads, /lead), is every lead id of the list, carried in
	// the buttons' values so that a click can redraw the whole list, not just one card.
	List []int64
}

// bands are the card's cut-offs: the owner's when known, else the probabilities' alone.
func (c Card) bands() leadbot.Bands {
	if c.Bands != nil {
		return *c.Bands
	}
	return leadbot.BandRule{}.Floors()
}

// link reports whether the card's "Open in CRM" button links to the CRM: a URL past Slack's
// 3,000 characters (a CRM id of any length goes into it) would have the whole message refused.
func (c Card) link() bool { return c.CRMURL != "" && len(c.CRMURL) <= slacklimit.URL }

// titleURL is the longest CRM URL the card's title links with: the title opens a section of
// 3,000 characters, and a longer link would leave the reasons after it no room, or be cut in
// half by the section's last-resort truncation.
const titleURL = 1000

// linkTitle reports whether the lead's name links to the CRM.
func (c Card) linkTitle() bool { return c.CRMURL != "" && len(c.CRMURL) <= titleURL }

// value is what the card's buttons carry: the lead id, then ";" and the list ids when in a list.
func (c Card) value(extra string) string {
	v := strconv.FormatInt(c.Lead.ID, 10) + extra
	if len(c.List) > 0 {
		ids := make([]string, len(c.List))
		for i, id := range c.List {
			ids[i] = strconv.FormatInt(id, 10)
		}
		v += ";" + strings.Join(ids, ",")
	}
	return v
}

// Changed describes what moved between the score the rep saw last and the current one: the change
// in probability and the factor whose contribution moved most.
func Changed(prev leadbot.Score, curP float64, cur leadbot.Factors) string {
	// The change of the percentages the rep reads, not of the raw scores: 69.5 % → 70.49 % is
	// "70% → 70%", which is no change, never "(+1 pts)".
	delta := int(math.Round(curP*100)) - int(math.Round(prev.Probability*100))
	if delta == 0 {
		return ""
	}
	pf := prev.Factors()
	before := map[string]leadbot.Factor{}
	for _, f := range pf.Factors {
		before[f.Column] = f
	}
	var best leadbot.Factor
	var bestMove float64
	for _, f := range readable(cur).Factors {
		if move := f.Value - before[f.Column].Value; math.Abs(move) > math.Abs(bestMove) {
			best, bestMove = f, move
		}
	}
	sign := "+"
	if delta < 0 {
		sign = "−"
	}
	pts := "pts"
	if abs(delta) == 1 {
		pts = "pt"
	}
	s := fmt.Sprintf("%s → %s (%s%d %s)", percent(prev.Probability), percent(curP), sign, abs(delta), pts)
	if bestMove != 0 && math.Abs(bestMove) >= 0.05 {
		was := before[best.Column]
		dir := moveDirection(was.Value, best.Value)
		wasValue, _, _ := factorValue(was)
		if nowValue, _, _ := factorValue(best); was.Label != "" && wasValue != nowValue && present(was) {
			s += fmt.Sprintf(": %s (was %s) %s", sentence(best, nil, time.Time{}), crm(wasValue, labelChars), dir)
		} else {
			s += fmt.Sprintf(": %s %s", sentence(best, nil, time.Time{}), dir)
		}
	}
	return s
}

// moveDirection words how a factor's contribution went from before to after, by its sign: a
// factor that still helps, only less, "helps less now", never "weighs against it".
func moveDirection(before, after float64) string {
	switch {
	case after > before && before >= 0:
		if before == 0 {
			return "now helps"
		}
		return "helps more now"
	case after > before && after <= 0:
		return "weighs less against it now"
	case after > before:
		return "now helps"
	case before > 0 && after >= 0:
		return "helps less now"
	case before < 0:
		return "weighs more against it now"
	default:
		return "now weighs against it"
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// CardBlocks renders one lead card: who, how likely and why, what changed, context, and either
// the feedback buttons or the recorded verdict with Undo.
func CardBlocks(c Card, now time.Time) []slack.Block {
	l := c.Lead
	id := strconv.FormatInt(l.ID, 10)
	title := crm(orDefault(l.Name, l.ExternalID), nameChars)
	if c.linkTitle() {
		title = fmt.Sprintf("<%s|%s>", c.CRMURL, title)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%s*", title)
	if l.Company != "" {
		fmt.Fprintf(&b, " · %s", crm(l.Company, nameChars))
	}
	if l.Score != nil {
		fmt.Fprintf(&b, "\n*%s* likely to convert · %s", percent(*l.Score), c.bands().Of(*l.Score))
		if c.Factors.Prior {
			b.WriteString(" _(" + earlyEstimate(c.Factors.Outcomes) + ")_")
		}
	} else {
		b.WriteString("\n_" + unscored(l) + "_")
	}
	ups, downs := readable(c.Factors).Top(3, 2)
	for _, f := range ups {
		fmt.Fprintf(&b, "\n:arrow_up: %s _(%s)_", sentence(f, c.Said, now), f.Strength())
	}
	for _, f := range downs {
		fmt.Fprintf(&b, "\n:arrow_down: %s _(%s)_", sentence(f, c.Said, now), f.Strength())
	}
	if c.Prev != nil && l.Score != nil {
		if ch := Changed(*c.Prev, *l.Score, c.Factors); ch != "" {
			fmt.Fprintf(&b, "\n:arrows_counterclockwise: Since you last saw it: %s", ch)
		}
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(b.String()), nil, nil,
			slack.SectionBlockOptionBlockID("lead_"+id)),
	}
	var ctx []slack.MixedElement
	if l.Source != "" && !repeats(l.Source, append(ups, downs...)) {
		ctx = append(ctx, mrkdwn("Source: "+crm(l.Source, shortChars)))
	}
	if l.CreatedAt != nil {
		ctx = append(ctx, mrkdwn("Created "+age(now, *l.CreatedAt)))
	}
	if la := lastActivity(l); la != "" {
		ctx = append(ctx, mrkdwn("Last activity: "+crm(la, shortChars)))
	}
	closed := c.closed(now)
	if closed != "" {
		// A lead the CRM closed takes no verdict, snooze or Undo: only what became of it.
		c.ReadOnly = true
		ctx = append(ctx, mrkdwn(closed))
	}
	if len(ctx) > 0 {
		blocks = append(blocks, slack.NewContextBlock("ctx_"+id, ctx...))
	}
	switch {
	case c.Verdict != nil:
		blocks = append(blocks, verdictBlock(c, id))
	case c.Snoozed != nil && closed == "":
		blocks = append(blocks, snoozedBlock(c, id))
	case !c.ReadOnly && !c.Shared:
		blocks = append(blocks, actionsBlock(c, id))
	}
	return blocks
}

// lastActivity finds a "last activity" attribute whatever the CRM called it.
func lastActivity(l leadbot.Lead) string {
	var attrs map[string]any
	if json.Unmarshal(l.Attributes, &attrs) != nil {
		return ""
	}
	for k, v := range attrs {
		n := strings.ToLower(strings.NewReplacer("_", " ", "-", " ").Replace(k))
		if strings.HasPrefix(n, "last activity") || n == "last activity date" {
			if s := strings.TrimSpace(fmt.Sprint(v)); s != "" && v != nil {
				return s
			}
		}
	}
	return ""
}

// earlyEstimate says how much the score of a model still learning rests on.
func earlyEstimate(outcomes int) string {
	switch outcomes {
	case 0:
		return "early estimate: no outcomes yet, rules and the team's feedback"
	case 1:
		return "early estimate: 1 outcome so far"
	}
	return fmt.Sprintf("early estimate: %d outcomes so far", outcomes)
}
