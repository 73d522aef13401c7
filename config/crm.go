package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// CRMConfig is the `crm:` section of LEADBOT_CONFIG, with the secrets read from the environment.
// A CRM is on when its credentials are set: SALESFORCE_CONSUMER_KEY, HUBSPOT_TOKEN.
type CRMConfig struct {
	// Schedule of the crm_sync job (five-field cron; default every 5 minutes).
	Schedule string `yaml:"schedule"`
	// Overlap is how far before each cursor a pull starts again (default 5m; HubSpot's search
	// index lags writes, Salesforce's SystemModstamp can commit late).
	Overlap time.Duration `yaml:"overlap"`
	// BudgetShare is the share of the CRM's daily API allowance leadbot may use (default 0.1).
	BudgetShare float64          `yaml:"budget_share"`
	Salesforce  SalesforceConfig `yaml:"salesforce"`
	HubSpot     HubSpotConfig    `yaml:"hubspot"`
	HotNow      HotNowConfig     `yaml:"hot_now"`
}

// SalesforceConfig configures the Salesforce connection and mapping.
type SalesforceConfig struct {
	LoginURL   string `yaml:"login_url"`   // https://login.salesforce.com (default), https://test.salesforce.com, or a My Domain
	APIVersion string `yaml:"api_version"` // v67.0 (default)
	BatchSize  int    `yaml:"batch_size"`  // records per query page, 200–2000 (default 2000)
	// Columns maps leadbot's lead fields to Lead fields, as import.columns.leads does to headers:
	// name: "FirstName + LastName", owner_email: Owner.Email.
	Columns      map[string]string `yaml:"columns"`
	Attributes   Attributes        `yaml:"attributes"`    // more Lead fields kept for scoring
	LostStatuses []string          `yaml:"lost_statuses"` // Lead statuses that mean disqualified
	// WonStages and LostStages, when set, say which Opportunity stages mean won and lost
	// (default: Salesforce's IsClosed and IsWon, which follow the stage's own settings).
	WonStages  []string        `yaml:"won_stages"`
	LostStages []string        `yaml:"lost_stages"`
	WriteBack  WriteBackConfig `yaml:"write_back"`

	// From the environment.
	ConsumerKey    string `yaml:"-"` // SALESFORCE_CONSUMER_KEY
	Username       string `yaml:"-"` // SALESFORCE_USERNAME (JWT bearer)
	PrivateKey     string `yaml:"-"` // SALESFORCE_PRIVATE_KEY (PEM; JWT bearer)
	ConsumerSecret string `yaml:"-"` // SALESFORCE_CONSUMER_SECRET (client credentials)
}

// Enabled reports whether Salesforce is configured.
func (s SalesforceConfig) Enabled() bool { return s.ConsumerKey != "" }

// HubSpotConfig configures the HubSpot connection and mapping.
type HubSpotConfig struct {
	BaseURL    string            `yaml:"base_url"` // https://api.hubapi.com (default)
	Columns    map[string]string `yaml:"columns"`  // leadbot field → contact property
	Attributes Attributes        `yaml:"attributes"`
	WonStages  []string          `yaml:"won_stages"`  // dealstage values that mean won (default closedwon)
	LostStages []string          `yaml:"lost_stages"` // … lost (default closedlost)
	WriteBack  WriteBackConfig   `yaml:"write_back"`

	Token string `yaml:"-"` // HUBSPOT_TOKEN: a private app's access token (pat-…)
}

// Enabled reports whether HubSpot is configured.
func (h HubSpotConfig) Enabled() bool { return h.Token != "" }

// WriteBackConfig turns the write-back on and names the fields that receive it ("" keeps the
// default name; "-" leaves the value out).
type WriteBackConfig struct {
	Enabled       bool   `yaml:"enabled"`
	Score         string `yaml:"score"`
	Band          string `yaml:"band"`
	Reasons       string `yaml:"reasons"`
	ReasonsLength int    `yaml:"reasons_length"`
	Model         string `yaml:"model"`
	ScoredAt      string `yaml:"scored_at"`
	Verdict       string `yaml:"verdict"`
}

// HotNowConfig configures the "hot now" DMs.
type HotNowConfig struct {
	Disabled   bool `yaml:"disabled"`
	PerDay     int  `yaml:"per_day"`     // at most this many a rep a day (default 3)
	QuietFrom  int  `yaml:"quiet_from"`  // no DM from this local hour … (default 19)
	QuietUntil int  `yaml:"quiet_until"` // … until this one (default 8)
	// Window is how long after arriving a lead may still be sent (default 1h).
	Window time.Duration `yaml:"window"`
}

// readCRM fills the CRM secrets from getenv (NAME or NAME_FILE), applies the defaults, and
// validates the section; every problem is one error saying what to set.
func (c *CRMConfig) readCRM(getenv func(string) string) []error {
	var errs []error
	secret := func(name string) string {
		v, err := readSecret(getenv, name)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	sf := &c.Salesforce
	sf.ConsumerKey, sf.Username = secret("SALESFORCE_CONSUMER_KEY"), secret("SALESFORCE_USERNAME")
	sf.PrivateKey, sf.ConsumerSecret = secret("SALESFORCE_PRIVATE_KEY"), secret("SALESFORCE_CONSUMER_SECRET")
	c.HubSpot.Token = secret("HUBSPOT_TOKEN")
	c.defaults()
	return append(errs, c.validate()...)
}

func (c *CRMConfig) defaults() {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&c.Schedule, "*/5 * * * *")
	def(&c.Salesforce.LoginURL, "https://login.salesforce.com")
	def(&c.Salesforce.APIVersion, "v67.0")
	def(&c.HubSpot.BaseURL, "https://api.hubapi.com")
	if c.Overlap == 0 {
		c.Overlap = 5 * time.Minute
	}
	if c.BudgetShare == 0 {
		c.BudgetShare = 0.1
	}
	h := &c.HotNow
	if h.PerDay == 0 {
		h.PerDay = 3
	}
	if h.QuietFrom == 0 && h.QuietUntil == 0 {
		h.QuietFrom, h.QuietUntil = 19, 8
	}
	if h.Window == 0 {
		h.Window = time.Hour
	}
}

var apiVersion = regexp.MustCompile(`^v\d+\.0$`)

func (c *CRMConfig) validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, err := cron.ParseStandard(c.Schedule); err != nil {
		bad("crm.schedule %q: %v (five fields, e.g. */5 * * * *)", c.Schedule, err)
	}
	if c.BudgetShare <= 0 || c.BudgetShare > 1 {
		bad("crm.budget_share %v: use a share between 0 and 1, e.g. 0.1 for a tenth of the daily API allowance", c.BudgetShare)
	}
	if c.Overlap < 0 || c.Overlap > 24*time.Hour {
		bad("crm.overlap %v: use a duration from 0s to 24h (default 5m)", c.Overlap)
	}
	sf := c.Salesforce
	if u, err := url.Parse(sf.LoginURL); err != nil || u.Scheme != "https" && u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" {
		bad("crm.salesforce.login_url %q: use https://login.salesforce.com, https://test.salesforce.com or your My Domain URL", sf.LoginURL)
	}
	if !apiVersion.MatchString(sf.APIVersion) {
		bad("crm.salesforce.api_version %q: write it as v67.0", sf.APIVersion)
	}
	if sf.BatchSize != 0 && (sf.BatchSize < 200 || sf.BatchSize > 2000) {
		bad("crm.salesforce.batch_size %d: Salesforce pages hold 200 to 2000 records", sf.BatchSize)
	}
	if sf.Enabled() {
		jwt, cc := sf.PrivateKey != "" || sf.Username != "", sf.ConsumerSecret != ""
		switch {
		case jwt && cc:
			bad("set SALESFORCE_PRIVATE_KEY with SALESFORCE_USERNAME (JWT bearer) or SALESFORCE_CONSUMER_SECRET (client credentials), not both")
		case !jwt && !cc:
			bad("SALESFORCE_CONSUMER_KEY is set: also set SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY (or SALESFORCE_PRIVATE_KEY_FILE) for the JWT bearer flow, or SALESFORCE_CONSUMER_SECRET for client credentials")
		case jwt && (sf.PrivateKey == "" || sf.Username == ""):
			bad("the JWT bearer flow needs both SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY (or SALESFORCE_PRIVATE_KEY_FILE)")
		case jwt && !strings.Contains(sf.PrivateKey, "PRIVATE KEY"):
			bad("SALESFORCE_PRIVATE_KEY is not a PEM private key (-----BEGIN PRIVATE KEY-----); point SALESFORCE_PRIVATE_KEY_FILE at the key file")
		case cc && strings.Contains(sf.LoginURL, "login.salesforce.com"):
			bad("the client-credentials flow needs your My Domain URL as crm.salesforce.login_url (https://yourorg.my.salesforce.com)")
		}
	}
	for _, m := range []struct {
		name string
		cols map[string]string
	}{{"crm.salesforce.columns", sf.Columns}, {"crm.hubspot.columns", c.HubSpot.Columns}} {
		for k, v := range m.cols {
			if !leadField[strings.ToLower(k)] || strings.TrimSpace(v) == "" {
				bad("%s %s=%q: map one of leadbot's lead fields (id, name, company, email, owner_email, created_at, source, status) to a CRM field", m.name, k, v)
			}
		}
	}
	errs = append(errs, sf.Attributes.validate("crm.salesforce", sf.Columns)...)
	errs = append(errs, c.HubSpot.Attributes.validate("crm.hubspot", c.HubSpot.Columns)...)
	h := c.HotNow
	if h.PerDay < 0 || h.PerDay > 20 || h.QuietFrom < 0 || h.QuietFrom > 23 || h.QuietUntil < 0 || h.QuietUntil > 23 {
		bad("crm.hot_now: per_day is 0–20, quiet_from and quiet_until are local hours 0–23")
	}
	return errs
}

var leadField = map[string]bool{"id": true, "name": true, "company": true, "email": true, "owner_email": true,
	"created_at": true, "source": true, "status": true}
