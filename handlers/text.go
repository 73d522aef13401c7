package handlers

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot/internal/slacklimit"
)

// Escape makes CRM text safe inside mrkdwn: Slack reads <…> as links and mentions (<!channel>
// would ping everyone) and & as the start of an entity, so those three become entities.
func Escape(s string) string {
	return mrkdwnEscaper.Replace(s)
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// truncate shortens s to at most n characters, whole grapheme clusters, with an ellipsis
// (slacklimit.Truncate). Cut CRM text before escaping it; text already escaped is cut with
// slacklimit.TruncateMrkdwn.
func truncate(s string, n int) string { return slacklimit.Truncate(s, n) }

// Budgets for one piece of CRM text in a line a rep reads: short enough that a section holding
// several of them stays far within Slack's 3,000 characters even after escaping.
const (
	nameChars   = 150 // a lead's name, a company
	labelChars  = 200 // a factor's words
	shortChars  = 100 // a source, a date the CRM wrote, a person's name
	reasonChars = 75  // a reason code's label
)

// crm escapes CRM text for mrkdwn within n characters, escapes included ("&" is "&amp;").
func crm(s string, n int) string { return slacklimit.TruncateMrkdwn(Escape(truncate(s, n)), n) }

// percent formats a probability as a whole percentage: 0.724 → "72%".
func percent(p float64) string { return strconv.Itoa(int(math.Round(p*100))) + "%" }

// age says how long ago t was, in the largest sensible unit.
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 48*time.Hour:
		if d < 24*time.Hour {
			return "today"
		}
		return "yesterday"
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	case d < 2*365*24*time.Hour:
		return fmt.Sprintf("%d months ago", int(d.Hours()/24/30))
	default:
		return fmt.Sprintf("%d years ago", int(d.Hours()/24/365))
	}
}

// date formats a date the way a rep reads it: "Mon 3 Mar".
func date(t time.Time) string { return t.Format("Mon 2 Jan") }

// mrkdwn is a mrkdwn text object within a section's 3,000 characters, sent verbatim: Slack
// then turns no bare URL, channel name or "@here" from the CRM into a link or a mention, while
// the <@U…>, <#C…> and <url|text> that leadbot writes itself still work.
func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, slacklimit.TruncateMrkdwn(s, slacklimit.SectionText), false, true)
}

// mrkdwnMax is mrkdwn within n characters (an option's description: 75).
func mrkdwnMax(s string, n int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, slacklimit.TruncateMrkdwn(s, n), false, true)
}

// plain is a plain text object within 75 characters, the limit of buttons and options.
func plain(s string) *slack.TextBlockObject { return plainMax(s, slacklimit.ButtonText) }

// plainMax is a plain text object within n characters (a header: 150, a modal title: 24).
func plainMax(s string, n int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, truncate(s, n), false, false)
}

func plainEmoji(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, truncate(s, slacklimit.ButtonText), true, false)
}

// header is a header block within Slack's 150 characters.
func header(s string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(plainMax(s, slacklimit.HeaderText))
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
