// Package hubspot is a thin client of the HubSpot CRM v3/v4 API for leadbot's CRM sync: search
// with `after` paging, the archived-records list, owners, contact↔deal associations (v4 batch
// read) and batch update, with a private app's token. It reads X-HubSpot-RateLimit-Daily and
// -Daily-Remaining, waits out 429s of the per-second policies, and stops at the daily one.
package hubspot

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

// ErrBudget is returned when HubSpot answered 429 for its daily policy; a Budget's own refusal
// comes back as the Budget returned it.
var ErrBudget = errors.New("hubspot API budget used up")

// Budget decides whether one more call may be made and learns the daily allowance.
type Budget interface {
	Take(ctx context.Context) error
	Observe(ctx context.Context, used, max int)
}

// Config configures a Client.
type Config struct {
	BaseURL string // https://api.hubapi.com
	Token   string // a private app's access token
	HTTP    *http.Client
	Budget  Budget
	OnCall  func(endpoint, result string)
	Sleep   func(ctx context.Context, d time.Duration) error
	Retries int // 0: 3
	// SearchInterval is the least time between two searches: HubSpot allows a token 4 searches
	// a second (0: 250 ms; negative: no pacing, for the local fake).
	SearchInterval time.Duration
}

// Client talks to one HubSpot account. It is safe for concurrent use.
type Client struct {
	cfg   Config
	calls atomic.Int64

	mu         sync.Mutex
	nextSearch time.Time
}

// New returns a client.
func New(cfg Config) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://api.hubapi.com"
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	if cfg.OnCall == nil {
		cfg.OnCall = func(string, string) {}
	}
	if cfg.Sleep == nil {
		cfg.Sleep = wait.Sleep
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 3
	}
	if cfg.SearchInterval == 0 {
		cfg.SearchInterval = 250 * time.Millisecond
	}
	return &Client{cfg: cfg}
}

// paceSearch waits until the next search may go, so that a long sync stays under search's own
// per-second limit instead of collecting 429s.
func (c *Client) paceSearch(ctx context.Context) error {
	if c.cfg.SearchInterval < 0 {
		return nil
	}
	c.mu.Lock()
	now := time.Now()
	at := c.nextSearch
	if at.Before(now) {
		at = now
	}
	c.nextSearch = at.Add(c.cfg.SearchInterval)
	c.mu.Unlock()
	return wait.Sleep(ctx, at.Sub(now))
}

// Calls is how many API calls the client sent.
func (c *Client) Calls() int64 { return c.calls.Load() }

// APIError is an error answer: {"status":"error","category":…,"message":…}.
type APIError struct {
	Status   int
	Category string
	Message  string
	Policy   string // for 429: SECONDLY, TEN_SECONDLY_ROLLING, DAILY
}

func (e *APIError) Error() string {
	hint := ""
	switch {
	case e.Status == http.StatusUnauthorized:
		hint = ": HUBSPOT_TOKEN is not a valid private app token (Settings → Integrations → Private Apps → the app → Auth → Show token)"
	case e.Category == "MISSING_SCOPES" || e.Status == http.StatusForbidden:
		hint = ": give the private app the scopes crm.objects.contacts.read/.write, crm.objects.deals.read and crm.objects.owners.read"
	}
	return fmt.Sprintf("hubspot: HTTP %d %s: %s%s", e.Status, e.Category, e.Message, hint)
}

// do sends one call: JSON in, JSON out.
func (c *Client) do(ctx context.Context, endpoint, method, path string, body, out any) (int, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return 0, err
		}
	}
	wait := time.Second
	for attempt := 0; ; attempt++ {
		if c.cfg.Budget != nil {
			if err := c.cfg.Budget.Take(ctx); err != nil {
				c.cfg.OnCall(endpoint, "budget")
				return 0, err
			}
		}
		status, data, hdr, err := c.send(ctx, method, path, payload)
		if err != nil {
			c.cfg.OnCall(endpoint, "error")
			return 0, err
		}
		c.observe(ctx, hdr)
		if status < 300 || status == http.StatusMultiStatus {
			c.cfg.OnCall(endpoint, "ok")
			if out != nil {
				if err := json.Unmarshal(data, out); err != nil {
					return status, fmt.Errorf("hubspot %s: unexpected answer: %w", endpoint, err)
				}
			}
			return status, nil
		}
		e := decodeError(status, data)
		if status == http.StatusTooManyRequests || status >= 500 {
			c.cfg.OnCall(endpoint, "rate_limited")
			if e.Policy == "DAILY" {
				return status, fmt.Errorf("%w: %v", ErrBudget, e)
			}
			if attempt < c.cfg.Retries {
				d := wait
				if s, err := strconv.Atoi(hdr.Get("Retry-After")); err == nil {
					d = time.Duration(s) * time.Second
				} else if ms, err := strconv.Atoi(hdr.Get("X-HubSpot-RateLimit-Interval-Milliseconds")); err == nil && status == 429 {
					d = time.Duration(ms) * time.Millisecond
				}
				wait *= 2
				if err := c.cfg.Sleep(ctx, d); err != nil {
					return status, err
				}
				continue
			}
		}
		c.cfg.OnCall(endpoint, "error")
		return status, e
	}
}

func (c *Client) send(ctx context.Context, method, path string, payload []byte) (int, []byte, http.Header, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.calls.Add(1)
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("hubspot %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, resp.Header, err
}

// observe reads X-HubSpot-RateLimit-Daily and -Daily-Remaining (absent on search answers).
func (c *Client) observe(ctx context.Context, h http.Header) {
	max, err1 := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Daily"))
	left, err2 := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Daily-Remaining"))
	if err1 == nil && err2 == nil && c.cfg.Budget != nil {
		c.cfg.Budget.Observe(ctx, max-left, max)
	}
}

func decodeError(status int, data []byte) *APIError {
	var b struct {
		Category   string `json:"category"`
		Message    string `json:"message"`
		PolicyName string `json:"policyName"`
	}
	e := &APIError{Status: status}
	if json.Unmarshal(data, &b) == nil {
		e.Category, e.Message, e.Policy = b.Category, b.Message, b.PolicyName
	} else {
		e.Message = strings.TrimSpace(string(data))
	}
	return e
}
