package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leadbot/leadbot/internal/pgproc"
)

// needBrowser skips (or, in CI, fails) a browser test without Chromium or PostgreSQL, and
// returns Chromium's path.
func needBrowser(t *testing.T) string {
	t.Helper()
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
	return chrome
}

// startBrowser starts a headless Chromium with a w×h viewport, closed when the test ends. Its
// flags keep it off the network (this machine's is closed) and out of the user's profile.
func startBrowser(t *testing.T, chrome string, w, h int) context.Context {
	t.Helper()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chrome), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(w, h))
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	// No timeout on this first run: it would stop the browser.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return bctx
}

// driver runs one test's steps in the browser: each step fails the test with what it was doing,
// after a screenshot of the page as it was (failShot, in artifacts/).
type driver struct {
	t         *testing.T
	ctx, bctx context.Context // the steps' context (with the test's time limit), and the browser's
	failShot  string
}

// newDriver gives the browser's steps timeout in all; the time limit ends with the test.
func newDriver(t *testing.T, bctx context.Context, timeout time.Duration, failShot string) *driver {
	ctx, cancel := context.WithTimeout(bctx, timeout)
	t.Cleanup(cancel)
	return &driver{t: t, ctx: ctx, bctx: bctx, failShot: failShot}
}

// fatal takes the failure screenshot and fails the test.
func (d *driver) fatal(format string, args ...any) {
	d.t.Helper()
	_ = chromedp.Do(d.bctx, screenshot(d.t, d.failShot))
	d.t.Fatalf(format, args...)
}

// do runs steps, saying what they do should they fail.
func (d *driver) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	if err := chromedp.Do(d.ctx, steps...); err != nil {
		d.fatal("%s: %v", what, err)
	}
}

// text reads an element's text.
func (d *driver) text(sel string) string {
	d.t.Helper()
	s, err := chromedp.Run(d.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		d.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}
