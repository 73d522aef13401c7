package slacklimit

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rivo/uniseg"
)

func TestTruncate(t *testing.T) {
	cases := []struct {
		name, in string
		n        int
		want     string
	}{
		{"fits", "Acme", 4, "Acme"},
		{"ascii", "Acme Corp", 5, "Acme…"},
		{"a space before the cut goes", "Acme Corp", 6, "Acme…"},
		{"a family emoji is kept whole or dropped", "ab👩‍👩‍👧‍👦", 12, "ab…"},
		{"a family emoji that fits", "ab👩‍👩‍👧‍👦cd", 14, "ab👩‍👩‍👧‍👦…"},
		{"a skin tone stays on its hand", "👍🏽👍🏽", 5, "👍🏽…"},
		{"combining marks stay on their letter", "e\u0301e\u0301e\u0301", 4, "e\u0301…"},
		{"a flag is two runes and one grapheme", "🇫🇷🇯🇵", 6, "🇫🇷…"},
		{"RTL", "שלום עולם", 5, "שלום…"},
		{"emoji count two", "😀😀😀", 5, "😀😀…"},
		{"only room for the ellipsis", "abc", 1, "…"},
		{"zero", "abc", 0, ""},
		{"empty", "", 5, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Truncate(tc.in, tc.n); got != tc.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
		})
	}
}

func TestTruncateMrkdwn(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"A &amp; B", 9, "A &amp; B"},
		{"A &amp; B", 8, "A &amp;…"},
		{"A &amp; B", 6, "A…"}, // not "A &am…"
		{"&lt;!channel&gt;", 5, "&lt;…"},
		{"&lt;!channel&gt;", 4, "…"},
		{"R&D", 2, "R…"}, // a bare & is a character like any other
	}
	for _, tc := range cases {
		if got := TruncateMrkdwn(tc.in, tc.n); got != tc.want {
			t.Errorf("TruncateMrkdwn(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// TestTruncateProperties: over random hostile text up to 100 KB, a truncated text is within its
// limit, is the original when that fits, and is otherwise whole grapheme clusters of the
// original followed by the ellipsis, with no entity split.
func TestTruncateProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 4))
	limits := []int{1, 2, 3, 24, 75, 150, 3000}
	for i := range 400 {
		size := r.IntN(200)
		if i%50 == 0 {
			size = 100_000
		}
		s := Random(r, size)
		for _, n := range limits {
			for name, f := range map[string]func(string, int) string{"Truncate": Truncate, "TruncateMrkdwn": TruncateMrkdwn} {
				got := f(s, n)
				if Len(got) > n {
					t.Fatalf("%s(%q, %d): %d characters", name, s, n, Len(got))
				}
				if Len(s) <= n {
					if got != s {
						t.Fatalf("%s(%q, %d) = %q, changed a text that fits", name, s, n, got)
					}
					continue
				}
				head, ok := strings.CutSuffix(got, Ellipsis)
				if !ok || !strings.HasPrefix(s, head) {
					t.Fatalf("%s(%q, %d) = %q: not a prefix and an ellipsis", name, s, n, got)
				}
				if !graphemeBoundary(s, len(head)) {
					t.Fatalf("%s(%q, %d) = %q: cut inside a grapheme cluster", name, s, n, got)
				}
				if name == "TruncateMrkdwn" {
					if j := strings.LastIndexByte(head, '&'); j >= 0 && entityLen(s[j:]) > len(head)-j {
						t.Fatalf("TruncateMrkdwn(%q, %d) = %q: cut inside an entity", s, n, got)
					}
				}
			}
		}
	}
}

// graphemeBoundary reports whether byte offset i of s falls between two grapheme clusters.
func graphemeBoundary(s string, i int) bool {
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		from, to := g.Positions()
		if i == from || i == to {
			return true
		}
		if from > i {
			return false
		}
	}
	return i == 0
}

func BenchmarkTruncate100KB(b *testing.B) {
	s := Random(rand.New(rand.NewPCG(1, 2)), 100_000)
	for b.Loop() {
		Truncate(s, SectionText)
	}
}
