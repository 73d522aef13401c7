package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Object is one CRM record: its id and the properties asked for (all strings, as HubSpot sends).
type Object struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
	Archived   bool              `json:"archived"`
	ArchivedAt string            `json:"archivedAt"`
}

type paging struct {
	Next struct {
		After string `json:"after"`
	} `json:"next"`
}

// MaxSearchPage is the most records one search page holds; MaxSearchResults is how far `after`
// may go in one search: beyond it HubSpot answers 400, so a larger window must be split.
const (
	MaxSearchPage    = 200
	MaxSearchResults = 10_000
)

// SearchPage is one page of a search.
type SearchPage struct {
	Total   int      `json:"total"`
	Results []Object `json:"results"`
	Paging  *paging  `json:"paging"`
}

// Next is the `after` of the next page, "" at the end.
func (p SearchPage) Next() string {
	if p.Paging == nil {
		return ""
	}
	return p.Paging.Next.After
}

// Search returns one page of object's records modified in [from, until) by the property prop
// (lastmodifieddate for contacts, hs_lastmodifieddate for deals), oldest first.
func (c *Client) Search(ctx context.Context, object, prop string, from, until time.Time, props []string, after string) (SearchPage, error) {
	filters := []map[string]string{}
	if !from.IsZero() {
		filters = append(filters, map[string]string{"propertyName": prop, "operator": "GTE", "value": ms(from)})
	}
	if !until.IsZero() {
		filters = append(filters, map[string]string{"propertyName": prop, "operator": "LT", "value": ms(until)})
	}
	body := map[string]any{
		"filterGroups": []map[string]any{{"filters": filters}},
		"sorts":        []map[string]string{{"propertyName": prop, "direction": "ASCENDING"}},
		"properties":   append([]string{prop}, props...),
		"limit":        MaxSearchPage,
	}
	if after != "" {
		body["after"] = after
	}
	var p SearchPage
	if err := c.paceSearch(ctx); err != nil {
		return p, err
	}
	_, err := c.do(ctx, "search", http.MethodPost, "/crm/v3/objects/"+object+"/search", body, &p)
	return p, err
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// Archived returns one page (100) of object's archived records.
func (c *Client) Archived(ctx context.Context, object, after string) ([]Object, string, error) {
	q := url.Values{"archived": {"true"}, "limit": {"100"}}
	if after != "" {
		q.Set("after", after)
	}
	var p struct {
		Results []Object `json:"results"`
		Paging  *paging  `json:"paging"`
	}
	_, err := c.do(ctx, "list", http.MethodGet, "/crm/v3/objects/"+object+"?"+q.Encode(), nil, &p)
	next := ""
	if p.Paging != nil {
		next = p.Paging.Next.After
	}
	return p.Results, next, err
}

// Owners returns every owner's email by owner id (GET /crm/v3/owners, 100 a page).
func (c *Client) Owners(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	after := ""
	for {
		q := url.Values{"limit": {"100"}}
		if after != "" {
			q.Set("after", after)
		}
		var p struct {
			Results []struct {
				ID    string `json:"id"`
				Email string `json:"email"`
			} `json:"results"`
			Paging *paging `json:"paging"`
		}
		if _, err := c.do(ctx, "owners", http.MethodGet, "/crm/v3/owners?"+q.Encode(), nil, &p); err != nil {
			return out, err
		}
		for _, o := range p.Results {
			out[o.ID] = o.Email
		}
		if p.Paging == nil || p.Paging.Next.After == "" {
			return out, nil
		}
		after = p.Paging.Next.After
	}
}

// MaxAssociationBatch is how many ids one associations batch read may carry.
const MaxAssociationBatch = 1000

// Associations returns, for each of ids of object from, the ids of the to records associated
// with it (v4 batch read).
func (c *Client) Associations(ctx context.Context, from, to string, ids []string) (map[string][]string, error) {
	if len(ids) > MaxAssociationBatch {
		return nil, fmt.Errorf("hubspot associations: %d ids, at most %d a call", len(ids), MaxAssociationBatch)
	}
	in := make([]map[string]string, len(ids))
	for i, id := range ids {
		in[i] = map[string]string{"id": id}
	}
	var p struct {
		Results []struct {
			From struct {
				ID string `json:"id"`
			} `json:"from"`
			To []struct {
				ID int64 `json:"toObjectId"`
			} `json:"to"`
		} `json:"results"`
	}
	if _, err := c.do(ctx, "associations", http.MethodPost, "/crm/v4/associations/"+from+"/"+to+"/batch/read", map[string]any{"inputs": in}, &p); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, r := range p.Results {
		for _, t := range r.To {
			out[r.From.ID] = append(out[r.From.ID], strconv.FormatInt(t.ID, 10))
		}
	}
	return out, nil
}

// MaxBatch is how many records one batch update may carry.
const MaxBatch = 100

// Update is one record's new property values.
type Update struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
}

// BatchUpdate updates up to MaxBatch records; it returns the error of each record that failed
// (by id). A batch HubSpot refuses whole (400: a property that does not exist) fails every record.
func (c *Client) BatchUpdate(ctx context.Context, object string, us []Update) (map[string]string, error) {
	if len(us) > MaxBatch {
		return nil, fmt.Errorf("hubspot batch update: %d records, at most %d a call", len(us), MaxBatch)
	}
	var p struct {
		Errors []struct {
			Category string `json:"category"`
			Message  string `json:"message"`
			Context  struct {
				IDs []string `json:"ids"`
			} `json:"context"`
		} `json:"errors"`
	}
	_, err := c.do(ctx, "batch/update", http.MethodPost, "/crm/v3/objects/"+object+"/batch/update", map[string]any{"inputs": us}, &p)
	failed := map[string]string{}
	if ae, ok := err.(*APIError); ok && ae.Status == http.StatusBadRequest {
		for _, u := range us {
			failed[u.ID] = ae.Category + ": " + ae.Message
		}
		return failed, nil
	}
	if err != nil {
		return nil, err
	}
	for _, e := range p.Errors {
		for _, id := range e.Context.IDs {
			failed[id] = e.Category + ": " + e.Message
		}
	}
	return failed, nil
}

// Properties returns the names of object's properties (GET /crm/v3/properties/{object}).
func (c *Client) Properties(ctx context.Context, object string) (map[string]string, error) {
	var p struct {
		Results []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"results"`
	}
	if _, err := c.do(ctx, "properties", http.MethodGet, "/crm/v3/properties/"+object, nil, &p); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, r := range p.Results {
		out[r.Name] = r.Type
	}
	return out, nil
}
