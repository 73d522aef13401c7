package crmsync

import (
	"context"
	"fmt"
)

// Check tests the HubSpot connection: the token and its scopes (owners, contacts, deals), and
// the write-back properties.
func (h *HubSpot) Check(ctx context.Context) []Check {
	h.defaults()
	var out []Check
	owners, err := h.Client.Owners(ctx)
	if err != nil {
		return append(out, Check{What: "sign in to HubSpot and read the owners", Fix: err.Error()})
	}
	out = append(out, Check{What: fmt.Sprintf("sign in to HubSpot; %d owners", len(owners)), OK: true})
	for _, object := range []string{"contacts", "deals"} {
		prop := map[string]string{"contacts": "lastmodifieddate", "deals": "hs_lastmodifieddate"}[object]
		_, err := h.Client.Search(ctx, object, prop, h.Now().Add(-time1), h.Now(), nil, "")
		c := Check{What: "search " + object, OK: err == nil}
		if err != nil {
			c.Fix = err.Error()
		}
		out = append(out, c)
	}
	if h.Config.WriteBack == nil {
		return out
	}
	props, err := h.Client.Properties(ctx, "contacts")
	if err != nil {
		return append(out, Check{What: "read the contact properties", Fix: err.Error()})
	}
	for _, spec := range h.Config.WriteBack.Specs() {
		_, ok := props[spec.Name]
		out = append(out, Check{What: "write-back property contacts." + spec.Name, OK: ok,
			Fix: fmt.Sprintf("create it: Settings → Properties → Contact properties → Create property, internal name %s, %s (%s)", spec.Name, hsType(spec.Type), spec.Holds)})
	}
	return out
}

const time1 = 24 * 60 * 60 * 1e9 // a day

// hsType names HubSpot's field type for a Salesforce-style spec.
func hsType(t string) string {
	switch {
	case t == "Date/Time":
		return "Date picker (date and time)"
	case len(t) > 6 && t[:6] == "Number":
		return "Number"
	}
	return "Single-line text"
}

// HubSpotSpecs lists the contact properties to create, with HubSpot's types.
func HubSpotSpecs(w WriteBackFields) []FieldSpec {
	specs := w.Specs()
	for i := range specs {
		specs[i].Type = hsType(specs[i].Type)
	}
	return specs
}
