// Package slacklimit holds, in one place, the Slack limits leadbot's messages and views must
// keep (Block Kit reference pages, docs/slack-protocol.md §4.3), and the truncation that keeps
// CRM text within them: by grapheme cluster, so that an emoji with a skin tone or a ZWJ
// sequence, a letter with its combining marks or a flag is never cut in half, with an ellipsis
// that says something was cut.
//
// Lengths are counted in UTF-16 code units (Len), which is never less than the number of runes:
// whichever of the two Slack counts, a text within a limit by Len is within it by either.
package slacklimit

import (
	"strings"
	"unicode/utf16"

	"github.com/rivo/uniseg"
)

// Slack's limits, in characters (Len) or items.
const (
	SectionText     = 3000   // a section block's text
	FieldText       = 2000   // one of a section's fields
	HeaderText      = 150    // a header block's plain text
	ButtonText      = 75     // a button's plain text
	ButtonValue     = 2000   // a button's value
	URL             = 3000   // a button's url
	OptionText      = 75     // an option's text (select, overflow, checkbox, radio)
	OptionDesc      = 75     // an option's description
	OptionValue     = 150    // an option's value
	Placeholder     = 150    // an element's placeholder
	Label           = 2000   // an input block's label or hint
	ContextElements = 10     // elements of a context block
	ActionElements  = 25     // elements of an actions block
	SelectOptions   = 100    // options of a static select
	OverflowOptions = 5      // options of an overflow menu
	ChoiceOptions   = 10     // options of checkboxes and radio buttons
	ModalTitle      = 24     // a modal's title, submit and close texts
	PrivateMetadata = 3000   // a view's private_metadata
	MessageBlocks   = 50     // blocks in a message
	ViewBlocks      = 100    // blocks in a modal or the Home tab
	MessageText     = 40_000 // a message's text (the notification); Slack truncates past it
	ID              = 255    // a block_id, action_id or callback_id
	InputMaxLength  = 3000   // the largest max_length of a plain_text_input
)

// Ellipsis ends every truncated text.
const Ellipsis = "…"

// Len is the length of s as limits are counted here: UTF-16 code units (a rune outside the
// Basic Multilingual Plane, like most emoji, counts 2).
func Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// fits reports whether Len(s) ≤ n, reading no further than it must: every rune takes at least
// one byte and at most two UTF-16 units, so len(s) ≤ n is enough, and a 100 KB name is not
// counted to its end.
func fits(s string, n int) bool {
	if len(s) <= n {
		return true
	}
	used := 0
	for _, r := range s {
		if used += utf16.RuneLen(r); used > n {
			return false
		}
	}
	return true
}

// Truncate returns s when it fits in n characters (Len), else its longest prefix of whole
// grapheme clusters that fits in n with Ellipsis after it. n below 1 gives "".
func Truncate(s string, n int) string {
	if fits(s, n) {
		return s
	}
	if n < 1 {
		return ""
	}
	return cut(s, n-Len(Ellipsis), nil) + Ellipsis
}

// cut returns the longest prefix of whole grapheme clusters of s within budget; atom, when
// not nil, says how long an indivisible unit starts at s[i:] (an entity of mrkdwn).
func cut(s string, budget int, atom func(string) int) string {
	used, end := 0, 0
	state := -1
	for rest := s; rest != ""; {
		var g string
		if k := atomLen(atom, rest); k > 0 {
			g, rest = rest[:k], rest[k:]
			state = -1
		} else {
			g, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		}
		if used += Len(g); used > budget {
			break
		}
		end += len(g)
	}
	return strings.TrimRightFunc(s[:end], isSpace)
}

func atomLen(atom func(string) int, s string) int {
	if atom == nil {
		return 0
	}
	return atom(s)
}

func isSpace(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }

// entities are the escapes of mrkdwn (handlers.Escape): a cut must never split one.
var entities = []string{"&amp;", "&lt;", "&gt;"}

func entityLen(s string) int {
	if s[0] != '&' {
		return 0
	}
	for _, e := range entities {
		if strings.HasPrefix(s, e) {
			return len(e)
		}
	}
	return 0
}

// TruncateMrkdwn is Truncate for text already escaped for mrkdwn: it never cuts inside an
// entity (&amp; &lt; &gt;), which would leave a stray "&am" for the rep to read.
func TruncateMrkdwn(s string, n int) string {
	if fits(s, n) {
		return s
	}
	if n < 1 {
		return ""
	}
	return cut(s, n-Len(Ellipsis), entityLen) + Ellipsis
}
