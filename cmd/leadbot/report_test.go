package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// reportCLI holds an experiment with 400 hot leads a side: 120 won when sent, 80 held out.
func reportCLI(t *testing.T) *cli {
	c := newCLI(t)
	c.db.MustExec(`
		INSERT INTO experiments (share, started_at) VALUES (0.5, now() - interval '90 days');
		INSERT INTO leads (external_id, name) SELECT 'H' || i, 'Lead ' || i FROM generate_series(1, 800) i;
		INSERT INTO experiment_leads (lead_id, experiment_id, arm, band, score, assigned_at)
		SELECT l.id, e.id, CASE WHEN l.id % 2 = 0 THEN 'treated' ELSE 'held_out' END, 'hot', 0.8, now() - interval '80 days'
		FROM leads l, experiments e;
		INSERT INTO outcomes (lead_id, outcome, occurred_at, amount)
		SELECT lead_id, 'won', now() - interval '20 days', 1000 FROM (
		    SELECT lead_id, arm, row_number() OVER (PARTITION BY arm ORDER BY lead_id) AS n FROM experiment_leads) x
		WHERE (arm = 'treated' AND n <= 120) OR (arm = 'held_out' AND n <= 80);`)
	return c
}

func TestReportValue(t *testing.T) {
	c := reportCLI(t)
	code, out, errOut := c.run("report", "value")
	if code != 0 || !strings.Contains(out, "Sending the list raised conversion of hot leads from 20 % to 30 %, 95 % CI +4 to +16 points; 800 leads.") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = c.run("report", "value", "--json")
	var v valueJSON
	if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if len(v.Bands) != 2 || v.Bands[0].TreatedWon != 120 || v.Bands[0].HeldOutWon != 80 || !v.Bands[0].Clear {
		t.Fatalf("%+v", v)
	}
}

func TestReportTrendsQuiet(t *testing.T) {
	c := newCLI(t)
	if code, out, _ := c.run("report", "trends"); code != 0 || !strings.Contains(out, "No reason code is rising") {
		t.Fatalf("exit %d: %s", code, out)
	}
	if code, _, errOut := c.run("report", "values"); code != 2 || !strings.Contains(errOut, "want value or trends") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestExportExperiment(t *testing.T) {
	c := reportCLI(t)
	out := c.exportRun("exported 800 assignment rows to standard output", "experiment", "-")
	recs := readCSV(t, strings.NewReader(out))
	if len(recs) != 801 || strings.Join(recs[0], ",") != "assigned_at,experiment_id,experiment_share,lead_id,arm,band,score_at_assignment,outcome,occurred_at,amount,lookups" {
		t.Fatalf("%d rows, header %v", len(recs), recs[0])
	}
	won := 0
	for _, r := range recs[1:] {
		if r[7] == "won" {
			won++
		}
	}
	if won != 200 {
		t.Fatalf("%d won rows, want 200", won)
	}
}
