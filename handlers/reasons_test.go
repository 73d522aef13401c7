package handlers

import (
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
)

func TestSentence(t *testing.T) {
	f := func(col, label string, v float64) leadbot.Factor {
		return leadbot.Factor{Column: col, Label: label, Value: v}
	}
	ana := []Said{{Code: "leadership_change", Label: "Leadership change", Who: "Ana", AccountWide: true, At: cardNow.AddDate(0, 0, -3)}}
	cases := []struct {
		name string
		f    leadbot.Factor
		said []Said
		want string
	}{
		{"a category", f("Lead Source", "Lead Source: Referral", 1), nil, "Lead Source is Referral"},
		{"a number with its percentile, one bracket", f("Visits (30 days)", "Visits (30 days): 25 (top 1 %)", 1), nil, "Visits (30 days): 25, more than 99 % of leads"},
		{"a low number", f("Employees", "Employees: 3 (bottom 5 %)", 0.4), nil, "Employees: 3, less than 95 % of leads"},
		{"a number against the lead is explained", f("Time on website (s)", "Time on website (s): 586", -0.4), nil,
			"Time on website (s): 586 — leads like this converted less often"},
		{"a unit", f("Time on website", "Time on website: 1,240 s (top 10 %)", 0.4), nil, "Time on website: 1,240 s, more than 90 % of leads"},
		{"missing", f("Country", "Country: missing", -0.3), nil, "Country is not filled in"},
		{"a date", f("Last activity", "Last activity: 3 days ago", 0.3), nil, "Last activity was 3 days ago"},
		{"a category that starts like a date is a category", f("Stage", "Stage: in progress", 0.3), nil, "Stage is in progress"},
		{"a reason code, who said it", f("Reason: leadership_change", "Reason: leadership_change: 1", -1), ana,
			"Ana reported “Leadership change” (whole account), 3 days ago"},
		{"a reason code given twice", f("Reason: leadership_change", "Reason: leadership_change: 2", -1), append(ana, ana[0]),
			"Ana reported “Leadership change” (whole account), 3 days ago (and 1 more)"},
		{"a reason code, nobody known", f("Reason: leadership_change", "Reason: leadership_change: 1 (top 1 %)", -1), nil,
			"A teammate reported “Leadership change”"},
		{"a reason code in words, not bytes", f("Reason: été_tardif", "Reason: été_tardif: 1", -1), nil, "A teammate reported “Été tardif”"},
		{"votes", f("Rep vote", "Rep vote: -2", -0.5), nil, "Teammates judged it :-1:"},
		{"a label of another shape stays as the model worded it", f("source", "Lead Source: Reference", 1), nil, "Lead Source: Reference"},
		{"escaped", f("<!here>", "<!here>: <@U1>", 1), nil, "&lt;!here&gt; is &lt;@U1&gt;"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := sentence(tc.f, tc.said, cardNow); got != tc.want {
				t.Errorf("sentence = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCardReasonsInARepsWords: absent reason features are no reason, internal names never
// show, brackets never stack, and a fact is not said twice.
func TestCardReasonsInARepsWords(t *testing.T) {
	c := card(func(c *Card) {
		c.Lead.Source = "Referral"
		c.Factors = leadbot.Factors{Factors: []leadbot.Factor{
			{Column: "Lead Source", Label: "Lead Source: Referral", Value: 1.2},
			{Column: "Reason: leadership_change", Label: "Reason: leadership_change: 0 (bottom 1 %)", Value: 0.9},
			{Column: "Visits", Label: "Visits: 25 (top 1 %)", Value: 0.5},
			{Column: "Reason: no_budget", Label: "Reason: no_budget: 1", Value: -0.8},
		}}
		c.Said = []Said{{Code: "no_budget", Label: "No budget", Who: "Ana", At: cardNow.Add(-time.Hour)}}
	})
	text := strings.Join(jsonStrings(t, CardBlocks(c, cardNow), "text"), "\n")
	checkText(t, text, []string{":arrow_up: Lead Source is Referral _(strong)_", ":arrow_up: Visits: 25, more than 99 % of leads _(moderate)_",
		":arrow_down: Ana reported “No budget”, today _(moderate)_"},
		[]string{"Reason:", "leadership_change", "no_budget", ") _(", "Source: Referral"})
}
