package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Record is one sObject as the REST API returns it: field name → value, with relationship
// fields (Owner.Email) as nested objects.
type Record map[string]any

// String returns a field as text: "" for null, numbers and booleans formatted; a dotted name
// follows a relationship (Owner.Email).
func (r Record) String(field string) string {
	var v any = map[string]any(r)
	for _, part := range strings.Split(field, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[part]
	}
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return v.String()
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// Bool returns a boolean field (false when null).
func (r Record) Bool(field string) bool { return r.String(field) == "true" }

type queryPage struct {
	Done           bool     `json:"done"`
	NextRecordsURL string   `json:"nextRecordsUrl"`
	Records        []Record `json:"records"`
}

// QueryOptions shape a query.
type QueryOptions struct {
	// All uses queryAll: deleted records (IsDeleted) and merged ones (MasterRecordId) are
	// included, so one pass sees changes and deletions alike.
	All bool
	// BatchSize asks for pages of this many records (Sforce-Query-Options batchSize, 200–2000;
	// 0: Salesforce's default, 2000). Fewer, larger pages spend fewer calls.
	BatchSize int
}

// Query runs soql and calls page with each page of records as it arrives, following
// nextRecordsUrl; it stops at the first error page returns. A query cut short (ErrBudget) can be
// resumed only by a new query: locators expire, so the caller keeps its own cursor.
func (c *Client) Query(ctx context.Context, soql string, opt QueryOptions, page func([]Record) error) error {
	endpoint := "query"
	if opt.All {
		endpoint = "queryAll"
	}
	var h http.Header
	if opt.BatchSize > 0 {
		h = http.Header{"Sforce-Query-Options": {"batchSize=" + strconv.Itoa(opt.BatchSize)}}
	}
	path := endpoint + "?q=" + url.QueryEscape(soql)
	for {
		body, err := c.do(ctx, endpoint, http.MethodGet, path, nil, h)
		if err != nil {
			return err
		}
		var p queryPage
		if err := json.Unmarshal(body, &p); err != nil {
			return fmt.Errorf("salesforce %s: unexpected answer: %w", endpoint, err)
		}
		if err := page(p.Records); err != nil {
			return err
		}
		if p.Done || p.NextRecordsURL == "" {
			return nil
		}
		path = p.NextRecordsURL
	}
}

// SaveResult is one record's result in a composite sObject collection.
type SaveResult struct {
	ID      string `json:"id"`
	Success bool   `json:"success"`
	Errors  []struct {
		StatusCode string   `json:"statusCode"`
		Message    string   `json:"message"`
		Fields     []string `json:"fields"`
	} `json:"errors"`
}

// Error returns the record's first error as text ("" on success).
func (r SaveResult) Error() string {
	if r.Success || len(r.Errors) == 0 {
		return ""
	}
	e := r.Errors[0]
	return e.StatusCode + ": " + e.Message
}

// MaxCollection is how many records one composite sObject collection call may carry.
const MaxCollection = 200

// Update updates up to MaxCollection records of object in one call (PATCH
// composite/sobjects, allOrNone false): each record succeeds or fails on its own, and the
// results come in the records' order. Each record holds "Id" and the fields to set.
func (c *Client) Update(ctx context.Context, object string, records []Record) ([]SaveResult, error) {
	if len(records) > MaxCollection {
		return nil, fmt.Errorf("salesforce composite update: %d records, at most %d a call", len(records), MaxCollection)
	}
	rs := make([]map[string]any, len(records))
	for i, r := range records {
		m := map[string]any{"attributes": map[string]string{"type": object}}
		for k, v := range r {
			if k == "Id" {
				k = "id"
			}
			m[k] = v
		}
		rs[i] = m
	}
	body, err := c.do(ctx, "composite/sobjects", http.MethodPatch, "composite/sobjects", map[string]any{"allOrNone": false, "records": rs}, nil)
	if err != nil {
		return nil, err
	}
	var out []SaveResult
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("salesforce composite update: unexpected answer: %w", err)
	}
	if len(out) != len(records) {
		return nil, fmt.Errorf("salesforce composite update: %d results for %d records", len(out), len(records))
	}
	return out, nil
}

// Field is one field of an sObject's describe.
type Field struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Length     int    `json:"length"`
	Updateable bool   `json:"updateable"`
}

// Describe returns object's fields (GET sobjects/{object}/describe); a missing object or one the
// user may not read is an *APIError (NOT_FOUND, INSUFFICIENT_ACCESS).
func (c *Client) Describe(ctx context.Context, object string) ([]Field, error) {
	body, err := c.do(ctx, "describe", http.MethodGet, "sobjects/"+url.PathEscape(object)+"/describe", nil, nil)
	if err != nil {
		return nil, err
	}
	var d struct {
		Fields []Field `json:"fields"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("salesforce describe %s: unexpected answer: %w", object, err)
	}
	return d.Fields, nil
}

// Limits returns the org's daily API requests: the allowance and what remains (GET limits).
func (c *Client) Limits(ctx context.Context) (max, remaining int, err error) {
	body, err := c.do(ctx, "limits", http.MethodGet, "limits", nil, nil)
	if err != nil {
		return 0, 0, err
	}
	var l struct {
		Daily struct {
			Max       int `json:"Max"`
			Remaining int `json:"Remaining"`
		} `json:"DailyApiRequests"`
	}
	if err := json.Unmarshal(body, &l); err != nil {
		return 0, 0, fmt.Errorf("salesforce limits: unexpected answer: %w", err)
	}
	return l.Daily.Max, l.Daily.Remaining, nil
}
