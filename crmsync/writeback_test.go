package crmsync_test

import (
	"context"
	"testing"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/crmsync"
	"github.com/leadbot/leadbot/crmsync/salesforce/sffake"
	"github.com/leadbot/leadbot/store"
)

func leadbotFields(org *sffake.Server) {
	org.AddFields("Lead",
		sffake.FieldDef{Name: "Leadbot_Score__c", Type: "double", Updateable: true},
		sffake.FieldDef{Name: "Leadbot_Band__c", Type: "string", Length: 10, Updateable: true},
		sffake.FieldDef{Name: "Leadbot_Reasons__c", Type: "string", Length: 255, Updateable: true},
		sffake.FieldDef{Name: "Leadbot_Model__c", Type: "string", Length: 20, Updateable: true},
		sffake.FieldDef{Name: "Leadbot_Scored_At__c", Type: "datetime", Updateable: true},
		sffake.FieldDef{Name: "Leadbot_Verdict__c", Type: "string", Length: 80, Updateable: true})
}

// TestSalesforceWriteBack writes score, band, reasons, model, scored-at and verdict; sends only
// what changed; reports a record's failure and sends it again next run.
func TestSalesforceWriteBack(t *testing.T) {
	w := newWorld(t, sffake.Options{})
	wb := crmsync.DefaultWriteBackFields()
	w.wb = &wb
	leadbotFields(w.org)
	ctx := context.Background()
	alice := w.user("alice@example.com")
	a := w.org.Put("Lead", sffake.Record{"LastName": "A", "Company": "C", "OwnerId": alice})
	b := w.org.Put("Lead", sffake.Record{"LastName": "B", "Company": "C", "OwnerId": alice})
	w.org.Put("Lead", sffake.Record{"LastName": "Unscored", "Company": "C", "OwnerId": alice})
	w.sync(crmsync.Options{})
	la, _ := w.st.LeadByExternalID(ctx, a)
	lb, _ := w.st.LeadByExternalID(ctx, b)
	f := leadbot.Factors{Factors: []leadbot.Factor{{Label: "Visited pricing 4×", Value: 1.2}, {Label: "Company size 1–10", Value: -0.8},
		{Label: "Source: Referral", Value: 0.5}, {Label: "Tiny", Value: 0.01}}}
	if err := w.st.RecordScores(ctx, []store.NewScore{{LeadID: la.ID, Probability: 0.724, Factors: f}, {LeadID: lb.ID, Probability: 0.2, Factors: f}}); err != nil {
		t.Fatal(err)
	}
	rep, _ := w.st.RepByEmail(ctx, "alice@example.com")
	if _, _, err := w.st.RecordFeedback(ctx, leadbot.NewFeedback{LeadID: la.ID, RepID: rep.ID, Verdict: leadbot.Down, ReasonCode: "no_budget"}); err != nil {
		t.Fatal(err)
	}

	st := w.sync(crmsync.Options{})
	if st.Written != 2 || w.org.Updated() != 2 {
		t.Fatalf("first write-back: %+v, %d records sent; want 2", st, w.org.Updated())
	}
	got, _ := w.org.Get("Lead", a)
	want := map[string]any{"Leadbot_Score__c": 72.0, "Leadbot_Band__c": "hot", "Leadbot_Model__c": "prior",
		"Leadbot_Reasons__c": "+Visited pricing 4× · −Company size 1–10 · +Source: Referral", "Leadbot_Verdict__c": "down: no_budget"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}

	if st := w.sync(crmsync.Options{}); st.Written != 0 || w.org.Updated() != 2 {
		t.Fatalf("nothing changed, yet %d written (%d sent in all)", st.Written, w.org.Updated())
	}

	// A new score for b: only b, and only its changed fields, travel.
	if err := w.st.RecordScores(ctx, []store.NewScore{{LeadID: lb.ID, Probability: 0.35, Factors: f}}); err != nil {
		t.Fatal(err)
	}
	w.org.FailRecord(b, "UNABLE_TO_LOCK_ROW")
	st = w.sync(crmsync.Options{})
	if st.Written != 0 || st.WriteFailed != 1 || len(st.Rejects) != 1 || st.Rejects[0].ID != b {
		t.Fatalf("failed record: %+v; want it reported by id and nothing else written", st)
	}
	st = w.sync(crmsync.Options{})
	if st.Written != 1 {
		t.Fatalf("retry: %+v; want b written", st)
	}
	sent := w.org.LastUpdate()[0]
	if _, has := sent["Leadbot_Verdict__c"]; has || sent["Leadbot_Score__c"] != 35.0 || sent["Leadbot_Band__c"] != "warm" {
		t.Fatalf("sent %v; want only the changed score, band and scored-at", sent)
	}
}

// TestReasonsFitTheField keeps the reasons within the field's length on a character boundary.
func TestReasonsFitTheField(t *testing.T) {
	f := leadbot.Factors{Factors: []leadbot.Factor{{Label: "Ünïcode label that is long", Value: 2}, {Label: "Second", Value: -1}}}
	for _, tc := range []struct {
		n    int
		want string
	}{
		{255, "+Ünïcode label that is long · −Second"},
		{10, "+Ünïcode …"},
	} {
		if got := crmsync.Reasons(f, tc.n); got != tc.want {
			t.Errorf("Reasons(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

// TestSalesforceScoresBeforeWriteBack scores what a sync pulled between the pull and the
// write-back (Options.Score), so that a new lead's score reaches the CRM in the same run; a dry
// run scores nothing.
func TestSalesforceScoresBeforeWriteBack(t *testing.T) {
	w := newWorld(t, sffake.Options{})
	wb := crmsync.DefaultWriteBackFields()
	w.wb = &wb
	leadbotFields(w.org)
	id := w.org.Put("Lead", sffake.Record{"LastName": "New", "Company": "C", "OwnerId": w.user("alice@example.com")})
	calls := 0
	score := func(ctx context.Context) error {
		calls++
		l, err := w.st.LeadByExternalID(ctx, id)
		if err != nil {
			return err
		}
		return w.st.RecordScores(ctx, []store.NewScore{{LeadID: l.ID, Probability: 0.81}})
	}
	if st := w.sync(crmsync.Options{DryRun: true, Score: score}); calls != 0 || st.Written != 0 {
		t.Fatalf("dry run: scored %d times, %+v", calls, st)
	}
	st := w.sync(crmsync.Options{Score: score})
	got, _ := w.org.Get("Lead", id)
	if calls != 1 || st.New != 1 || st.Written != 1 || got["Leadbot_Score__c"] != 81.0 {
		t.Fatalf("scored %d times, %+v, Leadbot_Score__c %v; want the new lead's 81 written in the same run", calls, st, got["Leadbot_Score__c"])
	}
}
