package handlers

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/scoring"
)

// What a rep reads as the "why" of a score: each factor a sentence about the lead, made from
// what the data gives (the column, the value with its unit, the percentile), never the
// model's internal names ("Reason: leadership_change: 0 (bottom 1 %)").

// Said is a teammate's reason behind a reason-code factor: who gave which reason, when, and
// whether for the whole account.
type Said struct {
	Code, Label string
	Who         string
	AccountWide bool
	At          time.Time
	Company     string // the lead's company, named when the reason was for the whole account
}

var percentileRE = regexp.MustCompile(`\s*\((top|bottom) (\d+) %\)$`)
var numberRE = regexp.MustCompile(`^-?[0-9][0-9,]*(\.[0-9]+)?( \S+)?$`)

// dateRE matches a date column's value as scoring words it ("today", "3 days ago", "in 2 days").
var dateRE = regexp.MustCompile(`^(today|[0-9,]+ days? ago|in [0-9,]+ days?)$`)

// factorValue splits a factor's label ("Column: value (top 10 %)") into the value and the
// percentile clause; a label of another shape is returned whole as the value.
func factorValue(f leadbot.Factor) (value, side string, pct int) {
	value = strings.TrimPrefix(f.Label, f.Column+": ")
	if m := percentileRE.FindStringSubmatch(value); m != nil {
		value = value[:len(value)-len(m[0])]
		side = m[1]
		pct, _ = strconv.Atoi(m[2])
	}
	return strings.TrimSpace(value), side, pct
}

// count reads a reason or vote feature's value, a count ("2"); ok is false for anything else.
func count(value string) (float64, bool) {
	n, err := strconv.ParseFloat(strings.ReplaceAll(value, ",", ""), 64)
	return n, err == nil
}

// present reports whether a factor is something about the lead a rep can read: a reason code
// nobody gave (its feature at 0) or a net vote of 0 is no reason at all.
func present(f leadbot.Factor) bool {
	if !strings.HasPrefix(f.Column, scoring.ReasonPrefix) && f.Column != scoring.VoteColumn {
		return true
	}
	v, _, _ := factorValue(f)
	n, ok := count(v)
	return !ok || n != 0
}

// readable keeps the factors worth a sentence (present), in their order.
func readable(fs leadbot.Factors) leadbot.Factors {
	out := fs
	out.Factors = nil
	for _, f := range fs.Factors {
		if present(f) {
			out.Factors = append(out.Factors, f)
		}
	}
	return out
}

// sentence words factor f for a rep, escaped for mrkdwn; said are the reasons teammates gave
// on the lead, for reason-code factors.
func sentence(f leadbot.Factor, said []Said, now time.Time) string {
	value, side, pct := factorValue(f)
	col := crm(f.Column, shortChars)
	switch {
	case strings.HasPrefix(f.Column, scoring.ReasonPrefix):
		return saidSentence(strings.TrimPrefix(f.Column, scoring.ReasonPrefix), said, now)
	case f.Column == scoring.VoteColumn:
		if n, _ := count(value); n < 0 {
			return "Teammates judged it :-1:"
		}
		return "Teammates judged it :+1:"
	case value == "missing":
		return col + " is not filled in"
	case dateRE.MatchString(value):
		return col + " was " + crm(value, shortChars)
	case !numberRE.MatchString(value):
		if value == f.Label { // not the "Column: value" shape: the words as the model gave them
			return crm(value, labelChars)
		}
		if yesNo(value) { // "Opened last email: no", not "Opened last email is No"
			return col + ": " + strings.ToLower(crm(value, labelChars))
		}
		return col + " is " + crm(value, labelChars)
	}
	// A number reads as the column's value ("Website visits: 10"): "is" would make "Website
	// visits is 10" of every plural column name.
	s := col + ": " + crm(value, shortChars)
	switch side {
	case "top":
		s += fmt.Sprintf(", more than %d %% of leads", 100-pct)
	case "bottom":
		s += fmt.Sprintf(", less than %d %% of leads", 100-pct)
	}
	if f.Value < 0 {
		// A number that counts against the lead may read as good (time on the site): say why.
		s += " — leads like this converted less often"
	}
	return s
}

// saidSentence is a reason-code factor as what a teammate said: "Ana said “No budget” (whole
// account), 3 days ago", or, when who said it is not known here, the reason alone.
func saidSentence(code string, said []Said, now time.Time) string {
	for i, s := range said {
		if s.Code != code {
			continue
		}
		out := fmt.Sprintf("%s reported “%s”", crm(orDefault(s.Who, "A teammate"), shortChars), crm(orDefault(s.Label, humanize(code)), reasonChars))
		switch {
		case s.AccountWide && s.Company != "":
			out += " at " + crm(s.Company, shortChars) + " (whole account)"
		case s.AccountWide:
			out += " (whole account)"
		}
		out += ", " + age(now, s.At)
		if more := countCode(said[i+1:], code); more > 0 {
			out += fmt.Sprintf(" (and %d more)", more)
		}
		return out
	}
	return "A teammate reported “" + crm(humanize(code), reasonChars) + "”"
}

func countCode(said []Said, code string) int {
	n := 0
	for _, s := range said {
		if s.Code == code {
			n++
		}
	}
	return n
}

// humanize turns a reason code into words: "leadership_change" → "Leadership change".
func humanize(code string) string {
	return titleCase(strings.TrimSpace(strings.NewReplacer("_", " ", "-", " ").Replace(code)))
}

// repeats reports whether a context fact (the lead's source) is already a shown reason.
func repeats(value string, shown []leadbot.Factor) bool {
	for _, f := range shown {
		if v, _, _ := factorValue(f); value != "" && strings.EqualFold(v, value) {
			return true
		}
	}
	return false
}

// withSaid gives cards the reasons teammates gave on each lead (active 👎 with a code), for
// the reason-code factors' sentences.
func (s *Service) withSaid(ctx context.Context, cards []Card) ([]Card, error) {
	var labels map[string]string
	for i, c := range cards {
		if !hasReasonFactor(c.Factors) {
			continue
		}
		if labels == nil {
			codes, err := s.st.ReasonCodes(ctx)
			if err != nil {
				return nil, err
			}
			labels = map[string]string{}
			for _, rc := range codes {
				labels[rc.Code] = rc.Label
			}
		}
		said, err := s.st.ReasonsSaid(ctx, c.Lead.ID)
		if err != nil {
			return nil, err
		}
		for _, f := range said {
			cards[i].Said = append(cards[i].Said, Said{Code: f.Reason, Label: labels[f.Reason],
				Who: orDefault(firstName(f.RepName), f.RepEmail), AccountWide: f.AccountWide, At: f.CreatedAt,
				Company: c.Lead.Company})
		}
	}
	return cards, nil
}

func hasReasonFactor(fs leadbot.Factors) bool {
	for _, f := range fs.Factors {
		if strings.HasPrefix(f.Column, scoring.ReasonPrefix) && present(f) {
			return true
		}
	}
	return false
}

// yesNo reports whether a category value is a yes or a no.
func yesNo(v string) bool {
	switch strings.ToLower(v) {
	case "yes", "no", "true", "false":
		return true
	}
	return false
}
