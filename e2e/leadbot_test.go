package e2e

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The real binary, built and run as a user would: no configuration, a fresh data directory.

// leadbotProcess is a running `leadbot` with its log.
type leadbotProcess struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	log     []string
	started time.Time
	ready   chan struct{} // closed on the "running in sandbox mode" line
	exited  chan error
}

func (p *leadbotProcess) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.log, "\n")
}

// startLeadbot builds and starts the real binary with no configuration at all: no Slack tokens,
// no DATABASE_URL, a fresh data directory.
func buildLeadbot(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("LEADBOT_E2E_BIN"); bin != "" { // e.g. an older build, for "before" screenshots
		return bin
	}
	bin := filepath.Join(t.TempDir(), "leadbot")
	build := exec.Command("go", "build", "-o", bin, "./cmd/leadbot")
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startLeadbot(t *testing.T, bin, addr string) *leadbotProcess {
	t.Helper()
	return startLeadbotIn(t, bin, addr, newWorkDir(t))
}

// newWorkDir makes a fresh working directory with an empty data dir in it.
func newWorkDir(t *testing.T) string {
	t.Helper()
	work := t.TempDir()
	// As root, the embedded PostgreSQL runs as the postgres user, who must reach the data dir.
	data := filepath.Join(work, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Dir(work), work, data} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return work
}

// leadbotEnv is the environment of a leadbot run in work: nothing of the caller's Slack,
// database or leadbot settings, the data dir under work.
func leadbotEnv(work, addr string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SLACK_") || strings.HasPrefix(k, "LEADBOT_") || k == "DATABASE_URL" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LEADBOT_DATA_DIR="+filepath.Join(work, "data"), "LEADBOT_HTTP_ADDR="+addr)
}

// startLeadbotIn starts `leadbot` (serve) in work, whose data dir may hold a database already.
func startLeadbotIn(t *testing.T, bin, addr, work string) *leadbotProcess {
	t.Helper()
	return startLeadbotWith(t, bin, addr, work, nil)
}

// startLeadbotWith starts `leadbot args…` in work with more environment (KEY=value).
func startLeadbotWith(t *testing.T, bin, addr, work string, more []string, args ...string) *leadbotProcess {
	t.Helper()
	env := append(leadbotEnv(work, addr), more...)
	p := &leadbotProcess{ready: make(chan struct{}), exited: make(chan error, 1)}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = work
	p.cmd.Env = env
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start leadbot: %v", err)
	}
	go func() {
		err := p.cmd.Wait()
		pw.Close()
		p.exited <- err
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log = append(p.log, line)
			p.mu.Unlock()
			if strings.Contains(line, "running in sandbox mode") {
				once.Do(func() { close(p.ready) })
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(30 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("leadbot log:\n%s", p.logText())
		}
	})
	return p
}

func (p *leadbotProcess) waitReady(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-p.ready:
	case err := <-p.exited:
		t.Fatalf("leadbot exited before it was ready: %v\n%s", err, p.logText())
	case <-time.After(timeout):
		t.Fatalf("leadbot not ready after %s\n%s", timeout, p.logText())
	}
}
