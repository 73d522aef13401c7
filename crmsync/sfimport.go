package crmsync

import (
	"bytes"
	"context"
	"encoding/csv"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/crm"
	"github.com/leadbot/leadbot/crmsync/salesforce"
	"github.com/leadbot/leadbot/store"
)

// column is one column of the CSV a sync renders: the CRM field it is read from, and its header,
// which is the field's own name except for an attribute renamed by the configuration.
type column struct{ field, header string }

// columns lists the CRM fields that make the import's columns, each once in a stable order: the
// mapped ones (each part of an "A + B" join), then the attributes, headed by their names.
func columns(m crm.Mapping, attributes []string, names map[string]string) []column {
	var cs []column
	add := func(f, h string) {
		f = strings.TrimSpace(f)
		if f != "" && !slices.ContainsFunc(cs, func(c column) bool { return strings.EqualFold(c.field, f) }) {
			cs = append(cs, column{f, h})
		}
	}
	for _, k := range crm.Fields(crm.Leads) {
		for _, part := range strings.Split(m[k], "+") {
			add(part, strings.TrimSpace(part))
		}
	}
	for _, a := range attributes {
		h := strings.TrimSpace(a)
		if n := strings.TrimSpace(names[h]); n != "" {
			h = n
		}
		add(a, h)
	}
	return cs
}

// header lists the Lead fields that make the import's columns.
func (s *Salesforce) header() []column {
	return columns(s.Config.Mapping, s.Config.Attributes, s.Config.AttributeNames)
}

// asFile renders records as the CSV export the import reads, so that a synced lead passes the
// very validation and mapping a CSV row does (dates, emails, statuses, missing values, the
// "A + B" joins). It returns the line each record starts on, for reporting rejects by CRM id.
func (s *Salesforce) asFile(rs []salesforce.Record) (*crm.File, map[int]string, error) {
	return renderCSV(s.header(), len(rs), func(i int, f string) string { return rs[i].String(f) },
		func(i int) string { return rs[i].String("Id") }, s.Config.Mapping, s.Config.Missing)
}

// renderCSV writes n records as a CSV file of cols (get reads a record's field) and opens it as
// the import does; the map gives each record's line and CRM id.
func renderCSV(cols []column, n int, get func(i int, field string) string, id func(i int) string, m crm.Mapping, missing []string) (*crm.File, map[int]string, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	row := make([]string, len(cols))
	for j, c := range cols {
		row[j] = c.header
	}
	_ = w.Write(row)
	w.Flush()
	line := 2
	ids := make(map[int]string, n)
	for i := range n {
		for j, c := range cols {
			row[j] = get(i, c.field)
		}
		start := buf.Len()
		_ = w.Write(row)
		w.Flush()
		ids[line] = id(i)
		line += bytes.Count(buf.Bytes()[start:], []byte{'\n'})
	}
	f, err := crm.Open(&buf, crm.Leads, crm.Options{Mapping: m, Missing: missing})
	return f, ids, err
}

// statusOnly is the columns of a deletion: the id and the status, nothing else is touched.
type statusOnly struct{}

func (statusOnly) Has(field string) bool    { return field == "id" || field == "status" }
func (statusOnly) AttributeNames() []string { return []string{} }

func (s *Salesforce) importLeads(ctx context.Context, rs []salesforce.Record, opt Options, st *Stats) error {
	var live, gone []salesforce.Record
	for _, r := range rs {
		if r.Bool("IsDeleted") {
			gone = append(gone, r)
		} else {
			live = append(live, r)
		}
	}
	if len(live) > 0 {
		f, ids, err := s.asFile(live)
		if err != nil {
			return errorf("salesforce leads do not map onto leadbot's fields (crm.salesforce.columns): %w", err)
		}
		res, err := s.Store.ImportLeads(ctx, f.Leads(), store.ImportOptions{Columns: f.Columns, SkipBad: true, DryRun: opt.DryRun})
		if err != nil {
			return err
		}
		st.add(res, "Lead", ids)
	}
	if err := s.closeDeleted(ctx, gone, opt, st); err != nil {
		return err
	}
	return s.leadOutcomes(ctx, live, opt, st)
}

// add counts an import's result and reports its rejects by CRM id.
func (st *Stats) add(res store.ImportResult, object string, ids map[int]string) {
	st.New += res.New
	st.Updated += res.Updated
	st.Unchanged += res.Unchanged
	for _, e := range res.Rejects {
		st.Rejects = append(st.Rejects, Reject{Object: object, ID: ids[e.Line], Reason: e.Reason})
	}
}

// closeDeleted closes the stored leads that were deleted or merged away in Salesforce: they keep
// their feedback and history, and leave the digests.
func (s *Salesforce) closeDeleted(ctx context.Context, gone []salesforce.Record, opt Options, st *Stats) error {
	if len(gone) == 0 {
		return nil
	}
	ids := make([]string, len(gone))
	for i, r := range gone {
		ids[i] = r.String("Id")
	}
	return closeLeads(ctx, s.Store, ids, opt, st)
}

// closeLeads closes the stored leads among ids (deleted, merged away or archived in the CRM).
func closeLeads(ctx context.Context, db *store.Store, ids []string, opt Options, st *Stats) error {
	if len(ids) == 0 {
		return nil
	}
	known, err := db.LeadOutcomesByExternalID(ctx, ids)
	if err != nil {
		return err
	}
	var recs []leadbot.LeadRecord
	for i, id := range ids {
		if _, ok := known[id]; ok {
			recs = append(recs, leadbot.LeadRecord{Line: i + 1, ExternalID: id, Status: "closed", Attributes: "{}"})
		}
	}
	if len(recs) == 0 {
		return nil
	}
	res, err := db.ImportLeads(ctx, seq(recs), store.ImportOptions{Columns: statusOnly{}, SkipBad: true, DryRun: opt.DryRun})
	st.Deleted += res.Updated
	return err
}

func seq[T any](xs []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, x := range xs {
			if !yield(x, nil) {
				return
			}
		}
	}
}

// leadOutcomes derives outcomes from Leads: converted (IsConverted, and the Opportunity it became
// is linked for its own outcome later) and disqualified (a lost status). A won or lost outcome
// already stored is never overwritten by these weaker ones.
func (s *Salesforce) leadOutcomes(ctx context.Context, live []salesforce.Record, opt Options, st *Stats) error {
	links := map[string]string{}
	var recs []leadbot.OutcomeRecord
	for _, r := range live {
		id := r.String("Id")
		switch {
		case r.Bool("IsConverted"):
			if opp := r.String("ConvertedOpportunityId"); opp != "" {
				links[opp] = id
			}
			recs = append(recs, leadbot.OutcomeRecord{LeadID: id, Outcome: "converted", OccurredAt: sfDate(r, "ConvertedDate")})
		case slices.ContainsFunc(s.Config.LostStatuses, func(v string) bool { return strings.EqualFold(v, r.String("Status")) }):
			recs = append(recs, leadbot.OutcomeRecord{LeadID: id, Outcome: "disqualified", OccurredAt: sfDate(r, "SystemModstamp")})
		}
	}
	if !opt.DryRun {
		if err := s.Store.LinkCRM(ctx, sfSystem, "Opportunity", links); err != nil {
			return err
		}
	}
	if len(recs) == 0 {
		return nil
	}
	ids := make([]string, len(recs))
	for i, o := range recs {
		ids[i] = o.LeadID
	}
	have, err := s.Store.LeadOutcomesByExternalID(ctx, ids)
	if err != nil {
		return err
	}
	recs = slices.DeleteFunc(recs, func(o leadbot.OutcomeRecord) bool {
		return have[o.LeadID] == "won" || have[o.LeadID] == "lost"
	})
	return s.importOutcomes(ctx, recs, "Lead", opt, st)
}

func (s *Salesforce) importOutcomes(ctx context.Context, recs []leadbot.OutcomeRecord, object string, opt Options, st *Stats) error {
	return importOutcomes(ctx, s.Store, recs, object, opt, st)
}

// importOutcomes imports outcome records through the CSV import's upsert, reporting rejects by
// the lead's CRM id.
func importOutcomes(ctx context.Context, db *store.Store, recs []leadbot.OutcomeRecord, object string, opt Options, st *Stats) error {
	if len(recs) == 0 {
		return nil
	}
	ids := map[int]string{}
	for i := range recs {
		recs[i].Line = i + 1
		ids[i+1] = recs[i].LeadID
	}
	res, err := db.ImportOutcomes(ctx, seq(recs), store.ImportOptions{SkipBad: true, DryRun: opt.DryRun})
	if err != nil {
		return err
	}
	st.Outcomes += res.New + res.Updated
	for _, e := range res.Rejects {
		st.Rejects = append(st.Rejects, Reject{Object: object, ID: ids[e.Line], Reason: e.Reason})
	}
	return nil
}

// sfDate reads a date or datetime field; a missing one is the record's SystemModstamp.
func sfDate(r salesforce.Record, field string) time.Time {
	v := r.String(field)
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t
	}
	if t := parseSFTime(v); !t.IsZero() {
		return t
	}
	return parseSFTime(r.String("SystemModstamp"))
}

// importOpportunities turns closed Opportunities linked to a lead into won or lost outcomes.
func (s *Salesforce) importOpportunities(ctx context.Context, rs []salesforce.Record, opt Options, st *Stats) error {
	var closed []salesforce.Record
	var ids []string
	for _, r := range rs {
		if s.oppOutcome(r) != "" && !r.Bool("IsDeleted") {
			closed = append(closed, r)
			ids = append(ids, r.String("Id"))
		}
	}
	if len(closed) == 0 {
		return nil
	}
	links, err := s.Store.CRMLinks(ctx, sfSystem, "Opportunity", ids)
	if err != nil {
		return err
	}
	var recs []leadbot.OutcomeRecord
	for _, r := range closed {
		lead, ok := links[r.String("Id")]
		if !ok {
			continue // not from a lead's conversion: no lead of leadbot's to label
		}
		o := leadbot.OutcomeRecord{LeadID: lead, Outcome: s.oppOutcome(r), OccurredAt: sfDate(r, "CloseDate")}
		if a := r.String("Amount"); a != "" {
			if n, err := crm.ParseNumber(a); err == nil {
				o.Amount = n
			} else {
				st.Rejects = append(st.Rejects, Reject{Object: "Opportunity", ID: r.String("Id"), Reason: "amount " + strconv.Quote(a) + ": " + err.Error()})
				continue
			}
		}
		recs = append(recs, o)
	}
	return s.importOutcomes(ctx, recs, "Opportunity", opt, st)
}

// oppOutcome is an Opportunity's outcome: won, lost, or "" while it is open.
func (s *Salesforce) oppOutcome(r salesforce.Record) string {
	if len(s.Config.WonStages)+len(s.Config.LostStages) > 0 {
		return stageOutcome(r.String("StageName"), s.Config.WonStages, s.Config.LostStages)
	}
	switch {
	case !r.Bool("IsClosed"):
		return ""
	case r.Bool("IsWon"):
		return "won"
	}
	return "lost"
}
