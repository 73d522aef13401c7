package crm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// DateOrder says how to read an ambiguous numeric date such as 03/05/2024.
type DateOrder int

// The two readings of a slashed date.
const (
	MDY DateOrder = iota // 03/05/2024 is March 5 (US, Salesforce's default)
	DMY                  // 03/05/2024 is 3 May
)

// ParseDateOrder accepts "mdy" or "dmy".
func ParseDateOrder(s string) (DateOrder, error) {
	switch strings.ToLower(s) {
	case "mdy", "":
		return MDY, nil
	case "dmy":
		return DMY, nil
	}
	return 0, fmt.Errorf("date order %q: use mdy or dmy", s)
}

// DateParser reads the dates CRMs write. Layouts are chosen by the shape of the value so that
// the common ISO case costs one attempt, not twenty.
type DateParser struct {
	Order    DateOrder
	Location *time.Location // for values without a zone; nil means UTC
	Extra    []string       // Go layouts tried after the built-in ones
}

var (
	isoLayouts = []string{
		time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04",
		"2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 MST",
		"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02",
		"2006/01/02", "2006/01/02 15:04:05", "2006/01/02 15:04",
	}
	slashTimes  = []string{"", " 15:04", " 15:04:05", " 3:04 PM", " 3:04:05 PM", " 3:04PM", " 15:04:05Z07:00"}
	mdyLayouts  = withTimes([]string{"1/2/2006", "1/2/06"}, slashTimes)
	dmyLayouts  = withTimes([]string{"2/1/2006", "2/1/06"}, slashTimes)
	dotLayouts  = withTimes([]string{"2.1.2006", "2.1.06"}, []string{"", " 15:04", " 15:04:05"})
	wordLayouts = []string{
		"2 Jan 2006", "2 January 2006", "Jan 2, 2006", "January 2, 2006", "Jan 2 2006", "January 2 2006",
		"2-Jan-2006", "2-Jan-06", "02-Jan-2006", "2 Jan 2006 15:04", "2 Jan 2006 15:04:05",
		"Jan 2, 2006 3:04 PM", "Jan 2, 2006, 3:04 PM", "Jan 2, 2006 15:04", "January 2, 2006 3:04 PM",
		time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700", "Mon Jan 2 15:04:05 MST 2006",
	}
)

func withTimes(dates, times []string) []string {
	var out []string
	for _, d := range dates {
		for _, t := range times {
			out = append(out, d+t)
		}
	}
	return out
}

// Parse reads s (already trimmed and known not to be missing).
func (p *DateParser) Parse(s string) (time.Time, error) {
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	if s == "" {
		return time.Time{}, errors.New("empty date")
	}
	var layouts []string
	hint := ""
	switch {
	case allDigits(s):
		return parseDigits(s, loc)
	case len(s) >= 8 && s[4] == '-' || len(s) >= 8 && s[4] == '/':
		if t, ok := parseISO(s, loc); ok {
			return t, nil
		}
		layouts = isoLayouts
	case strings.Contains(s, "/"):
		if p.Order == DMY {
			layouts, hint = dmyLayouts, " as day/month/year (--date-order dmy)"
		} else {
			layouts, hint = mdyLayouts, " as month/day/year (use --date-order dmy for day/month/year)"
		}
	case strings.Count(s, ".") >= 2:
		layouts = dotLayouts
	case strings.IndexFunc(s, unicode.IsLetter) >= 0:
		layouts = wordLayouts
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	for _, l := range p.Extra {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read date %q%s", s, hint)
}

// parseISO reads YYYY-MM-DD, optionally followed by T or a space, HH:MM[:SS[.fraction]] and
// Z or ±HH[:]MM, without time.Parse's layout interpretation: it is what most exports hold and
// runs once per row. Anything else returns false and goes to the layouts.
func parseISO(s string, loc *time.Location) (time.Time, bool) {
	num := func(i, n int) (int, bool) {
		if i+n > len(s) {
			return 0, false
		}
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	if !ok1 || !ok2 || !ok3 || s[4] != '-' || s[7] != '-' || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) {
		return time.Time{}, false
	}
	var h, mi, sec, nsec int
	i := 10
	if i < len(s) {
		if s[i] != 'T' && s[i] != ' ' {
			return time.Time{}, false
		}
		var ok4, ok5 bool
		h, ok4 = num(i+1, 2)
		mi, ok5 = num(i+4, 2)
		if !ok4 || !ok5 || s[i+3] != ':' || h > 23 || mi > 59 {
			return time.Time{}, false
		}
		i += 6
		if i < len(s) && s[i] == ':' {
			var ok bool
			if sec, ok = num(i+1, 2); !ok || sec > 59 {
				return time.Time{}, false
			}
			i += 3
			if i < len(s) && (s[i] == '.' || s[i] == ',') {
				j, scale := i+1, 100_000_000
				for ; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
					nsec += int(s[j]-'0') * scale
					scale /= 10
				}
				if j == i+1 {
					return time.Time{}, false
				}
				i = j
			}
		}
	}
	switch rest := s[i:]; {
	case rest == "":
	case rest == "Z":
		loc = time.UTC
	case len(rest) == 6 && rest[3] == ':' || len(rest) == 5:
		oh, ok1 := num(i+1, 2)
		om, ok2 := num(len(s)-2, 2)
		if !ok1 || !ok2 || rest[0] != '+' && rest[0] != '-' || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		off := oh*3600 + om*60
		if rest[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	default:
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, nsec, loc), true
}

func daysIn(m, y int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseDigits reads 20240305, unix seconds (9–11 digits) and unix milliseconds (12–13, HubSpot).
func parseDigits(s string, loc *time.Location) (time.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
	case len(s) == 8:
		return time.ParseInLocation("20060102", s, loc)
	case len(s) >= 9 && len(s) <= 11:
		return time.Unix(n, 0).UTC(), nil
	case len(s) >= 12 && len(s) <= 13:
		return time.UnixMilli(n).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("cannot read date %q (digits only: use YYYYMMDD, unix seconds or milliseconds)", s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// maxAmount is what fits numeric(16, 2).
const maxAmount = 1e14

// ParseNumber reads an amount as CRMs write it — "1234.5", "$1,234.50", "1.234,50 €",
// "EUR 1 234,50", "(120.00)" — and returns it in canonical form ("1234.50" → "1234.5"). When a
// value has both ',' and '.', the last one is the decimal mark; a lone ',' followed by exactly
// three digits is a thousands separator (US "1,234"), otherwise a decimal comma ("12,5").
func ParseNumber(s string) (string, error) {
	orig := s
	neg := false
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = true, s[1:len(s)-1]
	}
	// Drop a currency symbol or code at either end, then spaces (also no-break) and Swiss
	// apostrophes used as thousands separators; anything else left over is not a number.
	s = strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsLetter(r) || unicode.Is(unicode.Sc, r) || unicode.IsSpace(r)
	})
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\'' || r == '’' {
			return -1
		}
		return r
	}, s)
	if strings.TrimLeft(s, "0123456789.,-+") != "" {
		return "", fmt.Errorf("cannot read number %q", orig)
	}
	comma, dot := strings.LastIndexByte(s, ','), strings.LastIndexByte(s, '.')
	switch {
	case comma >= 0 && dot >= 0:
		if comma > dot {
			s = strings.ReplaceAll(s, ".", "")
			s = strings.Replace(s, ",", ".", 1)
		} else {
			s = strings.ReplaceAll(s, ",", "")
		}
	case comma >= 0:
		if strings.Count(s, ",") > 1 || len(s)-comma-1 == 3 {
			s = strings.ReplaceAll(s, ",", "")
		} else {
			s = strings.Replace(s, ",", ".", 1)
		}
	case strings.Count(s, ".") > 1:
		s = strings.ReplaceAll(s, ".", "")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || s == "" {
		return "", fmt.Errorf("cannot read number %q", orig)
	}
	if neg {
		f = -f
	}
	if f >= maxAmount || f <= -maxAmount {
		return "", fmt.Errorf("number %q is too large", orig)
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

// NormEmail lower-cases and trims an email, as the reps table demands.
func NormEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ParseOutcome accepts won, lost, converted and disqualified (any case), and the stage names
// Salesforce and HubSpot export for the first two: "Closed Won", "closedwon", "Closed Lost",
// "closedlost".
func ParseOutcome(s string) (string, bool) {
	v := strings.Join(strings.Fields(strings.ToLower(s)), " ")
	switch v {
	case "won", "lost", "converted", "disqualified":
		return v, true
	case "closed won", "closedwon", "closed - won":
		return "won", true
	case "closed lost", "closedlost", "closed - lost":
		return "lost", true
	}
	return "", false
}

// closedStatuses are lead statuses that end a lead's life, besides anything containing "closed"
// (Salesforce's "Closed - Converted") and HubSpot's UNQUALIFIED.
var closedStatuses = map[string]bool{
	"closed": true, "converted": true, "unqualified": true, "disqualified": true,
	"won": true, "lost": true, "dead": true, "junk": true,
}

// LeadStatus maps a CRM lead status to leadbot's open/closed: closed when it says so, open for
// everything else ("New", "Working - Contacted", "IN_PROGRESS") and when it is missing.
func LeadStatus(s string) string {
	v := strings.ToLower(strings.TrimSpace(s))
	if closedStatuses[v] || strings.Contains(v, "closed") {
		return "closed"
	}
	return "open"
}

// missingSet holds the missing-value tokens, lower-cased.
type missingSet struct {
	tokens map[string]bool
	maxLen int
}

func newMissingSet(tokens []string) missingSet {
	m := missingSet{tokens: map[string]bool{"": true}}
	for _, t := range tokens {
		t = strings.ToLower(strings.TrimSpace(t))
		m.tokens[t] = true
		m.maxLen = max(m.maxLen, len(t))
	}
	return m
}

// clean trims v and returns "" when it is a missing-value token.
func (m missingSet) clean(v string) string {
	v = strings.TrimSpace(v)
	if len(v) <= m.maxLen && m.tokens[strings.ToLower(v)] {
		return ""
	}
	return v
}
