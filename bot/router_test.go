package bot

import (
	"context"
	"testing"

	"github.com/slack-go/slack"
)

func TestRouterMarksModalOpeningActionsUrgent(t *testing.T) {
	r := NewRouter()
	var got []string
	r.Action("up", func(_ context.Context, _ *slack.InteractionCallback, a *slack.BlockAction) {
		got = append(got, a.ActionID)
	})
	r.UrgentAction("down", func(_ context.Context, _ *slack.InteractionCallback, a *slack.BlockAction) {
		got = append(got, a.ActionID)
	})
	cb := func(ids ...string) *slack.InteractionCallback {
		c := &slack.InteractionCallback{Type: slack.InteractionTypeBlockActions}
		for _, id := range ids {
			c.ActionCallback.BlockActions = append(c.ActionCallback.BlockActions, &slack.BlockAction{ActionID: id})
		}
		return c
	}
	cases := []struct {
		ids    []string
		urgent bool
		work   bool
	}{
		{[]string{"up"}, false, true},
		{[]string{"down"}, true, true},
		{[]string{"unknown"}, false, false},
	}
	for _, tc := range cases {
		_, work, urgent := r.interaction(cb(tc.ids...))
		if urgent != tc.urgent || (work != nil) != tc.work {
			t.Errorf("%v: urgent=%v work=%v, want %v %v", tc.ids, urgent, work != nil, tc.urgent, tc.work)
		}
		if work != nil {
			work(context.Background())
		}
	}
	if len(got) != 2 || got[0] != "up" || got[1] != "down" {
		t.Fatalf("handlers ran: %v", got)
	}
	// A view submission whose validation fails answers in the ack and does no work.
	r.ViewSubmission("form", ViewHandler{
		Validate: func(*slack.InteractionCallback) map[string]string { return map[string]string{"b": "pick one"} },
		Submit:   func(context.Context, *slack.InteractionCallback) { t.Error("submitted despite errors") },
	})
	vs := &slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission}
	vs.View.CallbackID = "form"
	payload, work, _ := r.interaction(vs)
	if work != nil || payload == nil {
		t.Fatalf("invalid submission: payload %v, work %v", payload, work != nil)
	}
}
