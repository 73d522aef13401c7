package demo_test

import (
	"testing"

	"github.com/leadbot/leadbot/demo"
)

// TestCRMLeadsCarryTheDemosAttributes creates a lead in the demo's org and finds the demo's
// attributes in the fields the sync maps back to them.
func TestCRMLeadsCarryTheDemosAttributes(t *testing.T) {
	c, err := demo.StartCRM([]demo.CRMUser{{Email: "ana@demo.leadbot.dev", Name: "Ana Lima"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.AddLead("nobody@example.com", true); err == nil {
		t.Fatal("a lead for an unknown owner was created")
	}
	l, err := c.AddLead("ana@demo.leadbot.dev", true)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := c.Org.Get("Lead", l.ID)
	if !ok || len(l.ID) != 18 || l.Owner != "Ana Lima" {
		t.Fatalf("lead %+v stored %v", l, ok)
	}
	if r["LeadSource"] != "Referral" || r["Company_Size__c"] != "201-500" || r["Opened_Last_Email__c"] != "Yes" {
		t.Fatalf("hot lead %v: want a referral at a 201-500 company that opened the last email", r)
	}
	if v, ok := r["Website_Visits__c"].(float64); !ok || v < 6 {
		t.Fatalf("Website_Visits__c %v: want a number of at least 6", r["Website_Visits__c"])
	}
	l2, _ := c.AddLead("ana@demo.leadbot.dev", false)
	if l2.ID == l.ID {
		t.Fatal("two leads share an id")
	}
}
