package handlers

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// The rep's daily digest as a message: its blocks and its notification text.

// DigestBlocks renders a rep's daily digest. now is read in its own location for the greeting:
// pass it in the rep's time zone (the time the digest went out, for a redraw).
func DigestBlocks(repName string, cards []Card, now time.Time) []slack.Block {
	blocks := []slack.Block{
		header(fmt.Sprintf("Your top %d leads today", len(cards))),
		slack.NewContextBlock("intro", mrkdwn(greet(repName, now)+"."+hotTotal(cards)+" Tell me if I got one wrong: your :+1: / :-1: teaches the model.")),
	}
	for i, c := range cards {
		if i > 0 {
			blocks = append(blocks, slack.NewDividerBlock())
		}
		blocks = append(blocks, CardBlocks(c, now)...)
	}
	return blocks
}

// hotTotal says how many hot leads the rep has in all, when the cards know (Card.Bands).
func hotTotal(cards []Card) string {
	for _, c := range cards {
		if c.Bands != nil && c.Bands.HotLeads >= 0 {
			switch n := c.Bands.HotLeads; n {
			case 0:
				return " None of your open leads is hot right now."
			case 1:
				return " You have *1* hot lead in all."
			default:
				return fmt.Sprintf(" You have *%d* hot leads in all.", n)
			}
		}
	}
	return ""
}

// DigestText is the notification text of a digest (what shows in a push or a screen reader).
func DigestText(cards []Card) string {
	names := make([]string, 0, 3)
	for _, c := range cards[:min(3, len(cards))] {
		names = append(names, crm(orDefault(c.Lead.Name, c.Lead.ExternalID), shortChars))
	}
	return fmt.Sprintf("Your top %d leads today: %s", len(cards), strings.Join(names, ", "))
}
