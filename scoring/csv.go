package scoring

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadCSV reads a CRM export into a Frame. It strips a UTF-8 byte-order mark, detects the
// delimiter (`,`, `;` or tab) from the header line, handles quoted fields, and trims spaces
// around values. missingTokens are treated as in NewFrame.
func ReadCSV(r io.Reader, missingTokens ...string) (*Frame, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	head, _ := br.Peek(64 << 10)
	if len(head) == 0 {
		return nil, errors.New("scoring: the CSV file is empty; it needs a header line and at least one row")
	}
	cr := csv.NewReader(br)
	cr.Comma = sniffDelimiter(head)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("scoring: reading the CSV header: %w", err)
	}
	names := make([]string, len(header))
	for i, h := range header {
		names[i] = strings.TrimSpace(h)
	}
	f := NewFrame(names, missingTokens...)
	row := make([]string, len(names))
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("scoring: CSV line %d: %w", line, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(rec) != len(names) {
			return nil, fmt.Errorf("scoring: CSV line %d has %d fields but the header has %d; fix the row or its quoting", line, len(rec), len(names))
		}
		for i, v := range rec {
			row[i] = strings.TrimSpace(v)
		}
		if err := f.AppendRow(row); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// sniffDelimiter picks the candidate that occurs most often outside quotes on the first line.
func sniffDelimiter(head []byte) rune {
	line := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		line = head[:i]
	}
	counts := map[rune]int{}
	inQuote := false
	for _, b := range line {
		switch {
		case b == '"':
			inQuote = !inQuote
		case !inQuote && (b == ',' || b == ';' || b == '\t'):
			counts[rune(b)]++
		}
	}
	best, n := ',', 0
	for _, d := range []rune{',', ';', '\t'} {
		if counts[d] > n {
			best, n = d, counts[d]
		}
	}
	return best
}
