package crmsync_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot/crmsync"
	"github.com/leadbot/leadbot/crmsync/salesforce"
	"github.com/leadbot/leadbot/crmsync/salesforce/sffake"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestMetrics exposes calls by endpoint and result, the budget left and the sync lag.
func TestMetrics(t *testing.T) {
	w := newWorld(t, sffake.Options{DailyMax: 1000})
	alice := w.user("alice@example.com")
	w.org.Put("Lead", sffake.Record{"LastName": "M", "Company": "C", "OwnerId": alice})
	reg := prometheus.NewRegistry()
	m := crmsync.NewMetrics(reg)
	client := salesforce.New(salesforce.Config{
		Auth:   salesforce.Auth{LoginURL: w.org.URL, ConsumerKey: "3MVG9fake", Username: "leadbot@example.com", PrivateKey: testKey(t)},
		Budget: &crmsync.Budget{Store: w.st, System: "salesforce", Share: 0.1, Now: func() time.Time { return w.now }, Gauge: m.Remaining.WithLabelValues("salesforce")},
		OnCall: m.OnCall("salesforce"),
	})
	eng := &crmsync.Salesforce{Client: client, Store: w.st, Metrics: m, Now: func() time.Time { return time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC) }}
	if _, err := eng.Sync(context.Background(), crmsync.Options{}); err != nil {
		t.Fatal(err)
	}
	if n := value(t, m.Calls.WithLabelValues("salesforce", "queryAll", "ok")); n != 2 {
		t.Errorf("queryAll calls counted %v, want 2 (Lead, Opportunity)", n)
	}
	if left := value(t, m.Remaining.WithLabelValues("salesforce")); left != 98 { // 10 % of 1,000, less 2
		t.Errorf("budget left %v, want 98", left)
	}
	// The lead was changed at the fake's 00:00:0x; the clock says 01:00: about an hour behind.
	if lag := value(t, m.Lag.WithLabelValues("salesforce", "Lead")); lag < 3500 || lag > 3600 {
		t.Errorf("lag %v s, want about 3,600", lag)
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fams {
		names = append(names, f.GetName())
	}
	if got := strings.Join(names, " "); got != "leadbot_crm_api_budget_remaining leadbot_crm_api_calls_total leadbot_crm_sync_lag_seconds" {
		t.Errorf("metrics exposed: %s", got)
	}
}

// value reads a counter's or a gauge's current value.
func value(t *testing.T, c prometheus.Metric) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}
