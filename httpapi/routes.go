package httpapi

import (
	"fmt"
	"net/http"

	"github.com/leadbot/leadbot/crm"
	"github.com/leadbot/leadbot/store"
)

var (
	leadFields    = []string{"id", "name", "company", "email", "owner_email", "source", "created_at", "status", "attributes"}
	outcomeFields = []string{"lead_id", "outcome", "occurred_at", "amount"}
)

// leads upserts leads by external id: the fields a lead object has are written, the others
// kept; attributes are merged by name.
func (a *api) leads(w http.ResponseWriter, r *http.Request) response {
	items, resp := readItems(w, r)
	if resp != nil {
		return *resp
	}
	var details []Detail
	patches := make([]store.LeadPatch, len(items))
	keys := make([]string, len(items))
	for i, raw := range items {
		items[i] = nil // decoded once: let it go as the batch is read
		it, ok := newItem(i, raw, leadFields, &details, a.Now())
		if !ok {
			continue
		}
		p := store.LeadPatch{
			ExternalID: it.id("id"),
			Name:       it.str("name"),
			Company:    it.key("company"),
			Email:      lower(it.key("email")),
			OwnerEmail: lower(it.key("owner_email")),
			Source:     it.str("source"),
		}
		p.Attributes, p.Named = it.attributes("attributes")
		if s := it.str("status"); s != nil {
			st := crm.LeadStatus(*s) // the CRM's many statuses, as a CSV import reads them
			p.Status = &st
		}
		p.CreatedAt, p.SetCreatedAt = it.date("created_at")
		patches[i], keys[i] = p, p.ExternalID
	}
	duplicates(keys, "id", &details)
	if len(details) > 0 {
		return invalid(details)
	}
	return written(a.Store.UpsertLeadBatch(r.Context(), patches))
}

// outcomes records outcomes, one per lead, found by the lead's external id.
func (a *api) outcomes(w http.ResponseWriter, r *http.Request) response {
	items, resp := readItems(w, r)
	if resp != nil {
		return *resp
	}
	var details []Detail
	patches := make([]store.OutcomePatch, len(items))
	keys := make([]string, len(items))
	for i, raw := range items {
		it, ok := newItem(i, raw, outcomeFields, &details, a.Now())
		if !ok {
			continue
		}
		p := store.OutcomePatch{LeadExternalID: it.id("lead_id")}
		if s := it.str("outcome"); s == nil || *s == "" {
			it.bad("outcome", "missing outcome: use won, lost, converted or disqualified")
		} else if p.Outcome, ok = crm.ParseOutcome(*s); !ok {
			it.bad("outcome", fmt.Sprintf("unknown outcome %q: use won, lost, converted or disqualified", *s))
		}
		// occurred_at is required: defaulting it to "now" would make every replay an update.
		if t, present := it.date("occurred_at"); t != nil {
			p.OccurredAt = *t
		} else if !present || isNull(it.fields["occurred_at"]) {
			it.bad("occurred_at", "missing occurred_at: when the outcome happened, RFC 3339 or YYYY-MM-DD")
		}
		p.Amount, p.SetAmount = it.amount("amount")
		patches[i], keys[i] = p, p.LeadExternalID
	}
	duplicates(keys, "lead_id", &details)
	if len(details) > 0 {
		return invalid(details)
	}
	return written(a.Store.UpsertOutcomeBatch(r.Context(), patches))
}

func lower(s *string) *string {
	if s == nil {
		return nil
	}
	v := crm.NormEmail(*s)
	return &v
}
