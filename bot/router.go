package bot

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// SlashHandler works on a slash command after it has been acknowledged. It answers through the
// command's response_url.
type SlashHandler func(ctx context.Context, cmd slack.SlashCommand)

// ActionHandler works on one block action (a button, an overflow option) after the envelope has
// been acknowledged.
type ActionHandler func(ctx context.Context, cb *slack.InteractionCallback, action *slack.BlockAction)

// ViewHandler handles a modal submission in two steps. Validate runs before the ack and must be
// quick and free of I/O: the errors it returns (block id → message) go back in the ack as
// response_action "errors" and keep the modal open. When there are none, the modal closes and
// Submit does the work.
type ViewHandler struct {
	Validate func(cb *slack.InteractionCallback) map[string]string
	Submit   func(ctx context.Context, cb *slack.InteractionCallback)
}

// EventHandler works on an Events API event after it has been acknowledged.
type EventHandler func(ctx context.Context, ev slackevents.EventsAPIEvent)

// Router maps envelopes to handlers: slash commands by command, block actions by action id,
// view submissions and closes by callback id, events by inner event type.
type Router struct {
	slashes    map[string]SlashHandler
	actions    map[string]ActionHandler
	urgent     map[string]bool
	views      map[string]ViewHandler
	viewCloses map[string]func(ctx context.Context, cb *slack.InteractionCallback)
	events     map[string]EventHandler
	// Fallback answers slash commands nobody registered (nil: ignored).
	Fallback SlashHandler
}

// NewRouter returns an empty router.
func NewRouter() *Router {
	return &Router{
		slashes:    map[string]SlashHandler{},
		actions:    map[string]ActionHandler{},
		urgent:     map[string]bool{},
		views:      map[string]ViewHandler{},
		viewCloses: map[string]func(context.Context, *slack.InteractionCallback){},
		events:     map[string]EventHandler{},
	}
}

// Slash routes a command such as "/leads".
func (r *Router) Slash(command string, h SlashHandler) { r.slashes[command] = h }

// Action routes a block action id.
func (r *Router) Action(actionID string, h ActionHandler) { r.actions[actionID] = h }

// UrgentAction routes a block action whose work must start at once rather than wait for a free
// worker: one that opens a modal, since the trigger id expires three seconds after the click.
func (r *Router) UrgentAction(actionID string, h ActionHandler) {
	r.actions[actionID], r.urgent[actionID] = h, true
}

// ViewSubmission routes a modal's callback id.
func (r *Router) ViewSubmission(callbackID string, h ViewHandler) { r.views[callbackID] = h }

// ViewClosed routes a modal's callback id when the user closes it (notify_on_close).
func (r *Router) ViewClosed(callbackID string, h func(ctx context.Context, cb *slack.InteractionCallback)) {
	r.viewCloses[callbackID] = h
}

// Event routes an Events API inner event type such as "app_home_opened".
func (r *Router) Event(eventType string, h EventHandler) { r.events[eventType] = h }

func (r *Router) slash(cmd slack.SlashCommand) func(context.Context) {
	h, ok := r.slashes[cmd.Command]
	if !ok {
		h = r.Fallback
	}
	if h == nil {
		return nil
	}
	return func(ctx context.Context) { h(ctx, cmd) }
}

// interaction returns the ack payload (for view submissions), the work to do after the ack, and
// whether that work is urgent (see UrgentAction).
func (r *Router) interaction(cb *slack.InteractionCallback) (any, func(context.Context), bool) {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		var hs []func(context.Context)
		urgent := false
		for _, a := range cb.ActionCallback.BlockActions {
			if h, ok := r.actions[a.ActionID]; ok {
				hs = append(hs, func(ctx context.Context) { h(ctx, cb, a) })
				urgent = urgent || r.urgent[a.ActionID]
			}
		}
		if len(hs) == 0 {
			return nil, nil, false
		}
		return nil, func(ctx context.Context) {
			for _, h := range hs {
				h(ctx)
			}
		}, urgent
	case slack.InteractionTypeViewSubmission:
		h, ok := r.views[cb.View.CallbackID]
		if !ok {
			return nil, nil, false
		}
		if h.Validate != nil {
			if errs := h.Validate(cb); len(errs) > 0 {
				return slack.NewErrorsViewSubmissionResponse(errs), nil, false
			}
		}
		if h.Submit == nil {
			return nil, nil, false
		}
		return nil, func(ctx context.Context) { h.Submit(ctx, cb) }, false
	case slack.InteractionTypeViewClosed:
		if h, ok := r.viewCloses[cb.View.CallbackID]; ok {
			return nil, func(ctx context.Context) { h(ctx, cb) }, false
		}
	}
	return nil, nil, false
}

func (r *Router) event(ev slackevents.EventsAPIEvent) func(context.Context) {
	h, ok := r.events[ev.InnerEvent.Type]
	if !ok {
		return nil
	}
	return func(ctx context.Context) { h(ctx, ev) }
}
