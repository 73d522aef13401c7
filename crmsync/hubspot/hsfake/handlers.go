package hsfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	object := r.PathValue("object")
	var body struct {
		FilterGroups []struct {
			Filters []struct {
				PropertyName, Operator, Value string
			} `json:"filters"`
		} `json:"filterGroups"`
		Properties []string `json:"properties"`
		Limit      int      `json:"limit"`
		After      string   `json:"after"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		hsError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON")
		return
	}
	if body.Limit > 200 {
		hsError(w, http.StatusBadRequest, "VALIDATION_ERROR", "limit must be at most 200")
		return
	}
	if body.Limit == 0 {
		body.Limit = 10
	}
	off := 0
	if body.After != "" {
		n, err := strconv.Atoi(body.After)
		if err != nil {
			hsError(w, http.StatusBadRequest, "VALIDATION_ERROR", "invalid after")
			return
		}
		off = n
	}
	if off >= 10000 {
		hsError(w, http.StatusBadRequest, "VALIDATION_ERROR", "There was a problem with the request: the search endpoints are limited to 10,000 total results for any given query")
		return
	}
	var match []*record
	for _, rec := range s.sorted(object) {
		if rec.archived || !s.filter(object, rec, body.FilterGroups) {
			continue
		}
		match = append(match, rec)
	}
	end := min(off+body.Limit, len(match))
	results := []map[string]any{}
	for _, rec := range match[min(off, len(match)):end] {
		results = append(results, s.view(object, rec, body.Properties))
	}
	out := map[string]any{"total": len(match), "results": results}
	if end < len(match) {
		out["paging"] = map[string]any{"next": map[string]string{"after": strconv.Itoa(end)}}
	}
	writeJSON(w, http.StatusOK, out)
}

// filter applies the (AND) filters of the first group on the modification date.
func (s *Server) filter(object string, rec *record, groups []struct {
	Filters []struct{ PropertyName, Operator, Value string } `json:"filters"`
}) bool {
	if len(groups) == 0 {
		return true
	}
	for _, f := range groups[0].Filters {
		if f.PropertyName != modProp[object] {
			continue
		}
		ms, err := strconv.ParseInt(f.Value, 10, 64)
		if err != nil {
			return false
		}
		t := time.UnixMilli(ms)
		switch f.Operator {
		case "GTE":
			if rec.updated.Before(t) {
				return false
			}
		case "GT":
			if !rec.updated.After(t) {
				return false
			}
		case "LT":
			if !rec.updated.Before(t) {
				return false
			}
		case "LTE":
			if rec.updated.After(t) {
				return false
			}
		}
	}
	return true
}

// list is GET /crm/v3/objects/{object}?archived=true: archived records, by id, 100 a page.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	object := r.PathValue("object")
	q := r.URL.Query()
	archived := q.Get("archived") == "true"
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	off, _ := strconv.Atoi(q.Get("after"))
	var rs []*record
	for _, rec := range s.sorted(object) {
		if rec.archived == archived {
			rs = append(rs, rec)
		}
	}
	end := min(off+limit, len(rs))
	results := []map[string]any{}
	for _, rec := range rs[min(off, len(rs)):end] {
		results = append(results, s.view(object, rec, nil))
	}
	out := map[string]any{"results": results}
	if end < len(rs) {
		out["paging"] = map[string]any{"next": map[string]string{"after": strconv.Itoa(end)}}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) ownersList(w http.ResponseWriter, r *http.Request) {
	off, _ := strconv.Atoi(r.URL.Query().Get("after"))
	end := min(off+100, len(s.owners))
	out := map[string]any{"results": s.owners[min(off, len(s.owners)):end]}
	if end < len(s.owners) {
		out["paging"] = map[string]any{"next": map[string]string{"after": strconv.Itoa(end)}}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) associations(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Inputs []struct {
			ID string `json:"id"`
		} `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.Inputs) > 1000 {
		hsError(w, http.StatusBadRequest, "VALIDATION_ERROR", "inputs: at most 1000 ids")
		return
	}
	m := s.assoc[r.PathValue("from")+"/"+r.PathValue("to")]
	results := []map[string]any{}
	for _, in := range body.Inputs {
		var to []map[string]any
		for _, id := range m[in.ID] {
			n, _ := strconv.ParseInt(id, 10, 64)
			to = append(to, map[string]any{"toObjectId": n, "associationTypes": []map[string]any{{"category": "HUBSPOT_DEFINED", "typeId": 4}}})
		}
		if len(to) > 0 {
			results = append(results, map[string]any{"from": map[string]string{"id": in.ID}, "to": to})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "COMPLETE", "results": results})
}

func (s *Server) batchUpdate(w http.ResponseWriter, r *http.Request) {
	object := r.PathValue("object")
	var body struct {
		Inputs []struct {
			ID         string            `json:"id"`
			Properties map[string]string `json:"properties"`
		} `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.Inputs) > 100 {
		hsError(w, http.StatusBadRequest, "VALIDATION_ERROR", "inputs: at most 100 records")
		return
	}
	for _, in := range body.Inputs {
		for k := range in.Properties {
			if !s.defined[object][k] {
				hsError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Property values were not valid: Property \""+k+"\" does not exist")
				return
			}
		}
	}
	var missing []string
	var results []map[string]any
	for _, in := range body.Inputs {
		rec := s.objects[object][in.ID]
		if rec == nil || rec.archived {
			missing = append(missing, in.ID)
			continue
		}
		s.put(object, in.ID, in.Properties)
		s.updates++
		results = append(results, s.view(object, rec, nil))
	}
	if len(missing) > 0 {
		writeJSON(w, http.StatusMultiStatus, map[string]any{"status": "COMPLETE", "results": results, "numErrors": 1,
			"errors": []map[string]any{{"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Could not get some " + object + " objects",
				"context": map[string][]string{"ids": missing}}}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "COMPLETE", "results": results})
}

// Updated is how many records batch updates changed in all.
func (s *Server) Updated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updates
}

func (s *Server) properties(w http.ResponseWriter, r *http.Request) {
	var out []map[string]string
	for name := range s.defined[r.PathValue("object")] {
		out = append(out, map[string]string{"name": name, "type": "string"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
}
