package crmsync

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/crm"
	"github.com/leadbot/leadbot/crmsync/hubspot"
	"github.com/leadbot/leadbot/store"
)

// pullDeals turns deals that reached a won or lost stage into outcomes of their contacts, found
// through the deal→contact associations (1,000 deals a call).
func (h *HubSpot) pullDeals(ctx context.Context, opt Options, st *Stats) error {
	return h.pull(ctx, "deals", "hs_lastmodifieddate", []string{"dealstage", "amount", "closedate"}, opt, st, func(ds []hubspot.Object) error {
		var closed []hubspot.Object
		for _, d := range ds {
			if h.outcome(d.Properties["dealstage"]) != "" {
				closed = append(closed, d)
			}
		}
		var recs []leadbot.OutcomeRecord
		for chunk := range slices.Chunk(closed, hubspot.MaxAssociationBatch) {
			ids := make([]string, len(chunk))
			for i, d := range chunk {
				ids[i] = d.ID
			}
			contacts, err := h.Client.Associations(ctx, "deals", "contacts", ids)
			if err != nil {
				return err
			}
			for _, d := range chunk {
				for _, c := range contacts[d.ID] {
					o, bad := h.dealOutcome(d, c)
					if bad != "" {
						st.Rejects = append(st.Rejects, Reject{Object: "deal", ID: d.ID, Reason: bad})
						continue
					}
					recs = append(recs, o)
				}
			}
		}
		return importOutcomes(ctx, h.Store, recs, "deal", opt, st)
	})
}

func (h *HubSpot) outcome(stage string) string {
	return stageOutcome(stage, h.Config.WonStages, h.Config.LostStages)
}

// stageOutcome is a deal stage's outcome: won or lost when it is among those stages (any case),
// else "" (open).
func stageOutcome(stage string, won, lost []string) string {
	eq := func(v string) bool { return strings.EqualFold(v, stage) }
	switch {
	case slices.ContainsFunc(won, eq):
		return "won"
	case slices.ContainsFunc(lost, eq):
		return "lost"
	}
	return ""
}

func (h *HubSpot) dealOutcome(d hubspot.Object, contact string) (leadbot.OutcomeRecord, string) {
	o := leadbot.OutcomeRecord{LeadID: contact, Outcome: h.outcome(d.Properties["dealstage"])}
	o.OccurredAt = hsTime(d.Properties["closedate"])
	if o.OccurredAt.IsZero() {
		o.OccurredAt = hsTime(d.Properties["hs_lastmodifieddate"])
	}
	if a := d.Properties["amount"]; a != "" {
		n, err := crm.ParseNumber(a)
		if err != nil {
			return o, fmt.Sprintf("amount %q: %v", a, err)
		}
		o.Amount = n
	}
	return o, ""
}

// DefaultHubSpotWriteBack are the contact properties `leadbot crm fields` tells an admin to create.
func DefaultHubSpotWriteBack() WriteBackFields {
	return WriteBackFields{Score: "leadbot_score", Band: "leadbot_band", Reasons: "leadbot_reasons", Model: "leadbot_model",
		ScoredAt: "leadbot_scored_at", Verdict: "leadbot_verdict", ReasonsLength: 255}
}

// writeBack sends the changed values of every scored HubSpot contact (numeric ids), 100 a call.
func (h *HubSpot) writeBack(ctx context.Context, opt Options, st *Stats) error {
	w := h.Config.WriteBack
	if w == nil {
		return nil
	}
	cands, err := h.Store.WritebackCandidates(ctx, hsSystem, "")
	if err != nil {
		return err
	}
	var batch []hubspot.Update
	var pending, unchanged []store.Written
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		defer func() { batch, pending = batch[:0], pending[:0] }()
		if opt.DryRun {
			st.Written += len(batch)
			return nil
		}
		failed, err := h.Client.BatchUpdate(ctx, "contacts", batch)
		if err != nil {
			return err
		}
		for i, u := range batch {
			if e, bad := failed[u.ID]; bad {
				pending[i].Error = e
				st.WriteFailed++
				st.Rejects = append(st.Rejects, Reject{Object: "contact", ID: u.ID, Reason: "write-back: " + e})
				continue
			}
			st.Written++
		}
		return h.Store.RecordWriteback(ctx, hsSystem, pending)
	}
	for _, l := range cands {
		if strings.Trim(l.ExternalID, "0123456789") != "" {
			continue // not a HubSpot record id
		}
		want := w.values(l)
		all, _ := json.Marshal(want)
		diff := changed(want, l.Written)
		if len(diff) == 0 {
			unchanged = append(unchanged, store.Written{LeadID: l.LeadID, Fields: all})
			continue
		}
		props := map[string]string{}
		for k, v := range diff {
			props[k] = fmt.Sprint(v)
		}
		batch = append(batch, hubspot.Update{ID: l.ExternalID, Properties: props})
		pending = append(pending, store.Written{LeadID: l.LeadID, Fields: all})
		if len(batch) == hubspot.MaxBatch {
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
	return h.Store.RecordWriteback(ctx, hsSystem, unchanged)
}
