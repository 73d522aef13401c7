// Package httpapi is leadbot's webhook API for CRMs: POST /api/v1/leads and POST
// /api/v1/outcomes take one JSON object or an array of them and write them the way a CSV import
// does (upsert by external id, all or nothing, a replay changes nothing).
//
// The API is closed unless a token is configured: without LEADBOT_API_TOKEN every endpoint answers
// 503 and says how to enable it, so a fresh install never exposes writes to whoever can reach the
// port.
package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/leadbot/leadbot/store"
)

// Limits of one request: a CRM with more to say sends several batches.
const (
	MaxBodyBytes = 5 << 20
	MaxItems     = 1000
)

// Store is what the API writes to (*store.Store in production).
type Store interface {
	UpsertLeadBatch(ctx context.Context, leads []store.LeadPatch) (store.BatchResult, error)
	UpsertOutcomeBatch(ctx context.Context, outcomes []store.OutcomePatch) (store.BatchResult, error)
}

// Metrics receives one call per request (a Prometheus adapter in production; nil is fine).
type Metrics interface {
	Webhook(route string, status int)
}

// Deps is what the API needs.
type Deps struct {
	Store Store
	// Token is the bearer token callers must send; empty disables the API (503).
	Token   string
	Log     *slog.Logger
	Metrics Metrics
	// RateLimit bounds each client's requests (zero: DefaultRateLimit).
	RateLimit RateLimit
	// Now is the clock (nil: time.Now): rate limits, and dates too far ahead to be true.
	Now func() time.Time
}

// api serves the routes of one Deps.
type api struct {
	Deps
	tokenSum [sha256.Size]byte
	limit    *limiter
}

// New returns the handler of everything under /api/v1/, for mux.Handle("/api/v1/", h).
func New(d Deps) http.Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	a := &api{Deps: d, tokenSum: sha256.Sum256([]byte(d.Token)), limit: newLimiter(d.RateLimit, d.Now)}
	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/leads", a.route("leads", a.leads))
	mux.Handle("POST /api/v1/outcomes", a.route("outcomes", a.outcomes))
	mux.Handle("/api/v1/", a.route("other", a.other))
	return mux
}

// response is what a route answers; cause, when set, goes to the log and never to the caller.
type response struct {
	status int
	body   any
	header map[string]string
	cause  error
}

// Detail says what is wrong with one item of a batch.
type Detail struct {
	Index   int    `json:"index"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// errorBody is every error answer: a sentence that says what to do, and the items at fault.
type errorBody struct {
	Error   string   `json:"error"`
	Details []Detail `json:"details,omitempty"`
}

// Counts is the answer to a written (or entirely unchanged) batch.
type Counts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

func fail(status int, msg string, details ...Detail) response {
	return response{status: status, body: errorBody{Error: msg, Details: details}}
}

// route wraps a handler with authentication, the JSON answer, the log line and the metric.
func (a *api) route(name string, h func(http.ResponseWriter, *http.Request) response) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, ok := response{}, false
		if allowed, wait := a.limit.allow(r); !allowed {
			resp = a.limit.tooMany(wait)
		} else if resp, ok = a.authorize(r); ok {
			resp = h(w, r)
		}
		writeJSON(w, resp)
		if a.Metrics != nil {
			a.Metrics.Webhook(name, resp.status)
		}
		attrs := []any{"route", name, "method", r.Method, "path", r.URL.Path, "status", resp.status, "remote", r.RemoteAddr}
		switch body := resp.body.(type) {
		case Counts:
			a.Log.Info("webhook batch", append(attrs, "created", body.Created, "updated", body.Updated, "unchanged", body.Unchanged)...)
		case errorBody:
			attrs = append(attrs, "error", body.Error, "bad_items", len(body.Details))
			if resp.status >= 500 {
				a.Log.Error("webhook request failed", append(attrs, "err", resp.cause)...)
			} else {
				a.Log.Warn("webhook request rejected", attrs...)
			}
		}
	})
}

// authorize checks the bearer token. The comparison is of fixed-length digests in constant time,
// so neither the token's bytes nor its length leak through timing.
func (a *api) authorize(r *http.Request) (response, bool) {
	if a.Token == "" {
		return fail(http.StatusServiceUnavailable,
			"the webhook API is disabled: set LEADBOT_API_TOKEN (or api_token in the config file) and restart leadbot"), false
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		resp := fail(http.StatusUnauthorized, "missing bearer token: send the header \"Authorization: Bearer <LEADBOT_API_TOKEN>\"")
		resp.header = map[string]string{"WWW-Authenticate": `Bearer realm="leadbot"`}
		return resp, false
	}
	sum := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(sum[:], a.tokenSum[:]) != 1 {
		resp := fail(http.StatusUnauthorized, "wrong bearer token: send the value of LEADBOT_API_TOKEN")
		resp.header = map[string]string{"WWW-Authenticate": `Bearer realm="leadbot", error="invalid_token"`}
		return resp, false
	}
	return response{}, true
}

// other answers every path under /api/v1/ that is not a route (or not with that method).
func (a *api) other(w http.ResponseWriter, r *http.Request) response {
	switch r.URL.Path {
	case "/api/v1/leads", "/api/v1/outcomes":
		resp := fail(http.StatusMethodNotAllowed, r.Method+" is not allowed here: use POST")
		resp.header = map[string]string{"Allow": "POST"}
		return resp
	}
	return fail(http.StatusNotFound, "no such endpoint: use POST /api/v1/leads or POST /api/v1/outcomes")
}

// written turns a store result into the answer: 422 with the rejected items (nothing written),
// or the counts.
func written(res store.BatchResult, err error) response {
	if err != nil {
		resp := fail(http.StatusInternalServerError, "the batch could not be written (nothing was): try again later")
		resp.cause = err
		return resp
	}
	if len(res.Rejects) > 0 {
		details := make([]Detail, len(res.Rejects))
		for i, r := range res.Rejects {
			details[i] = Detail{Index: r.Index, Field: r.Field, Message: r.Message}
		}
		return fail(http.StatusUnprocessableEntity, "nothing was written: some items refer to what leadbot does not know, or would grow a lead past its bounds; fix them and send the batch again", details...)
	}
	return response{status: http.StatusOK, body: Counts{Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged}}
}
