package crmsync_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/leadbot/leadbot/crmsync"
	"github.com/leadbot/leadbot/crmsync/salesforce/sffake"
)

// TestSalesforceSync runs a first full sync, then changes, a deletion, a merge, a conversion and
// a closed-won opportunity arriving between syncs, then a sync with nothing new.
func TestSalesforceSync(t *testing.T) {
	w := newWorld(t, sffake.Options{})
	ctx := context.Background()
	alice, carol := w.user("Alice@Example.com"), w.user("carol@example.com")
	l1 := w.org.Put("Lead", sffake.Record{"FirstName": "Ada", "LastName": "Lovelace", "Company": "Analytical", "Email": "ADA@x.io",
		"OwnerId": alice, "Status": "Open - Not Contacted", "LeadSource": "Web", "Industry": "Computing", "NumberOfEmployees": float64(12)})
	l2 := w.org.Put("Lead", sffake.Record{"LastName": "Babbage", "Company": "Engines", "OwnerId": alice, "Status": "Working"})
	l3 := w.org.Put("Lead", sffake.Record{"LastName": "Hopper", "Company": "Navy", "OwnerId": alice, "Status": "Working"})
	bad := w.org.Put("Lead", sffake.Record{"LastName": "Nobody", "Company": "Unknown owner", "OwnerId": carol})

	st := w.sync(crmsync.Options{})
	if st.New != 3 || len(st.Rejects) != 1 || st.Rejects[0].ID != bad {
		t.Fatalf("first sync: new %d, rejects %+v; want 3 new and %s rejected", st.New, st.Rejects, bad)
	}
	lead, err := w.st.LeadByExternalID(ctx, l1)
	if err != nil {
		t.Fatal(err)
	}
	if lead.Name != "Ada Lovelace" || lead.Email != "ada@x.io" || lead.OwnerID == nil || lead.Attrs()["Industry"] != "Computing" {
		t.Fatalf("lead stored as %+v (attrs %v)", lead, lead.Attrs())
	}

	// Between syncs: a change, a deletion, a merge, a conversion whose opportunity is won.
	w.org.Put("Lead", sffake.Record{"Id": l1, "Company": "Analytical Engines Ltd"})
	w.org.Delete("Lead", l2, "")
	opp := w.org.Put("Opportunity", sffake.Record{"Name": "Navy deal", "StageName": "Prospecting", "Amount": float64(1000), "CloseDate": "2026-04-01"})
	w.org.Put("Lead", sffake.Record{"Id": l3, "IsConverted": true, "ConvertedDate": "2026-03-01", "ConvertedOpportunityId": opp, "Status": "Closed - Converted"})
	w.org.Put("Opportunity", sffake.Record{"Id": opp, "StageName": "Closed Won", "Amount": float64(25000.5)})

	st = w.sync(crmsync.Options{})
	if st.New != 0 || st.Updated != 2 || st.Deleted != 1 || st.Outcomes != 2 {
		t.Fatalf("second sync: %+v; want 2 updated (company, converted status), 1 deleted, 2 outcomes (converted, then won)", st)
	}
	l3lead, _ := w.st.LeadByExternalID(ctx, l3)
	o, err := w.st.OutcomeOf(ctx, l3lead.ID)
	if err != nil || o.Outcome != "won" || o.Amount == nil || *o.Amount != 25000.5 {
		t.Fatalf("outcome of the converted lead: %+v, %v; want won 25000.50", o, err)
	}
	gone, _ := w.st.LeadByExternalID(ctx, l2)
	if gone.Status != "closed" {
		t.Errorf("deleted lead is %s, want closed", gone.Status)
	}

	// Nothing changed: the overlap window re-reads the last records, and nothing is written.
	before, _ := w.st.LeadByExternalID(ctx, l1)
	st = w.sync(crmsync.Options{})
	after, _ := w.st.LeadByExternalID(ctx, l1)
	if st.New+st.Updated+st.Deleted+st.Outcomes != 0 || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Fatalf("third sync wrote %+v; want nothing", st)
	}
	// A lead touched again after the win keeps its won outcome (converted never overwrites it).
	w.org.Put("Lead", sffake.Record{"Id": l3, "Company": "US Navy"})
	w.sync(crmsync.Options{})
	if o, _ := w.st.OutcomeOf(ctx, l3lead.ID); o.Outcome != "won" {
		t.Fatalf("outcome after the lead changed again: %s, want won", o.Outcome)
	}
}

// TestSalesforceDryRun pulls and checks without writing or moving the cursor.
func TestSalesforceDryRun(t *testing.T) {
	w := newWorld(t, sffake.Options{})
	alice := w.user("alice@example.com")
	w.org.Put("Lead", sffake.Record{"LastName": "Dry", "Company": "Run", "OwnerId": alice})
	if st := w.sync(crmsync.Options{DryRun: true}); st.New != 1 {
		t.Fatalf("dry run: %+v, want 1 new", st)
	}
	if st := w.sync(crmsync.Options{}); st.New != 1 {
		t.Fatalf("real run after the dry run: %+v, want the lead new again", st)
	}
}

// TestSalesforceBudget stops at leadbot's share of the allowance and resumes the next day from
// where it stopped: every lead imported once, none repeated, none lost.
func TestSalesforceBudget(t *testing.T) {
	w := newWorld(t, sffake.Options{DailyMax: 100})
	w.share, w.batch, w.overlap = 0.03, 200, time.Second // 3 calls a day, 200 leads a page
	alice := w.user("alice@example.com")
	for i := range 1000 {
		w.org.Put("Lead", sffake.Record{"LastName": fmt.Sprint("L", i), "Company": "C", "OwnerId": alice})
	}
	st := w.sync(crmsync.Options{})
	if !st.BudgetStop || st.New != 600 {
		t.Fatalf("first day: %+v; want a budget stop after 3 pages (600 leads)", st)
	}
	if n := w.org.Calls(); n != 3 {
		t.Fatalf("first day made %d calls, want 3", n)
	}
	w.now = w.now.AddDate(0, 0, 1)
	total := st.New
	for range 2 {
		st = w.sync(crmsync.Options{})
		total += st.New
		if st.Updated != 0 {
			t.Fatalf("resumed run rewrote %d leads", st.Updated)
		}
		w.now = w.now.AddDate(0, 0, 1)
	}
	if total != 1000 {
		t.Fatalf("imported %d leads over three days, want 1000", total)
	}
	// The org itself out of calls (other integrations used them): REQUEST_LIMIT_EXCEEDED stops too.
	w.org.SetUsage(100)
	if st := w.sync(crmsync.Options{}); !st.BudgetStop {
		t.Fatalf("REQUEST_LIMIT_EXCEEDED: %+v, want a budget stop", st)
	}
}

// TestSalesforceRetries waits out 429 and 503 with the server's Retry-After and renews an expired
// session once.
func TestSalesforceRetries(t *testing.T) {
	w := newWorld(t, sffake.Options{})
	alice := w.user("alice@example.com")
	w.org.Put("Lead", sffake.Record{"LastName": "Retry", "Company": "C", "OwnerId": alice})
	w.sync(crmsync.Options{}) // first token
	w.org.ExpireSession()
	w.org.Fail(429, "REQUEST_LIMIT_EXCEEDED_RATE", 7)
	w.org.Fail(503, "SERVER_UNAVAILABLE", 0)
	w.org.Put("Lead", sffake.Record{"LastName": "Second", "Company": "C", "OwnerId": alice})
	st := w.sync(crmsync.Options{})
	if st.New != 1 {
		t.Fatalf("after retries: %+v, want the second lead", st)
	}
	if w.org.Tokens() != 2 { // the first, and the one renewal
		t.Errorf("tokens issued: %d, want 2", w.org.Tokens())
	}
	if len(w.sleep) != 2 || w.sleep[0].Seconds() != 7 {
		t.Errorf("waits: %v, want Retry-After 7s then a default wait", w.sleep)
	}
}

// TestSalesforceStages lets configured stage names decide won and lost over IsWon.
func TestSalesforceStages(t *testing.T) {
	w := newWorld(t, sffake.Options{})
	ctx := context.Background()
	alice := w.user("alice@example.com")
	eng := w.engine()
	eng.Config.WonStages, eng.Config.LostStages = []string{"Signed"}, []string{"Closed Lost", "Dead"}
	var leads []string
	for i, stage := range []string{"Signed", "Dead", "Closed Won", "Negotiation"} {
		opp := w.org.Put("Opportunity", sffake.Record{"Name": fmt.Sprint("O", i), "StageName": stage, "CloseDate": "2026-02-01"})
		leads = append(leads, w.org.Put("Lead", sffake.Record{"LastName": stage, "Company": "C", "OwnerId": alice,
			"IsConverted": true, "ConvertedDate": "2026-01-10", "ConvertedOpportunityId": opp}))
	}
	w.sync(crmsync.Options{})
	for i, want := range []string{"won", "lost", "converted", "converted"} { // "Closed Won" is not a won stage here
		l, _ := w.st.LeadByExternalID(ctx, leads[i])
		if o, err := w.st.OutcomeOf(ctx, l.ID); err != nil || o.Outcome != want {
			t.Errorf("lead %d: outcome %q (%v), want %s", i, o.Outcome, err, want)
		}
	}
}

// TestSalesforceAttributesKeepTheModelsNames keeps a custom field under the name the model (and
// the CSV imports before the sync) know it by, so that switching to the sync keeps the features.
func TestSalesforceAttributesKeepTheModelsNames(t *testing.T) {
	w := newWorld(t, sffake.Options{})
	w.org.AddFields("Lead", sffake.FieldDef{Name: "Website_Visits__c", Type: "double", Updateable: true})
	alice := w.user("alice@example.com")
	id := w.org.Put("Lead", sffake.Record{"LastName": "Lovelace", "Company": "Analytical", "OwnerId": alice,
		"Industry": "Computing", "Website_Visits__c": float64(25)})
	w.eng = &crmsync.Salesforce{Client: w.client(), Store: w.st, Now: func() time.Time { return w.now },
		Config: crmsync.SalesforceConfig{Attributes: []string{"Industry", "Website_Visits__c"},
			AttributeNames: map[string]string{"Website_Visits__c": "Website visits"}}}
	if st := w.sync(crmsync.Options{}); st.New != 1 {
		t.Fatalf("%+v; want the lead", st)
	}
	l, err := w.st.LeadByExternalID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	a := l.Attrs()
	if fmt.Sprint(a["Website visits"]) != "25" || a["Industry"] != "Computing" || a["Website_Visits__c"] != "" {
		t.Fatalf("attributes %v; want Website visits=25 and Industry, and no API name", a)
	}
}
