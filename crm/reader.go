package crm

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/leadbot/leadbot"
)

// Reader reads a CSV export's records with the physical line each starts on. Unlike a bare
// csv.Reader it goes on after a malformed record at the line that follows the record's first:
// an unbalanced quote makes encoding/csv read on to the next quote, taking the good rows
// between with it, and those rows are read again here. It also bounds a record at
// MaxRecordBytes, so that a missing quote, or a file that is not CSV at all, is never held in
// memory whole.
type Reader struct {
	d     Dialect
	width int // when set (SetWidth), a record of another width is bad
	src   io.Reader
	tape  *tape
	br    *bufio.Reader
	cr    *csv.Reader
	base  int // the line before the csv reader's first
	lines int // the line ends the csv reader has consumed
}

// errRecordTooLong ends a record that has grown past MaxRecordBytes.
var errRecordTooLong = errors.New("record too long")

// NewReader reads records from br (positioned after the byte-order mark Sniff removed) in
// dialect d: CR-only line ends (Dialect.CR) are read as line ends.
func NewReader(br *bufio.Reader, d Dialect) *Reader {
	var src io.Reader = br
	if d.CR {
		src = crReader{br}
	}
	r := &Reader{d: d, src: src}
	r.restart(nil)
	return r
}

// SetWidth makes every record of another width than n a bad one (0: any width).
func (r *Reader) SetWidth(n int) { r.width = n }

// restart reads on from rest, then the source, with a fresh csv reader.
func (r *Reader) restart(rest []byte) {
	if len(rest) > 0 {
		r.src = io.MultiReader(bytes.NewReader(rest), r.src)
	}
	r.tape = &tape{src: r.src, limit: MaxRecordBytes + 64<<10}
	if r.br == nil {
		r.br = bufio.NewReaderSize(r.tape, 64<<10)
	} else {
		r.br.Reset(r.tape)
	}
	r.cr = NewCSVReader(r.br, Dialect{Comma: r.d.Comma})
	r.lines = 0
}

// Read returns the next record and the line it starts on. A bad record (malformed, too long, or
// of the wrong width) comes with a *leadbot.RowError and what could be read of it (for the
// rejects file); reading goes on after it. Any other error, io.EOF at the end, ends the file.
func (r *Reader) Read() ([]string, int, error) {
	start := r.cr.InputOffset()
	rec, err := r.cr.Read()
	end := r.cr.InputOffset()
	var pe *csv.ParseError
	switch {
	case err == nil:
		line, _ := r.cr.FieldPos(0)
		line += r.base
		r.lines += r.tape.lineEnds(start, end)
		r.tape.drop(end)
		if r.width > 0 && len(rec) != r.width {
			return rec, line, &leadbot.RowError{Line: line, Reason: fmt.Sprintf("has %d columns, the header has %d", len(rec), r.width)}
		}
		return rec, line, nil
	case errors.As(err, &pe):
		return r.skip(start, r.base+pe.StartLine, "malformed CSV: "+pe.Err.Error()+" (check the quotes on this line)")
	case errors.Is(err, errRecordTooLong):
		return r.skip(start, r.base+r.lines+1, fmt.Sprintf("this record runs past %s: a quote that is never closed, or not a CSV file (check the quotes on this line)",
			Size(MaxRecordBytes)))
	}
	return nil, 0, err
}

// skip reports the record that starts at offset start on line as bad and goes on at the line
// after: its first line is what the rejects file gets of it.
func (r *Reader) skip(start int64, line int, reason string) ([]string, int, error) {
	pulled := r.tape.from(start)
	var first, rest []byte
	if i := bytes.IndexByte(pulled, '\n'); i >= 0 {
		first, rest = pulled[:i], bytes.Clone(pulled[i+1:])
	} else {
		first = bytes.Clone(pulled)
		var err error
		if rest, err = skipLine(r.src); err != nil && err != io.EOF {
			return nil, 0, err
		}
	}
	r.base = line
	r.restart(rest)
	return r.lenient(string(bytes.TrimSuffix(first, []byte("\r")))), line, &leadbot.RowError{Line: line, Reason: reason}
}

// lenient splits a bad line into fields as best it can, quotes or not.
func (r *Reader) lenient(line string) []string {
	cr := csv.NewReader(strings.NewReader(line))
	cr.Comma, cr.LazyQuotes, cr.FieldsPerRecord = r.d.Comma, true, -1
	if rec, err := cr.Read(); err == nil {
		return rec
	}
	return []string{line}
}

// skipLine reads src up to the next line end and returns what follows it in the last chunk read.
func skipLine(src io.Reader) ([]byte, error) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return bytes.Clone(buf[i+1 : n]), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// tape keeps the bytes the csv reader's buffer pulled from the source since the start of the
// record being read, so that a bad record can be read again from its second line.
type tape struct {
	src   io.Reader
	buf   []byte // the bytes from offset off on
	off   int64
	limit int
}

func (t *tape) Read(p []byte) (int, error) {
	if len(t.buf) > t.limit {
		return 0, errRecordTooLong
	}
	n, err := t.src.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// drop forgets the bytes before offset o, a record's end.
func (t *tape) drop(o int64) {
	k := min(int(o-t.off), len(t.buf))
	if k > 0 {
		t.buf, t.off = t.buf[k:], t.off+int64(k)
	}
}

// from returns the bytes from offset o on.
func (t *tape) from(o int64) []byte { return t.buf[min(max(0, int(o-t.off)), len(t.buf)):] }

// lineEnds counts the line ends between offsets a and b.
func (t *tape) lineEnds(a, b int64) int {
	s := t.from(a)
	return bytes.Count(s[:min(int(b-a), len(s))], []byte{'\n'})
}

// crReader reads a file with CR-only line ends (classic Mac OS, and Excel for Mac's "CSV") as
// one with LF line ends.
type crReader struct{ r io.Reader }

func (c crReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}
