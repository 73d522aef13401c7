package crmsync

import (
	"context"
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
	if h.Config.WriteBack == nil {
		return nil
	}
	cands, err := h.Store.WritebackCandidates(ctx, hsSystem, "")
	if err != nil {
		return err
	}
	cands = slices.DeleteFunc(cands, func(l store.WritebackLead) bool {
		return strings.Trim(l.ExternalID, "0123456789") != "" // not a HubSpot record id
	})
	return writeBack(ctx, h.Store, hsSystem, "contact", *h.Config.WriteBack, cands, hubspot.MaxBatch, opt, st,
		func(ctx context.Context, batch []change) (map[int]string, error) {
			us := make([]hubspot.Update, len(batch))
			for i, c := range batch {
				us[i] = hubspot.Update{ID: c.id, Properties: map[string]string{}}
				for k, v := range c.diff {
					us[i].Properties[k] = fmt.Sprint(v)
				}
			}
			byID, err := h.Client.BatchUpdate(ctx, "contacts", us)
			if err != nil {
				return nil, err
			}
			failed := map[int]string{}
			for i, u := range us {
				if e, bad := byID[u.ID]; bad {
					failed[i] = e
				}
			}
			return failed, nil
		})
}
