package sffake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// api answers every /services/data/vXX.X/ call: authentication, the daily allowance, queued
// faults, then the resource.
func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); !ok || !s.sessions[tok] {
		apiError(w, http.StatusUnauthorized, "INVALID_SESSION_ID", "Session expired or invalid")
		return
	}
	s.calls.Add(1)
	if s.used >= s.opt.DailyMax {
		w.Header().Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", s.used, s.opt.DailyMax))
		apiError(w, http.StatusForbidden, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
		return
	}
	s.used++
	w.Header().Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", s.used, s.opt.DailyMax))
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		if f.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter))
		}
		apiError(w, f.status, f.code, "injected fault")
		return
	}
	v := r.PathValue("version")
	if !strings.HasPrefix(v, "v") {
		apiError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
		return
	}
	rest := r.PathValue("rest")
	endpoint, _, _ := strings.Cut(rest, "/")
	if strings.HasPrefix(rest, "composite/") {
		endpoint = rest
	}
	s.byEndpoint[endpoint]++
	switch {
	case r.Method == http.MethodGet && (rest == "query" || rest == "queryAll"):
		s.query(w, r, rest == "queryAll", v)
	case r.Method == http.MethodGet && (strings.HasPrefix(rest, "query/") || strings.HasPrefix(rest, "queryAll/")):
		_, id, _ := strings.Cut(rest, "/")
		s.more(w, id, v)
	case r.Method == http.MethodPatch && rest == "composite/sobjects":
		s.update(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(rest, "sobjects/") && strings.HasSuffix(rest, "/describe"):
		s.describe(w, strings.TrimSuffix(strings.TrimPrefix(rest, "sobjects/"), "/describe"))
	case r.Method == http.MethodGet && rest == "limits":
		writeJSON(w, http.StatusOK, map[string]any{"DailyApiRequests": map[string]int{"Max": s.opt.DailyMax, "Remaining": s.opt.DailyMax - s.used}})
	default:
		apiError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
	}
}

func (s *Server) query(w http.ResponseWriter, r *http.Request, all bool, version string) {
	q, err := parseSOQL(r.URL.Query().Get("q"))
	if err != nil {
		apiError(w, http.StatusBadRequest, "MALFORMED_QUERY", err.Error())
		return
	}
	if _, ok := s.org.fields[q.object]; !ok {
		apiError(w, http.StatusBadRequest, "INVALID_TYPE", fmt.Sprintf("sObject type '%s' is not supported.", q.object))
		return
	}
	for _, f := range q.fields {
		name, _, rel := strings.Cut(f, ".")
		if rel {
			name += "Id"
		}
		if _, ok := s.org.hasField(q.object, name); !ok {
			apiError(w, http.StatusBadRequest, "INVALID_FIELD", fmt.Sprintf("No such column '%s' on entity '%s'.", f, q.object))
			return
		}
	}
	batch := 2000
	if opt := r.Header.Get("Sforce-Query-Options"); opt != "" {
		if n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(opt), "batchSize=")); err == nil && n >= 200 && n <= 2000 {
			batch = n
		}
	}
	var recs []Record
	for _, rec := range s.org.sorted(q.object) {
		if (!all && rec["IsDeleted"] == true) || !q.match(rec) {
			continue
		}
		recs = append(recs, s.project(q.object, rec, q.fields))
		if q.limit > 0 && len(recs) == q.limit {
			break
		}
	}
	s.seqLoc++
	id := fmt.Sprintf("01gFAKE%08d", s.seqLoc)
	s.locators[id] = &locator{records: recs, object: q.object, batch: batch, all: all}
	s.page(w, id, 0, version, len(recs))
}

// more answers a nextRecordsUrl.
func (s *Server) more(w http.ResponseWriter, id, version string) {
	base, off, ok := strings.Cut(id, "-")
	n, err := strconv.Atoi(off)
	l := s.locators[base]
	if !ok || err != nil || l == nil || n > len(l.records) {
		apiError(w, http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator")
		return
	}
	s.page(w, base, n, version, len(l.records))
}

func (s *Server) page(w http.ResponseWriter, id string, off int, version string, total int) {
	l := s.locators[id]
	end := min(off+l.batch, len(l.records))
	out := map[string]any{"totalSize": total, "done": end == len(l.records), "records": l.records[off:end]}
	if end < len(l.records) {
		kind := "query"
		if l.all {
			kind = "queryAll"
		}
		out["nextRecordsUrl"] = fmt.Sprintf("/services/data/%s/%s/%s-%d", version, kind, id, end)
	} else {
		delete(s.locators, id)
	}
	writeJSON(w, http.StatusOK, out)
}

// project returns the record's fields as the REST API does: attributes, then each field, with
// relationships (Owner.Email) as nested records.
func (s *Server) project(object string, rec Record, fields []string) Record {
	out := Record{"attributes": map[string]string{"type": object, "url": "/services/data/v67.0/sobjects/" + object + "/" + rec["Id"].(string)}}
	for _, f := range fields {
		rel, sub, ok := strings.Cut(f, ".")
		if !ok {
			out[f] = rec[f]
			continue
		}
		id, _ := rec[rel+"Id"].(string)
		target, found := s.org.objects["User"][id]
		if !found {
			out[rel] = nil
			continue
		}
		nested, _ := out[rel].(Record)
		if nested == nil {
			nested = Record{"attributes": map[string]string{"type": "User", "url": "/services/data/v67.0/sobjects/User/" + id}}
		}
		nested[sub] = target[sub]
		out[rel] = nested
	}
	return out
}

func (s *Server) describe(w http.ResponseWriter, object string) {
	fs, ok := s.org.fields[object]
	if !ok {
		apiError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
		return
	}
	var out []map[string]any
	for _, f := range fs {
		out = append(out, map[string]any{"name": f.Name, "type": f.Type, "length": f.Length, "updateable": f.Updateable})
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": object, "fields": out})
}

// update is PATCH composite/sobjects with allOrNone false: each record succeeds or fails alone.
func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	var body struct {
		AllOrNone bool             `json:"allOrNone"`
		Records   []map[string]any `json:"records"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		apiError(w, http.StatusBadRequest, "JSON_PARSER_ERROR", err.Error())
		return
	}
	if len(body.Records) > 200 {
		apiError(w, http.StatusBadRequest, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")
		return
	}
	s.updates += len(body.Records)
	s.lastUpdate = body.Records
	results := make([]map[string]any, len(body.Records))
	for i, rec := range body.Records {
		results[i] = s.updateOne(rec)
	}
	writeJSON(w, http.StatusOK, results)
}

func (s *Server) updateOne(rec map[string]any) map[string]any {
	id, _ := rec["id"].(string)
	fail := func(code, msg string, fields ...string) map[string]any {
		return map[string]any{"id": id, "success": false, "errors": []map[string]any{{"statusCode": code, "message": msg, "fields": fields}}}
	}
	attrs, _ := rec["attributes"].(map[string]any)
	object, _ := attrs["type"].(string)
	cur, ok := s.org.objects[object][id]
	switch {
	case !ok:
		return fail("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
	case cur["IsDeleted"] == true:
		return fail("ENTITY_IS_DELETED", "entity is deleted")
	case s.recFails[id] != "":
		code := s.recFails[id]
		delete(s.recFails, id)
		return fail(code, "injected record failure")
	}
	set := Record{"Id": id}
	for k, v := range rec {
		if k == "id" || k == "attributes" {
			continue
		}
		f, ok := s.org.hasField(object, k)
		switch {
		case !ok:
			return fail("INVALID_FIELD", fmt.Sprintf("No such column '%s' on sobject of type %s", k, object), k)
		case !f.Updateable:
			return fail("INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: "+k, k)
		}
		if str, isStr := v.(string); isStr && f.Length > 0 && len([]rune(str)) > f.Length {
			return fail("STRING_TOO_LONG", fmt.Sprintf("%s: data value too large (max length=%d)", k, f.Length), k)
		}
		set[f.Name] = v
	}
	s.org.put(object, set)
	return map[string]any{"id": id, "success": true, "errors": []any{}}
}

// Updated is how many records composite updates carried in all.
func (s *Server) Updated() int {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	return s.updates
}

// LastUpdate returns the records of the last composite update as sent (attributes, id, fields).
func (s *Server) LastUpdate() []map[string]any {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	return s.lastUpdate
}

// CallsTo is how many API calls reached endpoint: query, queryAll, composite/sobjects, sobjects,
// limits.
func (s *Server) CallsTo(endpoint string) int {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	return s.byEndpoint[endpoint]
}
