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
// Usage: go run ./bench/faults/input [-bin path/to/leadbot] [-run webhook]   (Linux: it reads /proc)
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
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
	only := flag.String("run", "", "run only the cases whose name contains this")
	flag.Parse()
	if err := run(*bin, *only); err != nil {
		fmt.Fprintln(os.Stderr, "faults/input:", err)
		os.Exit(1)
	}
}

// env is what every case runs against.
type env struct {
	bin, dir, dsn string
	ws            *sandbox.Workspace
}

func run(bin, only string) error {
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
		if !strings.Contains(c.name, only) {
			continue
		}
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
