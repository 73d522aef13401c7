package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// With reps imported but none with a Slack id (so no demo, and no one the sandbox can show), the
// page says why no one is there (leadbot knows reps, none with a Slack id) and what to do.
func TestEmptyWorkspacePage(t *testing.T) {
	chrome := needBrowser(t)
	bin := buildLeadbot(t)
	addr := freeAddr(t)
	work := newWorkDir(t)
	csv := filepath.Join(work, "reps.csv")
	if err := os.WriteFile(csv, []byte("email,name,manager_email\nmia@example.com,Mia Boss,\nraj@example.com,Raj Rep,mia@example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	imp := exec.Command(bin, "import", "reps", csv)
	imp.Dir, imp.Env = work, leadbotEnv(work, addr)
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("leadbot import reps: %v\n%s", err, out)
	}
	bctx := startBrowser(t, chrome, 1280, 800)
	p := startLeadbotIn(t, bin, addr, work)
	p.waitReady(t, 90*time.Second)
	ctx, cancel := context.WithTimeout(bctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+addr+"/")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx,
		waitJS[string](`(() => { const l = document.querySelector('#user-list'); return l && l.textContent.includes('workspace') && l.textContent; })()`))
	if err != nil {
		t.Fatalf("the page: %v", err)
	}
	_ = chromedp.Do(ctx, screenshot(t, shotPrefix()+"empty-workspace.png"))
	for _, want := range []string{"leadbot knows 2 reps, but none has a Slack id", "slack_user_id column", "empty LEADBOT_DATA_DIR"} {
		if !strings.Contains(got, want) {
			t.Errorf("the empty workspace says %q, which lacks %q", got, want)
		}
	}
}

// shotPrefix prefixes screenshot names ($LEADBOT_SHOT_PREFIX, e.g. "before-").
func shotPrefix() string { return os.Getenv("LEADBOT_SHOT_PREFIX") }
