// Package crm reads CRM exports (CSV from Salesforce, HubSpot and friends) the way they really
// come: UTF-8 with or without a byte-order mark, `,` `;` or tab as the delimiter, quoted fields
// with embedded newlines, CRLF line ends, "N/A"-style missing values and a dozen date formats.
//
// It maps the file's columns to leadbot's fields (leads, outcomes, reps), parses and validates
// each row, and reports bad rows with the physical line where the record starts, so that a
// RevOps engineer can open the file at that line. It is pure: no database, no network; the
// checks that need the database (unknown owners, unknown leads) are the store's.
package crm

import (
	"bufio"
	"bytes"
	"io"
)

// Dialect describes how a CSV file is written.
type Dialect struct {
	Comma rune // ',', ';' or '\t'
	BOM   bool // the file started with a UTF-8 byte-order mark
	CRLF  bool // the header line ended with \r\n
	CR    bool // lines end with a lone \r (classic Mac OS; Excel for Mac's plain "CSV")
}

// String names the dialect for logs, e.g. "semicolon-separated, BOM, CRLF".
func (d Dialect) String() string {
	s := map[rune]string{',': "comma", ';': "semicolon", '\t': "tab"}[d.Comma] + "-separated"
	if d.BOM {
		s += ", BOM"
	}
	if d.CRLF {
		s += ", CRLF"
	}
	if d.CR {
		s += ", CR line ends"
	}
	return s
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// sniffWindow is how much of the file the detection looks at: the header line is enough, but
// a header may be long (hundreds of HubSpot properties).
const sniffWindow = 64 << 10

// Sniff detects the dialect from the start of br without consuming anything but the byte-order
// mark, which it discards. The delimiter is the most frequent of `,` `;` and tab outside quotes
// on the header line; ties go to the comma (a one-column file has none at all).
func Sniff(br *bufio.Reader) (Dialect, error) {
	var d Dialect
	if b, _ := br.Peek(3); bytes.Equal(b, bom) {
		d.BOM = true
		br.Discard(3)
	}
	head, err := br.Peek(sniffWindow)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return d, err
	}
	d.Comma, d.CRLF, d.CR = sniffHeader(head)
	return d, nil
}

// sniffHeader counts candidate delimiters outside quotes up to the end of the first record, and
// tells how that record ends: \r\n, or a lone \r (a file with no \n at all would otherwise be
// one long header and import nothing).
func sniffHeader(head []byte) (comma rune, crlf, cr bool) {
	var counts [3]int // , ; \t
	quoted := false
	for i, c := range head {
		switch {
		case c == '"':
			quoted = !quoted // "" inside quotes toggles twice: no net change
		case quoted:
		case c == ',':
			counts[0]++
		case c == ';':
			counts[1]++
		case c == '\t':
			counts[2]++
		case c == '\n':
			crlf = i > 0 && head[i-1] == '\r'
			return pick(counts), crlf, false
		case c == '\r' && i+1 < len(head) && head[i+1] != '\n':
			return pick(counts), false, true
		}
	}
	return pick(counts), false, false
}

func pick(counts [3]int) rune {
	best, comma := 0, ','
	for i, r := range []rune{',', ';', '\t'} {
		if counts[i] > best {
			best, comma = counts[i], r
		}
	}
	return comma
}
