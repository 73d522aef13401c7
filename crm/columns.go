package crm

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is what a file holds: leads, outcomes or reps.
type Kind string

// The kinds of file leadbot imports.
const (
	Leads    Kind = "leads"
	Outcomes Kind = "outcomes"
	Reps     Kind = "reps"
)

// ParseKind accepts "leads", "outcomes" or "reps" (and the singular).
func ParseKind(s string) (Kind, error) {
	switch strings.TrimSuffix(strings.ToLower(s), "s") {
	case "lead":
		return Leads, nil
	case "outcome":
		return Outcomes, nil
	case "rep":
		return Reps, nil
	}
	return "", fmt.Errorf("unknown kind %q: use leads, outcomes or reps", s)
}

// field is one of leadbot's columns for a kind, with the header names it is found under by default.
type field struct {
	name     string
	aliases  []string
	required bool
}

var fields = map[Kind][]field{
	Leads: {
		{name: "id", aliases: []string{"external_id"}, required: true},
		{name: "name"}, {name: "company"}, {name: "email"}, {name: "owner_email"},
		{name: "created_at"}, {name: "source"}, {name: "status"},
	},
	Outcomes: {
		{name: "lead_id", required: true}, {name: "outcome", required: true},
		{name: "occurred_at", required: true}, {name: "amount"},
	},
	Reps: {
		{name: "email", required: true}, {name: "name"}, {name: "manager_email"},
		{name: "slack_user_id"}, {name: "timezone"}, {name: "delivery_hour"}, {name: "leads_per_day"},
	},
}

// Fields lists leadbot's field names for kind, in a stable order (for help texts).
func Fields(kind Kind) []string {
	var names []string
	for _, f := range fields[kind] {
		names = append(names, f.name)
	}
	return names
}

// Mapping renames columns: leadbot's field name → the file's header, compared case-insensitively.
// A header of the form "First Name + Last Name" joins several columns with a space.
type Mapping map[string]string

// ParseMapping reads the --map flag: "name=Full Name,email=Email Address".
func ParseMapping(s string) (Mapping, error) {
	m := Mapping{}
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("mapping %q: write field=Column Header, e.g. name=Full Name", part)
		}
		m[strings.ToLower(k)] = v
	}
	return m, nil
}

// Attr is a column that is not one of leadbot's fields: it becomes a lead attribute.
type Attr struct {
	Name  string // the header, trimmed
	Index int
}

// Columns says where each field is in the file's records.
type Columns struct {
	Kind       Kind
	Header     []string         // the header as read, trimmed
	index      map[string][]int // field → column(s); several when a mapping joins columns
	Attributes []Attr           // leads only: every other column
	Ignored    []string         // outcomes and reps: columns that are not fields
}

// Has reports whether the file has a column for field.
func (c *Columns) Has(field string) bool { _, ok := c.index[field]; return ok }

// Present lists the fields the file has, in the kind's order.
func (c *Columns) Present() []string {
	var out []string
	for _, f := range fields[c.Kind] {
		if c.Has(f.name) {
			out = append(out, f.name)
		}
	}
	return out
}

// AttributeNames lists the attribute columns' names.
func (c *Columns) AttributeNames() []string {
	out := make([]string, len(c.Attributes))
	for i, a := range c.Attributes {
		out[i] = a.Name
	}
	return out
}

// Resolve finds kind's fields in header, renamed by m, and returns where they are. It fails
// when a required field has no column, when the mapping names a column the file does not
// have or a field kind does not know, and when a header appears twice.
func Resolve(kind Kind, header []string, m Mapping) (*Columns, error) {
	fs, ok := fields[kind]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	c := &Columns{Kind: kind, index: map[string][]int{}}
	pos := map[string]int{} // lower-cased header → index
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		if h == "" {
			h = fmt.Sprintf("column_%d", i+1)
		}
		c.Header = append(c.Header, h)
		key := strings.ToLower(h)
		if j, dup := pos[key]; dup {
			return nil, fmt.Errorf("the header has %q twice (columns %d and %d); rename one", h, j+1, i+1)
		}
		pos[key] = i
	}
	known := map[string]bool{}
	for _, f := range fs {
		known[f.name] = true
	}
	for k := range m {
		if !known[strings.ToLower(k)] {
			return nil, fmt.Errorf("mapping %s=%q: %s has no field %q (fields: %s)", k, m[k], kind, k, strings.Join(Fields(kind), ", "))
		}
	}
	used := map[int]bool{}
	for _, f := range fs {
		if h, ok := m[f.name]; ok {
			idx, err := lookup(pos, h)
			if err != nil {
				return nil, fmt.Errorf("mapping %s=%q: %v (the file has: %s)", f.name, h, err, strings.Join(c.Header, ", "))
			}
			c.index[f.name] = idx
		} else {
			for _, name := range append([]string{f.name}, f.aliases...) {
				if i, ok := pos[name]; ok && !used[i] {
					c.index[f.name] = []int{i}
					break
				}
			}
		}
		for _, i := range c.index[f.name] {
			used[i] = true
		}
		if f.required && !c.Has(f.name) {
			names := append([]string{f.name}, f.aliases...)
			return nil, fmt.Errorf("the file has no %s column (looked for %s; it has: %s); map one with --map %s=\"Your Column\"",
				f.name, strings.Join(names, ", "), strings.Join(c.Header, ", "), f.name)
		}
	}
	for i, h := range c.Header {
		if used[i] {
			continue
		}
		if kind == Leads {
			c.Attributes = append(c.Attributes, Attr{Name: h, Index: i})
		} else {
			c.Ignored = append(c.Ignored, h)
		}
	}
	return c, nil
}

// lookup finds a header, or each part of "A + B".
func lookup(pos map[string]int, h string) ([]int, error) {
	if i, ok := pos[strings.ToLower(strings.TrimSpace(h))]; ok {
		return []int{i}, nil
	}
	if !strings.Contains(h, "+") {
		return nil, fmt.Errorf("the file has no column %q", h)
	}
	var idx []int
	for _, part := range strings.Split(h, "+") {
		i, ok := pos[strings.ToLower(strings.TrimSpace(part))]
		if !ok {
			return nil, fmt.Errorf("the file has no column %q", strings.TrimSpace(part))
		}
		idx = append(idx, i)
	}
	return idx, nil
}

// MergeMappings returns the union of ms; later ones win, field names are lower-cased.
func MergeMappings(ms ...Mapping) Mapping {
	out := Mapping{}
	for _, m := range ms {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out[strings.ToLower(strings.TrimSpace(k))] = m[k]
		}
	}
	return out
}
