// Package hsfake is a local HubSpot for tests and benchmarks: a real HTTP server with the CRM v3
// search (filters on the modification date, ascending sort, `after` paging, 200 a page, and the
// 10,000-result cap answered 400), the archived-records list, owners, v4 association batch reads
// (1,000 ids), batch update (100 records; 400 for an unknown property, 207 for unknown records),
// X-HubSpot-RateLimit-Daily / -Daily-Remaining on every answer but search's (as HubSpot), the
// daily limit and per-second 429s, and a private app token. It follows HubSpot's API reference.
package hsfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a fake account.
type Options struct {
	Token    string // the private app's token
	DailyMax int    // 0: 250,000
}

type record struct {
	id         string
	props      map[string]string
	archived   bool
	archivedAt time.Time
	updated    time.Time
}

// Server is a running fake account.
type Server struct {
	*httptest.Server
	opt Options

	mu      sync.Mutex
	objects map[string]map[string]*record // contacts, deals
	defined map[string]map[string]bool    // object → property names
	owners  []map[string]string
	assoc   map[string]map[string][]string // "contacts/deals" → from id → to ids
	seq     int
	clock   time.Time
	used    int
	calls   map[string]int
	faults  []int // 429s to answer next (SECONDLY)
	updates int
	order   map[string][]*record // sorted records, until the next write
}

var modProp = map[string]string{"contacts": "lastmodifieddate", "deals": "hs_lastmodifieddate"}

// Start starts a fake account on loopback.
func Start(opt Options) *Server {
	if opt.DailyMax == 0 {
		opt.DailyMax = 250_000
	}
	s := &Server{opt: opt, objects: map[string]map[string]*record{"contacts": {}, "deals": {}}, assoc: map[string]map[string][]string{},
		clock: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), calls: map[string]int{}, order: map[string][]*record{},
		defined: map[string]map[string]bool{
			"contacts": set("firstname", "lastname", "email", "company", "hubspot_owner_id", "lifecyclestage", "hs_lead_status", "createdate", "lastmodifieddate", "industry", "hs_analytics_source", "hs_merged_object_ids"),
			"deals":    set("dealname", "dealstage", "amount", "closedate", "pipeline", "hs_lastmodifieddate"),
		}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /crm/v3/objects/{object}/search", s.guard("search", s.search))
	mux.HandleFunc("GET /crm/v3/objects/{object}", s.guard("list", s.list))
	mux.HandleFunc("GET /crm/v3/properties/{object}", s.guard("properties", s.properties))
	mux.HandleFunc("GET /crm/v3/owners", s.guard("owners", s.ownersList))
	mux.HandleFunc("POST /crm/v4/associations/{from}/{to}/batch/read", s.guard("associations", s.associations))
	mux.HandleFunc("POST /crm/v3/objects/{object}/batch/update", s.guard("batch/update", s.batchUpdate))
	s.Server = httptest.NewServer(mux)
	return s
}

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Put creates (id "") or updates a record's properties; its modification date moves on a second.
func (s *Server) Put(object, id string, props map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.put(object, id, props)
}

func (s *Server) put(object, id string, props map[string]string) string {
	r := s.objects[object][id]
	s.clock = s.clock.Add(time.Second)
	delete(s.order, object)
	if r == nil {
		s.seq++
		id = strconv.Itoa(1000 + s.seq)
		r = &record{id: id, props: map[string]string{"createdate": s.clock.Format(time.RFC3339Nano)}}
		s.objects[object][id] = r
	}
	for k, v := range props {
		r.props[k] = v
	}
	r.updated = s.clock
	r.props[modProp[object]] = s.clock.Format("2006-01-02T15:04:05.000Z")
	return id
}

// Archive archives a record (a deletion in HubSpot's UI).
func (s *Server) Archive(object, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = s.clock.Add(time.Second)
	r := s.objects[object][id]
	r.archived, r.archivedAt = true, s.clock
	delete(s.order, object)
}

// Merge merges secondary into primary, as POST /crm/v3/objects/{object}/merge does: primary
// keeps its values and takes secondary's where it has none, lists secondary (and what secondary
// had absorbed) in hs_merged_object_ids, and changes; secondary is gone (neither listed nor
// archived).
func (s *Server) Merge(object, primary, secondary string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, sec := s.objects[object][primary], s.objects[object][secondary]
	merged := strings.FieldsFunc(p.props["hs_merged_object_ids"]+";"+sec.props["hs_merged_object_ids"]+";"+secondary,
		func(r rune) bool { return r == ';' })
	props := map[string]string{"hs_merged_object_ids": strings.Join(merged, ";")}
	for k, v := range sec.props {
		if p.props[k] == "" {
			props[k] = v
		}
	}
	delete(s.objects[object], secondary)
	s.put(object, primary, props)
}

// Get returns a copy of a record's properties.
func (s *Server) Get(object, id string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.objects[object][id].props {
		out[k] = v
	}
	return out
}

// AddOwner adds an owner (a HubSpot user who can own records) and returns its id.
func (s *Server) AddOwner(email string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strconv.Itoa(500 + len(s.owners))
	s.owners = append(s.owners, map[string]string{"id": id, "email": email})
	return id
}

// Associate associates a contact with a deal (both directions, as HubSpot's associations are).
func (s *Server) Associate(contact, deal string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range [][3]string{{"contacts/deals", contact, deal}, {"deals/contacts", deal, contact}} {
		if s.assoc[p[0]] == nil {
			s.assoc[p[0]] = map[string][]string{}
		}
		s.assoc[p[0]][p[1]] = append(s.assoc[p[0]][p[1]], p[2])
	}
}

// DefineProperty creates a custom property (an admin doing so in Settings → Properties).
func (s *Server) DefineProperty(object, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.defined[object][name] = true
}

// Fail429 makes the next n calls answer 429 for the per-second policy.
func (s *Server) Fail429(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, 429)
	}
}

// CallsTo is how many calls reached endpoint (search, list, owners, associations, batch/update).
func (s *Server) CallsTo(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[endpoint]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func hsError(w http.ResponseWriter, status int, category, msg string) {
	writeJSON(w, status, map[string]any{"status": "error", "message": msg, "category": category, "correlationId": "fake"})
}

// guard checks the token, counts the call against the daily limit, answers injected 429s, and
// sets the rate-limit headers (search answers carry none, as HubSpot's do not).
func (s *Server) guard(endpoint string, h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+s.opt.Token {
			hsError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
			return
		}
		s.calls[endpoint]++
		if s.used >= s.opt.DailyMax {
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"status": "error", "message": "You have reached your daily limit.",
				"errorType": "RATE_LIMIT", "policyName": "DAILY"})
			return
		}
		s.used++
		if endpoint != "search" {
			w.Header().Set("X-HubSpot-RateLimit-Daily", strconv.Itoa(s.opt.DailyMax))
			w.Header().Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(s.opt.DailyMax-s.used))
		}
		if len(s.faults) > 0 {
			s.faults = s.faults[1:]
			w.Header().Set("X-HubSpot-RateLimit-Interval-Milliseconds", "1000")
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"status": "error", "message": "You have reached your secondly limit.",
				"errorType": "RATE_LIMIT", "policyName": "SECONDLY"})
			return
		}
		h(w, r)
	}
}

func (s *Server) view(object string, r *record, props []string) map[string]any {
	p := map[string]any{"hs_object_id": r.id}
	for _, name := range props {
		if v, ok := r.props[name]; ok {
			p[name] = v
		} else if s.defined[object][name] {
			p[name] = nil
		}
	}
	out := map[string]any{"id": r.id, "properties": p, "archived": r.archived, "updatedAt": r.updated.Format(time.RFC3339Nano)}
	if r.archived {
		out["archivedAt"] = r.archivedAt.Format(time.RFC3339Nano)
	}
	return out
}

// sorted returns object's records by modification date, then id; the order is kept until the
// next write, so that paging a large search does not sort the whole account on every call.
func (s *Server) sorted(object string) []*record {
	if rs, ok := s.order[object]; ok {
		return rs
	}
	var rs []*record
	for _, r := range s.objects[object] {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool {
		if !rs[i].updated.Equal(rs[j].updated) {
			return rs[i].updated.Before(rs[j].updated)
		}
		return rs[i].id < rs[j].id
	})
	s.order[object] = rs
	return rs
}
