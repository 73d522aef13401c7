package crm

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/leadbot/leadbot"
)

// Options say how to read a file.
type Options struct {
	Mapping   Mapping        // leadbot field → the file's header
	Missing   []string       // values that mean "no value", besides the empty string
	DateOrder DateOrder      // how to read 03/05/2024
	Location  *time.Location // for dates without a zone; nil means UTC
	Formats   []string       // extra Go date layouts
	// Now is when the file is read: a date more than a year after it is refused (zero: after
	// 2100), as is one before 1970 (see CheckDate).
	Now time.Time
}

// File is an open CRM export: dialect detected, header read, columns resolved. Its rows are
// read once, streaming, through Leads, Outcomes or Reps.
type File struct {
	Dialect Dialect
	Columns *Columns

	cr      *Reader
	missing missingSet
	dates   DateParser
	now     time.Time
	rows    atomic.Int64
}

// Open detects r's dialect, reads the header and maps it to kind's fields.
func Open(r io.Reader, kind Kind, opt Options) (*File, error) {
	br := bufio.NewReaderSize(r, sniffWindow)
	d, err := Sniff(br)
	if err != nil {
		return nil, err
	}
	cr := NewReader(br, d)
	header, _, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("the file is empty: it needs a header line and rows")
	}
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	if err := checkHeader(header); err != nil {
		return nil, err
	}
	cols, err := Resolve(kind, header, opt.Mapping)
	if err != nil {
		return nil, err
	}
	if n := len(cols.Attributes); n > MaxAttributes {
		return nil, fmt.Errorf("line 1: the file has %d attribute columns; a lead may have at most %d: export only the columns leadbot should score on", n, MaxAttributes)
	}
	cr.SetWidth(len(cols.Header))
	missing := opt.Missing
	return &File{
		Dialect: d, Columns: cols, cr: cr,
		missing: newMissingSet(missing),
		dates:   DateParser{Order: opt.DateOrder, Location: opt.Location, Extra: opt.Formats},
		now:     opt.Now,
	}, nil
}

// NewCSVReader returns an encoding/csv reader for dialect d that accepts rows of any width (the
// width is checked per row, so that a bad row is reported rather than ending the file).
func NewCSVReader(r io.Reader, d Dialect) *csv.Reader {
	cr := csv.NewReader(r)
	cr.Comma = d.Comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr
}

// Rows reports how many data rows have been read so far; safe to call from another goroutine.
func (f *File) Rows() int64 { return f.rows.Load() }

// record is one data record and the line where it starts.
type record struct {
	fields []string
	line   int
}

// records yields each data record. A record of the wrong width, one with a value that cannot be
// stored, or one the CSV parser rejects comes as a *RowError; an I/O error ends the sequence.
func (f *File) records(yield func(record, error) bool) {
	width := len(f.Columns.Header)
	for {
		rec, line, err := f.cr.Read()
		if err == io.EOF {
			return
		}
		var re *leadbot.RowError
		if err != nil && !errors.As(err, &re) {
			yield(record{}, err)
			return
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" && width > 1 {
			continue // a line of spaces
		}
		f.rows.Add(1)
		if re == nil {
			if i, why := f.invalid(rec); why != "" {
				re = &leadbot.RowError{Line: line, Reason: fmt.Sprintf("column %s %s", Quote(f.Columns.Header[i]), why)}
			}
		}
		if re != nil {
			if !yield(record{line: line}, re) {
				return
			}
			continue
		}
		if !yield(record{rec, line}, nil) {
			return
		}
	}
}

// invalid returns the first field that cannot be stored (a NUL, invalid UTF-8, past
// MaxFieldBytes) and why.
func (f *File) invalid(rec []string) (int, string) {
	for i, v := range rec {
		if why := CheckValue(v); why != "" {
			return i, why
		}
	}
	return -1, ""
}

// checkHeader refuses a header leadbot cannot keep as names: too many columns, or a name that is
// not UTF-8, holds control bytes (a binary file: an .xlsx, a .zip) or is too long. The message
// names the column and quotes the name with its bytes escaped.
func checkHeader(header []string) error {
	if len(header) > MaxColumns {
		return fmt.Errorf("line 1: the header has %d columns; leadbot reads at most %d: export only the columns you need", len(header), MaxColumns)
	}
	for i, h := range header {
		h = strings.TrimPrefix(h, "\uFEFF")
		why := CheckName(h)
		switch {
		case why == "":
			continue
		case !utf8.ValidString(h):
			why = "is not UTF-8: the file is probably Latin-1 or Windows-1252; save it as UTF-8 (in Excel: Save As → CSV UTF-8) and import it again"
		case strings.ContainsFunc(h, isControl):
			why = "holds control bytes: this is not a CSV file (a spreadsheet? export it as CSV)"
		}
		return fmt.Errorf("line 1, column %d: the header %s %s", i+1, Quote(h), why)
	}
	return nil
}

// get returns field's cleaned value in rec ("" when missing or when the file has no such column).
func (f *File) get(rec []string, field string) string {
	idx := f.Columns.index[field]
	switch len(idx) {
	case 0:
		return ""
	case 1:
		return f.missing.clean(rec[idx[0]])
	}
	var parts []string
	for _, i := range idx {
		if v := f.missing.clean(rec[i]); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " ")
}

// rowsOf turns records into rows with decode, and rejects duplicate keys within the file.
func rowsOf[T any](f *File, what string, key func(T) string, decode func(rec []string, line int) (T, string)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seen := map[string]int{}
		for r, err := range f.records {
			rec, line := r.fields, r.line
			if err != nil {
				if !yield(zero, err) {
					return
				}
				continue
			}
			row, reason := decode(rec, line)
			if reason == "" {
				k := key(row)
				if first, dup := seen[k]; dup {
					reason = fmt.Sprintf("duplicate %s %q (first on line %d)", what, k, first)
				} else {
					seen[k] = line
				}
			}
			if reason != "" {
				if !yield(zero, &leadbot.RowError{Line: line, Reason: reason}) {
					return
				}
				continue
			}
			if !yield(row, nil) {
				return
			}
		}
	}
}

// date parses field, "" reason when it is fine or missing.
func (f *File) date(rec []string, field string) (time.Time, string) {
	v := f.get(rec, field)
	if v == "" {
		return time.Time{}, ""
	}
	t, err := f.dates.Parse(v)
	if err != nil {
		return t, field + ": " + err.Error()
	}
	if why := CheckDate(t, f.now); why != "" {
		return t, field + ": " + why
	}
	return t, ""
}
