package main

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot/store"
)

// exportCLI is a test database with a little of everything export writes: a rep, two leads (one
// named like a formula), a lead's scores in January and March, a 👎 in each month, an outcome.
func exportCLI(t *testing.T) *cli {
	c := newCLI(t)
	c.db.MustExec(`
		INSERT INTO reps (email, name) VALUES ('ann@example.com', 'Ann');
		INSERT INTO leads (external_id, name, company, owner_id)
		SELECT x.id, x.name, 'Acme', r.id FROM reps r, (VALUES ('L1', 'Jane Roe'), ('L2', '=1+1')) x (id, name);
		INSERT INTO scores (lead_id, probability, scored_at)
		SELECT l.id, s.p, s.at::timestamptz FROM leads l,
		       (VALUES (0.25, '2024-01-05 00:00:00+00'), (0.75, '2024-03-05 00:00:00+00')) s (p, at) WHERE l.external_id = 'L1';
		UPDATE leads SET score = 0.75, scored_at = '2024-03-05 00:00:00+00' WHERE external_id = 'L1';
		INSERT INTO feedback (lead_id, rep_id, verdict, reason_code, created_at, undone_at)
		SELECT l.id, r.id, -1, 'no_budget', f.at::timestamptz, f.undone::timestamptz FROM leads l, reps r,
		       (VALUES ('2024-01-10 00:00:00+00', '2024-01-11 00:00:00+00'), ('2024-03-10 12:00:00+00', NULL)) f (at, undone)
		WHERE l.external_id = 'L2';
		INSERT INTO outcomes (lead_id, outcome, occurred_at, amount)
		SELECT id, 'won', '2024-03-20 00:00:00+00', 5000 FROM leads WHERE external_id = 'L1';`)
	return c
}

// readCSV reads a whole CSV file.
func readCSV(t *testing.T, r io.Reader) [][]string {
	t.Helper()
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return readCSV(t, f)
}

// exportRun runs leadbot export and wants it to succeed with the summary line on stderr.
func (c *cli) exportRun(wantSummary string, args ...string) (stdout string) {
	c.t.Helper()
	code, out, errs := c.run(append([]string{"export"}, args...)...)
	if code != 0 || strings.TrimSpace(errs) != wantSummary {
		c.t.Fatalf("leadbot export %s: exit %d\nstderr: %s\nwant stderr %q", strings.Join(args, " "), code, errs, wantSummary)
	}
	return out
}

func TestExportCommand(t *testing.T) {
	c := exportCLI(t)
	path := filepath.Join(c.dir, "feedback.csv")
	c.exportRun("exported 2 feedback rows to "+path, "feedback", path)
	recs := readCSVFile(t, path)
	if len(recs) != 3 || strings.Join(recs[0], ",") != "given_at,rep_email,rep_name,lead_id,lead_name,company,verdict,reason_code,reason_label,note,account_wide,score_at_the_time,model_version,undone_at" ||
		strings.Join(recs[1], ",") != "2024-01-10T00:00:00Z,ann@example.com,Ann,L2,'=1+1,Acme,down,no_budget,No budget,,false,,,2024-01-11T00:00:00Z" {
		t.Errorf("feedback.csv: %q", recs)
	}

	// Flags go before or after the file.
	path = filepath.Join(c.dir, "scores.csv")
	c.exportRun("exported 1 score row to "+path, "scores", path)
	if recs := readCSVFile(t, path); len(recs) != 2 || strings.Join(recs[0], ",") != "scored_at,lead_id,lead_name,company,owner_email,probability,model_version" ||
		strings.Join(recs[1], ",") != "2024-03-05T00:00:00Z,L1,Jane Roe,Acme,ann@example.com,0.75," {
		t.Errorf("scores.csv: %q", recs)
	}
	c.exportRun("exported 2 score rows to "+path, "scores", path, "--history")
	if recs := readCSVFile(t, path); len(recs) != 3 || recs[1][0] != "2024-01-05T00:00:00Z" || recs[1][5] != "0.25" {
		t.Errorf("scores.csv --history: %q", recs)
	}

	path = filepath.Join(c.dir, "outcomes.csv")
	c.exportRun("exported 1 outcome row to "+path, "outcomes", path)
	if recs := readCSVFile(t, path); len(recs) != 2 || strings.Join(recs[0], ",") != "occurred_at,lead_id,lead_name,company,owner_email,outcome,amount,score_before_outcome" ||
		strings.Join(recs[1], ",") != "2024-03-20T00:00:00Z,L1,Jane Roe,Acme,ann@example.com,won,5000.00,0.75" {
		t.Errorf("outcomes.csv: %q", recs)
	}

	// - is standard output; nothing else is written there.
	out := c.exportRun("exported 2 score rows to standard output", "scores", "--history", "-")
	if recs := readCSV(t, strings.NewReader(out)); len(recs) != 3 || recs[0][0] != "scored_at" {
		t.Errorf("stdout: %q", out)
	}
	if entries, _ := os.ReadDir(c.dir); len(entries) != 3 {
		t.Errorf("files in the directory: %v, want the three exports and nothing else", entries)
	}
}

func TestExportCommandSince(t *testing.T) {
	c := exportCLI(t)
	for _, tc := range []struct {
		since, kind, summary string
	}{
		{"2024-02-01", "feedback", "exported 1 feedback row"},
		{"2024-03-10", "feedback", "exported 1 feedback row"},
		{"2024-03-11", "feedback", "exported 0 feedback rows"},
		// RFC 3339 with a zone: 13:00 in Paris is 12:00 UTC, when the March 👎 was given.
		{"2024-03-10T13:00:00+01:00", "feedback", "exported 1 feedback row"},
		{"2024-03-10T12:00:01Z", "feedback", "exported 0 feedback rows"},
		{"2024-02-01", "scores", "exported 1 score row"},
		{"2024-04-01", "scores", "exported 0 score rows"},
		{"2024-03-21", "outcomes", "exported 0 outcome rows"},
	} {
		out := c.exportRun(tc.summary+" to standard output", tc.kind, "--since", tc.since, "-")
		if recs := readCSV(t, strings.NewReader(out)); len(recs) < 1 || strings.HasPrefix(tc.summary, "exported 0") != (len(recs) == 1) {
			t.Errorf("--since %s %s: %q", tc.since, tc.kind, out)
		}
	}
	out := c.exportRun("exported 1 score row to standard output", "scores", "--history", "--since", "2024-02-01", "-")
	if recs := readCSV(t, strings.NewReader(out)); len(recs) != 2 || recs[1][5] != "0.75" {
		t.Errorf("--history --since: %q", out)
	}
}

func TestExportCommandErrors(t *testing.T) {
	c := newCLI(t)
	file := filepath.Join(c.dir, "x.csv")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "want a kind and a file: leadbot export feedback|scores|outcomes|experiment [--since DATE] FILE.csv"},
		{[]string{"feedback"}, "want a kind and a file"},
		{[]string{"feedback", file, "more.csv"}, "want a kind and a file"},
		{[]string{"leads", file}, `unknown kind "leads": export feedback, scores, outcomes or experiment`},
		{[]string{"feedback", "--since", "03/05/2024", file}, `--since "03/05/2024": want a date as YYYY-MM-DD (2024-03-05) or an RFC 3339 time (2024-03-05T09:00:00Z)`},
		{[]string{"scores", "--since", "2024-13-01", file}, "want a date as YYYY-MM-DD"},
		{[]string{"feedback", "--history", file}, "--history is for scores only"},
		{[]string{"scores", "--last", file}, "flag provided but not defined: -last"},
	} {
		code, out, errs := c.run(append([]string{"export"}, tc.args...)...)
		if code != 2 || out != "" || !strings.Contains(errs, tc.want) {
			t.Errorf("leadbot export %s: exit %d, stdout %q, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, out, errs, tc.want)
		}
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused export wrote %s: %v", file, err)
	}
	code, _, errs := c.run("export", "-h")
	if code != 0 || !strings.Contains(errs, "Usage: leadbot export feedback|scores|outcomes") ||
		!strings.Contains(errs, "score_before_outcome") || !strings.Contains(errs, "leadbot export feedback --since 2024-01-01 feedback.csv") {
		t.Errorf("export -h: exit %d\n%s", code, errs)
	}
	if _, out, _ := c.run("-h"); !strings.Contains(out, "  export ") {
		t.Errorf("leadbot -h does not list export:\n%s", out)
	}
}

// TestExportCommandKeepsTheOldFile: an export that fails leaves what was there.
func TestExportCommandKeepsTheOldFile(t *testing.T) {
	c := newCLI(t)
	old := c.write("feedback.csv", "the previous export\n")
	c.env["DATABASE_URL"] = "postgres://leadbot@127.0.0.1:1/leadbot?sslmode=disable&connect_timeout=5"
	if code, _, errs := c.run("export", "feedback", old); code != 1 || !strings.Contains(errs, "leadbot export:") {
		t.Fatalf("export without a database: exit %d, %s", code, errs)
	}
	if b, err := os.ReadFile(old); err != nil || string(b) != "the previous export\n" {
		t.Errorf("the old file after a failed export: %q, %v", b, err)
	}
	if code, _, _ := c.run("export", "scores", filepath.Join(c.dir, "new.csv")); code != 1 {
		t.Fatalf("export without a database: exit %d", code)
	}
	if entries, _ := os.ReadDir(c.dir); len(entries) != 1 {
		t.Errorf("files after failed exports: %v, want only the old file", entries)
	}
}

// TestWriteFileAtomic: the file is replaced whole when the export succeeds, and not touched when it
// fails half-way, however much of it was written by then.
func TestWriteFileAtomic(t *testing.T) {
	c := exportCLI(t)
	st := store.New(c.db)
	ctx := context.Background()
	dir := c.dir
	path := c.write("feedback.csv", "the previous export\n")
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	files := func() []string {
		var names []string
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}

	// The export stops after its first row (a full disk, a lost connection, ^C).
	interrupted := errors.New("interrupted")
	failing := func(w io.Writer) error {
		cw := csv.NewWriter(w)
		rows := 0
		_, err := st.ExportFeedback(ctx, time.Time{}, func(rec []string) error {
			if rows++; rows == 3 {
				cw.Flush() // what was written so far is in the temporary file
				return interrupted
			}
			return cw.Write(rec)
		})
		return err
	}
	if err := writeFileAtomic(path, failing); !errors.Is(err, interrupted) {
		t.Fatalf("writeFileAtomic = %v, want the export's error", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "the previous export\n" {
		t.Errorf("the old file after an interrupted export: %q", b)
	}
	newPath := filepath.Join(dir, "new.csv")
	if err := writeFileAtomic(newPath, failing); !errors.Is(err, interrupted) {
		t.Fatalf("writeFileAtomic = %v, want the export's error", err)
	}
	if got := files(); strings.Join(got, " ") != "feedback.csv" {
		t.Errorf("files after interrupted exports: %v, want the old file alone", got)
	}

	// A complete export replaces the file, keeping its permissions.
	if err := writeFileAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if _, err := st.ExportFeedback(ctx, time.Time{}, cw.Write); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	}); err != nil {
		t.Fatal(err)
	}
	if recs := readCSVFile(t, path); len(recs) != 3 || recs[0][0] != "given_at" {
		t.Errorf("the replaced file: %q", recs)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the replaced file's mode: %v, %v; want 0600 as before", fi.Mode(), err)
	}

	// Through a symbolic link, the file it points at is replaced and the link stays.
	link := filepath.Join(dir, "latest.csv")
	if err := os.Symlink("feedback.csv", link); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(link, func(w io.Writer) error { _, err := io.WriteString(w, "new\n"); return err }); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file: %v, %v", fi, err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new\n" {
		t.Errorf("the file behind the link: %q", b)
	}

	if err := writeFileAtomic(dir, func(io.Writer) error { return nil }); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("writing over a directory: %v", err)
	}
}
