package crmsync

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/leadbot/leadbot/crm"
	"github.com/leadbot/leadbot/crmsync/salesforce"
	"github.com/leadbot/leadbot/store"
)

// SalesforceConfig says what to pull from Salesforce and how it maps to leadbot's fields.
type SalesforceConfig struct {
	// Mapping is leadbot's lead field → the Lead field (the import.columns semantics: "A + B"
	// joins fields with a space). DefaultSalesforceMapping fills the fields it leaves out.
	Mapping crm.Mapping
	// Attributes are more Lead fields kept as attributes (features for scoring).
	Attributes []string
	// AttributeNames renames attributes: Lead field → the attribute's name in leadbot, as the
	// model and the CSV imports know it (Website_Visits__c → "Website visits"); a field not
	// named here keeps its API name.
	AttributeNames map[string]string
	// LostStatuses are Lead statuses that mean disqualified (a lead closed without converting).
	LostStatuses []string
	// WonStages and LostStages, when set, say which StageName values are won and lost; otherwise
	// IsClosed and IsWon do (they follow each stage's settings in Salesforce).
	WonStages, LostStages []string
	Overlap               time.Duration // the window re-read before each cursor (default 5 minutes)
	BatchSize             int           // records per page, 200–2000 (default 2000)
	Missing               []string      // import.missing
	// WriteBack, when set, names the Lead fields that receive leadbot's values.
	WriteBack *WriteBackFields
}

// DefaultSalesforceMapping is where leadbot's lead fields are on a standard Lead.
func DefaultSalesforceMapping() crm.Mapping {
	return crm.Mapping{
		"id": "Id", "name": "FirstName + LastName", "company": "Company", "email": "Email",
		"owner_email": "Owner.Email", "source": "LeadSource", "status": "Status", "created_at": "CreatedDate",
	}
}

// Salesforce syncs one org.
type Salesforce struct {
	Client  *salesforce.Client
	Store   *store.Store
	Config  SalesforceConfig
	Log     *slog.Logger
	Now     func() time.Time
	Metrics *Metrics
	// chunk is how many records are imported in one transaction (default 10,000).
	chunk int
}

const sfSystem = "salesforce"

func (s *Salesforce) defaults() {
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.chunk == 0 {
		s.chunk = 10000
	}
	if s.Config.Overlap == 0 {
		s.Config.Overlap = 5 * time.Minute
	}
	s.Config.Mapping = crm.MergeMappings(DefaultSalesforceMapping(), s.Config.Mapping)
	if s.Config.LostStatuses == nil {
		s.Config.LostStatuses = []string{"Closed - Not Converted", "Unqualified"}
	}
}

// Sync pulls Leads, then Opportunities, scores (Options.Score), then writes back (when
// configured). Running out of budget stops it cleanly: what was pulled is imported and the
// cursors stand there.
func (s *Salesforce) Sync(ctx context.Context, opt Options) (st Stats, err error) {
	s.defaults()
	before := s.Client.Calls()
	defer func() { st.Calls = s.Client.Calls() - before }()
	err = runSteps(ctx, opt, &st, s.Log, sfSystem, s.pullLeads, s.pullOpportunities, score, s.writeBack)
	return st, err
}

// leadFields are the Lead fields queried: the system fields the sync reads, then the mapped
// fields and the attributes, each once.
func (s *Salesforce) leadFields() []string {
	fs := []string{"Id", "IsDeleted", "MasterRecordId", "SystemModstamp", "IsConverted", "ConvertedDate", "ConvertedOpportunityId", "Status"}
	add := func(f string) {
		f = strings.TrimSpace(f)
		if f != "" && !slices.ContainsFunc(fs, func(x string) bool { return strings.EqualFold(x, f) }) {
			fs = append(fs, f)
		}
	}
	for _, k := range crm.Fields(crm.Leads) {
		if v, ok := s.Config.Mapping[k]; ok {
			for _, part := range strings.Split(v, "+") {
				add(part)
			}
		}
	}
	for _, a := range s.Config.Attributes {
		add(a)
	}
	return fs
}

// soql builds the incremental query: everything since the cursor minus the overlap, oldest first.
func (s *Salesforce) soql(ctx context.Context, object string, fields []string, full bool) (string, error) {
	q := "SELECT " + strings.Join(fields, ", ") + " FROM " + object
	if cur, ok, err := s.Store.CRMCursor(ctx, sfSystem, object); err != nil {
		return "", err
	} else if ok && !full {
		// SOQL dateTime literals have whole seconds: round down, the overlap covers the rest.
		q += " WHERE SystemModstamp >= " + cur.Add(-s.Config.Overlap).UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	return q + " ORDER BY SystemModstamp, Id", nil
}

// pull runs the query and hands the records to flush in chunks, advancing the cursor after each
// one; on a budget stop what arrived is flushed first. The next pages are fetched while a chunk
// is imported (a goroutine of the call's own, stopped and waited for before pull returns), so
// the CRM's answers and PostgreSQL's writes overlap instead of taking turns.
func (s *Salesforce) pull(ctx context.Context, object string, fields []string, opt Options, st *Stats,
	flush func([]salesforce.Record) error) error {
	q, err := s.soql(ctx, object, fields, opt.Full)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	pages := make(chan []salesforce.Record, 4)
	done := make(chan error, 1)
	go func() {
		defer close(pages)
		done <- s.Client.Query(ctx, q, salesforce.QueryOptions{All: true, BatchSize: s.Config.BatchSize}, func(rs []salesforce.Record) error {
			select {
			case pages <- rs:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	defer func() {
		cancel()
		for range pages { // let the fetcher see the cancellation and end
		}
	}()
	var buf []salesforce.Record
	for rs := range pages {
		st.Pulled += len(rs)
		buf = append(buf, rs...)
		if len(buf) >= s.chunk {
			if err := s.flushChunk(ctx, object, buf, opt, flush); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	qerr := <-done
	if err := s.flushChunk(ctx, object, buf, opt, flush); err != nil {
		return err
	}
	if qerr == nil && len(buf) == 0 {
		s.Metrics.lag(sfSystem, object, 0)
	}
	return qerr
}

// flushChunk imports a chunk and moves object's cursor to its newest record.
func (s *Salesforce) flushChunk(ctx context.Context, object string, buf []salesforce.Record, opt Options, flush func([]salesforce.Record) error) error {
	if len(buf) == 0 {
		return nil
	}
	if err := flush(buf); err != nil {
		return err
	}
	last := parseSFTime(buf[len(buf)-1].String("SystemModstamp"))
	if opt.DryRun || last.IsZero() {
		return nil
	}
	s.Metrics.lag(sfSystem, object, s.Now().Sub(last))
	return s.Store.AdvanceCRMCursor(ctx, sfSystem, object, last)
}

// parseSFTime reads a Salesforce datetime (2026-01-02T03:04:05.000+0000).
func parseSFTime(v string) time.Time {
	t, err := time.Parse("2006-01-02T15:04:05.000-0700", v)
	if err != nil {
		t, _ = time.Parse(time.RFC3339, v)
	}
	return t
}

func (s *Salesforce) pullLeads(ctx context.Context, opt Options, st *Stats) error {
	return s.pull(ctx, "Lead", s.leadFields(), opt, st, func(rs []salesforce.Record) error {
		return s.importLeads(ctx, rs, opt, st)
	})
}

func (s *Salesforce) pullOpportunities(ctx context.Context, opt Options, st *Stats) error {
	fields := []string{"Id", "IsDeleted", "SystemModstamp", "IsClosed", "IsWon", "StageName", "Amount", "CloseDate"}
	return s.pull(ctx, "Opportunity", fields, opt, st, func(rs []salesforce.Record) error {
		return s.importOpportunities(ctx, rs, opt, st)
	})
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
