package crm

import (
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leadbot/leadbot"
)

// Leads reads the file's rows as leads. A bad row comes as a *RowError and reading goes on;
// any other error ends the sequence.
func (f *File) Leads() iter.Seq2[leadbot.LeadRecord, error] {
	keys := make([]string, len(f.Columns.Attributes))
	for i, a := range f.Columns.Attributes {
		keys[i] = string(AppendJSONString(nil, a.Name)) + ":"
	}
	var buf []byte
	return rowsOf(f, "id", func(l leadbot.LeadRecord) string { return l.ExternalID }, func(rec []string, line int) (leadbot.LeadRecord, string) {
		l := leadbot.LeadRecord{
			Line:       line,
			ExternalID: f.get(rec, "id"),
			Name:       f.get(rec, "name"),
			Company:    f.get(rec, "company"),
			Email:      NormEmail(f.get(rec, "email")),
			OwnerEmail: NormEmail(f.get(rec, "owner_email")),
			Source:     f.get(rec, "source"),
			Status:     LeadStatus(f.get(rec, "status")),
		}
		if l.ExternalID == "" {
			return l, "missing id"
		}
		if bad := checkKeys("id", l.ExternalID, "company", l.Company, "email", l.Email, "owner_email", l.OwnerEmail); bad != "" {
			return l, bad
		}
		var bad string
		if l.CreatedAt, bad = f.date(rec, "created_at"); bad != "" {
			return l, bad
		}
		buf = append(buf[:0], '{')
		for i, a := range f.Columns.Attributes {
			v := f.missing.clean(rec[a.Index])
			if v == "" {
				continue
			}
			if len(buf) > 1 {
				buf = append(buf, ',')
			}
			buf = append(buf, keys[i]...)
			buf = AppendJSONString(buf, v)
		}
		buf = append(buf, '}')
		l.Attributes = string(buf)
		return l, ""
	})
}

// Outcomes reads the file's rows as outcomes.
func (f *File) Outcomes() iter.Seq2[leadbot.OutcomeRecord, error] {
	return rowsOf(f, "lead_id", func(o leadbot.OutcomeRecord) string { return o.LeadID }, func(rec []string, line int) (leadbot.OutcomeRecord, string) {
		o := leadbot.OutcomeRecord{Line: line, LeadID: f.get(rec, "lead_id")}
		if o.LeadID == "" {
			return o, "missing lead_id"
		}
		if bad := checkKeys("lead_id", o.LeadID); bad != "" {
			return o, bad
		}
		raw := f.get(rec, "outcome")
		var ok bool
		if o.Outcome, ok = ParseOutcome(raw); !ok {
			if raw == "" {
				return o, "missing outcome"
			}
			return o, "unknown outcome " + quote(raw) + " (use won, lost, converted or disqualified)"
		}
		var bad string
		if o.OccurredAt, bad = f.date(rec, "occurred_at"); bad != "" {
			return o, bad
		}
		if o.OccurredAt.IsZero() {
			return o, "missing occurred_at"
		}
		if v := f.get(rec, "amount"); v != "" {
			n, err := ParseNumber(v)
			if err != nil {
				return o, "amount: " + err.Error()
			}
			o.Amount = n
		}
		return o, ""
	})
}

// Reps reads the file's rows as reps.
func (f *File) Reps() iter.Seq2[leadbot.RepRecord, error] {
	zones := map[string]bool{}
	return rowsOf(f, "email", func(r leadbot.RepRecord) string { return r.Email }, func(rec []string, line int) (leadbot.RepRecord, string) {
		r := leadbot.RepRecord{
			Line:         line,
			Email:        NormEmail(f.get(rec, "email")),
			Name:         f.get(rec, "name"),
			ManagerEmail: NormEmail(f.get(rec, "manager_email")),
			SlackUserID:  f.get(rec, "slack_user_id"),
			Timezone:     f.get(rec, "timezone"),
		}
		if bad := checkKeys("email", r.Email, "manager_email", r.ManagerEmail, "slack_user_id", r.SlackUserID); bad != "" {
			return r, bad
		}
		switch {
		case r.Email == "":
			return r, "missing email"
		case !strings.Contains(r.Email, "@"):
			return r, "email " + quote(r.Email) + " is not an email address"
		case r.ManagerEmail == r.Email:
			return r, "is their own manager"
		}
		var bad string
		if r.DeliveryHour, bad = parseHour(f.get(rec, "delivery_hour")); bad != "" {
			return r, bad
		}
		if v := f.get(rec, "leads_per_day"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < MinLeadsPerDay || n > MaxLeadsPerDay {
				return r, fmt.Sprintf("leads_per_day %s is not a whole number from %d to %d", quote(v), MinLeadsPerDay, MaxLeadsPerDay)
			}
			r.LeadsPerDay = n
		}
		if tz := r.Timezone; tz != "" {
			ok, seen := zones[tz]
			if !seen {
				_, err := time.LoadLocation(tz)
				ok = err == nil && tz != "Local"
				zones[tz] = ok
			}
			if !ok {
				return r, "unknown time zone " + quote(tz) + " (use an IANA name such as Europe/Berlin)"
			}
		}
		return r, ""
	})
}

// checkKeys checks (field, value) pairs that PostgreSQL indexes against MaxKeyBytes.
func checkKeys(kv ...string) string {
	for i := 0; i+1 < len(kv); i += 2 {
		if why := CheckKey(kv[i+1]); why != "" {
			return kv[i] + " " + why
		}
	}
	return ""
}

// The bounds of a rep's digest size, as the reps table allows.
const (
	MinLeadsPerDay = 1
	MaxLeadsPerDay = 20
)

// parseHour reads a delivery hour: a whole hour from 0 to 23, written 9, 09, 9:00, 09:00, 9am or
// 9 PM. "" is missing (-1).
func parseHour(v string) (int, string) {
	if v == "" {
		return -1, ""
	}
	s := strings.ToLower(strings.ReplaceAll(v, " ", ""))
	pm := strings.HasSuffix(s, "pm")
	ampm := pm || strings.HasSuffix(s, "am")
	if ampm {
		s = s[:len(s)-2]
	}
	s = strings.TrimSuffix(s, ":00")
	h, err := strconv.Atoi(s)
	switch {
	case err != nil, h < 0, h > 23, ampm && (h < 1 || h > 12):
		return 0, "delivery_hour " + quote(v) + " is not a whole hour (use 0 to 23, e.g. 9, 09:00 or 9 AM)"
	case ampm && pm && h != 12:
		h += 12
	case ampm && !pm && h == 12:
		h = 0
	}
	return h, ""
}

func quote(s string) string { return string(AppendJSONString(nil, s)) }

const hex = "0123456789abcdef"

// AppendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD, as encoding/json
// does. Hand-written because it runs for every attribute of every row (and of every webhook).
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
