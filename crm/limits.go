package crm

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The bounds of what one lead, one row and one file may carry, from a CSV export or a webhook.
// Each is above what a real CRM export holds, and each keeps a single input from taking the
// memory of everything after it (one 100,000-attribute lead once took the scoring job past
// 6 GB):
//
//   - MaxAttributes: HubSpot allows 1,000 custom properties on an object and Salesforce 800
//     custom fields; an export of every one of them fits.
//   - MaxFieldBytes: Salesforce's longest text field (Long Text Area) holds 131,072 characters
//     and HubSpot's 65,536; 256 KiB holds the former even at two bytes a character.
//   - MaxNameBytes: field names are 40 (Salesforce API names) to 100 characters (HubSpot); a
//     header that is a whole question still fits in 1 KiB.
//   - MaxColumns: the attributes and leadbot's own fields with room to spare.
//   - MaxRecordBytes: one CSV record (a row, with quoted line breaks): 1,000 attributes of 4 KB.
//   - MaxKeyBytes: what PostgreSQL indexes (an id, an email, a company, a Slack user id) must
//     stay under its B-tree entry limit (2,704 bytes) or the write fails as a server error;
//     CRM ids are 18 characters (Salesforce), emails at most 254 (RFC 5321).
const (
	MaxKeyBytes    = 1 << 10
	MaxAttributes  = 1000
	MaxFieldBytes  = 256 << 10
	MaxNameBytes   = 1 << 10
	MaxColumns     = 1024
	MaxRecordBytes = 4 << 20
)

// CheckValue says what is wrong with a field's value, "" when nothing: PostgreSQL stores no NUL
// and no invalid UTF-8, and a value past MaxFieldBytes is refused rather than cut.
func CheckValue(v string) string {
	switch {
	case strings.IndexByte(v, 0) >= 0:
		return "contains a NUL character (\\u0000), which leadbot cannot store: remove it"
	case !utf8.ValidString(v):
		return "is not valid UTF-8: save the export as UTF-8"
	case len(v) > MaxFieldBytes:
		return fmt.Sprintf("is %s long; leadbot takes at most %s in one field: shorten it or leave it out", Size(len(v)), Size(MaxFieldBytes))
	}
	return ""
}

// CheckKey is CheckValue for what PostgreSQL indexes: at most MaxKeyBytes.
func CheckKey(v string) string {
	if len(v) > MaxKeyBytes && strings.IndexByte(v, 0) < 0 && utf8.ValidString(v) {
		return fmt.Sprintf("is %s long; an id, an email or a company may have at most %s", Size(len(v)), Size(MaxKeyBytes))
	}
	return CheckValue(v)
}

// CheckName says what is wrong with an attribute's name (a column header), "" when nothing.
func CheckName(name string) string {
	switch {
	case strings.IndexByte(name, 0) >= 0:
		return "contains a NUL character (\\u0000): remove it"
	case !utf8.ValidString(name):
		return "is not valid UTF-8: save the export as UTF-8"
	case strings.ContainsFunc(name, isControl):
		return "contains control characters: name it with printable text"
	case len(name) > MaxNameBytes:
		return fmt.Sprintf("is %s long; an attribute's name may have at most %s", Size(len(name)), Size(MaxNameBytes))
	}
	return ""
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// Size writes a byte count for a person: 512 bytes, 64 KiB, 4.5 MiB; a count just past a
// bound in bytes (262,145 bytes), so that it never reads as the bound itself.
func Size(n int) string {
	unit, name := 1<<20, "MiB"
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		unit, name = 1<<10, "KiB"
	}
	if n%unit == 0 {
		return fmt.Sprintf("%d %s", n/unit, name)
	}
	if s := fmt.Sprintf("%.1f", float64(n)/float64(unit)); !strings.HasSuffix(s, ".0") {
		return s + " " + name
	}
	return fmt.Sprintf("%d bytes", n)
}

// Quote writes text from a file for a message: quoted, with control bytes and invalid UTF-8
// escaped (a binary file's header must not put raw bytes on a terminal), cut to 40 characters.
func Quote(s string) string {
	if r := []rune(s); len(r) > 40 {
		return fmt.Sprintf("%q…", string(r[:40]))
	}
	return fmt.Sprintf("%q", s)
}

// earliestDate is the first date a CRM record can plausibly carry: no CRM holds leads from
// before it, and what comes before it is a spreadsheet's day zero (1899-12-30) or a typo.
var earliestDate = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// CheckDate says why t cannot be when a lead was created or an outcome happened, "" when it can:
// before 1970, or more than a year after now (a zero now: after 2100). Year 9999 is a CRM's
// "no date" placeholder, never a date.
func CheckDate(t, now time.Time) string {
	latest := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	if !now.IsZero() {
		latest = now.AddDate(1, 0, 0)
	}
	if t.Before(earliestDate) || t.After(latest) {
		return fmt.Sprintf("date %s is not plausible (before 1970 or more than a year from now): check the column, or leave it empty when the date is unknown",
			t.Format(time.DateOnly))
	}
	return ""
}
