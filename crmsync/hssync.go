package crmsync

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/leadbot/leadbot/crm"
	"github.com/leadbot/leadbot/crmsync/hubspot"
	"github.com/leadbot/leadbot/store"
)

// HubSpotConfig says what to pull from HubSpot and how it maps to leadbot's fields.
type HubSpotConfig struct {
	// Mapping is leadbot's lead field → contact property (import.columns semantics);
	// owner_email is the email of the contact's hubspot_owner_id, through the owners API.
	Mapping    crm.Mapping
	Attributes []string
	// AttributeNames renames attributes: contact property → the attribute's name in leadbot.
	AttributeNames map[string]string
	WonStages      []string // dealstage values that mean won (default closedwon)
	LostStages     []string // … lost (default closedlost)
	// Overlap re-reads this much before the cursor: search's index lags writes (default 5m).
	Overlap   time.Duration
	Missing   []string
	WriteBack *WriteBackFields
}

// DefaultHubSpotMapping is where leadbot's lead fields are on a standard contact.
func DefaultHubSpotMapping() crm.Mapping {
	return crm.Mapping{"id": "hs_object_id", "name": "firstname + lastname", "company": "company", "email": "email",
		"owner_email": "owner_email", "source": "hs_analytics_source", "status": "hs_lead_status", "created_at": "createdate"}
}

// HubSpot syncs one HubSpot account.
type HubSpot struct {
	Client  *hubspot.Client
	Store   *store.Store
	Config  HubSpotConfig
	Log     *slog.Logger
	Now     func() time.Time
	Metrics *Metrics
	chunk   int
	owners  map[string]string
}

const hsSystem = "hubspot"

func (h *HubSpot) defaults() {
	if h.Log == nil {
		h.Log = slog.New(slog.DiscardHandler)
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	if h.chunk == 0 {
		h.chunk = 10000
	}
	if h.Config.Overlap == 0 {
		h.Config.Overlap = 5 * time.Minute
	}
	h.Config.Mapping = crm.MergeMappings(DefaultHubSpotMapping(), h.Config.Mapping)
	if h.Config.WonStages == nil {
		h.Config.WonStages = []string{"closedwon"}
	}
	if h.Config.LostStages == nil {
		h.Config.LostStages = []string{"closedlost"}
	}
}

// Sync pulls owners, contacts (changed, then archived), deals, scores (Options.Score), then
// writes back.
func (h *HubSpot) Sync(ctx context.Context, opt Options) (st Stats, err error) {
	h.defaults()
	before := h.Client.Calls()
	defer func() { st.Calls = h.Client.Calls() - before }()
	err = runSteps(ctx, opt, &st, h.Log, hsSystem, h.pullOwners, h.pullContacts, h.pullArchived, h.pullDeals, score, h.writeBack)
	return st, err
}

func (h *HubSpot) pullOwners(ctx context.Context, _ Options, _ *Stats) error {
	o, err := h.Client.Owners(ctx)
	h.owners = o
	return err
}

// windows searches [from, until) oldest first and visits each page. A search stops at 10,000
// results, so once a window has given that many the rest is searched as a new window starting at
// the last record read (records at that very millisecond are skipped when seen): every call but
// one per 10,000 records returns records never read, with no probing call wasted.
func (h *HubSpot) windows(ctx context.Context, object, prop string, from, until time.Time, props []string, visit func(hubspot.SearchPage) error) error {
	seen := map[string]bool{} // ids read at the window's first millisecond
	for {
		read, after := 0, ""
		var last time.Time
		var lastIDs []string
		for {
			p, err := h.Client.Search(ctx, object, prop, from, until, props, after)
			if err != nil {
				return err
			}
			p.Results = slices.DeleteFunc(p.Results, func(o hubspot.Object) bool { return seen[o.ID] })
			if err := visit(p); err != nil {
				return err
			}
			read += hubspot.MaxSearchPage
			for _, o := range p.Results {
				if t := hsTime(o.Properties[prop]); !t.Equal(last) {
					last, lastIDs = t, lastIDs[:0]
				}
				lastIDs = append(lastIDs, o.ID)
			}
			if after = p.Next(); after == "" {
				return nil
			}
			if read+hubspot.MaxSearchPage > hubspot.MaxSearchResults {
				break
			}
		}
		if !last.After(from) {
			return errorf("hubspot %s: more than %d records changed at %s: the search cannot page past them", object, hubspot.MaxSearchResults, last)
		}
		from, seen = last, map[string]bool{}
		for _, id := range lastIDs {
			seen[id] = true
		}
	}
}

func hsTime(v string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}
	}
	return t
}

// pull searches object from its cursor minus the overlap up to now, and flushes chunks in
// order, moving the cursor after each.
func (h *HubSpot) pull(ctx context.Context, object, prop string, props []string, opt Options, st *Stats, flush func([]hubspot.Object) error) error {
	var from time.Time
	if cur, ok, err := h.Store.CRMCursor(ctx, hsSystem, object); err != nil {
		return err
	} else if ok && !opt.Full {
		from = cur.Add(-h.Config.Overlap)
	}
	until := h.Now().Add(time.Minute)
	var buf []hubspot.Object
	flushChunk := func() error {
		if len(buf) == 0 {
			return nil
		}
		if err := flush(buf); err != nil {
			return err
		}
		last := hsTime(buf[len(buf)-1].Properties[prop])
		buf = buf[:0]
		if opt.DryRun || last.IsZero() {
			return nil
		}
		h.Metrics.lag(hsSystem, object, h.Now().Sub(last))
		return h.Store.AdvanceCRMCursor(ctx, hsSystem, object, last)
	}
	err := h.windows(ctx, object, prop, from, until, props, func(p hubspot.SearchPage) error {
		st.Pulled += len(p.Results)
		buf = append(buf, p.Results...)
		if len(buf) >= h.chunk {
			return flushChunk()
		}
		return nil
	})
	if ferr := flushChunk(); ferr != nil {
		return ferr
	}
	return err
}

// header lists the contact properties that make the import's columns.
func (h *HubSpot) header() []column {
	return columns(h.Config.Mapping, h.Config.Attributes, h.Config.AttributeNames)
}

func (h *HubSpot) pullContacts(ctx context.Context, opt Options, st *Stats) error {
	hdr := h.header()
	var props []string
	for _, c := range hdr {
		if c.field != "owner_email" && c.field != "hs_object_id" {
			props = append(props, c.field)
		}
	}
	props = append(props, "hubspot_owner_id", "hs_merged_object_ids")
	return h.pull(ctx, "contacts", "lastmodifieddate", props, opt, st, func(os []hubspot.Object) error {
		f, ids, err := renderCSV(hdr, len(os), func(i int, field string) string {
			switch field {
			case "owner_email":
				return h.owners[os[i].Properties["hubspot_owner_id"]]
			case "hs_object_id":
				return os[i].ID
			}
			return os[i].Properties[field]
		}, func(i int) string { return os[i].ID }, h.Config.Mapping, h.Config.Missing)
		if err != nil {
			return errorf("hubspot contacts do not map onto leadbot's fields (crm.hubspot.columns): %w", err)
		}
		res, err := h.Store.ImportLeads(ctx, f.Leads(), store.ImportOptions{Columns: f.Columns, SkipBad: true, DryRun: opt.DryRun})
		if err != nil {
			return err
		}
		st.add(res, "contact", ids)
		return closeLeads(ctx, h.Store, mergedAway(os), opt, st)
	})
}

// mergedAway lists the contacts merged into others (hs_merged_object_ids, "123;456"): they no
// longer exist in HubSpot, whether the merge kept the primary's id or made a new one, so their
// leads are closed as a deletion's are.
func mergedAway(os []hubspot.Object) []string {
	var ids []string
	for _, o := range os {
		for _, id := range strings.Split(o.Properties["hs_merged_object_ids"], ";") {
			if id = strings.TrimSpace(id); id != "" && id != o.ID {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// pullArchived closes the stored leads whose contacts were archived. HubSpot's list of archived
// records has no date filter, so every run reads it whole (100 a call).
func (h *HubSpot) pullArchived(ctx context.Context, opt Options, st *Stats) error {
	after := ""
	for {
		os, next, err := h.Client.Archived(ctx, "contacts", after)
		if err != nil {
			return err
		}
		ids := make([]string, len(os))
		for i, o := range os {
			ids[i] = o.ID
		}
		if err := closeLeads(ctx, h.Store, ids, opt, st); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		after = next
	}
}
