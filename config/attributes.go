package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Attributes are the CRM fields a sync keeps as a lead's attributes (its features for scoring),
// each under a name. Written as a list, each keeps its field's API name:
//
//	attributes: [Industry, NumberOfEmployees]
//
// Written as a mapping, name: field, each takes the name the model and the CSV imports know it
// by, so that switching from CSV exports to the sync keeps the model's features:
//
//	attributes: {Website visits: Website_Visits__c, Industry: Industry}
type Attributes []Attribute

// Attribute is one CRM field kept under Name.
type Attribute struct{ Name, Field string }

// UnmarshalYAML reads a list of fields or a mapping of names to fields, in the file's order.
func (a *Attributes) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.SequenceNode:
		var fs []string
		if err := n.Decode(&fs); err != nil {
			return fmt.Errorf("line %d: attributes: list CRM fields, e.g. [Industry, NumberOfEmployees]", n.Line)
		}
		*a = (*a)[:0]
		for _, f := range fs {
			*a = append(*a, Attribute{Name: f, Field: f})
		}
		return nil
	case yaml.MappingNode:
		*a = (*a)[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: attributes: map each name to one CRM field, e.g. {Website visits: Website_Visits__c}", k.Line)
			}
			*a = append(*a, Attribute{Name: k.Value, Field: v.Value})
		}
		return nil
	}
	return fmt.Errorf("line %d: attributes: list CRM fields ([Industry]) or map names to fields ({Website visits: Website_Visits__c})", n.Line)
}

// Fields lists the CRM fields, in order.
func (a Attributes) Fields() []string {
	out := make([]string, len(a))
	for i, x := range a {
		out[i] = strings.TrimSpace(x.Field)
	}
	return out
}

// Names maps each renamed field to its attribute's name (a field kept under its own name is not
// in it).
func (a Attributes) Names() map[string]string {
	out := map[string]string{}
	for _, x := range a {
		if n, f := strings.TrimSpace(x.Name), strings.TrimSpace(x.Field); n != f {
			out[f] = n
		}
	}
	return out
}

// validate reports empty, repeated and clashing entries: two attributes under one name, one
// field kept twice, or a name that is a column the section's mapping already reads.
func (a Attributes) validate(section string, columns map[string]string) []error {
	var errs []error
	names, fields := map[string]bool{}, map[string]bool{}
	mapped := map[string]bool{}
	for _, v := range columns {
		for _, part := range strings.Split(v, "+") {
			mapped[strings.ToLower(strings.TrimSpace(part))] = true
		}
	}
	for _, x := range a {
		n, f := strings.TrimSpace(x.Name), strings.TrimSpace(x.Field)
		ln, lf := strings.ToLower(n), strings.ToLower(f)
		switch {
		case n == "" || f == "":
			errs = append(errs, fmt.Errorf("%s.attributes: %q: %q: give each attribute a name and a CRM field", section, x.Name, x.Field))
		case names[ln]:
			errs = append(errs, fmt.Errorf("%s.attributes: the name %q is used twice: give each attribute its own", section, n))
		case fields[lf]:
			errs = append(errs, fmt.Errorf("%s.attributes: the field %s is kept twice: keep it once", section, f))
		case n != f && mapped[ln]:
			errs = append(errs, fmt.Errorf("%s.attributes: the name %q is a field %s.columns already reads: choose another name", section, n, section))
		}
		names[ln], fields[lf] = true, true
	}
	return errs
}
