package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestRunSandboxPrintsWhatABotNeeds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runSandbox(ctx, []string{"-user", "zoe:zoe@example.com:Europe/Paris:manager"}, pw, io.Discard)
		pw.Close()
	}()
	env := map[string]string{}
	sc := bufio.NewScanner(pr)
	for len(env) < 3 && sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = v
		}
	}
	if !sc.Scan() || !strings.Contains(sc.Text(), "zoe@example.com") {
		t.Errorf("user line = %q", sc.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if !strings.HasPrefix(env["SLACK_API_URL"], "http://127.0.0.1:") || !strings.HasSuffix(env["SLACK_API_URL"], "/api/") {
		t.Fatalf("printed %v", env)
	}
	api := slack.New(env["SLACK_BOT_TOKEN"], slack.OptionAPIURL(env["SLACK_API_URL"]))
	u, err := api.GetUserByEmail("zoe@example.com")
	if err != nil || u.TZ != "Europe/Paris" {
		t.Errorf("lookupByEmail = %+v, %v", u, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("runSandbox = %v", err)
	}
}

func TestRunSandboxHelp(t *testing.T) {
	var out strings.Builder
	err := runSandbox(context.Background(), []string{"-h"}, io.Discard, &out)
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "SLACK_API_URL") {
		t.Errorf("err = %v, help = %q", err, out.String())
	}
	if err := runSandbox(context.Background(), []string{"-user", "bad"}, io.Discard, io.Discard); err == nil {
		t.Error("bad -user accepted")
	}
}

// TestRunSandboxFakeCRM runs the sandbox with its fake Salesforce org, adds a lead in the org from
// the sandbox page, and points a leadbot at the org with exactly what was printed: the reps
// import, `crm check` and `crm sync` bring the lead in, under the demo's attribute names.
func TestRunSandboxFakeCRM(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runSandbox(ctx, []string{"-fake-crm"}, pw, io.Discard)
		pw.Close()
	}()
	env := map[string]string{}
	var alice, repsFile string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			env[k] = v
		}
		if f := strings.Fields(line); len(f) > 3 && f[1] == "user" && f[3] == "alice" {
			alice = f[2]
		}
		if p, ok := strings.CutPrefix(line, "# first make the users leadbot's reps: leadbot import reps "); ok {
			repsFile = p
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if repsFile == "" || alice == "" || env["LEADBOT_CONFIG"] == "" || env["SALESFORCE_PRIVATE_KEY_FILE"] == "" {
		t.Fatalf("printed %v, alice %q, reps %q", env, alice, repsFile)
	}

	// The sandbox page's button adds a lead in the org.
	page := strings.TrimSuffix(env["SLACK_API_URL"], "/api/")
	res, err := http.Post(page+"/sandbox/api/control", "application/json", strings.NewReader(fmt.Sprintf(`{"user":%q,"index":0}`, alice)))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		OK      bool   `json:"ok"`
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || !out.OK || !strings.Contains(out.Message, "owned by Alice Rep") {
		t.Fatalf("control: %+v %v", out, err)
	}
	res.Body.Close()

	c := newCLI(t)
	for _, k := range []string{"SALESFORCE_CONSUMER_KEY", "SALESFORCE_USERNAME", "SALESFORCE_PRIVATE_KEY_FILE", "LEADBOT_CONFIG"} {
		c.env[k] = env[k]
	}
	c.mustRun("", "migrate")
	c.mustRun("imported 2 reps", "import", "reps", repsFile)
	c.mustRun("all checks passed", "crm", "check")
	c.mustRun("1 new leads", "crm", "sync")
	var attrs string
	if err := c.db.Get(&attrs, `SELECT attributes::text FROM leads`); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(attrs, `"Website visits"`) || !strings.Contains(attrs, `"Company size": "201-500"`) {
		t.Fatalf("lead attributes %s: want the demo's names", attrs)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("runSandbox = %v", err)
	}
}
