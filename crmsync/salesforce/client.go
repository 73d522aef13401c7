// Package salesforce is a thin client of the Salesforce REST API for leadbot's CRM sync: the
// OAuth token (JWT bearer or client credentials), SOQL query and queryAll with nextRecordsUrl
// paging, composite sObject collections for the write-back, describe and limits, and the
// Sforce-Limit-Info header on every answer. It knows nothing of leadbot's store.
package salesforce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadbot/leadbot/internal/wait"
)

// DefaultVersion is the REST API version used when the configuration pins none.
const DefaultVersion = "v67.0"

// ErrBudget is returned when Salesforce answered REQUEST_LIMIT_EXCEEDED (the org's daily
// allowance is spent); a Budget's own refusal comes back as the Budget returned it.
var ErrBudget = errors.New("salesforce API budget used up")

// Budget decides whether leadbot may make one more API call (Take) and learns the org's usage
// from each answer's Sforce-Limit-Info (Observe).
type Budget interface {
	Take(ctx context.Context) error
	Observe(ctx context.Context, used, max int)
}

// Config configures a Client.
type Config struct {
	Auth    Auth
	Version string       // "v67.0"; "" is DefaultVersion
	HTTP    *http.Client // nil: a client with a 60 s timeout
	Budget  Budget       // nil: unlimited
	// OnCall is told of every API call (token requests excluded): endpoint and result
	// (ok, error, rate_limited, budget).
	OnCall func(endpoint, result string)
	// Sleep waits out a server's retry hint (nil: a timer that honours ctx). Tests record it.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
	// Retries is how many times a 429 or 503 is retried (0: 3).
	Retries int
}

// Client talks to one org. It is safe for concurrent use.
type Client struct {
	auth    Auth
	version string
	http    *http.Client
	budget  Budget
	onCall  func(string, string)
	sleep   func(context.Context, time.Duration) error
	now     func() time.Time
	retries int

	calls atomic.Int64

	mu   sync.Mutex
	tok  token
	used int
	max  int
}

// New returns a client; no request is made until the first call.
func New(cfg Config) *Client {
	c := &Client{auth: cfg.Auth, version: cfg.Version, http: cfg.HTTP, budget: cfg.Budget, onCall: cfg.OnCall,
		sleep: cfg.Sleep, now: cfg.Now, retries: cfg.Retries}
	if c.version == "" {
		c.version = DefaultVersion
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 60 * time.Second}
	}
	if c.sleep == nil {
		c.sleep = wait.Sleep
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.onCall == nil {
		c.onCall = func(string, string) {}
	}
	if c.retries <= 0 {
		c.retries = 3
	}
	return c
}

// Calls is how many API calls the client has sent (token requests excluded).
func (c *Client) Calls() int64 { return c.calls.Load() }

// Usage is the org's API usage as the last answer's Sforce-Limit-Info stated it (0, 0 before any).
func (c *Client) Usage() (used, max int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used, c.max
}

// APIError is an error answer of the REST API: [{"errorCode": …, "message": …}].
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("salesforce: HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// session returns the access token and instance URL, fetching a token when there is none.
func (c *Client) session(ctx context.Context, renew bool) (token, error) {
	c.mu.Lock()
	t := c.tok
	c.mu.Unlock()
	if t.AccessToken != "" && !renew {
		return t, nil
	}
	t, err := c.fetchToken(ctx)
	if err != nil {
		return t, err
	}
	c.mu.Lock()
	c.tok = t
	c.mu.Unlock()
	return t, nil
}

// Instance returns the instance URL the token endpoint gave (fetching a token if needed).
func (c *Client) Instance(ctx context.Context) (string, error) {
	t, err := c.session(ctx, false)
	return t.InstanceURL, err
}

// do makes one API call: path is under /services/data/vXX.X/ unless it starts with /services/.
// A 401 renews the token once; 429 and 503 are retried after the server's Retry-After (or a
// doubling wait); REQUEST_LIMIT_EXCEEDED is ErrBudget.
func (c *Client) do(ctx context.Context, endpoint, method, path string, body any, header http.Header) ([]byte, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	if !strings.HasPrefix(path, "/services/") {
		path = "/services/data/" + c.version + "/" + strings.TrimPrefix(path, "/")
	}
	renewed := false
	wait := time.Second
	for attempt := 0; ; attempt++ {
		if c.budget != nil {
			if err := c.budget.Take(ctx); err != nil {
				c.onCall(endpoint, "budget")
				return nil, err
			}
		}
		t, err := c.session(ctx, false)
		if err != nil {
			return nil, err
		}
		status, out, hdr, err := c.send(ctx, t, method, path, payload, header)
		if err != nil {
			c.onCall(endpoint, "error")
			return nil, err
		}
		c.observe(ctx, hdr)
		if status < 300 {
			c.onCall(endpoint, "ok")
			return out, nil
		}
		apiErr := decodeError(status, out)
		switch {
		case status == http.StatusUnauthorized && !renewed:
			c.onCall(endpoint, "error")
			renewed = true
			if _, err := c.session(ctx, true); err != nil {
				return nil, err
			}
			continue
		case apiErr.Code == "REQUEST_LIMIT_EXCEEDED":
			c.onCall(endpoint, "rate_limited")
			return nil, fmt.Errorf("%w: %v", ErrBudget, apiErr)
		case (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && attempt < c.retries:
			c.onCall(endpoint, "rate_limited")
			d := retryAfter(hdr, wait)
			wait *= 2
			if err := c.sleep(ctx, d); err != nil {
				return nil, err
			}
			continue
		}
		c.onCall(endpoint, "error")
		return nil, apiErr
	}
}

func (c *Client) send(ctx context.Context, t token, method, path string, payload []byte, header http.Header) (int, []byte, http.Header, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(t.InstanceURL, "/")+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+t.AccessToken)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.calls.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("salesforce %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("salesforce %s %s: reading the answer: %w", method, path, err)
	}
	return resp.StatusCode, out, resp.Header, nil
}

// observe reads Sforce-Limit-Info: api-usage=18/5000.
func (c *Client) observe(ctx context.Context, h http.Header) {
	v := h.Get("Sforce-Limit-Info")
	_, usage, ok := strings.Cut(v, "api-usage=")
	if !ok {
		return
	}
	usage, _, _ = strings.Cut(usage, ",")
	u, m, ok := strings.Cut(strings.TrimSpace(usage), "/")
	used, err1 := strconv.Atoi(u)
	max, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil {
		return
	}
	c.mu.Lock()
	c.used, c.max = used, max
	c.mu.Unlock()
	if c.budget != nil {
		c.budget.Observe(ctx, used, max)
	}
}

// retryAfter is the server's Retry-After in seconds, or def.
func retryAfter(h http.Header, def time.Duration) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	return def
}

func decodeError(status int, body []byte) *APIError {
	var list []struct {
		Code    string `json:"errorCode"`
		Message string `json:"message"`
	}
	e := &APIError{Status: status}
	if json.Unmarshal(body, &list) == nil && len(list) > 0 {
		e.Code, e.Message = list[0].Code, list[0].Message
		return e
	}
	e.Message = strings.TrimSpace(string(body))
	if len(e.Message) > 300 {
		e.Message = e.Message[:300]
	}
	return e
}
