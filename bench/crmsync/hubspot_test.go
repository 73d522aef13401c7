package crmsync_bench

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

// BenchmarkHubSpot: a first sync of 100,000 contacts and 20,000 deals (half of them won or lost,
// each with one contact), then a write-back of 100,000 changed scores. The fewest calls: one
// search page per 200 records of each object (10 windows of 10,000 contacts), one owners page per
// 100 owners, one association read per 1,000 closed deals, one archived-list page; and one batch
// update per 100 contacts.
func BenchmarkHubSpot(b *testing.B) {
	for range b.N {
		b.StopTimer()
		hs := hsfake.Start(hsfake.Options{Token: "t", DailyMax: 10_000_000})
		st := store.New(pgtest.NewDB(b))
		ctx := context.Background()
		var owners []string
		for i := range nReps {
			email := fmt.Sprintf("rep%d@example.com", i)
			owners = append(owners, hs.AddOwner(email))
			if _, err := st.UpsertRep(ctx, store.NewRep{Email: email}); err != nil {
				b.Fatal(err)
			}
		}
		var contacts []string
		for i := range nLeads {
			contacts = append(contacts, hs.Put("contacts", "", map[string]string{"firstname": "C", "lastname": fmt.Sprint(i),
				"email": fmt.Sprintf("c%d@example.org", i), "company": fmt.Sprint("Co ", i%9000), "hubspot_owner_id": owners[i%nReps], "industry": "Retail"}))
		}
		for i := range nOpps {
			stage := []string{"appointmentscheduled", "contractsent", "closedwon", "closedlost"}[i%4]
			d := hs.Put("deals", "", map[string]string{"dealname": fmt.Sprint("D", i), "dealstage": stage, "amount": "1000", "closedate": "2026-02-01T00:00:00Z"})
			hs.Associate(contacts[i], d)
		}
		wb := crmsync.DefaultHubSpotWriteBack()
		for _, p := range []string{wb.Score, wb.Band, wb.Reasons, wb.Model, wb.ScoredAt, wb.Verdict} {
			hs.DefineProperty("contacts", p)
		}
		eng := &crmsync.HubSpot{Store: st, Client: hubspot.New(hubspot.Config{BaseURL: hs.URL, Token: "t", SearchInterval: -1,
			Budget: &crmsync.Budget{Store: st, System: "hubspot", Share: 0.1, Now: time.Now}}),
			Config: crmsync.HubSpotConfig{Attributes: []string{"industry"}}}
		b.StartTimer()
		start := time.Now()
		s, err := eng.Sync(ctx, crmsync.Options{})
		took := time.Since(start)
		if err != nil || s.New != nLeads {
			b.Fatalf("%+v %v", s, err)
		}
		min := ceilDiv(nLeads, hubspot.MaxSearchPage) + ceilDiv(nOpps, hubspot.MaxSearchPage) + ceilDiv(nReps, 100) + ceilDiv(nOpps/2, 1000) + 1
		report(b, "hubspot first sync", int(s.Calls), min, nLeads+nOpps, took)
		fmt.Printf("  outcomes %d, rejects %d\n", s.Outcomes, len(s.Rejects))

		b.StopTimer()
		scoreAll(b, st)
		eng.Config.WriteBack = &wb
		before := hs.CallsTo("batch/update")
		b.StartTimer()
		start = time.Now()
		s, err = eng.Sync(ctx, crmsync.Options{})
		took = time.Since(start)
		if err != nil || s.Written != nLeads {
			b.Fatalf("%+v %v", s, err)
		}
		report(b, "hubspot write-back of 100,000 changed scores", hs.CallsTo("batch/update")-before, ceilDiv(nLeads, hubspot.MaxBatch), s.Written, took)
		hs.Close()
	}
}
