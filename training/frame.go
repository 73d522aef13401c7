// Package training is the glue between the database and the pure scoring engine: it builds the
// engine's frames from stored leads, outcomes and feedback, trains challengers, decides promotion
// on a recent hold-out, refits the promoted configuration on every outcome, and writes scores
// with their reasons. It knows the store's types and the scoring package; it knows nothing of
// Slack.
package training

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
)

// Columns leadbot derives from a lead's standard fields; every CRM attribute common enough (see
// ColumnLimits) is a column too.
const (
	ColSource    = "Lead Source"
	ColEmailType = "Email"
	// colAccount carries the account key for account-wide feedback; it is never a feature.
	colAccount = "_account"
	// colOccurred orders labelled leads by when their outcome happened; Train drops it as a feature.
	colOccurred = "_occurred"
)

// freeMail are consumer mailbox domains: a lead writing from one is not a company address.
var freeMail = map[string]bool{"gmail.com": true, "yahoo.com": true, "hotmail.com": true, "outlook.com": true,
	"aol.com": true, "icloud.com": true, "gmx.de": true, "web.de": true, "live.com": true, "proton.me": true,
	"protonmail.com": true, "yandex.ru": true, "mail.ru": true, "qq.com": true, "163.com": true}

func emailType(email string) string {
	_, domain, ok := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	switch {
	case !ok || domain == "":
		return ""
	case freeMail[domain]:
		return "personal address"
	default:
		return "company address"
	}
}

// attrColumn is the column an attribute key becomes: never one of the derived columns.
func attrColumn(k string) string {
	if k == colAccount || k == colOccurred || k == ColSource || k == ColEmailType {
		return "CRM " + k
	}
	return k
}

// record flattens a lead into the engine's raw values, keeping only the attributes keep allows
// (nil keeps all).
func record(account, email, source string, attrs json.RawMessage, keep map[string]bool) map[string]string {
	rec := map[string]string{colOccurred: "", colAccount: account, ColSource: source, ColEmailType: emailType(email)}
	var raw map[string]any
	_ = json.Unmarshal(attrs, &raw)
	for k, v := range raw {
		k = attrColumn(k)
		if keep != nil && !keep[k] {
			continue
		}
		switch v := v.(type) {
		case nil:
			rec[k] = ""
		case string:
			rec[k] = v
		default:
			rec[k] = fmt.Sprint(v)
		}
	}
	return rec
}

// label maps an outcome to the engine's label: 1 won or converted, 0 lost or disqualified, NaN
// when there is none yet.
func label(outcome *string) float64 {
	if outcome == nil {
		return math.NaN()
	}
	switch *outcome {
	case "won", "converted":
		return 1
	default:
		return 0
	}
}

// dataset is every lead as a frame, with labels, the rows of open leads and feedback by row.
type dataset struct {
	frame   *scoring.Frame
	leads   []store.TrainingLead
	labels  []float64
	row     map[int64]int
	fb      []scoring.Feedback // per row: account-wide reasons already spread (see visibleFeedback)
	fbAt    []time.Time        // when each of fb was given
	dropped int                // attributes left out by the column limits
}

// frameOptions say how to build a dataset: the missing tokens, and either the columns a model
// reads (scoring) or the limits that choose them from the data (training).
type frameOptions struct {
	missing []string
	columns []string // scoring: only these columns are built; nil: chosen by limits
	limits  ColumnLimits
	extra   []string // training: columns kept whatever the limits say (the champion's, to compare it fairly)
}

func buildDataset(leads []store.TrainingLead, fb []store.TrainingFeedback, opt frameOptions) dataset {
	keep, dropped := keptColumns(leads, opt)
	d := dataset{frame: scoring.NewFrame(nil, opt.missing...), leads: leads, labels: make([]float64, len(leads)),
		row: make(map[int64]int, len(leads)), dropped: dropped}
	for i, l := range leads {
		rec := record(l.Account, l.Email, l.Source, l.Attributes, keep)
		if l.OccurredAt != nil {
			rec[colOccurred] = l.OccurredAt.UTC().Format(time.RFC3339)
		}
		d.frame.AppendRecord(rec)
		d.labels[i] = label(l.Outcome)
		d.row[l.ID] = i
	}
	d.fb, d.fbAt = visibleFeedback(leads, d.row, fb)
	d.frame = scoring.WithFeedback(d.frame, d.fb, colAccount, reasonCodes(opt.columns)...)
	return d
}

// factors turns an explanation into what the store keeps with a score.
func factors(e scoring.Explanation, prior bool) leadbot.Factors {
	f := leadbot.Factors{Base: e.Base, BaseProbability: e.BaseProbability, Prior: prior || e.EarlyEstimate, Outcomes: e.Outcomes}
	for _, c := range e.Contributions {
		if c.Effect == 0 {
			continue
		}
		f.Factors = append(f.Factors, leadbot.Factor{Column: c.Column, Label: c.String(), Value: c.Effect, Points: c.Points})
	}
	return f
}

// reasonCodes are the reason codes among a model's columns: scoring gives each its column even
// when no rep gave it in the batch scored.
func reasonCodes(columns []string) []string {
	var codes []string
	for _, c := range columns {
		if code, ok := strings.CutPrefix(c, scoring.ReasonPrefix); ok {
			codes = append(codes, code)
		}
	}
	return codes
}
