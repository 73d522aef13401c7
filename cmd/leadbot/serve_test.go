package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadbot/leadbot/sandbox"
)

// syncBuffer is a bytes.Buffer that serve's goroutines may write while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newServeCLI is a cli whose serve listens on a free loopback port and logs each component as it
// starts and stops.
func newServeCLI(t *testing.T) *cli {
	c := newCLI(t)
	c.env["LEADBOT_HTTP_ADDR"] = "127.0.0.1:0"
	c.env["LEADBOT_DATA_DIR"] = c.dir
	c.env["LOG_LEVEL"] = "debug"
	return c
}

// serve runs `leadbot serve` in the background until ctx ends or it fails; done yields its exit
// code once it returned (and stderr is complete).
func (c *cli) serve(ctx context.Context, stderr *syncBuffer, flags ...string) (done <-chan int) {
	ch := make(chan int, 1)
	go func() {
		ch <- run(ctx, append([]string{"serve"}, flags...), func(k string) string { return c.env[k] }, &bytes.Buffer{}, stderr)
	}()
	return ch
}

// serveUntilExit runs `leadbot serve`, which the test expects to fail, for at most a minute.
func (c *cli) serveUntilExit(t *testing.T, flags ...string) (code int, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errb syncBuffer
	code = <-c.serve(ctx, &errb, flags...)
	if ctx.Err() != nil {
		t.Fatalf("serve ran until the test's timeout instead of failing:\n%s", errb.String())
	}
	return code, errb.String()
}

var lifecycleLine = regexp.MustCompile(`msg="component (started|stopped)" component=(\S+)(?: addr=(\S+))?`)

// lifecycle reads serve's debug log: the listener's address and the components in the order they
// started and stopped.
func lifecycle(log string) (addr string, started, stopped []string) {
	for _, m := range lifecycleLine.FindAllStringSubmatch(log, -1) {
		if m[1] == "started" {
			started = append(started, m[2])
		} else {
			stopped = append(stopped, m[2])
		}
		if m[2] == "listener" && m[3] != "" {
			addr = m[3]
		}
	}
	return addr, started, stopped
}

// checkStopped fails the test unless serve stopped exactly what it started, last first, and
// nothing listens on the HTTP address any more.
func checkStopped(t *testing.T, log string, wantStarted ...string) {
	t.Helper()
	addr, started, stopped := lifecycle(log)
	if !slices.Equal(started, wantStarted) {
		t.Errorf("started %v, want %v\n%s", started, wantStarted, log)
	}
	slices.Reverse(started)
	if !slices.Equal(stopped, started) {
		t.Errorf("stopped %v, want %v (what started, in reverse order)\n%s", stopped, started, log)
	}
	if addr == "" {
		t.Fatalf("the listener's address is not in the log:\n%s", log)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after serve returned", addr)
	}
}

// A schedule that cron cannot parse fails start-up after the HTTP server and the sandbox are
// up: both are stopped, and the port is free again.
func TestServeStartFailureStopsWhatStarted(t *testing.T) {
	c := newServeCLI(t)
	c.mustRun("imported 2 reps", "import", "reps", c.write("reps.csv", cliReps)) // not empty: no demo to seed
	c.env["LEADBOT_CONFIG"] = c.write("leadbot.yaml", "schedules:\n  retrain: every night\n")
	code, errs := c.serveUntilExit(t)
	if code != 1 || !strings.Contains(errs, `schedule retrain "every night"`) {
		t.Fatalf("exit %d, want 1 and the bad schedule named:\n%s", code, errs)
	}
	checkStopped(t, errs, "listener", "sandbox", "http", "spool")
}

// A Slack app token the workspace does not know ends Socket Mode after start-up; serve then stops
// everything and says why.
func TestServeBadSlackTokenStopsEverything(t *testing.T) {
	ws, err := sandbox.Start(sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	c := newServeCLI(t)
	c.env["SLACK_API_URL"] = ws.APIURL()
	c.env["SLACK_BOT_TOKEN"] = ws.BotToken()
	c.env["SLACK_APP_TOKEN"] = "xapp-not-this-workspace"
	code, errs := c.serveUntilExit(t)
	if code != 1 || !strings.Contains(errs, "invalid_auth") {
		t.Fatalf("exit %d, want 1 and invalid_auth:\n%s", code, errs)
	}
	checkStopped(t, errs, "listener", "http", "spool", "scheduler", "bot")
}

// On SIGINT (ctx ends) serve stops taking envelopes, then stops the scheduler and the HTTP server,
// and exits 0.
func TestServeShutsDownInReverseOrder(t *testing.T) {
	ws, err := sandbox.Start(sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	c := newServeCLI(t)
	c.env["SLACK_API_URL"] = ws.APIURL()
	c.env["SLACK_BOT_TOKEN"] = ws.BotToken()
	c.env["SLACK_APP_TOKEN"] = ws.AppToken()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errb syncBuffer
	sigint, stop := context.WithCancel(ctx)
	done := c.serve(sigint, &errb)
	if err := ws.WaitConnected(ctx, 1); err != nil {
		t.Fatalf("the bot did not connect: %v\n%s", err, errb.String())
	}
	addr, _, _ := lifecycle(errb.String())
	res, err := http.Get(fmt.Sprintf("http://%s/healthz", addr))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz on %q = %v, %v", addr, res, err)
	}
	res.Body.Close()
	stop()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d after SIGINT:\n%s", code, errb.String())
	}
	checkStopped(t, errb.String(), "listener", "http", "spool", "scheduler", "bot")
	for ws.Connections() > 0 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	if n := ws.Connections(); n > 0 {
		t.Errorf("%d Socket Mode connections still open after serve returned", n)
	}
}

// -fake-crm runs with the sandbox only, and never over a CRM that is configured.
func TestServeFakeCRMRefusals(t *testing.T) {
	c := newServeCLI(t)
	c.env["SLACK_BOT_TOKEN"], c.env["SLACK_APP_TOKEN"] = "xoxb-1", "xapp-1"
	if code, errs := c.serveUntilExit(t, "-fake-crm"); code != 1 || !strings.Contains(errs, "-fake-crm runs with the sandbox workspace") {
		t.Fatalf("with Slack tokens: exit %d\n%s", code, errs)
	}
	c = newServeCLI(t)
	c.mustRun("imported 2 reps", "import", "reps", c.write("reps.csv", cliReps)) // not empty: no demo to seed
	c.env["HUBSPOT_TOKEN"] = "pat-eu1-x"
	if code, errs := c.serveUntilExit(t, "-fake-crm"); code != 1 || !strings.Contains(errs, "-fake-crm replaces the CRM you configured") {
		t.Fatalf("with HubSpot configured: exit %d\n%s", code, errs)
	}
}
