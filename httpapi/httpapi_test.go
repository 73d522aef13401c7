package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/leadbot/leadbot/httpapi"
	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const token = "s3cret-token"

// recorder is a Metrics that remembers what it was told.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) Webhook(route string, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, route+" "+http.StatusText(status))
}

// env is a webhook API over a fresh database with one rep, ann@example.com.
type env struct {
	st      *store.Store
	h       http.Handler
	metrics *recorder
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := store.New(pgtest.NewDB(t))
	if _, err := st.UpsertRep(context.Background(), store.NewRep{Email: "ann@example.com", Name: "Ann"}); err != nil {
		t.Fatal(err)
	}
	m := &recorder{}
	return &env{st: st, metrics: m, h: httpapi.New(httpapi.Deps{Store: st, Token: token, Metrics: m, RateLimit: httpapi.RateLimit{PerSecond: -1},
		Log: slog.New(slog.DiscardHandler)})}
}

// answer is a decoded reply.
type answer struct {
	code   int
	header http.Header
	httpapi.Counts
	Error   string           `json:"error"`
	Details []httpapi.Detail `json:"details"`
}

// post sends body to path with the right token and a JSON content type, unless opts change them.
func post(t *testing.T, h http.Handler, path, body string, opts ...func(*http.Request)) answer {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for _, o := range opts {
		o(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{code: rec.Code, header: rec.Header()}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("%s: answer is not JSON: %v\n%s", path, err, rec.Body)
	}
	return a
}

func header(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }

func wantCounts(t *testing.T, a answer, created, updated, unchanged int) {
	t.Helper()
	if a.code != 200 || a.Counts != (httpapi.Counts{Created: created, Updated: updated, Unchanged: unchanged}) {
		t.Fatalf("answer %d %+v %q %+v, want 200 created %d updated %d unchanged %d", a.code, a.Counts, a.Error, a.Details, created, updated, unchanged)
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	closed := httpapi.New(httpapi.Deps{Store: e.st})
	const lead = `{"id": "L1"}`
	for _, tc := range []struct {
		name       string
		h          http.Handler
		auth       string
		code       int
		challenge  string
		errMention string
	}{
		{"no token configured", closed, "Bearer " + token, 503, "", "LEADBOT_API_TOKEN"},
		{"no token configured, none sent", closed, "", 503, "", "LEADBOT_API_TOKEN"},
		{"missing", e.h, "", 401, `Bearer realm="leadbot"`, "Authorization: Bearer"},
		{"other scheme", e.h, "Basic " + token, 401, `Bearer realm="leadbot"`, "missing bearer token"},
		{"wrong", e.h, "Bearer " + token + "x", 401, `Bearer realm="leadbot", error="invalid_token"`, "wrong bearer token"},
		{"prefix of the right one", e.h, "Bearer s3cret", 401, `Bearer realm="leadbot", error="invalid_token"`, "wrong bearer token"},
		{"right, scheme in any case", e.h, "bearer " + token, 200, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := post(t, tc.h, "/api/v1/leads", lead, header("Authorization", tc.auth))
			if a.code != tc.code || a.header.Get("WWW-Authenticate") != tc.challenge || !strings.Contains(a.Error, tc.errMention) {
				t.Errorf("got %d %q %q, want %d %q, error mentioning %q", a.code, a.header.Get("WWW-Authenticate"), a.Error, tc.code, tc.challenge, tc.errMention)
			}
		})
	}
	if _, err := e.st.LeadByExternalID(t.Context(), "L1"); err != nil {
		t.Errorf("the authorised request did not write: %v", err)
	}
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t)
	many := "[" + strings.Repeat(`{"id": "x"},`, httpapi.MaxItems) + `{"id": "y"}]`
	huge := `{"id": "L1", "name": "` + strings.Repeat("a", httpapi.MaxBodyBytes) + `"}`
	for _, tc := range []struct {
		name, path, body string
		opt              func(*http.Request)
		code             int
		errMention       string
		details          []httpapi.Detail
	}{
		{name: "not JSON", path: "/api/v1/leads", body: `id=L1`, opt: header("Content-Type", "application/x-www-form-urlencoded"),
			code: 415, errMention: "application/json"},
		{name: "no content type", path: "/api/v1/leads", body: `{"id": "L1"}`, opt: header("Content-Type", ""), code: 415},
		{name: "JSON with charset", path: "/api/v1/leads", body: `{"id": "C1"}`, opt: header("Content-Type", "application/json; charset=utf-8"), code: 200},
		{name: "bad JSON", path: "/api/v1/leads", body: `{"id": "L1",}`, code: 400, errMention: "invalid JSON"},
		{name: "trailing garbage", path: "/api/v1/leads", body: `{"id": "L1"} {}`, code: 400, errMention: "invalid JSON"},
		{name: "empty body", path: "/api/v1/leads", body: ``, code: 400, errMention: "empty"},
		{name: "a string", path: "/api/v1/leads", body: `"L1"`, code: 400, errMention: "neither an object nor an array"},
		{name: "too large", path: "/api/v1/leads", body: huge, code: 413, errMention: "5 MiB"},
		{name: "too many items", path: "/api/v1/leads", body: many, code: 413, errMention: "at most 1000"},
		{name: "unknown field", path: "/api/v1/leads", body: `{"id": "L1", "phone": "555"}`, code: 400,
			details: []httpapi.Detail{{Index: 0, Field: "phone", Message: `unknown field "phone": the fields are id, name, company, email, owner_email, source, created_at, status, attributes`}}},
		{name: "item not an object", path: "/api/v1/leads", body: `[{"id": "L1"}, 7]`, code: 400,
			details: []httpapi.Detail{{Index: 1, Message: "must be a JSON object"}}},
		{name: "missing id, bad types, bad date, nested attribute", path: "/api/v1/leads",
			body: `{"name": 5, "created_at": "03/05/2024", "attributes": {"size": 10, "tags": ["a"]}}`, code: 400,
			details: []httpapi.Detail{
				{Index: 0, Field: "id", Message: "missing id"},
				{Index: 0, Field: "name", Message: "must be a string"},
				{Index: 0, Field: "attributes.tags", Message: "must be a string, number, boolean or null"},
				{Index: 0, Field: "created_at", Message: `cannot read date "03/05/2024": use RFC 3339 (2024-03-05T14:30:00Z) or YYYY-MM-DD`},
			}},
		{name: "duplicate id", path: "/api/v1/leads", body: `[{"id": "D1"}, {"id": "D2"}, {"id": "D1", "name": "x"}]`, code: 400,
			details: []httpapi.Detail{{Index: 2, Field: "id", Message: `duplicate id "D1" (first at index 0)`}}},
		{name: "unknown outcome", path: "/api/v1/outcomes", body: `{"lead_id": "L1", "outcome": "maybe", "occurred_at": "2024-03-05"}`, code: 400,
			details: []httpapi.Detail{{Index: 0, Field: "outcome", Message: `unknown outcome "maybe": use won, lost, converted or disqualified`}}},
		{name: "outcome without date, bad amount", path: "/api/v1/outcomes", body: `[{"lead_id": 42, "outcome": "won", "amount": "lots"}]`, code: 400,
			details: []httpapi.Detail{
				{Index: 0, Field: "occurred_at", Message: "missing occurred_at: when the outcome happened, RFC 3339 or YYYY-MM-DD"},
				{Index: 0, Field: "amount", Message: `cannot read number "lots"`},
			}},
		{name: "outcome unknown field", path: "/api/v1/outcomes", body: `{"lead_id": "L1", "outcome": "won", "occurred_at": "2024-03-05", "stage": "x"}`, code: 400,
			details: []httpapi.Detail{{Index: 0, Field: "stage", Message: `unknown field "stage": the fields are lead_id, outcome, occurred_at, amount`}}},
		{name: "unknown lead", path: "/api/v1/outcomes", body: `{"lead_id": "nope", "outcome": "won", "occurred_at": "2024-03-05"}`, code: 422,
			details: []httpapi.Detail{{Index: 0, Field: "lead_id", Message: `unknown lead "nope": send the lead first (POST /api/v1/leads or leadbot import leads)`}}},
		{name: "unknown owner", path: "/api/v1/leads", body: `{"id": "L9", "owner_email": "Bob@Example.com"}`, code: 422,
			details: []httpapi.Detail{{Index: 0, Field: "owner_email", Message: `unknown owner "bob@example.com": not among the reps (import reps first, or send "" for unassigned)`}}},
		{name: "unknown endpoint", path: "/api/v1/reps", body: `{}`, code: 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*http.Request)
			if tc.opt != nil {
				opts = append(opts, tc.opt)
			}
			a := post(t, e.h, tc.path, tc.body, opts...)
			if a.code != tc.code || !strings.Contains(a.Error, tc.errMention) {
				t.Errorf("got %d %q, want %d, error mentioning %q", a.code, a.Error, tc.code, tc.errMention)
			}
			if tc.details != nil && !equalDetails(a.Details, tc.details) {
				t.Errorf("details:\n got %+v\nwant %+v", a.Details, tc.details)
			}
		})
	}
	// Only the one good request wrote anything.
	for _, id := range []string{"L1", "D1", "L9", "x"} {
		if _, err := e.st.LeadByExternalID(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("lead %s: %v, want not found", id, err)
		}
	}
}

func equalDetails(a, b []httpapi.Detail) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t)
	req := httptest.NewRequest("GET", "/api/v1/outcomes", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != 405 || rec.Header().Get("Allow") != "POST" {
		t.Errorf("GET = %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

func TestLeadsReplayAndPartialUpdates(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	batch := `[
		{"id": "L1", "name": "Ada", "company": "Acme", "email": "Ada@Acme.com ", "owner_email": "ANN@example.com",
		 "source": "web", "created_at": "2024-03-05T14:30:00.123456+01:00", "status": "Working - Contacted",
		 "attributes": {"employees": 250, "paid": true, "industry": " Retail ", "fax": null, "note": ""}},
		{"id": 1002, "name": "Bob", "status": "Closed - Converted", "created_at": "2024-01-31"}
	]`
	wantCounts(t, post(t, e.h, "/api/v1/leads", batch), 2, 0, 0)
	before, err := e.st.LeadByExternalID(ctx, "L1")
	if err != nil {
		t.Fatal(err)
	}
	// A replay is a no-op: not even updated_at moves.
	wantCounts(t, post(t, e.h, "/api/v1/leads", batch), 0, 0, 2)
	after, _ := e.st.LeadByExternalID(ctx, "L1")
	if !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("replay moved updated_at")
	}
	if after.Email != "ada@acme.com" || after.OwnerID == nil || after.Status != "open" || after.Source != "web" ||
		after.CreatedAt == nil || after.CreatedAt.UTC().Format("15:04:05.000000") != "13:30:00.123456" {
		t.Errorf("stored %+v", after)
	}
	if got := after.Attrs(); len(got) != 3 || got["employees"] != "250" || got["paid"] != "true" || got["industry"] != "Retail" {
		t.Errorf("attributes %v, want strings as a CSV holds them, missing ones absent", got)
	}
	bob, err := e.st.LeadByExternalID(ctx, "1002")
	if err != nil || bob.Status != "closed" || bob.OwnerID != nil {
		t.Errorf("numeric id lead: %+v, %v", bob, err)
	}

	// A partial lead writes what it has and keeps the rest; attributes merge by name.
	wantCounts(t, post(t, e.h, "/api/v1/leads", `{"id": "L1", "name": "Ada L.", "attributes": {"employees": "300", "paid": null}}`), 0, 1, 0)
	got, _ := e.st.LeadByExternalID(ctx, "L1")
	if got.Name != "Ada L." || got.Company != "Acme" || got.OwnerID == nil || got.CreatedAt == nil || got.Source != "web" {
		t.Errorf("partial update lost fields: %+v", got)
	}
	if a := got.Attrs(); len(a) != 2 || a["employees"] != "300" || a["industry"] != "Retail" {
		t.Errorf("attributes after merge %v", a)
	}
	// null and "" clear: the lead becomes unassigned and undated.
	wantCounts(t, post(t, e.h, "/api/v1/leads", `{"id": "L1", "owner_email": "", "created_at": null}`), 0, 1, 0)
	got, _ = e.st.LeadByExternalID(ctx, "L1")
	if got.OwnerID != nil || got.CreatedAt != nil || got.Name != "Ada L." {
		t.Errorf("clearing: %+v", got)
	}
}

func TestOutcomesReplay(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	wantCounts(t, post(t, e.h, "/api/v1/leads", `[{"id": "L1"}, {"id": "L2"}]`), 2, 0, 0)
	batch := `[{"lead_id": "L1", "outcome": "Closed Won", "occurred_at": "2024-06-01T10:00:00Z", "amount": "$1,234.50"},
	           {"lead_id": "L2", "outcome": "lost", "occurred_at": "2024-06-02"}]`
	wantCounts(t, post(t, e.h, "/api/v1/outcomes", batch), 2, 0, 0)
	wantCounts(t, post(t, e.h, "/api/v1/outcomes", batch), 0, 0, 2)
	l1, _ := e.st.LeadByExternalID(ctx, "L1")
	o, err := e.st.OutcomeOf(ctx, l1.ID)
	if err != nil || o.Outcome != "won" || o.Amount == nil || *o.Amount != 1234.5 {
		t.Fatalf("outcome %+v, %v", o, err)
	}
	// Without amount the stored one stays; a new verdict replaces the outcome.
	wantCounts(t, post(t, e.h, "/api/v1/outcomes", `{"lead_id": "L1", "outcome": "lost", "occurred_at": "2024-06-01T10:00:00Z"}`), 0, 1, 0)
	o, _ = e.st.OutcomeOf(ctx, l1.ID)
	if o.Outcome != "lost" || o.Amount == nil || *o.Amount != 1234.5 {
		t.Errorf("after update %+v", o)
	}
	wantCounts(t, post(t, e.h, "/api/v1/outcomes", `{"lead_id": "L1", "outcome": "lost", "occurred_at": "2024-06-01T10:00:00Z", "amount": 99}`), 0, 1, 0)
}

// One bad item in a batch means nothing of the batch is written, whether the item is malformed
// or refers to what leadbot does not know.
func TestBatchIsAllOrNothing(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	a := post(t, e.h, "/api/v1/leads", `[{"id": "G1", "owner_email": "ann@example.com"}, {"id": "G2", "owner_email": "nobody@example.com"}, {"id": "G3"}]`)
	if a.code != 422 || len(a.Details) != 1 || a.Details[0].Index != 1 {
		t.Fatalf("got %d %+v", a.code, a.Details)
	}
	a = post(t, e.h, "/api/v1/leads", `[{"id": "G1"}, {"id": "G2", "created_at": "yesterday"}]`)
	if a.code != 400 || len(a.Details) != 1 || a.Details[0].Index != 1 {
		t.Fatalf("got %d %+v", a.code, a.Details)
	}
	for _, id := range []string{"G1", "G2", "G3"} {
		if _, err := e.st.LeadByExternalID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("lead %s written from a rejected batch (%v)", id, err)
		}
	}

	wantCounts(t, post(t, e.h, "/api/v1/leads", `{"id": "G1"}`), 1, 0, 0)
	g1, _ := e.st.LeadByExternalID(ctx, "G1")
	a = post(t, e.h, "/api/v1/outcomes", `[{"lead_id": "G1", "outcome": "won", "occurred_at": "2024-06-01"}, {"lead_id": "G9", "outcome": "won", "occurred_at": "2024-06-01"}]`)
	if a.code != 422 || len(a.Details) != 1 || a.Details[0].Index != 1 || a.Details[0].Field != "lead_id" {
		t.Fatalf("got %d %+v", a.code, a.Details)
	}
	if _, err := e.st.OutcomeOf(ctx, g1.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("outcome written from a rejected batch (%v)", err)
	}
	e.metrics.mu.Lock()
	defer e.metrics.mu.Unlock()
	if want := []string{"leads Unprocessable Entity", "leads Bad Request", "leads OK", "outcomes Unprocessable Entity"}; strings.Join(e.metrics.calls, ",") != strings.Join(want, ",") {
		t.Errorf("metrics %v, want %v", e.metrics.calls, want)
	}
}

// failing is a Store whose database is down.
type failing struct{}

func (failing) UpsertLeadBatch(context.Context, []store.LeadPatch) (store.BatchResult, error) {
	return store.BatchResult{}, errors.New("dial tcp 10.0.0.5:5432: connection refused")
}

func (failing) UpsertOutcomeBatch(context.Context, []store.OutcomePatch) (store.BatchResult, error) {
	return store.BatchResult{}, errors.New("dial tcp 10.0.0.5:5432: connection refused")
}

// A database failure is a 500 that says to retry; the cause goes to the log, not to the caller.
func TestStoreFailure(t *testing.T) {
	var logs strings.Builder
	h := httpapi.New(httpapi.Deps{Store: failing{}, Token: token, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	a := post(t, h, "/api/v1/leads", `{"id": "L1"}`)
	if a.code != 500 || strings.Contains(a.Error, "10.0.0.5") || !strings.Contains(a.Error, "try again") {
		t.Errorf("got %d %q", a.code, a.Error)
	}
	if !strings.Contains(logs.String(), "connection refused") || strings.Contains(logs.String(), token) {
		t.Errorf("log: %s", logs.String())
	}
}
