package bot

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// fuzzRouter has a route of every kind whose handlers read what the router promises they may
// rely on (checkInteraction): the acting user, each action's id, a submission's state values.
func fuzzRouter() *Router {
	r := NewRouter()
	r.Slash("/leads", func(_ context.Context, c slack.SlashCommand) { _ = c.Text + c.UserID })
	r.Action("feedback_up", func(_ context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) {
		_ = cb.User.ID + a.ActionID + a.Value + a.SelectedOption.Value
	})
	r.UrgentAction("feedback_down", func(_ context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) {
		_ = cb.TriggerID + a.BlockID
	})
	read := func(cb *slack.InteractionCallback) map[string]string {
		v := cb.View.State.Values["reason"]["reason_select"]
		if v.SelectedOption.Value == "" {
			return map[string]string{"reason": "pick a reason"}
		}
		return nil
	}
	r.ViewSubmission("reason_modal", ViewHandler{Validate: read, Submit: func(_ context.Context, cb *slack.InteractionCallback) { read(cb) }})
	r.ViewClosed("reason_modal", func(_ context.Context, cb *slack.InteractionCallback) { _ = cb.View.PrivateMetadata })
	r.Event("app_home_opened", func(_ context.Context, ev slackevents.EventsAPIEvent) {
		if e, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok {
			_ = e.User + e.Tab
		}
	})
	return r
}

// decode turns a payload into what socketmode hands the bot for an envelope of type kind, the
// way socketmode decodes it; ok is false where socketmode would report a bad message.
func decode(kind string, payload []byte) (any, bool) {
	switch kind {
	case "slash_commands":
		var c slack.SlashCommand
		return c, json.Unmarshal(payload, &c) == nil
	case "interactive":
		var cb slack.InteractionCallback
		return cb, json.Unmarshal(payload, &cb) == nil
	case "events_api":
		ev, err := slackevents.ParseEvent(payload, slackevents.OptionNoVerifyToken())
		return ev, err == nil
	}
	return nil, true
}

// FuzzRoute feeds the router envelopes of every type, well formed and not: the checks before the
// ack never panic, and no handler panics on what passed them.
func FuzzRoute(f *testing.F) {
	user := `"user":{"id":"U1"},"team":{"id":"T1"}`
	seeds := []struct{ kind, payload string }{
		{"slash_commands", `{"command":"/leads","user_id":"U1","text":"acme","response_url":"http://x/r"}`},
		{"slash_commands", `{"command":"leads","user_id":""}`},
		{"slash_commands", `{}`},
		{"interactive", `{"type":"block_actions",` + user + `,"actions":[{"action_id":"feedback_up","value":"7"}]}`},
		{"interactive", `{"type":"block_actions",` + user + `,"actions":[{"action_id":"feedback_down","block_id":"b"},null]}`},
		{"interactive", `{"type":"block_actions",` + user + `,"actions":[]}`},
		{"interactive", `{"type":"block_actions","actions":[{"action_id":"feedback_up"}]}`},
		{"interactive", `{"type":"view_submission",` + user + `,"view":{"id":"V1","callback_id":"reason_modal","state":{"values":{"reason":{"reason_select":{"type":"static_select","selected_option":{"value":"budget"}}}}}}}`},
		{"interactive", `{"type":"view_submission",` + user + `,"view":{"id":"V1","callback_id":"reason_modal"}}`},
		{"interactive", `{"type":"view_submission",` + user + `,"view":{"id":"V1","callback_id":"reason_modal","state":{"values":null}}}`},
		{"interactive", `{"type":"view_submission",` + user + `,"view":{"id":"V1","callback_id":"reason_modal","state":{"values":{"reason":null}}}}`},
		{"interactive", `{"type":"view_closed",` + user + `,"view":{"id":"V1","callback_id":"reason_modal"}}`},
		{"interactive", `{"type":"view_closed",` + user + `}`},
		{"interactive", `{"type":"shortcut",` + user + `,"callback_id":"find_lead","trigger_id":"1.2"}`},
		{"interactive", `{"type":"message_action",` + user + `,"callback_id":"judge","message":{"ts":"1.2"}}`},
		{"interactive", `{"type":"block_suggestion",` + user + `,"action_id":"feedback_up","value":"a"}`},
		{"interactive", `{"type":""}`},
		{"events_api", `{"type":"event_callback","team_id":"T1","event":{"type":"app_home_opened","user":"U1","tab":"home"}}`},
		{"events_api", `{"type":"event_callback","event":{"type":"app_home_opened"}}`},
		{"events_api", `{"type":"event_callback","event":{"type":"message","text":null}}`},
		{"events_api", `{"type":"event_callback","event":null}`},
		{"events_api", `{"type":"event_callback"}`},
		{"events_api", `{"type":"url_verification","challenge":"x"}`},
		{"hello", `null`},
	}
	for _, s := range seeds {
		f.Add(s.kind, []byte(s.payload))
	}
	r := fuzzRouter()
	f.Fuzz(func(t *testing.T, kind string, payload []byte) {
		data, ok := decode(kind, payload)
		if !ok {
			return // socketmode reports it as a bad message: Bot.badMessage acks it unread
		}
		out := r.route(data)
		if out.panicked != nil {
			t.Fatalf("a check panicked on %s %s: %v\n%s", kind, payload, out.panicked, out.stack)
		}
		if out.refused != "" && out.work != nil {
			t.Fatalf("refused (%s) yet work to do", out.refused)
		}
		if out.work != nil {
			out.work(context.Background()) // a panic here fails the test: spawn would only log it
		}
		if _, err := json.Marshal(out.payload); err != nil {
			t.Fatalf("the ack payload does not encode: %v", err)
		}
	})
}

// TestRouteRecoversPanickingChecks: a validator that panics before the ack is answered with the
// generic error, never a crash.
func TestRouteRecoversPanickingChecks(t *testing.T) {
	r := NewRouter()
	r.ViewSubmission("v", ViewHandler{Validate: func(*slack.InteractionCallback) map[string]string { panic("bug") }})
	cb := slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "U1"}}
	cb.View.ID, cb.View.CallbackID, cb.View.State = "V1", "v", &slack.ViewState{Values: map[string]map[string]slack.BlockAction{}}
	out := r.route(cb)
	if out.panicked == nil || out.work != nil || out.payload == nil || out.userID != "U1" {
		t.Fatalf("route: %+v", out)
	}
	b, _ := json.Marshal(out.payload)
	var ack struct {
		ResponseAction string `json:"response_action"`
		View           struct {
			Type string `json:"type"`
		} `json:"view"`
	}
	if json.Unmarshal(b, &ack) != nil || ack.ResponseAction != "update" || ack.View.Type != "modal" {
		t.Fatalf("ack payload %s: want the modal replaced by the generic error", b)
	}
}
