package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/leadbot/leadbot/crm"
)

// readItems reads the body as one JSON object or an array of them. A nil response means the
// items are there to decode.
func readItems(w http.ResponseWriter, r *http.Request) ([]json.RawMessage, *response) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		resp := fail(http.StatusUnsupportedMediaType, "the body must be JSON: send \"Content-Type: application/json\"")
		return nil, &resp
	}
	data, err := readBody(w, r)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			resp := fail(http.StatusRequestEntityTooLarge,
				fmt.Sprintf("the body is larger than %d MiB: split it into batches of at most %d items", MaxBodyBytes>>20, MaxItems))
			return nil, &resp
		}
		resp := fail(http.StatusBadRequest, "the body could not be read: "+err.Error())
		return nil, &resp
	}
	data = bytes.TrimSpace(data)
	var items []json.RawMessage
	switch {
	case len(data) == 0:
		err = errors.New("the body is empty")
	case data[0] == '[':
		err = json.Unmarshal(data, &items)
	case data[0] == '{':
		var one json.RawMessage
		if err = json.Unmarshal(data, &one); err == nil {
			items = []json.RawMessage{one}
		}
	default:
		err = errors.New("the body is neither an object nor an array")
	}
	if err != nil {
		msg := err.Error()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			msg = fmt.Sprintf("%s (at byte %d)", strings.TrimPrefix(msg, "json: "), se.Offset)
		}
		resp := fail(http.StatusBadRequest, "invalid JSON: "+msg+"; send one JSON object or an array of objects")
		return nil, &resp
	}
	if len(items) > MaxItems {
		resp := fail(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("%d items in one request: send at most %d per request", len(items), MaxItems))
		return nil, &resp
	}
	return items, nil
}

// readBody reads the body, at most MaxBodyBytes, into a buffer of the size it announces when it
// does: io.ReadAll's doublings would hold up to twice the body, and their garbage besides.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if n := r.ContentLength; n > 0 && n <= MaxBodyBytes { // the server reads no more than n
		buf := make([]byte, n)
		_, err := io.ReadFull(body, buf)
		return buf, err
	}
	return io.ReadAll(body)
}

// item is one object of a batch being decoded; problems are added to details, and decoding goes
// on so that one answer lists everything wrong with the batch.
type item struct {
	index   int
	fields  map[string]json.RawMessage
	details *[]Detail
	now     time.Time // when the request came: dates far past it are refused
}

// newItem checks that raw is an object with only the allowed fields.
func newItem(index int, raw json.RawMessage, allowed []string, details *[]Detail, now time.Time) (item, bool) {
	it := item{index: index, details: details, now: now}
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &it.fields) != nil {
		it.bad("", "must be a JSON object")
		return it, false
	}
	var unknown []string
	for k := range it.fields {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		it.bad(k, fmt.Sprintf("unknown field %q: the fields are %s", k, strings.Join(allowed, ", ")))
	}
	return it, len(unknown) == 0
}

func (it item) bad(field, msg string) {
	*it.details = append(*it.details, Detail{Index: it.index, Field: field, Message: msg})
}

// isNull reports whether v is JSON null.
func isNull(v json.RawMessage) bool { return string(v) == "null" }

// str returns a string field, trimmed: nil when absent, "" when null.
func (it item) str(field string) *string {
	v, ok := it.fields[field]
	if !ok {
		return nil
	}
	var s string
	if !isNull(v) && json.Unmarshal(v, &s) != nil {
		it.bad(field, "must be a string")
		return nil
	}
	s = strings.TrimSpace(s)
	if !it.fits(field, s) {
		return nil
	}
	return &s
}

// fits reports whether v can be stored as field, saying why not when it cannot.
func (it item) fits(field, v string) bool {
	if why := crm.CheckValue(v); why != "" {
		it.bad(field, why)
		return false
	}
	return true
}

// id returns a required identifier: a string, or a number as written (CRMs send both).
func (it item) id(field string) string {
	v, ok := it.fields[field]
	if !ok || isNull(v) {
		it.bad(field, "missing "+field)
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		var n json.Number
		if json.Unmarshal(v, &n) != nil {
			it.bad(field, "must be a string or a number")
			return ""
		}
		s = n.String()
	}
	s = strings.TrimSpace(s)
	if s == "" {
		it.bad(field, "missing "+field)
	} else if why := crm.CheckKey(s); why != "" {
		it.bad(field, why)
		return ""
	}
	return s
}

// key returns a string field that PostgreSQL indexes (an email, a company), bounded at
// crm.MaxKeyBytes; as str otherwise.
func (it item) key(field string) *string {
	s := it.str(field)
	if s != nil {
		if why := crm.CheckKey(*s); why != "" {
			it.bad(field, why)
			return nil
		}
	}
	return s
}

// date returns a date field (RFC 3339, or YYYY-MM-DD as midnight UTC): present is false when the
// field is absent, t is nil when it is null.
func (it item) date(field string) (t *time.Time, present bool) {
	v, ok := it.fields[field]
	if !ok {
		return nil, false
	}
	if isNull(v) {
		return nil, true
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		it.bad(field, "must be a string: RFC 3339 (2024-03-05T14:30:00Z) or YYYY-MM-DD")
		return nil, true
	}
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if d, err := time.Parse(layout, s); err == nil {
			if why := crm.CheckDate(d, it.now); why != "" {
				it.bad(field, why)
				return nil, true
			}
			return &d, true
		}
	}
	it.bad(field, fmt.Sprintf("cannot read date %s: use RFC 3339 (2024-03-05T14:30:00Z) or YYYY-MM-DD", crm.Quote(s)))
	return nil, true
}

// attributes returns the attributes object the way a CSV holds it (the scoring engine types
// columns itself over the whole data set): set is a JSON object of the values as strings
// (numbers as written, booleans as true/false), named every name the object has, null and ""
// included (missing: the stored attribute goes). Built as JSON at once rather than as a map,
// so a batch at the body's bound holds a few bytes an attribute, not a map entry.
func (it item) attributes(field string) (set []byte, named []string) {
	v, ok := it.fields[field]
	if !ok || isNull(v) {
		return nil, nil
	}
	var raw map[string]json.RawMessage
	if v[0] != '{' || json.Unmarshal(v, &raw) != nil {
		it.bad(field, "must be an object of strings, numbers or booleans")
		return nil, nil
	}
	if len(raw) > crm.MaxAttributes {
		it.bad(field, fmt.Sprintf("%d attributes; a lead may have at most %d: send only the fields leadbot should score on",
			len(raw), crm.MaxAttributes))
		return nil, nil
	}
	values := map[string]string{}                     // by trimmed name: the last of " a" and "a" wins
	for _, k := range slices.Sorted(maps.Keys(raw)) { // sorted: the same batch, the same answer
		v := raw[k]
		name := strings.TrimSpace(k)
		if name == "" {
			it.bad(field, "an attribute has an empty name")
			continue
		}
		if why := crm.CheckName(name); why != "" {
			it.bad(field, "the name of attribute "+crm.Quote(name)+" "+why)
			continue
		}
		var s string
		switch {
		case isNull(v):
		case v[0] == '"':
			json.Unmarshal(v, &s)
			s = strings.TrimSpace(s)
		case v[0] == 't' || v[0] == 'f' || v[0] == '-' || (v[0] >= '0' && v[0] <= '9'):
			s = string(v)
		default:
			it.bad(field+"."+name, "must be a string, number, boolean or null")
			continue
		}
		if s != "" && !it.fits(field+"."+name, s) {
			continue
		}
		values[name] = s
	}
	named = slices.Sorted(maps.Keys(values))
	set = append(make([]byte, 0, len(v)), '{')
	for _, name := range named {
		if values[name] == "" {
			continue
		}
		if len(set) > 1 {
			set = append(set, ',')
		}
		set = append(crm.AppendJSONString(set, name), ':')
		set = crm.AppendJSONString(set, values[name])
	}
	return append(set, '}'), named
}

// amount returns an amount: a number, or a string as CRMs format it ("$1,234.50"); present is
// false when absent, a is nil when null.
func (it item) amount(field string) (a *string, present bool) {
	v, ok := it.fields[field]
	if !ok {
		return nil, false
	}
	if isNull(v) {
		return nil, true
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		var n json.Number
		if json.Unmarshal(v, &n) != nil {
			it.bad(field, "must be a number or a string")
			return nil, true
		}
		s = n.String()
	}
	if strings.TrimSpace(s) == "" {
		return nil, true
	}
	n, err := crm.ParseNumber(s)
	if err != nil {
		it.bad(field, err.Error())
		return nil, true
	}
	return &n, true
}

// duplicates reports the items whose key repeats an earlier one: a batch says one thing per
// lead, or a replay would not be a no-op.
func duplicates(keys []string, field string, details *[]Detail) {
	first := map[string]int{}
	for i, k := range keys {
		if k == "" {
			continue
		}
		if j, dup := first[k]; dup {
			*details = append(*details, Detail{Index: i, Field: field, Message: fmt.Sprintf("duplicate %s %q (first at index %d)", field, k, j)})
			continue
		}
		first[k] = i
	}
}

// invalid is the answer to a batch with bad items: nothing is written.
func invalid(details []Detail) response {
	slices.SortStableFunc(details, func(a, b Detail) int { return a.Index - b.Index })
	return fail(http.StatusBadRequest, "invalid items: nothing was written; fix them and send the batch again", details...)
}
