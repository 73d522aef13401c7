package handlers

import (
	"cmp"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/report"
	"github.com/leadbot/leadbot/store"
)

// Table tests of the pure Block Kit builders: what a rep reads, the ids the handlers route on,
// escaping of CRM text, and Slack's limits. They need no database.

// cardNow is a Monday morning.
var cardNow = time.Date(2025, time.March, 3, 9, 0, 0, 0, time.UTC)

// rawMarkup is CRM text that Slack would read as a ping, a mention or a link if left unescaped.
const rawMarkup = "<!channel> <@U123> <https://x|y>"

func ptrTo[T any](v T) *T { return &v }

// jsonStrings returns every string value under one of keys in v as Slack receives it (JSON), in
// a stable order: map keys sorted, arrays in order.
func jsonStrings(t *testing.T, v any, keys ...string) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	var out []string
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				if s, ok := x[k].(string); ok && slices.Contains(keys, k) {
					out = append(out, s)
				}
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
	return out
}

// blockKinds and blockIDs describe blocks in one line each ("-" for a block with no id).
func blockKinds(bs []slack.Block) string {
	var s []string
	for _, b := range bs {
		s = append(s, string(b.BlockType()))
	}
	return strings.Join(s, " ")
}

func blockIDs(bs []slack.Block) string {
	var s []string
	for _, b := range bs {
		s = append(s, cmp.Or(b.ID(), "-"))
	}
	return strings.Join(s, " ")
}

// checkText fails unless text contains every want and none of wantNot.
func checkText(t *testing.T, text string, want, wantNot []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("missing %q in:\n%s", w, text)
		}
	}
	for _, w := range wantNot {
		if strings.Contains(text, w) {
			t.Errorf("unexpected %q in:\n%s", w, text)
		}
	}
}

// checkLimits fails when a message breaks Slack's limits: at most 50 blocks, a section's text
// 1 to 3,000 characters.
func checkLimits(t *testing.T, bs []slack.Block) {
	t.Helper()
	if len(bs) > 50 {
		t.Errorf("%d blocks, Slack takes at most 50 in a message", len(bs))
	}
	for i, b := range bs {
		if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil {
			if n := utf8.RuneCountInString(s.Text.Text); n == 0 || n > 3000 {
				t.Errorf("block %d (%s): section text of %d characters, Slack takes 1 to 3,000", i, s.BlockID, n)
			}
		}
	}
}

func testLead() leadbot.Lead {
	return leadbot.Lead{ID: 42, ExternalID: "00Q42", Name: "Jane Doe", Company: "Acme & Co", Source: "Web",
		CreatedAt: ptrTo(cardNow.AddDate(0, 0, -3)), Attributes: json.RawMessage(`{"Last_Activity":"2025-02-28"}`),
		Score: ptrTo(0.72)}
}

func testFactors() leadbot.Factors {
	return leadbot.Factors{Base: -0.5, Factors: []leadbot.Factor{
		{Column: "source", Label: "Lead Source: Reference", Value: 1.2},
		{Column: "title", Label: "Title: VP Sales", Value: 0.4},
		{Column: "size", Label: "Employees: 5", Value: -0.35},
		{Column: "region", Label: "Region: EMEA", Value: 0.1},
	}}
}

func scoreOf(p float64, fs ...leadbot.Factor) leadbot.Score {
	b, _ := json.Marshal(leadbot.Factors{Factors: fs})
	return leadbot.Score{LeadID: 42, Probability: p, FactorsJSON: b}
}

type cardCase struct {
	name    string
	card    Card
	kinds   string   // block types, in order
	ids     string   // block ids, in order
	actions string   // action ids, in order ("" for none)
	values  []string // button and option values, URLs, that must be there
	want    []string // text a rep reads
	wantNot []string
}

func runCards(t *testing.T, cases []cardCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bs := CardBlocks(tc.card, cardNow)
			if got := blockKinds(bs); got != tc.kinds {
				t.Errorf("blocks %q, want %q", got, tc.kinds)
			}
			if got := blockIDs(bs); got != tc.ids {
				t.Errorf("block ids %q, want %q", got, tc.ids)
			}
			if got := strings.Join(jsonStrings(t, bs, "action_id"), " "); got != tc.actions {
				t.Errorf("action ids %q, want %q", got, tc.actions)
			}
			vals := jsonStrings(t, bs, "value", "url")
			for _, v := range tc.values {
				if !slices.Contains(vals, v) {
					t.Errorf("no value %q among %q", v, vals)
				}
			}
			checkText(t, strings.Join(jsonStrings(t, bs, "text"), "\n"), tc.want, tc.wantNot)
			checkLimits(t, bs)
		})
	}
}

// card is the test lead's card, changed by f.
func card(f func(*Card)) Card {
	c := Card{Lead: testLead(), Factors: testFactors()}
	f(&c)
	return c
}

func TestCardBlocks(t *testing.T) {
	down := &leadbot.Feedback{LeadID: 42, Verdict: leadbot.Down, ReasonCode: ptrTo("budget"), Note: "Call back in Q3"}
	up := &leadbot.Feedback{LeadID: 42, Verdict: leadbot.Up}
	buttons := "feedback_up feedback_down snooze"
	runCards(t, []cardCase{
		{name: "scored lead", card: card(func(*Card) {}),
			kinds: "section context actions", ids: "lead_42 ctx_42 actions_42", actions: buttons,
			values: []string{"42", "42:7"},
			want: []string{"*Jane Doe* · Acme &amp; Co\n*72%* likely to convert · hot", ":arrow_up: Lead Source: Reference _(strong)_",
				":arrow_up: Title: VP Sales _(moderate)_", ":arrow_up: Region: EMEA _(slight)_", ":arrow_down: Employees: 5 _(moderate)_",
				"Source: Web", "Created 3 days ago", "Last activity: 2025-02-28", ":+1: Good lead", ":-1: Not a good lead…", ":zzz: Snooze a week"},
			wantNot: []string{"Since you last saw it", "rule-based", "Open in CRM", "Not now", "Snooze 1 month"}},
		{name: "unscored lead without name or context", card: Card{Lead: leadbot.Lead{ID: 7, ExternalID: "00Q7"}},
			kinds: "section actions", ids: "lead_7 actions_7", actions: buttons,
			want: []string{"*00Q7*\n_no score yet: it arrived after the last scoring run_"}, wantNot: []string{"likely to convert", ":arrow_up:", "Source:"}},
		{name: "rule-based cool score", card: card(func(c *Card) { c.Lead.Score, c.Factors.Prior = ptrTo(0.12), true }),
			kinds: "section context actions", ids: "lead_42 ctx_42 actions_42", actions: buttons,
			want: []string{"*12%* likely to convert · cool _(early estimate: no outcomes yet, rules and the team's feedback)_"}},
		{name: "what changed since last seen", card: card(func(c *Card) {
			c.Prev = ptrTo(scoreOf(0.55, leadbot.Factor{Column: "source", Label: "Lead Source: Web", Value: 0.2}))
		}), kinds: "section context actions", ids: "lead_42 ctx_42 actions_42", actions: buttons,
			want: []string{"\n:arrows_counterclockwise: Since you last saw it: 55% → 72% (+17 pts): Lead Source: Reference (was Lead Source: Web) helps more now"}},
		{name: "same score as last seen", card: card(func(c *Card) { c.Prev = ptrTo(scoreOf(0.72)) }),
			kinds: "section context actions", ids: "lead_42 ctx_42 actions_42", actions: buttons,
			wantNot: []string{"Since you last saw it"}},
		{name: "verdict up", card: card(func(c *Card) { c.Verdict = up }),
			kinds: "section context section", ids: "lead_42 ctx_42 verdict_42", actions: "feedback_undo", values: []string{"42"},
			want: []string{":+1: recorded", "Undo"}, wantNot: []string{"Good lead", "Snooze"}},
		{name: "verdict down with reason label and note", card: card(func(c *Card) { c.Verdict, c.ReasonLabel = down, "No budget" }),
			kinds: "section context section", ids: "lead_42 ctx_42 verdict_42", actions: "feedback_undo",
			want: []string{":-1: No budget\n> Call back in Q3", "Undo"}, wantNot: []string{"whole account", ":-1: budget"}},
		{name: "account-wide verdict down without label shows the code in words", card: card(func(c *Card) {
			c.Verdict = &leadbot.Feedback{LeadID: 42, Verdict: leadbot.Down, ReasonCode: ptrTo("budget"), AccountWide: true}
		}), kinds: "section context section", ids: "lead_42 ctx_42 verdict_42", actions: "feedback_undo",
			want: []string{":-1: Budget _(whole account)_"}, wantNot: []string{"\n>"}},
		{name: "verdict by someone else has no undo", card: card(func(c *Card) { c.Verdict, c.VerdictBy = up, "Sam Lee" }),
			kinds: "section context section", ids: "lead_42 ctx_42 verdict_42", actions: "",
			want: []string{":+1: recorded · by Sam Lee"}, wantNot: []string{"Undo"}},
		{name: "snoozed, with Undo", card: card(func(c *Card) { c.Snoozed = ptrTo(time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)) }),
			kinds: "section context section", ids: "lead_42 ctx_42 snoozed_42", actions: "snooze_undo", values: []string{"42"},
			want: []string{":zzz: Snoozed until Mon 10 Mar: it will not be in your digests until then.", "Undo snooze"}, wantNot: []string{"Good lead"}},
		{name: "a verdict shows over a snooze", card: card(func(c *Card) { c.Verdict, c.Snoozed = up, ptrTo(cardNow.AddDate(0, 0, 7)) }),
			kinds: "section context section", ids: "lead_42 ctx_42 verdict_42", actions: "feedback_undo",
			want: []string{":+1: recorded"}, wantNot: []string{"Snoozed"}},
		{name: "won: read-only with its outcome", card: card(func(c *Card) {
			c.Outcome = &leadbot.Outcome{LeadID: 42, Outcome: "won", OccurredAt: cardNow.AddDate(0, -6, 0)}
		}), kinds: "section context", ids: "lead_42 ctx_42", actions: "",
			want: []string{":checkered_flag: *Won* 6 months ago: a closed lead takes no feedback."}, wantNot: []string{"Good lead", "Snooze"}},
		{name: "lost with a verdict: no Undo", card: card(func(c *Card) {
			c.Outcome, c.Verdict = &leadbot.Outcome{LeadID: 42, Outcome: "lost", OccurredAt: cardNow.Add(-30 * time.Hour)}, up
		}), kinds: "section context section", ids: "lead_42 ctx_42 verdict_42", actions: "",
			want: []string{":no_entry_sign: *Lost* yesterday", ":+1: recorded"}, wantNot: []string{"Undo"}},
		{name: "closed in the CRM without an outcome", card: card(func(c *Card) { c.Lead.Status = "closed" }),
			kinds: "section context", ids: "lead_42 ctx_42", actions: "",
			want: []string{":lock: Closed in the CRM (status *closed*): a closed lead takes no feedback."}},
		{name: "snoozed and won: no Undo snooze", card: card(func(c *Card) {
			c.Snoozed, c.Outcome = ptrTo(cardNow.AddDate(0, 0, 7)), &leadbot.Outcome{LeadID: 42, Outcome: "won", OccurredAt: cardNow}
		}), kinds: "section context", ids: "lead_42 ctx_42", actions: "", wantNot: []string{"Snoozed", "Undo"}},
		{name: "read-only", card: card(func(c *Card) { c.ReadOnly = true }),
			kinds: "section context", ids: "lead_42 ctx_42", actions: "",
			want: []string{"*72%* likely to convert"}, wantNot: []string{"Good lead", "Snooze"}},
		{name: "read-only with a verdict keeps the note, drops undo", card: card(func(c *Card) { c.ReadOnly, c.Verdict, c.ReasonLabel = true, down, "No budget" }),
			kinds: "section context section", ids: "lead_42 ctx_42 verdict_42", actions: "",
			want: []string{":-1: No budget\n> Call back in Q3"}, wantNot: []string{"Undo"}},
		{name: "shared with a verdict hides the note", card: card(func(c *Card) { c.Shared, c.Verdict, c.ReasonLabel = true, down, "No budget" }),
			kinds: "section context section", ids: "lead_42 ctx_42 verdict_42", actions: "",
			want: []string{":-1: No budget"}, wantNot: []string{"Call back in Q3", "Undo"}},
		// Today a shared card still says the sharer's snooze, worded for the sharer ("your digests").
		{name: "shared and snoozed", card: card(func(c *Card) { c.Shared, c.Snoozed = true, ptrTo(time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)) }),
			kinds: "section context section", ids: "lead_42 ctx_42 snoozed_42", actions: "",
			want: []string{":zzz: Snoozed until Mon 10 Mar"}, wantNot: []string{"Undo"}},
		{name: "in a list the buttons carry the list", card: card(func(c *Card) { c.List = []int64{42, 43, 44} }),
			kinds: "section context actions", ids: "lead_42 ctx_42 actions_42", actions: buttons,
			values: []string{"42;42,43,44", "42:7;42,43,44"}},
		{name: "undo in a list carries the list", card: card(func(c *Card) { c.List, c.Verdict = []int64{42, 43}, up }),
			kinds: "section context section", ids: "lead_42 ctx_42 verdict_42", actions: "feedback_undo",
			values: []string{"42;42,43"}},
		{name: "CRM link", card: card(func(c *Card) { c.CRMURL = "https://crm.example.com/leads/00Q42" }),
			kinds: "section context actions", ids: "lead_42 ctx_42 actions_42", actions: "feedback_up feedback_down open_crm snooze",
			values: []string{"https://crm.example.com/leads/00Q42"},
			want:   []string{"*<https://crm.example.com/leads/00Q42|Jane Doe>* · Acme &amp; Co", "Open in CRM"}},
		{name: "CRM link on a read-only card", card: card(func(c *Card) { c.CRMURL, c.ReadOnly = "https://crm.example.com/leads/00Q42", true }),
			kinds: "section context", ids: "lead_42 ctx_42", actions: "",
			want: []string{"*<https://crm.example.com/leads/00Q42|Jane Doe>*"}, wantNot: []string{"Open in CRM"}},
		{name: "a very long name is cut to 150 characters", card: card(func(c *Card) { c.Lead.Name = strings.Repeat("x", 5000) }),
			kinds: "section context actions", ids: "lead_42 ctx_42 actions_42", actions: buttons,
			want: []string{"*" + strings.Repeat("x", 149) + "…* · Acme &amp; Co\n*72%* likely"}},
	})
}

func TestCardBlocksEscapesCRMText(t *testing.T) {
	raw := []string{"<!channel>", "<@U123>", "<https://x|y>", "<!here>", "<@U9>", "<!everyone>", "<b>", "<@U2>"}
	runCards(t, []cardCase{
		{name: "lead text", card: card(func(c *Card) {
			c.Lead.Name, c.Lead.Company, c.Lead.Source = rawMarkup, "<!here> & co", "<@U9>"
			c.Lead.Attributes = json.RawMessage(`{"last activity": "<!everyone>"}`)
			c.Factors.Factors[0].Label = "Title: <b>"
		}), kinds: "section context actions", ids: "lead_42 ctx_42 actions_42", actions: "feedback_up feedback_down snooze",
			want: []string{"*&lt;!channel&gt; &lt;@U123&gt; &lt;https://x|y&gt;* · &lt;!here&gt; &amp; co",
				":arrow_up: Title: &lt;b&gt; _(strong)_", "Source: &lt;@U9&gt;", "Last activity: &lt;!everyone&gt;"},
			wantNot: raw},
		{name: "name inside the CRM link", card: card(func(c *Card) { c.Lead.Name, c.CRMURL = rawMarkup, "https://crm.example.com/leads/00Q42" }),
			kinds: "section context actions", ids: "lead_42 ctx_42 actions_42", actions: "feedback_up feedback_down open_crm snooze",
			want:    []string{"*<https://crm.example.com/leads/00Q42|&lt;!channel&gt; &lt;@U123&gt; &lt;https://x|y&gt;>*"},
			wantNot: raw},
		{name: "verdict text", card: card(func(c *Card) {
			c.Verdict = &leadbot.Feedback{LeadID: 42, Verdict: leadbot.Down, Note: "<@U123> said <!here>"}
			c.ReasonLabel, c.VerdictBy = "<!channel>", "<@U2>"
		}), kinds: "section context section", ids: "lead_42 ctx_42 verdict_42", actions: "",
			want:    []string{":-1: &lt;!channel&gt; · by &lt;@U2&gt;\n> &lt;@U123&gt; said &lt;!here&gt;"},
			wantNot: raw},
	})
}

// leadCards are n cards of the test lead, with ids 1…n and names "Lead 1"….
func leadCards(n int) []Card {
	var cs []Card
	for i := 1; i <= n; i++ {
		cs = append(cs, card(func(c *Card) { c.Lead.ID, c.Lead.Name = int64(i), "Lead "+strconv.Itoa(i) }))
	}
	return cs
}

func TestDigestBlocks(t *testing.T) {
	cases := []struct {
		name       string
		rep        string
		cards      []Card
		n          int
		kinds, ids string // "" to skip
		want       []string
		wantNot    []string
	}{
		{name: "one card", rep: "Ana María López", cards: leadCards(1), n: 5,
			kinds: "header context section context actions", ids: "- intro lead_1 ctx_1 actions_1",
			want: []string{"Your top 1 leads today", "Hi, Ana. Tell me if I got one wrong: your :+1: / :-1: teaches the model.", "*Lead 1* · Acme &amp; Co"}},
		{name: "cards are divided", rep: "Ana", cards: leadCards(3), n: 13,
			kinds: "header context section context actions divider section context actions divider section context actions",
			ids:   "- intro lead_1 ctx_1 actions_1 - lead_2 ctx_2 actions_2 - lead_3 ctx_3 actions_3",
			want:  []string{"Your top 3 leads today", "*Lead 3*"}},
		{name: "no rep name", rep: "  ", cards: leadCards(1), n: 5, want: []string{"Hi. Tell me"}, wantNot: []string{"Hi,"}},
		{name: "escaped rep name", rep: "<!channel> Smith", cards: leadCards(1), n: 5,
			want: []string{"Hi, &lt;!channel&gt;."}, wantNot: []string{"<!channel>", "Smith"}},
		{name: "a full digest stays within 50 blocks", rep: "Ana", cards: leadCards(MaxCardsPerMessage), n: 49,
			want: []string{"Your top 12 leads today", "*Lead 12*"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bs := DigestBlocks(tc.rep, tc.cards, cardNow)
			if len(bs) != tc.n {
				t.Errorf("%d blocks, want %d", len(bs), tc.n)
			}
			if got := blockKinds(bs); tc.kinds != "" && got != tc.kinds {
				t.Errorf("blocks %q, want %q", got, tc.kinds)
			}
			if got := blockIDs(bs); tc.ids != "" && got != tc.ids {
				t.Errorf("block ids %q, want %q", got, tc.ids)
			}
			checkText(t, strings.Join(jsonStrings(t, bs, "text"), "\n"), tc.want, tc.wantNot)
			checkLimits(t, bs)
		})
	}
}

func TestDigestText(t *testing.T) {
	unnamed := card(func(c *Card) { c.Lead.Name = " " })
	escaped := card(func(c *Card) { c.Lead.Name = rawMarkup })
	cases := []struct {
		name  string
		cards []Card
		want  string
	}{
		{"one lead", leadCards(1), "Your top 1 leads today: Lead 1"},
		{"names the first three", leadCards(5), "Your top 5 leads today: Lead 1, Lead 2, Lead 3"},
		{"external id when unnamed, escaped names", []Card{unnamed, escaped}, "Your top 2 leads today: 00Q42, &lt;!channel&gt; &lt;@U123&gt; &lt;https://x|y&gt;"},
		{"no cards", nil, "Your top 0 leads today: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := DigestText(tc.cards); got != tc.want {
				t.Errorf("DigestText = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestChanged(t *testing.T) {
	f := func(col, label string, v float64) leadbot.Factor {
		return leadbot.Factor{Column: col, Label: label, Value: v}
	}
	cases := []struct {
		name string
		prev leadbot.Score
		cur  float64
		fs   []leadbot.Factor
		want string
	}{
		{"no change", scoreOf(0.72, f("source", "Lead Source: Web", 1)), 0.72, []leadbot.Factor{f("source", "Lead Source: Web", 1)}, ""},
		{"under half a point is no change", scoreOf(0.721), 0.724, []leadbot.Factor{f("source", "Lead Source: Web", 1)}, ""},
		{"up, the factor that moved most with its old label", scoreOf(0.40, f("source", "Lead Source: Web", 0.2), f("title", "Title: VP", 0.4)),
			0.72, []leadbot.Factor{f("source", "Lead Source: Reference", 1.2), f("title", "Title: VP", 0.5)},
			"40% → 72% (+32 pts): Lead Source: Reference (was Lead Source: Web) helps more now"},
		// The factor still helps (0.1), only less.
		{"down", scoreOf(0.72, f("title", "Title: VP", 0.8), f("size", "Employees: 5", -0.1)),
			0.45, []leadbot.Factor{f("title", "Title: VP", 0.1), f("size", "Employees: 5", -0.3)},
			"72% → 45% (−27 pts): Title: VP helps less now"},
		{"against it, more", scoreOf(0.60, f("size", "Employees: 5", -0.1)), 0.45, []leadbot.Factor{f("size", "Employees: 5", -0.6)},
			"60% → 45% (−15 pts): Employees: 5 weighs more against it now"},
		{"one point", scoreOf(0.60), 0.61, nil, "60% → 61% (+1 pt)"},
		{"a new factor", scoreOf(0.30), 0.50, []leadbot.Factor{f("event", "Attended webinar", 0.9)}, "30% → 50% (+20 pts): Attended webinar now helps"},
		{"a factor that disappeared is not named", scoreOf(0.60, f("event", "Attended webinar", 1)), 0.30, nil, "60% → 30% (−30 pts)"},
		{"moves under 0.05 name no factor", scoreOf(0.40, f("title", "Title: VP", 0.40)), 0.45, []leadbot.Factor{f("title", "Title: VP", 0.44)}, "40% → 45% (+5 pts)"},
		{"escaped labels", scoreOf(0.40, f("c", "<!channel>", 0.1)), 0.60, []leadbot.Factor{f("c", "<@U1>", 0.9)},
			"40% → 60% (+20 pts): &lt;@U1&gt; (was &lt;!channel&gt;) helps more now"},
		{"unreadable previous factors", leadbot.Score{Probability: 0.5, FactorsJSON: []byte("not json")}, 0.6,
			[]leadbot.Factor{f("source", "Lead Source: Reference", 1.2)}, "50% → 60% (+10 pts): Lead Source: Reference now helps"},
		// The delta is that of the percentages shown: both sides reading 70% is no change.
		{"rounding shows no move", scoreOf(0.695), 0.7049, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Changed(tc.prev, tc.cur, leadbot.Factors{Factors: tc.fs}); got != tc.want {
				t.Errorf("Changed = %q, want %q", got, tc.want)
			}
		})
	}
}

// picker describes a select's options: "a b" or, grouped, "Label: a b | Label: c".
func picker(sel *slack.SelectBlockElement) string {
	if sel == nil {
		return "<no select>"
	}
	values := func(os []*slack.OptionBlockObject) string {
		var vs []string
		for _, o := range os {
			vs = append(vs, o.Value)
		}
		return strings.Join(vs, " ")
	}
	if len(sel.OptionGroups) == 0 {
		return values(sel.Options)
	}
	var gs []string
	for _, g := range sel.OptionGroups {
		gs = append(gs, g.Label.Text+": "+values(g.Options))
	}
	return strings.Join(gs, " | ")
}

func TestReasonModal(t *testing.T) {
	codes := []leadbot.ReasonCode{{Code: "budget", Label: "No budget", Polarity: -1}, {Code: "timing", Label: "Bad timing", Polarity: -1}}
	dq := leadbot.ReasonCode{Code: "wrong_contact", Label: "Wrong contact", Polarity: -1, DataQuality: true}
	meta, _ := json.Marshal(clickTarget{Lead: 42, Channel: "D1", TS: "1700000000.000100", List: []int64{42, 43}})
	long := func(c string) string { return strings.Repeat(c, 500) }
	cases := []struct {
		name    string
		lead    leadbot.Lead
		codes   []leadbot.ReasonCode
		picker  string
		want    []string
		wantNot []string
	}{
		{name: "one list without data-quality reasons", lead: testLead(), codes: codes, picker: "budget timing",
			want: []string{"Why is *Jane Doe* (Acme &amp; Co) not a good lead right now?", "Pick a reason", "Applies to the whole account", "Every lead at Acme &amp; Co gets this reason"}},
		{name: "data-quality reasons in their own group", lead: testLead(), codes: append([]leadbot.ReasonCode{dq}, codes...),
			picker: "About the lead: budget timing | About the data (not held against the lead): wrong_contact"},
		// No empty group: Slack refuses one.
		{name: "only data-quality reasons", lead: testLead(), codes: []leadbot.ReasonCode{dq},
			picker: "About the data (not held against the lead): wrong_contact"},
		{name: "no name, no company", lead: leadbot.Lead{ID: 7, ExternalID: "00Q7"}, codes: codes, picker: "budget timing",
			want: []string{"Why is *00Q7* not a good lead right now?", "Every lead at this company gets this reason"}},
		{name: "mrkdwn control characters escaped", codes: codes, picker: "budget timing",
			lead: leadbot.Lead{ID: 42, Name: "<https://x|y>", Company: "<!channel> *Acme* & <@U1>"},
			want: []string{"Why is *&lt;https://x|y&gt;* (&lt;!channel&gt; *Acme* &amp; &lt;@U1&gt;) not a good lead right now?",
				"Every lead at &lt;!channel&gt; *Acme* &amp; &lt;@U1&gt; gets this reason"},
			wantNot: []string{"<!channel>", "<@U1>", "<https://x|y>"}},
		{name: "long name and company cut to 200 in the question", codes: codes, picker: "budget timing",
			lead: leadbot.Lead{ID: 42, Name: long("n"), Company: long("c")},
			want: []string{"*" + strings.Repeat("n", 199) + "…* (" + strings.Repeat("c", 199) + "…) not"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := ReasonModal(tc.lead, tc.codes, string(meta))
			if m.Type != slack.VTModal || m.CallbackID != CallbackReason || m.PrivateMetadata != string(meta) || !m.NotifyOnClose {
				t.Errorf("type %q, callback %q, metadata %q, notify on close %v", m.Type, m.CallbackID, m.PrivateMetadata, m.NotifyOnClose)
			}
			if m.Title.Text != "Not a good lead?" || m.Submit.Text != "Record" || m.Close.Text != "Cancel" {
				t.Errorf("title %q, submit %q, close %q", m.Title.Text, m.Submit.Text, m.Close.Text)
			}
			bs := m.Blocks.BlockSet
			if got, want := blockKinds(bs)+" / "+blockIDs(bs), "section input input input / - reason_block note_block scope_block"; got != want {
				t.Errorf("blocks %q, want %q", got, want)
			}
			if got := strings.Join(jsonStrings(t, bs, "action_id"), " "); got != "reason_code note account_wide" {
				t.Errorf("action ids %q", got)
			}
			if sel, _ := inputElement(bs, 1).(*slack.SelectBlockElement); picker(sel) != tc.picker {
				t.Errorf("reason picker %q, want %q", picker(sel), tc.picker)
			}
			checkText(t, strings.Join(jsonStrings(t, bs, "text"), "\n"), tc.want, tc.wantNot)
			checkLimits(t, bs)
		})
	}
}

// inputElement is the element of input block i, or nil.
func inputElement(bs []slack.Block, i int) slack.BlockElement {
	if i < len(bs) {
		if in, ok := bs[i].(*slack.InputBlock); ok {
			return in.Element
		}
	}
	return nil
}

// submitted is a view_submission whose state holds values; state false leaves View.State nil.
func submitted(state bool, values map[string]map[string]slack.BlockAction) *slack.InteractionCallback {
	cb := &slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission}
	if state {
		cb.View.State = &slack.ViewState{Values: values}
	}
	return cb
}

func TestValidateReason(t *testing.T) {
	reason := func(code, note string) map[string]map[string]slack.BlockAction {
		return map[string]map[string]slack.BlockAction{
			blockReason: {actionReason: {ActionID: actionReason, SelectedOption: slack.OptionBlockObject{Value: code}}},
			blockNote:   {actionNote: {ActionID: actionNote, Value: note}},
		}
	}
	pick := map[string]string{blockReason: "Pick a reason: it is what the model learns from."}
	cases := []struct {
		name string
		cb   *slack.InteractionCallback
		want map[string]string
	}{
		{name: "a reason", cb: submitted(true, reason("budget", ""))},
		{name: "a reason and a 3,000-character note", cb: submitted(true, reason("budget", strings.Repeat("é", 3000)))},
		{name: "a note over 3,000 characters", cb: submitted(true, reason("budget", strings.Repeat("é", 3001))),
			want: map[string]string{blockNote: "Keep the note under 3,000 characters."}},
		{name: "no reason", cb: submitted(true, reason("", "a note")), want: pick},
		{name: "no reason and a long note: only the reason is said", cb: submitted(true, reason("", strings.Repeat("x", 3001))), want: pick},
		{name: "missing blocks", cb: submitted(true, map[string]map[string]slack.BlockAction{}), want: pick},
		{name: "nil values", cb: submitted(true, nil), want: pick},
		{name: "nil state", cb: submitted(false, nil), want: pick},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := validateReason(tc.cb); !maps.Equal(got, tc.want) {
				t.Errorf("validateReason = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestValidateSettings(t *testing.T) {
	settings := func(hour, count, pause string) *slack.InteractionCallback {
		return submitted(true, map[string]map[string]slack.BlockAction{
			blockHour:  {actionHour: {SelectedOption: slack.OptionBlockObject{Value: hour}}},
			blockCount: {actionCount: {SelectedOption: slack.OptionBlockObject{Value: count}}},
			blockPause: {actionPause: {SelectedDate: pause}},
		})
	}
	hour, count := map[string]string{blockHour: "Pick an hour."}, map[string]string{blockCount: "Pick 1 to 12 leads."}
	both := map[string]string{blockHour: "Pick an hour.", blockCount: "Pick 1 to 12 leads."}
	cases := []struct {
		name string
		cb   *slack.InteractionCallback
		want map[string]string
	}{
		{name: "valid", cb: settings("8", "5", "")},
		{name: "lowest, with a pause", cb: settings("0", "1", "2025-03-10")},
		{name: "highest", cb: settings("23", "12", "")},
		{name: "a past pause date passes", cb: settings("8", "5", "2020-01-01")},
		{name: "hour 24", cb: settings("24", "5", ""), want: hour},
		{name: "negative hour", cb: settings("-1", "5", ""), want: hour},
		{name: "no hour", cb: settings("", "5", ""), want: hour},
		{name: "no leads", cb: settings("8", "0", ""), want: count},
		{name: "more leads than a message holds", cb: settings("8", "13", ""), want: count},
		{name: "not numbers", cb: settings("eight", "five", ""), want: both},
		{name: "a date not in ISO form", cb: settings("8", "5", "10/03/2025"), want: map[string]string{blockPause: "Pick a date."}},
		{name: "missing blocks", cb: submitted(true, map[string]map[string]slack.BlockAction{}), want: both},
		{name: "nil state", cb: submitted(false, nil), want: map[string]string{blockHour: "Slack sent the form without its answers: pick an hour and press Save again."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// checkSettings is what the router runs: validateSettings behind a check of the state.
			if got := checkSettings(tc.cb); !maps.Equal(got, tc.want) {
				t.Errorf("checkSettings = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSettingsModal(t *testing.T) {
	cases := []struct {
		name               string
		rep                leadbot.Rep
		hour, leads        int
		wantHour, wantText string // the initial hour option
		wantCount          string
		hourOK, countOK    bool // the initial option is one of the options
		wantPause          string
	}{
		{name: "defaults", rep: leadbot.Rep{ID: 9}, hour: 8, leads: 5, wantHour: "8", wantText: "08:00", wantCount: "5", hourOK: true, countOK: true},
		{name: "latest hour, most leads", rep: leadbot.Rep{ID: 9}, hour: 23, leads: 12, wantHour: "23", wantText: "23:00", wantCount: "12", hourOK: true, countOK: true},
		{name: "more leads than a message holds are capped", rep: leadbot.Rep{ID: 9}, hour: 0, leads: 20, wantHour: "0", wantText: "00:00", wantCount: "12", hourOK: true, countOK: true},
		{name: "paused", rep: leadbot.Rep{ID: 9, PausedUntil: ptrTo(time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC))}, hour: 8, leads: 5,
			wantHour: "8", wantText: "08:00", wantCount: "5", hourOK: true, countOK: true, wantPause: "2025-03-20"},
		// Today out-of-range inputs become an initial option that is not among the options.
		{name: "zero leads", rep: leadbot.Rep{ID: 9}, hour: 8, leads: 0, wantHour: "8", wantText: "08:00", wantCount: "0", hourOK: true},
		{name: "hour 24", rep: leadbot.Rep{ID: 9}, hour: 24, leads: 5, wantHour: "24", wantText: "24:00", wantCount: "5", countOK: true},
	}
	isOption := func(sel *slack.SelectBlockElement) bool {
		return slices.ContainsFunc(sel.Options, func(o *slack.OptionBlockObject) bool { return o.Value == sel.InitialOption.Value })
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := SettingsModal(tc.rep, tc.hour, tc.leads)
			if m.Type != slack.VTModal || m.CallbackID != CallbackSettings || m.PrivateMetadata != "9" || m.Title.Text != "Your leadbot settings" || m.Submit.Text != "Save" {
				t.Errorf("type %q, callback %q, metadata %q, title %q, submit %q", m.Type, m.CallbackID, m.PrivateMetadata, m.Title.Text, m.Submit.Text)
			}
			bs := m.Blocks.BlockSet
			if got, want := blockKinds(bs)+" / "+blockIDs(bs), "input input input / hour_block count_block pause_block"; got != want {
				t.Fatalf("blocks %q, want %q", got, want)
			}
			if got := strings.Join(jsonStrings(t, bs, "action_id"), " "); got != "delivery_hour leads_per_day paused_until" {
				t.Errorf("action ids %q", got)
			}
			hour, _ := inputElement(bs, 0).(*slack.SelectBlockElement)
			count, _ := inputElement(bs, 1).(*slack.SelectBlockElement)
			pause, _ := inputElement(bs, 2).(*slack.DatePickerBlockElement)
			if hour == nil || count == nil || pause == nil {
				t.Fatalf("elements %T %T %T", hour, count, pause)
			}
			if len(hour.Options) != 24 || hour.Options[0].Text.Text != "00:00" || len(count.Options) != MaxCardsPerMessage {
				t.Errorf("%d hours from %q, %d counts", len(hour.Options), hour.Options[0].Text.Text, len(count.Options))
			}
			if o := hour.InitialOption; o.Value != tc.wantHour || o.Text.Text != tc.wantText || isOption(hour) != tc.hourOK {
				t.Errorf("initial hour %q %q (an option: %v), want %q %q (%v)", o.Value, o.Text.Text, isOption(hour), tc.wantHour, tc.wantText, tc.hourOK)
			}
			if o := count.InitialOption; o.Value != tc.wantCount || isOption(count) != tc.countOK {
				t.Errorf("initial count %q (an option: %v), want %q (%v)", o.Value, isOption(count), tc.wantCount, tc.countOK)
			}
			if pause.InitialDate != tc.wantPause || !bs[2].(*slack.InputBlock).Optional {
				t.Errorf("pause initial date %q, want %q; optional %v", pause.InitialDate, tc.wantPause, bs[2].(*slack.InputBlock).Optional)
			}
			checkText(t, strings.Join(jsonStrings(t, bs, "text"), "\n"), []string{"Digest time (your timezone)", "Leads per digest", "Pause digests until", "Leave empty for no pause"}, nil)
		})
	}
}

// blocksCase is a case of a builder that returns blocks; known names a limit it breaks today
// (checked last, so that the other checks still run).
type blocksCase struct {
	name          string
	blocks        []slack.Block
	kinds, ids    string // "" to skip
	actions       string // "-" to skip
	want, wantNot []string
	values        []string
	known         string
}

func runBlocks(t *testing.T, cases []blocksCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bs := tc.blocks
			if got := blockKinds(bs); tc.kinds != "" && got != tc.kinds {
				t.Errorf("blocks %q, want %q", got, tc.kinds)
			}
			if got := blockIDs(bs); tc.ids != "" && got != tc.ids {
				t.Errorf("block ids %q, want %q", got, tc.ids)
			}
			if got := strings.Join(jsonStrings(t, bs, "action_id"), " "); tc.actions != "-" && got != tc.actions {
				t.Errorf("action ids %q, want %q", got, tc.actions)
			}
			vals := jsonStrings(t, bs, "value")
			for _, v := range tc.values {
				if !slices.Contains(vals, v) {
					t.Errorf("no value %q among %q", v, vals)
				}
			}
			checkText(t, strings.Join(jsonStrings(t, bs, "text"), "\n"), tc.want, tc.wantNot)
			if tc.known != "" {
				t.Skip("known: " + tc.known)
			}
			checkLimits(t, bs)
		})
	}
}

func noHealth() report.Health {
	return report.Health{AUC: math.NaN(), TopBandPrec: math.NaN(), PSI: math.NaN()}
}

// teamWeek is a week's report of a small team, changed by f.
func teamWeek(f func(*report.Team)) report.Team {
	until := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	r := report.Team{Since: until.AddDate(0, 0, -7), Until: until,
		Reps: []store.RepActivity{
			{RepID: 1, Name: "Ana", SlackUserID: ptrTo("U1"), Tally: store.Tally{Delivered: 10, Judged: 8, Up: 5, Down: 3, Undone: 1}},
			{RepID: 2, Email: "bo@example.com", Tally: store.Tally{Delivered: 4, Judged: 1, Up: 1, Snoozed: 2}},
			{RepID: 3, Name: "Cy Idle"},
		},
		Total:      store.Tally{Delivered: 14, Judged: 9, Up: 6, Down: 3, Undone: 1, Snoozed: 2},
		TopReasons: []store.ReasonCount{{Code: "budget", Label: "No budget", Count: 4}, {Code: "timing", Label: "Bad timing", Count: 2}},
		DataQuality: []store.ReasonCount{{Code: "wrong_contact", Label: "Wrong contact", DataQuality: true, Source: "Web", Count: 2},
			{Code: "wrong_contact", Label: "Wrong contact", DataQuality: true, Count: 1}},
		Conflicts: []store.Conflict{
			{LeadName: "Jane Doe", Company: "Acme", RepName: "Ana", Verdict: -1, Reason: ptrTo("No budget"), Probability: 0.82, Outcome: ptrTo("won")},
			{LeadName: "Joe Bloggs", RepName: "Bo", Verdict: 1, Probability: 0.2, Outcome: ptrTo("converted")},
			{RepName: "Ana", Verdict: -1, Probability: 0.7},
		},
		ModelRight: 1, RepRight: 1, Pending: 1,
		Stalled: []store.RepActivity{{Name: "Dee", Email: "dee@example.com"}},
		Health: report.Health{Version: 3, Outcomes: 40, HotN: 10, HotWon: 5, RestN: 30, RestWon: 3, AUC: 0.81, TopBandPrec: 0.5, TopBandN: 10,
			PSI: 0.05, UnmatchedReps: 2, UnmatchedLeads: 7},
	}
	f(&r)
	return r
}

func TestTeamBlocks(t *testing.T) {
	empty := teamWeek(func(r *report.Team) { *r = report.Team{Since: r.Since, Until: r.Until, Health: noHealth()} })
	full := "header context section section section divider section section section section"
	runBlocks(t, []blocksCase{
		{name: "an empty week", blocks: TeamBlocks("Mia", empty), actions: "",
			kinds: "header context section divider section section", ids: "- period - - - -",
			want: []string{"Your team's week with leadbot", "Mon 24 Feb – Sun 2 Mar", "*This week*: 0 sent · 0 judged (:+1: 0, :-1: 0)",
				"Resolved so far: model right *0*, team right *0*; 0 awaiting an outcome.\nNo disagreements: the team and the model agree so far.",
				"*Model health*\nNo trained model yet: transparent rules rank the leads until enough outcomes arrive."},
			wantNot: []string{"Feedback by rep", "Top reasons", "Data quality", "Stopped answering", "called hot", "PSI", "AUC"}},
		{name: "a full week", blocks: TeamBlocks("Mia", teamWeek(func(*report.Team) {})), actions: "", kinds: full, ids: "- period - - - - - - - -",
			want: []string{"*This week*: 14 sent · 9 judged (:+1: 6, :-1: 3) · 1 undone · 2 snoozed",
				"*Feedback by rep*\n• <@U1>: 10 sent · 8 judged (:+1: 5, :-1: 3) · 1 undone\n• bo@example.com: 4 sent · 1 judged (:+1: 1, :-1: 0) · 2 snoozed",
				"*Top reasons for :-1:*\nNo budget (4) · Bad timing (2)",
				"model right *1*, team right *1*; 1 awaiting an outcome.",
				"• *Jane Doe* (Acme) – Ana :-1: on a 82% lead (No budget) → won: *model was right*",
				"• *Joe Bloggs* – Bo :+1: on a 20% lead → converted: *Bo was right*",
				"• *a lead* – Ana :-1: on a 70% lead",
				"• Wrong contact from *Web*: 2\n• Wrong contact from *unknown source*: 1",
				"Of the leads leadbot called hot in the last 90 days, *50 %* converted, against 10 % of the rest (5.0×): 10 hot leads and 30 others had an outcome. This week's scores look like the month before's.",
				":warning: 2 reps with 7 open leads have no Slack account matched by email",
				":zzz: *Stopped answering* (leads sent, no feedback for two weeks): Dee"},
			wantNot: []string{"Cy Idle", "Mia", "AUC", "Champion", "v3", "PSI"}},
		{name: "escaped CRM and rep text", actions: "", kinds: full, blocks: TeamBlocks("Mia", teamWeek(func(r *report.Team) {
			r.Reps = []store.RepActivity{{Name: "<!channel>", Tally: store.Tally{Delivered: 1}}}
			r.TopReasons[0].Label, r.DataQuality[0].Label, r.DataQuality[0].Source = "<!everyone>", "<b>", "<@U9>"
			r.Conflicts = []store.Conflict{{LeadName: "<!channel>", Company: "<@U123>", RepName: "<https://x|y>", Verdict: -1,
				Reason: ptrTo("<!here>"), Probability: 0.9, Outcome: ptrTo("lost")}}
			r.Stalled = []store.RepActivity{{Email: "<@U7>"}}
		})), want: []string{"• &lt;!channel&gt;: 1 sent", "&lt;!everyone&gt; (4)", "• &lt;b&gt; from *&lt;@U9&gt;*: 2",
			"• *&lt;!channel&gt;* (&lt;@U123&gt;) – &lt;https://x|y&gt; :-1: on a 90% lead (&lt;!here&gt;) → lost: *&lt;https://x|y&gt; was right*",
			"two weeks): &lt;@U7&gt;"},
			wantNot: []string{"<!channel>", "<@U123>", "<https://x|y>", "<!here>", "<!everyone>", "<b>", "<@U9>", "<@U7>"}},
		{name: "eight conflicts and five reasons at most", actions: "", kinds: full, blocks: TeamBlocks("Mia", teamWeek(func(r *report.Team) {
			r.Conflicts, r.TopReasons = nil, nil
			for i := 1; i <= 20; i++ {
				r.Conflicts = append(r.Conflicts, store.Conflict{LeadName: "Lead " + strconv.Itoa(i), RepName: "Ana", Verdict: -1, Probability: 0.9})
				r.TopReasons = append(r.TopReasons, store.ReasonCount{Label: "Reason " + strconv.Itoa(i), Count: 21 - i})
			}
		})), want: []string{"*Lead 8*", "Reason 5 (16)"}, wantNot: []string{"*Lead 9*", "Reason 6 ("}},
		{name: "drift and no model", actions: "", kinds: full, blocks: TeamBlocks("Mia", teamWeek(func(r *report.Team) {
			r.Health = report.Health{Outcomes: 3, RestN: 3, RestWon: 1, AUC: math.NaN(), TopBandPrec: math.NaN(), PSI: 0.3}
		})), want: []string{"None of the 3 leads with an outcome in the last 90 days had been called hot",
			"This week's scores look very different from the month before's"}, wantNot: []string{"Of the leads leadbot called hot", ":warning:", "PSI"}},
		{name: "moderate drift", actions: "", kinds: full, blocks: TeamBlocks("Mia", teamWeek(func(r *report.Team) { r.Health.PSI = 0.15 })),
			want: []string{"This week's scores have shifted a little from the month before's."}},
		{name: "a big team's list is cut at 3,000 characters", actions: "", kinds: full, blocks: TeamBlocks("Mia", teamWeek(func(r *report.Team) {
			for i := range 200 {
				r.Reps = append(r.Reps, store.RepActivity{Name: "Rep " + strconv.Itoa(i), Tally: store.Tally{Delivered: 5, Judged: 1, Up: 1}})
			}
		})), want: []string{"…"}, wantNot: []string{"Rep 199:"}},
	})
}

func TestAnnouncementBlocks(t *testing.T) {
	promoted := Announcement{Version: 4, ChampionVersion: 3, Promoted: true, Decision: "v4 ranks the hold-out better.",
		AUCBefore: 0.781, AUCAfter: 0.802, Holdout: 200, Outcomes: 500, FeedbackLabels: 120, ReasonCodes: 30,
		Moves: []FactorMove{{Column: "lead_source", Before: 0.1, After: 0.4}, {Column: "title", Before: 0.5, After: 0.2},
			{Column: "Reason: no_budget", Before: -0.2, After: -0.6}}}
	with := func(f func(*Announcement)) Announcement { a := promoted; f(&a); return a }
	cases := []struct {
		title string
		a     Announcement
		blocksCase
	}{
		{"New model v4 is live", promoted, blocksCase{name: "promoted", kinds: "header section section",
			want: []string{"v4 ranks the hold-out better.", "On the 200 latest outcomes, a lead that converted was ranked above one that did not 78 % of the time with v3, 80 % with v4 (a coin toss: 50 %).",
				"From the team: *120* :+1:/:-1: used as labels, *30* reason codes used as lead features, next to 500 CRM outcomes.",
				"What moved most: lead_source now counts more in a lead's favour; title now counts less in a lead's favour; the reason “No budget” now counts more against a lead"},
			wantNot: []string{"Only 500 outcomes", "ROC AUC"}}},
		{"Model v5 was trained but not promoted", with(func(a *Announcement) { a.Version, a.Promoted = 5, false }),
			blocksCase{name: "not promoted", kinds: "header section section", want: []string{"78 % of the time with v3, 80 % with v5"}, wantNot: []string{"What moved most"}}},
		{"New model v1 is live", with(func(a *Announcement) { a.Version, a.ChampionVersion, a.AUCBefore, a.Moves = 1, 0, math.NaN(), nil }),
			blocksCase{name: "first model", kinds: "header section section", want: []string{"On the 200 latest outcomes, a lead that converted was ranked above one that did not 80 % of the time"}, wantNot: []string{"v0", "What moved most"}}},
		{"Model v1 was trained but not promoted", with(func(a *Announcement) {
			a.Version, a.Promoted, a.AUCBefore, a.AUCAfter, a.UsingPrior, a.Outcomes = 1, false, math.NaN(), math.NaN(), true, 12
		}), blocksCase{name: "using the prior", kinds: "header section section",
			want:    []string{"Only 12 outcomes so far: leads are ranked by transparent rules plus your team's feedback until there are enough to learn from."},
			wantNot: []string{"ranked above"}}},
		{"Model rolled back to v3", with(func(a *Announcement) {
			a.Rollback, a.Version, a.ChampionVersion, a.Decision = true, 3, 4, "v4 misranked the week."
		}),
			blocksCase{name: "rollback", kinds: "header section", want: []string{"Leads are scored by *v3* again (it replaced v4). v4 misranked the week."},
				wantNot: []string{"From the team", "ranked above", "What moved most"}}},
		{"New model v4 is live", with(func(a *Announcement) {
			a.Decision, a.Moves = "<!channel> look & see", []FactorMove{{Column: "<@U1>", Before: 0.1, After: 0.2}}
		}),
			blocksCase{name: "escaped", kinds: "header section section", want: []string{"&lt;!channel&gt; look &amp; see", "&lt;@U1&gt; now counts more in a lead's favour"},
				wantNot: []string{"<!channel>", "<@U1>"}}},
		{"New model v4 is live", with(func(a *Announcement) { a.Decision = "" }),
			blocksCase{name: "no decision", kinds: "header section section", want: []string{"Leads are scored by v4 from now on."}}},
	}
	for _, tc := range cases {
		bs, title := AnnouncementBlocks(tc.a)
		if h, ok := bs[0].(*slack.HeaderBlock); title != tc.title || !ok || h.Text.Text != tc.title {
			t.Errorf("%s: title %q, header %v, want %q", tc.name, title, bs[0], tc.title)
		}
		tc.blocks, tc.actions = bs, ""
		runBlocks(t, []blocksCase{tc.blocksCase})
	}
}

func TestPickList(t *testing.T) {
	many := make([]leadbot.Lead, 12)
	for i := range many {
		many[i] = leadbot.Lead{ID: int64(i + 1), ExternalID: "00Q" + strconv.Itoa(i+1), Name: "Lead " + strconv.Itoa(i+1)}
	}
	escaped := testLead()
	escaped.Name, escaped.Company = "<@U123>", "<https://x|y>"
	long := testLead()
	long.Name = strings.Repeat("n", 5000)
	runBlocks(t, []blocksCase{
		{name: "two matches", blocks: pickList("acme", []leadbot.Lead{testLead(), {ID: 7, ExternalID: "00Q7"}}),
			kinds: "section section section", ids: "- pick_42 pick_7", actions: "lead_show lead_show", values: []string{"42", "7"},
			want: []string{"2 leads match “acme”:", "*Jane Doe* · Acme &amp; Co · 72%", "*00Q7* · _no score yet: it arrived after the last scoring run_", "Show"}, wantNot: []string{"more:"}},
		{name: "a closed lead says why it has no score", blocks: pickList("acme", []leadbot.Lead{{ID: 8, ExternalID: "00Q8", Status: "won"}}),
			kinds: "section section", ids: "- pick_8", actions: "lead_show",
			want: []string{"*00Q8* · _no score: closed (won), and only open leads are scored_"}},
		{name: "ten shown, the rest counted", blocks: pickList("lead", many),
			kinds:   strings.Repeat("section ", 11) + "context",
			ids:     "- pick_1 pick_2 pick_3 pick_4 pick_5 pick_6 pick_7 pick_8 pick_9 pick_10 more",
			actions: strings.TrimSpace(strings.Repeat("lead_show ", 10)),
			want:    []string{"12 leads match “lead”:", "*Lead 10*", "…and 2 more: add words to narrow the search."}, wantNot: []string{"Lead 11"}},
		{name: "escaped query and lead text", blocks: pickList(rawMarkup, []leadbot.Lead{escaped}),
			kinds: "section section", ids: "- pick_42", actions: "lead_show",
			want:    []string{"1 leads match “&lt;!channel&gt; &lt;@U123&gt; &lt;https://x|y&gt;”:", "*&lt;@U123&gt;* · &lt;https://x|y&gt; · 72%"},
			wantNot: []string{"<!channel>", "<@U123>", "<https://x|y>"}},
		{name: "a very long name", blocks: pickList("n", []leadbot.Lead{long}), kinds: "section section", ids: "- pick_42", actions: "lead_show",
			want: []string{"*" + strings.Repeat("n", 149) + "…*"}},
	})
}
