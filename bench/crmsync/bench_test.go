// Package crmsync_bench measures the Salesforce sync through the fake org (crmsync/salesforce/sffake)
// against a throwaway PostgreSQL: API calls used against the fewest the API allows, records per
// second, and the latency from a change in the CRM to the "hot now" DM in the Slack sandbox.
//
//	bench/crmsync/run.sh     (go test -run '^$' -bench . -benchtime 1x ./bench/crmsync)
package crmsync_bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/csv"
	"fmt"
	"testing"
	"time"

	"github.com/leadbot/leadbot/crm"
	"github.com/leadbot/leadbot/crmsync"
	"github.com/leadbot/leadbot/crmsync/salesforce"
	"github.com/leadbot/leadbot/crmsync/salesforce/sffake"
	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	nLeads = 100_000
	nOpps  = 20_000
	nReps  = 50
	page   = 2000 // Salesforce's largest query page
)

// org is a fake org with nLeads leads owned by nReps users; nOpps of the leads are converted,
// each to an opportunity, half of them closed (won or lost).
type org struct {
	fake  *sffake.Server
	st    *store.Store
	key   *rsa.PrivateKey
	leads []string
	opps  []string
}

func newOrg(b *testing.B) *org {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	o := &org{key: key, st: store.New(pgtest.NewDB(b)),
		// The org's clock starts now (a second a write from there), so that a lead created in it
		// arrives: one the CRM created days before leadbot saw it is history, never "hot now".
		fake: sffake.Start(sffake.Options{ConsumerKey: "k", Username: "u@x.io", PublicKey: &key.PublicKey, DailyMax: 1_000_000,
			Start: time.Now()})}
	b.Cleanup(o.fake.Close)
	ctx := context.Background()
	var users []string
	for i := range nReps {
		email := fmt.Sprintf("rep%d@example.com", i)
		users = append(users, o.fake.Put("User", sffake.Record{"Email": email}))
		if _, err := o.st.UpsertRep(ctx, store.NewRep{Email: email}); err != nil {
			b.Fatal(err)
		}
	}
	industries := []string{"Retail", "Software", "Banking", "Health"}
	for i := range nLeads {
		r := sffake.Record{"FirstName": "Lead", "LastName": fmt.Sprint(i), "Company": fmt.Sprint("Company ", i%9000),
			"Email": fmt.Sprintf("lead%d@example.org", i), "OwnerId": users[i%nReps], "Status": "Working", "LeadSource": "Web",
			"Industry": industries[i%4], "NumberOfEmployees": float64(10 + i%500)}
		if i < nOpps {
			stage := []string{"Prospecting", "Negotiation", "Closed Won", "Closed Lost"}[i%4]
			opp := o.fake.Put("Opportunity", sffake.Record{"Name": fmt.Sprint("Opp ", i), "StageName": stage, "Amount": float64(1000 + i), "CloseDate": "2026-02-01"})
			o.opps = append(o.opps, opp)
			r["IsConverted"], r["ConvertedDate"], r["ConvertedOpportunityId"], r["Status"] = true, "2026-01-15", opp, "Closed - Converted"
		}
		o.leads = append(o.leads, o.fake.Put("Lead", r))
	}
	return o
}

func (o *org) engine(wb *crmsync.WriteBackFields) *crmsync.Salesforce {
	return &crmsync.Salesforce{Store: o.st, Client: salesforce.New(salesforce.Config{
		Auth:   salesforce.Auth{LoginURL: o.fake.URL, ConsumerKey: "k", Username: "u@x.io", PrivateKey: o.key},
		Budget: &crmsync.Budget{Store: o.st, System: "salesforce", Share: 0.1, Now: time.Now}}),
		Config: crmsync.SalesforceConfig{Attributes: []string{"Industry", "NumberOfEmployees"}, WriteBack: wb}}
}

// importCSV imports the org's leads as a CSV export of the same columns into a fresh database,
// as `leadbot import leads` does, and returns how long crm.Open and ImportLeads took.
func (o *org) importCSV(b *testing.B) time.Duration {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(b))
	for i := range nReps {
		if _, err := st.UpsertRep(ctx, store.NewRep{Email: fmt.Sprintf("rep%d@example.com", i)}); err != nil {
			b.Fatal(err)
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"id", "name", "company", "email", "owner_email", "source", "status", "Industry", "NumberOfEmployees"})
	for i, id := range o.leads {
		r, _ := o.fake.Get("Lead", id)
		_ = w.Write([]string{id, "Lead " + fmt.Sprint(i), r["Company"].(string), r["Email"].(string), fmt.Sprintf("rep%d@example.com", i%nReps),
			"Web", r["Status"].(string), r["Industry"].(string), fmt.Sprint(r["NumberOfEmployees"])})
	}
	w.Flush()
	start := time.Now()
	f, err := crm.Open(&buf, crm.Leads, crm.Options{})
	if err != nil {
		b.Fatal(err)
	}
	res, err := st.ImportLeads(ctx, f.Leads(), store.ImportOptions{Columns: f.Columns})
	if err != nil || res.New != nLeads {
		b.Fatalf("%+v %v", res, err)
	}
	return time.Since(start)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// report prints calls against the minimum and the rate.
func report(b *testing.B, what string, calls, min, records int, took time.Duration) {
	b.ReportMetric(float64(calls), "calls")
	b.ReportMetric(float64(min), "min-calls")
	b.ReportMetric(float64(calls)/float64(min), "calls/min")
	b.ReportMetric(float64(records)/took.Seconds(), "records/s")
	fmt.Printf("%s: %d API calls, minimum %d (ratio %.3f), %d records in %.2f s = %.0f records/s\n",
		what, calls, min, float64(calls)/float64(min), records, took.Seconds(), float64(records)/took.Seconds())
}

// BenchmarkFirstSync: a first sync of 100,000 leads and 20,000 opportunities. The fewest calls
// are one query page per 2,000 records of each object.
func BenchmarkFirstSync(b *testing.B) {
	for range b.N {
		b.StopTimer()
		o := newOrg(b)
		eng := o.engine(nil)
		b.StartTimer()
		start := time.Now()
		st, err := eng.Sync(context.Background(), crmsync.Options{})
		took := time.Since(start)
		if err != nil || st.New != nLeads {
			b.Fatalf("%+v %v", st, err)
		}
		report(b, "first sync", int(st.Calls), ceilDiv(nLeads, page)+ceilDiv(nOpps, page), nLeads+nOpps, took)
		fmt.Printf("  outcomes %d, rejects %d\n", st.Outcomes, len(st.Rejects))
		b.StopTimer()
		csvTook := o.importCSV(b)
		fmt.Printf("  peer: the CSV import of the same 100,000 leads into a fresh database took %.2f s (%.0f rows/s); the sync's leads-and-outcomes rate is %.2f× it\n",
			csvTook.Seconds(), nLeads/csvTook.Seconds(), (float64(nLeads+nOpps)/took.Seconds())/(nLeads/csvTook.Seconds()))
		b.StartTimer()
	}
}

// BenchmarkIncrementalSync: 1,000 leads changed since the last sync. The fewest calls are one
// page of leads and one (empty) query of opportunities.
func BenchmarkIncrementalSync(b *testing.B) {
	for range b.N {
		b.StopTimer()
		o := newOrg(b)
		eng := o.engine(nil)
		if _, err := eng.Sync(context.Background(), crmsync.Options{}); err != nil {
			b.Fatal(err)
		}
		for _, id := range o.leads[50_000:51_000] {
			o.fake.Put("Lead", sffake.Record{"Id": id, "Company": "Changed Inc"})
		}
		b.StartTimer()
		start := time.Now()
		st, err := eng.Sync(context.Background(), crmsync.Options{})
		took := time.Since(start)
		if err != nil || st.Updated != 1000 {
			b.Fatalf("%+v %v", st, err)
		}
		report(b, "incremental sync of 1,000 changes", int(st.Calls), 2, st.Pulled, took)
	}
}

// BenchmarkWriteBack: 100,000 changed scores. The fewest calls are one composite collection
// per 200 records.
func BenchmarkWriteBack(b *testing.B) {
	for range b.N {
		b.StopTimer()
		o := newOrg(b)
		wb := crmsync.DefaultWriteBackFields()
		o.fake.AddFields("Lead", sffake.FieldDef{Name: wb.Score, Type: "double", Updateable: true},
			sffake.FieldDef{Name: wb.Band, Type: "string", Length: 10, Updateable: true},
			sffake.FieldDef{Name: wb.Reasons, Type: "string", Length: 255, Updateable: true},
			sffake.FieldDef{Name: wb.Model, Type: "string", Length: 20, Updateable: true},
			sffake.FieldDef{Name: wb.ScoredAt, Type: "datetime", Updateable: true},
			sffake.FieldDef{Name: wb.Verdict, Type: "string", Length: 80, Updateable: true})
		eng := o.engine(nil)
		ctx := context.Background()
		if _, err := eng.Sync(ctx, crmsync.Options{}); err != nil {
			b.Fatal(err)
		}
		scoreAll(b, o.st)
		eng.Config.WriteBack = &wb
		b.StartTimer()
		before := o.fake.CallsTo("composite/sobjects")
		start := time.Now()
		st, err := eng.Sync(ctx, crmsync.Options{})
		took := time.Since(start)
		if err != nil || st.Written != nLeads {
			b.Fatalf("%+v %v", st, err)
		}
		report(b, "write-back of 100,000 changed scores", o.fake.CallsTo("composite/sobjects")-before, ceilDiv(nLeads, 200), st.Written, took)
		// Each write moves the Lead's SystemModstamp: the next pull reads them all again.
		st, _ = eng.Sync(ctx, crmsync.Options{})
		fmt.Printf("  the sync after it re-read %d leads (%d calls) and wrote %d\n", st.Pulled, st.Calls, st.Updated+st.New)
	}
}

func scoreAll(b *testing.B, st *store.Store) {
	var ids []int64
	if err := st.DB().Select(&ids, `SELECT id FROM leads`); err != nil {
		b.Fatal(err)
	}
	scores := make([]store.NewScore, len(ids))
	for i, id := range ids {
		scores[i] = store.NewScore{LeadID: id, Probability: float64(i%100) / 100}
	}
	if err := st.RecordScores(context.Background(), scores); err != nil {
		b.Fatal(err)
	}
}
