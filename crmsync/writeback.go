package crmsync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/crmsync/salesforce"
	"github.com/leadbot/leadbot/store"
)

// WriteBackFields name the CRM fields that receive leadbot's values; "" leaves one out.
type WriteBackFields struct {
	Score    string // number 0–100
	Band     string // hot, warm or cool
	Reasons  string // the top three reasons, one line
	Model    string // the model version ("v12", or "prior")
	ScoredAt string // datetime
	Verdict  string // the latest verdict: "up", or "down: no_budget"
	// ReasonsLength is the Reasons field's length (default 255).
	ReasonsLength int
}

// DefaultWriteBackFields are the custom fields `leadbot crm fields` tells an admin to create.
func DefaultWriteBackFields() WriteBackFields {
	return WriteBackFields{Score: "Leadbot_Score__c", Band: "Leadbot_Band__c", Reasons: "Leadbot_Reasons__c",
		Model: "Leadbot_Model__c", ScoredAt: "Leadbot_Scored_At__c", Verdict: "Leadbot_Verdict__c", ReasonsLength: 255}
}

// FieldSpec is a custom field to create: its API name, type and length, and what it holds.
type FieldSpec struct {
	Name, Type string
	Length     int
	Holds      string
}

// Specs lists the fields to create, for `leadbot crm fields` and `leadbot crm check`.
func (w WriteBackFields) Specs() []FieldSpec {
	var out []FieldSpec
	add := func(name, typ string, n int, holds string) {
		if name != "" {
			out = append(out, FieldSpec{name, typ, n, holds})
		}
	}
	add(w.Score, "Number(3, 0)", 3, "leadbot's score, 0–100")
	add(w.Band, "Text(10)", 10, "hot, warm or cool")
	add(w.Reasons, fmt.Sprintf("Text(%d)", w.reasonsLength()), w.reasonsLength(), "the top three reasons behind the score, one line")
	add(w.Model, "Text(20)", 20, "the model version that scored it")
	add(w.ScoredAt, "Date/Time", 0, "when it was scored")
	add(w.Verdict, "Text(80)", 80, "the rep's latest verdict in Slack, with the reason code")
	return out
}

func (w WriteBackFields) reasonsLength() int {
	if w.ReasonsLength > 0 {
		return w.ReasonsLength
	}
	return 255
}

// Band is the score band written back: the floors of leadbot's default band rule (hot ≥ 60 %,
// warm ≥ 30 %), the same for every rep, since a CRM report compares leads across reps.
func Band(p float64) string { return string(leadbot.BandRule{}.Floors().Of(p)) }

// Reasons words the three strongest factors, either sign, as one line within n characters:
// "+Visited pricing 4× · −Company size 1–10 · +Source: Referral".
func Reasons(f leadbot.Factors, n int) string {
	fs := append([]leadbot.Factor(nil), f.Factors...)
	sort.SliceStable(fs, func(i, j int) bool { return math.Abs(fs[i].Value) > math.Abs(fs[j].Value) })
	var parts []string
	for _, x := range fs[:min(3, len(fs))] {
		if x.Value == 0 {
			continue
		}
		sign := "+"
		if x.Value < 0 {
			sign = "−"
		}
		parts = append(parts, sign+strings.Join(strings.Fields(x.Label), " "))
	}
	s := strings.Join(parts, " · ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

// values are the fields leadbot wants the CRM to hold for a lead.
func (w WriteBackFields) values(l store.WritebackLead) map[string]any {
	v := map[string]any{}
	set := func(name string, x any) {
		if name != "" {
			v[name] = x
		}
	}
	set(w.Score, int(math.Round(l.Score*100)))
	set(w.Band, Band(l.Score))
	set(w.Reasons, Reasons(l.FactorsOf(), w.reasonsLength()))
	model := "prior"
	if l.Model != nil {
		model = fmt.Sprintf("v%d", *l.Model)
	}
	set(w.Model, model)
	set(w.ScoredAt, l.ScoredAt.UTC().Format("2006-01-02T15:04:05.000Z"))
	verdict := ""
	if l.Verdict != nil {
		verdict = "up"
		if *l.Verdict < 0 {
			verdict = "down"
		}
		if l.Reason != nil && *l.Reason != "" {
			verdict += ": " + *l.Reason
		}
	}
	set(w.Verdict, verdict)
	return v
}

// changed returns the values that differ from what was last written.
func changed(want map[string]any, written json.RawMessage) map[string]any {
	var had map[string]any
	_ = json.Unmarshal(written, &had)
	out := map[string]any{}
	for k, v := range want {
		a, _ := json.Marshal(v)
		b, _ := json.Marshal(had[k])
		if !bytes.Equal(a, b) {
			out[k] = v
		}
	}
	return out
}

// writeBack sends the changed values of every scored Salesforce lead, 200 records a call.
func (s *Salesforce) writeBack(ctx context.Context, opt Options, st *Stats) error {
	if s.Config.WriteBack == nil {
		return nil
	}
	cands, err := s.Store.WritebackCandidates(ctx, sfSystem, "00Q")
	if err != nil {
		return err
	}
	return writeBack(ctx, s.Store, sfSystem, "Lead", *s.Config.WriteBack, cands, salesforce.MaxCollection, opt, st,
		func(ctx context.Context, batch []change) (map[int]string, error) {
			recs := make([]salesforce.Record, len(batch))
			for i, c := range batch {
				recs[i] = salesforce.Record{"Id": c.id}
				for k, v := range c.diff {
					recs[i][k] = v
				}
			}
			res, err := s.Client.Update(ctx, "Lead", recs)
			if err != nil {
				return nil, err
			}
			failed := map[int]string{}
			for i, r := range res {
				if e := r.Error(); e != "" {
					failed[i] = e
				}
			}
			return failed, nil
		})
}

// change is one record's write-back: the values that changed, and every value it will hold.
type change struct {
	leadID int64
	id     string         // the CRM record's id
	diff   map[string]any // the fields to send
	all    json.RawMessage
}

// writeBack sends the changed values of cands, size records a call through send (which returns
// each failed record's error by its place in the batch). A record that fails is reported and
// recorded with its error, so that the next run sends it again, never failing the batch; an
// unchanged one is recorded as it is. object names the records in rejects.
func writeBack(ctx context.Context, db *store.Store, system, object string, w WriteBackFields, cands []store.WritebackLead,
	size int, opt Options, st *Stats, send func(context.Context, []change) (map[int]string, error)) error {
	var batch []change
	var unchanged []store.Written
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		defer func() { batch = batch[:0] }()
		if opt.DryRun {
			st.Written += len(batch)
			return nil
		}
		failed, err := send(ctx, batch)
		if err != nil {
			return err
		}
		done := make([]store.Written, len(batch))
		for i, c := range batch {
			done[i] = store.Written{LeadID: c.leadID, Fields: c.all}
			if e, bad := failed[i]; bad {
				done[i].Error = e
				st.WriteFailed++
				st.Rejects = append(st.Rejects, Reject{Object: object, ID: c.id, Reason: "write-back: " + e})
				continue
			}
			st.Written++
		}
		return db.RecordWriteback(ctx, system, done)
	}
	for _, l := range cands {
		want := w.values(l)
		all, _ := json.Marshal(want)
		diff := changed(want, l.Written)
		if len(diff) == 0 {
			unchanged = append(unchanged, store.Written{LeadID: l.LeadID, Fields: all})
			continue
		}
		batch = append(batch, change{leadID: l.LeadID, id: l.ExternalID, diff: diff, all: all})
		if len(batch) == size {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if opt.DryRun || len(unchanged) == 0 {
		return nil
	}
	return db.RecordWriteback(ctx, system, unchanged)
}
