package handlers

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
)

// TestCRMURLIsInert: a CRM id goes into the link path-escaped, so an id such as
// "a>b|<!channel>" cannot close the <url|title> link and ping a channel.
func TestCRMURLIsInert(t *testing.T) {
	s := New(nil, nil, Config{CRMURLTemplate: "https://crm.example.com/lead/{id}"}, nil, nil)
	for _, id := range []string{"a>b|<!channel>", "x y", "00Q5e00001"} {
		u := s.crmURL(leadbot.Lead{ExternalID: id})
		if strings.ContainsAny(u, "<>| ") {
			t.Errorf("id %q made link %q", id, u)
		}
		blocks := CardBlocks(Card{Lead: leadbot.Lead{ID: 1, ExternalID: id, Name: "Jane"}, CRMURL: u}, time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
		var text strings.Builder
		enc := json.NewEncoder(&text)
		enc.SetEscapeHTML(false) // Slack reads the characters, not their JSON escapes
		if err := enc.Encode(blocks); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text.String(), "<!channel>") {
			t.Errorf("id %q reached the card as a mention: %s", id, text.String())
		}
	}
}
