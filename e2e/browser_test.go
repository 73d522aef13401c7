package e2e

import (
	"context"
	"testing"

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
