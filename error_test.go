package leadbot_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/leadbot/leadbot"
)

func TestErrorCodeAndMessage(t *testing.T) {
	cause := errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
	tests := []struct {
		name     string
		err      error
		code     string
		message  string // a substring of what a person reads
		noCauses bool   // the cause must not reach the person
	}{
		{"nil", nil, "", "", false},
		{"a plain error is internal, and its text stays in the log", cause, leadbot.EINTERNAL, "something went wrong on leadbot's side", true},
		{"an unavailable database says to try again", &leadbot.Error{Code: leadbot.EUNAVAILABLE, Op: "store.LeadByID", Err: cause}, leadbot.EUNAVAILABLE, "try again in a minute", true},
		{"a message for people wins", &leadbot.Error{Code: leadbot.EINVALID, Message: "Pick a reason first."}, leadbot.EINVALID, "Pick a reason first.", false},
		{"wrapped, the code and message survive", fmt.Errorf("digest 4: %w", leadbot.Errorf(leadbot.ENOTFOUND, "No rep %q.", "ann")), leadbot.ENOTFOUND, `No rep "ann".`, false},
		{"an op-only wrapper takes its cause's code", &leadbot.Error{Op: "handlers.judge", Err: &leadbot.Error{Code: leadbot.EFORBIDDEN, Message: "Not yours."}}, leadbot.EFORBIDDEN, "Not yours.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := leadbot.ErrorCode(tt.err); got != tt.code {
				t.Errorf("code %q, want %q", got, tt.code)
			}
			msg := leadbot.ErrorMessage(tt.err)
			if !strings.Contains(msg, tt.message) {
				t.Errorf("message %q, want it to contain %q", msg, tt.message)
			}
			if tt.noCauses && strings.Contains(msg, "5432") {
				t.Errorf("the cause reached the person: %q", msg)
			}
		})
	}
	e := &leadbot.Error{Code: leadbot.EUNAVAILABLE, Op: "store.LeadByID", Err: cause}
	if !errors.Is(e, cause) || !strings.Contains(e.Error(), "store.LeadByID") || !strings.Contains(e.Error(), "refused") {
		t.Errorf("Error() = %q: the log must get the op and the cause", e.Error())
	}
}

func TestFactorsTopAndStrength(t *testing.T) {
	f := leadbot.Factors{Factors: []leadbot.Factor{
		{Column: "a", Value: 0.2}, {Column: "b", Value: -1.5}, {Column: "c", Value: 1.1},
		{Column: "d", Value: 0}, {Column: "e", Value: -0.4}, {Column: "f", Value: 0.5},
	}}
	ups, downs := f.Top(2, 5)
	if len(ups) != 2 || ups[0].Column != "c" || ups[1].Column != "f" {
		t.Errorf("ups %+v: want c then f", ups)
	}
	if len(downs) != 2 || downs[0].Column != "b" || downs[1].Column != "e" {
		t.Errorf("downs %+v: want b then e, never the zero", downs)
	}
	for _, tt := range []struct {
		v    float64
		want string
	}{{1.1, "strong"}, {-1, "strong"}, {0.5, "moderate"}, {-0.3, "moderate"}, {0.29, "slight"}, {0, "slight"}} {
		if got := leadbot.Strength(tt.v); got != tt.want {
			t.Errorf("Strength(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
