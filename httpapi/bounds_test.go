package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadbot/leadbot/crm"
	"github.com/leadbot/leadbot/httpapi"
	"github.com/leadbot/leadbot/store"
)

// noise is n hex digits that do not compress (PostgreSQL compresses a long index entry first).
func noise(n int) string {
	var b strings.Builder
	sum := sha256.Sum256([]byte("seed"))
	for b.Len() < n {
		b.WriteString(hex.EncodeToString(sum[:]))
		sum = sha256.Sum256(sum[:])
	}
	return b.String()[:n]
}

// attrs is a lead whose attributes object has n attributes.
func attrs(id string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"id": %q, "attributes": {`, id)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"a%d": %d`, i, i)
	}
	b.WriteString("}}")
	return b.String()
}

// Input past the bounds, and what PostgreSQL cannot store, is a 400 that says what to do, and
// nothing is written. A NUL used to answer 500 (a CRM retries that for ever), a 100,000-attribute
// lead 200, the year 9999 200.
func TestBoundsAreClientErrors(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("x", crm.MaxFieldBytes+1)
	for _, tc := range []struct {
		name, path, body, field, mention string
	}{
		{"NUL in a field", "/api/v1/leads", `{"id": "B1", "name": "Ada\u0000"}`, "name", "NUL"},
		{"NUL in the id", "/api/v1/leads", `{"id": "B1\u0000"}`, "id", "NUL"},
		{"NUL in an attribute", "/api/v1/leads", `{"id": "B1", "attributes": {"note": "a\u0000b"}}`, "attributes.note", "NUL"},
		{"NUL in an attribute's name", "/api/v1/leads", `{"id": "B1", "attributes": {"no\u0000te": "x"}}`, "attributes", "NUL"},
		{"NUL in an outcome's lead id", "/api/v1/outcomes", `{"lead_id": "B1\u0000", "outcome": "won", "occurred_at": "2024-03-05"}`, "lead_id", "NUL"},
		{"too many attributes", "/api/v1/leads", attrs("B1", crm.MaxAttributes+1), "attributes", "at most 1000"},
		{"100,000 attributes", "/api/v1/leads", attrs("B1", 100_000), "attributes", "100000 attributes"},
		{"a field past the bound", "/api/v1/leads", `{"id": "B1", "company": "` + long + `"}`, "company", "at most 256 KiB"},
		{"an attribute past the bound", "/api/v1/leads", `{"id": "B1", "attributes": {"notes": "` + long + `"}}`, "attributes.notes", "at most 256 KiB"},
		{"an attribute's name past the bound", "/api/v1/leads", `{"id": "B1", "attributes": {"` + strings.Repeat("n", 2000) + `": "x"}}`, "attributes", "at most 1 KiB"},
		{"an id past what PostgreSQL indexes", "/api/v1/leads", `{"id": "` + noise(3000) + `"}`, "id", "at most 1 KiB"},
		{"a company past what PostgreSQL indexes", "/api/v1/leads", `{"id": "B1", "company": "` + noise(3000) + `"}`, "company", "at most 1 KiB"},
		{"year 9999", "/api/v1/leads", `{"id": "B1", "created_at": "9999-12-31"}`, "created_at", "not plausible"},
		{"a spreadsheet's day zero", "/api/v1/leads", `{"id": "B1", "created_at": "1899-12-30"}`, "created_at", "not plausible"},
		{"an outcome in 9999", "/api/v1/outcomes", `{"lead_id": "B1", "outcome": "won", "occurred_at": "9999-01-01T00:00:00Z"}`, "occurred_at", "not plausible"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := post(t, e.h, tc.path, tc.body)
			if a.code != 400 || len(a.Details) != 1 || a.Details[0].Field != tc.field || !strings.Contains(a.Details[0].Message, tc.mention) {
				t.Errorf("got %d %q %+v, want 400 with one detail on %s mentioning %q", a.code, a.Error, a.Details, tc.field, tc.mention)
			}
		})
	}
	if _, err := e.st.LeadByExternalID(t.Context(), "B1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("lead B1 written from a refused request (%v)", err)
	}
	// At the bounds, a lead is taken.
	wantCounts(t, post(t, e.h, "/api/v1/leads", attrs("B2", crm.MaxAttributes)), 1, 0, 0)
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// Each client address has a token bucket: past it, 429 with Retry-After; other clients go on;
// the bucket refills with time. Requests with a wrong token count too.
func TestRateLimitPerClient(t *testing.T) {
	e := newEnv(t)
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	h := httpapi.New(httpapi.Deps{Store: e.st, Token: token, Log: slog.New(slog.DiscardHandler), Now: c.now,
		RateLimit: httpapi.RateLimit{PerSecond: 0.5, Burst: 2}})
	from := func(addr string) func(*http.Request) { return func(r *http.Request) { r.RemoteAddr = addr } }
	lead := `{"id": "R1"}`
	wantCounts(t, post(t, h, "/api/v1/leads", lead, from("198.51.100.7:4000")), 1, 0, 0)
	if a := post(t, h, "/api/v1/leads", lead, from("198.51.100.7:4001"), header("Authorization", "Bearer wrong")); a.code != 401 {
		t.Fatalf("second request: %d", a.code)
	}
	a := post(t, h, "/api/v1/leads", lead, from("198.51.100.7:4002"))
	if a.code != 429 || a.header.Get("Retry-After") != "2" || !strings.Contains(a.Error, "wait 2 s") {
		t.Fatalf("past the burst: %d %q Retry-After %q", a.code, a.Error, a.header.Get("Retry-After"))
	}
	wantCounts(t, post(t, h, "/api/v1/leads", lead, from("203.0.113.9:5000")), 0, 0, 1)
	c.advance(2 * time.Second)
	wantCounts(t, post(t, h, "/api/v1/leads", lead, from("198.51.100.7:4003")), 0, 0, 1)
}

func TestRequireToken(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("metrics")) })
	for _, tc := range []struct {
		name, token, auth string
		code              int
	}{
		{"right token", token, "Bearer " + token, 200},
		{"no token sent", token, "", 401},
		{"wrong token", token, "Bearer nope", 401},
		{"none configured", "", "Bearer " + token, 503},
	} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		httpapi.RequireToken(tc.token, "set LEADBOT_API_TOKEN", ok).ServeHTTP(rec, req)
		if rec.Code != tc.code || (tc.code == 200) != (rec.Body.String() == "metrics") {
			t.Errorf("%s: %d %s", tc.name, rec.Code, rec.Body)
		}
	}
}

// Requests that are each within the bound cannot add up past it on one lead.
func TestAttributesStoredStayBounded(t *testing.T) {
	e := newEnv(t)
	wantCounts(t, post(t, e.h, "/api/v1/leads", attrs("M1", crm.MaxAttributes)), 1, 0, 0)
	more := strings.Replace(attrs("M1", 1), `"a0"`, `"extra"`, 1)
	a := post(t, e.h, "/api/v1/leads", `[{"id": "M2"}, `+more+`]`)
	if a.code != 422 || len(a.Details) != 1 || a.Details[0].Index != 1 || !strings.Contains(a.Details[0].Message, "would have 1001") {
		t.Fatalf("got %d %q %+v", a.code, a.Error, a.Details)
	}
	if _, err := e.st.LeadByExternalID(t.Context(), "M2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("M2 written from a refused batch (%v)", err)
	}
	// Replacing one (null removes it) stays within the bound.
	wantCounts(t, post(t, e.h, "/api/v1/leads", `{"id": "M1", "attributes": {"a0": null, "extra": "1"}}`), 0, 1, 0)
}
