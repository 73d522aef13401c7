package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// exportKinds are the kinds export knows, in the order -h and the errors name them.
var exportKinds = []string{"feedback", "scores", "outcomes", "experiment"}

func runExport(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("export", "export feedback|scores|outcomes|experiment [--since DATE] [--history] FILE.csv", `
Writes leadbot's data to a CSV file for a spreadsheet or a BI tool: a header row, then the rows,
oldest first. Times are RFC 3339 in UTC; an empty cell means no value; owner_email is the lead's
owner today.
  feedback  every 👍/👎 a rep gave, undone ones included: given_at, rep_email, rep_name,
            lead_id (the CRM id), lead_name, company, verdict (up or down), reason_code,
            reason_label, note, account_wide, score_at_the_time (0-1, as the rep saw it),
            model_version (empty: the rule-based prior), undone_at
  scores    each lead's current score: scored_at, lead_id, lead_name, company, owner_email,
            probability (0-1), model_version; with --history every score ever recorded
  outcomes  every CRM outcome: occurred_at, lead_id, lead_name, company, owner_email, outcome,
            amount, score_before_outcome (the lead's latest score at or before occurred_at:
            what leadbot said before it knew; empty if it had none)
  experiment every lead the randomized holdout assigned (digest.holdout): assigned_at,
            experiment_id, experiment_share, lead_id, arm (treated or held_out), band,
            score_at_assignment, outcome, occurred_at, amount, lookups (times a rep looked
            up a held-out lead by name): the rows behind leadbot report value

--since keeps the rows given, scored, occurred or assigned at or after DATE. Text that a
spreadsheet would run as a formula (a cell starting with = + - or @) is written with a leading
apostrophe. FILE is written whole or not at all: a failed export leaves an existing FILE as it
was. FILE - writes to standard output.

Examples:
  leadbot export feedback --since 2024-01-01 feedback.csv
  leadbot export scores --history scores.csv
  leadbot export outcomes - | less`)
	sinceFlag := fs.String("since", "", "only rows at or after `DATE`: YYYY-MM-DD (midnight UTC) or RFC 3339 (2024-03-05T09:00:00+01:00)")
	history := fs.Bool("history", false, "scores: every score ever recorded, not only each lead's current one")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	req, err := parseExport(pos, *sinceFlag, *history)
	if err != nil {
		fmt.Fprintln(a.stderr, "leadbot export:", err)
		return errUsage
	}
	n, err := req.run(ctx, a)
	if err != nil {
		return err
	}
	to := req.path
	if to == "-" {
		to = "standard output"
	}
	noun := map[string]string{"feedback": "feedback", "scores": "score", "outcomes": "outcome", "experiment": "assignment"}[req.kind]
	rows := "rows"
	if n == 1 {
		rows = "row"
	}
	fmt.Fprintf(a.stderr, "exported %s %s %s to %s\n", thousands(n), noun, rows, to)
	return nil
}

// exportRequest is one export as the command line asks for it.
type exportRequest struct {
	kind, path string
	since      time.Time
	history    bool
}

// parseExport checks the kind, the file and the flags that go with them.
func parseExport(pos []string, since string, history bool) (exportRequest, error) {
	if len(pos) != 2 {
		return exportRequest{}, errors.New("want a kind and a file: leadbot export feedback|scores|outcomes|experiment [--since DATE] FILE.csv (FILE - for standard output; -h for what each kind holds)")
	}
	r := exportRequest{kind: pos[0], path: pos[1], history: history}
	if !slices.Contains(exportKinds, r.kind) {
		return r, fmt.Errorf("unknown kind %q: export feedback, scores, outcomes or experiment", r.kind)
	}
	if history && r.kind != "scores" {
		return r, errors.New("--history is for scores only (every score, not only the current ones)")
	}
	var err error
	r.since, err = parseSince(since)
	return r, err
}

// run writes the export to its file (whole or not at all) or to standard output, and returns
// how many rows it wrote.
func (r exportRequest) run(ctx context.Context, a *app) (int, error) {
	var n int
	write := func(w io.Writer) error {
		st, err := a.openStore(ctx, false)
		if err != nil {
			return err
		}
		cw := csv.NewWriter(w)
		switch {
		case r.kind == "feedback":
			n, err = st.ExportFeedback(ctx, r.since, cw.Write)
		case r.kind == "scores" && r.history:
			n, err = st.ExportScoreHistory(ctx, r.since, cw.Write)
		case r.kind == "scores":
			n, err = st.ExportScores(ctx, r.since, cw.Write)
		case r.kind == "outcomes":
			n, err = st.ExportOutcomes(ctx, r.since, cw.Write)
		case r.kind == "experiment":
			n, err = st.ExportExperiment(ctx, r.since, cw.Write)
		}
		if err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	}
	var err error
	if r.path == "-" {
		err = write(a.stdout)
	} else {
		err = writeFileAtomic(r.path, write)
	}
	return n, err
}

// parseSince reads --since: a date (midnight UTC) or an RFC 3339 time; "" is the zero time (all rows).
func parseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want a date as YYYY-MM-DD (2024-03-05) or an RFC 3339 time (2024-03-05T09:00:00Z)", s)
}

// writeFileAtomic writes path whole or not at all: write fills a temporary file beside it, which
// is flushed to disk and renamed over path only when write succeeded. A failed or interrupted
// export (an error, ^C) removes the temporary file and leaves path as it was: absent, or the
// previous export. A replaced file keeps its permissions; a new one is 0644. A symbolic link is
// followed, so the file it points at is the one replaced.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file: name a file to write", path)
		}
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
