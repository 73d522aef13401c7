package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
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
