package crmsync_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/leadbot/leadbot/crmsync"
	"github.com/leadbot/leadbot/crmsync/hubspot"
	"github.com/leadbot/leadbot/crmsync/hubspot/hsfake"
	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/store"
)

type hsWorld struct {
	*world
	hs  *hsfake.Server
	eng *crmsync.HubSpot
}

func newHSWorld(t *testing.T, wb *crmsync.WriteBackFields) *hsWorld {
	w := &hsWorld{world: &world{t: t, st: store.New(pgtest.NewDB(t)), now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}}
	w.hs = hsfake.Start(hsfake.Options{Token: "pat-na1-fake", DailyMax: 100_000})
	t.Cleanup(w.hs.Close)
	for _, email := range []string{"alice@example.com", "bob@example.com"} {
		if _, err := w.st.UpsertRep(context.Background(), store.NewRep{Email: email}); err != nil {
			t.Fatal(err)
		}
	}
	client := hubspot.New(hubspot.Config{BaseURL: w.hs.URL, Token: "pat-na1-fake", SearchInterval: -1,
		Budget: &crmsync.Budget{Store: w.st, System: "hubspot", Share: 0.5, Now: func() time.Time { return w.now }},
		Sleep:  func(_ context.Context, d time.Duration) error { w.sleep = append(w.sleep, d); return nil }})
	w.eng = &crmsync.HubSpot{Client: client, Store: w.st, Now: func() time.Time { return w.now },
		Config: crmsync.HubSpotConfig{Attributes: []string{"industry"}, WriteBack: wb}}
	return w
}

func (w *hsWorld) sync() crmsync.Stats {
	w.t.Helper()
	st, err := w.eng.Sync(context.Background(), crmsync.Options{})
	if err != nil {
		w.t.Fatalf("hubspot sync: %v", err)
	}
	return st
}

// TestHubSpotSync: a first sync, then a change, an archived contact and a won deal between syncs.
func TestHubSpotSync(t *testing.T) {
	w := newHSWorld(t, nil)
	ctx := context.Background()
	alice, carol := w.hs.AddOwner("alice@example.com"), w.hs.AddOwner("carol@example.com")
	c1 := w.hs.Put("contacts", "", map[string]string{"firstname": "Ada", "lastname": "L", "email": "Ada@x.io", "company": "AE", "hubspot_owner_id": alice, "industry": "Computing"})
	c2 := w.hs.Put("contacts", "", map[string]string{"lastname": "B", "hubspot_owner_id": alice})
	bad := w.hs.Put("contacts", "", map[string]string{"lastname": "Orphan", "hubspot_owner_id": carol})
	st := w.sync()
	if st.New != 2 || len(st.Rejects) != 1 || st.Rejects[0].ID != bad {
		t.Fatalf("first sync: %+v", st)
	}
	if l, _ := w.st.LeadByExternalID(ctx, c1); l.Name != "Ada L" || l.Email != "ada@x.io" || l.OwnerID == nil || l.Attrs()["industry"] != "Computing" {
		t.Fatalf("contact stored as %+v", l)
	}
	w.hs.Put("contacts", c1, map[string]string{"company": "Analytical Engines"})
	w.hs.Archive("contacts", c2)
	deal := w.hs.Put("deals", "", map[string]string{"dealname": "D", "dealstage": "appointmentscheduled", "amount": "1200.50"})
	w.hs.Associate(c1, deal)
	w.hs.Put("deals", deal, map[string]string{"dealstage": "closedwon", "closedate": "2026-02-20T00:00:00Z"})
	st = w.sync()
	if st.Updated != 1 || st.Deleted != 1 || st.Outcomes != 1 {
		t.Fatalf("second sync: %+v; want 1 updated, 1 archived, 1 outcome", st)
	}
	l1, _ := w.st.LeadByExternalID(ctx, c1)
	if o, err := w.st.OutcomeOf(ctx, l1.ID); err != nil || o.Outcome != "won" || *o.Amount != 1200.5 {
		t.Fatalf("outcome %+v %v", o, err)
	}
	if st := w.sync(); st.New+st.Updated+st.Deleted+st.Outcomes != 0 {
		t.Fatalf("third sync wrote %+v", st)
	}
}

// TestHubSpotTenThousandCap splits a window that holds more than search's 10,000 results.
func TestHubSpotTenThousandCap(t *testing.T) {
	if testing.Short() {
		t.Skip("12,000 contacts")
	}
	w := newHSWorld(t, nil)
	owner := w.hs.AddOwner("alice@example.com")
	for i := range 12_000 {
		w.hs.Put("contacts", "", map[string]string{"lastname": fmt.Sprint("C", i), "hubspot_owner_id": owner})
	}
	st := w.sync()
	if st.New != 12_000 {
		t.Fatalf("imported %d of 12,000 (%+v)", st.New, st)
	}
	pages := w.hs.CallsTo("search")
	// The fewest: 60 pages of contacts and the deals' one; a new window re-reads one page's worth.
	if min := 12_000/hubspot.MaxSearchPage + 1; pages > min+1 {
		t.Fatalf("%d search calls, the fewest is %d", pages, min)
	}
}

// TestHubSpotWriteBack sends changed values 100 a call, reports a batch HubSpot refuses, and
// waits out a per-second 429.
func TestHubSpotWriteBack(t *testing.T) {
	wb := crmsync.DefaultHubSpotWriteBack()
	w := newHSWorld(t, &wb)
	ctx := context.Background()
	owner := w.hs.AddOwner("alice@example.com")
	var ids []string
	for i := range 150 {
		ids = append(ids, w.hs.Put("contacts", "", map[string]string{"lastname": fmt.Sprint("C", i), "hubspot_owner_id": owner}))
	}
	w.sync()
	var scores []store.NewScore
	for _, id := range ids {
		l, _ := w.st.LeadByExternalID(ctx, id)
		scores = append(scores, store.NewScore{LeadID: l.ID, Probability: 0.7})
	}
	if err := w.st.RecordScores(ctx, scores); err != nil {
		t.Fatal(err)
	}
	// The properties do not exist yet: HubSpot refuses each batch whole; every record is reported.
	st := w.sync()
	if st.Written != 0 || st.WriteFailed != 150 {
		t.Fatalf("without the properties: %+v", st)
	}
	for _, p := range []string{wb.Score, wb.Band, wb.Reasons, wb.Model, wb.ScoredAt, wb.Verdict} {
		w.hs.DefineProperty("contacts", p)
	}
	w.hs.Fail429(1)
	before := w.hs.CallsTo("batch/update")
	st = w.sync()
	if st.Written != 150 || w.hs.CallsTo("batch/update")-before != 2 || len(w.sleep) != 1 || w.sleep[0] != time.Second {
		t.Fatalf("with the properties: %+v, %d batch calls", st, w.hs.CallsTo("batch/update")-before)
	}
	if got := w.hs.Get("contacts", ids[0]); got[wb.Score] != "70" || got[wb.Band] != "hot" {
		t.Fatalf("contact holds %v", got)
	}
	if st := w.sync(); st.Written != 0 {
		t.Fatalf("nothing changed, %d written", st.Written)
	}
}

// TestHubSpotBudget stops at leadbot's share of the allowance (learnt from the owners answer's
// X-HubSpot-RateLimit-Daily, since search answers carry none) and resumes the next day.
func TestHubSpotBudget(t *testing.T) {
	w := newHSWorld(t, nil)
	w.hs.Close()
	w.hs = hsfake.Start(hsfake.Options{Token: "pat-na1-fake", DailyMax: 100})
	t.Cleanup(w.hs.Close)
	w.eng.Client = hubspot.New(hubspot.Config{BaseURL: w.hs.URL, Token: "pat-na1-fake", SearchInterval: -1,
		Budget: &crmsync.Budget{Store: w.st, System: "hubspot", Share: 0.04, Now: func() time.Time { return w.now }}})
	w.eng.Config.Overlap = time.Second
	owner := w.hs.AddOwner("alice@example.com")
	for i := range 1000 {
		w.hs.Put("contacts", "", map[string]string{"lastname": fmt.Sprint("C", i), "hubspot_owner_id": owner})
	}
	total := 0
	for day := range 4 {
		st := w.sync()
		total += st.New
		if st.Updated != 0 {
			t.Fatalf("day %d rewrote %d contacts", day, st.Updated)
		}
		if day == 0 && (!st.BudgetStop || st.New != 600) {
			t.Fatalf("first day: %+v; want a stop after the owners and 3 pages", st)
		}
		w.now = w.now.AddDate(0, 0, 1)
	}
	if total != 1000 {
		t.Fatalf("imported %d of 1,000 over four days", total)
	}
}

// TestHubSpotMerge closes the lead of a contact merged into another (it is neither listed nor
// archived afterwards: only the survivor's hs_merged_object_ids says so) and keeps the survivor.
func TestHubSpotMerge(t *testing.T) {
	w := newHSWorld(t, nil)
	ctx := context.Background()
	alice := w.hs.AddOwner("alice@example.com")
	keep := w.hs.Put("contacts", "", map[string]string{"lastname": "Lovelace", "email": "ada@x.io", "hubspot_owner_id": alice})
	dup := w.hs.Put("contacts", "", map[string]string{"lastname": "Lovelace", "email": "ada@x.io", "hubspot_owner_id": alice, "industry": "Computing"})
	if st := w.sync(); st.New != 2 {
		t.Fatalf("first sync: %+v", st)
	}
	w.hs.Merge("contacts", keep, dup)
	st := w.sync()
	if st.Deleted != 1 {
		t.Fatalf("after the merge: %+v; want the merged-away lead closed", st)
	}
	gone, _ := w.st.LeadByExternalID(ctx, dup)
	kept, _ := w.st.LeadByExternalID(ctx, keep)
	if gone.Status != "closed" || kept.Status != "open" || kept.Attrs()["industry"] != "Computing" {
		t.Fatalf("merged-away lead %s, survivor %s %v; want closed, open with the merged industry", gone.Status, kept.Status, kept.Attrs())
	}
	if st := w.sync(); st.Deleted != 0 {
		t.Fatalf("a sync with nothing new closed %d again", st.Deleted)
	}
}
