package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/internal/metrics"
)

// The adapter must keep satisfying the interfaces the bot declares.
var (
	_ bot.Metrics       = (*metrics.Metrics)(nil)
	_ bot.SenderMetrics = (*metrics.Metrics)(nil)
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestScrape(t *testing.T) {
	m := metrics.New()
	m.Envelope("slash_commands")
	m.Envelope("slash_commands")
	m.Ack("slash_commands", 30*time.Millisecond, nil)
	m.Ack("interactive", time.Second, errors.New("timeout"))
	m.HandlerPanic("interactive")
	m.SlackCall("chat.postMessage", nil)
	m.SlackCall("chat.postMessage", &slack.RateLimitedError{RetryAfter: 2 * time.Second})
	m.SlackCall("users.lookupByEmail", errors.New("users_not_found"))
	m.RateLimited("chat.postMessage", 2*time.Second)
	m.DigestSent(3)
	m.DigestFailed(1)
	m.LeadsDelivered(12)
	m.Feedback(1)
	m.Feedback(-1)
	m.Feedback(-1)
	m.JobRun("digest", "ok", 1500*time.Millisecond)
	m.ModelVersion(7)
	m.Webhook("leads", 200)
	m.Webhook("leads", 401)

	out := scrape(t, m)
	for _, want := range []string{
		`leadbot_envelopes_received_total{type="slash_commands"} 2`,
		`leadbot_acks_total{result="ok",type="slash_commands"} 1`,
		`leadbot_acks_total{result="error",type="interactive"} 1`,
		`leadbot_ack_duration_seconds_bucket{type="slash_commands",le="0.05"} 1`,
		`leadbot_ack_duration_seconds_count{type="interactive"} 1`,
		`leadbot_handler_panics_total{type="interactive"} 1`,
		`leadbot_slack_api_calls_total{method="chat.postMessage",result="ok"} 1`,
		`leadbot_slack_api_calls_total{method="chat.postMessage",result="rate_limited"} 1`,
		`leadbot_slack_api_calls_total{method="users.lookupByEmail",result="error"} 1`,
		`leadbot_slack_rate_limited_total{method="chat.postMessage"} 1`,
		`leadbot_slack_rate_limit_wait_seconds_total{method="chat.postMessage"} 2`,
		`leadbot_digests_total{result="sent"} 3`,
		`leadbot_digests_total{result="failed"} 1`,
		`leadbot_leads_delivered_total 12`,
		`leadbot_feedback_total{verdict="up"} 1`,
		`leadbot_feedback_total{verdict="down"} 2`,
		`leadbot_job_runs_total{job="digest",outcome="ok"} 1`,
		`leadbot_job_duration_seconds_sum{job="digest"} 1.5`,
		`leadbot_champion_model_version 7`,
		`leadbot_webhook_requests_total{route="leads",status="200"} 1`,
		`leadbot_webhook_requests_total{route="leads",status="401"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

// A fresh registry shows the fixed series at zero (alerts see them before the first event), and
// two registries in one process do not collide (nothing is global).
func TestFreshAndIndependent(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.DigestSent(1)
	out := scrape(t, b)
	for _, want := range []string{`leadbot_digests_total{result="sent"} 0`, `leadbot_feedback_total{verdict="up"} 0`, `leadbot_champion_model_version 0`} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("fresh scrape lacks %q", want)
		}
	}
}

func TestWrapJob(t *testing.T) {
	m := metrics.New()
	ok := m.WrapJob("train", func(context.Context) (any, error) { return nil, nil })
	bad := m.WrapJob("train", func(context.Context) (any, error) { return nil, errors.New("no data") })
	boom := m.WrapJob("train", func(context.Context) (any, error) { panic("boom") })
	var _ bot.JobFunc = ok // the shape the scheduler takes
	ok(t.Context())
	bad(t.Context())
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed: the scheduler must still see it")
			}
		}()
		boom(t.Context())
	}()
	out := scrape(t, m)
	for _, want := range []string{`leadbot_job_runs_total{job="train",outcome="ok"} 1`, `leadbot_job_runs_total{job="train",outcome="failed"} 2`, `leadbot_job_duration_seconds_count{job="train"} 3`} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

// A nil *Metrics is a valid, silent sink: components can be handed one unconditionally.
func TestNilIsSilent(t *testing.T) {
	var m *metrics.Metrics
	m.Envelope("x")
	m.Ack("x", time.Second, nil)
	m.HandlerPanic("x")
	m.SlackCall("x", nil)
	m.RateLimited("x", time.Second)
	m.DigestSent(1)
	m.DigestFailed(1)
	m.LeadsDelivered(1)
	m.Feedback(1)
	m.JobRun("x", "ok", time.Second)
	m.ModelVersion(1)
	m.Webhook("leads", 200)
	if _, err := m.WrapJob("x", func(context.Context) (any, error) { return nil, nil })(t.Context()); err != nil {
		t.Fatal(err)
	}
}
