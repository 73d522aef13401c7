package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestManagerPage is the manager's first run: `leadbot` with no configuration, the manager on
// the sandbox page asks for the team digest (twice: a fresh one each time), sees both charts
// inline in the DM, runs /leadbot team while scrolled up and finds the answer in view, reads
// /leadbot value and the week's emerging trend, and opens the Home tab, which is the team view
// with model health in plain words.
func TestManagerPage(t *testing.T) {
	chrome := needBrowser(t)
	bin := buildLeadbot(t)
	addr := freeAddr(t)
	base := "http://" + addr
	bctx := startBrowser(t, chrome, 1280, 900)
	p := startLeadbot(t, bin, addr)
	d := newDriver(t, bctx, 3*time.Minute, "manager-page-failure.png")
	ctx, do, text := d.ctx, d.do, d.text

	p.waitReady(t, 90*time.Second)
	do("open the page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`#user-list .user-card`)))
	maya := userID(t, base, "Maya Okafor")
	do("pick Maya Okafor", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#user-list button[data-user=%q]`, maya))),
		chromedp.WaitVisible(chromedp.CSS(`#composer-input`)))
	do("send the reps' digests", chromedp.Click(chromedp.CSS(`button[data-control="0"]`)), chromedp.WaitVisible(chromedp.CSS(`#control-output.ok`)))

	// Asked for twice: a fresh report each time, never "already had today's".
	for i := range 2 {
		do("send the manager digest",
			chromedp.Click(chromedp.CSS(`button[data-control="1"]`)),
			waitJS[chromedp.Void](`(() => { const o = document.querySelector('#control-output');
				return o && o.classList.contains('ok') && o.textContent.startsWith('Sent a fresh team report'); })()`))
		if out := text(`#control-output`); !strings.HasPrefix(out, "Sent a fresh team report to 1 manager") {
			t.Fatalf("manager digest %d: control said %q", i+1, out)
		}
	}
	// Both charts inline, loaded (an image that failed to load has no natural width).
	titles, err := chromedp.Run(ctx, waitJS[[]string](`(() => {
		const imgs = [...document.querySelectorAll('#messages .file.image img')].filter((i) => i.complete && i.naturalWidth === 800);
		return imgs.length >= 4 && imgs.map((i) => i.alt); })()`))
	if err != nil {
		t.Fatalf("the charts are not shown in the DM: %v", err)
	}
	t.Logf("images in the DM: %q", titles)
	joined := strings.Join(titles, "|")
	if !strings.Contains(joined, "Model vs team, week by week") || !strings.Contains(joined, "Do hot leads still convert more?") {
		t.Fatalf("charts shown: %q", titles)
	}
	do("look at the charts", chromedp.Evaluate[chromedp.Void](`(() => { const i = [...document.querySelectorAll('#messages .file.image')];
		i[i.length - 2].scrollIntoView({block: 'start'}); })()`), screenshot(t, "manager-digest-charts.png"))
	do("the digest", chromedp.Evaluate[chromedp.Void](`(() => { const m = [...document.querySelectorAll('#messages .msg')]
		.filter((m) => !m.classList.contains('ephemeral') && m.querySelector('.b-header')); m[m.length - 1].scrollIntoView({block: 'start'}); })()`),
		screenshot(t, "manager-digest.png"))
	digest := text(`#messages`)
	for _, bad := range []string{"ROC AUC", "Champion", "not enough to measure", "PSI"} {
		if strings.Contains(digest, bad) {
			t.Errorf("the manager's DM says %q", bad)
		}
	}
	if !strings.Contains(digest, "Of the leads leadbot called hot in the last 90 days") {
		t.Errorf("the digest does not say how hot leads did")
	}

	// Scrolled to the top, /leadbot team: the answer lands in view, as in Slack.
	do("scroll up and run /leadbot team",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#messages').scrollTop = 0`),
		chromedp.SendKeys(chromedp.CSS(`#composer-input`), "/leadbot team"), chromedp.KeyEvent("\r"),
		waitJS[chromedp.Void](`(() => { const l = document.querySelector('#messages');
			const e = [...l.querySelectorAll('.msg.ephemeral')].pop();
			if (!e || !e.textContent.includes('Model vs team')) return false;
			const r = e.getBoundingClientRect(), b = l.getBoundingClientRect();
			return r.bottom <= b.bottom + 2 && r.bottom > b.top; })()`),
		screenshot(t, "manager-team.png"))

	// The holdout's uplift, and what the reps reported more than usual this week (the demo's
	// first start posts it).
	do("run /leadbot value",
		chromedp.SendKeys(chromedp.CSS(`#composer-input`), "/leadbot value"), chromedp.KeyEvent("\r"),
		waitJS[chromedp.Void](`(() => { const e = [...document.querySelectorAll('#messages .msg.ephemeral')].pop();
			return e && e.textContent.includes('What sending the list changed'); })()`),
		screenshot(t, "manager-value.png"))
	if v := text(`#messages`); !strings.Contains(v, "Sending the list raised conversion of hot leads") || !strings.Contains(v, "95 % CI") {
		t.Errorf("/leadbot value does not give the uplift with its interval")
	}
	do("the emerging trend",
		waitJS[chromedp.Void](`(() => { const m = [...document.querySelectorAll('#messages .msg')]
			.filter((m) => m.textContent.includes('Reps are reporting something new')).pop();
			if (!m) return false; m.scrollIntoView({block: 'start'}); return true; })()`),
		screenshot(t, "manager-trend.png"))
	if !strings.Contains(text(`#messages`), "Reps marked 8 Finance leads") {
		t.Errorf("the manager's DM lacks the emerging trend")
	}

	do("open Home",
		chromedp.Click(chromedp.CSS(`button[data-conv="home"]`)),
		waitJS[chromedp.Void](`(() => { const h = document.querySelector('#home-body');
			return h && h.textContent.includes('Your team this week') && h.textContent.includes('Model health'); })()`),
		screenshot(t, "manager-home.png"))
	home := text(`#home-body`)
	for _, want := range []string{"This week:", "Feedback by rep", "Model vs team", "Of the leads leadbot called hot in the last 90 days"} {
		if !strings.Contains(home, want) {
			t.Errorf("the manager's Home lacks %q", want)
		}
	}
	body := strings.ReplaceAll(home, text(`#home-body [data-block="model_admin"]`), "")
	for _, bad := range []string{"ROC AUC", "gbdt", "Champion", "not enough to measure"} {
		if strings.Contains(body, bad) {
			t.Errorf("the manager's Home says %q outside the admin's model line", bad)
		}
	}
}
