package sffake

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
)

// LeadsPage is the org's Lead list view, for a person watching a demo: every lead, the newest
// change first, with its owner, status and custom fields (leadbot's write-back among them). It
// reloads itself every few seconds. The API's authentication does not apply: mount it only on a
// loopback server.
func (s *Server) LeadsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := leadsPage.Execute(w, s.leadsView()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
}

type leadsView struct {
	Columns []string
	Rows    [][]string
}

// Leadbot reports whether column i is one of leadbot's write-back fields.
func (v leadsView) Leadbot(i int) bool { return strings.HasPrefix(v.Columns[i], "Leadbot_") }

// leadsView lists the Leads, newest change first, with the standard columns and every custom one.
func (s *Server) leadsView() leadsView {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	// leadbot's write-back first after the lead's name and status: it is what a demo watches.
	cols := []string{"Name", "Company", "Owner", "Status"}
	var custom []string
	for _, f := range s.org.fields["Lead"] {
		switch {
		case strings.HasPrefix(f.Name, "Leadbot_"):
			cols = append(cols, f.Name)
		case strings.HasSuffix(f.Name, "__c"):
			custom = append(custom, f.Name)
		}
	}
	cols = append(append(append(cols, "LeadSource", "Industry", "Title"), custom...), "SystemModstamp")
	recs := s.org.sorted("Lead")
	slices.Reverse(recs)
	v := leadsView{Columns: cols}
	for _, r := range recs {
		if r["IsDeleted"] == true {
			continue
		}
		row := make([]string, len(cols))
		for i, c := range cols {
			switch c {
			case "Name":
				row[i] = strings.TrimSpace(str(r["FirstName"]) + " " + str(r["LastName"]))
			case "Owner":
				if u, ok := s.org.objects["User"][str(r["OwnerId"])]; ok {
					row[i] = cmp.Or(str(u["Name"]), str(u["Email"]))
				}
			default:
				row[i] = str(r[c])
			}
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return fmt.Sprintf("%g", x)
	}
	return fmt.Sprint(v)
}

var leadsPage = template.Must(template.New("leads").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Leads · fake Salesforce</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#181818;background:#f3f3f3}
h1{font-size:20px;margin:0 0 4px} p{margin:0 0 16px;color:#444}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0002}
th,td{padding:6px 10px;border-bottom:1px solid #e5e5e5;text-align:left;white-space:nowrap;max-width:420px;overflow:hidden;text-overflow:ellipsis}
th{background:#fafaf9;font-weight:600;font-size:12px;color:#444}
.lb{background:#eef6ff} th.lb{background:#dbeafe;color:#1e3a8a}
td.lb{max-width:260px}
</style></head><body>
<h1>Leads</h1>
<p>A local fake of a Salesforce org (leadbot's test double of the REST API). leadbot syncs from it and writes its scores back into the Leadbot_… fields. This page reloads every 5 seconds.</p>
{{if .Rows}}<table><tr>{{range $i, $c := .Columns}}<th{{if $.Leadbot $i}} class="lb"{{end}}>{{$c}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range $i, $v := .}}<td{{if $.Leadbot $i}} class="lb"{{end}} title="{{$v}}">{{$v}}</td>{{end}}</tr>
{{end}}</table>{{else}}<p><b>No leads yet.</b> Add one with the sandbox page's “Add a lead in the CRM”.</p>{{end}}
</body></html>
`))
