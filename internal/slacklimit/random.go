package slacklimit

import (
	"math/rand/v2"
	"strings"
)

// Hostile pieces of text for property tests: what a CRM export can hold and a naive cut breaks.
var hostile = []string{
	"a", "Z", " ", "&", "<", ">", "*", "_", "~", "`", "\n", "é", "ß",
	"e\u0301", "a\u0308\u0323", // combining marks
	"👍", "👍🏽", "👩‍👩‍👧‍👦", "🧑🏿‍🚀", "🏳️‍🌈", "🇫🇷", "🇯🇵", // emoji, skin tones, ZWJ, flags
	"שלום", "مرحبا", "\u200f", "\u202e", // RTL and its marks
	"漢字", "한국어", "\u0000", "\ufeff", "\ufffd",
	"<!channel>", "<!here>", "@channel", "@here", "<@U123>", "https://evil.example.com/x?a=1&b=2",
	"&amp;", "&lt;", "\xff", // an entity spelled out, a byte that is not UTF-8
}

// Random returns a string of about n bytes of hostile pieces drawn with r: the random CRM text
// of leadbot's property tests.
func Random(r *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(hostile[r.IntN(len(hostile))])
	}
	return b.String()
}
