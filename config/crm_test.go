package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot/config"
)

const pemKey = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"

func TestCRMDefaultsAndSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "sf.key")
	os.WriteFile(keyFile, []byte(pemKey), 0o600)
	yml := filepath.Join(dir, "leadbot.yaml")
	os.WriteFile(yml, []byte("crm:\n  salesforce:\n    login_url: https://test.salesforce.com\n    columns:\n      name: \"FirstName + LastName\"\n    write_back:\n      enabled: true\n"), 0o600)
	c, err := config.FromEnv(env(map[string]string{"LEADBOT_CONFIG": yml, "SALESFORCE_CONSUMER_KEY": "3MVG9", "SALESFORCE_USERNAME": "bot@x.io",
		"SALESFORCE_PRIVATE_KEY_FILE": keyFile}))
	if err != nil {
		t.Fatal(err)
	}
	crm := c.File.CRM
	if !crm.Salesforce.Enabled() || crm.HubSpot.Enabled() || crm.Salesforce.PrivateKey != strings.TrimSpace(pemKey) ||
		crm.Salesforce.APIVersion != "v67.0" || crm.BudgetShare != 0.1 || crm.Schedule != "*/5 * * * *" ||
		crm.Overlap != 5*time.Minute || crm.HotNow.PerDay != 3 || crm.HotNow.QuietFrom != 19 || crm.HotNow.QuietUntil != 8 ||
		!crm.Salesforce.WriteBack.Enabled || crm.Salesforce.Columns["name"] != "FirstName + LastName" {
		t.Fatalf("crm config: %+v", crm)
	}
	if c, err := config.FromEnv(env(nil)); err != nil || c.File.CRM.Salesforce.Enabled() {
		t.Fatalf("without credentials the CRM sync is off: %v", err)
	}
}

// TestCRMErrorsSayWhatToSet joins every problem, each naming what to set.
func TestCRMErrorsSayWhatToSet(t *testing.T) {
	dir := t.TempDir()
	yml := filepath.Join(dir, "leadbot.yaml")
	os.WriteFile(yml, []byte("crm:\n  budget_share: 2\n  schedule: every minute\n  salesforce:\n    api_version: \"62\"\n    batch_size: 5000\n    columns:\n      nmae: Name\n"), 0o600)
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"section", map[string]string{"LEADBOT_CONFIG": yml}, []string{"crm.budget_share", "crm.schedule", "api_version", "batch_size", "nmae"}},
		{"no key", map[string]string{"SALESFORCE_CONSUMER_KEY": "k"}, []string{"SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY"}},
		{"half jwt", map[string]string{"SALESFORCE_CONSUMER_KEY": "k", "SALESFORCE_USERNAME": "u"}, []string{"needs both"}},
		{"not pem", map[string]string{"SALESFORCE_CONSUMER_KEY": "k", "SALESFORCE_USERNAME": "u", "SALESFORCE_PRIVATE_KEY": "abc"}, []string{"not a PEM"}},
		{"cc needs my domain", map[string]string{"SALESFORCE_CONSUMER_KEY": "k", "SALESFORCE_CONSUMER_SECRET": "s"}, []string{"My Domain"}},
		{"missing file", map[string]string{"HUBSPOT_TOKEN_FILE": filepath.Join(dir, "none")}, []string{"HUBSPOT_TOKEN_FILE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.FromEnv(env(tc.env))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestCRMAttributesListOrNames reads attributes as a list (kept under their fields' names) or as
// a mapping to the names the model knows, in the file's order, and refuses clashes.
func TestCRMAttributesListOrNames(t *testing.T) {
	dir := t.TempDir()
	read := func(yml string) (config.Config, error) {
		p := filepath.Join(dir, "leadbot.yaml")
		os.WriteFile(p, []byte(yml), 0o600)
		return config.FromEnv(env(map[string]string{"LEADBOT_CONFIG": p}))
	}
	c, err := read("crm:\n  salesforce:\n    attributes: [Industry, NumberOfEmployees]\n  hubspot:\n    attributes:\n      Website visits: website_visits\n      Industry: industry\n      Job title: jobtitle\n")
	if err != nil {
		t.Fatal(err)
	}
	sf, hs := c.File.CRM.Salesforce.Attributes, c.File.CRM.HubSpot.Attributes
	if got := strings.Join(sf.Fields(), ","); got != "Industry,NumberOfEmployees" || len(sf.Names()) != 0 {
		t.Fatalf("list: fields %s names %v", got, sf.Names())
	}
	if got := strings.Join(hs.Fields(), ","); got != "website_visits,industry,jobtitle" {
		t.Fatalf("mapping: fields %s, want the file's order", got)
	}
	if n := hs.Names(); n["website_visits"] != "Website visits" || n["jobtitle"] != "Job title" || n["industry"] != "Industry" {
		t.Fatalf("mapping: names %v", n)
	}
	for _, tc := range []struct{ yml, want string }{
		{"crm:\n  salesforce:\n    attributes: {Visits: A__c, visits: B__c}\n", `the name "visits" is used twice`},
		{"crm:\n  salesforce:\n    attributes: {Visits: A__c, Views: A__c}\n", "the field A__c is kept twice"},
		{"crm:\n  salesforce:\n    columns: {company: Account_Name__c}\n    attributes: {Account_Name__c: Other__c}\n", "crm.salesforce.columns already reads"},
		{"crm:\n  hubspot:\n    attributes: {Visits: [a, b]}\n", "map each name to one CRM field"},
		{"crm:\n  hubspot:\n    attributes: Industry\n", "list CRM fields"},
	} {
		_, err := read(tc.yml)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v; want %q", tc.yml, err, tc.want)
		}
	}
}
