// Package sffake is a local Salesforce for tests and benchmarks: a real HTTP server with the OAuth
// token endpoint (JWT bearer, verified against the connected app's public key, and client
// credentials), SOQL query and queryAll with nextRecordsUrl paging and Sforce-Query-Options
// batchSize, composite sObject collections with per-record failures, describe, limits, the
// Sforce-Limit-Info header on every answer, the daily allowance (REQUEST_LIMIT_EXCEEDED), 429 and
// 503 with Retry-After, and expired sessions (INVALID_SESSION_ID). It follows the REST API
// Developer Guide's shapes; its SOQL is the subset leadbot sends.
package sffake

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Record is one stored sObject: field name → value (string, float64, bool or nil).
type Record map[string]any

// org is the fake's data.
type org struct {
	mu      sync.Mutex
	objects map[string]map[string]Record // object → Id → record
	fields  map[string][]FieldDef        // object → describe
	seq     int
	clock   time.Time
	now     func() time.Time // the wall clock the org follows (nil: clock moves only with writes)
}

// FieldDef is one field in an object's describe.
type FieldDef struct {
	Name       string
	Type       string // id, string, boolean, double, currency, date, datetime, reference, picklist, email
	Length     int
	Updateable bool
}

var stdFields = map[string][]FieldDef{
	"Lead": {
		{"Id", "id", 18, false}, {"FirstName", "string", 40, true}, {"LastName", "string", 80, true},
		{"Company", "string", 255, true}, {"Email", "email", 80, true}, {"Status", "picklist", 255, true},
		{"LeadSource", "picklist", 255, true}, {"Industry", "picklist", 255, true},
		{"Title", "string", 128, true}, {"Country", "string", 80, true},
		{"NumberOfEmployees", "int", 0, true}, {"AnnualRevenue", "currency", 0, true},
		{"OwnerId", "reference", 18, true}, {"IsConverted", "boolean", 0, false}, {"ConvertedDate", "date", 0, false},
		{"ConvertedOpportunityId", "reference", 18, false}, {"IsDeleted", "boolean", 0, false},
		{"MasterRecordId", "reference", 18, false}, {"CreatedDate", "datetime", 0, false},
		{"LastModifiedDate", "datetime", 0, false}, {"SystemModstamp", "datetime", 0, false},
	},
	"Opportunity": {
		{"Id", "id", 18, false}, {"Name", "string", 120, true}, {"StageName", "picklist", 255, true},
		{"IsClosed", "boolean", 0, false}, {"IsWon", "boolean", 0, false}, {"Amount", "currency", 0, true},
		{"CloseDate", "date", 0, true}, {"OwnerId", "reference", 18, true}, {"IsDeleted", "boolean", 0, false},
		{"CreatedDate", "datetime", 0, false}, {"LastModifiedDate", "datetime", 0, false}, {"SystemModstamp", "datetime", 0, false},
	},
	"User": {{"Id", "id", 18, false}, {"Email", "email", 128, true}, {"Name", "string", 121, false}, {"IsActive", "boolean", 0, true}},
}

// prefixes are the key prefixes of the objects' ids, as Salesforce's.
var prefixes = map[string]string{"Lead": "00Q", "Opportunity": "006", "User": "005"}

func newOrg(start time.Time, now func() time.Time) *org {
	o := &org{objects: map[string]map[string]Record{}, fields: map[string][]FieldDef{}, clock: start, now: now}
	for name, fs := range stdFields {
		o.objects[name] = map[string]Record{}
		o.fields[name] = append([]FieldDef(nil), fs...)
	}
	return o
}

// tick advances the org's clock by a second (Salesforce's timestamps have whole seconds), so
// that a window's boundaries fall between records as they would in an org; an org that follows
// a wall clock jumps to it when it is later.
func (o *org) tick() time.Time {
	o.clock = o.clock.Add(time.Second)
	if o.now != nil {
		if t := o.now().UTC().Truncate(time.Second); t.After(o.clock) {
			o.clock = t
		}
	}
	return o.clock
}

func (o *org) newID(object string) string {
	o.seq++
	p := prefixes[object]
	if p == "" {
		p = "a00"
	}
	return fmt.Sprintf("%s%012dAAA", p, o.seq) // 18 characters, like a case-safe id
}

// put creates or updates a record: fields set are merged, SystemModstamp and LastModifiedDate
// move on, and Opportunity's IsClosed / IsWon follow its StageName.
func (o *org) put(object string, r Record) string {
	recs := o.objects[object]
	if recs == nil {
		recs = map[string]Record{}
		o.objects[object] = recs
	}
	ts := o.tick().Format(sfTime)
	id, _ := r["Id"].(string)
	cur, ok := recs[id]
	if !ok {
		if id == "" {
			id = o.newID(object)
		}
		cur = Record{"Id": id, "IsDeleted": false, "CreatedDate": ts}
		recs[id] = cur
	}
	for k, v := range r {
		cur[k] = v
	}
	if object == "Opportunity" {
		stage, _ := cur["StageName"].(string)
		cur["IsClosed"] = strings.HasPrefix(stage, "Closed")
		cur["IsWon"] = stage == "Closed Won"
	}
	if object == "Lead" {
		if _, ok := cur["IsConverted"]; !ok {
			cur["IsConverted"] = false
		}
	}
	cur["SystemModstamp"], cur["LastModifiedDate"] = ts, ts
	return id
}

// sfTime is how Salesforce writes a datetime in JSON.
const sfTime = "2006-01-02T15:04:05.000+0000"

// sorted returns object's records ordered by SystemModstamp, then Id.
func (o *org) sorted(object string) []Record {
	var out []Record
	for _, r := range o.objects[object] {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i]["SystemModstamp"].(string), out[j]["SystemModstamp"].(string)
		if a != b {
			return a < b
		}
		return out[i]["Id"].(string) < out[j]["Id"].(string)
	})
	return out
}

func (o *org) hasField(object, name string) (FieldDef, bool) {
	for _, f := range o.fields[object] {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return FieldDef{}, false
}
