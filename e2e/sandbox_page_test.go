// Package e2e tests leadbot from the outside: the real binary, started with no configuration, and
// its sandbox page driven in headless Chromium.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// findChromium returns a locally installed Chromium or Chrome. The test never downloads one.
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// needOrSkip skips the test when something it needs is not installed, except on CI, where it fails.
func needOrSkip(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found (CI is set, so this is a failure: scripts/test.sh installs it)", what)
	}
	t.Skipf("%s not found: skipping the browser test (scripts/test.sh installs it; set CI to make this fail)", what)
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// artifactsDir is where screenshots go: $LEADBOT_ARTIFACTS, or artifacts/ in the repository.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("LEADBOT_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts: %v", err)
	}
	return dir
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// userID looks a member up by real name through the page's own JSON.
func userID(t *testing.T, base, realName string) string {
	t.Helper()
	res, err := http.Get(base + "/sandbox/api/state")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st struct {
		Users []struct {
			ID       string `json:"id"`
			RealName string `json:"real_name"`
		} `json:"users"`
	}
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	for _, u := range st.Users {
		if u.RealName == realName {
			return u.ID
		}
	}
	t.Fatalf("no user %q in the workspace", realName)
	return ""
}

// waitJS waits until the JavaScript expression is truthy and returns its value.
func waitJS[T any](expr string) chromedp.Action[T] {
	return chromedp.Poll[T](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(45*time.Second))
}

func screenshot(t *testing.T, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		png, err := chromedp.CaptureScreenshot()(ctx, tg)
		if err != nil {
			return err
		}
		path := filepath.Join(artifactsDir(t), name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			return err
		}
		t.Logf("screenshot: %s", path)
		return nil
	})
}

// TestSandboxPage is the first-run story: `leadbot` with no configuration, a browser on its page,
// a rep who gets her digest, turns a lead down with a reason and finds it in the lead's history.
func TestSandboxPage(t *testing.T) {
	chrome := needBrowser(t)
	bin := buildLeadbot(t)
	addr := freeAddr(t)
	base := "http://" + addr

	// The browser is up first, as a user's would be; then leadbot starts from nothing.
	bctx := startBrowser(t, chrome, 1280, 800)
	p := startLeadbot(t, bin, addr)
	d := newDriver(t, bctx, 3*time.Minute, "sandbox-page-failure.png")
	ctx, do, text := d.ctx, d.do, d.text

	p.waitReady(t, 90*time.Second)
	do("open the page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`#user-list .user-card`)))
	usable := time.Since(p.started)
	t.Logf("from nothing to a usable page: %s (process start → page rendered with the user list; embedded PostgreSQL start and demo seeding included)", usable.Round(time.Millisecond))

	ana := userID(t, base, "Ana Lima")
	do("pick Ana Lima",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#user-list button[data-user=%q]`, ana))),
		chromedp.WaitVisible(chromedp.CSS(`#composer-input`)),
		waitJS[chromedp.Void](`document.querySelector('#conv-title').textContent === 'leadbot' && document.activeElement.id === 'composer-input'`),
	)

	do("send today's digests",
		chromedp.Click(chromedp.CSS(`button[data-control="0"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#control-output.ok`)),
	)
	out := text(`#control-output`)
	if !strings.HasPrefix(out, "Sent ") || strings.HasPrefix(out, "Sent 0 ") {
		t.Fatalf("control said %q, want e.g. \"Sent 4 digests with 20 leads.\"", out)
	}
	t.Logf("control: %s", out)

	// The digest arrives over SSE, rendered from its blocks: a reason line with ⬆️, the buttons.
	leadBlock, err := chromedp.Run(ctx, waitJS[string](`(() => { const b = document.querySelector('#messages [data-block^="lead_"]');
		return b && b.textContent.includes('⬆️') && !b.textContent.includes(':arrow_up:') && b.dataset.block; })()`))
	if err != nil {
		t.Fatalf("see the digest: %v", err)
	}
	leadID := strings.TrimPrefix(leadBlock, "lead_")
	leadName := text(fmt.Sprintf(`[data-block=%q] strong`, leadBlock))
	t.Logf("first lead: %s (id %s)", leadName, leadID)
	do("mrkdwn and header rendered", waitJS[chromedp.Void](`(() => { const b = document.querySelector('[data-block="intro"]');
		return b && b.textContent.includes('👍 / 👎') && document.querySelector('#messages .b-header') !== null; })()`))

	// 👎 opens the reason modal; an empty submit gets the bot's validation error.
	do("click 👎",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-block="actions_%s"] button[data-action="feedback_down"]`, leadID))),
		chromedp.WaitVisible(chromedp.CSS(`.dialog[role="dialog"]`)),
		waitJS[chromedp.Void](`document.querySelector('.dialog').contains(document.activeElement)`),
	)
	do("submit with no reason",
		chromedp.Click(chromedp.CSS(`.dialog button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.dialog [data-block="reason_block"] .field-error`)),
		waitJS[chromedp.Void](`document.querySelector('.dialog [data-input="reason_block/reason_code"]').getAttribute('aria-invalid') === 'true'`),
		screenshot(t, "sandbox-page-modal.png"),
	)
	t.Logf("validation error shown: %q", strings.TrimSpace(text(`.dialog [data-block="reason_block"] .field-error`)))

	reason, err := chromedp.Run(ctx, waitJS[struct{ Value, Label string }](`(() => {
		const s = document.querySelector('.dialog select[data-input="reason_block/reason_code"]');
		const o = s && [...s.options].find((o) => o.value);
		return o && { Value: o.value, Label: o.textContent }; })()`))
	if err != nil {
		t.Fatalf("read the reasons: %v", err)
	}
	t.Logf("reason: %s (%s)", reason.Label, reason.Value)
	do("submit with a reason",
		chromedp.SetValue(chromedp.CSS(`.dialog select[data-input="reason_block/reason_code"]`), reason.Value),
		chromedp.Click(chromedp.CSS(`.dialog button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`.dialog`)),
	)
	do("see the verdict in the message",
		waitJS[chromedp.Void](fmt.Sprintf(`(() => { const b = document.querySelector('[data-block="verdict_%s"]');
			return b && b.textContent.includes('👎') && b.textContent.includes(%q); })()`, leadID, reason.Label)),
	)

	// /lead shows the lead with the feedback in its history, only to Ana. When several leads have
	// the name, it first asks which one (an ephemeral with Show buttons).
	do("run /lead",
		chromedp.SendKeys(chromedp.CSS(`#composer-input`), "/lead "+leadName),
		chromedp.KeyEvent("\r"),
	)
	got, err := chromedp.Run(ctx, waitJS[string](fmt.Sprintf(`(() => {
		const eph = [...document.querySelectorAll('#messages .msg.ephemeral')].pop();
		if (!eph) return '';
		if (eph.querySelector('[data-block="history"]')) return 'history';
		return eph.querySelector('[data-block="pick_%s"] button') ? 'pick' : ''; })()`, leadID)))
	if err != nil {
		t.Fatalf("/lead answered nothing: %v", err)
	}
	if got == "pick" {
		t.Logf("/lead %s: several leads match; clicking Show on lead %s", leadName, leadID)
		do("pick the lead", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#messages .msg.ephemeral [data-block="pick_%s"] button`, leadID))))
	}
	do("see the feedback in the lead's history",
		waitJS[chromedp.Void](fmt.Sprintf(`(() => { const e = [...document.querySelectorAll('#messages .msg.ephemeral')].find((m) => {
			const h = m.querySelector('[data-block="history"]');
			return h && h.textContent.includes('👎 ' + %q) && h.textContent.includes('Ana Lima'); });
			return e && e.textContent.includes('Only visible to you'); })()`, reason.Label)),
		screenshot(t, "sandbox-page.png"),
	)

	// The Home tab opens (app_home_opened) and renders what the bot publishes.
	do("open Home",
		chromedp.Click(chromedp.CSS(`button[data-conv="home"]`)),
		waitJS[chromedp.Void](`document.querySelector('#home-body .blocks') !== null`),
		screenshot(t, "sandbox-page-home.png"),
	)
	// Back to the DM at a smaller laptop width.
	do("1024 px wide",
		chromedp.EmulateViewport(1024, 768),
		chromedp.Click(chromedp.CSS(`button[data-conv="`+"D"+ana[1:]+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#messages .msg`)),
		screenshot(t, "sandbox-page-1024.png"),
	)
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(`#messages script, #home-body script`), chromedp.AtLeast(0)))
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) > 0 {
		t.Fatalf("rendered messages contain %d <script> elements", len(nodes))
	}
}
