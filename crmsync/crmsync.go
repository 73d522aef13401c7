// Package crmsync pulls leads and outcomes from a CRM (Salesforce, HubSpot) into leadbot
// incrementally, through the same validation and upsert as the CSV import, and writes scores,
// reasons and verdicts back. The API clients live in crmsync/salesforce and crmsync/hubspot; this
// package knows the store and the mapping.
package crmsync

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/leadbot/leadbot/crmsync/hubspot"
	"github.com/leadbot/leadbot/crmsync/salesforce"
	"github.com/leadbot/leadbot/store"
	"github.com/prometheus/client_golang/prometheus"
)

// Options say how one sync runs.
type Options struct {
	Full   bool // pull everything, not only what changed since the cursor
	DryRun bool // pull and check, write nothing (neither leadbot nor the CRM), keep the cursors
	// Score, when set, runs after the pull and before the write-back (not in a dry run): it
	// scores what arrived, so that the CRM receives a new lead's score in the same run.
	Score func(context.Context) error
}

// score runs opt.Score, the step between the pull and the write-back.
func score(ctx context.Context, opt Options, _ *Stats) error {
	if opt.Score == nil || opt.DryRun {
		return nil
	}
	return opt.Score(ctx)
}

// Reject is a CRM record that was not imported, with its CRM id and why.
type Reject struct {
	Object, ID, Reason string
}

// Stats count what one sync did.
type Stats struct {
	New         int      `json:"new"`
	Updated     int      `json:"updated"`
	Unchanged   int      `json:"unchanged"`
	Deleted     int      `json:"deleted"`
	Outcomes    int      `json:"outcomes"`
	Rejects     []Reject `json:"rejects,omitempty"`
	Written     int      `json:"written_back"`
	WriteFailed int      `json:"write_failed"`
	Calls       int64    `json:"calls"`
	BudgetStop  bool     `json:"budget_stopped"`
	Pulled      int      `json:"pulled"`
}

// Budget is a salesforce.Budget kept in PostgreSQL: leadbot's own calls per UTC day, shared by
// replicas, against Share of the allowance the CRM reports.
type Budget struct {
	Store  *store.Store
	System string
	Share  float64 // 0.1: a tenth of the daily allowance
	Now    func() time.Time
	Log    *slog.Logger
	Gauge  prometheus.Gauge // remaining calls of the share (nil: none)

	max int
}

func (b *Budget) day() time.Time { return b.Now().UTC().Truncate(24 * time.Hour) }

// ErrBudget is Budget.Take's refusal: leadbot's share of today's allowance is used up.
var ErrBudget = errors.New("leadbot's share of the CRM's daily API allowance (crm.budget_share) is used up")

// Take counts a call, or returns ErrBudget when the share is used up.
func (b *Budget) Take(ctx context.Context) error {
	ok, err := b.Store.TakeCRMCall(ctx, b.System, b.day(), b.Share)
	if err != nil {
		return err
	}
	if !ok {
		return ErrBudget
	}
	return nil
}

// Observe records the allowance the CRM reported.
func (b *Budget) Observe(ctx context.Context, used, max int) {
	if max != b.max {
		b.max = max
		if err := b.Store.ObserveCRMAllowance(ctx, b.System, b.day(), max); err != nil && b.Log != nil {
			b.Log.Warn("could not record the CRM's API allowance", "err", err)
		}
	}
	if b.Gauge != nil {
		calls, _, err := b.Store.CRMBudget(ctx, b.System, b.day())
		if err == nil {
			b.Gauge.Set(float64(int(float64(max)*b.Share) - calls))
		}
	}
}

// Metrics are the sync's Prometheus collectors (nil-safe).
type Metrics struct {
	Calls     *prometheus.CounterVec // leadbot_crm_api_calls_total{system,endpoint,result}
	Remaining *prometheus.GaugeVec   // leadbot_crm_api_budget_remaining{system}
	Lag       *prometheus.GaugeVec   // leadbot_crm_sync_lag_seconds{system,object}
}

// NewMetrics registers the sync's collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Calls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "leadbot", Name: "crm_api_calls_total",
			Help: "CRM API calls, by system, endpoint and result (ok, error, rate_limited, budget)."}, []string{"system", "endpoint", "result"}),
		Remaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "leadbot", Name: "crm_api_budget_remaining",
			Help: "API calls left today of leadbot's share of the CRM's daily allowance."}, []string{"system"}),
		Lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "leadbot", Name: "crm_sync_lag_seconds",
			Help: "Age of the newest CRM change imported, by system and object."}, []string{"system", "object"}),
	}
	reg.MustRegister(m.Calls, m.Remaining, m.Lag)
	return m
}

// OnCall counts an API call.
func (m *Metrics) OnCall(system string) func(endpoint, result string) {
	return func(endpoint, result string) {
		if m != nil {
			m.Calls.WithLabelValues(system, endpoint, result).Inc()
		}
	}
}

func (m *Metrics) lag(system, object string, d time.Duration) {
	if m != nil {
		m.Lag.WithLabelValues(system, object).Set(d.Seconds())
	}
}

// step is one step of a sync: a pull, the scoring, the write-back.
type step func(context.Context, Options, *Stats) error

// runSteps runs a sync's steps in order and stops at the first that fails. The budget running
// out (leadbot's share or the CRM's own daily limit) stops it cleanly, as a success with
// st.BudgetStop: what was pulled is imported, the cursors stand there, the next run resumes.
func runSteps(ctx context.Context, opt Options, st *Stats, log *slog.Logger, system string, steps ...step) error {
	for _, do := range steps {
		if err := do(ctx, opt, st); err != nil {
			if !budgetStop(err) {
				return err
			}
			st.BudgetStop = true
			log.Warn(system+" sync stopped: leadbot's share of the daily API allowance is used up; it resumes where it stopped", "err", err)
			return nil
		}
	}
	return nil
}

// budgetStop reports whether err is the budget running out, leadbot's share or the CRM's own
// daily limit: the sync stops cleanly and resumes next run.
func budgetStop(err error) bool {
	return errors.Is(err, ErrBudget) || errors.Is(err, salesforce.ErrBudget) || errors.Is(err, hubspot.ErrBudget)
}
