package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/leadbot/leadbot/experiment"
	"github.com/leadbot/leadbot/report"
)

func runReport(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("report", "report value|trends [--json]", `
Prints what leadbot's own experiment and reps' reports say.
  value   the randomized holdout's uplift: for treated against held-out leads of each score
          band, conversion (won over every assigned lead, pending ones included), won amount
          per lead and days to outcome, each with a 95 % interval (Newcombe's hybrid score
          interval for the conversion difference, Welch's for the means), and a verdict. Turn
          the holdout on with digest.holdout (for example 0.10) in LEADBOT_CONFIG.
  trends  reason codes rising in a segment this week against the 8 weeks before (exact
          conditional test, Benjamini–Hochberg at 5 % across every segment and reason), and
          whether the model already moved.

--json prints the figures for a script instead of sentences.

Examples:
  leadbot report value
  leadbot report trends --json | jq .`)
	asJSON := fs.Bool("json", false, "print JSON instead of sentences")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || (pos[0] != "value" && pos[0] != "trends") {
		fmt.Fprintln(a.stderr, "leadbot report: want value or trends (leadbot report -h for what each says)")
		return errUsage
	}
	st, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	var out any
	var lines []string
	if pos[0] == "value" {
		rows, err := st.ArmRows(ctx, 0)
		if err != nil {
			return err
		}
		share := 0.0 // the running experiment's, as /leadbot value reads it
		if e, err := st.RunningExperiment(ctx); err != nil {
			return err
		} else if e != nil {
			share = e.Share
		}
		v := report.BuildValue(rows, share)
		out, lines = jsonValue(v), v.Lines()
	} else {
		ts, err := report.FindTrends(ctx, st, time.Now(), report.TrendConfig{})
		if err != nil {
			return err
		}
		out = ts
		for _, t := range ts {
			lines = append(lines, t.Text())
		}
		if len(ts) == 0 {
			lines = []string{"No reason code is rising in any segment this week beyond what chance explains."}
		}
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for _, l := range lines {
		fmt.Fprintln(a.stdout, l)
	}
	return nil
}

// valueJSON is the value report for a script: the figures, no sentences but the verdict.
type valueJSON struct {
	Share   float64    `json:"share"`
	Leads   int        `json:"leads"`
	Lookups int        `json:"held_out_looked_up"`
	Bands   []bandJSON `json:"bands"`
}

type bandJSON struct {
	Band           string              `json:"band"`
	TreatedLeads   int                 `json:"treated_leads"`
	TreatedWon     int                 `json:"treated_won"`
	HeldOutLeads   int                 `json:"held_out_leads"`
	HeldOutWon     int                 `json:"held_out_won"`
	Conversion     experiment.Interval `json:"conversion_difference"`
	AmountPerLead  experiment.Interval `json:"amount_per_lead_difference"`
	DaysToOutcome  experiment.Interval `json:"days_to_outcome_difference"`
	Clear          bool                `json:"clear"`
	NeededMoreLead int                 `json:"more_leads_needed"`
	Verdict        string              `json:"verdict"`
}

func jsonValue(v report.Value) valueJSON {
	out := valueJSON{Share: v.Share, Leads: v.Leads, Lookups: v.Lookups}
	for _, u := range append(v.Bands, v.Overall) {
		out.Bands = append(out.Bands, bandJSON{Band: u.Band, TreatedLeads: u.Treated.Leads, TreatedWon: u.Treated.Won,
			HeldOutLeads: u.HeldOut.Leads, HeldOutWon: u.HeldOut.Won, Conversion: u.Conversion,
			AmountPerLead: u.AmountPerLead, DaysToOutcome: u.DaysToOutcome, Clear: u.Clear(),
			NeededMoreLead: u.NeededMoreOutcomes, Verdict: u.Verdict()})
	}
	return out
}
