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
