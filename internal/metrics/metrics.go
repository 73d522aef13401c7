// Package metrics is leadbot's Prometheus instrumentation: one registry per process, built by
// New and served by Handler on /metrics.
//
// The registry is leadbot's own, never prometheus.DefaultRegisterer, and nothing is registered at
// init: two Metrics in one process (tests, two bots) never collide, and a process that does not
// ask for metrics pays nothing. Every method is safe on a nil *Metrics, so a component can be
// handed one unconditionally.
package metrics

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/slack-go/slack"
)

const namespace = "leadbot"

// Metrics holds leadbot's collectors. It implements bot.Metrics and bot.SenderMetrics, and the
// webhook API's metrics. It is safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	envelopes   *prometheus.CounterVec
	acks        *prometheus.CounterVec
	ackLatency  *prometheus.HistogramVec
	panics      *prometheus.CounterVec
	slackCalls  *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	rateWait    *prometheus.CounterVec
	digests     *prometheus.CounterVec
	deliveries  prometheus.Counter
	feedback    *prometheus.CounterVec
	jobRuns     *prometheus.CounterVec
	jobDuration *prometheus.HistogramVec
	model       prometheus.Gauge
	webhooks    *prometheus.CounterVec
}

// New builds the registry with leadbot's collectors and the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
		m.reg.MustRegister(c)
		return c
	}
	histogram := func(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
		h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: name, Help: help, Buckets: buckets}, labels)
		m.reg.MustRegister(h)
		return h
	}
	m.envelopes = counter("envelopes_received_total", "Socket Mode envelopes received, by type.", "type")
	m.acks = counter("acks_total", "Envelope acknowledgements, by type and result (ok or error).", "type", "result")
	// Slack wants an ack within 3 s: the buckets are dense below that line.
	m.ackLatency = histogram("ack_duration_seconds", "Time taken to send an envelope's ack, by type.",
		[]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5}, "type")
	m.panics = counter("handler_panics_total", "Handler panics recovered (the bot went on), by envelope type.", "type")
	m.slackCalls = counter("slack_api_calls_total", "Slack Web API calls, by method and result (ok, rate_limited, error).", "method", "result")
	m.rateLimited = counter("slack_rate_limited_total", "Slack 429 answers waited out, by method.", "method")
	m.rateWait = counter("slack_rate_limit_wait_seconds_total", "Time spent waiting out Slack's Retry-After, by method.", "method")
	m.digests = counter("digests_total", "Rep digests, by result (sent or failed).", "result")
	m.deliveries = prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "leads_delivered_total",
		Help: "Leads sent to reps in digests."})
	m.reg.MustRegister(m.deliveries)
	m.feedback = counter("feedback_total", "Feedback recorded, by verdict (up or down).", "verdict")
	m.jobRuns = counter("job_runs_total", "Job runs, by job and outcome (ok or failed).", "job", "outcome")
	m.jobDuration = histogram("job_duration_seconds", "Job run duration, by job.",
		[]float64{.1, .5, 1, 5, 15, 60, 300, 900, 3600}, "job")
	m.model = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "champion_model_version",
		Help: "Version of the champion scoring model (0: none yet)."})
	m.reg.MustRegister(m.model)
	m.webhooks = counter("webhook_requests_total", "Webhook API requests, by route and HTTP status.", "route", "status")
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// Series with a fixed, small set of label values start at zero, so that rate() and alerts
	// see them before the first event rather than after.
	for _, r := range []string{"sent", "failed"} {
		m.digests.WithLabelValues(r)
	}
	for _, v := range []string{"up", "down"} {
		m.feedback.WithLabelValues(v)
	}
	return m
}

// Registry returns the registry, for tests and for adding collectors of other packages.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format, for GET /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Envelope counts a Socket Mode envelope (bot.Metrics).
func (m *Metrics) Envelope(kind string) {
	if m == nil {
		return
	}
	m.envelopes.WithLabelValues(kind).Inc()
}

// Ack records an acknowledgement and how long it took (bot.Metrics).
func (m *Metrics) Ack(kind string, latency time.Duration, err error) {
	if m == nil {
		return
	}
	m.acks.WithLabelValues(kind, result(err)).Inc()
	m.ackLatency.WithLabelValues(kind).Observe(latency.Seconds())
}

// HandlerPanic counts a recovered handler panic (bot.Metrics).
func (m *Metrics) HandlerPanic(kind string) {
	if m == nil {
		return
	}
	m.panics.WithLabelValues(kind).Inc()
}

// SlackCall counts one Web API call attempt (bot.SenderMetrics). A 429 is counted as
// rate_limited, not error: it is waited out and retried, never lost.
func (m *Metrics) SlackCall(method string, err error) {
	if m == nil {
		return
	}
	res := result(err)
	if err != nil && isRateLimited(err) {
		res = "rate_limited"
	}
	m.slackCalls.WithLabelValues(method, res).Inc()
}

// RateLimited records a Retry-After wait (bot.SenderMetrics).
func (m *Metrics) RateLimited(method string, retryAfter time.Duration) {
	if m == nil {
		return
	}
	m.rateLimited.WithLabelValues(method).Inc()
	m.rateWait.WithLabelValues(method).Add(retryAfter.Seconds())
}

// DigestSent counts n digests sent.
func (m *Metrics) DigestSent(n int) {
	if m == nil || n <= 0 {
		return
	}
	m.digests.WithLabelValues("sent").Add(float64(n))
}

// DigestFailed counts n digests that could not be sent (they are retried by the next run).
func (m *Metrics) DigestFailed(n int) {
	if m == nil || n <= 0 {
		return
	}
	m.digests.WithLabelValues("failed").Add(float64(n))
}

// LeadsDelivered counts n leads sent in digests.
func (m *Metrics) LeadsDelivered(n int) {
	if m == nil || n <= 0 {
		return
	}
	m.deliveries.Add(float64(n))
}

// Feedback counts a verdict recorded: 1 is 👍 (up), -1 is 👎 (down).
func (m *Metrics) Feedback(verdict int) {
	if m == nil {
		return
	}
	v := "down"
	if verdict > 0 {
		v = "up"
	}
	m.feedback.WithLabelValues(v).Inc()
}

// JobRun records a finished job run: outcome is ok, failed or skipped.
func (m *Metrics) JobRun(job, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.jobRuns.WithLabelValues(job, outcome).Inc()
	m.jobDuration.WithLabelValues(job).Observe(d.Seconds())
}

// WrapJob returns fn timed and counted as job (it has the shape of bot.JobFunc), so the
// scheduler itself need not know about metrics.
func (m *Metrics) WrapJob(job string, fn func(context.Context) (any, error)) func(context.Context) (any, error) {
	return func(ctx context.Context) (details any, err error) {
		start := time.Now()
		defer func() {
			if r := recover(); r != nil {
				// Counted, then handed on: the scheduler turns a panic into a failed run.
				m.JobRun(job, "failed", time.Since(start))
				panic(r)
			}
			outcome := "ok"
			if err != nil {
				outcome = "failed"
			}
			m.JobRun(job, outcome, time.Since(start))
		}()
		return fn(ctx)
	}
}

// ModelVersion sets the champion model's version.
func (m *Metrics) ModelVersion(v int) {
	if m == nil {
		return
	}
	m.model.Set(float64(v))
}

// Webhook counts a webhook API request by route and HTTP status (httpapi.Metrics).
func (m *Metrics) Webhook(route string, status int) {
	if m == nil {
		return
	}
	m.webhooks.WithLabelValues(route, strconv.Itoa(status)).Inc()
}

// isRateLimited reports whether err is Slack's 429.
func isRateLimited(err error) bool {
	var rl *slack.RateLimitedError
	return errors.As(err, &rl)
}

func result(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}
