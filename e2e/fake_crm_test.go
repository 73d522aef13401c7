package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestFakeCRM is the newcomer watching a change in "the CRM" reach Slack: `leadbot -fake-crm`,
// a hot lead added in the fake Salesforce org from the sandbox page, a sync, the owner's "hot now"
// DM, and the score written back into the org's Lead list.
func TestFakeCRM(t *testing.T) {
	chrome := needBrowser(t)
	bin := buildLeadbot(t)
	addr := freeAddr(t)
	base := "http://" + addr
	work := newWorkDir(t)
	// Quiet hours from 3 to 3 are none: the DM goes out whatever the hour where the test runs.
	cfg := filepath.Join(work, "leadbot.yaml")
	if err := os.WriteFile(cfg, []byte("crm:\n  hot_now: {quiet_from: 3, quiet_until: 3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bctx := startBrowser(t, chrome, 1280, 900)
	p := startLeadbotWith(t, bin, addr, work, []string{"LEADBOT_CONFIG=" + cfg}, "-fake-crm")
	d := newDriver(t, bctx, 3*time.Minute, "fake-crm-failure.png")
	ctx, do := d.ctx, d.do
	output := func(prefix string) string {
		t.Helper()
		out, err := chromedp.Run(ctx, waitJS[string](fmt.Sprintf(`(() => { const o = document.querySelector('#control-output');
			return o && o.classList.contains('ok') && o.textContent.startsWith(%q) && o.textContent; })()`, prefix)))
		if err != nil {
			d.fatal("no %q from the control: %v", prefix, err)
		}
		return out
	}

	p.waitReady(t, 90*time.Second)
	if !strings.Contains(p.logText(), "fake CRM") {
		t.Fatalf("no fake CRM in the log:\n%s", p.logText())
	}
	do("open the page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`#user-list .user-card`)))
	do("add a hot lead in the CRM", chromedp.Click(chromedp.CSS(`button[data-control="2"]`)))
	added := output("Created ")
	t.Logf("control: %s", added)
	m := regexp.MustCompile(`^Created (.+?) at (.+?) in the CRM \((00Q\w{15})\), owned by (.+?)\.`).FindStringSubmatch(added)
	if m == nil {
		t.Fatalf("control said %q", added)
	}
	lead, owner := m[1], m[4]

	do("sync with the CRM now", chromedp.Click(chromedp.CSS(`button[data-control="3"]`)))
	synced := output("Synced:")
	t.Logf("control: %s", synced)
	// Only the lead that arrived is pushed: the demo's year of history is left to the digests.
	if !strings.Contains(synced, "1 new") || !strings.Contains(synced, "1 written back") || !strings.Contains(synced, "1 “hot now” DM sent") {
		t.Fatalf("sync said %q; want the new lead pulled, scored, written back and sent hot now", synced)
	}

	id := userID(t, base, owner)
	do("open the owner's DM", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#user-list button[data-user=%q]`, id))),
		chromedp.WaitVisible(chromedp.CSS(`#composer-input`)))
	card, err := chromedp.Run(ctx, waitJS[string](fmt.Sprintf(`(() => { const ms = [...document.querySelectorAll('#messages .msg')];
		const m = ms.find((m) => m.textContent.includes('Hot lead just in') && m.textContent.includes(%q)); return m && m.textContent; })()`, lead)))
	if err != nil {
		d.fatal("no hot now card for %s in %s's DM: %v", lead, owner, err)
	}
	if !strings.Contains(card, "Not a good lead") {
		t.Errorf("the hot now card has no 👎 button: %q", card)
	}
	do("screenshot the DM", screenshot(t, shotPrefix()+"fake-crm-hot-now.png"))

	// The rep's 👍 goes back to the CRM too, with the next sync.
	do("👍 the hot lead", chromedp.Click(chromedp.CSS(`#messages .msg:last-child button[data-action="feedback_up"]`)),
		waitJS[chromedp.Void](`(() => { const m = document.querySelector('#messages .msg:last-child');
			return m && m.textContent.includes('Hot lead just in') && !m.querySelector('button[data-action="feedback_up"]'); })()`),
		screenshot(t, shotPrefix()+"fake-crm-judged.png"))
	do("sync again", chromedp.Click(chromedp.CSS(`button[data-control="3"]`)))
	if again := output("Synced: 1 record"); !strings.Contains(again, "1 written back") {
		t.Fatalf("second sync said %q; want the verdict written back", again)
	}

	do("open the CRM's lead list", chromedp.Navigate(base+"/crm/"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	row, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table tr:nth-child(2)`)))
	if err != nil || !strings.Contains(row, lead) || !strings.Contains(row, "hot") || !strings.Contains(row, "up") {
		t.Fatalf("the CRM's newest lead reads %q (%v); want %s, written back hot with the rep's verdict up", row, err, lead)
	}
	do("screenshot the CRM", screenshot(t, shotPrefix()+"fake-crm-leads.png"))
}
