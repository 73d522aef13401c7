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

	"github.com/leadbot/leadbot/internal/pgproc"
)

// With reps imported but none with a Slack id (so no demo, and no one the sandbox can show), the
// page says what to do instead of only "No one is in the workspace yet".
func TestEmptyWorkspacePage(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test starts leadbot, PostgreSQL and Chromium")
	}
	chrome := findChromium()
	if chrome == "" {
		needOrSkip(t, "Chromium (chromium, chromium-browser or google-chrome)")
	}
	if _, err := pgproc.FindBinDir(); err != nil {
		needOrSkip(t, "PostgreSQL server binaries")
	}
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
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chrome), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancelBrowser()
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
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
	for _, want := range []string{"Import reps with Slack ids", "start with an empty data dir for the demo"} {
		if !strings.Contains(got, want) {
			t.Errorf("the empty workspace says %q, which lacks %q", got, want)
		}
	}
}

// shotPrefix prefixes screenshot names ($LEADBOT_SHOT_PREFIX, e.g. "before-").
func shotPrefix() string { return os.Getenv("LEADBOT_SHOT_PREFIX") }
