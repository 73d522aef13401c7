package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadbot/leadbot/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsAreSandboxAndEmbedded(t *testing.T) {
	c, err := config.FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Sandbox() || c.DatabaseURL != "" || c.HTTPAddr != "127.0.0.1:8080" || c.DataDir != ".leadbot" || c.SlackAPIURL != "https://slack.com/api/" {
		t.Fatalf("defaults: %+v", c)
	}
	if c.File.Digest.DeliveryHour != 9 || c.File.Digest.LeadsPerDay != 5 || len(c.File.Digest.Workdays) != 5 {
		t.Fatalf("digest defaults: %+v", c.File.Digest)
	}
}

func TestSecretsFromFilesAndURLSlash(t *testing.T) {
	dir := t.TempDir()
	tok := filepath.Join(dir, "bot")
	os.WriteFile(tok, []byte("xoxb-from-file\n"), 0o600)
	c, err := config.FromEnv(env(map[string]string{"SLACK_BOT_TOKEN_FILE": tok, "SLACK_APP_TOKEN": "xapp-1", "SLACK_API_URL": "http://127.0.0.1:9/api"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.SlackBotToken != "xoxb-from-file" || c.Sandbox() || c.SlackAPIURL != "http://127.0.0.1:9/api/" {
		t.Fatalf("%+v", c)
	}
	if _, err := config.FromEnv(env(map[string]string{"SLACK_BOT_TOKEN_FILE": filepath.Join(dir, "missing")})); err == nil {
		t.Fatal("an unreadable _FILE must be an error, not an empty secret")
	}
}

func TestValidationSaysWhatToDo(t *testing.T) {
	cases := []struct {
		env  map[string]string
		yaml string
		want string
	}{
		{env: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, want: "set both SLACK_BOT_TOKEN"},
		{env: map[string]string{"SLACK_BOT_TOKEN": "xoxp-1", "SLACK_APP_TOKEN": "xapp-1"}, want: "bot token starting with xoxb-"},
		{env: map[string]string{"LEADBOT_HTTP_ADDR": "8080"}, want: "host:port"},
		{env: map[string]string{"LOG_LEVEL": "loud"}, want: "LOG_LEVEL"},
		{yaml: "digest:\n  delivery_hour: 25\n", want: "0–23"},
		{yaml: "digest:\n  default_timezone: Mars/Olympus\n", want: "default_timezone"},
		{yaml: "scoring:\n  model: forest\n", want: "auto, logreg or gbdt"},
		{yaml: "teams:\n  - manager: m@x.com\n    delivery: channel\n", want: "channel's id"},
		{yaml: "teams:\n  - manager: m@x.com\n    delivery: pigeon\n", want: "dm, channel or both"},
		{yaml: "digest:\n  leads_per_dya: 3\n", want: "leads_per_dya"},
		{yaml: "digest:\n  holdout: 10\n", want: "between 0 (off) and 0.5, such as 0.10"},
		{yaml: "digest:\n  bands: {hot_min: 0.5, warm_min: 0.7}\n", want: "warm_min below hot_min"},
		{yaml: "digest:\n  bands: {hot_share: 2}\n", want: "hot_share"},
	}
	for _, tc := range cases {
		e := map[string]string{}
		for k, v := range tc.env {
			e[k] = v
		}
		if tc.yaml != "" {
			p := filepath.Join(t.TempDir(), "leadbot.yaml")
			os.WriteFile(p, []byte(tc.yaml), 0o600)
			e["LEADBOT_CONFIG"] = p
		}
		_, err := config.FromEnv(env(e))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %q: err = %v, want it to say %q", tc.env, tc.yaml, err, tc.want)
		}
	}
}
