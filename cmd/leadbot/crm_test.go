package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/leadbot/leadbot/crmsync/hubspot/hsfake"
	"github.com/leadbot/leadbot/crmsync/salesforce/sffake"
)

// sfCLI is a CLI pointed at a fake Salesforce org through the environment, as an admin would
// point it at theirs.
func sfCLI(t *testing.T, yaml string) (*cli, *sffake.Server) {
	c := newCLI(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	org := sffake.Start(sffake.Options{ConsumerKey: "3MVG9", Username: "bot@x.io", PublicKey: &key.PublicKey})
	t.Cleanup(org.Close)
	c.env["SALESFORCE_CONSUMER_KEY"], c.env["SALESFORCE_USERNAME"] = "3MVG9", "bot@x.io"
	c.env["SALESFORCE_PRIVATE_KEY_FILE"] = c.write("sf.key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	c.env["LEADBOT_CONFIG"] = c.write("leadbot.yaml", "crm:\n  salesforce:\n    login_url: "+org.URL+"\n"+yaml)
	return c, org
}

func TestCRMSyncCommand(t *testing.T) {
	c, org := sfCLI(t, "")
	c.mustRun("", "migrate")
	if _, err := c.db.Exec(`INSERT INTO reps (email) VALUES ('ana@example.com')`); err != nil {
		t.Fatal(err)
	}
	ana := org.Put("User", sffake.Record{"Email": "ana@example.com"})
	org.Put("Lead", sffake.Record{"LastName": "Good", "Company": "C", "OwnerId": ana})
	bad := org.Put("Lead", sffake.Record{"LastName": "Orphan", "Company": "C", "OwnerId": org.Put("User", sffake.Record{"Email": "x@y.z"})})
	c.mustRun("dry run, nothing written: 2 records pulled: 1 new leads", "crm", "sync", "--dry-run")
	if n := c.count(`SELECT count(*) FROM leads`); n != 0 {
		t.Fatalf("the dry run wrote %d leads", n)
	}
	code, out, errs := c.run("crm", "sync")
	if code != 0 || !strings.Contains(out, "1 new leads") || !strings.Contains(out, "Lead "+bad+": unknown owner") {
		t.Fatalf("crm sync: exit %d\n%s\n%s", code, out, errs)
	}
	// Both runs went through the scheduler's lock and job_runs, as the scheduled job does.
	if n := c.count(`SELECT count(*) FROM job_runs WHERE job = 'crm_sync' AND outcome = 'ok'`); n != 2 {
		t.Fatalf("%d crm_sync job runs recorded, want 2", n)
	}
	// The second real sync finds nothing new: the orphan stays reported, nothing is written twice.
	c.mustRun("0 new leads, 0 updated", "crm", "sync")
}

func TestCRMCheckSaysWhatToFix(t *testing.T) {
	c, org := sfCLI(t, "    write_back:\n      enabled: true\n")
	c.mustRun("", "migrate")
	code, out, _ := c.run("crm", "check")
	if code != 1 || !strings.Contains(out, "FAIL write-back field Lead.Leadbot_Score__c") || !strings.Contains(out, "Object Manager → Lead") ||
		!strings.Contains(out, "ok   sign in to Salesforce") {
		t.Fatalf("check without the custom fields: exit %d\n%s", code, out)
	}
	org.AddFields("Lead", sffake.FieldDef{Name: "Leadbot_Score__c", Type: "double", Updateable: true},
		sffake.FieldDef{Name: "Leadbot_Band__c", Type: "string", Length: 10, Updateable: true},
		sffake.FieldDef{Name: "Leadbot_Reasons__c", Type: "string", Length: 100, Updateable: true},
		sffake.FieldDef{Name: "Leadbot_Model__c", Type: "string", Length: 20, Updateable: true},
		sffake.FieldDef{Name: "Leadbot_Scored_At__c", Type: "datetime", Updateable: true},
		sffake.FieldDef{Name: "Leadbot_Verdict__c", Type: "string", Length: 80, Updateable: false})
	code, out, _ = c.run("crm", "check")
	if code != 1 || !strings.Contains(out, "holds 100 characters; make it Text(255)") || !strings.Contains(out, "field-level security: Edit") ||
		strings.Contains(out, "FAIL write-back field Lead.Leadbot_Score__c") {
		t.Fatalf("check with a short and a read-only field: exit %d\n%s", code, out)
	}
}

func TestCRMHelpAndFields(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{{"crm", "-h"}, {"crm", "sync", "-h"}, {"crm", "check", "-h"}, {"crm", "fields", "-h"}} {
		if code, _, errs := c.run(args...); code != 0 || !strings.Contains(errs, "Usage: leadbot crm") {
			t.Errorf("leadbot %s: exit %d\n%s", strings.Join(args, " "), code, errs)
		}
	}
	c.mustRun("Leadbot_Reasons__c       Text(255)", "crm", "fields")
	code, _, errs := c.run("crm", "sync")
	if code != 1 || !strings.Contains(errs, "set SALESFORCE_CONSUMER_KEY") {
		t.Fatalf("sync without Salesforce: exit %d\n%s", code, errs)
	}
}

func TestCRMSyncHubSpot(t *testing.T) {
	c := newCLI(t)
	hs := hsfake.Start(hsfake.Options{Token: "pat-na1-x"})
	t.Cleanup(hs.Close)
	c.env["HUBSPOT_TOKEN"] = "pat-na1-x"
	c.env["LEADBOT_CONFIG"] = c.write("leadbot.yaml", "crm:\n  hubspot:\n    base_url: "+hs.URL+"\n    write_back:\n      enabled: true\n")
	c.mustRun("", "migrate")
	if _, err := c.db.Exec(`INSERT INTO reps (email) VALUES ('ana@example.com')`); err != nil {
		t.Fatal(err)
	}
	hs.Put("contacts", "", map[string]string{"lastname": "Good", "hubspot_owner_id": hs.AddOwner("ana@example.com")})
	c.mustRun("hubspot: synced 1 records pulled: 1 new leads", "crm", "sync")
	code, out, _ := c.run("crm", "check")
	if code != 1 || !strings.Contains(out, "FAIL write-back property contacts.leadbot_score") || !strings.Contains(out, "ok   search contacts") {
		t.Fatalf("hubspot check: exit %d\n%s", code, out)
	}
}
