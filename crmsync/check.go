package crmsync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/leadbot/leadbot/crmsync/salesforce"
)

// Check is one line of `leadbot crm check`: what was checked, whether it passed, and what to fix.
type Check struct {
	What string
	OK   bool
	Fix  string
}

// Check tests the connection as the sync will use it: the token, the daily allowance and
// leadbot's share of it, each object the sync reads and its fields, and the write-back fields
// (present, updateable, long enough).
func (s *Salesforce) Check(ctx context.Context) []Check {
	s.defaults()
	var out []Check
	inst, err := s.Client.Instance(ctx)
	if err != nil {
		return append(out, Check{What: "sign in to Salesforce", Fix: err.Error()})
	}
	out = append(out, Check{What: "sign in to Salesforce (" + inst + ")", OK: true})
	if max, remaining, err := s.Client.Limits(ctx); err != nil {
		out = append(out, Check{What: "read the API limits", Fix: fixFor(err, "")})
	} else {
		calls, _, _ := s.Store.CRMBudget(ctx, sfSystem, s.Now().UTC().Truncate(24*60*60*1e9))
		out = append(out, Check{What: fmt.Sprintf("daily API allowance %d, %d left; leadbot used %d of its share today", max, remaining, calls),
			OK: remaining > 0, Fix: "the org has no API calls left today: wait for the 24-hour window to roll, or raise crm.budget_share only if other integrations can spare it"})
	}
	lead := s.leadFields()
	opp := []string{"Id", "IsDeleted", "SystemModstamp", "IsClosed", "IsWon", "StageName", "Amount", "CloseDate"}
	out = append(out, s.checkObject(ctx, "Lead", lead)...)
	out = append(out, s.checkObject(ctx, "Opportunity", opp)...)
	out = append(out, s.checkObject(ctx, "User", []string{"Email"})...)
	return out
}

// checkObject describes object and checks that fields (plain or a relationship's, Owner.Email)
// are there and, for the write-back on Lead, updateable and long enough.
func (s *Salesforce) checkObject(ctx context.Context, object string, fields []string) []Check {
	fs, err := s.Client.Describe(ctx, object)
	if err != nil {
		return []Check{{What: "read " + object, Fix: fixFor(err, object)}}
	}
	byName := map[string]salesforce.Field{}
	for _, f := range fs {
		byName[strings.ToLower(f.Name)] = f
	}
	var missing []string
	for _, f := range fields {
		name, _, rel := strings.Cut(f, ".")
		if rel {
			name += "Id"
		}
		if _, ok := byName[strings.ToLower(name)]; !ok {
			missing = append(missing, f)
		}
	}
	out := []Check{{What: fmt.Sprintf("%s: the %d fields the sync reads", object, len(fields)), OK: len(missing) == 0,
		Fix: "missing or hidden from the integration user: " + strings.Join(missing, ", ") +
			" (fix crm.salesforce.columns / attributes, or grant read access in the field-level security of the user's permission set)"}}
	if object != "Lead" || s.Config.WriteBack == nil {
		return out
	}
	for _, spec := range s.Config.WriteBack.Specs() {
		f, ok := byName[strings.ToLower(spec.Name)]
		c := Check{What: "write-back field Lead." + spec.Name, OK: ok && f.Updateable && (spec.Length == 0 || f.Type != "string" || f.Length >= spec.Length)}
		switch {
		case !ok:
			c.Fix = fmt.Sprintf("create it: Setup → Object Manager → Lead → Fields & Relationships → New, %s (%s)", spec.Type, spec.Holds)
		case !f.Updateable:
			c.Fix = "make it editable for the integration user (field-level security: Edit)"
		case !c.OK:
			c.Fix = fmt.Sprintf("it holds %d characters; make it %s", f.Length, spec.Type)
		}
		out = append(out, c)
	}
	return out
}

// fixFor says what to do about an API error.
func fixFor(err error, object string) string {
	var ae *salesforce.APIError
	if errors.As(err, &ae) {
		switch ae.Code {
		case "INSUFFICIENT_ACCESS", "INSUFFICIENT_ACCESS_OR_READONLY":
			return "the integration user may not read " + object + ": give its permission set Read on " + object + " and API Enabled"
		case "API_DISABLED_FOR_ORG", "API_CURRENTLY_DISABLED":
			return "the org or the user has no API access: enable \"API Enabled\" on the user's profile or permission set (the API needs Enterprise edition or above)"
		case "NOT_FOUND":
			return object + " does not exist in this org, or crm.salesforce.api_version is wrong"
		}
	}
	if budgetStop(err) {
		return "leadbot's share of today's API allowance is used up (crm.budget_share); the sync resumes tomorrow"
	}
	return err.Error()
}
