// Package config reads leadbot's configuration once, from the environment (12-factor) and an
// optional YAML file for what is a list, validates it, and hands it down as a value.
package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/leadbot/leadbot/experiment"
	"gopkg.in/yaml.v3"
)

// Config is the whole of leadbot's configuration.
type Config struct {
	DatabaseURL string // empty: the embedded PostgreSQL under DataDir
	DataDir     string
	HTTPAddr    string
	ConfigFile  string

	SlackBotToken string // empty (with SlackAppToken): the local sandbox workspace
	SlackAppToken string
	SlackAPIURL   string // ends with "/"

	LogFormat string // text | json | "" (text on a terminal, JSON otherwise)
	LogLevel  string // debug | info | warn | error

	HTTP HTTPConfig // /metrics and the webhook API's client limits (http.go)

	File File // from LEADBOT_CONFIG
}

// File is the YAML part of the configuration: lists and schedules.
type File struct {
	// Import maps our column names to the CRM export's, per kind: import.leads.name: "Full Name".
	Import ImportConfig `yaml:"import"`
	// Scoring settings: leak columns, type overrides, promotion margin.
	Scoring ScoringConfig `yaml:"scoring"`
	// Digest settings.
	Digest DigestConfig `yaml:"digest"`
	// Schedules (cron expressions, five fields).
	Schedules Schedules `yaml:"schedules"`
	// CRMURLTemplate builds the "Open in CRM" link: {id} is the lead's external id.
	CRMURLTemplate string `yaml:"crm_url_template"`
	// Managers' channel for retrain announcements (a channel id).
	ManagersChannel string `yaml:"managers_channel"`
	// APIToken protects the webhook endpoints (also LEADBOT_API_TOKEN).
	APIToken string `yaml:"api_token"`
	// Teams sets where each team's daily digest goes; a team is a manager and the reps who
	// report to them. Teams not listed get DMs.
	Teams []TeamConfig `yaml:"teams"`
	CRM   CRMConfig    `yaml:"crm"` // CRM sync (config/crm.go)
}

// TeamConfig is one team's digest delivery.
type TeamConfig struct {
	Manager  string `yaml:"manager"`  // the manager's email
	Name     string `yaml:"name"`     // "EMEA", shown in the channel post
	Delivery string `yaml:"delivery"` // dm | channel | both
	Channel  string `yaml:"channel"`  // channel id (C…), for channel and both
}

// ImportConfig configures CSV import.
type ImportConfig struct {
	// Columns renames columns per kind (leads, outcomes, reps): our name → the file's header.
	Columns map[string]map[string]string `yaml:"columns"`
	// Missing lists the values that mean "no value" (compared case-insensitively, after trimming).
	Missing []string `yaml:"missing"`
	// DateFormats are tried after the built-in ones (Go reference-time layouts).
	DateFormats []string `yaml:"date_formats"`
}

// ScoringConfig configures training.
type ScoringConfig struct {
	Leaks           []string          `yaml:"leaks"`
	Types           map[string]string `yaml:"types"`
	PromotionMargin float64           `yaml:"promotion_margin"`
	Model           string            `yaml:"model"` // auto | logreg | gbdt
	// Prior ranks leads until there are enough outcomes to train a model.
	Prior PriorConfig `yaml:"prior"`
}

// PriorConfig is the transparent rule-based ranking used before there are enough outcomes.
type PriorConfig struct {
	Rules []PriorRule `yaml:"rules"`
	// VoteWeight is the log-odds one net 👍 adds (default 1).
	VoteWeight float64 `yaml:"vote_weight"`
	// ReasonWeights gives log-odds per reason code, e.g. no_budget: -1.
	ReasonWeights map[string]float64 `yaml:"reason_weights"`
	// BaseRate is the share of leads that convert, assumed until there are outcomes (default 0.1).
	BaseRate float64 `yaml:"base_rate"`
}

// PriorRule is one engagement or fit rule: a number column with a weight (log-odds between the
// lowest and the highest lead), or a category column with log-odds per value.
type PriorRule struct {
	Column string             `yaml:"column"`
	Kind   string             `yaml:"kind"` // engagement | fit
	Weight float64            `yaml:"weight"`
	Values map[string]float64 `yaml:"values"`
}

// DigestConfig configures the rep digest.
type DigestConfig struct {
	LeadsPerDay  int    `yaml:"leads_per_day"`
	DeliveryHour int    `yaml:"delivery_hour"`
	Workdays     []int  `yaml:"workdays"` // 0 = Sunday … 6 = Saturday
	ResendDays   int    `yaml:"resend_days"`
	DefaultTZ    string `yaml:"default_timezone"`
	// Holdout is the share of eligible leads kept out of every digest, alert and list to
	// measure what sending the list changes (0, the default: off; 0.10 is a sound start).
	Holdout float64 `yaml:"holdout"`
	// Bands sets what hot, warm and cool mean (zero values: 60 %, 30 %, and hot at most a
	// rep's daily list of their open leads).
	Bands BandsConfig `yaml:"bands"`
}

// BandsConfig is leadbot.BandRule in the configuration file.
type BandsConfig struct {
	HotMin   float64 `yaml:"hot_min"`   // a hot lead is at least this likely
	WarmMin  float64 `yaml:"warm_min"`  // a warm lead is at least this likely
	HotMost  int     `yaml:"hot_most"`  // at most this many of a rep's open leads are hot (0: the daily list)
	HotShare float64 `yaml:"hot_share"` // and at most this share of them (0: no share bound)
}

// Schedules holds cron expressions for the scheduled jobs.
type Schedules struct {
	Digest        string `yaml:"digest"`
	ManagerDigest string `yaml:"manager_digest"`
	Retrain       string `yaml:"retrain"`
	ScoreNew      string `yaml:"score_new"` // scores leads that arrived since the last scoring
	Trends        string `yaml:"trends"`    // posts reasons rising in a segment to managers
}

// Defaults returns the built-in file configuration.
func Defaults() File {
	return File{
		Import: ImportConfig{Missing: []string{"", "NA", "N/A", "null", "Select"}},
		Scoring: ScoringConfig{
			PromotionMargin: 0.005,
			Model:           "auto",
			Prior: PriorConfig{ReasonWeights: map[string]float64{
				"no_budget": -1, "bad_timing": -0.5, "competitor": -1, "leadership_change": -0.7,
				"no_authority": -0.5, "not_a_fit": -1.5, "already_customer": -2,
			}},
		},
		Digest: DigestConfig{
			LeadsPerDay:  5,
			DeliveryHour: 9,
			Workdays:     []int{1, 2, 3, 4, 5},
			ResendDays:   7,
			DefaultTZ:    "UTC",
		},
		Schedules: Schedules{
			Digest:        "*/5 * * * *",
			ManagerDigest: "0 8 * * 1",
			Retrain:       "0 2 * * *",
			ScoreNew:      "*/10 * * * *",
			Trends:        "0 7 * * *",
		},
	}
}

// FromEnv reads the configuration from getenv (os.Getenv in production) and validates it.
func FromEnv(getenv func(string) string) (Config, error) {
	var fileErrs []error
	secret := func(getenv func(string) string, name string) string {
		v, err := readSecret(getenv, name)
		if err != nil {
			fileErrs = append(fileErrs, err)
		}
		return v
	}
	c := Config{
		DatabaseURL: secret(getenv, "DATABASE_URL"),
		DataDir:     or(getenv("LEADBOT_DATA_DIR"), ".leadbot"),
		HTTPAddr:    or(getenv("LEADBOT_HTTP_ADDR"), "127.0.0.1:8080"),
		ConfigFile:  getenv("LEADBOT_CONFIG"),

		SlackBotToken: secret(getenv, "SLACK_BOT_TOKEN"),
		SlackAppToken: secret(getenv, "SLACK_APP_TOKEN"),
		SlackAPIURL:   or(getenv("SLACK_API_URL"), "https://slack.com/api/"),

		LogFormat: strings.ToLower(getenv("LOG_FORMAT")),
		LogLevel:  strings.ToLower(or(getenv("LOG_LEVEL"), "info")),
		File:      Defaults(),
	}
	if !strings.HasSuffix(c.SlackAPIURL, "/") {
		c.SlackAPIURL += "/"
	}
	if c.ConfigFile != "" {
		if err := c.File.load(c.ConfigFile); err != nil {
			return c, err
		}
	}
	if t := secret(getenv, "LEADBOT_API_TOKEN"); t != "" {
		c.File.APIToken = t
	}
	var httpErrs []error
	c.HTTP, httpErrs = readHTTP(getenv)
	fileErrs = append(fileErrs, c.File.CRM.readCRM(getenv)...)
	if len(fileErrs) > 0 {
		return c, errors.Join(fileErrs...)
	}
	return c, errors.Join(append(httpErrs, c.validate())...)
}

// Sandbox reports whether leadbot should run against its local sandbox workspace instead of Slack.
func (c Config) Sandbox() bool { return c.SlackBotToken == "" && c.SlackAppToken == "" }

func (c Config) validate() error {
	var errs []error
	if (c.SlackBotToken == "") != (c.SlackAppToken == "") {
		errs = append(errs, errors.New("set both SLACK_BOT_TOKEN (xoxb-…) and SLACK_APP_TOKEN (xapp-…), or neither to use the sandbox workspace"))
	}
	if c.SlackBotToken != "" && !strings.HasPrefix(c.SlackBotToken, "xoxb-") {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN must be a bot token starting with xoxb-"))
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
		errs = append(errs, errors.New("SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information → App-Level Tokens, scope connections:write)"))
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("LEADBOT_HTTP_ADDR %q must be host:port, e.g. 127.0.0.1:8080", c.HTTPAddr))
	}
	errs = append(errs, c.validateHTTP())
	switch c.LogFormat {
	case "", "text", "json":
	default:
		errs = append(errs, fmt.Errorf("LOG_FORMAT %q: use text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("LOG_LEVEL %q: use debug, info, warn or error", c.LogLevel))
	}
	d := c.File.Digest
	if d.DeliveryHour < 0 || d.DeliveryHour > 23 {
		errs = append(errs, fmt.Errorf("digest.delivery_hour %d: use 0–23", d.DeliveryHour))
	}
	if d.LeadsPerDay < 1 || d.LeadsPerDay > 20 {
		errs = append(errs, fmt.Errorf("digest.leads_per_day %d: use 1–20", d.LeadsPerDay))
	}
	if b := d.Bands; b.HotMin < 0 || b.HotMin > 1 || b.WarmMin < 0 || b.WarmMin > 1 || (b.HotMin > 0 && b.WarmMin > b.HotMin) {
		errs = append(errs, fmt.Errorf("digest.bands: hot_min %v and warm_min %v must be probabilities (0–1) with warm_min below hot_min", b.HotMin, b.WarmMin))
	}
	if b := d.Bands; b.HotMost < 0 || b.HotShare < 0 || b.HotShare > 1 {
		errs = append(errs, fmt.Errorf("digest.bands: hot_most %d must be 0 (the daily list) or more, hot_share %v a share between 0 (none) and 1", b.HotMost, b.HotShare))
	}
	if err := experiment.CheckShare(d.Holdout); err != nil {
		errs = append(errs, err)
	}
	if _, err := time.LoadLocation(d.DefaultTZ); err != nil {
		errs = append(errs, fmt.Errorf("digest.default_timezone %q: %v", d.DefaultTZ, err))
	}
	if b := c.File.Scoring.Prior.BaseRate; b < 0 || b >= 1 {
		errs = append(errs, fmt.Errorf("scoring.prior.base_rate %v: give the share of leads that convert, between 0 and 1 (0.1 by default)", b))
	}
	for _, r := range c.File.Scoring.Prior.Rules {
		if r.Column == "" || (r.Weight == 0 && len(r.Values) == 0) {
			errs = append(errs, fmt.Errorf("scoring.prior.rules: each rule needs a column and a weight (numbers) or values (categories)"))
			break
		}
	}
	for _, t := range c.File.Teams {
		switch {
		case t.Manager == "":
			errs = append(errs, errors.New("teams: each team needs the manager's email (manager: maya@example.com)"))
		case t.Delivery != "dm" && t.Delivery != "channel" && t.Delivery != "both":
			errs = append(errs, fmt.Errorf("teams %s: delivery %q: use dm, channel or both", t.Manager, t.Delivery))
		case t.Delivery != "dm" && !strings.HasPrefix(t.Channel, "C") && !strings.HasPrefix(t.Channel, "G"):
			errs = append(errs, fmt.Errorf("teams %s: delivery %s needs the channel's id (C…; in Slack: channel details → About)", t.Manager, t.Delivery))
		}
	}
	switch c.File.Scoring.Model {
	case "auto", "logreg", "gbdt":
	default:
		errs = append(errs, fmt.Errorf("scoring.model %q: use auto, logreg or gbdt", c.File.Scoring.Model))
	}
	return errors.Join(errs...)
}

func (f *File) load(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("LEADBOT_CONFIG: %w", err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil {
		return fmt.Errorf("LEADBOT_CONFIG %s: %w", filepath.Base(path), err)
	}
	return nil
}

// readSecret reads NAME, or the contents of the file named by NAME_FILE (Docker and Kubernetes
// secrets), trimmed. A NAME_FILE that cannot be read is an error, not an empty secret.
func readSecret(getenv func(string) string, name string) (string, error) {
	if v := getenv(name); v != "" {
		return v, nil
	}
	if p := getenv(name + "_FILE"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
