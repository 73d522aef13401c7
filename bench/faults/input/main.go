// Command input is the fault suite's entry for bounded input (issue 18, items 1 and 2). It runs
// the real binary, `leadbot serve`, against a throwaway PostgreSQL and a sandbox Slack, one
// fresh process per case, and prints for each what was answered and the process's peak RSS
// (VmHWM) beside the ordinary case of the same kind:
//
//   - the webhook: 1,000 ordinary leads in one batch, then one 1.5 MB lead of 100,000
//     attributes (answered 200 before, and the next score_new took serve past 6 GB);
//   - HTTP: 50 clients that send a body a byte every 5 s (held for ever before);
//   - Socket Mode: an ordinary event, then a 64 MB one (read whole before: 386 MB of RSS),
//     and whether the bot still acks the next envelope.
//
// Usage: go run ./bench/faults/input [-bin path/to/leadbot]   (Linux: it reads /proc)
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/leadbot/leadbot/internal/pgproc"
	"github.com/leadbot/leadbot/sandbox"
)

const apiToken = "fault-suite-token"

func main() {
	bin := flag.String("bin", "", "the leadbot binary to run (default: built from this tree)")
	flag.Parse()
	if err := run(*bin); err != nil {
		fmt.Fprintln(os.Stderr, "faults/input:", err)
		os.Exit(1)
	}
}

// env is what every case runs against.
type env struct {
	bin, dir, dsn string
	ws            *sandbox.Workspace
}

func run(bin string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "leadbot-faults-input-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o711); err != nil { // PostgreSQL runs as postgres when we are root
		return err
	}
	if bin == "" {
		bin = filepath.Join(dir, "leadbot")
		build := exec.Command("go", "build", "-o", bin, "./cmd/leadbot")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build (run this from the repository's root): %w", err)
		}
	}
	pg, err := pgproc.Start(ctx, pgproc.Options{Dir: filepath.Join(dir, "pg"), Fast: true})
	if err != nil {
		return err
	}
	defer pg.Stop()
	ws, err := sandbox.Start(sandbox.Config{})
	if err != nil {
		return err
	}
	defer ws.Close()
	e := &env{bin: bin, dir: dir, dsn: pg.DSN(""), ws: ws}

	fmt.Printf("%-44s %-62s %9s %6s\n", "case", "answered", "peak RSS", "vs ordinary")
	var base int64
	for _, c := range cases() {
		answer, rss, err := e.measure(ctx, c)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		if c.ordinary {
			base = rss
		}
		fmt.Printf("%-44s %-62s %6d MB %6.2f\n", c.name, answer, rss>>20, float64(rss)/float64(base))
	}
	return nil
}

// fault is one case: it acts on a running serve at base and says what was answered. An
// ordinary case is what the faults after it are compared with.
type fault struct {
	name     string
	ordinary bool
	act      func(ctx context.Context, e *env, base string) (string, error)
}

// batch is n leads of k attributes each, as one webhook body.
func batch(n, k int, value string) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"L%d","name":"Lead %d","company":"Company %d","attributes":{`, i, i, i%97)
		for a := range k {
			if a > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"attribute_%03d":"%s%d"`, a, value, (i*7+a)%13)
		}
		b.WriteString("}}")
	}
	b.WriteString("]")
	return b.String()
}

func cases() []fault {
	return []fault{
		{"webhook: 1,000 ordinary leads (1.1 MB)", true, func(ctx context.Context, e *env, base string) (string, error) {
			return post(ctx, base, batch(1000, 40, "value "))
		}},
		{"webhook: 1,000 leads x 230 attributes (5 MB)", false, func(ctx context.Context, e *env, base string) (string, error) {
			return post(ctx, base, batch(1000, 230, "v")) // the most attributes the 5 MiB body holds
		}},
		{"webhook: 1 lead, 100,000 attributes (1.5 MB)", false, func(ctx context.Context, e *env, base string) (string, error) {
			var b strings.Builder
			b.WriteString(`{"id":"HUGE","attributes":{`)
			for a := range 100_000 {
				if a > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `"a%d":%d`, a, a%10)
			}
			b.WriteString("}}")
			return post(ctx, base, b.String())
		}},
		{"HTTP: 50 clients sending a byte every 5 s", false, func(ctx context.Context, e *env, base string) (string, error) {
			return slowClients(ctx, strings.TrimPrefix(base, "http://"), 50, 75*time.Second)
		}},
		{"Socket Mode: an ordinary event (1 KB)", true, func(ctx context.Context, e *env, _ string) (string, error) {
			return event(ctx, e.ws, strings.Repeat("x", 1<<10))
		}},
		{"Socket Mode: a 64 MB event", false, func(ctx context.Context, e *env, _ string) (string, error) {
			first, err := event(ctx, e.ws, strings.Repeat("x", 64<<20))
			if err != nil {
				return "", err
			}
			if err := e.ws.WaitConnected(ctx, 2); err != nil {
				return "", fmt.Errorf("the bot did not reconnect: %w", err)
			}
			next, err := event(ctx, e.ws, "after")
			return first + "; next: " + next, err
		}},
	}
}

// post sends body to the webhook API and returns the status and, for an error, its message.
func post(ctx context.Context, base, body string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/leads", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+apiToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	s := strconv.Itoa(res.StatusCode)
	if i := bytes.Index(b, []byte(`"message":"`)); i >= 0 && res.StatusCode >= 400 {
		msg := string(b[i+11:])
		s += " " + msg[:min(len(msg), 50)]
	}
	return s, nil
}

// slowClients opens n connections that send a webhook's headers, then its body a byte every 5 s,
// and says how many the server closed within limit, and when the last of them was.
func slowClients(ctx context.Context, addr string, n int, limit time.Duration) (string, error) {
	start := time.Now()
	closed := make(chan time.Duration, n)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return "", err
		}
		defer c.Close()
		fmt.Fprint(c, "POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[")
		go func() { // the slow body
			for ctx.Err() == nil && time.Since(start) < limit {
				time.Sleep(5 * time.Second)
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}()
		go func() { // until the server lets go
			c.SetReadDeadline(start.Add(limit))
			_, err := io.Copy(io.Discard, c)
			if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
				closed <- time.Since(start)
				return
			}
			closed <- -1
		}()
	}
	cut, last := 0, time.Duration(0)
	for range n {
		if d := <-closed; d >= 0 {
			cut, last = cut+1, max(last, d)
		}
	}
	return fmt.Sprintf("%d of %d cut by the server, the last after %.0f s (waited %.0f s)", cut, n, last.Seconds(), limit.Seconds()), nil
}

// event delivers a message event carrying text and says how it was acked.
func event(ctx context.Context, ws *sandbox.Workspace, text string) (string, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ack, err := ws.SendEvent(dctx, map[string]any{"type": "message", "channel": "C1", "user": "U1", "text": text, "ts": "1.000001"})
	switch {
	case err != nil:
		return "", err
	case ack.Acked && !ack.Late:
		return fmt.Sprintf("acked in %s", ack.Latency.Round(time.Millisecond)), nil
	}
	return "not acked in time (Slack would show an error and retry)", nil
}

// measure runs serve, waits until it is up and connected, runs the case, and returns what was
// answered and the process's peak RSS.
func (e *env) measure(ctx context.Context, c fault) (string, int64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", 0, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(e.bin, "serve", "-no-scheduler")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+e.dsn, "LEADBOT_HTTP_ADDR="+addr, "LEADBOT_API_TOKEN="+apiToken,
		"LEADBOT_DATA_DIR="+filepath.Join(e.dir, "data"), "SLACK_API_URL="+e.ws.APIURL(),
		"SLACK_BOT_TOKEN="+e.ws.BotToken(), "SLACK_APP_TOKEN="+e.ws.AppToken(), "LOG_LEVEL=error")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", 0, err
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := e.ws.WaitConnected(wctx, 2); err != nil {
		return "", 0, fmt.Errorf("serve did not connect: %w", err)
	}
	if err := healthy(wctx, "http://"+addr); err != nil {
		return "", 0, err
	}
	answer, err := c.act(wctx, e, "http://"+addr)
	if err != nil {
		return "", 0, err
	}
	rss, err := peakRSS(cmd.Process.Pid)
	return answer, rss, err
}

// healthy waits for /healthz.
func healthy(ctx context.Context, base string) error {
	for {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return errors.New("serve never answered /healthz")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// peakRSS reads a process's VmHWM, in bytes.
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}
