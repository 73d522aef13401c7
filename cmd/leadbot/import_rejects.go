package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/crm"
)

// writeRejects reads the file again and copies the records on the rejected lines to rp, in the
// file's own dialect, with two more columns: line and reason. Reading twice keeps memory flat:
// only the bad rows' lines are held, never the file. A record the CSV parser could not read
// comes as its first line, split as well as it can be, so the row is there to fix.
func writeRejects(path, rp string, d crm.Dialect, rejects []leadbot.RowError) error {
	why := make(map[int]string, len(rejects))
	for _, e := range rejects {
		why[e.Line] = e.Reason
	}
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(rp)
	if err != nil {
		return err
	}
	defer out.Close()
	if d.BOM {
		out.WriteString("\uFEFF")
	}
	w := csv.NewWriter(out)
	w.Comma, w.UseCRLF = d.Comma, d.CRLF
	br := newBufReader(in)
	if _, err := crm.Sniff(br); err != nil {
		return err
	}
	cr := crm.NewReader(br, d)
	header, _, err := cr.Read()
	if err != nil {
		return err
	}
	header = slices.Clone(header)
	w.Write(append(header, "line", "reason"))
	for {
		rec, line, err := cr.Read()
		if err == io.EOF {
			break
		}
		var re *leadbot.RowError
		if err != nil && !errors.As(err, &re) {
			return err
		}
		if reason, ok := why[line]; ok {
			w.Write(append(fit(rec, len(header), d.Comma), fmt.Sprint(line), reason))
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return out.Close()
}

// fit pads rec to width columns, or joins what is past them into the last, so that line and
// reason stay in their columns.
func fit(rec []string, width int, comma rune) []string {
	out := make([]string, width)
	copy(out, rec)
	if len(rec) > width && width > 0 {
		out[width-1] = strings.Join(rec[width-1:], string(comma))
	}
	return out
}
