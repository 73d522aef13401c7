package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/leadbot/leadbot/config"
)

var updateManifest = flag.Bool("update-manifest", false, "rewrite manifest.yaml at the repository root from 'leadbot manifest'")

// manifestCmd runs 'leadbot manifest args…' and returns its stdout and stderr.
func manifestCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	a := newApp(config.Config{LogFormat: "text"}, &out, &errb)
	defer a.close()
	err := runManifest(t.Context(), a, args)
	return out.String(), errb.String(), err
}

// The committed manifest.yaml is exactly what the command prints, so the two never drift. After
// changing the manifest: go test ./cmd/leadbot -run TestManifestFile -update-manifest
func TestManifestFileIsCurrent(t *testing.T) {
	out, _, err := manifestCmd(t)
	if err != nil {
		t.Fatal(err)
	}
	const path = "../../manifest.yaml"
	if *updateManifest {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(file) != out {
		t.Errorf("manifest.yaml differs from 'leadbot manifest' (regenerate: go test ./cmd/leadbot -run TestManifestFile -update-manifest)\n--- file\n%s\n--- command\n%s", file, out)
	}
}

func TestManifestContent(t *testing.T) {
	yamlOut, _, err := manifestCmd(t)
	if err != nil {
		t.Fatal(err)
	}
	jsonOut, _, err := manifestCmd(t, "-format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var fromYAML, fromJSON map[string]any
	if err := yaml.Unmarshal([]byte(yamlOut), &fromYAML); err != nil {
		t.Fatalf("YAML does not parse: %v", err)
	}
	if err := json.Unmarshal([]byte(jsonOut), &fromJSON); err != nil {
		t.Fatalf("JSON does not parse: %v", err)
	}
	// Both forms say the same thing (JSON numbers decode as float64, YAML's as int).
	normal := func(v map[string]any) string { b, _ := json.Marshal(v); return string(b) }
	if normal(fromYAML) != normal(fromJSON) {
		t.Errorf("YAML and JSON differ:\n%s\n%s", normal(fromYAML), normal(fromJSON))
	}

	get := func(path string) any {
		var v any = fromYAML
		for _, k := range strings.Split(path, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%s: %T is not a mapping", path, v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("manifest lacks %s", path)
			}
		}
		return v
	}
	for path, want := range map[string]any{
		"settings.socket_mode_enabled":           true,
		"settings.interactivity.is_enabled":      true,
		"features.app_home.home_tab_enabled":     true,
		"features.app_home.messages_tab_enabled": true,
		// A rep may write to the bot (message.im), and is answered with /leadbot help.
		"features.app_home.messages_tab_read_only_enabled": false,
		"display_information.name":                         "leadbot",
		"features.bot_user.display_name":                   "leadbot",
		"_metadata.major_version":                          1,
	} {
		if got := get(path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	list := func(path string) []string {
		var out []string
		for _, v := range get(path).([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	if got := strings.Join(list("settings.event_subscriptions.bot_events"), " "); got != "app_home_opened app_mention message.im" {
		t.Errorf("bot events %q", got)
	}
	if got := strings.Join(list("oauth_config.scopes.bot"), " "); got != "chat:write commands im:write users:read users:read.email app_mentions:read im:history files:write channels:read groups:read" {
		t.Errorf("bot scopes %q", got)
	}
	cmds := map[string]map[string]any{}
	for _, c := range get("features.slash_commands").([]any) {
		c := c.(map[string]any)
		cmds[c["command"].(string)] = c
	}
	for cmd, want := range map[string][2]string{
		"/leads":   {"Your top leads right now", "[N]"},
		"/lead":    {"Look a lead up", "<name | email | company | id>"},
		"/leadbot": {"leadbot settings and help", "help | stats | settings | pause [until DATE] | resume | team"},
	} {
		c := cmds[cmd]
		if c == nil || c["description"] != want[0] || c["usage_hint"] != want[1] {
			t.Errorf("%s = %v, want %q", cmd, c, want)
		}
	}
	if len(cmds) != 3 {
		t.Errorf("%d slash commands, want 3", len(cmds))
	}
	if !strings.Contains(jsonOut, `"<name | email | company | id>"`) {
		t.Error("JSON escapes < and >: hard to read when pasted")
	}
}

func TestManifestName(t *testing.T) {
	out, _, err := manifestCmd(t, "-name", "Lead Bot (EU) ✓", "-format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var m slackManifest
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if m.DisplayInformation.Name != "Lead Bot (EU) ✓" || m.Features.BotUser.DisplayName != "lead-bot-eu" {
		t.Errorf("name %q, display name %q", m.DisplayInformation.Name, m.Features.BotUser.DisplayName)
	}
	for _, tc := range []struct{ args []string }{
		{[]string{"-name", strings.Repeat("x", maxAppName+1)}},
		{[]string{"-name", "  "}},
		{[]string{"-format", "toml"}},
		{[]string{"extra"}},
	} {
		if _, errs, err := manifestCmd(t, tc.args...); !errors.Is(err, errUsage) || errs == "" {
			t.Errorf("%v: err %v, stderr %q; want a usage error explained", tc.args, err, errs)
		}
	}
	if _, _, err := manifestCmd(t, "-h"); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}
